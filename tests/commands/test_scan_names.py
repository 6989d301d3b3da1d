"""`mijian scan` over file names that are not UTF-8: every file recorded, names kept exactly and shown readably."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from cli_helpers import pinned_config
from scanner.cli import main

GBK_NAME = "方案.txt".encode("gbk")  # b"\xb7\xbd\xb0\xb8.txt": a name from Windows or Samba
RAW_NAME = b"\xff\xfe-x.txt"  # bytes that are neither UTF-8 nor GBK text


@pytest.fixture
def inbox(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIJIAN_CONFIG", raising=False)
    monkeypatch.delenv("MIJIAN_LANG", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    pinned_config(tmp_path)
    folder = tmp_path / "inbox"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), GBK_NAME), "wb") as fh:
        fh.write("机密★10年\n关于召开会议的通知\n".encode("utf-8"))
    with open(os.path.join(os.fsencode(folder), RAW_NAME), "wb") as fh:
        fh.write(b"hello\n")
    (folder / "z_later.txt").write_text("关于春节放假安排的通知\n", encoding="utf-8")
    return folder


def scan(*args: str) -> int:
    return main(["scan", "inbox", "--db", "m.db", "--config", "pinned.toml", "--no-progress", *args])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_every_file_is_recorded_with_its_exact_bytes(inbox, capsys, jobs):
    assert scan("--format", "jsonl", "--jobs", jobs) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # In the walk's order (names sorted as Python reads them: the undecodable bytes last).
    assert [(r["path"], r["verdict"]) for r in rows] == [
        ("inbox/z_later.txt", "allow"),
        ("inbox/方案.txt", "block"),
        ("inbox/\\xff\\xfe-x.txt", "allow"),
    ]
    db = sqlite3.connect("m.db")
    stored = db.execute("select path, path_raw, verdict from items order by id").fetchall()
    assert stored == [
        ("inbox/z_later.txt", b"inbox/z_later.txt", "allow"),
        ("inbox/方案.txt", b"inbox/" + GBK_NAME, "block"),
        ("inbox/\\xff\\xfe-x.txt", b"inbox/" + RAW_NAME, "allow"),
    ]
    assert db.execute("select items, block from runs").fetchall() == [(3, 1)]
    # The exact bytes find the file again.
    assert Path(os.fsdecode(stored[1][1])).read_text(encoding="utf-8").startswith("机密★10年")


def test_unchanged_file_is_reused_under_its_readable_name(inbox, capsys):
    scan("--format", "jsonl")
    capsys.readouterr()
    scan("--format", "jsonl")
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[1]["path"] == "inbox/方案.txt" and rows[1]["cached"] is True


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "sarif"])
def test_every_format_shows_the_readable_name(inbox, capsys, fmt):
    assert scan("--format", fmt) == 1
    out = capsys.readouterr().out
    assert "方案.txt" in out
    if fmt != "sarif":  # SARIF lists only what is flagged or blocked
        assert "\\xff\\xfe-x.txt" in out.replace("\\\\", "\\")  # JSON doubles the backslash


def test_html_report_shows_the_readable_name(inbox, capsys):
    assert scan("--format", "jsonl", "--html", "report.html") == 1
    assert "方案.txt" in Path("report.html").read_text(encoding="utf-8")


def test_path_given_directly(inbox, capsys):
    given = os.fsdecode(os.path.join(b"inbox", GBK_NAME))
    assert main(["scan", given, "--db", "m.db", "--config", "pinned.toml", "--format", "jsonl"]) == 1
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["path"] == "inbox/方案.txt"
    db = sqlite3.connect("m.db")
    assert json.loads(db.execute("select paths from runs").fetchone()[0]) == ["inbox/方案.txt"]


def test_archive_member_name_that_is_not_utf8(inbox, capsys):
    # GNU tar keeps a member's name as bytes; Python's tarfile hands them over as surrogate escapes.
    import io
    import tarfile

    body = "机密★10年\n方案\n".encode("utf-8")
    with tarfile.open("inbox/a.tar", "w", format=tarfile.GNU_FORMAT) as archive:
        info = tarfile.TarInfo(os.fsdecode(b"dir/" + GBK_NAME))
        info.size = len(body)
        archive.addfile(info, io.BytesIO(body))
    assert main(["scan", "inbox/a.tar", "--db", "m.db", "--config", "pinned.toml", "--format", "jsonl"]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["member"], r["verdict"]) for r in rows] == [(None, "block"), ("dir/方案.txt", "block")]
    assert "方案.txt" in rows[0]["reasons"][0]["message"]
    db = sqlite3.connect("m.db")
    assert db.execute("select member from items order by id").fetchall() == [(None,), ("dir/方案.txt",)]
