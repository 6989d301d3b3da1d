"""Item results decided by the policy: built from a detection, decided afresh, rolled up from members.

Nothing here reads a file: the parent process of an isolated scan decides and re-decides results with
these alone, without importing the extractors or the detectors (scan.py; reading is in pipeline.py).
"""

from __future__ import annotations

from scanner.config import Config
from scanner.model import VERDICTS, Detection, ItemResult, Marking, Protection, worst
from scanner.policy.decide import Problem, decide
from scanner.policy.reasons import make_reason

# Reasons a container gets from its members; kept when a stored result is decided afresh.
ROLLUP_CODES = ("archive.member_blocked", "archive.member_flagged")
_ROLLUP_LIST = 5  # member names shown in the reason


def build_result(
    config: Config,
    *,
    path: str,
    member: str | None,
    sha256: str | None,
    size: int | None,
    kind: str,
    detection: Detection,
    protection: Protection,
    approval: dict,
    problem: Problem | None,
    cached: bool = False,
) -> ItemResult:
    """Apply the policy and assemble the record (also used to re-decide a stored result)."""
    verdict, reasons = decide(config.policy, detection, protection, approval.get("status", "missing"), problem)
    return ItemResult(
        path=path, member=member, sha256=sha256, size=size, type=kind, verdict=verdict, reasons=reasons,
        detection=detection, protection=protection, approval=approval,
        problem={"code": problem.code, "detail": problem.detail} if problem else None, cached=cached,
    )


def unread_result(config: Config, *, path: str, problem: Problem | None, member: str | None = None,
                  kind: str = "unknown", sha256: str | None = None, size: int | None = None,
                  protection: Protection = Protection(), markings: list[Marking] = ()) -> ItemResult:
    """The result of an item that was not read (a limit, damage, a killed reader): decided by its
    problem and protection, and by the `markings` found before it was stopped (its text layer)."""
    return build_result(
        config, path=path, member=member, sha256=sha256, size=size, kind=kind,
        detection=Detection(markings=list(markings)), protection=protection, approval={"status": "missing"},
        problem=problem,
    )


def rollup(own: ItemResult, members: list[ItemResult]) -> ItemResult:
    """The container's result with its direct members' worst verdict added as a reason."""
    reasons = [r for r in own.reasons if r.code not in ROLLUP_CODES]
    for verdict, code in (("block", "archive.member_blocked"), ("flag", "archive.member_flagged")):
        names = [m.member or m.path for m in members if m.verdict == verdict]
        if names:
            shown = "、".join(names[:_ROLLUP_LIST]) + ("…" if len(names) > _ROLLUP_LIST else "")
            reasons.append(make_reason(code, verdict, count=len(names), members=shown))
    reasons.sort(key=lambda r: -VERDICTS.index(r.verdict))
    own.reasons = reasons
    own.verdict = worst([own.verdict] + [r.verdict for r in reasons])
    return own


def redecide(config: Config, result: ItemResult, approval: dict, keep_rollup: bool = True) -> ItemResult:
    """The same detection decided again under another approval status.

    With `keep_rollup`, what the item's members contributed (archive.member_*) is kept: re-running
    the policy on a container's own detection alone would pass a secret inside a zip.
    """
    problem = Problem(result.problem["code"], result.problem.get("detail", "")) if result.problem else None
    new = build_result(
        config, path=result.path, member=result.member, sha256=result.sha256, size=result.size,
        kind=result.type, detection=result.detection, protection=result.protection, approval=approval,
        problem=problem, cached=result.cached,
    )
    kept = [r for r in result.reasons if r.code in ROLLUP_CODES] if keep_rollup else []
    if kept:
        new.reasons = sorted(new.reasons + kept, key=lambda r: -VERDICTS.index(r.verdict))
        new.verdict = worst([new.verdict] + [r.verdict for r in kept])
    return new


def redecide_stored(config: Config, stored: dict, *, path: str, member: str | None) -> ItemResult:
    """A stored result decided afresh (approvals may have changed), keeping its members' verdicts."""
    old = ItemResult.from_dict(stored)
    old.path, old.member, old.cached = path, member, True
    return redecide(config, old, {"status": "missing"})
