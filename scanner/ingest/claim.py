"""Claiming complete files: list the inboxes, journal each file, move it into processing/ and queue it.

A part of the Daemon (watch.py); the journal rows are written through its JobLedger (jobs.py).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from scanner.ingest import sidecars
from scanner.ingest.entries import special_reason
from scanner.ingest.inbox import InboxWatch, signature
from scanner.ingest.jobs import Pending
from scanner.ingest.watch_config import META_SUFFIX

log = logging.getLogger("mijian.watch")
MAX_DEPTH = 16  # sub-folder levels below an inbox decided as usual; a file deeper is quarantined (scan.limit)


class Claiming:
    """Uses the Daemon's watches, stuck, open, queue, pool, spool, ledger, metrics and settings;
    hands a file that cannot be decided to fail_closed (dispatch.py)."""

    def scan_inboxes(self) -> None:
        interval = self.settings.poll_interval
        room = self.settings.queue_size - len(self.open)
        if room < self.settings.queue_size // 4 and any(w.seen for w in self.watches):
            # The queue is (nearly) full and files are waiting: listing a crowded inbox again now
            # would only cost CPU; list it when there is room for a batch.
            self.next_scan = time.monotonic() + min(interval, 0.1)
            return
        for watch in self.watches:
            ready = watch.scan()
            if watch.seen:
                interval = min(interval, self.settings.settle_seconds / 2)
            if room > 0 and ready:
                room -= self.claim(watch, ready[:room])
        self.next_scan = time.monotonic() + interval
        self.metrics.set(inbox_waiting=sum(len(w.seen) for w in self.watches), stuck_files=len(self.stuck))

    def claim(self, watch: InboxWatch, ready: list[tuple[str, list[str], float]]) -> int:
        box = watch.box
        claims, stamps = [], []
        for name, own, since in ready:
            key = (box.name, name)
            if key in self.stuck:
                if self.stuck[key] == signature(box.path / name):
                    continue  # still the same file that could not be moved: reported once already
                del self.stuck[key]
            meta_name = next((s for s in own if s.endswith(META_SUFFIX)), None)
            meta = sidecars.read_meta(box.path / meta_name) if meta_name else {}
            problem = sidecars.check(box.path, own)
            if problem:
                meta = {**meta, "_invalid": problem}
            if name.count("/") > MAX_DEPTH:
                meta = {**meta, "_invalid": f"文件位于第 {name.count('/')} 层子目录，超过 {MAX_DEPTH} 层 "
                                            f"(file is {name.count('/')} sub-folders deep, more than {MAX_DEPTH})",
                        "_code": "scan.limit"}
            recipient = box.recipient_for(meta if "_invalid" not in meta else None)
            claims.append((box.name, name, str(box.path / name), own, meta, recipient))
            stamps.append(since)
        jobs = self.ledger.claim(claims)
        if jobs is None:
            return 0
        taken = 0
        for job, since in zip(jobs, stamps):
            watch.taken(job.name)
            try:
                present = self.spool.take(job)
            except (OSError, ValueError) as exc:
                present = False
                source = Path(job.source)
                if os.path.lexists(source):
                    # It is there but cannot be moved: not decided, and said so once (log, health, journal).
                    self.stuck[(job.inbox, job.name)] = signature(source)
                    self.metrics.error("take")
                    log.error("无法移入处理目录，文件留在收件目录中未判定", extra={
                        "event": "take.failed", "en": "cannot move into processing: the file stays undecided",
                        "file": job.name, "inbox": job.inbox, "error": str(exc)})
                    self.ledger.stuck(job, f"无法移出收件目录 (cannot be moved out of the inbox): {exc}")
                    continue
                log.error("无法移入处理目录", extra={"event": "take.failed", "en": "cannot move into processing",
                                              "file": job.name, "error": str(exc)})
            if not present:
                self.ledger.vanished(job, "文件在取走前消失 (file disappeared before it was taken)")
                continue
            pending = Pending(job, since)
            self.open[job.id] = pending
            taken += 1
            self.queue_or_fail(pending)
        return taken

    def queue_or_fail(self, pending: Pending) -> None:
        """Queue a taken file for a worker, unless it is already known to fail closed: a bad sidecar,
        too deep, or not a regular file (a FIFO, socket or device is moved by lstat and never opened)."""
        job = pending.job
        special = special_reason(self.spool.job_file(job))
        if special:
            self.fail_closed(pending, special, code="scan.unsupported")
        elif "_invalid" in job.meta:
            self.fail_closed(pending, job.meta["_invalid"], code=job.meta.get("_code", "scan.unreadable"))
        else:
            self.queue.append(pending)

