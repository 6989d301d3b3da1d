"""Accounts: scrypt hashes, validation, the login limiter, and `mijian users` on the command line."""

from __future__ import annotations

import io

import pytest

from scanner.cli import main
from scanner.review.auth import LoginLimiter, add_user, authenticate, hash_password, verify_password
from scanner.review.errors import ReviewError
from scanner.store.db import Store
from scanner.store.review import ReviewStore


def test_password_hashes_are_salted_scrypt():
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a.startswith("scrypt$16384$8$1$") and a != b
    assert verify_password("correct horse", a) and not verify_password("wrong horse", a)
    assert not verify_password("x", "md5$abc")


@pytest.mark.parametrize("name, role, password, message", [
    ("a b", "officer", "long-enough", "用户名无效"),
    ("<script>", "officer", "long-enough", "用户名无效"),
    ("carol", "root", "long-enough", "角色无效"),
    ("carol", "officer", "short", "密码至少 8 个字符"),
])
def test_bad_accounts_are_refused(tmp_path, name, role, password, message):
    review = ReviewStore(Store(tmp_path / "m.db"))
    with pytest.raises(ReviewError, match=message):
        add_user(review, name, role, password, "test")


def test_authenticate_refuses_disabled_users(tmp_path):
    review = ReviewStore(Store(tmp_path / "m.db"))
    add_user(review, "王芳", "officer", "long-enough", "test")
    assert authenticate(review, "王芳", "long-enough").role == "officer"
    assert authenticate(review, "王芳", "wrong-password") is None
    assert authenticate(review, "nobody", "long-enough") is None
    review.set_disabled("王芳", True, "test")
    assert authenticate(review, "王芳", "long-enough") is None


def test_the_limiter_locks_after_five_failures_then_forgets():
    now = [0.0]
    limiter = LoginLimiter(attempts=5, window=300, clock=lambda: now[0])
    for _ in range(5):
        assert not limiter.blocked("user:a", "addr:1")
        limiter.failed("user:a", "addr:1")
    assert limiter.blocked("user:a") and limiter.blocked("addr:1")
    now[0] = 301.0
    assert not limiter.blocked("user:a", "addr:1")


def test_users_cli_add_disable_list_and_audit(tmp_path, capsys, monkeypatch):
    db = str(tmp_path / "m.db")
    monkeypatch.setattr("sys.stdin", io.StringIO("officer-password\n"))
    assert main(["users", "add", "alice", "--role", "officer", "--password-stdin", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == "已添加 alice（officer）"
    assert main(["users", "disable", "alice", "--db", db]) == 0
    assert main(["users", "list", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "alice\tofficer\t已停用" in out
    assert main(["users", "disable", "nobody", "--db", db]) == 3
    assert "没有此用户：nobody" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("officer-password\n"))
    assert main(["users", "add", "alice", "--role", "officer", "--password-stdin", "--db", db]) == 3
    assert "用户已存在" in capsys.readouterr().err
    actions = [e["action"] for e in ReviewStore(Store(db)).audit_entries()]
    assert actions == ["user.add", "user.disable"]
    assert main(["audit", "verify", "--db", db]) == 0
