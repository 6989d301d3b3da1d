"""The decision table of DESIGN.md: each condition that holds adds a reason; the worst verdict wins."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.config import PolicySettings
from scanner.model import VERDICTS, WEAK_METHODS, Detection, Protection, Reason, worst
from scanner.policy.reasons import make_reason

NATIONAL_LEVELS = ("绝密", "机密", "秘密")


@dataclass(frozen=True)
class Problem:
    """Why an item could not be (fully) read: a scan.* code and a detail for people."""

    code: str
    detail: str = ""


def decide(
    policy: PolicySettings,
    detection: Detection,
    protection: Protection,
    approval: str | dict,
    problem: Problem | None = None,
) -> tuple[str, list[Reason]]:
    """Return (verdict, reasons), reasons ordered from most to least severe."""
    rules = policy.rules
    if isinstance(approval, str):
        approval = {"status": approval}
    status = approval.get("status", "missing")
    approved = status == "valid"
    reasons: list[Reason] = []

    def add(code: str, **values) -> None:
        reasons.append(make_reason(code, rules[code], **values))

    if problem is not None:
        add(problem.code, detail=problem.detail)
    if status not in ("valid", "missing"):
        add("approval." + status.replace("-", "_"), id=approval.get("id", "?"),
            expires=approval.get("expires", "?"), recipient=approval.get("recipient", "?"))
    if protection.needs_password and not approved:
        add("protection.unapproved", method=protection.method or "unknown")
    seen: set[tuple[str, str]] = set()
    for mark in detection.markings:
        key = (mark.kind, mark.text)
        if key in seen:
            continue
        seen.add(key)
        if mark.kind == "national_secret" and mark.expired:
            add("marking.expired", text=mark.text, expires=mark.expires or "?")
        elif mark.kind == "national_secret":
            # Secrets never leave through an ordinary gateway, approval or not.
            add("marking.national_secret", text=mark.text)
        elif mark.kind == "work_secret" and not approved:
            add("marking.work_secret", text=mark.text)
        elif mark.kind == "commercial_secret" and not approved:
            add("marking.commercial_secret", text=mark.text)
        elif mark.kind == "foreign" and not approved:
            add("marking.foreign", text=mark.text)
        if mark.kind == "commercial_secret" and mark.star:
            add("marking.commercial_star", text=mark.text)
    for match in detection.fingerprints:
        # A registered national secret never leaves, approval or not; other registered levels
        # (工作秘密, 商业秘密) pass with a valid approval, as their marks do.
        if approved and match.get("level") not in NATIONAL_LEVELS:
            continue
        if match.get("kind") == "data":
            columns = "、".join(dict.fromkeys(v["column"] for v in match.get("values", [])))
            add("fingerprint.data", title=match["title"], level=match["level"], id=match["id"], columns=columns)
        else:
            add("fingerprint.match", title=match["title"], level=match["level"], id=match["id"],
                chars=match["chars"], item_share=match["item_share"], document_share=match["document_share"])
    if not approved:
        for category in detection.labels:
            ev = detection.evidence.get(category, {})
            add("content.sensitive", category=category, score=detection.categories[category],
                why=ev.get("why") or "", why_en=ev.get("why_en") or "")
    weak = protection.method in WEAK_METHODS and not policy.weak_encryption_protects
    if approved and policy.destination == "external" and (not protection.needs_password or weak):
        if protection.needs_password:
            add("protection.missing", how=f"仅弱加密（{protection.method}）", how_en=f"only weakly encrypted ({protection.method})")
        else:
            add("protection.missing", how="未加密", how_en="not password-protected")
    reasons.sort(key=lambda r: -VERDICTS.index(r.verdict))  # stable: table order within a verdict
    return worst(r.verdict for r in reasons), reasons
