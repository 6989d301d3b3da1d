"""Verify the audit chain: each entry's hash covers its fields and the previous entry's hash."""

from __future__ import annotations

from dataclasses import dataclass

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


def verify_chain(entries: list[dict]) -> BrokenLink | None:
    """The first broken link of entries given in seq order, or None when the whole chain holds."""
    prev_hash, prev_seq = GENESIS, 0
    for position, entry in enumerate(entries, start=1):
        if entry["hash"] != entry_hash(entry):
            return BrokenLink(entry["seq"], position, "altered")
        if entry["prev_hash"] != prev_hash:
            return BrokenLink(entry["seq"], position, "link")
        if entry["seq"] != prev_seq + 1:
            return BrokenLink(entry["seq"], position, "sequence")
        prev_hash, prev_seq = entry["hash"], entry["seq"]
    return None
