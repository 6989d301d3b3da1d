"""Decisions under the audit chain: each decision's digest is written into its audit entry.

A decision row is a copy for queries; the audit entry that records it carries the row's id and
the SHA-256 of its fields (`decision_sha256`), so an edited, deleted or swapped row no longer
matches the chain. Databases made before this (review schema 1) hold decisions whose audit
entries carry only the reason: on first open each old row is compared with its own audit entry
(action, officer, item, file hash, reason, release target) and the ones that agree are adopted
by one `decisions.adopted` entry listing their digests; the ones that do not agree are listed
there as not covered and stay unconfirmed.
"""

from __future__ import annotations

import hashlib
import json

# The fields a person reads as "recorded": all of a decision but its row id, which the entry names apart.
DECISION_FIELDS = ("item_id", "item_sha256", "action", "reason", "officer", "at", "job_id", "moved_from",
                   "moved_to", "audit_seq")
REVIEW_SCHEMA = 2  # 2: decisions covered by the audit chain
SCHEMA_KEY = "review_schema"
ADOPTED = "decisions.adopted"


def decision_hash(row: dict) -> str:
    """The SHA-256 of a decision's recorded fields, canonically serialised."""
    fields = {key: row.get(key) for key in DECISION_FIELDS}
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _agrees(row: dict, entry: dict | None) -> bool:
    """An old decision row says what its own audit entry says (the entry's time is not compared: it was never copied)."""
    if entry is None:
        return False
    try:
        detail = json.loads(entry["detail"] or "{}")
    except ValueError:
        return False
    return (entry["action"] == f"decision.{row['action']}" and entry["actor"] == row["officer"]
            and entry["item_id"] == row["item_id"] and entry["item_sha256"] == row["item_sha256"]
            and detail.get("reason") == row["reason"] and detail.get("moved_to") == row["moved_to"])


def adopt_old_decisions(review) -> None:
    """Bring a database of review schema 1 under the chain (once; later opens only read the schema number)."""
    def version() -> int:
        rows = list(review.db.query("select value from review_settings where key = ?", [SCHEMA_KEY]))
        return int(rows[0]["value"]) if rows else 1

    if version() >= REVIEW_SCHEMA:
        return
    with review.transaction():
        if version() >= REVIEW_SCHEMA:
            return  # another process adopted them first
        rows = [dict(r) for r in review.db.query("select * from decisions order by id")]
        entries = {e["seq"]: dict(e) for e in review.db.query(
            "select * from audit where seq in (select audit_seq from decisions)")}
        adopted, not_covered = [], []
        for row in rows:
            if _agrees(row, entries.get(row["audit_seq"])):
                adopted.append({"id": row["id"], "audit_seq": row["audit_seq"], "sha256": decision_hash(row)})
            else:
                not_covered.append(row["id"])
        if rows:
            review.append_audit("mijian", ADOPTED, detail={
                "decisions": adopted, "not_covered": not_covered,
                "note": "升级前的决定，已与各自的审计条目核对 (decisions made before the upgrade, checked "
                        "against their own audit entries)"})
        review.db["review_settings"].upsert({"key": SCHEMA_KEY, "value": str(REVIEW_SCHEMA)}, pk="key")
