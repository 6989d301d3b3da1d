"""How `mijian watch` ends on an error it cannot go on with: one JSON log line with a stable code, and an
exit code that says what kind of error it was (a service manager restarts on 3 and 4, not on 2)."""

from __future__ import annotations

import logging
import sqlite3
import sys
from typing import Callable

from scanner import names
from scanner.errors import ConfigError, MijianError, StoreError

log = logging.getLogger("mijian.watch")

EXIT_STOPPED = 0   # stopped by a signal, or --once finished
EXIT_CONFIG = 2    # the config is wrong: fix it, a restart will not help (the CLI's usage exit code)
EXIT_RUNTIME = 3   # the daemon could not go on: spool locked, port taken, a folder gone, a defect
EXIT_DATABASE = 4  # the database cannot be opened, created or read

_KINDS = {
    EXIT_CONFIG: ("配置错误，网关未启动", "configuration error: the gateway did not start"),
    EXIT_RUNTIME: ("运行错误，网关已停止", "runtime error: the gateway stopped"),
    EXIT_DATABASE: ("数据库错误，网关已停止", "database error: the gateway stopped"),
}


class SpoolLocked(MijianError):
    """Another daemon holds the spool's lock."""

    code = "watch.locked"


def classify(exc: BaseException) -> tuple[int, str]:
    """(exit code, reason code) of an error that ends the daemon."""
    if isinstance(exc, ConfigError):
        return EXIT_CONFIG, exc.code
    if isinstance(exc, (StoreError, sqlite3.Error)):
        return EXIT_DATABASE, StoreError.code
    if isinstance(exc, MijianError):
        return EXIT_RUNTIME, exc.code
    if isinstance(exc, OSError):
        return EXIT_RUNTIME, "watch.os_error"
    return EXIT_RUNTIME, "watch.crashed"


def report(exc: BaseException) -> int:
    """Log the error as one JSON line (with the traceback only for an unexpected one); the exit code."""
    exit_code, code = classify(exc)
    expected = isinstance(exc, (MijianError, OSError, sqlite3.Error))
    zh, en = _KINDS[exit_code]
    record = log.makeRecord(log.name, logging.CRITICAL, __file__, 0, zh, (), None if expected else
                            (type(exc), exc, exc.__traceback__),
                            extra={"event": "fatal", "en": en, "code": code, "exit_code": exit_code,
                                   "error": names.readable(str(exc)), "error_type": type(exc).__name__})
    log.handle(record)
    if not any(getattr(h, "stream", None) is sys.stderr for h in log.handlers):
        # The log goes to a file: the service manager still sees why the daemon ended.
        formatter = log.handlers[0].formatter if log.handlers and log.handlers[0].formatter else None
        if formatter is not None:
            print(formatter.format(record), file=sys.stderr, flush=True)
    return exit_code


def guarded(start: Callable[[], int]) -> int:
    """Run the daemon; any error that escapes it is reported as JSON and becomes an exit code."""
    try:
        return start()
    except Exception as exc:  # the one place where every fatal error is turned into a log line and exit code
        return report(exc)
