"""Scan results are recorded a batch at a time: one commit per batch instead of one per file, and
what was read before an interruption is still recorded."""

from __future__ import annotations

import pytest

from scanner.config import parse_config
from scanner.scan import scan_paths
from scanner.store.batch import BATCH_FILES
from scanner.store.db import Store

CONFIG = parse_config("[scan]\nisolate = false\n[detect]\nmodel = \"\"\n")


def _inbox(tmp_path, count: int):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for n in range(count):
        (inbox / f"{n:03}.txt").write_text(f"第{n}号会议通知\n机密★10年\n" if n % 7 == 0 else f"第{n}号会议通知\n",
                                           encoding="utf-8")
    return inbox


def _commits(store: Store) -> list[str]:
    seen: list[str] = []
    store.db.conn.set_trace_callback(lambda sql: seen.append(sql) if sql.strip().upper() == "COMMIT" else None)
    return seen


def test_a_scan_commits_once_per_batch_and_records_every_file(tmp_path):
    files = BATCH_FILES * 2 + 5
    inbox = _inbox(tmp_path, files)
    store = Store(tmp_path / "m.db")
    commits = _commits(store)
    run = scan_paths([str(inbox)], CONFIG, store=store)
    assert run.total == files
    # Three batches (by count, or sooner by time on a slow machine), the run's start and finish.
    assert 5 <= len(commits) < files // 4
    rows = list(store.db.query("select verdict, count(*) n from items where run_id = ? group by verdict",
                               [run.run_id]))
    assert {r["verdict"]: r["n"] for r in rows} == {"allow": files - (files + 6) // 7, "block": (files + 6) // 7}


def test_files_read_before_an_interruption_are_recorded(tmp_path):
    inbox = _inbox(tmp_path, 20)
    store = Store(tmp_path / "m.db")
    seen = []

    def stop_after_ten(tree):
        seen.append(tree[0].path)
        if len(seen) == 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scan_paths([str(inbox)], CONFIG, store=store, on_tree=stop_after_ten)
    recorded = [r["path"] for r in store.db.query("select path from items order by id")]
    assert recorded == seen
