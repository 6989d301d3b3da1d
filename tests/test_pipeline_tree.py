"""Containers: each member its own result, `member` paths joined with `/`, the worst verdict rolls up."""

import pickle

import pytest

from scanner.extract.limits import Budget, Limits
from scanner.pipeline import redecide_stored, scan_bytes, scan_tree


@pytest.fixture
def tree(config, engine):
    def run(data: bytes, path: str = "pack.zip", **kw):
        return scan_tree(data, path=path, config=config, engine=engine, **kw)

    return run


def codes(result) -> list[str]:
    return [r.code for r in result.reasons]


def test_container_first_then_members(tree, make_zip, make_docx):
    data = make_zip({"说明.txt": "项目简介".encode(), "正文/plan.docx": make_docx(["机密★10年", "正文"])})
    results = tree(data)
    assert [r.member for r in results] == [None, "说明.txt", "正文/plan.docx"]
    assert {r.path for r in results} == {"pack.zip"}
    own, note, plan = results
    assert (own.type, note.type, plan.type) == ("zip", "text", "docx")
    assert note.verdict == "allow"
    assert plan.verdict == "block" and "marking.national_secret" in codes(plan)
    assert own.verdict == "block"
    assert codes(own)[0] == "archive.member_blocked"
    assert "正文/plan.docx" in own.reasons[0].message
    assert own.to_dict()["member"] is None and plan.to_dict()["member"] == "正文/plan.docx"


def test_clean_archive_is_allowed(tree, make_zip):
    results = tree(make_zip({"a.txt": "会议通知".encode(), "b.txt": "午餐安排".encode()}))
    assert [r.verdict for r in results] == ["allow"] * 3
    assert codes(results[0]) == []


def test_nested_archives_join_member_paths(tree, make_zip, make_xlsx):
    inner = make_zip({"表/预算.xlsx": make_xlsx({"预算": {"B7": "机密★10年"}})})
    middle = make_zip({"inner.zip": inner, "ok.txt": "会议通知".encode()})
    results = tree(make_zip({"middle.zip": middle}))
    members = [r.member for r in results]
    assert members == [None, "middle.zip", "middle.zip/inner.zip", "middle.zip/inner.zip/表/预算.xlsx",
                       "middle.zip/ok.txt"]
    assert [r.verdict for r in results] == ["block", "block", "block", "block", "allow"]
    [mark] = results[3].detection.markings
    assert "预算!B7" in mark.location


def test_flagged_member_flags_the_container(tree, make_zip, config, engine):
    text = "关于作战部署和武器装备试验数据的情况汇报。".encode()
    alone = scan_bytes(text, path="x.txt", config=config, engine=engine)
    results = tree(make_zip({"x.txt": text}))
    assert results[1].verdict == alone.verdict
    assert results[0].verdict == alone.verdict
    if alone.verdict == "flag":
        assert codes(results[0]) == ["archive.member_flagged"]


def test_mark_in_a_member_name_blocks_the_container_itself(tree, make_zip):
    results = tree(make_zip({"机密★10年 作战方案.txt": "会议通知".encode()}))
    assert "marking.national_secret" in codes(results[0])


def test_scan_bytes_returns_the_rolled_up_container(config, engine, make_zip):
    result = scan_bytes(make_zip({"a.txt": "机密★10年".encode()}), path="a.zip", config=config, engine=engine)
    assert result.member is None and result.verdict == "block"
    assert codes(result) == ["archive.member_blocked"]


def test_fully_encrypted_archive_is_one_blocked_item(tree, encrypt_zip):
    results = tree(encrypt_zip({"a.txt": "机密", "b.txt": "x"}))
    assert len(results) == 1
    assert results[0].protection.to_dict() == {"encrypted": True, "method": "zip-aes", "needs_password": True}
    assert codes(results[0]) == ["protection.unapproved"]


def test_fully_encrypted_archive_with_approval_is_allowed(tree, encrypt_zip):
    results = tree(encrypt_zip({"a.txt": "x"}), approval={"status": "valid"})
    assert results[0].verdict == "allow"


def test_partly_encrypted_archive_blocks_the_locked_member(tree, encrypt_zip):
    results = tree(encrypt_zip({"locked.txt": "x"}, plain={"open.txt": "会议通知"}))
    own, opened, locked = results
    assert own.protection.needs_password is False and own.protection.encrypted is True
    assert opened.verdict == "allow"
    assert locked.member == "locked.txt"
    assert locked.protection.to_dict() == {"encrypted": True, "method": "zip-aes", "needs_password": True}
    assert codes(locked) == ["protection.unapproved"]
    assert own.verdict == "block"


def test_empty_archive_is_empty(tree, make_zip):
    [own] = tree(make_zip({}))
    assert codes(own) == ["scan.empty"]


def test_results_are_picklable_for_worker_processes(tree, make_zip):
    results = tree(make_zip({"a.txt": "机密★10年".encode()}))
    assert [r.to_dict() for r in pickle.loads(pickle.dumps(results))] == [r.to_dict() for r in results]


def test_redecide_keeps_the_members_verdict(tree, make_zip, config):
    own = tree(make_zip({"a.txt": "机密★10年".encode()}))[0]
    again = redecide_stored(config, own.to_dict(), path="again.zip", member=None)
    assert again.verdict == "block" and "archive.member_blocked" in codes(again)
    assert again.cached and again.path == "again.zip"


def test_member_limit_is_recorded_once(tree, make_zip):
    data = make_zip({f"{i}.txt": b"x" for i in range(10)})
    results = tree(data, budget=Budget(Limits(max_members=3)))
    assert len(results) == 1 + 4
    assert results[-1].problem["code"] == "scan.limit" and "max_members" in results[-1].problem["detail"]
    assert results[0].verdict == "block"


def test_depth_limit(tree, make_zip):
    data = "机密".encode()
    for level in range(5):
        data = make_zip({f"l{level}.zip" if level else "a.txt": data})
    results = tree(data, budget=Budget(Limits(max_depth=2)))
    limited = [r for r in results if r.problem and r.problem["code"] == "scan.limit"]
    assert len(limited) == 1 and "max_depth" in limited[0].problem["detail"]
    assert results[0].verdict == "block"
