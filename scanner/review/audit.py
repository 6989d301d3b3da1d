"""Verify the audit chain (each entry's hash covers its fields and the previous entry's hash) and the decisions it vouches for."""

from __future__ import annotations

import json
from dataclasses import dataclass

from scanner.store.decision_record import ADOPTED, decision_hash
from scanner.store.review import GENESIS, entry_hash


@dataclass(frozen=True)
class BrokenLink:
    """The first entry at which the chain no longer holds, and why."""

    seq: int
    position: int  # 1-based position in seq order
    problem: str  # "altered", "link", "sequence"

    def message(self, lang: str = "zh") -> str:
        zh = {"altered": "内容与其哈希不符（条目被修改）",
              "link": "前一条的哈希不符（之前的条目被删除、插入或调换）",
              "sequence": "序号不连续（条目被删除或调换）"}
        en = {"altered": "its content does not match its hash (the entry was edited)",
              "link": "the previous entry's hash does not match (an entry before it was deleted, inserted or moved)",
              "sequence": "the sequence number is out of order (an entry was deleted or moved)"}
        if lang == "en":
            return f"audit chain broken at entry {self.seq} (position {self.position}): {en[self.problem]}"
        return f"审计链在第 {self.seq} 条（第 {self.position} 个位置）断开：{zh[self.problem]}"


def verify_chain(entries: list[dict], suffix: bool = False) -> BrokenLink | None:
    """The first broken link of entries given in seq order, or None when the whole chain holds.

    `suffix`: the entries are the chain's tail from some entry on (its first link is not checked);
    an entry is as trustworthy as the whole chain when the tail from it to the head holds."""
    prev_hash, prev_seq = GENESIS, 0
    if suffix and entries:
        prev_hash, prev_seq = entries[0]["prev_hash"], entries[0]["seq"] - 1
    for position, entry in enumerate(entries, start=1):
        if entry["hash"] != entry_hash(entry):
            return BrokenLink(entry["seq"], position, "altered")
        if entry["prev_hash"] != prev_hash:
            return BrokenLink(entry["seq"], position, "link")
        if entry["seq"] != prev_seq + 1:
            return BrokenLink(entry["seq"], position, "sequence")
        prev_hash, prev_seq = entry["hash"], entry["seq"]
    return None


@dataclass(frozen=True)
class DecisionProblem:
    """A decision row the audit chain does not confirm, and why."""

    decision_id: int | None
    audit_seq: int | None
    problem: str  # "altered", "moved", "unrecorded", "deleted"

    def message(self, lang: str = "zh") -> str:
        zh = {"altered": "内容与审计链记录的不符（决定被修改）",
              "moved": "内容属于另一条决定（决定被调换）",
              "unrecorded": "审计链中没有这条决定（决定被插入，或升级前已与其审计条目不符）",
              "deleted": "审计链记录的决定已不在决定表中（决定被删除）"}
        en = {"altered": "its fields do not match the audit chain (the decision was edited)",
              "moved": "its fields belong to another decision (decisions were swapped)",
              "unrecorded": "the audit chain has no record of it (inserted, or already at odds with its audit entry "
                            "before the upgrade)",
              "deleted": "the audit chain records a decision that is no longer in the decisions table (deleted)"}
        if lang == "en":
            return f"decision {self.decision_id or '-'} (audit entry {self.audit_seq or '-'}): {en[self.problem]}"
        return f"决定 {self.decision_id or '-'}（审计条目 {self.audit_seq or '-'}）：{zh[self.problem]}"


def decision_covers(entries: list[dict], wanted: set | None = None) -> dict[int, tuple[int, str]]:
    """What the chain vouches for, by the decision's audit seq: (decision id, digest). Give only trusted entries;
    `wanted`: only the decisions of these audit seqs are needed (the others' details are not parsed)."""
    covers: dict[int, tuple[int, str]] = {}
    for entry in entries:
        if entry["action"] != ADOPTED and (not entry["action"].startswith("decision.")
                                           or (wanted is not None and entry["seq"] not in wanted)):
            continue
        try:
            detail = json.loads(entry["detail"] or "{}")
        except ValueError:
            continue
        if entry["action"] == ADOPTED:
            for d in detail.get("decisions", []):
                covers[d["audit_seq"]] = (d["id"], d["sha256"])
        elif "decision_sha256" in detail:
            covers[entry["seq"]] = (detail.get("decision_id"), detail["decision_sha256"])
    return covers


def trusted(entries: list[dict], broken: BrokenLink | None) -> list[dict]:
    """The entries before the first broken link: only they can vouch for anything. A link that fails
    also condemns the entry before it (edited, then rehashed so that it matches itself)."""
    if broken is None:
        return entries
    return entries[:max(0, broken.position - (1 if broken.problem == "altered" else 2))]


def check_decisions(decisions: list[dict], entries: list[dict], suffix: bool = False,
                    wanted: set | None = None, broken: BrokenLink | None | bool = False) -> list[DecisionProblem]:
    """Every decision row the (intact part of the) chain does not confirm, and every decision it records that is gone.

    `broken`: the chain's first broken link when already known (None: intact); False: check it here."""
    if broken is False:
        broken = verify_chain(entries, suffix)
    covers = decision_covers(trusted(entries, broken), wanted)
    problems, seen = [], set()
    for row in decisions:
        seq = row.get("audit_seq")
        cover = covers.get(seq) if seq not in seen else None
        digest = decision_hash(row)
        if cover is None:
            problems.append(DecisionProblem(row["id"], seq, "unrecorded"))
            continue
        seen.add(seq)
        if cover[1] != digest:
            problems.append(DecisionProblem(row["id"], seq, "altered"))
        elif cover[0] != row["id"]:
            problems.append(DecisionProblem(row["id"], seq, "moved"))
    for seq in sorted(set(covers) - seen):
        problems.append(DecisionProblem(covers[seq][0], seq, "deleted"))
    return problems


def with_confirmation(decisions: list[dict], entries: list[dict]) -> list[dict]:
    """The decisions, each with `verified`: True only when the intact chain vouches for every field of it."""
    bad = {p.decision_id for p in check_decisions(decisions, entries) if p.problem != "deleted"}
    return [dict(d, verified=d["id"] not in bad) for d in decisions]


def confirmed_history(review, decisions: list[dict]) -> list[dict]:
    """A few decisions (one item's) with `verified`, reading and checking only the chain's tail from the
    earliest of their audit entries to the head: as sure as a check of the whole chain, for these."""
    seqs = {d["audit_seq"] for d in decisions if d.get("audit_seq")}
    if not seqs:
        return [dict(d, verified=False) for d in decisions]
    entries = review.audit_entries(from_seq=min(seqs))
    bad = {p.decision_id for p in check_decisions(decisions, entries, suffix=True, wanted=seqs)
           if p.problem != "deleted"}
    return [dict(d, verified=d["id"] not in bad) for d in decisions]


def mark_unconfirmed(review, rows: list[dict]) -> None:
    """Queue rows whose status rests on a decision the chain does not confirm get `status_unverified`, so the
    queue never shows an edited or inserted decision's status as recorded (one tail check for the page)."""
    ids = [r["last_decision"] for r in rows if r.get("last_decision")]
    if not ids:
        return
    wanted = set(ids)
    latest = [d for d in review.decisions() if d["id"] in wanted]
    verified = {d["id"]: d["verified"] for d in confirmed_history(review, latest)}
    for row in rows:
        row["status_unverified"] = bool(row.get("last_decision")) and not verified.get(row["last_decision"], False)


def record_problems(review) -> tuple[list[dict], BrokenLink | None, list[DecisionProblem]]:
    """The audit entries, the chain's first broken link and the decisions it does not confirm."""
    entries = review.audit_entries()
    broken = verify_chain(entries)
    return entries, broken, check_decisions(review.decisions(), entries, broken=broken)


def record_message(broken: BrokenLink | None, problems: list[DecisionProblem], lang: str = "zh") -> str | None:
    """One line for a page or report: None when the chain holds and confirms every decision."""
    parts = [broken.message(lang)] if broken else []
    if problems:
        head = (f"{len(problems)} decision record(s) not confirmed by the audit chain: " if lang == "en"
                else f"{len(problems)} 条决定记录未经审计链证实：")
        parts.append(head + ("; " if lang == "en" else "；").join(p.message(lang) for p in problems[:5])
                     + ("…" if len(problems) > 5 else ""))
    return " ".join(parts) if parts else None
