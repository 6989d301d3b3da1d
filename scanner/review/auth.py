"""Accounts: scrypt password hashes, role checks, and the per-address login limiter."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time

from scanner.review.errors import PermissionDenied, ReviewError
from scanner.store.review import ROLES, ReviewStore, User

# scrypt cost: n=2**14, r=8, p=1 (about 16 MB and ~50 ms per check on a 2-core machine).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
USERNAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{1,64}$")
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt)}${b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


# A fixed hash checked when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY = hash_password(secrets.token_hex(8))


def authenticate(review: ReviewStore, username: str, password: str) -> User | None:
    user = review.user(username)
    if user is None or user.disabled:
        verify_password(password, _DUMMY)
        return None
    return user if verify_password(password, user.password_hash) else None


def add_user(review: ReviewStore, username: str, role: str, password: str, actor: str) -> User:
    if not USERNAME.match(username):
        raise ReviewError(f"用户名无效：{username!r}（字母、数字、汉字、._-，至多 64 个字符）"
                          f"(invalid user name {username!r}: letters, digits, CJK, ._- up to 64)")
    if role not in ROLES:
        raise ReviewError(f"角色无效：{role}（officer 或 admin）(invalid role {role}: officer or admin)")
    if len(password) < MIN_PASSWORD:
        raise ReviewError(f"密码至少 {MIN_PASSWORD} 个字符 (the password needs at least {MIN_PASSWORD} characters)")
    return review.add_user(username, role, hash_password(password), actor)


def change_password(review: ReviewStore, username: str, password: str, actor: str) -> None:
    """A new password (same rules as a new account's); every session of the account ends."""
    if len(password) < MIN_PASSWORD:
        raise ReviewError(f"密码至少 {MIN_PASSWORD} 个字符 (the password needs at least {MIN_PASSWORD} characters)")
    review.set_password(username, hash_password(password), actor)


def require_officer(review: ReviewStore, username: str) -> User:
    """The active officer with this name, else PermissionDenied: only officers decide."""
    user = review.user(username)
    if user is None or user.disabled or user.role != "officer":
        raise PermissionDenied(f"只有在职的保密专员（officer）可以作出决定：{username} "
                               f"(only an active officer may decide: {username})")
    return user


class LoginLimiter:
    """At most `attempts` failed logins per key (user name, client address) in `window` seconds."""

    def __init__(self, attempts: int = 5, window: float = 300.0, clock=time.monotonic):
        self.attempts, self.window, self.clock = attempts, window, clock
        self.failures: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def _recent(self, key: str) -> list[float]:
        now = self.clock()
        recent = [t for t in self.failures.get(key, []) if now - t < self.window]
        self.failures[key] = recent
        return recent

    def blocked(self, *keys: str) -> bool:
        with self.lock:
            return any(len(self._recent(k)) >= self.attempts for k in keys)

    def failed(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self._recent(key).append(self.clock())

    def succeeded(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self.failures.pop(key, None)
