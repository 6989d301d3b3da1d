"""The files the gateway holds (Pending) and the one writer of the journal's state transitions (JobLedger).

Every change of a job's state in scanner/store/journal.py goes through JobLedger, and nothing else in
scanner/ingest calls the Journal's writing methods. Which stage asks for which transition:

| transition                          | Journal method | asked by                                    |
| ----------------------------------- | -------------- | ------------------------------------------- |
| (none) -> processing                | claim          | claim.py, before the file leaves its inbox  |
| attempts + 1                        | attempted      | dispatch.py, as a worker is handed the file |
| processing -> decided               | decide         | deliver.py (record), before any move        |
| decided: new target                 | retarget       | deliver.py, when the chosen name was taken  |
| decided -> released / quarantined   | finish         | deliver.py, once the file has moved         |
| processing -> stuck                 | finish         | claim.py, a file it cannot move out         |
| processing / decided -> vanished    | finish         | claim.py, deliver.py, recover.py            |

Outside the daemon one more transition exists: quarantined -> released, written by
scanner/review/decisions.py (retarget + finish, in the reviewer's transaction) when a person releases a
quarantined file.

A database error never stops the daemon: it is logged once, counted, and the ledger holds back
decisions for a second (`paused`), so nothing is released while the database is down.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from scanner.errors import StoreError
from scanner.ingest.metrics import Metrics
from scanner.model import ItemResult
from scanner.store.journal import STUCK, VANISHED, Job, Journal

log = logging.getLogger("mijian.watch")


@dataclass
class Pending:
    job: Job
    ready_at: float
    result: ItemResult | None = None
    members: list[ItemResult] = field(default_factory=list, repr=False)  # what was found inside the file
    fingerprint: str = ""
    forced: bool = False  # a crash, a timeout, a bad sidecar: quarantine whatever the policy says
    retry_at: float = 0.0
    verdict_doc: dict | None = field(default=None, repr=False)
    worked: float = 0.0  # seconds a worker spent deciding it (the rest of its latency is waiting)


class JobLedger:
    """The journal as the daemon writes it: each transition, with the database's health kept alongside."""

    def __init__(self, journal: Journal, metrics: Metrics):
        self.journal, self.metrics = journal, metrics
        self.retry_at = 0.0

    def paused(self) -> bool:
        """True for a second after a database error: decisions wait rather than fail."""
        return time.monotonic() < self.retry_at

    def open_jobs(self) -> list[Job]:
        return self.journal.open_jobs()

    def claim(self, claims: list[tuple[str, str, str, list[str], dict, str]]) -> list[Job] | None:
        """Journal rows for files about to leave their inbox; None if the database is down."""
        try:
            jobs = self.journal.claim(claims)
        except StoreError as exc:
            self.down(exc)
            return None
        self.up()
        return jobs

    def attempted(self, job_ids: list[int]) -> None:
        try:
            self.journal.attempted(job_ids)
        except StoreError as exc:
            self.down(exc)

    def decide(self, decisions: list[tuple[Job, list[ItemResult], str, int, str, str]]) -> bool:
        """Record verdicts and targets (one transaction); False if the database is down."""
        try:
            self.journal.decide(decisions)
        except StoreError as exc:
            self.down(exc)
            return False
        self.up()
        return True

    def retarget(self, job: Job, target: str) -> None:
        try:
            self.journal.retarget(job, target)
        except StoreError as exc:
            self.down(exc)

    def finish(self, jobs: list[tuple[Job, str, str | None]]) -> None:
        """End jobs: (job, final state, error or None). On a database error the files stand where the
        journal's target says, and recovery finishes the rows."""
        try:
            self.journal.finish(jobs)
        except StoreError as exc:
            self.down(exc)

    def stuck(self, job: Job, error: str) -> None:
        self.finish([(job, STUCK, error)])

    def vanished(self, job: Job, error: str) -> None:
        log.warning(error, extra={"event": "file.vanished", "en": "file vanished", "file": job.name, "inbox": job.inbox})
        self.finish([(job, VANISHED, error)])

    def down(self, exc: Exception) -> None:
        if self.metrics.db_ok:
            log.error("数据库不可用：暂停放行，稍后重试", extra={"event": "db.unavailable",
                                                  "en": "database unavailable: nothing is released until it is back",
                                                  "error": str(exc)})
        self.metrics.db_ok = False
        self.metrics.error("database")
        self.retry_at = time.monotonic() + 1.0

    def up(self) -> None:
        if not self.metrics.db_ok:
            log.info("数据库已恢复", extra={"event": "db.available", "en": "database available again"})
        self.metrics.db_ok = True
