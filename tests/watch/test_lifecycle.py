"""The daemon's lifecycle as an operator sees it, run for real: "ready" once a worker can decide (log and
/health), SIGTERM bounded when moves keep failing, and every fatal error one JSON line with a code and an
exit code by kind (2 config, 3 runtime, 4 database)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

from watch_helpers import CLEAN, journal, outcomes, start, stop, until, write_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _events(log) -> list[dict]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


def _run(config, *args, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scanner", "watch", "--config", str(config), *args],
                          capture_output=True, timeout=timeout, env={**os.environ, "MIJIAN_LANG": "zh"})


def _fatal(stderr: bytes) -> dict:
    text = stderr.decode("utf-8")
    assert "Traceback" not in text.split('"traceback"')[0]  # no raw traceback, only JSON lines
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines and lines[-1]["event"] == "fatal"
    return lines[-1]


def test_ready_is_logged_and_reported_once_a_worker_can_decide(tmp_path):
    port = _free_port()
    config = write_config(tmp_path, watch_extra=f"metrics_port = {port}")
    log = tmp_path / "daemon.log"
    proc = start(config, log=log)
    seen = []

    def ready() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                seen.append((response.status, json.loads(response.read())))
        except urllib.error.HTTPError as exc:
            seen.append((exc.code, json.loads(exc.read())))
        except OSError:
            pass  # not listening yet
        return any(e["event"] == "ready" for e in _events(log))

    try:
        until(ready, 60)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
            doc = json.loads(response.read())
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    finally:
        assert stop(proc) == 0
    assert doc["status"] == "ok" and doc["ready"] is True and doc["workers_ready"] >= 1
    assert "mijian_watch_ready 1" in metrics
    # Before a worker could decide, /health said so (503).
    assert (503, "starting") in [(code, d["status"]) for code, d in seen]
    assert all(d["ready"] is False for code, d in seen if d["status"] == "starting")
    events = [e["event"] for e in _events(log)]
    assert events.index("started") < events.index("ready")
    [line] = [e for e in _events(log) if e["event"] == "ready"]
    assert line["workers_ready"] >= 1 and line["workers"] == 2 and line["startup_ms"] > 0


def test_sigterm_is_bounded_when_moves_keep_failing(tmp_path):
    config = write_config(tmp_path, watch_extra="stop_timeout = 2")
    released = tmp_path / "spool" / "released" / "out"
    released.mkdir(parents=True)
    log = tmp_path / "daemon.log"
    subprocess.run(["chattr", "+i", str(released)], check=True)  # nothing can be moved in, even by root
    try:
        proc = start(config, log=log)
        (tmp_path / "inbox" / "out" / "a.txt").write_text(CLEAN.format(i=1), encoding="utf-8")
        until(lambda: any(e["event"] == "move.failed" for e in _events(log)), 60)
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
            raise AssertionError("SIGTERM did not stop the daemon while a move kept failing") from None
        assert code == 0
        events = [e["event"] for e in _events(log)]
        assert "stop.timeout" in events and events[-1] == "stopped"
        [row] = journal(tmp_path)
        assert row["state"] == "decided"  # left for recovery, as after kill -9
        assert (tmp_path / "spool" / "processing" / str(row["id"]) / "a.txt").exists()
    finally:
        subprocess.run(["chattr", "-i", str(released)], check=True)
    proc = start(config, "--once", log=log)
    assert proc.wait(60) == 0
    assert outcomes(tmp_path) == {"a.txt": ["released"]}
    assert [r["state"] for r in journal(tmp_path)] == ["released"]


def test_a_config_error_at_start_is_a_json_line_and_exit_2(tmp_path):
    config = write_config(tmp_path, watch_extra="max_attempts = 0")
    done = _run(config)
    assert done.returncode == 2
    line = _fatal(done.stderr)
    assert line["code"] == "config.invalid" and line["exit_code"] == 2 and "watch.max_attempts" in line["error"]


def test_a_database_that_cannot_be_opened_is_exit_4(tmp_path):
    config = write_config(tmp_path)
    (tmp_path / "mijian.db").write_bytes(b"this is not a database " * 200)
    done = _run(config)
    assert done.returncode == 4
    line = _fatal(done.stderr)
    assert line["code"] == "store.failed" and line["exit_code"] == 4 and line["level"] == "critical"


def test_runtime_errors_are_exit_3_with_their_code_even_when_logging_to_a_file(tmp_path):
    log = tmp_path / "daemon.log"
    config = write_config(tmp_path, watch_extra=f'log_file = "{log.as_posix()}"')
    first = start(config)
    try:
        until(lambda: any(e["event"] == "started" for e in _events(log)), 60)
        done = _run(config)  # the same spool: locked by the first daemon
    finally:
        assert stop(first) == 0
    assert done.returncode == 3
    line = _fatal(done.stderr)  # on stderr too, for the service manager
    assert line["code"] == "watch.locked" and line["exit_code"] == 3
    assert [e["code"] for e in _events(log) if e["event"] == "fatal"] == ["watch.locked"]  # and in the log file

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        done = _run(config, "--metrics-port", str(taken.getsockname()[1]))
    finally:
        taken.close()
    assert done.returncode == 3
    assert _fatal(done.stderr)["code"] == "watch.metrics_port"
