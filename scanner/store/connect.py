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

sqlite-utils (and the plugins it looks up on import) is loaded only by the code that asks for its
`Database`: a scan writes its rows through the plain connection (db.py), so it does without.
"""

from __future__ import annotations

import contextlib
import functools
import secrets
import sqlite3
import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
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


def begin_immediate(conn: sqlite3.Connection) -> None:
    """Take the write lock, waiting for it (busy timeout) and trying again if it is refused at once."""
    retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Generator[sqlite3.Connection, None, None]:
    """A write transaction that takes the lock first (BEGIN IMMEDIATE); inside another, a savepoint."""
    if conn.in_transaction:
        savepoint = f"mijian_{secrets.token_hex(8)}"
        conn.execute(f"SAVEPOINT {savepoint}")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:  # a failure may have ended the whole transaction already
                conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {savepoint}")
        return
    begin_immediate(conn)
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def open_connection(path: str) -> sqlite3.Connection:
    """A connection in WAL mode with the busy timeout (the file is created if missing)."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
    try:
        retry_busy(lambda: conn.execute("PRAGMA journal_mode=WAL").fetchone())
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        conn.execute("PRAGMA recursive_triggers=on")  # as sqlite-utils' Database sets it
    except BaseException:
        conn.close()
        raise
    return conn


@functools.cache
def _database_class() -> type:
    import sqlite_utils

    class Database(sqlite_utils.Database):
        """sqlite-utils' Database whose outermost `atomic()` takes the write lock first (BEGIN IMMEDIATE)."""

        @contextlib.contextmanager
        def atomic(self) -> Generator["Database", None, None]:
            with transaction(self.conn):
                yield self

    return Database


def database(conn: sqlite3.Connection) -> "sqlite_utils.Database":
    """sqlite-utils' Database over an open connection, with an `atomic()` that takes the write lock first."""
    return _database_class()(conn)


def connect(path: str) -> "sqlite_utils.Database":
    """sqlite-utils' Database over open_connection(path)."""
    conn = open_connection(path)
    try:
        return database(conn)
    except BaseException:
        conn.close()
        raise
