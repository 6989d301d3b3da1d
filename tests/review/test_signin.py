"""Login limits: per account and per address apart, every refusal audited, and the command line bounded too."""

from __future__ import annotations

import io
import sqlite3
import sys
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from review_helpers import add_users
from scanner.cli import main
from scanner.review.app import create_app
from scanner.review.signin import ACCOUNT_ATTEMPTS, ADDRESS_ATTEMPTS, CLI_TRIES
from test_sessions import csrf_of


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "m.db"
    add_users(path, ("alice", "officer", "alice-password"), ("bob", "officer", "bob-password"))
    return path


def audited(db, *actions: str) -> list[tuple[str, str]]:
    con = sqlite3.connect(db)
    try:
        marks = ",".join("?" * len(actions))
        return con.execute(f"select actor, action from audit where action in ({marks}) order by seq",
                           actions).fetchall()
    finally:
        con.close()


def login(client, user: str, password: str):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": user, "password": password, "csrf": token},
                       follow_redirects=False)


def test_one_accounts_failures_do_not_lock_another_user_at_the_same_address(db):
    with TestClient(create_app(db)) as client:  # one address for everybody
        for _ in range(ACCOUNT_ATTEMPTS):
            assert login(client, "alice", "wrong-password").status_code == 401
        locked = login(client, "alice", "alice-password")  # the right password, but the account is locked
        assert locked.status_code == 429 and "已暂时锁定" in locked.text
        assert login(client, "bob", "bob-password").status_code == 303
    assert audited(db, "login", "login.failed", "login.locked") == (
        [("alice", "login.failed")] * ACCOUNT_ATTEMPTS + [("alice", "login.locked"), ("bob", "login")])


def test_an_address_guessing_across_accounts_is_held_back_and_audited(db):
    with TestClient(create_app(db)) as client:
        for i in range(ADDRESS_ATTEMPTS):
            assert login(client, f"guess{i}", "wrong-password").status_code == 401
        limited = login(client, "bob", "bob-password")
        assert limited.status_code == 429 and "登录失败次数过多" in limited.text
    assert audited(db, "login.limited") == [("bob", "login.limited")]
    assert len(audited(db, "login.failed")) == ADDRESS_ATTEMPTS


def decide_with(db, lines: str) -> tuple[int, io.StringIO]:
    saved, sys.stdin = sys.stdin, io.StringIO(lines)
    try:
        code = main(["review", "decide", "1", "--action", "keep-blocked", "--reason", "维持阻断的理由",
                     "--officer", "alice", "--password-stdin", "--db", str(db)])
        return code, sys.stdin
    finally:
        sys.stdin = saved


def test_the_command_line_stops_after_a_few_tries_and_shares_the_lock(db, capsys):
    code, stdin = decide_with(db, "wrong-1\nwrong-2\nwrong-3\nwrong-4\nalice-password\n")
    assert code == 3
    assert stdin.read() == "wrong-4\nalice-password\n"  # it stopped reading after CLI_TRIES tries
    assert audited(db, "login.failed") == [("alice", "login.failed")] * CLI_TRIES
    assert "账号或密码错误：alice" in capsys.readouterr().err
    # Two more wrong tries reach the account's lock: then even the right password is refused.
    assert decide_with(db, "wrong-5\nwrong-6\nalice-password\n")[0] == 3
    assert len(audited(db, "login.failed")) == ACCOUNT_ATTEMPTS
    assert "已锁定 15 分钟" in capsys.readouterr().err
    assert audited(db, "login.locked") == [("alice", "login.locked")]
    with TestClient(create_app(db)) as client:  # the console honours the same lock
        assert login(client, "alice", "alice-password").status_code == 429
        assert login(client, "bob", "bob-password").status_code == 303


def test_the_password_prompt_on_a_terminal_gives_three_tries(db):
    """Without --password-stdin the officer types at a real terminal (a pty): three wrong passwords, then exit 3."""
    import os
    import pty
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: mijian with the pty as its controlling terminal
        os.execvp(sys.executable, [sys.executable, "-m", "scanner", "review", "decide", "1", "--action", "keep-blocked",
                                   "--reason", "维持阻断的理由", "--officer", "alice", "--db", str(db)])
    seen, prompts, deadline = b"", 0, time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal: it has exited
                break
            if not chunk:
                break
            seen += chunk
            while seen.count("的密码".encode()) > prompts:
                prompts += 1
                os.write(fd, f"wrong-{prompts}\n".encode())
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 3
    assert prompts == CLI_TRIES
    assert "账号或密码错误：alice".encode() in seen
    assert audited(db, "login.failed") == [("alice", "login.failed")] * CLI_TRIES
