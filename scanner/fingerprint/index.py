"""The fingerprint index in SQLite: registered documents, their keyed fingerprints, data sets.

`prints` is a WITHOUT ROWID table keyed by (hash, doc, pos): the rows of one hash sit together in
the B-tree, so a lookup is a range read and no second index is needed. It holds no text. A gateway
opens the file read-only, on the first item that needs it, and asks for a whole item's
fingerprints in one query (a JSON array joined with json_each), only those the membership sidecar
(sidecar.py, rewritten when a changed index is closed) says are stored.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from scanner.errors import StoreError
from scanner.fingerprint.sidecar import write_sidecar

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, level TEXT NOT NULL, owner TEXT NOT NULL DEFAULT '',
    chars INTEGER NOT NULL, prints INTEGER NOT NULL, sources TEXT NOT NULL, registered TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS prints (
    hash INTEGER NOT NULL, doc INTEGER NOT NULL, pos INTEGER NOT NULL,
    PRIMARY KEY (hash, doc, pos)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS data_sets (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, level TEXT NOT NULL, owner TEXT NOT NULL DEFAULT '',
    columns TEXT NOT NULL, alone TEXT NOT NULL, rows INTEGER NOT NULL, lengths TEXT NOT NULL,
    registered TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS data_values (
    hash INTEGER NOT NULL, dataset INTEGER NOT NULL, row INTEGER NOT NULL, col INTEGER NOT NULL,
    PRIMARY KEY (hash, dataset, row, col)) WITHOUT ROWID;
"""
_CHUNK = 20000  # hashes per lookup query


def index_state(path: Path) -> str:
    """What identifies an index's content, cheaply (its key and generation), for reusing verdicts."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = dict(db.execute("SELECT name, value FROM meta WHERE name IN ('key_id', 'generation')"))
        finally:
            db.close()
    except sqlite3.Error as exc:
        return f"unreadable: {exc}"
    return f"{rows.get('key_id')}:{rows.get('generation')}"


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RegisteredDocument:
    id: int
    title: str
    level: str
    owner: str
    chars: int
    prints: int
    sources: list[str]
    registered: str


@dataclass(frozen=True)
class DataSet:
    id: int
    title: str
    level: str
    owner: str
    columns: list[str]
    alone: list[str]
    rows: int
    lengths: list[int]
    registered: str


class FingerprintIndex:
    """One index file. `writable` for `mijian register`; read-only at scan time."""

    def __init__(self, path: Path, writable: bool = False):
        self.path = Path(path)
        self.writable = writable
        self.lock = threading.Lock()
        try:
            if writable:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(self.path, check_same_thread=False)
                self.db.executescript(_SCHEMA)
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
                self.db.commit()
                self._opened_stamp = self.meta("stamp")
            else:
                self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
                self.db.execute("SELECT 1 FROM prints LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"无法打开指纹库 {self.path}：{exc} (cannot open fingerprint index {self.path})") from exc

    def close(self) -> None:
        """Close; a changed, committed index gets its membership sidecar for the new stamp first."""
        try:
            if self.writable and self._opened_stamp != self.meta("stamp") and not self.db.in_transaction:
                write_sidecar(self.db, self.path, self.meta("stamp"))
        finally:
            self.db.close()

    # --- meta ---------------------------------------------------------------------------------
    def meta(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    # --- documents ----------------------------------------------------------------------------
    def add_document(self, title: str, level: str, owner: str, chars: int, sources: list[str],
                     hashes: np.ndarray, starts: np.ndarray, doc_id: int | None = None,
                     registered: str | None = None) -> int:
        pairs = sorted(set(zip(hashes.tolist(), starts.tolist())))
        cur = self.db.execute(
            "INSERT INTO documents (id, title, level, owner, chars, prints, sources, registered) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (doc_id, title, level, owner, chars, len(pairs), json.dumps(sources, ensure_ascii=False),
             registered or utcnow()))
        new_id = cur.lastrowid if doc_id is None else doc_id
        self.db.executemany("INSERT OR IGNORE INTO prints VALUES (?, ?, ?)",
                            ((h, new_id, p) for h, p in pairs))
        return new_id

    def remove_document(self, doc_id: int) -> bool:
        cur = self.db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        if cur.rowcount == 0:
            return False
        self.db.execute("DELETE FROM prints WHERE doc = ?", (doc_id,))
        return True

    def documents(self) -> list[RegisteredDocument]:
        rows = self.db.execute("SELECT id, title, level, owner, chars, prints, sources, registered "
                               "FROM documents ORDER BY id").fetchall()
        return [RegisteredDocument(*r[:6], json.loads(r[6]), r[7]) for r in rows]

    def document(self, doc_id: int) -> RegisteredDocument | None:
        row = self.db.execute("SELECT id, title, level, owner, chars, prints, sources, registered "
                              "FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return RegisteredDocument(*row[:6], json.loads(row[6]), row[7]) if row else None

    def document_prints(self, doc_id: int) -> list[tuple[int, int]]:
        return self.db.execute("SELECT hash, pos FROM prints WHERE doc = ? ORDER BY pos", (doc_id,)).fetchall()

    def lookup(self, hashes) -> list[tuple[int, int, int]]:
        """(hash, doc, pos) of every stored fingerprint among `hashes`."""
        values = list(hashes)
        out: list[tuple[int, int, int]] = []
        with self.lock:
            for i in range(0, len(values), _CHUNK):
                out += self.db.execute(
                    "SELECT hash, doc, pos FROM prints WHERE hash IN (SELECT value FROM json_each(?))",
                    (json.dumps(values[i:i + _CHUNK]),)).fetchall()
        return out

    # --- data sets ----------------------------------------------------------------------------
    def add_dataset(self, title: str, level: str, owner: str, columns: list[str], alone: list[str],
                    values: list[tuple[int, int, int]], rows: int, lengths: list[int],
                    set_id: int | None = None, registered: str | None = None) -> int:
        cur = self.db.execute(
            "INSERT INTO data_sets (id, title, level, owner, columns, alone, rows, lengths, registered) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (set_id, title, level, owner, json.dumps(columns, ensure_ascii=False),
             json.dumps(alone, ensure_ascii=False), rows, json.dumps(sorted(set(lengths))), registered or utcnow()))
        new_id = cur.lastrowid if set_id is None else set_id
        self.db.executemany("INSERT OR IGNORE INTO data_values VALUES (?, ?, ?, ?)",
                            ((h, new_id, r, c) for h, r, c in values))
        return new_id

    def remove_dataset(self, set_id: int) -> bool:
        cur = self.db.execute("DELETE FROM data_sets WHERE id = ?", (set_id,))
        if cur.rowcount == 0:
            return False
        self.db.execute("DELETE FROM data_values WHERE dataset = ?", (set_id,))
        return True

    def datasets(self) -> list[DataSet]:
        rows = self.db.execute("SELECT id, title, level, owner, columns, alone, rows, lengths, registered "
                               "FROM data_sets ORDER BY id").fetchall()
        return [DataSet(r[0], r[1], r[2], r[3], json.loads(r[4]), json.loads(r[5]), r[6], json.loads(r[7]), r[8])
                for r in rows]

    def data_values(self, set_id: int) -> list[tuple[int, int, int]]:
        return self.db.execute("SELECT hash, row, col FROM data_values WHERE dataset = ?", (set_id,)).fetchall()

    def all_data_hashes(self) -> np.ndarray:
        with self.lock:
            rows = self.db.execute("SELECT DISTINCT hash FROM data_values").fetchall()
        return np.sort(np.array([r[0] for r in rows], dtype=np.int64))

    def data_lookup(self, hashes) -> list[tuple[int, int, int, int]]:
        with self.lock:
            return self.db.execute(
                "SELECT hash, dataset, row, col FROM data_values WHERE hash IN (SELECT value FROM json_each(?))",
                (json.dumps([int(h) for h in hashes]),)).fetchall()

    def clear(self) -> None:
        for table in ("documents", "prints", "data_sets", "data_values"):
            self.db.execute(f"DELETE FROM {table}")

    def commit(self) -> None:
        self.db.commit()

    def bump_generation(self) -> None:
        """Mark a change: a new generation, and a new random stamp naming the sidecar that fits it."""
        self.set_meta("generation", str(int(self.meta("generation") or 0) + 1))
        self.set_meta("stamp", secrets.token_hex(8))
