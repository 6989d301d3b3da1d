"""The spool journal: where every file taken by the gateway stands, in the same SQLite file as the Store.

A row is written (state "processing") before its file leaves the inbox, and its verdict is
written in the same transaction as the item's result (state "decided") before the file moves
on; so after a crash the journal and the folders together tell what is left to do.

Names follow scanner/names.py: `name`, `source`, `target` and `sidecars` hold readable text (valid
UTF-8, for people and queries), and the `*_raw` BLOB columns their exact bytes, from which a job's
names are made again: a GBK file name is kept and delivered under its own bytes.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from scanner import names
from scanner.errors import StoreError
from scanner.ingest.fitnames import short_stem
from scanner.model import ItemResult
from scanner.store.db import Store, utcnow

PROCESSING, DECIDED, RELEASED, QUARANTINED, VANISHED = "processing", "decided", "released", "quarantined", "vanished"
# A file the gateway cannot move out of its inbox (no permission, a read-only share): it stays there,
# undecided, and is named in the health file until it changes or can be moved.
STUCK = "stuck"
OPEN_STATES = (PROCESSING, DECIDED)
FINAL_STATES = (RELEASED, QUARANTINED, VANISHED, STUCK)

COLUMNS = {
    "id": int, "inbox": str, "name": str, "source": str, "state": str, "sidecars": str,
    "meta": str, "recipient": str, "attempts": int, "verdict": str, "item_id": int,
    "outcome": str, "target": str, "error": str, "sha256": str, "size": int,
    "claimed_at": str, "decided_at": str, "finished_at": str,
    # Added later (a journal from an earlier version gets them, NULL in old rows: the text columns
    # then hold the names, which were UTF-8 then).
    "name_raw": bytes, "source_raw": bytes, "target_raw": bytes, "sidecars_raw": bytes,
    # The short stem a name longer than 241 bytes gives its sidecars and verdict file (fitnames.py).
    "short_name": str,
}


def _join_raw(paths: list[str]) -> bytes:
    return b"\0".join(names.raw(p) for p in paths)  # NUL: the one byte no file name holds


def _split_raw(data: bytes) -> list[str]:
    return [names.from_raw(part) for part in data.split(b"\0")] if data else []


def _short(target: str | None) -> str | None:
    if not target:
        return None
    base = target.rsplit("/", 1)[-1]
    return names.readable(short_stem(base)) if short_stem(base) != base else None


@dataclass
class Job:
    id: int
    inbox: str
    name: str
    source: str
    state: str
    sidecars: list[str]
    meta: dict
    recipient: str
    attempts: int = 0
    verdict: str | None = None
    item_id: int | None = None
    target: str | None = None
    outcome: str | None = None
    error: str | None = None

    @classmethod
    def from_row(cls, row: dict) -> "Job":
        def exact(column: str) -> str | None:
            data = row.get(column + "_raw")
            return names.from_raw(data) if data is not None else row[column]

        sidecars = (_split_raw(row["sidecars_raw"]) if row.get("sidecars_raw") is not None
                    else json.loads(row["sidecars"] or "[]"))
        return cls(row["id"], row["inbox"], exact("name"), exact("source"), row["state"],
                   sidecars, json.loads(row["meta"] or "{}"), row["recipient"] or "",
                   row["attempts"] or 0, row["verdict"], row["item_id"], exact("target"), row["outcome"], row["error"])


class Journal:
    """The spool_jobs table, written through the Store's connection (one database, one writer)."""

    def __init__(self, store: Store):
        self.store = store
        self.db = store.db
        try:
            table = self.db["spool_jobs"]
            if "spool_jobs" in self.db.table_names() and not set(COLUMNS) - set(table.columns_dict):
                return
            with self.db.atomic():  # under the write lock: other processes may be creating it too
                if "spool_jobs" not in self.db.table_names():
                    table.create(COLUMNS, pk="id")
                    table.create_index(["state"])
                    table.create_index(["inbox", "name"])
                else:
                    have = table.columns_dict
                    for column, kind in COLUMNS.items():
                        if column not in have:
                            table.add_column(column, kind)
        except sqlite3.Error as exc:
            raise StoreError(f"无法创建暂存日志表：{exc} (cannot create the spool journal)") from exc

    def _write(self, what: str, fn):
        try:
            with self.db.atomic():
                return fn()
        except sqlite3.Error as exc:
            raise StoreError(f"无法写入暂存日志（{what}）：{exc} (cannot write the spool journal: {what})") from exc

    def claim(self, claims: list[tuple[str, str, str, list[str], dict, str]]) -> list[Job]:
        """Rows for files about to leave the inbox: (inbox, name, source path, sidecars, meta, recipient)."""

        def insert() -> list[Job]:
            jobs = []
            now = utcnow()
            for inbox, name, source, sidecars, meta, recipient in claims:
                row = {"inbox": inbox, "name": names.readable(name), "name_raw": names.raw(name),
                       "source": names.readable(source), "source_raw": names.raw(source), "state": PROCESSING,
                       "sidecars": json.dumps([names.readable(s) for s in sidecars], ensure_ascii=False),
                       "sidecars_raw": _join_raw(sidecars),
                       "meta": json.dumps(meta, ensure_ascii=False), "recipient": recipient,
                       "attempts": 0, "claimed_at": now}
                job_id = self.db["spool_jobs"].insert(row).last_pk
                jobs.append(Job(job_id, inbox, name, source, PROCESSING, sidecars, meta, recipient))
            return jobs

        return self._write("claim", insert)

    def attempted(self, job_ids: list[int]) -> None:
        """Count one more attempt to decide these jobs (a file that keeps killing the daemon is given up)."""
        if job_ids:
            marks = ",".join("?" * len(job_ids))
            self._write("attempt", lambda: self.db.execute(
                f"update spool_jobs set attempts = attempts + 1 where id in ({marks})", job_ids))

    def decide(self, decisions: list[tuple[Job, list[ItemResult], str, int, str, str]]) -> list[int]:
        """Record each file's results (its own, then its members') in the Store and its verdict and
        target in the journal, all in one transaction.

        Each decision is (job, results, fingerprint, run_id, outcome, target); returns the files' item ids.
        """

        def record() -> list[int]:
            ids = []
            now = utcnow()
            for job, tree, fingerprint, run_id, outcome, target in decisions:
                result = tree[0]
                item_id = self.store.record_item(run_id, result, fingerprint, members=len(tree) - 1)
                for member in tree[1:]:
                    self.store.record_item(run_id, member, fingerprint)
                self.db["spool_jobs"].update(job.id, {
                    "state": DECIDED, "verdict": result.verdict, "item_id": item_id, "outcome": outcome,
                    "target": names.readable(target), "target_raw": names.raw(target), "short_name": _short(target),
                    "sha256": result.sha256, "size": result.size, "decided_at": now,
                })
                ids.append(item_id)
            return ids

        ids = self._write("decide", record)
        # The jobs in memory change only once the transaction stands.
        for (job, tree, _, _, outcome, target), item_id in zip(decisions, ids):
            result = tree[0]
            job.state, job.verdict, job.item_id, job.outcome, job.target = DECIDED, result.verdict, item_id, outcome, target
        return ids

    def retarget(self, job: Job, target: str) -> None:
        self._write("retarget", lambda: self.db["spool_jobs"].update(job.id, {
            "target": names.readable(target), "target_raw": names.raw(target), "short_name": _short(target)}))
        job.target = target

    def finish(self, jobs: list[tuple[Job, str, str | None]]) -> None:
        """Mark jobs as ended: (job, final state, error or None)."""

        def update() -> None:
            now = utcnow()
            for job, state, error in jobs:
                shown = names.readable(error) if error is not None else None
                self.db["spool_jobs"].update(job.id, {"state": state, "error": shown, "finished_at": now})
                job.state, job.error = state, error

        self._write("finish", update)

    def open_jobs(self) -> list[Job]:
        try:
            rows = self.db.query(
                f"select * from spool_jobs where state in ({','.join('?' * len(OPEN_STATES))}) order by id",
                list(OPEN_STATES))
            return [Job.from_row(row) for row in rows]
        except sqlite3.Error as exc:
            raise StoreError(f"无法读取暂存日志：{exc} (cannot read the spool journal)") from exc

    def counts(self) -> dict[str, int]:
        rows = self.db.query("select state, count(*) as n from spool_jobs group by state")
        return {row["state"]: row["n"] for row in rows}

    def all_jobs(self) -> list[Job]:
        return [Job.from_row(row) for row in self.db.query("select * from spool_jobs order by id")]
