"""Terminal output: control characters in file names and content are shown as escapes, never obeyed."""

from __future__ import annotations

import os

import pytest

from cli_helpers import pinned_config
from scanner.cli import main
from scanner.report.terminal import printable

# ESC [2J clears the screen, OSC 0 sets the window title, BEL rings, CSI (C1) moves the cursor.
HOSTILE = "a\x1b[2J\x1b]0;pwned\x07b\x9b1Ac\rd\x7fe.txt"


@pytest.mark.parametrize("text, shown", [
    ("plain 方案.txt", "plain 方案.txt"),
    ("\x1b[31mred", "\\x1b[31mred"),
    ("tab\there\nnew", "tab\\x09here\\x0anew"),
    ("\x00\x7f\x85\x9b", "\\x00\\x7f\\x85\\x9b"),
    ("evil\u202etxt.exe", "evil\\u202etxt.exe"),  # right-to-left override: the name would read backwards
])
def test_printable(text, shown):
    assert printable(text) == shown


def test_printable_keeps_the_lines_of_a_message():
    assert printable("第一行\n第二行\x1b[2J", lines=True) == "第一行\n第二行\\x1b[2J"


@pytest.fixture
def inbox(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIJIAN_CONFIG", raising=False)
    monkeypatch.delenv("MIJIAN_LANG", raising=False)
    monkeypatch.setenv("COLUMNS", "300")
    pinned_config(tmp_path)
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / HOSTILE).write_text("机密★10年\n通知\n", encoding="utf-8")
    (tmp_path / "inbox" / "[bold red]x.txt").write_text("通知\n", encoding="utf-8")  # rich markup, not a style
    return tmp_path / "inbox"


def _no_controls(text: str) -> None:
    assert not [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f]


def test_table_escapes_control_characters_in_names(inbox, capsys):
    assert main(["scan", "inbox", "--db", "m.db", "--config", "pinned.toml", "--no-progress"]) == 1
    out = capsys.readouterr().out
    _no_controls(out)
    assert "a\\x1b[2J\\x1b]0;pwned\\x07b\\x9b1Ac\\x0dd\\x7fe.txt" in out
    assert "[bold red]x.txt" in out


def test_error_message_escapes_control_characters(inbox, capsys):
    assert main(["scan", "inbox/\x1b[2Jmissing", "--db", "m.db", "--config", "pinned.toml"]) == 2
    err = capsys.readouterr().err
    _no_controls(err)
    assert "\\x1b[2Jmissing" in err


def test_review_list_and_show_escape_control_characters(inbox, capsys):
    main(["scan", "inbox", "--db", "m.db", "--config", "pinned.toml", "--no-progress", "--format", "jsonl"])
    capsys.readouterr()
    assert main(["review", "list", "--db", "m.db", "--config", "pinned.toml"]) == 0
    out = capsys.readouterr().out
    _no_controls(out)
    assert "\\x1b[2J" in out
    item = next(line.split()[0] for line in out.splitlines() if "\\x1b[2J" in line)
    assert main(["review", "show", item, "--db", "m.db", "--config", "pinned.toml"]) == 0
    out = capsys.readouterr().out
    _no_controls(out)
    assert "\\x1b[2J" in out
