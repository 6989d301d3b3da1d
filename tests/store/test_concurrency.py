"""Several processes on one database: a fresh file created by many at once, a scan beside a busy writer."""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.store.connect import connect, is_busy, retry_busy
from scanner.store.db import Store

PROCESSES = 6
RUNS_EACH = 15


def _create_and_write(index: int, path: str, barrier, errors) -> None:
    """Open every table family of the same fresh file at once, then write runs and an approval."""
    from scanner.store.approvals import ApprovalStore
    from scanner.store.journal import Journal
    from scanner.store.review import ReviewStore

    try:
        barrier.wait()
        store = Store(path)
        ReviewStore(store)
        ApprovalStore(store)
        Journal(store)
        for k in range(RUNS_EACH):
            run = store.start_run([f"p{index}-{k}"], "0", "fp", "test")
            store.finish_run(run, {"allow": 1, "flag": 0, "block": 0})
        store.close()
    except BaseException as exc:  # reported to the parent, which fails the test with it
        errors.put(f"{index}: {type(exc).__name__}: {exc}")


@pytest.mark.parametrize("trial", range(3))
def test_processes_creating_one_fresh_database_all_succeed(tmp_path, trial):
    path = str(tmp_path / "fresh.db")
    ctx = multiprocessing.get_context("fork")
    barrier, errors = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [ctx.Process(target=_create_and_write, args=(i, path, barrier, errors)) for i in range(PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == []
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    db = sqlite3.connect(path)
    assert db.execute("select count(*), count(finished_at) from runs").fetchone() == (PROCESSES * RUNS_EACH,) * 2
    paths = {row[0] for row in db.execute("select paths from runs")}
    assert len(paths) == PROCESSES * RUNS_EACH
    assert db.execute("pragma journal_mode").fetchone() == ("wal",)
    tables = {row[0] for row in db.execute("select name from sqlite_master where type = 'table'")}
    assert {"runs", "items", "users", "audit", "approvals", "revocations", "spool_jobs"} <= tables


def test_every_connection_is_wal_with_a_busy_timeout(tmp_path):
    db = connect(str(tmp_path / "m.db"))
    assert db.execute("pragma journal_mode").fetchone() == ("wal",)
    assert db.execute("pragma busy_timeout").fetchone()[0] >= 10_000


def test_a_write_transaction_takes_the_lock_first(tmp_path):
    """sqlite-utils' atomic() begins DEFERRED; ours IMMEDIATE, so a second writer waits instead of failing
    when the first one started with a read."""
    db = connect(str(tmp_path / "m.db"))
    db["t"].insert({"id": 1, "v": "a"}, pk="id")
    other = sqlite3.connect(tmp_path / "m.db", timeout=0)
    with db.atomic():
        with pytest.raises(sqlite3.OperationalError) as refused:
            other.execute("BEGIN IMMEDIATE")  # the lock is held from the transaction's first statement
        assert is_busy(refused.value)
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")


def test_retry_busy_tries_again_only_on_a_lock():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise sqlite3.OperationalError("database is locked")
        return "done"

    assert retry_busy(flaky) == "done" and len(calls) == 3

    def broken():
        raise sqlite3.OperationalError("no such table: x")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        retry_busy(broken)


WRITER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
con.execute("create table if not exists noise (id integer primary key, at real)")
print("ready", flush=True)
end = time.monotonic() + float(sys.argv[2])
long_done = False
while time.monotonic() < end:
    con.execute("BEGIN IMMEDIATE")
    con.execute("insert into noise (at) values (?)", (time.time(),))
    # One long write transaction early on, then many short ones, like a busy gateway.
    time.sleep(2.5 if not long_done else 0.03)
    long_done = True
    con.execute("COMMIT")
print("done", flush=True)
"""


def test_scan_succeeds_beside_a_process_writing_the_same_database(tmp_path):
    db = tmp_path / "watch.db"
    Store(db).close()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(6):
        (inbox / f"n{i}.txt").write_text(f"关于春节放假安排的通知 {i}\n各部门：春节期间放假七天。\n", encoding="utf-8")
    (inbox / "marked.txt").write_text("机密★10年\n关于召开年度工作会议的通知\n", encoding="utf-8")
    config = tmp_path / "c.toml"
    config.write_text('[detect]\nmodel = ""\nsensitivity_model = ""\n', encoding="utf-8")
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), "12"], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        codes = []
        for _ in range(2):
            done = subprocess.run([sys.executable, "-m", "scanner", "scan", str(inbox), "--db", str(db),
                                   "--config", str(config), "--rescan", "--no-progress", "--format", "jsonl"],
                                  capture_output=True, text=True, timeout=300)
            assert "locked" not in done.stderr, done.stderr
            codes.append(done.returncode)
            time.sleep(0.2)
    finally:
        writer.wait(60)
    assert codes == [1, 1]  # the marked file is blocked: exit 1 by verdict, never 3
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from items").fetchone()[0] == 2 * 7
    assert con.execute("select count(*) from runs where finished_at is not null").fetchone()[0] == 2
