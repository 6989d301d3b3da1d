"""Dispatching and collecting: hand queued files to idle workers, take back their results, and fail
closed on whatever a worker could not decide (an error, a crash, a timeout).

A part of the Daemon (watch.py); results go to its to_record list for deliver.py.
"""

from __future__ import annotations

import logging
import os
import time
from multiprocessing.connection import wait

from scanner import names
from scanner.ingest.entries import sha256_of
from scanner.ingest.jobs import Pending
from scanner.ingest.watch_config import inbox_config

log = logging.getLogger("mijian.watch")


class Dispatching:
    """Uses the Daemon's queue, pool, spool, to_record, ledger, metrics, wake pipe, config and settings."""

    def dispatch(self) -> None:
        started = []
        for worker in self.pool.idle():
            if not self.queue:
                break
            pending = self.queue.popleft()
            job = pending.job
            display = f"{job.inbox}/{job.name}"
            try:
                worker.conn.send(("job", job.id, job.inbox, str(self.spool.job_file(job)), display, job.recipient))
            except OSError:
                self.queue.appendleft(pending)
                self.pool.replace(worker)
                continue
            worker.job, worker.started = pending, time.monotonic()
            started.append(job.id)
        self.ledger.attempted(started)
        self.metrics.set(queue_depth=len(self.queue), in_flight=len(self.pool.busy()),
                         workers=sum(w.process.is_alive() for w in self.pool.workers))

    def collect(self, timeout: float) -> None:
        waitables = [w.conn for w in self.pool.workers if w.job is not None or not w.ready] + [w.process.sentinel for w in self.pool.workers] + [self.wake_r]
        try:
            ready = set(wait(waitables, timeout))
        except InterruptedError:
            ready = set()
        if self.wake_r in ready:
            try:
                while os.read(self.wake_r, 4096):
                    pass
            except BlockingIOError:
                pass
            if not self.stopping:
                self.next_scan = min(self.next_scan, time.monotonic() + min(0.05, self.settings.settle_seconds))
        for worker in list(self.pool.workers):
            if worker.conn in ready:
                try:
                    reply = worker.conn.recv()
                except (EOFError, OSError):
                    reply = None
                if reply is not None and reply[0] == "ready":
                    worker.ready = True
                    self.note_ready()
                    continue
                if reply is not None and reply[0] == "fatal":
                    log.error("检测进程无法启动", extra={"event": "worker.failed", "en": "worker could not start",
                                                  "error": reply[1]})
                    self.metrics.error("worker_start")
                    reply = None
                if reply is not None and worker.job is not None:
                    pending, worker.job = worker.job, None
                    pending.worked = time.monotonic() - worker.started
                    if reply[0] == "done":
                        pending.result, pending.members, pending.fingerprint = reply[2][0], reply[2][1:], reply[3]
                        self.to_record.append(pending)
                    else:
                        self.metrics.error("worker")
                        self.fail_closed(pending, f"检测出错 (detection failed): {reply[2]}")
                    continue
            if worker.process.sentinel in ready or not worker.process.is_alive():
                code = worker.process.exitcode
                if worker.job is not None:
                    self.metrics.error("worker_crash")
                    self.fail_closed(worker.job, f"检测进程崩溃，退出码 {code} (worker crashed, exit code {code})")
                    worker.job = None
                if time.monotonic() - self.pool.last_spawn < 1.0:
                    time.sleep(0.2)  # a worker that cannot start must not spin the loop
                log.error("检测进程退出，已重启", extra={"event": "worker.restarted", "en": "worker exited, restarted",
                                                "exitcode": code})
                self.pool.replace(worker)
                self.pool.last_spawn = time.monotonic()
                self.note_ready()

    def check_timeouts(self) -> None:
        limit = self.settings.decision_timeout
        for worker in self.pool.busy():
            if time.monotonic() - worker.started > limit:
                pending, worker.job = worker.job, None
                pending.worked = time.monotonic() - worker.started
                self.metrics.error("timeout")
                self.fail_closed(pending, f"检测超时（超过 {limit:g} 秒）(decision timed out after {limit:g} s)",
                                 code="scan.limit")
                self.pool.replace(worker)
                self.note_ready()

    def fail_closed(self, pending: Pending, detail: str, code: str = "scan.unreadable") -> None:
        """A file that could not be decided: blocked with the reason, and quarantined whatever the policy says."""
        from scanner.results import unread_result  # policy only: the main process never loads the detectors
        from scanner.policy.decide import Problem

        job = pending.job
        sha256, size = sha256_of(self.spool.job_file(job))  # never opens what is not a regular file
        config = inbox_config(self.config, self.inboxes[job.inbox], job.recipient)
        display = f"{job.inbox}/{job.name}"
        pending.result = unread_result(config, path=names.readable(display), sha256=sha256, size=size,
                                       problem=Problem(code, detail))
        pending.result.path_raw = names.raw(display)
        pending.fingerprint, pending.forced = "", True
        log.warning("文件无法判定，按规定隔离", extra={"event": "file.failed_closed", "en": "file could not be decided: quarantined",
                                              "file": job.name, "inbox": job.inbox, "detail": detail})
        self.to_record.append(pending)
