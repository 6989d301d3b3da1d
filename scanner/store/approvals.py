"""Approval records and revocations kept in the SQLite store, exactly as signed."""

from __future__ import annotations

import sqlite3

from scanner.errors import StoreError
from scanner.policy.approvals import Signed, record_from, revoked_id
from scanner.store import schema
from scanner.store.db import Store, utcnow


# name -> (columns, primary key, indexes)
TABLES = {
    "approvals": ({"id": str, "sha256": str, "payload": str, "signature": str, "key_id": str, "stored_at": str},
                  "id", [["sha256"]]),
    "revocations": ({"revokes": str, "payload": str, "signature": str, "key_id": str, "stored_at": str},
                    "revokes", []),
}


def _ensure(store: Store) -> None:
    if set(TABLES) <= store.table_names():
        return
    with store.transaction():  # under the write lock: other processes may be creating them too
        have = store.table_names()
        for name, (columns, pk, indexes) in TABLES.items():
            if name not in have:  # plain statements, as sqlite-utils writes them (store/schema.py)
                schema.create(store.conn, name, columns, pk, indexes=indexes)


class ApprovalStore:
    """Signed approvals and revocations; reading them back never trusts them (see ApprovalBook)."""

    def __init__(self, store: Store):
        self.store = store
        try:
            _ensure(store)
        except sqlite3.Error as exc:
            raise StoreError(f"无法创建审批表 (cannot create approval tables): {exc}") from exc

    def add(self, signed: Signed) -> str:
        record = record_from(signed)
        try:
            self.store.db["approvals"].upsert({
                "id": record.id, "sha256": record.sha256, "payload": signed.payload.decode("utf-8"),
                "signature": signed.signature, "key_id": signed.key_id, "stored_at": utcnow(),
            }, pk="id")
        except sqlite3.Error as exc:
            raise StoreError(f"无法保存审批记录 (cannot store approval): {exc}") from exc
        return record.id

    def add_revocation(self, signed: Signed) -> str:
        revokes = revoked_id(signed)
        try:
            self.store.db["revocations"].upsert({
                "revokes": revokes, "payload": signed.payload.decode("utf-8"), "signature": signed.signature,
                "key_id": signed.key_id, "stored_at": utcnow(),
            }, pk="revokes")
        except sqlite3.Error as exc:
            raise StoreError(f"无法保存撤销记录 (cannot store revocation): {exc}") from exc
        return revokes

    @staticmethod
    def _signed(row: dict) -> Signed:
        return Signed(row["payload"].encode("utf-8"), row["signature"], row["key_id"])

    def by_sha256(self, sha256: str) -> list[Signed]:
        return [self._signed(r) for r in self.store.rows(
            "select payload, signature, key_id from approvals where sha256 = ?", [sha256])]

    def by_ids(self, ids: list[str]) -> list[Signed]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return [self._signed(r) for r in self.store.rows(
            f"select payload, signature, key_id from approvals where id in ({marks})", ids)]

    def all(self) -> list[Signed]:
        return [self._signed(r) for r in self.store.rows(
            "select payload, signature, key_id from approvals order by stored_at, id")]

    def revocations(self) -> list[Signed]:
        return [self._signed(r) for r in self.store.rows(
            "select payload, signature, key_id from revocations order by stored_at")]
