"""One database rule for every command: --db, then the config's [watch] db, then the user data dir.

The config is named every way a command can find it (--config, $MIJIAN_CONFIG, the system file, the
user's file); each command must open the configured database, never the default one.
"""

from __future__ import annotations

import io
import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from scanner.cli import main

PASSWORD = "correct horse battery"
WAYS = ["option", "env", "system", "user"]


class Setup:
    def __init__(self, root: Path, way: str, monkeypatch):
        self.root = root
        self.db = root / "gw" / "watch.db"
        self.default_db = root / "data" / "mijian" / "mijian.db"
        inbox = root / "inbox" / "out"
        inbox.mkdir(parents=True)
        text = "\n".join([
            "[detect]", 'model = ""', 'sensitivity_model = ""', "[watch]",
            f'spool = "{(root / "spool").as_posix()}"', f'db = "{self.db.as_posix()}"',
            "[[watch.inbox]]", 'name = "out"', f'path = "{inbox.as_posix()}"', ""])
        files = {"option": root / "watch.toml", "env": root / "env.toml", "system": root / "etc" / "mijian.toml",
                 "user": root / "config" / "mijian" / "mijian.toml"}
        self.config = files[way]
        self.config.parent.mkdir(parents=True, exist_ok=True)
        self.config.write_text(text, encoding="utf-8")
        self.args = ["--config", str(self.config)] if way == "option" else []
        if way == "env":
            monkeypatch.setenv("MIJIAN_CONFIG", str(self.config))
        (root / "docs").mkdir()
        (root / "docs" / "marked.txt").write_text("机密★10年\n关于召开年度工作会议的通知\n", encoding="utf-8")

    def count(self, sql: str) -> int:
        con = sqlite3.connect(self.db)
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()


@pytest.fixture(params=WAYS)
def setup(request, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("MIJIAN_CONFIG", "MIJIAN_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("MIJIAN_SYSTEM_CONFIG", str(tmp_path / "etc" / "mijian.toml"))
    return Setup(tmp_path, request.param, monkeypatch)


def run(setup: Setup, capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["-v", *argv, *setup.args])
    out, err = capsys.readouterr()
    assert f"数据库：{setup.db}" in err, err  # -v names the database, and it is the configured one
    return code, out, err


def test_every_command_opens_the_configured_database(setup, capsys, monkeypatch):
    code, out, _ = run(setup, capsys, monkeypatch, "users", "add", "王芳", "--role", "officer", "--password-stdin",
                       stdin=PASSWORD + "\n")
    assert code == 0 and setup.count("select count(*) from users where username = '王芳'") == 1
    code, out, _ = run(setup, capsys, monkeypatch, "users", "list")
    assert code == 0 and "王芳" in out
    code, out, _ = run(setup, capsys, monkeypatch, "audit", "verify")
    entries = setup.count("select count(*) from audit")
    assert code == 0 and entries >= 1 and f"共 {entries} 条" in out
    code, _, _ = run(setup, capsys, monkeypatch, "scan", "docs", "--no-progress", "--format", "jsonl")
    assert code == 1 and setup.count("select count(*) from items") == 1
    code, out, _ = run(setup, capsys, monkeypatch, "review", "list", "--json")
    assert code == 0 and [json.loads(line)["verdict"] for line in out.splitlines()] == ["block"]
    code, out, _ = run(setup, capsys, monkeypatch, "review", "show", "1")
    assert code == 0 and "marked.txt" in out
    code, _, _ = run(setup, capsys, monkeypatch, "review", "decide", "1", "--action", "keep-blocked",
                     "--reason", "确属涉密文件，维持阻断", "--officer", "王芳", "--password-stdin",
                     stdin=PASSWORD + "\n")
    assert code == 0 and setup.count("select count(*) from decisions") == 1
    code, _, _ = run(setup, capsys, monkeypatch, "report", "--since", "2000-01-01", "--html", "r.html")
    assert code == 0 and "确属涉密文件" in (setup.root / "r.html").read_text(encoding="utf-8")
    code, _, _ = run(setup, capsys, monkeypatch, "approve", "list")
    assert code == 0 and setup.count("select count(*) from sqlite_master where name = 'approvals'") == 1
    code, _, _ = run(setup, capsys, monkeypatch, "watch", "--check")
    assert code == 0
    assert not setup.default_db.exists()


def test_db_option_comes_first(setup, capsys, monkeypatch):
    other = setup.root / "other.db"
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["-v", "users", "add", "李四", "--role", "admin", "--password-stdin", "--db", str(other),
                 *setup.args]) == 0
    assert f"数据库：{other}（--db）" in capsys.readouterr().err
    con = sqlite3.connect(other)
    assert con.execute("select username from users").fetchall() == [("李四",)]
    assert not setup.db.exists() and not setup.default_db.exists()


def test_without_a_config_the_default_database(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIJIAN_CONFIG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("MIJIAN_SYSTEM_CONFIG", str(tmp_path / "none.toml"))
    assert main(["audit", "verify", "-v"]) == 0
    err = capsys.readouterr().err
    default = tmp_path / "data" / "mijian" / "mijian.db"
    assert f"数据库：{default}（默认位置）" in err and "配置：内置默认值" in err
    assert default.exists()


def test_a_wrong_db_type_in_the_config_is_a_config_error(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.toml").write_text("[watch]\ndb = 5\n", encoding="utf-8")
    assert main(["users", "list", "--config", "c.toml"]) == 2
    assert "watch.db" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_readme_officer_flow_users_add_then_serve_login(setup, capsys, monkeypatch):
    """The README's order: `users add 王芳 ...`, then `review serve --config watch.toml`: she can sign in."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "王芳", "--role", "officer", "--password-stdin", *setup.args]) == 0
    port = _free_port()
    log = setup.root / "serve.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "scanner", "-v", "review", "serve", "--port", str(port),
                                 *setup.args], stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                page = opener.open(url + "/login", timeout=2).read().decode("utf-8")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.1)
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"username": "王芳", "password": PASSWORD, "csrf": token}).encode()
        home = opener.open(url + "/login", data=data, timeout=10)
        assert home.status == 200 and not home.url.endswith("/login"), home.url
        assert "王芳" in home.read().decode("utf-8")
    finally:
        proc.terminate()
        proc.wait(10)
    assert f"数据库：{setup.db}" in log.read_text(encoding="utf-8")


def test_approve_add_and_package_record_in_the_configured_database(setup, capsys, monkeypatch):
    from scanner.policy.keys import init_keys

    private, public = init_keys(setup.root / "keys")
    with open(setup.config, "a", encoding="utf-8") as fh:
        fh.write(f'[approvals]\nprivate_key = "{private.as_posix()}"\npublic_key = "{public.as_posix()}"\n')
    clean = setup.root / "notice.txt"
    clean.write_text("关于春节放假安排的通知\n各部门：春节期间放假七天。\n", encoding="utf-8")
    record = ["--recipient", "某大学", "--purpose", "学术交流", "--approver", "张三", "--verifier", "李四",
              "--expires", "2099-12-31"]
    code, _, _ = run(setup, capsys, monkeypatch, "approve", "add", str(clean), *record)
    assert code == 0 and setup.count("select count(*) from approvals") == 1
    (setup.root / "pw.txt").write_text("package-password\n", encoding="utf-8")
    code, _, _ = run(setup, capsys, monkeypatch, "package", str(clean), "-o", "out.zip",
                     "--password-file", "pw.txt", *record)
    assert code == 0 and setup.count("select count(*) from approvals") == 2
    code, out, _ = run(setup, capsys, monkeypatch, "approve", "list")
    assert code == 0 and out.count("某大学") == 2
    assert not setup.default_db.exists()
