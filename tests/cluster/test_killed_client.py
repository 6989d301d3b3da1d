"""`mijian scan --cluster local:2` killed (SIGKILL) after some batches were recorded, or a scan whose
scheduler is killed; `--resume RUN_ID` completes the run exactly: every file recorded once, the output
that of an uninterrupted local scan."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from cluster_helpers import files_once, jsonl

ROOT = Path(__file__).resolve().parents[2]
TOTAL = 150


def _mijian(*args: str, cwd: Path, **kwargs):
    env = dict(os.environ, PYTHONPATH=str(ROOT), MIJIAN_LANG="zh")
    env.pop("MIJIAN_CONFIG", None)
    return [sys.executable, "-m", "scanner", *args], dict(cwd=cwd, env=env, **kwargs)


def _recorded(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(db, timeout=1)
        try:
            return con.execute("select count(*) from items where member is null").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:  # the tables are not made yet
        return 0


def _corpus(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(TOTAL):
        text = f"机密★{i % 9 + 1}年\n通知{i}\n" if i % 11 == 0 else f"关于第{i}次会议的通知\n会议正常进行。\n"
        (folder / f"f{i:03d}.txt").write_text(text, encoding="utf-8")
    (tmp_path / "c.toml").write_text('[detect]\nmodel = ""\nsensitivity_model = ""\nentities = false\n'
                                     '[cluster]\nbatch_size = 2\nbatches_per_worker = 2\n', encoding="utf-8")


def _wait_for_records(db: Path, proc: subprocess.Popen, count: int) -> None:
    deadline = time.monotonic() + 300
    while _recorded(db) < count and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the scan ended before it could be stopped: " + proc.stderr.read().decode()


def _end_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(10)


def test_a_lost_scheduler_leaves_a_run_that_resume_completes(tmp_path):
    _corpus(tmp_path)
    db = tmp_path / "m.db"
    common = ["--db", "m.db", "--config", "c.toml", "--format", "jsonl", "--no-progress"]
    scheduler_file = tmp_path / "scheduler.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                                 cwd=tmp_path, env=env, start_new_session=True, stderr=subprocess.DEVNULL)
    worker = client = None
    try:
        deadline = time.monotonic() + 120
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "2",
                                   "--nthreads", "1", "--no-dashboard"], cwd=tmp_path, env=env,
                                  start_new_session=True, stderr=subprocess.DEVNULL)
        cmd, kw = _mijian("scan", "in", "--cluster", address, "-o", "first.jsonl", *common, cwd=tmp_path)
        client = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
        _wait_for_records(db, client, 10)
        os.kill(scheduler.pid, signal.SIGKILL)
        _, err = client.communicate(timeout=180)
    finally:
        for proc in (client, worker, scheduler):
            if proc is not None:
                _end_group(proc)
    err = err.decode()
    assert client.returncode == 3, err
    assert "--resume 1" in err  # the run is named, with how to go on
    committed = _recorded(db)
    assert committed < TOTAL and set(files_once(db, 1).values()) == {1}

    cmd, kw = _mijian("scan", "--resume", "1", "--cluster", "local:2", "-o", "second.jsonl", *common, cwd=tmp_path)
    resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert resumed.returncode == 1, resumed.stderr
    once = files_once(db, 1)
    assert len(once) == TOTAL and set(once.values()) == {1}
    assert len(jsonl((tmp_path / "second.jsonl").read_text(encoding="utf-8"))) == TOTAL


def test_a_killed_client_leaves_a_run_that_resume_completes_exactly(tmp_path):
    _corpus(tmp_path)
    db = tmp_path / "m.db"
    common = ["--db", "m.db", "--config", "c.toml", "--format", "jsonl", "--no-progress"]

    cmd, kw = _mijian("scan", "in", "--cluster", "local:2", "-o", "first.jsonl", *common, cwd=tmp_path)
    client = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    try:
        _wait_for_records(db, client, 10)
        os.kill(client.pid, signal.SIGKILL)
        client.wait(10)
    finally:
        _end_group(client)  # its LocalCluster's processes (nannies, workers, readers) are orphaned
    con = sqlite3.connect(db)
    run_id, finished = con.execute("select id, finished_at from runs").fetchone()
    con.close()
    committed = _recorded(db)
    assert finished is None and 10 <= committed < TOTAL
    assert set(files_once(db, run_id).values()) == {1}

    cmd, kw = _mijian("scan", "--resume", str(run_id), "--cluster", "local:2", "-o", "second.jsonl", *common,
                      cwd=tmp_path)
    resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert resumed.returncode == 1, resumed.stderr  # marked files were found
    assert f"沿用扫描任务 {run_id} 已记录的 {committed} 个文件" in resumed.stderr

    once = files_once(db, run_id)
    assert len(once) == TOTAL and set(once.values()) == {1}
    con = sqlite3.connect(db)
    finished, items = con.execute("select finished_at, items from runs where id = ?", [run_id]).fetchone()
    con.close()
    assert finished is not None and items == TOTAL

    # The completed run's output is an uninterrupted local scan's.
    cmd, kw = _mijian("scan", "in", "--db", "local.db", "--config", "c.toml", "--format", "jsonl", "--no-progress",
                      "-o", "local.jsonl", cwd=tmp_path)
    subprocess.run(cmd, capture_output=True, timeout=600, **kw)
    second = jsonl((tmp_path / "second.jsonl").read_text(encoding="utf-8"))
    assert len(second) == TOTAL
    assert second == jsonl((tmp_path / "local.jsonl").read_text(encoding="utf-8"))
