"""The officer-review tables beside the Store's: users, decisions, the hash-chained audit log, settings."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from dataclasses import dataclass

from scanner.errors import StoreError
from scanner.store import sessions
from scanner.store.connect import begin_immediate
from scanner.store.db import Store, utcnow
from scanner.store.decision_record import adopt_old_decisions, decision_hash

GENESIS = "0" * 64
ROLES = ("officer", "admin")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    password_hash: str
    disabled: bool
    created_at: str

    @classmethod
    def from_row(cls, row: dict) -> "User":
        return cls(row["id"], row["username"], row["role"], row["password_hash"], bool(row["disabled"]),
                   row["created_at"])


def entry_hash(entry: dict) -> str:
    """The hash of one audit entry: its fields and the previous entry's hash, canonically serialised."""
    fields = {key: entry[key] for key in ("seq", "at", "actor", "action", "item_id", "item_sha256", "detail", "prev_hash")}
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ReviewStore:
    """The review tables, written through the Store's connection (one database, one writer at a time)."""

    def __init__(self, store: Store):
        self.store = store
        self.db = store.db
        try:
            with self.db.atomic():  # under the write lock: other processes may be creating them too
                self._create()
            adopt_old_decisions(self)
        except sqlite3.Error as exc:
            raise StoreError(f"无法创建审查表：{exc} (cannot create the review tables)") from exc

    def _create(self) -> None:
        db = self.db
        names = db.table_names()
        if "users" not in names:
            db["users"].create({"id": int, "username": str, "role": str, "password_hash": str, "disabled": int,
                                "created_at": str}, pk="id")
            db["users"].create_index(["username"], unique=True)
        if "decisions" not in names:
            db["decisions"].create({
                "id": int, "item_id": int, "item_sha256": str, "action": str, "reason": str, "officer": str,
                "at": str, "job_id": int, "moved_from": str, "moved_to": str, "audit_seq": int,
            }, pk="id")
            db["decisions"].create_index(["item_id"])
        if "audit" not in names:
            db["audit"].create({"seq": int, "at": str, "actor": str, "action": str, "item_id": int,
                                "item_sha256": str, "detail": str, "prev_hash": str, "hash": str}, pk="seq")
        if "review_settings" not in names:
            db["review_settings"].create({"key": str, "value": str}, pk="key")
        sessions.create_table(db)

    @contextlib.contextmanager
    def transaction(self):
        """One write transaction, taken IMMEDIATE so the audit chain's head cannot change under it."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        try:
            begin_immediate(conn)
        except sqlite3.Error as exc:
            raise StoreError(f"数据库忙或不可用：{exc} (database busy or unavailable)") from exc
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # -- settings

    def setting(self, key: str, make) -> str:
        """A stored setting, created once by `make()` (e.g. the session-signing secret)."""
        with self.transaction():
            rows = list(self.db.query("select value from review_settings where key = ?", [key]))
            if rows:
                return rows[0]["value"]
            value = make()
            self.db["review_settings"].insert({"key": key, "value": value})
            return value

    # -- users

    def user(self, username: str) -> User | None:
        rows = list(self.db.query("select * from users where username = ?", [username]))
        return User.from_row(rows[0]) if rows else None

    def users(self) -> list[User]:
        return [User.from_row(r) for r in self.db.query("select * from users order by username")]

    def add_user(self, username: str, role: str, password_hash: str, actor: str) -> User:
        with self.transaction():
            if self.user(username) is not None:
                raise StoreError(f"用户已存在：{username} (user already exists: {username})")
            self.db["users"].insert({"username": username, "role": role, "password_hash": password_hash,
                                     "disabled": 0, "created_at": utcnow()})
            self.append_audit(actor, "user.add", detail={"username": username, "role": role})
        return self.user(username)

    def set_disabled(self, username: str, disabled: bool, actor: str) -> None:
        with self.transaction():
            user = self.user(username)
            if user is None:
                raise StoreError(f"没有此用户：{username} (no such user: {username})")
            self.db["users"].update(user.id, {"disabled": int(disabled)})
            ended = sessions.revoke_user(self, username, "disabled") if disabled else 0
            self.append_audit(actor, "user.disable" if disabled else "user.enable",
                              detail={"username": username, **({"sessions_ended": ended} if disabled else {})})

    def set_password(self, username: str, password_hash: str, actor: str) -> None:
        """A new password hash; every session of the account ends with the old password."""
        with self.transaction():
            user = self.user(username)
            if user is None:
                raise StoreError(f"没有此用户：{username} (no such user: {username})")
            self.db["users"].update(user.id, {"password_hash": password_hash})
            ended = sessions.revoke_user(self, username, "password")
            self.append_audit(actor, "user.password", detail={"username": username, "sessions_ended": ended})

    # -- audit chain

    def append_audit(self, actor: str, action: str, item_id: int | None = None, item_sha256: str | None = None,
                     detail: dict | None = None) -> dict:
        """Append one entry chained to the last; call inside `transaction()` with the record it documents."""
        with self.transaction():
            last = list(self.db.query("select seq, hash from audit order by seq desc limit 1"))
            entry = {"seq": (last[0]["seq"] + 1) if last else 1, "at": utcnow(), "actor": actor, "action": action,
                     "item_id": item_id, "item_sha256": item_sha256,
                     "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
                     "prev_hash": last[0]["hash"] if last else GENESIS}
            entry["hash"] = entry_hash(entry)
            self.db["audit"].insert(entry)
            return entry

    def audit_entries(self, limit: int | None = None, item_id: int | None = None,
                      from_seq: int | None = None) -> list[dict]:
        sql, params = "select * from audit", []
        if item_id is not None:
            sql, params = sql + " where item_id = ?", [item_id]
        elif from_seq is not None:
            sql, params = sql + " where seq >= ?", [from_seq]
        sql += " order by seq desc" if limit else " order by seq"
        if limit:
            sql += f" limit {int(limit)}"
        return [dict(r) for r in self.db.query(sql, params)]

    # -- decisions

    def record_decision(self, row: dict, audit_detail: dict) -> dict:
        """A decision and its audit entry, in one transaction; returns the decision with its id and audit seq.

        The entry carries the row's id and digest (`decision_sha256`), so the row is covered by the chain."""
        with self.transaction():
            last = self.db.execute("select max(seq) from audit").fetchone()[0] or 0
            row = dict(row, audit_seq=last + 1)
            row.pop("id", None)
            row["id"] = self.db["decisions"].insert(row).last_pk
            row = dict(self.db["decisions"].get(row["id"]))  # as stored, so the digest is of what is read back
            entry = self.append_audit(row["officer"], f"decision.{row['action']}", row["item_id"], row["item_sha256"],
                                      dict(audit_detail, decision_id=row["id"], decision_sha256=decision_hash(row)))
            if entry["seq"] != row["audit_seq"]:
                raise StoreError("审计链在记录决定时被并发改动 (the audit chain moved while a decision was recorded)")
            return row

    def decisions(self, item_id: int | None = None, since: str | None = None, until: str | None = None) -> list[dict]:
        sql, params, where = "select * from decisions", [], []
        if item_id is not None:
            where.append("item_id = ?")
            params.append(item_id)
        if since:
            where.append("at >= ?")
            params.append(since)
        if until:
            where.append("substr(at, 1, 10) <= ?")
            params.append(until)
        if where:
            sql += " where " + " and ".join(where)
        return [dict(r) for r in self.db.query(sql + " order by id", params)]
