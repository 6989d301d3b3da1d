"""Decisions under the audit chain: an edited, deleted or swapped decision row is caught by `audit verify`,
and `review show`, the period report and the console show it as not confirmed, never as recorded."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import sys
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from review_helpers import XSS_NAME
from scanner.cli import main
from scanner.review.app import create_app
from scanner.store.db import Store
from scanner.store.review import ReviewStore

FORGED = "伪造的理由"


def decide(gateway, item: int, action: str, reason: str) -> None:
    saved = sys.stdin
    sys.stdin = io.StringIO("alice-password\n")
    try:
        assert main(["review", "decide", str(item), "--action", action, "--reason", reason, "--officer", "alice",
                     "--password-stdin", "--config", str(gateway.config)]) == 0
    finally:
        sys.stdin = saved


def sql(db, statement: str, params=()) -> None:
    con = sqlite3.connect(db)
    try:
        con.execute(statement, params)
        con.commit()
    finally:
        con.close()


def verify(db, capsys, lang="zh") -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["--lang", lang, "audit", "verify", "--db", str(db)])
    return code, capsys.readouterr().out.splitlines()


@pytest.fixture
def decided(gateway, accounts, capsys):
    """Two decisions on two items (ids 1 and 2), and an intact record."""
    decide(gateway, gateway.item_id(XSS_NAME), "keep-blocked", "含国家秘密标志，不得外发")
    decide(gateway, gateway.item_id("谈判方案.docx"), "request-approval", "需补办对外提供审批")
    code, out = verify(gateway.db, capsys)
    assert code == 0 and out[1] == "决定记录：共 2 条，均由审计链证实"
    return gateway


def test_an_edited_decision_is_caught_and_shown_unconfirmed(decided, capsys, tmp_path):
    gateway = decided
    sql(gateway.db, "update decisions set reason = ?, officer = '李四' where id = 1", [FORGED])
    code, out = verify(gateway.db, capsys)
    assert code == 1
    assert out == ["决定 1（审计条目 4）：内容与审计链记录的不符（决定被修改）"]
    assert verify(gateway.db, capsys, "en")[1] == [
        "decision 1 (audit entry 4): its fields do not match the audit chain (the decision was edited)"]

    assert main(["review", "show", str(gateway.item_id(XSS_NAME)), "--config", str(gateway.config)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if FORGED in x)
    assert line.startswith("  [未经审计链证实] ") and "李四" in line

    report = tmp_path / "period.html"
    assert main(["report", "--since", "2000-01-01", "--html", str(report), "--db", str(gateway.db)]) == 0
    html = report.read_text(encoding="utf-8")
    assert "审计链完整" not in html
    assert "1 条决定记录未经审计链证实：决定 1（审计条目 4）" in html
    assert f'<span class="alert unverified">未经审计链证实</span> {FORGED}' in html
    assert html.count("未经审计链证实</span>") == 1  # the other decision stands confirmed

    with TestClient(create_app(gateway.db)) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"username": "alice", "password": "alice-password", "csrf": token})
        page = client.get(f"/items/{gateway.item_id(XSS_NAME)}").text
        assert f'<span class="alert unverified">未经审计链证实</span> {FORGED}' in page
        audit = client.get("/audit").text
        assert "审计链完整" not in audit and "决定 1（审计条目 4）：内容与审计链记录的不符" in audit


def test_a_decision_forged_with_its_audit_entry_rehashed_is_caught(decided, capsys):
    """The forger also rewrites the entry's detail and hash: the next entry's link no longer holds,
    and the rewritten entry vouches for nothing, on the item's history as in `audit verify`."""
    from scanner.store.decision_record import decision_hash
    from scanner.store.review import entry_hash

    db = decided.db
    sql(db, "update decisions set reason = ? where id = 1", [FORGED])
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    row = dict(con.execute("select * from decisions where id = 1").fetchone())
    entry = dict(con.execute("select * from audit where seq = ?", [row["audit_seq"]]).fetchone())
    detail = dict(json.loads(entry["detail"]), reason=FORGED, decision_sha256=decision_hash(row))
    entry["detail"] = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    con.execute("update audit set detail = ?, hash = ? where seq = ?", [entry["detail"], entry_hash(entry), entry["seq"]])
    con.commit()
    con.close()
    code, out = verify(db, capsys)
    assert code == 1
    assert out[0] == "审计链在第 5 条（第 5 个位置）断开：前一条的哈希不符（之前的条目被删除、插入或调换）"
    assert "决定 1（审计条目 4）：审计链中没有这条决定（决定被插入，或升级前已与其审计条目不符）" in out
    assert main(["review", "show", str(decided.item_id(XSS_NAME)), "--config", str(decided.config)]) == 0
    assert any(x.startswith("  [未经审计链证实] ") and FORGED in x for x in capsys.readouterr().out.splitlines())


def test_a_deleted_decision_is_caught(decided, capsys):
    sql(decided.db, "delete from decisions where id = 2")
    code, out = verify(decided.db, capsys)
    assert code == 1
    assert out == ["决定 2（审计条目 6）：审计链记录的决定已不在决定表中（决定被删除）"]


def test_a_deleted_decision_is_caught_even_when_its_id_is_reused(decided, capsys):
    sql(decided.db, "delete from decisions where id = 2")
    decide(decided, decided.item_id("谈判方案.docx"), "keep-blocked", "维持阻断，待审批")  # takes id 2 again
    code, out = verify(decided.db, capsys)
    assert code == 1 and out == ["决定 2（审计条目 6）：审计链记录的决定已不在决定表中（决定被删除）"]


def test_swapped_decisions_are_caught(decided, capsys):
    # Swap every column but the id: the order of the decisions changes, each row still self-consistent.
    con = sqlite3.connect(decided.db)
    con.row_factory = sqlite3.Row
    one, two = [dict(r) for r in con.execute("select * from decisions order by id")]
    for target, source in ((1, two), (2, one)):
        cols = [c for c in source if c != "id"]
        con.execute(f"update decisions set {', '.join(c + ' = ?' for c in cols)} where id = ?",
                    [source[c] for c in cols] + [target])
    con.commit()
    con.close()
    code, out = verify(decided.db, capsys)
    assert code == 1
    assert out == ["决定 1（审计条目 6）：内容属于另一条决定（决定被调换）",
                   "决定 2（审计条目 4）：内容属于另一条决定（决定被调换）"]


def test_an_inserted_decision_is_caught(decided, capsys):
    sql(decided.db, "insert into decisions (item_id, item_sha256, action, reason, officer, at, audit_seq) "
                    "select item_id, item_sha256, 'release', ?, officer, at, audit_seq from decisions where id = 1",
        [FORGED])
    code, out = verify(decided.db, capsys)
    assert code == 1 and out == ["决定 3（审计条目 4）：审计链中没有这条决定（决定被插入，或升级前已与其审计条目不符）"]


def test_decisions_of_an_older_database_are_adopted_or_reported(tmp_path, capsys):
    """Review schema 1: decision rows whose audit entries carry only the reason."""
    db = tmp_path / "old.db"
    review = ReviewStore(Store(db))
    for item, reason in ((1, "经核实可以放行"), (2, "维持阻断的理由")):
        entry = review.append_audit("alice", "decision.keep_blocked", item, f"{item:064x}", {"reason": reason})
        review.db["decisions"].insert({"item_id": item, "item_sha256": f"{item:064x}", "action": "keep_blocked",
                                       "reason": reason, "officer": "alice", "at": entry["at"],
                                       "audit_seq": entry["seq"]})
    review.db.execute("delete from review_settings where key = 'review_schema'")
    review.db.conn.commit()
    review.store.close()
    sql(db, "update decisions set reason = ? where id = 2", [FORGED])  # forged before the upgrade

    code, out = verify(db, capsys)  # the first open under the new schema adopts what agrees with the chain
    assert code == 1
    assert out == ["决定 2（审计条目 2）：审计链中没有这条决定（决定被插入，或升级前已与其审计条目不符）"]
    review = ReviewStore(Store(db))
    try:
        adopted = [e for e in review.audit_entries() if e["action"] == "decisions.adopted"]
        assert len(adopted) == 1  # once, not at every open
        detail = json.loads(adopted[0]["detail"])
        assert [d["id"] for d in detail["decisions"]] == [1] and detail["not_covered"] == [2]
    finally:
        review.store.close()
    sql(db, "update decisions set reason = '改过' where id = 1")  # an adopted decision is covered from now on
    assert verify(db, capsys)[1][0] == "决定 1（审计条目 1）：内容与审计链记录的不符（决定被修改）"


def test_the_queue_marks_a_status_that_rests_on_an_unconfirmed_decision(decided):
    """The queue's status column comes from each item's latest decision: a row edited to 'release' (or one
    inserted) must not show as a recorded release there."""
    gateway = decided
    xss, other = gateway.item_id(XSS_NAME), gateway.item_id("谈判方案.docx")
    sql(gateway.db, "update decisions set action = 'release', reason = ? where id = 1", [FORGED])

    def rows(page: str) -> dict[int, str]:
        found = re.findall(r'<tr class="row[^"]*">(.*?)</tr>', page, flags=re.S)
        return {int(m.group(1)): row for row in found if (m := re.search(r'href="/items/(\d+)"', row))}

    with TestClient(create_app(gateway.db)) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"username": "alice", "password": "alice-password", "csrf": token})
        shown = rows(client.get("/?status=all").text)
    assert "未经审计链证实" in shown[xss]
    assert "未经审计链证实" not in shown[other]  # the other decision stands confirmed
