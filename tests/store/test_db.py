"""The SQLite store: schema, one transaction per item, result reuse by hash and rules."""

import sqlite3

import pytest

from scanner.errors import StoreError
from scanner.model import Detection, Finding, ItemResult, Marking, Protection, Reason
from scanner.store.db import Store


def result(path="a.txt", sha="ab" * 32):
    det = Detection(
        markings=[Marking("机密★10年", "机密", "national_secret", "10年", 0, 6, "line 1")],
        mentions=[Marking("机密", "机密", "national_secret", "20年", 10, 12, "line 2", is_mark=False)],
        findings=[Finding("lexicon.defense", "defense", "作战部署", 20, 24, "line 3", 1.0, ("前", "作战部署", "后"))],
    )
    det.categories["defense"] = 0.8
    det.labels = ["defense"]
    return ItemResult(
        path=path, member=None, sha256=sha, size=30, type="text", verdict="block",
        reasons=[Reason("marking.national_secret", "检测到国家秘密标志：机密★10年", "found", "block")],
        detection=det, protection=Protection(), approval={"status": "missing"},
    )


def test_record_and_reuse_round_trip(tmp_path):
    store = Store(tmp_path / "sub" / "m.db")
    run = store.start_run(["a.txt"], "0.1.0", "fp1", "<built-in>")
    store.record_item(run, result(), "fp1")
    store.finish_run(run, {"allow": 0, "flag": 0, "block": 1})
    stored = store.cached_result("ab" * 32, "fp1")
    assert ItemResult.from_dict(stored).to_dict() == result().to_dict()
    assert store.cached_result("ab" * 32, "other-rules") is None
    assert store.cached_result("cd" * 32, "fp1") is None
    store.close()

    db = sqlite3.connect(tmp_path / "sub" / "m.db")
    assert db.execute("select items, block from runs").fetchall() == [(1, 1)]
    assert db.execute("select rule, text, start, end, location from findings").fetchall() == [
        ("lexicon.defense", "作战部署", 20, 24, "line 3")]
    assert db.execute("select text, is_mark from markings order by start").fetchall() == [
        ("机密★10年", 1), ("机密", 0)]
    assert db.execute("pragma user_version").fetchone() == (1,)


def test_reopening_keeps_data(tmp_path):
    path = tmp_path / "m.db"
    store = Store(path)
    store.record_item(store.start_run([], "0", "fp", "x"), result(), "fp")
    store.close()
    assert Store(path).cached_result("ab" * 32, "fp") is not None


def test_unusable_path_is_a_store_error(tmp_path):
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreError, match="无法打开数据库"):
        Store(tmp_path / "dir.db")
