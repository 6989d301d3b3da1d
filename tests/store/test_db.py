"""The SQLite store: schema, one transaction per item, result reuse by hash and rules."""

import json
import os
import sqlite3

import pytest

from scanner.errors import StoreError
from scanner.model import Detection, Finding, ItemResult, Marking, Protection, Reason
from scanner.store.db import SCHEMA_VERSION, Store


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
    assert db.execute("pragma user_version").fetchone() == (SCHEMA_VERSION,)


def test_name_that_is_not_utf8_is_kept_exactly_and_stored_readably(tmp_path):
    # A caller that passes the name as Python decoded it (surrogate escapes) still gets its record.
    raw = "收件/方案.txt".encode("gbk")
    store = Store(tmp_path / "m.db")
    run = store.start_run([os.fsdecode(raw)], "0", "fp", "x")
    store.record_item(run, result(path=os.fsdecode(raw)), "fp")
    store.close()
    db = sqlite3.connect(tmp_path / "m.db")
    assert db.execute("select path, path_raw from items").fetchall() == [("收件/方案.txt", raw)]
    assert json.loads(db.execute("select result from items").fetchone()[0])["path"] == "收件/方案.txt"
    assert json.loads(db.execute("select paths from runs").fetchone()[0]) == ["收件/方案.txt"]


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


def test_database_of_an_earlier_version_gains_the_missing_columns(tmp_path):
    # The first schema had no `members` column (added when archives began to be recorded).
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute("create table runs (id integer primary key, started_at text, finished_at text, version text, "
               "fingerprint text, config_source text, paths text, items integer, allow integer, flag integer, "
               "block integer)")
    db.execute("create table items (id integer primary key, run_id integer, path text, member text, sha256 text, "
               "size integer, type text, verdict text, reason_codes text, labels text, problem_code text, "
               "fingerprint text, cached integer, scanned_at text, result text)")
    db.execute("insert into items (path, sha256, fingerprint, verdict, result) values "
               "('old.txt', ?, 'fp', 'allow', '{}')", ["ab" * 32])
    db.execute("pragma user_version=1")
    db.commit()
    db.close()

    store = Store(path)
    run = store.start_run([], "0", "fp", "x")
    store.record_item(run, result(sha="cd" * 32), "fp")
    assert store.cached_result("cd" * 32, "fp") is not None
    # The old row's member count is unknown, so it is never taken as a cached result.
    assert store.cached_result("ab" * 32, "fp") is None
    store.close()
    db = sqlite3.connect(path)
    assert "members" in [row[1] for row in db.execute("pragma table_info(items)")]
    assert db.execute("select count(*) from items").fetchone() == (2,)
    assert db.execute("pragma user_version").fetchone() == (SCHEMA_VERSION,)


def test_database_of_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "new.db"
    db = sqlite3.connect(path)
    db.execute(f"pragma user_version={SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer Mijian"):
        Store(path)
