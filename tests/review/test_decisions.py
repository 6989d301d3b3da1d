"""Decisions on the command line over a real gateway spool: release moves without overwriting, and is audited."""

from __future__ import annotations

import io
import json
import sqlite3
import sys

from review_helpers import XSS_NAME
from scanner.cli import main


def run(gateway, *args, password: str | None = None) -> int:
    """`mijian review ...`; a decision signs in as its officer (password `<name>-password`) on stdin."""
    if args[0] != "decide":
        return main(["review", *args, "--config", str(gateway.config)])
    officer = args[args.index("--officer") + 1]
    saved = sys.stdin
    sys.stdin = io.StringIO((password or f"{officer}-password") + "\n")
    try:
        return main(["review", *args, "--password-stdin", "--config", str(gateway.config)])
    finally:
        sys.stdin = saved


def rows(db, sql):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql)]
    finally:
        con.close()


def test_list_and_show(gateway, accounts, capsys):
    assert run(gateway, "list", "--verdict", "block", "--json") == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(r["path"] for r in listed) == [f"out/{XSS_NAME}", "out/谈判方案.docx"]
    assert {r["status"] for r in listed} == {"open"}
    assert run(gateway, "list", "--category", "foreign_affairs", "--json") == 0
    assert [json.loads(line)["path"] for line in capsys.readouterr().out.splitlines()] == ["out/谈判方案.docx"]
    assert run(gateway, "show", str(gateway.item_id(XSS_NAME))) == 0
    out = capsys.readouterr().out
    assert "机密★10年  (第1段)" in out and "【作战部署】" in out and "(第2段; 国防建设和武装力量活动)" in out


def test_release_moves_the_file_without_overwriting_and_is_audited(gateway, accounts, capsys):
    item = gateway.item_id("谈判方案.docx")
    gateway.released.mkdir(parents=True, exist_ok=True)
    (gateway.released / "谈判方案.docx").write_bytes(b"someone else's file")  # the name is taken
    assert run(gateway, "decide", str(item), "--action", "release", "--reason", "经核实为已公开的谈判口径",
               "--officer", "alice") == 0
    assert "放行 →" in capsys.readouterr().out
    assert (gateway.released / "谈判方案.docx").read_bytes() == b"someone else's file"
    assert (gateway.released / "谈判方案 (1).docx").exists()
    assert not (gateway.quarantine / "谈判方案.docx").exists()
    assert not (gateway.quarantine / "谈判方案.docx.verdict.json").exists()
    decision = rows(gateway.db, "select * from decisions")[0]
    assert decision["officer"] == "alice" and decision["action"] == "release"
    assert decision["moved_to"].endswith("released/out/谈判方案 (1).docx")
    job = rows(gateway.db, f"select * from spool_jobs where item_id = {item}")[0]
    assert job["state"] == "released" and job["target"] == decision["moved_to"]
    audit = rows(gateway.db, "select * from audit order by seq")
    assert audit[-1]["action"] == "decision.release" and audit[-1]["item_sha256"] == decision["item_sha256"]
    assert json.loads(audit[-1]["detail"])["reason"] == "经核实为已公开的谈判口径"
    # Released once: no second decision.
    assert run(gateway, "decide", str(item), "--action", "keep-blocked", "--reason", "再次决定", "--officer", "alice") == 3
    assert "已放行" in capsys.readouterr().err
    assert main(["audit", "verify", "--db", str(gateway.db)]) == 0


def test_keep_blocked_and_request_approval_leave_the_file(gateway, accounts, capsys):
    item = gateway.item_id(XSS_NAME)
    assert run(gateway, "decide", str(item), "--action", "request-approval", "--reason", "需补办对外提供审批",
               "--officer", "alice") == 0
    first = rows(gateway.db, "select id from decisions")[0]["id"]
    # Deciding again names the decision it replaces (`review show` prints it): without it, refused.
    assert run(gateway, "decide", str(item), "--action", "keep-blocked", "--reason", "含国家秘密标志，不得外发",
               "--officer", "alice") == 3
    assert "已由 alice 于" in capsys.readouterr().err
    assert run(gateway, "decide", str(item), "--action", "keep-blocked", "--reason", "含国家秘密标志，不得外发",
               "--officer", "alice", "--replaces", str(first)) == 0
    assert (gateway.quarantine / XSS_NAME).exists()
    assert run(gateway, "list", "--status", "kept_blocked", "--json") == 0
    capsys.readouterr()
    assert [d["action"] for d in rows(gateway.db, "select * from decisions order by id")] == \
        ["request_approval", "keep_blocked"]


def test_refusals_move_nothing(gateway, accounts, capsys):
    item = gateway.item_id("谈判方案.docx")
    assert run(gateway, "decide", str(item), "--action", "release", "--reason", "放行", "--officer", "alice") == 3
    assert "必须写明理由" in capsys.readouterr().err
    assert run(gateway, "decide", str(item), "--action", "release", "--reason", "管理员想放行", "--officer", "bob") == 3
    assert "只有在职的保密专员" in capsys.readouterr().err
    (gateway.quarantine / "谈判方案.docx").write_bytes(b"swapped after review")
    assert run(gateway, "decide", str(item), "--action", "release", "--reason", "经核实可以放行", "--officer", "alice") == 3
    assert "隔离文件已被改动" in capsys.readouterr().err
    assert (gateway.quarantine / "谈判方案.docx").exists()
    assert not gateway.released.joinpath("谈判方案.docx").exists()
    assert rows(gateway.db, "select * from decisions") == []


def _intent(gateway, name):
    """A release cut short by a crash: the intent audited, as `_release` writes it, and nothing more."""
    from scanner.store.db import Store
    from scanner.store.review import ReviewStore

    review = ReviewStore(Store(gateway.db))
    item = gateway.item_id(name)
    job = rows(gateway.db, f"select * from spool_jobs where item_id = {item}")[0]
    sha = rows(gateway.db, f"select sha256 from items where id = {item}")[0]["sha256"]
    review.append_audit("alice", "release.intent", item, sha, {
        "reason": "经核实可以放行", "from": job["target"], "to": str(gateway.released / name), "job_id": job["id"]})
    review.store.close()
    return item


def test_a_release_interrupted_after_the_move_is_completed(gateway, accounts, capsys):
    item = _intent(gateway, "谈判方案.docx")
    gateway.released.mkdir(parents=True, exist_ok=True)
    (gateway.quarantine / "谈判方案.docx").rename(gateway.released / "谈判方案.docx")  # moved, then the crash
    assert run(gateway, "list", "--json") == 0  # reading finishes nothing; deciding does
    capsys.readouterr()
    assert run(gateway, "decide", str(gateway.item_id(XSS_NAME)), "--action", "keep-blocked",
               "--reason", "含国家秘密标志", "--officer", "alice") == 0
    decisions = rows(gateway.db, "select * from decisions order by id")
    assert [(d["item_id"], d["action"]) for d in decisions][0] == (item, "release")
    assert rows(gateway.db, f"select state from spool_jobs where item_id = {item}")[0]["state"] == "released"
    signed_out = "select action from audit where action != 'login' order by seq"  # sign-ins aside
    assert [e["action"] for e in rows(gateway.db, signed_out)][-3:] == [
        "release.intent", "decision.release", "decision.keep_blocked"]
    assert main(["audit", "verify", "--db", str(gateway.db)]) == 0


def test_a_release_interrupted_before_the_move_is_aborted(gateway, accounts, capsys):
    item = _intent(gateway, "谈判方案.docx")
    assert run(gateway, "decide", str(item), "--action", "keep-blocked", "--reason", "改为维持阻断",
               "--officer", "alice") == 0
    assert (gateway.quarantine / "谈判方案.docx").exists()
    signed_out = "select action from audit where action != 'login' order by seq"  # sign-ins aside
    assert [e["action"] for e in rows(gateway.db, signed_out)][-3:] == [
        "release.intent", "release.aborted", "decision.keep_blocked"]


def test_queue_pages_and_sorts(gateway, accounts):
    from scanner.review.queue import Filters, list_items
    from scanner.store.db import Store
    from scanner.store.review import ReviewStore

    review = ReviewStore(Store(gateway.db))
    try:
        first = list_items(review, Filters(sort="path", order="asc", per_page=1))
        second = list_items(review, Filters(sort="path", order="asc", per_page=1, page=2))
        assert (first.total, first.pages, second.pages) == (2, 2, 2)
        assert [first.rows[0]["path"], second.rows[0]["path"]] == sorted([f"out/{XSS_NAME}", "out/谈判方案.docx"])
        assert list_items(review, Filters(per_page=1, page=3)).rows == []
        assert list_items(review, Filters(sort="nonsense; drop table items")).filters.sort == "time"
    finally:
        review.store.close()


def test_a_decision_needs_the_officers_password_and_a_wrong_one_is_audited(gateway, accounts, capsys):
    item = gateway.item_id("谈判方案.docx")
    assert run(gateway, "decide", str(item), "--action", "release", "--reason", "冒名放行", "--officer", "alice",
               password="not-her-password") == 3
    assert "账号或密码错误" in capsys.readouterr().err
    assert (gateway.quarantine / "谈判方案.docx").exists()  # nothing moved
    assert rows(gateway.db, "select count(*) n from decisions")[0]["n"] == 0
    failed = rows(gateway.db, "select actor, action from audit where action = 'login.failed'")
    assert failed == [{"actor": "alice", "action": "login.failed"}]

