"""The spool journal keeps names losslessly: readable text for people, the exact bytes in BLOB columns, and
a journal from an earlier version gains those columns without losing its rows."""

from __future__ import annotations

import os
import sqlite3

from scanner.store.db import Store
from scanner.store.journal import COLUMNS, PROCESSING, Journal

OLD = ("id", "inbox", "name", "source", "state", "sidecars", "meta", "recipient", "attempts", "verdict", "item_id",
       "outcome", "target", "error", "sha256", "size", "claimed_at", "decided_at", "finished_at")


def test_a_gbk_name_is_kept_as_bytes_and_shown_as_text(tmp_path):
    journal = Journal(Store(tmp_path / "m.db"))
    name = os.fsdecode("项目".encode("gbk") + b"/" + "方案".encode("gbk") + b".txt")
    side = name + ".meta.json"
    [job] = journal.claim([("out", name, f"/in/{name}", [side], {"sender": "张三"}, "")])
    long_target = "/spool/released/out/" + "长" * 83 + "ab.txt"
    journal.retarget(job, long_target)
    row = journal.db["spool_jobs"].get(job.id)
    assert row["name"] == "项目/方案.txt" and row["name_raw"] == os.fsencode(name)
    assert row["sidecars"] == '["项目/方案.txt.meta.json"]' and row["source"] == "/in/项目/方案.txt"
    assert row["short_name"] is not None and row["short_name"].endswith(".txt") and "~" in row["short_name"]
    [again] = journal.open_jobs()
    assert (again.name, again.sidecars, again.source, again.target) == (name, [side], f"/in/{name}", long_target)
    assert again.state == PROCESSING and again.meta == {"sender": "张三"}


def test_an_old_journal_gains_the_raw_columns_and_keeps_its_rows(tmp_path):
    db = tmp_path / "m.db"
    con = sqlite3.connect(db)
    con.execute(f"create table spool_jobs ({', '.join(c + (' integer primary key' if c == 'id' else '') for c in OLD)})")
    con.execute("insert into spool_jobs (inbox, name, source, state, sidecars, meta, recipient, attempts) "
                "values ('out', '纪要.txt', '/in/纪要.txt', 'processing', '[]', '{}', '', 1)")
    con.commit()
    con.close()
    journal = Journal(Store(db))
    assert set(COLUMNS) <= set(journal.db["spool_jobs"].columns_dict)
    [job] = journal.open_jobs()
    assert (job.name, job.source, job.sidecars, job.attempts) == ("纪要.txt", "/in/纪要.txt", [], 1)
