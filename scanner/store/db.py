"""The SQLite store (through sqlite-utils): runs, items, findings, markings, and result reuse."""

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
from scanner.store.connect import connect, retry_busy

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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = connect(str(self.path))
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"无法打开数据库 {self.path}：{exc} (cannot open database {self.path})") from exc
        try:
            retry_busy(self._create)
        except (OSError, sqlite3.Error) as exc:
            self.db.close()
            raise StoreError(f"无法打开数据库 {self.path}：{exc} (cannot open database {self.path})") from exc
        except StoreError:
            self.db.close()
            raise

    def _create(self) -> None:
        """Create or upgrade the tables: checked without a lock, done under the write lock, so several
        processes opening the same fresh file at once create it once (the others find it made)."""
        if self._version() == SCHEMA_VERSION and not self._missing():
            return
        with self.db.atomic():
            self._create_tables()

    def _missing(self) -> bool:
        """Whether a table, column or index of TABLES is not in the file yet."""
        db = self.db
        have = set(db.table_names())
        for name, (columns, _, indexes) in TABLES.items():
            if name not in have:
                return True
            table = db[name]
            if set(columns) - set(table.columns_dict):
                return True
            if {tuple(i) for i in indexes} - {tuple(i.columns) for i in table.indexes}:
                return True
        return False

    def _version(self) -> int:
        found = self.db.execute("PRAGMA user_version").fetchone()[0]
        if found > SCHEMA_VERSION:
            raise StoreError(f"数据库 {self.path} 由更新版本的密检创建（结构版本 {found}），请升级 "
                             f"(database made by a newer Mijian: schema {found} > {SCHEMA_VERSION})")
        return found

    def _create_tables(self) -> None:
        db = self.db
        self._version()  # again, under the lock
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

    def start_run(self, paths: list[str], version: str, fingerprint: str, config_source: str) -> int:
        try:
            table = self.db["runs"].insert({
                "started_at": utcnow(), "version": version, "fingerprint": fingerprint,
                "config_source": config_source,
                "paths": json.dumps([names.readable(p) for p in paths], ensure_ascii=False),
                "cwd": names.readable(os.getcwd()),
            })
            return table.last_pk
        except sqlite3.Error as exc:
            raise StoreError(f"无法记录扫描任务：{exc} (cannot record the run)") from exc

    def finish_run(self, run_id: int, counts: dict[str, int]) -> None:
        try:
            self.db["runs"].update(run_id, {
                "finished_at": utcnow(), "items": sum(counts.values()),
                "allow": counts.get("allow", 0), "flag": counts.get("flag", 0), "block": counts.get("block", 0),
            })
        except sqlite3.Error as exc:
            raise StoreError(f"无法记录扫描任务：{exc} (cannot record the run)") from exc

    def cached_result(self, sha256: str, fingerprint: str) -> dict | None:
        """The latest stored result for these exact bytes under the same rules, if any.

        Only a scanned file without members qualifies: a container's members must be read again.
        A file stopped by a limit (time, memory) is read again too: the machine may have been busy.
        """
        rows = list(self.db.query(
            "select result from items where sha256 = ? and fingerprint = ? and member is null "
            "and members = 0 and coalesce(problem_code, '') != 'scan.limit' order by id desc limit 1",
            [sha256, fingerprint],
        ))
        return json.loads(rows[0]["result"]) if rows else None

    def record_tree(self, run_id: int, tree: list[ItemResult], fingerprint: str) -> None:
        """A file's result and its members', in one transaction."""
        try:
            with self.db.atomic():
                self.record_item(run_id, tree[0], fingerprint, members=len(tree) - 1)
                for result in tree[1:]:
                    self.record_item(run_id, result, fingerprint)
        except sqlite3.Error as exc:
            raise StoreError(f"无法写入扫描结果：{exc} (cannot record the item {names.readable(tree[0].path)})") from exc

    def record_item(self, run_id: int, result: ItemResult, fingerprint: str, members: int = 0) -> int:
        """One result; its name as readable text in `path` and as its exact bytes in `path_raw`.

        A caller that left the name undecoded (surrogate escapes, which SQLite refuses) still gets a
        record: the name is made readable here.
        """
        path = names.readable(result.path)
        path_raw = result.path_raw if result.path_raw is not None else names.raw(result.path)
        member = names.readable(result.member) if result.member is not None else None
        data = result.to_dict()
        data.update(path=path, member=member)
        try:
            with self.db.atomic():
                item_id = self.db["items"].insert({
                    "run_id": run_id, "path": path, "path_raw": path_raw, "member": member,
                    "sha256": result.sha256,
                    "size": result.size, "type": result.type, "verdict": result.verdict,
                    "reason_codes": ",".join(r.code for r in result.reasons),
                    "labels": ",".join(result.detection.labels),
                    "problem_code": result.problem["code"] if result.problem else None,
                    "fingerprint": fingerprint, "cached": int(result.cached), "members": members,
                    "scanned_at": utcnow(),
                    "result": json.dumps(data, ensure_ascii=False),
                }).last_pk
                self.db["findings"].insert_all(
                    [dict(item_id=item_id, rule=f.rule, category=f.category, text=f.text, start=f.start,
                          end=f.end, location=f.location, score=f.score) for f in result.detection.findings]
                )
                marks = [(m, 1) for m in result.detection.markings] + [(m, 0) for m in result.detection.mentions]
                self.db["markings"].insert_all(
                    [dict(item_id=item_id, text=m.text, level=m.level, kind=m.kind, period=m.period,
                          is_mark=flag, start=m.start, end=m.end, location=m.location) for m, flag in marks]
                )
            return item_id
        except sqlite3.Error as exc:
            raise StoreError(f"无法写入扫描结果：{exc} (cannot record the item {path})") from exc

    def close(self) -> None:
        self.db.close()
