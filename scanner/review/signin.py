"""Signing in, for the console and the command line alike: limits per account and per address, every refusal audited.

An account locks after `ACCOUNT_ATTEMPTS` wrong passwords within `ACCOUNT_WINDOW` seconds (counted
from the audit log, so the console and the command line share one count, across processes and
restarts), whoever tried them. An address is held back after `ADDRESS_ATTEMPTS` failures on any
accounts (in memory: one console process), so one person's typing does not lock out a whole
office behind the same address, but guessing across many accounts from one address is stopped.
Every refusal (wrong password, locked account, held-back address) is an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from scanner.review.auth import LoginLimiter, authenticate
from scanner.store.review import ReviewStore, User

ACCOUNT_ATTEMPTS = 5
ACCOUNT_WINDOW = 15 * 60.0
ADDRESS_ATTEMPTS = 20
CLI_TRIES = 3  # password prompts per command-line run


def address_limiter() -> LoginLimiter:
    return LoginLimiter(attempts=ADDRESS_ATTEMPTS, window=ACCOUNT_WINDOW)


@dataclass(frozen=True)
class SignIn:
    """The outcome: the user, or why not (`login_failed`, `login_locked`, `login_limited`)."""

    user: User | None
    refusal: str | None = None


def account_locked(review: ReviewStore, username: str, attempts: int = ACCOUNT_ATTEMPTS,
                   window: float = ACCOUNT_WINDOW) -> bool:
    """`attempts` wrong passwords for this account within `window` seconds, since its last sign-in."""
    since = (datetime.now(timezone.utc) - timedelta(seconds=window)).isoformat(timespec="seconds")
    row = review.db.execute(
        "select count(*) from audit where actor = ? and action = 'login.failed' and at >= ? and seq > "
        "coalesce((select max(seq) from audit where actor = ? and action = 'login'), 0)",
        [username, since, username]).fetchone()
    return row[0] >= attempts


def sign_in(review: ReviewStore, username: str, password: str, client: str,
            limiter: LoginLimiter | None = None) -> SignIn:
    """Check the password within the limits; audit the sign-in or the refusal."""
    username = username[:64]
    address = f"addr:{client}"
    if limiter is not None and limiter.blocked(address):
        review.append_audit(username or "?", "login.limited", detail={"client": client})
        return SignIn(None, "login_limited")
    if account_locked(review, username or "?"):
        review.append_audit(username or "?", "login.locked", detail={"client": client})
        return SignIn(None, "login_locked")
    user = authenticate(review, username, password)
    review.append_audit(username or "?", "login" if user else "login.failed", detail={"client": client})
    if user is None:
        if limiter is not None:
            limiter.failed(address)
        return SignIn(None, "login_failed")
    return SignIn(user)


def refusal_message(refusal: str, username: str) -> str:
    """The command line's words for a refusal (the console's are in review/text.py)."""
    return {
        "login_locked": f"账号 {username} 登录失败次数过多，已锁定 {int(ACCOUNT_WINDOW // 60)} 分钟 "
                        f"(account {username} is locked for {int(ACCOUNT_WINDOW // 60)} minutes after too many failures)",
        "login_limited": "登录失败次数过多，请稍后再试 (too many failed sign-ins: try again later)",
    }.get(refusal, f"账号或密码错误：{username} (wrong account or password: {username})")
