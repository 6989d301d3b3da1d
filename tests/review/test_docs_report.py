"""Every option of the review commands is documented; the period report lists decisions, escaped; PDF offline."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from review_helpers import XSS_NAME
from scanner.cli import build_parser, main

README = Path(__file__).resolve().parents[2] / "README.md"
COMMANDS = sorted(next(a for a in build_parser()._actions if a.dest == "command").choices)


def _walk(parser, prefix):
    for action in parser._actions:
        if hasattr(action, "choices") and isinstance(action.choices, dict) and action.option_strings == []:
            for name, sub in action.choices.items():
                yield from _walk(sub, f"{prefix} {name}")
    yield prefix, [f for a in parser._actions for f in a.option_strings if f.startswith("--") and f != "--help"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_of_every_subcommand_is_documented(command):
    """Nested subcommands too (`mijian review decide --action`), for every command of the CLI."""
    text = README.read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[command]
    for name, flags in _walk(sub, f"mijian {command}"):
        assert name in text, f"{name} is not documented"
        for flag in flags:
            assert flag in text, f"{flag} of {name} is not documented"


def test_period_report_lists_decisions_escaped(gateway, accounts, tmp_path, capsys, monkeypatch):
    item = gateway.item_id(XSS_NAME)
    monkeypatch.setattr("sys.stdin", io.StringIO("alice-password\n"))
    assert main(["review", "decide", str(item), "--action", "keep-blocked", "--reason", "<i>含国家秘密</i>，不得外发",
                 "--officer", "alice", "--password-stdin", "--config", str(gateway.config)]) == 0
    out = tmp_path / "period.html"
    assert main(["report", "--since", "2000-01-01", "--html", str(out), "--db", str(gateway.db)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html and "<i>含" not in html
    assert "&lt;i&gt;含国家秘密&lt;/i&gt;，不得外发" in html and "维持阻断" in html and "alice" in html
    assert "审计链完整（共 4 条）" in html and "<mark>作战部署</mark>" in html  # accounts 2, sign-in, decision
    assert "http://" not in html and "https://" not in html
    assert main(["report", "--since", "01/01/2000", "--html", str(out), "--db", str(gateway.db)]) == 2


def test_period_report_prints_to_pdf_offline(gateway, tmp_path):
    assert shutil.which("chromium"), "chromium missing: apt-get install chromium (as .ci/run does)"
    pdf = tmp_path / "period.pdf"
    assert main(["report", "--since", "2000-01-01", "--pdf", str(pdf), "--db", str(gateway.db)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
