"""Delivering: record each verdict (Store item and journal row, one transaction), then move the file
on with its verdict file, and notify about what was quarantined.

A part of the Daemon (watch.py); journal rows are written through its JobLedger (jobs.py).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from scanner import names
from scanner.ingest import sidecars
from scanner.ingest.jobs import Pending
from scanner.store.db import utcnow
from scanner.store.journal import QUARANTINED, RELEASED, VANISHED

log = logging.getLogger("mijian.watch")


class Delivering:
    """Uses the Daemon's to_record, to_deliver, open, spool, ledger, notifier, metrics, run_id and settings."""

    def outcome(self, pending: Pending) -> str:
        verdict = pending.result.verdict
        if pending.forced or verdict == "block" or (verdict == "flag" and not self.settings.release_flagged):
            return QUARANTINED
        return RELEASED

    def record(self) -> None:
        if not self.to_record or self.ledger.paused():
            return
        batch, self.to_record = self.to_record, []
        decisions = []
        for pending in batch:
            outcome = self.outcome(pending)
            target = pending.job.target if pending.job.target else str(self.spool.choose_target(pending.job, outcome))
            decisions.append((pending.job, [pending.result] + pending.members, pending.fingerprint, self.run_id,
                              outcome, target))
        if not self.ledger.decide(decisions):
            for pending in batch:
                self.spool.reserved.discard(Path(decisions[batch.index(pending)][5]))
            self.to_record = batch + self.to_record
            return
        for pending in batch:
            if pending.job.outcome == QUARANTINED:
                pending.verdict_doc = sidecars.verdict_document(pending.job, pending.result.to_dict())
            self.to_deliver.append(pending)

    def deliver(self) -> None:
        if not self.to_deliver:
            return
        batch, self.to_deliver = self.to_deliver, []
        done = []
        now = time.monotonic()
        for pending in batch:
            if pending.retry_at > now:
                self.to_deliver.append(pending)
                continue
            job = pending.job
            try:
                moved = self.spool.deliver(job, pending.verdict_doc)
            except FileExistsError:
                # The chosen name was taken meanwhile (by a person): choose again, record, retry.
                self.ledger.retarget(job, str(self.spool.choose_target(job, job.outcome)))
                pending.retry_at = now
                self.to_deliver.append(pending)
                continue
            except OSError as exc:
                self.metrics.error("move")
                log.error("无法移动文件，稍后重试", extra={"event": "move.failed", "en": "cannot move file, will retry",
                                                 "file": job.name, "error": str(exc)})
                pending.retry_at = now + 1.0
                self.to_deliver.append(pending)
                continue
            done.append((pending, job.outcome if moved else VANISHED))
        if not done:
            return
        # On a database error the files stand where the journal's target says: recovery finishes the rows.
        self.ledger.finish([(p.job, state, None if state != VANISHED else "文件在判定后消失 (file disappeared)")
                            for p, state in done])
        for pending, state in done:
            self.open.pop(pending.job.id, None)
            self._announce(pending, state)

    def _announce(self, pending: Pending, state: str) -> None:
        job, result = pending.job, pending.result
        latency = max(0.0, time.monotonic() - pending.ready_at)
        self.metrics.decision(result.verdict, state, latency)
        log.info("文件已判定", extra={"event": "file.decided", "en": "file decided", "job": job.id, "inbox": job.inbox,
                                 "file": job.name, "verdict": result.verdict, "outcome": state, "target": job.target,
                                 "reasons": [r.code for r in result.reasons], "latency_ms": round(latency * 1000, 1),
                                 "decide_ms": round(pending.worked * 1000, 1)})
        wanted = result.verdict == "block" or (self.settings.notify.include_flagged and result.verdict == "flag")
        if state == QUARANTINED and wanted:
            self.notifier.notify({
                "event": "quarantined", "name": names.readable(job.name), "inbox": job.inbox, "verdict": result.verdict,
                "target": names.readable(job.target), "sha256": result.sha256, "sender": job.meta.get("sender"),
                "recipient": job.recipient, "purpose": job.meta.get("purpose"),
                "reasons": [r.to_dict() for r in result.reasons], "time": utcnow()})
