"""`mijian scan --db` on the gateway's own database while the real daemon decides files into it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time

from watch_helpers import CLEAN, MARKED, start, stop, until, write_config


def test_scan_beside_a_running_watch_on_the_same_database(tmp_path):
    config = write_config(tmp_path)
    batch = tmp_path / "batch"
    batch.mkdir()
    for i in range(5):
        (batch / f"b{i}.txt").write_text(CLEAN.format(i=i), encoding="utf-8")
    (batch / "marked.txt").write_text(MARKED.format(i=99), encoding="utf-8")
    db = tmp_path / "mijian.db"
    proc = start(config, log=tmp_path / "watch.log")
    fed: list[int] = []
    stopping = threading.Event()

    def feed() -> None:
        # A steady stream into the inbox, so the daemon writes all the while the scans run.
        i = 0
        while not stopping.is_set():
            part = tmp_path / f".part{i}"
            part.write_text((MARKED if i % 2 else CLEAN).format(i=i), encoding="utf-8")
            os.rename(part, tmp_path / "inbox" / "out" / f"f{i}.txt")
            fed.append(i)
            i += 1
            time.sleep(0.03)

    feeder = threading.Thread(target=feed)
    try:
        until(lambda: db.exists(), timeout=60)
        feeder.start()
        until(lambda: (tmp_path / "spool" / "quarantine" / "out").is_dir(), timeout=90)
        codes = []
        for _ in range(2):
            done = subprocess.run([sys.executable, "-m", "scanner", "scan", str(batch), "--db", str(db),
                                   "--config", str(config), "--rescan", "--no-progress", "--format", "jsonl"],
                                  capture_output=True, text=True, timeout=300)
            assert "locked" not in done.stderr, done.stderr
            codes.append(done.returncode)
    finally:
        stopping.set()
        if feeder.is_alive():
            feeder.join()
        code = stop(proc)
    assert codes == [1, 1]  # the marked file blocks: exit 1 by verdict, never 3
    assert code == 0, (tmp_path / "watch.log").read_text(encoding="utf-8")[-2000:]
    con = sqlite3.connect(db)
    scanned = con.execute("select count(*) from items where path like ?", [f"{batch}%"]).fetchone()[0]
    assert scanned == 2 * 6
    assert con.execute("select count(*) from spool_jobs").fetchone()[0] > 0
