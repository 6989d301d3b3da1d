"""An officer's decision on one item: release, keep blocked or request approval, recorded and audited.

A release moves the quarantined file on through the daemon's spool (rename, never overwrite),
after checking that the bytes are still the bytes that were reviewed. Its intent is audited
first; after the move the decision, its audit entry and the journal row are written in one
transaction. A release cut short by a crash is completed (file moved) or aborted (file not moved)
by `finish_interrupted_releases`, run before every decision and when the console starts.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from scanner.ingest.fitnames import companion
from scanner.ingest.spool import VERDICT_SUFFIX, Spool, move_no_clobber
from scanner.ingest.watch_config import SIDECAR_SUFFIXES
from scanner.review.auth import require_officer
from scanner.review.errors import ReviewError
from scanner.review.queue import get_item
from scanner.store.db import utcnow
from scanner.store.decision_guard import require_version
from scanner.store.journal import QUARANTINED, RELEASED, Job, Journal
from scanner.store.review import ReviewStore

ACTIONS = ("release", "keep_blocked", "request_approval")
MIN_REASON = 4


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _job(review: ReviewStore, job_id: int | None) -> Job | None:
    if job_id is None:
        return None
    return Job.from_row(review.db["spool_jobs"].get(job_id))


def decide(review: ReviewStore, item_id: int, action: str, reason: str, officer: str,
           spool: Spool | None = None, expected: int | None = None) -> dict:
    """Record an officer's decision; a release of a quarantined file also moves it. Returns the decision row.

    `expected` is the item's version the officer looked at (its latest decision id, 0 before any):
    a decision made since is a DecisionConflict, checked in the transaction that writes (decision_guard.py).
    """
    action = action.replace("-", "_")
    if action not in ACTIONS:
        raise ReviewError(f"未知的决定：{action}（release、keep-blocked、request-approval）(unknown action {action})")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ReviewError(f"必须写明理由（至少 {MIN_REASON} 个字）(a written reason of at least {MIN_REASON} characters is required)")
    require_officer(review, officer)
    finish_interrupted_releases(review)
    row, result, _ = get_item(review, item_id)
    require_version(review, item_id, expected)  # early, for the clear message; again where it writes
    if row["status"] == "released":
        raise ReviewError(f"条目 {item_id} 已放行，不能再作决定 (item {item_id} was already released)")
    decision = {"item_id": item_id, "item_sha256": row["sha256"], "action": action, "reason": reason,
                "officer": officer, "at": utcnow(), "job_id": row["job_id"], "moved_from": None, "moved_to": None}
    detail = {"reason": reason, "path": row["path"], "verdict": row["verdict"]}
    job = _job(review, row["job_id"])
    if action != "release" or job is None or job.state != QUARANTINED:
        if action == "release":
            detail["moved"] = False  # nothing in quarantine: a batch-scan item, or the gateway already passed it
        with review.transaction():
            require_version(review, item_id, expected)
            return review.record_decision(decision, detail)
    return _release(review, job, row, decision, detail, spool, expected)


def _release(review: ReviewStore, job: Job, row: dict, decision: dict, detail: dict, spool: Spool | None,
             expected: int | None = None) -> dict:
    if spool is None:
        raise ReviewError("未配置网关暂存目录（--config 中的 [watch]），无法放行隔离文件 "
                          "(no gateway spool configured: --config with a [watch] table is needed to release)")
    source = Path(job.target)
    if not source.is_file():
        raise ReviewError(f"隔离区中找不到文件：{source} (the quarantined file is missing: {source})")
    if row["sha256"] and _sha256(source) != row["sha256"]:
        raise ReviewError(f"隔离文件已被改动，与审查的内容不符：{source} "
                          f"(the quarantined file changed since it was reviewed: {source})")
    if not str(source.resolve()).startswith(str(spool.quarantine.resolve()) + os.sep):
        raise ReviewError(f"文件不在隔离区内：{source} (the file is not inside the quarantine folder)")
    target = spool.choose_target(job, RELEASED)
    officer, sha = decision["officer"], decision["item_sha256"]
    # The intent is audited before anything moves: a crash mid-release is finished by `finish_interrupted_releases`.
    try:
        with review.transaction():
            require_version(review, job.item_id, expected)
            intent = review.append_audit(officer, "release.intent", job.item_id, sha, {
                "reason": decision["reason"], "from": str(source), "to": str(target), "job_id": job.id})
    except BaseException:
        spool.reserved.discard(target)
        raise
    try:
        _move_with_sidecars(source, target)
    except OSError as exc:
        review.append_audit(officer, "release.aborted", job.item_id, sha, {"intent": intent["seq"], "error": str(exc)})
        raise ReviewError(f"无法移动文件：{exc} (cannot move the file)") from exc
    finally:
        spool.reserved.discard(target)
    return _complete(review, job, decision, detail, intent["seq"], source, target)


def _move_with_sidecars(source: Path, target: Path) -> None:
    if source.exists():
        move_no_clobber(source, target)
    for suffix in SIDECAR_SUFFIXES:
        side = source.with_name(companion(source.name, suffix))  # a long name's sidecars go by its short stem
        if side.exists():
            side_dst = target.with_name(companion(target.name, suffix))
            move_no_clobber(side, Spool.free_name(side_dst) if os.path.lexists(side_dst) else side_dst)


def _complete(review: ReviewStore, job: Job, decision: dict, detail: dict, intent_seq: int, source: Path,
              target: Path) -> dict:
    """The decision, its audit entry and the journal row, in one transaction, once the file stands released."""
    decision.update(moved_from=str(source), moved_to=str(target))
    detail.update(moved=True, moved_from=str(source), moved_to=str(target), intent=intent_seq)
    journal = Journal(review.store)
    with review.transaction():
        recorded = review.record_decision(decision, detail)
        journal.retarget(job, str(target))
        journal.finish([(job, RELEASED, None)])
    try:
        # The decision and audit entry now tell the story; a lone verdict file would mislead.
        source.with_name(companion(source.name, VERDICT_SUFFIX)).unlink()
    except FileNotFoundError:
        pass
    return recorded


def finish_interrupted_releases(review: ReviewStore) -> int:
    """Complete or abort every release whose intent was audited but whose decision never was; returns how many."""
    entries = review.audit_entries()
    closed = {json.loads(e["detail"]).get("intent") for e in entries
              if e["action"] in ("decision.release", "release.aborted")}
    done = 0
    for entry in entries:
        if entry["action"] != "release.intent" or entry["seq"] in closed:
            continue
        d = json.loads(entry["detail"])
        source, target = Path(d["from"]), Path(d["to"])
        if source.exists() and target.exists() and os.path.samefile(source, target):
            os.unlink(source)  # the crash fell between the hard link and the unlink
        if target.exists() and not source.exists():
            _move_with_sidecars(source, target)  # sidecars left behind, if any
            job = _job(review, d["job_id"])
            row, _, _ = get_item(review, entry["item_id"])
            decision = {"item_id": entry["item_id"], "item_sha256": entry["item_sha256"], "action": "release",
                        "reason": d["reason"], "officer": entry["actor"], "at": utcnow(), "job_id": job.id}
            _complete(review, job, decision, {"reason": d["reason"], "path": row["path"], "verdict": row["verdict"],
                                              "recovered": True}, entry["seq"], source, target)
        else:
            review.append_audit(entry["actor"], "release.aborted", entry["item_id"], entry["item_sha256"],
                                {"intent": entry["seq"], "error": "中断：文件未移动 (interrupted before the move)"})
        done += 1
    return done
