"""The SQLite store: runs, items, findings, markings, and result reuse.

A scan's own statements (the run, each file's rows, the reuse lookup) go through the plain sqlite3
connection, and a new file's tables are created with plain statements too (schema.py); `Store.db`,
sqlite-utils' view of the same connection, is made the first time other code asks for it, so a scan
does not import sqlite-utils unless the tables of an older file must be upgraded.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import platformdirs

from scanner import names
from scanner.errors import StoreError
from scanner.model import ItemResult
from scanner.store import schema
from scanner.store.connect import database, open_connection, retry_busy, transaction

# 3: items.path_raw, the exact bytes of a file name (items.path holds it as readable text).
SCHEMA_VERSION = 3


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("mijian")) / "mijian.db"


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# name -> (columns, foreign keys, indexes); every table has an integer primary key `id`.
TABLES = {
    "runs": ({
        "id": int, "started_at": str, "finished_at": str, "version": str, "fingerprint": str,
        "config_source": str, "paths": str, "items": int, "allow": int, "flag": int, "block": int,
        "cwd": str,  # where relative paths were given from (mijian scan --resume walks them again)
    }, [], []),
    "items": ({
        "id": int, "run_id": int, "path": str, "path_raw": bytes, "member": str, "sha256": str, "size": int,
        "type": str, "verdict": str, "reason_codes": str, "labels": str, "problem_code": str,
        "fingerprint": str, "cached": int, "members": int, "scanned_at": str, "result": str,
    }, [("run_id", "runs", "id")], [["sha256", "fingerprint"], ["run_id"], ["run_id", "path_raw"]]),
    "findings": ({
        "id": int, "item_id": int, "rule": str, "category": str, "text": str,
        "start": int, "end": int, "location": str, "score": float,
    }, [("item_id", "items", "id")], [["item_id"]]),
    "markings": ({
        "id": int, "item_id": int, "text": str, "level": str, "kind": str, "period": str,
        "is_mark": int, "start": int, "end": int, "location": str,
    }, [("item_id", "items", "id")], [["item_id"]]),
}


class Store:
    """One SQLite database; every write of one item happens in one transaction."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = open_connection(str(self.path))
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"无法打开数据库 {self.path}：{exc} (cannot open database {self.path})") from exc
        try:
            retry_busy(self._create)
        except (OSError, sqlite3.Error) as exc:
            self.conn.close()
            raise StoreError(f"无法打开数据库 {self.path}：{exc} (cannot open database {self.path})") from exc
        except StoreError:
            self.conn.close()
            raise

    @property
    def db(self):
        """sqlite-utils' Database over this store's connection (made on first use)."""
        if self._db is None:
            self._db = database(self.conn)
        return self._db

    def transaction(self):
        """A write transaction on this store's connection (BEGIN IMMEDIATE; a savepoint inside another)."""
        return transaction(self.conn)

    def rows(self, sql: str, params=()) -> list[dict]:
        """The rows of a query, each as a dict of its columns."""
        cursor = self.conn.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def table_names(self) -> set[str]:
        return {r[0] for r in self.conn.execute("select name from sqlite_master where type = 'table'")}

    def _create(self) -> None:
        """Create or upgrade the tables: checked without a lock, done under the write lock, so several
        processes opening the same fresh file at once create it once (the others find it made)."""
        if self._version() == SCHEMA_VERSION and not self._missing():
            return
        with self.transaction():
            self._create_tables()

    def _missing(self) -> bool:
        """Whether a table, column or index of TABLES is not in the file yet."""
        have = self.table_names()
        for name, (columns, _, indexes) in TABLES.items():
            if name not in have:
                return True
            if set(columns) - {r[1] for r in self.conn.execute(f"PRAGMA table_info([{name}])")}:
                return True
            made = {tuple(r[2] for r in self.conn.execute(f"PRAGMA index_info([{index[1]}])"))
                    for index in self.conn.execute(f"PRAGMA index_list([{name}])")}
            if {tuple(i) for i in indexes} - made:
                return True
        return False

    def _version(self) -> int:
        found = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if found > SCHEMA_VERSION:
            raise StoreError(f"数据库 {self.path} 由更新版本的密检创建（结构版本 {found}），请升级 "
                             f"(database made by a newer Mijian: schema {found} > {SCHEMA_VERSION})")
        return found

    def _create_tables(self) -> None:
        self._version()  # again, under the lock
        if not set(TABLES) & self.table_names():  # a new file: sqlite-utils' statements, without importing it
            for name, (columns, foreign_keys, indexes) in TABLES.items():
                schema.create(self.conn, name, columns, "id", foreign_keys, indexes)
            self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            return
        db = self.db
        for name, (columns, foreign_keys, indexes) in TABLES.items():
            table = db[name]
            if name not in db.table_names():
                table.create(columns, pk="id", foreign_keys=foreign_keys)
                for index in indexes:
                    table.create_index(index)
                continue
            # A database from an earlier version: add the columns it lacks (old rows get NULL, which
            # the queries treat as "unknown": such an item is never reused from the cache).
            have = table.columns_dict
            for column, kind in columns.items():
                if column not in have:
                    table.add_column(column, kind)
            for index in indexes:
                table.create_index(index, if_not_exists=True)
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _insert(self, table: str, row: dict) -> int:
        columns = ", ".join(f"[{c}]" for c in row)
        cursor = self.conn.execute(f"insert into [{table}] ({columns}) values ({', '.join('?' * len(row))})",
                                   list(row.values()))
        return cursor.lastrowid

    def start_run(self, paths: list[str], version: str, fingerprint: str, config_source: str) -> int:
        try:
            with self.transaction():
                return self._insert("runs", {
                    "started_at": utcnow(), "version": version, "fingerprint": fingerprint,
                    "config_source": config_source,
                    "paths": json.dumps([names.readable(p) for p in paths], ensure_ascii=False),
                    "cwd": names.readable(os.getcwd()),
                })
        except sqlite3.Error as exc:
            raise StoreError(f"无法记录扫描任务：{exc} (cannot record the run)") from exc

    def finish_run(self, run_id: int, counts: dict[str, int]) -> None:
        try:
            with self.transaction():
                self.conn.execute(
                    "update runs set finished_at = ?, items = ?, allow = ?, flag = ?, block = ? where id = ?",
                    [utcnow(), sum(counts.values()), counts.get("allow", 0), counts.get("flag", 0),
                     counts.get("block", 0), run_id])
        except sqlite3.Error as exc:
            raise StoreError(f"无法记录扫描任务：{exc} (cannot record the run)") from exc

    def cached_result(self, sha256: str, fingerprint: str) -> dict | None:
        """The latest stored result for these exact bytes under the same rules, if any.

        Only a scanned file without members qualifies: a container's members must be read again.
        A file stopped by a limit (time, memory) is read again too: the machine may have been busy.
        """
        row = self.conn.execute(
            "select result from items where sha256 = ? and fingerprint = ? and member is null "
            "and members = 0 and coalesce(problem_code, '') != 'scan.limit' order by id desc limit 1",
            [sha256, fingerprint],
        ).fetchone()
        return json.loads(row[0]) if row else None

    def record_tree(self, run_id: int, tree: list[ItemResult], fingerprint: str) -> None:
        """A file's result and its members', in one transaction."""
        try:
            with self.transaction():
                self.insert_tree(run_id, tree, fingerprint)
        except sqlite3.Error as exc:
            raise StoreError(f"无法写入扫描结果：{exc} (cannot record the item {names.readable(tree[0].path)})") from exc

    def insert_tree(self, run_id: int, tree: list[ItemResult], fingerprint: str) -> None:
        """A file's rows, inside a transaction the caller holds (TreeBatch: one for many files)."""
        self._insert_item(run_id, tree[0], fingerprint, members=len(tree) - 1)
        for result in tree[1:]:
            self._insert_item(run_id, result, fingerprint)

    def record_item(self, run_id: int, result: ItemResult, fingerprint: str, members: int = 0) -> int:
        """One result; its name as readable text in `path` and as its exact bytes in `path_raw`.

        A caller that left the name undecoded (surrogate escapes, which SQLite refuses) still gets a
        record: the name is made readable here.
        """
        try:
            with self.transaction():
                return self._insert_item(run_id, result, fingerprint, members)
        except sqlite3.Error as exc:
            raise StoreError(f"无法写入扫描结果：{exc} (cannot record the item {names.readable(result.path)})") from exc

    def _insert_item(self, run_id: int, result: ItemResult, fingerprint: str, members: int = 0) -> int:
        path = names.readable(result.path)
        path_raw = result.path_raw if result.path_raw is not None else names.raw(result.path)
        member = names.readable(result.member) if result.member is not None else None
        data = result.to_dict()
        data.update(path=path, member=member)
        item_id = self._insert("items", {
            "run_id": run_id, "path": path, "path_raw": path_raw, "member": member,
            "sha256": result.sha256,
            "size": result.size, "type": result.type, "verdict": result.verdict,
            "reason_codes": ",".join(r.code for r in result.reasons),
            "labels": ",".join(result.detection.labels),
            "problem_code": result.problem["code"] if result.problem else None,
            "fingerprint": fingerprint, "cached": int(result.cached), "members": members,
            "scanned_at": utcnow(),
            "result": json.dumps(data, ensure_ascii=False),
        })
        if result.detection.findings:
            self.conn.executemany(
                "insert into findings (item_id, rule, category, text, start, [end], location, score) "
                "values (?, ?, ?, ?, ?, ?, ?, ?)",
                [(item_id, f.rule, f.category, f.text, f.start, f.end, f.location, f.score)
                 for f in result.detection.findings])
        marks = [(m, 1) for m in result.detection.markings] + [(m, 0) for m in result.detection.mentions]
        if marks:
            self.conn.executemany(
                "insert into markings (item_id, text, level, kind, period, is_mark, start, [end], location) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(item_id, m.text, m.level, m.kind, m.period, flag, m.start, m.end, m.location)
                 for m, flag in marks])
        return item_id

    def close(self) -> None:
        self.conn.close()
