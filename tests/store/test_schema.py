"""A new database's tables are created with plain statements (store/schema.py) that leave exactly what
sqlite-utils would have made, and sqlite-utils works on such a file afterwards (issue 17: a scan of a
new database does not import sqlite-utils)."""

from __future__ import annotations

import subprocess
import sys

import sqlite_utils

from scanner.store import approvals, db as store_db
from scanner.store.approvals import ApprovalStore
from scanner.store.db import SCHEMA_VERSION, TABLES, Store


def _master(conn) -> list[tuple]:
    return sorted(conn.execute("select type, name, tbl_name, sql from sqlite_master"))


def _by_sqlite_utils(path) -> sqlite_utils.Database:
    """The tables as the store made them with sqlite-utils before schema.py."""
    db = sqlite_utils.Database(path)
    for name, (columns, foreign_keys, indexes) in TABLES.items():
        db[name].create(columns, pk="id", foreign_keys=foreign_keys)
        for index in indexes:
            db[name].create_index(index)
    for name, (columns, pk, indexes) in approvals.TABLES.items():
        db[name].create(columns, pk=pk)
        for index in indexes:
            db[name].create_index(index)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    return db


def test_a_new_database_has_the_schema_sqlite_utils_makes(tmp_path):
    store = Store(tmp_path / "new.db")
    ApprovalStore(store)
    reference = _by_sqlite_utils(tmp_path / "reference.db")
    assert _master(store.conn) == _master(reference.conn)
    assert len(_master(store.conn)) == 14  # 6 tables, 6 indexes, 2 automatic ones of the text keys
    assert store.conn.execute("PRAGMA user_version").fetchone() == reference.execute("PRAGMA user_version").fetchone()
    for name in list(TABLES) + list(approvals.TABLES):
        table, other = store.db[name], reference[name]
        assert table.columns == other.columns and table.pks == other.pks
        assert table.foreign_keys == other.foreign_keys and table.indexes == other.indexes
    store.close()


def test_a_scan_of_a_new_database_does_not_import_sqlite_utils(tmp_path):
    code = ("import sys; from scanner.store.db import Store; from scanner.store.approvals import ApprovalStore; "
            f"s = Store({str(tmp_path / 'fresh.db')!r}); ApprovalStore(s); "
            "print('sqlite_utils' in sys.modules, sorted(s.table_names()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False ['approvals', 'findings', 'items', 'markings', 'revocations', 'runs']"


def test_sqlite_utils_works_on_a_database_made_by_plain_statements(tmp_path):
    store = Store(tmp_path / "new.db")
    book = ApprovalStore(store)
    run_id = store.start_run(["a.txt"], "0", "fp", "default")
    store.db["items"].insert({"run_id": run_id, "path": "a.txt", "sha256": "00", "members": 0})
    store.db["approvals"].upsert({"id": "r1", "sha256": "00", "payload": "{}", "signature": "s", "key_id": "k",
                                  "stored_at": "now"}, pk="id")
    store.db["approvals"].upsert({"id": "r1", "sha256": "00", "payload": "{}", "signature": "t", "key_id": "k",
                                  "stored_at": "now"}, pk="id")
    assert [r["signature"] for r in store.db.query("select signature from approvals")] == ["t"]
    assert [s.signature for s in book.all()] == ["t"]
    assert store.db["items"].count == 1 and store.db["items"].foreign_keys[0].other_table == "runs"
    store.db["items"].add_column("later", str)  # what an upgrade does
    store.close()
    again = Store(tmp_path / "new.db")  # opened again: nothing to create or upgrade
    assert "later" in again.db["items"].columns_dict and again.db["runs"].count == 1
    again.close()


def test_an_older_database_is_still_upgraded_with_sqlite_utils(tmp_path):
    old = sqlite_utils.Database(tmp_path / "old.db")
    columns, foreign_keys, _ = TABLES["items"]
    old["runs"].create({c: t for c, t in TABLES["runs"][0].items() if c != "cwd"}, pk="id")
    old["items"].create({c: t for c, t in columns.items() if c != "path_raw"}, pk="id", foreign_keys=foreign_keys)
    old.execute("PRAGMA user_version=2")
    old.close()
    store = Store(tmp_path / "old.db")
    assert {"cwd"} <= set(store.db["runs"].columns_dict) and "path_raw" in store.db["items"].columns_dict
    assert {"findings", "markings"} <= store.table_names()
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == store_db.SCHEMA_VERSION
    store.close()
