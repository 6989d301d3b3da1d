"""The daemon's operations, run for real: names kept, sidecars carried, temporary names ignored, metrics,
health, notification by mail, SIGHUP reload, SIGTERM; and fail-closed paths (timeout, database down)."""

from __future__ import annotations

import json
import signal
import socket
import urllib.request

from scanner.config import load_config
from scanner.errors import StoreError
from scanner.ingest import watch as watch_module
from scanner.ingest.watch_config import parse_watch
from scanner.store.journal import Journal
from watch_helpers import CLEAN, MARKED, items, journal, outcomes, start, stop, until, wait_for, write_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



def test_operations_of_a_running_daemon(tmp_path):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Box(Message):
        messages: list = []

        def handle_message(self, message):
            Box.messages.append(message)

    smtp_port, metrics_port = _free_port(), _free_port()
    smtp = Controller(Box(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    health = tmp_path / "health.json"
    notify = (f'[watch.notify]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\nmail_from = "gw@example.org"\n'
              'mail_to = ["officer@example.org"]\nretries = 2\nbackoff_seconds = 0.1\n')
    config = write_config(tmp_path, watch_extra=f'health_file = "{health}"\nmetrics_port = {metrics_port}')
    config.write_text(config.read_text(encoding="utf-8") + notify, encoding="utf-8")
    inbox = tmp_path / "inbox" / "out"
    released = tmp_path / "spool" / "released" / "out"
    quarantine = tmp_path / "spool" / "quarantine" / "out"
    proc = start(config, log=tmp_path / "daemon.log")
    try:
        (inbox / "same.txt").write_text(CLEAN.format(i=1), encoding="utf-8")
        (inbox / "note.txt.meta.json").write_text(json.dumps({"sender": "李四", "recipient": "acme"}), encoding="utf-8")
        (inbox / "note.txt").write_text(CLEAN.format(i=2), encoding="utf-8")
        (inbox / "secret.txt").write_text(MARKED.format(i=3), encoding="utf-8")
        (inbox / "upload.docx.part").write_text("still uploading", encoding="utf-8")
        (inbox / "~$draft.docx").write_text("office lock file", encoding="utf-8")
        wait_for(tmp_path, 3, proc=proc)
        (inbox / "same.txt").write_text(CLEAN.format(i=4), encoding="utf-8")  # the same name again
        wait_for(tmp_path, 4, proc=proc)

        assert sorted(p.name for p in released.iterdir()) == ["note.txt", "note.txt.meta.json", "same (1).txt", "same.txt"]
        assert (released / "same.txt").read_text(encoding="utf-8") == CLEAN.format(i=1)
        assert (released / "same (1).txt").read_text(encoding="utf-8") == CLEAN.format(i=4)
        assert sorted(p.name for p in quarantine.iterdir()) == ["secret.txt", "secret.txt.verdict.json"]
        assert sorted(p.name for p in inbox.iterdir()) == ["upload.docx.part", "~$draft.docx"]

        # An officer is told by mail.
        until(lambda: Box.messages)
        assert "secret.txt" in Box.messages[0]["Subject"]

        # Metrics and health on loopback, and the health file.
        url = f"http://127.0.0.1:{metrics_port}/metrics"
        # The counters move just after the files are delivered: wait for the last one to be counted.
        until(lambda: 'verdict="allow"} 3' in urllib.request.urlopen(url, timeout=5).read().decode())
        text = urllib.request.urlopen(url, timeout=5).read().decode()
        assert 'mijian_watch_files_decided_total{verdict="allow"} 3' in text
        assert 'mijian_watch_files_decided_total{verdict="block"} 1' in text
        assert "mijian_watch_decision_seconds_bucket" in text and "mijian_watch_queue_depth" in text
        doc = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/health", timeout=5).read())
        assert doc["status"] == "ok"
        until(lambda: health.exists() and json.loads(health.read_text(encoding="utf-8"))["decided"]["block"] == 1)

        # SIGHUP: the policy is read again; national-secret marks are now only flagged, and flagged files released.
        config.write_text(config.read_text(encoding="utf-8").replace(
            "[watch]", '[policy.rules]\n"marking.national_secret" = "flag"\n[watch]\nrelease_flagged = true'),
            encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        until(lambda: '"reloaded"' in (tmp_path / "daemon.log").read_text(encoding="utf-8"), 20)
        (inbox / "after.txt").write_text(MARKED.format(i=5), encoding="utf-8")
        until(lambda: (released / "after.txt").exists(), 30)
    finally:
        assert stop(proc) == 0  # SIGTERM: a clean exit
        smtp.stop()
    lines = [json.loads(line) for line in (tmp_path / "daemon.log").read_text(encoding="utf-8").splitlines()]
    assert all({"ts", "level", "event", "msg"} <= set(line) for line in lines)
    assert lines[-1]["event"] == "stopped"
    assert json.loads(health.read_text(encoding="utf-8"))["status"] == "stopped"
    rows = {r["name"]: r for r in journal(tmp_path)}
    assert json.loads(rows["note.txt"]["meta"])["sender"] == "李四" and rows["note.txt"]["recipient"] == ""


def test_a_decision_that_times_out_is_quarantined_with_the_reason(tmp_path):
    config = write_config(tmp_path, watch_extra="decision_timeout = 0.001")
    inbox = tmp_path / "inbox" / "out"
    (inbox / "big.txt").write_text(CLEAN.format(i=0) * 40000, encoding="utf-8")
    proc = start(config, log=tmp_path / "daemon.log")
    try:
        got = wait_for(tmp_path, 1, proc=proc)
    finally:
        stop(proc)
    assert got == {"big.txt": ["quarantine"]}
    verdict = json.loads((tmp_path / "spool" / "quarantine" / "out" / "big.txt.verdict.json").read_text(encoding="utf-8"))
    assert verdict["verdict"] == "block" and "timed out" in verdict["problem"]["detail"]
    assert verdict["problem"]["code"] == "scan.limit"


def test_nothing_is_released_while_the_database_is_unavailable(tmp_path, monkeypatch):
    """In process: recording fails three times; the file waits in processing, then goes out once recorded."""
    cfg = write_config(tmp_path)
    config = load_config(cfg)
    settings = parse_watch(config)
    (tmp_path / "inbox" / "out" / "clean.txt").write_text(CLEAN.format(i=0), encoding="utf-8")
    released = tmp_path / "spool" / "released" / "out"
    real_decide = Journal.decide
    failures = []

    def flaky_decide(self, decisions):
        if len(failures) < 3:
            assert not released.exists() or not any(released.iterdir())
            failures.append(1)
            raise StoreError("数据库已锁定 (database is locked)")
        return real_decide(self, decisions)

    monkeypatch.setattr(Journal, "decide", flaky_decide)
    monkeypatch.setattr(watch_module.signal, "signal", lambda *args: None)
    code = watch_module.run_watch(config, settings, config_path=str(cfg), db_path=str(tmp_path / "mijian.db"), once=True)
    assert code == 0 and len(failures) == 3
    assert [p.name for p in released.iterdir()] == ["clean.txt"]
    assert [r["state"] for r in journal(tmp_path)] == ["released"]


def test_an_archive_is_quarantined_with_its_members_recorded(tmp_path, monkeypatch):
    """In process: the gateway records what it found inside a zip, so an officer sees the member."""
    import zipfile

    cfg = write_config(tmp_path)
    config = load_config(cfg)
    with zipfile.ZipFile(tmp_path / "inbox" / "out" / "pack.zip", "w") as zf:
        zf.writestr("notes/clean.txt", CLEAN.format(i=1))
        zf.writestr("notes/plan.txt", "机密★10年\n关于年度计划的说明\n")
    monkeypatch.setattr(watch_module.signal, "signal", lambda *args: None)
    code = watch_module.run_watch(config, parse_watch(config), config_path=str(cfg),
                                  db_path=str(tmp_path / "mijian.db"), once=True)
    assert code == 0
    assert outcomes(tmp_path) == {"pack.zip": ["quarantine"]}
    rows = sorted((r["member"] or "", r["verdict"]) for r in items(tmp_path).values())
    assert rows == [("", "block"), ("notes/clean.txt", "allow"), ("notes/plan.txt", "block")]
