"""Console sessions kept on the server, so that logging out, a password change or disabling an account ends them.

The browser's signed cookie carries only a random token; the table keeps its SHA-256 (a copy of
the database does not yield a usable cookie), the account, when it began and was last used, and
when and why it was revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from scanner.store.db import utcnow

TOUCH_SECONDS = 60  # last_seen is rewritten at most once a minute, not on every page


def create_table(db) -> None:
    if "sessions" not in db.table_names():
        db["sessions"].create({"id": str, "username": str, "created_at": str, "last_seen": str, "revoked_at": str,
                               "revoked_why": str}, pk="id")
        db["sessions"].create_index(["username"])


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(review, username: str) -> str:
    """A new session for the account; returns the token the cookie carries."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with review.transaction():
        review.db["sessions"].insert({"id": _key(token), "username": username, "created_at": now, "last_seen": now})
    return token


def session_user(review, token: str, max_hours: float) -> str | None:
    """The account of a live session: known, not revoked, begun less than `max_hours` ago; else None."""
    if not token or not isinstance(token, str):
        return None
    rows = list(review.db.query("select * from sessions where id = ?", [_key(token)]))
    if not rows or rows[0]["revoked_at"]:
        return None
    row, now = rows[0], datetime.now(timezone.utc)
    if now - datetime.fromisoformat(row["created_at"]) >= timedelta(hours=max_hours):
        return None
    if (now - datetime.fromisoformat(row["last_seen"])).total_seconds() >= TOUCH_SECONDS:
        with review.transaction():
            review.db["sessions"].update(row["id"], {"last_seen": utcnow()})
    return row["username"]


def revoke(review, token: str, why: str) -> None:
    with review.transaction():
        review.db.execute("update sessions set revoked_at = ?, revoked_why = ? where id = ? and revoked_at is null",
                          [utcnow(), why, _key(token or "")])


def revoke_user(review, username: str, why: str) -> int:
    """End every live session of an account; returns how many."""
    with review.transaction():
        cursor = review.db.execute(
            "update sessions set revoked_at = ?, revoked_why = ? where username = ? and revoked_at is null",
            [utcnow(), why, username])
        return cursor.rowcount
