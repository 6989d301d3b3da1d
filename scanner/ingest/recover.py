"""Recovery after a crash: finish or redo every job the journal still holds open.

A part of the Daemon (watch.py). A decided job goes straight back to delivery (deliver.py); a job cut
short before its decision is taken again and queued (claim.py), or failed closed after too many attempts.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from scanner.ingest import sidecars
from scanner.ingest.jobs import Pending
from scanner.ingest.spool import name_parts
from scanner.model import ItemResult
from scanner.store.journal import DECIDED, QUARANTINED

log = logging.getLogger("mijian.watch")


class Recovering:
    """Uses the Daemon's ledger, store, spool, watches, open, to_deliver and settings."""

    def recover(self) -> None:
        """Finish or redo every job the journal holds open: a take, a decision, or a move cut short."""
        jobs = self.ledger.open_jobs()
        requeued = delivered = 0
        for job in jobs:
            if job.inbox not in self.inboxes:
                log.error("日志中的收件目录已不在配置中", extra={"event": "recover.unknown_inbox",
                                                     "en": "journal names an inbox no longer configured",
                                                     "inbox": job.inbox, "file": job.name})
                continue
            try:
                name_parts(job.name)
            except ValueError as exc:
                log.error("日志中的文件名不安全，未处理", extra={"event": "recover.unsafe_name", "en": "unsafe name in the journal: left alone",
                                                     "inbox": job.inbox, "file": job.name, "error": str(exc)})
                continue
            for watch in self.watches:
                if watch.box.name == job.inbox:
                    watch.taken(job.name)  # its sub-folders are removed once empty
            pending = Pending(job, time.monotonic())
            if job.state == DECIDED:
                self.spool.reserved.add(Path(job.target))
                if job.outcome == QUARANTINED:
                    row = self.store.db["items"].get(job.item_id)
                    pending.verdict_doc = sidecars.verdict_document(job, json.loads(row["result"]))
                pending.result = ItemResult.from_dict(json.loads(self.store.db["items"].get(job.item_id)["result"]))
                self.open[job.id] = pending
                self.to_deliver.append(pending)
                delivered += 1
                continue
            if not self.spool.take(job):
                self.ledger.vanished(job, "文件在判定前消失 (file disappeared before it was decided)")
                continue
            self.open[job.id] = pending
            if job.attempts >= self.settings.max_attempts:
                self.fail_closed(pending, f"多次尝试仍未判定（{job.attempts} 次）(not decided after {job.attempts} attempts)")
            else:
                self.queue_or_fail(pending)
            requeued += 1
        if jobs:
            log.info("已恢复中断的文件", extra={"event": "recovered", "en": "interrupted files recovered",
                                         "redo": requeued, "finish_move": delivered})
        self.deliver()
