"""A run's records for `mijian scan --resume`: the run itself, the files recorded in it, stale ones removed.

A file's records in a run are its own row (member null) and its members' rows, all with the same
`path_raw`, written in one transaction (Store.record_tree); the index on (run_id, path_raw) finds
them without reading the run. Plain sqlite3 statements (Store.rows): `--resume` imports no sqlite-utils.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

from scanner.errors import StoreError
from scanner.model import ItemResult
from scanner.store.db import Store


def get_run(store: Store, run_id: int) -> dict:
    """The run's row; a StoreError naming the id when there is none."""
    rows = store.rows("select * from runs where id = ?", [run_id])
    if not rows:
        raise StoreError(f"数据库 {store.path} 中没有扫描任务 {run_id} (no run {run_id} in {store.path})")
    return rows[0]


def recorded_file(store: Store, run_id: int, path_raw: bytes) -> dict | None:
    """The file's own row in the run (sha256, fingerprint, members), or None."""
    rows = store.rows(
        "select id, sha256, fingerprint, members from items "
        "where run_id = ? and path_raw = ? and member is null order by id limit 1", [run_id, path_raw])
    return rows[0] if rows else None


def recorded_tree(store: Store, run_id: int, path_raw: bytes, first: dict) -> list[ItemResult]:
    """The file's results as recorded (`first`: its row from recorded_file): the file, then its members,
    in the order they were written."""
    rows = store.rows(
        "select result, path_raw from items where run_id = ? and path_raw = ? and id >= ? order by id limit ?",
        [run_id, path_raw, first["id"], 1 + (first["members"] or 0)])
    tree = []
    for row in rows:
        result = ItemResult.from_dict(json.loads(row["result"]))
        result.path_raw = row["path_raw"]
        tree.append(result)
    return tree


def forget_file(store: Store, run_id: int, path_raw: bytes) -> None:
    """Remove the file's records from the run (its bytes or the rules changed: it is scanned again)."""
    where = "select id from items where run_id = ? and path_raw = ?"
    try:
        with store.transaction():
            store.conn.execute(f"delete from findings where item_id in ({where})", [run_id, path_raw])
            store.conn.execute(f"delete from markings where item_id in ({where})", [run_id, path_raw])
            store.conn.execute("delete from items where run_id = ? and path_raw = ?", [run_id, path_raw])
    except sqlite3.Error as exc:
        raise StoreError(f"无法更新扫描任务 {run_id}：{exc} (cannot update run {run_id})") from exc


def run_counts(store: Store, run_id: int) -> dict[str, int]:
    """Verdicts of the files recorded in the run (not of their members)."""
    counts = Counter({row["verdict"]: row["n"] for row in store.rows(
        "select verdict, count(*) as n from items where run_id = ? and member is null group by verdict", [run_id])})
    return {v: counts.get(v, 0) for v in ("allow", "flag", "block")}


def files_recorded(store: Store, run_id: int) -> int:
    return store.conn.execute("select count(*) from items where run_id = ? and member is null",
                              [run_id]).fetchone()[0]
