"""What officers review: flagged and blocked files with their gateway job and latest decision, filtered and paged."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

from scanner.model import CATEGORIES, ItemResult
from scanner.review.errors import NotFound, ReviewError
from scanner.store.journal import Journal
from scanner.store.review import ReviewStore

STATUS_OF_ACTION = {"release": "released", "keep_blocked": "kept_blocked", "request_approval": "approval_requested"}
STATUSES = ("open", "released", "kept_blocked", "approval_requested")
# Status filters beyond one status: "decided" is any decision at all; "" (or "all") is every item.
STATUS_FILTERS = ("", "decided") + STATUSES
DEFAULT_STATUS = "open"  # what the console and `mijian review list` show unless asked otherwise
SEARCHED = ("path", "job_name", "sender", "recipient")  # what the search box looks in
SORTS = {"time": "scanned_at", "verdict": "verdict", "path": "path", "inbox": "inbox", "status": "status", "id": "id"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Every top-level flagged/blocked item, its spool job (if the gateway took it) and its latest decision.
_BASE = """
with latest as (
  select d.id, d.item_id, d.action, d.officer, d.at from decisions d
  where d.id = (select max(id) from decisions d2 where d2.item_id = d.item_id)
), queue as (
  select i.id, i.path, i.member, i.sha256, i.size, i.type, i.verdict, i.reason_codes, i.labels, i.scanned_at,
         j.id as job_id, j.inbox, j.state as job_state, j.target, j.name as job_name, j.source as job_source,
         j.recipient, json_extract(j.meta, '$.sender') as sender, json_extract(i.result, '$.reasons') as reasons_json,
         latest.id as last_decision, latest.action as last_action, latest.officer as last_officer,
         latest.at as decided_at,
         case latest.action when 'release' then 'released' when 'keep_blocked' then 'kept_blocked'
              when 'request_approval' then 'approval_requested' else 'open' end as status
  from items i
  left join spool_jobs j on j.item_id = i.id
  left join latest on latest.item_id = i.id
  where i.member is null and i.verdict in ('flag', 'block')
)
"""


@dataclass
class Filters:
    verdict: str = ""
    category: str = ""
    inbox: str = ""
    status: str = ""
    since: str = ""
    until: str = ""
    q: str = ""  # a file name, sender or recipient (any part of it, case-insensitive)
    sort: str = "time"
    order: str = "desc"
    page: int = 1
    per_page: int = 25

    def __post_init__(self):
        if self.verdict not in ("", "flag", "block"):
            raise ReviewError(f"结论筛选无效：{self.verdict} (invalid verdict filter)")
        if self.category not in ("",) + CATEGORIES:
            raise ReviewError(f"类别筛选无效：{self.category} (invalid class filter)")
        if self.status == "all":
            self.status = ""
        self.q = (self.q or "").strip()[:200]
        if self.status not in STATUS_FILTERS:
            raise ReviewError(f"状态筛选无效：{self.status} (invalid status filter)")
        for name in ("since", "until"):
            if getattr(self, name) and not DATE.match(getattr(self, name)):
                raise ReviewError(f"日期应为 YYYY-MM-DD：{getattr(self, name)} (dates are YYYY-MM-DD)")
        if self.sort not in SORTS:
            self.sort = "time"
        if self.order not in ("asc", "desc"):
            self.order = "desc"
        self.page = max(1, int(self.page))
        self.per_page = min(200, max(1, int(self.per_page)))


@dataclass
class Page:
    rows: list[dict]
    total: int
    filters: Filters
    inboxes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.filters.per_page))


def _ensure_tables(review: ReviewStore) -> None:
    Journal(review.store)  # the spool table exists even in a database only `mijian scan` wrote


def list_items(review: ReviewStore, filters: Filters) -> Page:
    _ensure_tables(review)
    where, params = [], []
    for column in ("verdict", "inbox"):
        if getattr(filters, column):
            where.append(f"{column} = ?")
            params.append(getattr(filters, column))
    if filters.status == "decided":
        where.append("status != 'open'")
    elif filters.status:
        where.append("status = ?")
        params.append(filters.status)
    if filters.q:
        where.append("(" + " or ".join(f"instr(lower(coalesce({c}, '')), lower(?)) > 0" for c in SEARCHED) + ")")
        params.extend([filters.q] * len(SEARCHED))
    if filters.category:
        where.append("(',' || labels || ',') like ?")
        params.append(f"%,{filters.category},%")
    if filters.since:
        where.append("substr(scanned_at, 1, 10) >= ?")
        params.append(filters.since)
    if filters.until:
        where.append("substr(scanned_at, 1, 10) <= ?")
        params.append(filters.until)
    clause = (" where " + " and ".join(where)) if where else ""
    db = review.db
    total = list(db.query(_BASE + f"select count(*) as n from queue{clause}", params))[0]["n"]
    order = f"{SORTS[filters.sort]} {filters.order}, id {filters.order}"
    offset = (filters.page - 1) * filters.per_page
    rows = [shown(dict(r)) for r in db.query(
        _BASE + f"select * from queue{clause} order by {order} limit ? offset ?", params + [filters.per_page, offset])]
    inboxes = [r["inbox"] for r in db.query("select distinct inbox from spool_jobs where inbox is not null order by inbox")]
    return Page(rows, total, filters, inboxes)


def shown(row: dict) -> dict:
    """A queue row with what the page shows: a short name (inbox-relative for the gateway, the file
    name for a scan), the full path for hovering, and the reasons with their messages."""
    if row.get("job_name"):
        row["short_path"], row["full_path"] = row["job_name"], row.get("job_source") or row["path"]
    else:
        path = row["path"] or ""
        row["short_path"], row["full_path"] = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or path, path
    try:
        reasons = json.loads(row.pop("reasons_json", None) or "[]")
    except ValueError:
        reasons = []
    row["reasons"] = reasons or [{"code": c} for c in (row.get("reason_codes") or "").split(",") if c]
    return row


def get_item(review: ReviewStore, item_id: int) -> tuple[dict, ItemResult, dict]:
    """The queue row, the full result, and the raw result document of one reviewable item."""
    _ensure_tables(review)
    rows = list(review.db.query(_BASE + "select * from queue where id = ?", [item_id]))
    if not rows:
        raise NotFound(f"没有待审查的条目 {item_id} (no reviewable item {item_id})")
    raw = list(review.db.query("select result from items where id = ?", [item_id]))[0]["result"]
    doc = json.loads(raw)
    return shown(dict(rows[0])), ItemResult.from_dict(doc), doc


def members_of(review: ReviewStore, row: dict) -> list[dict]:
    """The archive members recorded with a file in the same run (evidence may sit in a member)."""
    item = review.db["items"].get(row["id"])
    return [dict(r) for r in review.db.query(
        "select id, member, verdict, result from items where run_id = ? and path = ? and member is not null "
        "and verdict != 'allow' order by id", [item["run_id"], item["path"]])]


def dashboard(review: ReviewStore, days: int = 14) -> dict:
    """Counts by verdict and by class per day, by class overall, top reasons, and the open items waiting longest."""
    _ensure_tables(review)
    db = review.db
    per_day: dict[str, Counter] = {}
    for r in db.query("select substr(scanned_at, 1, 10) as day, verdict, count(*) as n from items "
                      "where member is null group by day, verdict order by day"):
        per_day.setdefault(r["day"], Counter())[r["verdict"]] = r["n"]
    day_list = sorted(per_day)[-days:]
    by_class, reasons = Counter(), Counter()
    class_days: dict[str, Counter] = {day: Counter() for day in day_list}
    for r in db.query("select substr(scanned_at, 1, 10) as day, labels, reason_codes from items "
                      "where member is null and verdict != 'allow'"):
        labels = [x for x in (r["labels"] or "").split(",") if x]
        by_class.update(labels)
        if r["day"] in class_days:
            class_days[r["day"]].update(labels)
        reasons.update(x for x in (r["reason_codes"] or "").split(",") if x)
    status = Counter({r["status"]: r["n"] for r in db.query(_BASE + "select status, count(*) as n from queue group by status")})
    waiting = [dict(r) for r in db.query(_BASE + "select * from queue where status in ('open', 'approval_requested') "
                                                 "order by scanned_at asc, id asc limit 10")]
    return {"days": [(d, per_day[d]) for d in day_list], "by_class": by_class,
            "class_days": [(d, class_days[d]) for d in day_list], "reasons": reasons.most_common(10),
            "status": status, "waiting": waiting}
