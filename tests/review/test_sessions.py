"""Sessions end on the server: a cookie copied before logout, a password change or disabling is dead after it.

Run against a real `mijian review serve` with httpx, replaying the copied cookie from a fresh client.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from review_helpers import add_users

COOKIE = "mijian_session"
PAGE = "/audit"  # any page behind the login


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def console(tmp_path):
    """A console over a database with two officers, served by a real uvicorn process."""
    db = tmp_path / "m.db"
    add_users(db, ("alice", "officer", "alice-password"), ("bob", "officer", "bob-password"))
    port = _free_port()
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "scanner", "review", "serve", "--port", str(port), "--db", str(db)],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url + "/login", timeout=1)
            break
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((tmp_path / "serve.log").read_text(errors="replace"))
            time.sleep(0.1)
    yield url, db
    proc.terminate()
    proc.wait(10)
    log.close()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def signed_in(url: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=url)
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": user, "password": f"{user}-password", "csrf": token})
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert client.get(PAGE).status_code == 200
    return client


def replay(url: str, cookie: str) -> httpx.Response:
    """A fresh client holding only the copied cookie."""
    with httpx.Client(base_url=url, cookies={COOKIE: cookie}) as other:
        return other.get(PAGE)


def mijian(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scanner", *args], input=stdin, capture_output=True, text=True,
                          timeout=60)


def test_a_cookie_copied_before_logout_is_dead_after_it(console):
    url, _ = console
    client = signed_in(url, "alice")
    copied = client.cookies[COOKIE]
    assert replay(url, copied).status_code == 200  # the copy works while the session lives
    token = csrf_of(client.get(PAGE).text)
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    response = replay(url, copied)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    client.close()


def test_a_password_change_ends_every_session_of_the_account(console):
    url, db = console
    first, second, other = signed_in(url, "alice"), signed_in(url, "alice"), signed_in(url, "bob")
    proc = mijian("users", "passwd", "alice", "--password-stdin", "--db", str(db), stdin="a-new-password\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "已为 alice 设置新密码，其会话均已结束"
    for client in (first, second):
        assert replay(url, client.cookies[COOKIE]).status_code == 303
        assert client.get(PAGE).status_code == 303
    assert other.get(PAGE).status_code == 200  # bob's session is not alice's
    fresh = httpx.Client(base_url=url)
    token = csrf_of(fresh.get("/login").text)
    assert fresh.post("/login", data={"username": "alice", "password": "alice-password",
                                      "csrf": token}).status_code == 401
    token = csrf_of(fresh.get("/login").text)
    assert fresh.post("/login", data={"username": "alice", "password": "a-new-password",
                                      "csrf": token}).status_code == 303
    for client in (first, second, other, fresh):
        client.close()


def test_the_consoles_password_change_ends_every_session_and_checks_the_current_one(console):
    import sqlite3

    url, db = console
    first, second = signed_in(url, "alice"), signed_in(url, "alice")
    copied = second.cookies[COOKIE]
    token = csrf_of(first.get("/password").text)
    wrong = first.post("/password", data={"current": "not-her-password", "new": "a-new-password",
                                          "again": "a-new-password", "csrf": token})
    assert wrong.status_code == 400 and "用户名或密码错误" in wrong.text
    differ = first.post("/password", data={"current": "alice-password", "new": "a-new-password",
                                           "again": "another-password", "csrf": token})
    assert differ.status_code == 400 and "两次输入的新密码不一致" in differ.text
    assert replay(url, copied).status_code == 200  # nothing changed yet
    done = first.post("/password", data={"current": "alice-password", "new": "a-new-password",
                                         "again": "a-new-password", "csrf": token})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert replay(url, copied).status_code == 303 and first.get(PAGE).status_code == 303
    con = sqlite3.connect(db)
    actions = [r[0] for r in con.execute("select action from audit where actor = 'alice' order by seq")]
    con.close()
    assert actions == ["login", "login", "login.failed", "user.password"]
    first.close()
    second.close()


def test_disabling_ends_the_sessions_and_enabling_does_not_revive_them(console):
    url, db = console
    client = signed_in(url, "alice")
    copied = client.cookies[COOKIE]
    assert mijian("users", "disable", "alice", "--db", str(db)).returncode == 0
    assert replay(url, copied).status_code == 303
    assert mijian("users", "enable", "alice", "--db", str(db)).returncode == 0
    assert replay(url, copied).status_code == 303  # revoked on the server, not merely refused while disabled
    client.close()


def test_the_database_keeps_only_a_hash_of_the_token(console):
    import base64
    import hashlib
    import json
    import sqlite3

    url, db = console
    client = signed_in(url, "alice")
    payload = client.cookies[COOKIE].split(".")[0]
    sid = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["sid"]
    con = sqlite3.connect(db)
    rows = con.execute("select id, username, revoked_at from sessions").fetchall()
    con.close()
    assert rows == [(hashlib.sha256(sid.encode()).hexdigest(), "alice", None)]
    assert sid.encode() not in Path(db).read_bytes()
    client.close()
