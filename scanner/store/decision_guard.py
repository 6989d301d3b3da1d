"""One decision per look: a decision names the item's version it was made on, and is refused if another came since.

An item's version is the id of its latest decision (0 before any). The console's decide form and
`mijian review decide --replaces` carry it; the check and the write happen in one IMMEDIATE
transaction, so of two officers deciding the same item at once, the second is told who decided
it and when, and nothing of theirs is written.
"""

from __future__ import annotations

from scanner.errors import StoreError


_DONE = {"release": "已放行", "keep_blocked": "维持阻断", "request_approval": "已要求补办审批"}


class DecisionConflict(StoreError):
    """The item was decided by someone else since the deciding officer looked at it."""

    code = "review.conflict"

    def __init__(self, item_id: int, latest: dict):
        self.item_id, self.latest = item_id, latest
        super().__init__(
            f"条目 {item_id} 已由 {latest['officer']} 于 {latest['at']} 作出决定（{_DONE.get(latest['action'], '?')}，决定编号 "
            f"{latest['id']}），请查看后再决定 (item {item_id} was decided by {latest['officer']} at {latest['at']}: "
            f"{latest['action']}, decision {latest['id']}; look at it again before deciding)")


def latest_decision(review, item_id: int) -> dict | None:
    """The item's latest decision row, or None before any."""
    rows = list(review.db.query("select * from decisions where item_id = ? order by id desc limit 1", [item_id]))
    return dict(rows[0]) if rows else None


def version_of(review, item_id: int) -> int:
    latest = latest_decision(review, item_id)
    return latest["id"] if latest else 0


def require_version(review, item_id: int, expected: int | None) -> None:
    """Refuse (DecisionConflict) unless the item's latest decision is still `expected`; call inside a
    transaction together with the write it guards. `expected` None skips the check."""
    if expected is None:
        return
    latest = latest_decision(review, item_id)
    if (latest["id"] if latest else 0) != int(expected):
        raise DecisionConflict(item_id, latest or {"officer": "?", "at": "?", "action": "?", "id": 0})
