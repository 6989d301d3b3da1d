"""The fork server every reader process forks from (sandbox.py), which a scan starts as early as it can.

The server is a fresh interpreter that imports `PRELOAD` (the extractors and the detectors, about
0.3 s) once; a reader is then a fork of it. Started when the command line names `scan` (cli.py), it
imports them while the command parses the rest of its line, reads its settings and opens the database.
This module imports nothing of Mijian's, so that starting the server costs the command almost nothing.
"""

from __future__ import annotations

from multiprocessing import get_context

# What the fork server imports once, before it forks any reader.
PRELOAD = ["scanner.sandbox_child"]


def context():
    """The multiprocessing context of the readers: the fork server, preloading PRELOAD."""
    ctx = get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def start() -> None:
    """Start the fork server now (it does its imports in the background); nothing if it runs already."""
    from multiprocessing import forkserver

    context()
    forkserver.ensure_running()
