"""Where reader processes (sandbox.py) come from, started as early as a scan can start them.

Readers fork from a fork server: a fresh interpreter that imports `PRELOAD` (the detectors and the
extractors' common modules, about 0.3 s; the e-mail package, lxml and charset_normalizer are imported by
a reader when a file first needs them) once, so that a reader killed at a limit is replaced without importing again.

A scan's first reader is started sooner (`start_early`, called by cli.py once the command line names
`scan`): forked from the command itself at that moment, while it holds a single thread and few modules,
it imports PRELOAD while the command parses the rest of its line, reads its settings and opens the
database, and costs neither an interpreter's start nor multiprocessing's resource tracker (0.05 s of
CPU each). The first sandbox of a one-reader pool takes it (`take_early`); every other reader, and
every replacement, forks from the fork server, started when first needed. This module imports nothing
of Mijian's, so that starting a reader early costs the command almost nothing.
"""

from __future__ import annotations

import signal
import sys
import threading
from multiprocessing import get_all_start_methods, get_context

# What the fork server imports once, before it forks any reader.
PRELOAD = ["scanner.sandbox_child"]

_early = None  # (process, connection) of the reader start_early forked, until a sandbox takes it


def context():
    """The multiprocessing context of the readers: the fork server, preloading PRELOAD."""
    ctx = get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def _early_reader(conn) -> None:
    """The early reader's life: ignore Ctrl-C at once (as the fork server's children do), import, serve."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from scanner.sandbox_child import serve

    serve(conn, 1)


def start_early() -> None:
    """Fork the scan's first reader now (it imports PRELOAD in the background). Only on Linux (macOS's
    system libraries are not safe to fork) and from a process with one thread (forking one with several
    could copy a lock another thread holds); else the fork server is started now instead."""
    global _early
    if _early is not None:
        return
    forkable = sys.platform.startswith("linux") and "fork" in get_all_start_methods()
    if threading.active_count() != 1 or not forkable:
        from multiprocessing import forkserver

        context()
        forkserver.ensure_running()
        return
    ctx = get_context("fork")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_early_reader, args=(child,), name="mijian-reader", daemon=True)
    process.start()
    child.close()
    _early = (process, parent)


def take_early():
    """The reader start_early forked, (process, connection), for the caller to keep; None if there is
    none or it has died."""
    global _early
    early, _early = _early, None
    if early is not None and not early[0].is_alive():
        early[1].close()
        return None
    return early


def drop_early() -> None:
    """Stop the early reader when the scan will not use it (read in-process, on a cluster, --jobs N)."""
    early = take_early()
    if early is not None:
        process, conn = early
        conn.close()  # the reader ends when it sees the pipe closed; kill it if it is still importing
        process.kill()
        process.join(5)
