"""The gateway daemon behind `mijian watch`: take complete files from inboxes, decide each, move it on.

One main process owns the spool and the database; worker processes only decide. The main
process records every verdict (Store item + journal row, one transaction) before the file is
moved, so a crash at any moment leaves the journal and the folders able to finish the job.

A file's way through the daemon, one module per stage:

- inbox.py     finding complete files (listing, stability, close-after-write events)
- claim.py     claiming them: journal row, move into processing/, queue
- workers.py   the worker processes that decide; dispatch.py hands them files and collects results
- deliver.py   recording verdicts, moving files on with their verdict files, notifications
- recover.py   finishing what a crash cut short
- health.py    readiness, the health file and the metrics endpoint (counters in metrics.py)
- jobs.py      Pending files, and JobLedger: the one writer of the journal's state transitions

This module holds the Daemon's state, its lifecycle (start, signals, reload, stop) and its loop.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import time
from collections import deque
from dataclasses import replace

from scanner import __version__
from scanner.config import Config, load_config
from scanner.errors import MijianError, StoreError
from scanner.ingest.claim import Claiming
from scanner.ingest.deliver import Delivering
from scanner.ingest.dispatch import Dispatching
from scanner.ingest.fatal import SpoolLocked
from scanner.ingest.health import Health
from scanner.ingest.inbox import InboxWatch, start_observer
from scanner.ingest.jobs import JobLedger, Pending
from scanner.ingest.metrics import Metrics
from scanner.ingest.notify import Notifier
from scanner.ingest.recover import Recovering
from scanner.ingest.spool import Spool
from scanner.ingest.watch_config import WatchSettings, parse_watch
from scanner.ingest.workers import WorkerPool
from scanner.store.approvals import ApprovalStore
from scanner.store.db import Store
from scanner.store.journal import Journal

log = logging.getLogger("mijian.watch")


class Daemon(Claiming, Dispatching, Delivering, Recovering, Health):
    """The main process: its state lives here, each stage's steps in the module named for the stage."""

    def __init__(self, config: Config, settings: WatchSettings, *, config_path: str | None, db_path: str,
                 once: bool = False):
        self.config, self.settings, self.config_path, self.db_path, self.once = config, settings, config_path, db_path, once
        self.inboxes = {box.name: box for box in settings.inboxes}
        self.spool = Spool(settings)
        self.metrics = Metrics()
        self.watches = [InboxWatch(box, settings) for box in settings.inboxes]
        self.queue: deque[Pending] = deque()
        self.open: dict[int, Pending] = {}
        # (inbox, name) -> the file's (size, mtime, inode) when it could not be moved out of the inbox
        self.stuck: dict[tuple[str, str], tuple] = {}
        self.to_record: list[Pending] = []
        self.to_deliver: list[Pending] = []
        self.stopping = self.forced_stop = self.reload_requested = False
        self.stop_deadline = float("inf")
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        self.next_scan = 0.0
        self.next_health = 0.0

    # -- lifecycle

    def wake(self) -> None:
        try:
            os.write(self.wake_w, b"x")
        except (BlockingIOError, OSError):
            pass

    def _lock(self) -> None:
        self.lock_fh = open(self.settings.spool / ".mijian-watch.lock", "w")
        try:
            fcntl.flock(self.lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SpoolLocked(f"另一个 mijian watch 正在使用暂存目录 {self.settings.spool} "
                              f"(another mijian watch is using the spool {self.settings.spool})") from None

    def run(self) -> int:
        self._lock()
        self.store = Store(self.db_path)
        self.ledger = JobLedger(Journal(self.store), self.metrics)
        ApprovalStore(self.store)  # its tables exist before workers open the database (no race to create them)
        self.run_id = self.store.start_run([str(b.path) for b in self.settings.inboxes], __version__,
                                           self.config.fingerprint(), self.config.source)
        self.notifier = Notifier(self.settings.notify, self.metrics.notified)
        self.pool = WorkerPool(self.settings.workers, self.config, self.settings, self.db_path)
        server = observer = None
        try:
            self._signals()
            server = self.start_metrics_server()
            self.recover()
            observer = start_observer(self.watches, self.wake) if self.settings.events else None
            log.info("密检网关已启动，检测进程启动中", extra={
                "event": "started", "en": "gateway started, workers starting", "pid": os.getpid(),
                "inboxes": [b.name for b in self.settings.inboxes], "workers": self.settings.workers,
                "events": observer is not None})
            self.loop()
        finally:
            if observer is not None:
                observer.stop()
            self.pool.stop()
            self.notifier.close()
            counts = dict(self.metrics.decided)
            try:
                self.store.finish_run(self.run_id, counts)
            except StoreError:
                pass
            self.write_health(final=True)
            if server is not None:
                server.shutdown()
            log.info("密检网关已停止", extra={"event": "stopped", "en": "gateway stopped", "decided": counts,
                                        "left_in_processing": len(self.open)})
        return 0

    def loop(self) -> None:
        while not self.forced_stop:
            if self.stopping:
                if not self.pool.busy() and not self.to_record and not self.to_deliver:
                    break
                if time.monotonic() >= self.stop_deadline:
                    # Bounded: what is unfinished stays in processing/ with its journal row, and is
                    # finished by recovery at the next start, exactly as after kill -9.
                    log.warning("停止超时，未完成的文件留在处理目录中，重启后恢复", extra={
                        "event": "stop.timeout", "en": "stop timed out: unfinished files stay in processing/ "
                                                       "and are recovered at the next start",
                        "stop_timeout": self.settings.stop_timeout, "unfinished": len(self.open)})
                    break
            self.step()
            if self.once and not self.open and not any(
                    (w.box.name, name) not in self.stuck for w in self.watches for name in w.seen):
                break  # everything decided (a file that cannot be moved stays, reported)

    def _signals(self) -> None:
        def stop(signum, frame):
            if self.stopping:
                self.forced_stop = True
            else:
                self.stop_deadline = time.monotonic() + self.settings.stop_timeout
            self.stopping = True
            log.info("收到停止信号，处理完进行中的文件后退出", extra={"event": "stopping", "en": "stopping after in-flight files",
                                                        "signal": signum, "stop_timeout": self.settings.stop_timeout})
            self.wake()

        def reload(signum, frame):
            self.reload_requested = True
            self.wake()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, reload)

    def reload(self) -> None:
        self.reload_requested = False
        try:
            config = load_config(self.config_path)
            settings = parse_watch(config)
        except MijianError as exc:
            log.error("重新加载配置失败，继续使用原配置", extra={"event": "reload.failed", "en": "reload failed, old settings kept",
                                                   "error": str(exc)})
            self.metrics.error("reload")
            return
        if [(b.name, b.path) for b in settings.inboxes] != [(b.name, b.path) for b in self.settings.inboxes]:
            log.warning("收件目录的变更需重启后生效", extra={"event": "reload.restart_needed",
                                                 "en": "inbox changes take effect after a restart"})
            settings = replace(settings, inboxes=self.settings.inboxes)
        self.config = config
        self.settings = replace(self.settings, release_flagged=settings.release_flagged,
                                decision_timeout=settings.decision_timeout)
        self.inboxes = {box.name: box for box in settings.inboxes}
        self.pool.reload(config, settings)
        log.info("已重新加载词库、策略和审批", extra={"event": "reloaded", "en": "lexicons, policy and approvals reloaded"})

    # -- one turn of the loop

    def step(self) -> None:
        if self.reload_requested:
            self.reload()
        now = time.monotonic()
        if not self.stopping and now >= self.next_scan:
            self.scan_inboxes()
        if not self.stopping:
            self.dispatch()
        timeout = max(0.0, min(self.next_scan - time.monotonic(), 0.5))
        if self.to_record or self.to_deliver:
            timeout = min(timeout, 0.2)
        self.collect(timeout)
        self.check_timeouts()
        self.record()
        self.deliver()
        if time.monotonic() >= self.next_health:
            self.write_health()


def run_watch(config: Config, settings: WatchSettings, *, config_path: str | None, db_path: str,
              once: bool = False) -> int:
    """The library call behind `mijian watch`."""
    return Daemon(config, settings, config_path=config_path, db_path=db_path, once=once).run()
