"""Opening the SQLite file for several processes at once: WAL, a busy timeout, IMMEDIATE write transactions.

The gateway daemon, its workers, `mijian scan`, the review console and the command line may all
write the same database. Three things keep them from failing with "database is locked":

- WAL, so readers never wait for a writer, and a busy timeout on every connection, so a writer
  waits for another's transaction to end instead of failing at once;
- every write transaction begins IMMEDIATE (sqlite-utils' `atomic()` would begin DEFERRED: a
  transaction that reads first and writes later then fails at once, without waiting, whenever
  another process wrote in between);
- the few cases SQLite reports busy without waiting (switching a fresh file to WAL, recovering a
  WAL) are retried, as is taking the write lock; nothing has been written at that point, so a
  retry is always safe.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Generator
from typing import TypeVar

import sqlite_utils

# How long one statement waits for another process's lock, in seconds.
BUSY_TIMEOUT = 30.0
# How often a lock reported at once (without waiting) is tried again, and the first pause between tries.
ATTEMPTS = 8
PAUSE = 0.05

T = TypeVar("T")


def is_busy(exc: BaseException) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED (any extended code): another connection holds a lock."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(exc)
    return "locked" in text or "busy" in text


def retry_busy(fn: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """fn(), again after a growing pause while it fails on a lock; fn must have no effect when it fails."""
    for attempt in range(attempts):
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or attempt == attempts - 1:
                raise
            time.sleep(PAUSE * 2 ** min(attempt, 5))
    raise AssertionError("unreachable")


class Database(sqlite_utils.Database):
    """sqlite-utils' Database whose outermost `atomic()` takes the write lock first (BEGIN IMMEDIATE)."""

    @contextlib.contextmanager
    def atomic(self) -> Generator["Database", None, None]:
        if self.conn.in_transaction:
            with super().atomic():  # a savepoint inside the caller's transaction
                yield self
            return
        begin_immediate(self.conn)
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise


def begin_immediate(conn: sqlite3.Connection) -> None:
    """Take the write lock, waiting for it (busy timeout) and trying again if it is refused at once."""
    retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))


def connect(path: str) -> Database:
    """A connection in WAL mode with the busy timeout (the file is created if missing)."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
    try:
        db = Database(conn)
        retry_busy(lambda: db.execute("PRAGMA journal_mode=WAL").fetchone())
        db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    except BaseException:
        conn.close()
        raise
    return db
