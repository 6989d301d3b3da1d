"""Worker processes of the gateway daemon: each decides one file at a time and sends the result back.

Workers never touch the spool or the journal; the main process (dispatch.py) hands them files and
collects what they found.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from scanner import names
from scanner.config import Config
from scanner.ingest.entries import special_reason
from scanner.ingest.walk import Entry
from scanner.ingest.watch_config import WatchSettings, inbox_config
from scanner.store.db import Store


class ScannerFactory:
    """One Scanner per inbox, built once per process; per-recipient copies share its detection engine."""

    def __init__(self, config: Config, settings: WatchSettings, store: Store | None):
        from scanner.scan import Scanner

        self.config, self.settings, self.store = config, settings, store
        self.inboxes = {box.name: box for box in settings.inboxes}
        # The worker is itself the killable process (decision_timeout): no reader process inside it.
        self.base = {box.name: Scanner(inbox_config(config, box), store, isolate=False)
                     for box in settings.inboxes}
        for scanner in self.base.values():
            scanner.engine  # built here, so that per-recipient copies share it
        self.variants: dict[tuple[str, str], object] = {}

    def get(self, inbox: str, recipient: str):
        from scanner.scan import make_book, ruleset_fingerprint

        base = self.base[inbox]
        if recipient == base.config.approvals.recipient:
            return base
        key = (inbox, recipient)
        if key not in self.variants:
            if len(self.variants) > 256:
                self.variants.clear()
            variant = object.__new__(type(base))
            variant.__dict__.update(base.__dict__)
            variant.config = inbox_config(self.config, self.inboxes[inbox], recipient)
            variant.fingerprint = ruleset_fingerprint(variant.config)
            variant.book = make_book(variant.config, self.store)
            self.variants[key] = variant
        return self.variants[key]


def _worker_main(conn, config: Config, settings: WatchSettings, db_path: str) -> None:
    # The main process decides when workers stop (after their file), and a killed main closes the pipe.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    try:
        _serve(conn, config, settings, db_path)
    except BaseException as exc:  # told to the main process (which logs it as JSON), never a raw traceback
        try:
            conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        except Exception:
            pass


def _serve(conn, config: Config, settings: WatchSettings, db_path: str) -> None:
    try:
        from scanner.sandbox import limit_memory

        limit_memory(config.scan.max_memory)
        store = Store(db_path)
        factory = ScannerFactory(config, settings, store)
    except Exception as exc:  # told to the main process, which logs it (as JSON) and starts another worker
        conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready",))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg[0] == "stop":
            return
        if msg[0] == "reload":
            factory = ScannerFactory(msg[1], msg[2], store)
            continue
        _, job_id, inbox, path, display, recipient = msg
        try:
            scanner = factory.get(inbox, recipient)
            p = Path(path)
            problem = "符号链接未跟随 (symbolic link not followed)" if p.is_symlink() else special_reason(p)
            tree = scanner.scan_entry_tree(Entry(p, names.readable(display), problem))
            for result in tree:
                result.path_raw = names.raw(display)  # the name in its inbox, not in processing/
            reply = ("done", job_id, tree, scanner.fingerprint)
        except Exception as exc:  # reported to the main process, which fails the file closed
            reply = ("error", job_id, f"{type(exc).__name__}: {exc}", "")
        try:
            conn.send(reply)
        except OSError:
            return


@dataclass
class Worker:
    process: object
    conn: object
    job: "object | None" = None  # the Pending file it is deciding (jobs.py)
    started: float = 0.0
    ready: bool = False  # scanners built: only then is a file handed over (and counted as an attempt)


class WorkerPool:
    """Worker processes fed one file at a time; a worker that hangs past the timeout is killed."""

    def __init__(self, size: int, config: Config, settings: WatchSettings, db_path: str):
        # Workers fork from a server that imported the scanner once, so a worker (re)starts in
        # milliseconds, and the main process never forks itself (it runs threads).
        self.ctx = get_context("forkserver")
        self.ctx.set_forkserver_preload(["scanner.scan", "scanner.sandbox_child"])  # with the detectors
        self.config, self.settings, self.db_path = config, settings, db_path
        self.workers = [self._spawn() for _ in range(size)]
        self.last_spawn = time.monotonic()

    def _spawn(self) -> Worker:
        parent, child = self.ctx.Pipe()
        process = self.ctx.Process(target=_worker_main, args=(child, self.config, self.settings, self.db_path),
                                   name="mijian-watch-worker", daemon=True)
        process.start()
        child.close()
        return Worker(process, parent)

    def replace(self, worker: Worker) -> None:
        try:
            worker.process.kill()
            worker.process.join(5)
        except (OSError, ValueError):
            pass
        worker.conn.close()
        self.workers[self.workers.index(worker)] = self._spawn()

    def idle(self) -> list[Worker]:
        return [w for w in self.workers if w.job is None and w.ready and w.process.is_alive()]

    def busy(self) -> list[Worker]:
        return [w for w in self.workers if w.job is not None]

    def reload(self, config: Config, settings: WatchSettings) -> None:
        self.config, self.settings = config, settings
        for worker in self.workers:
            try:
                worker.conn.send(("reload", config, settings))
            except OSError:
                pass  # a dead worker is replaced (with the new config) when it is noticed

    def stop(self, timeout: float = 5.0) -> None:
        for worker in self.workers:
            try:
                worker.conn.send(("stop",))
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(1)
