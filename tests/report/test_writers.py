"""Report writers: the HTML report against a golden file with a fixed clock, and every format registered."""

import io
import os
from datetime import datetime, timezone

from cli_helpers import check_golden, make_inbox, pinned_config
from scanner.config import load_config
from scanner.report import FORMATS, write_report
from scanner.report.html import render_html
from scanner.scan import scan_paths

UPDATE = os.environ.get("MIJIAN_UPDATE_GOLDEN") == "1"
FIXED = datetime(2026, 11, 29, 8, 0, tzinfo=timezone.utc)


def results(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_inbox(tmp_path)
    return scan_paths(["inbox"], load_config(pinned_config(tmp_path))).results


def test_all_formats_registered():
    assert set(FORMATS) == {"jsonl", "json", "csv", "html", "table", "sarif"}


def test_html_report_golden(tmp_path, monkeypatch):
    html = render_html(results(tmp_path, monkeypatch), "zh", FIXED)
    check_golden("report.html", html, UPDATE)
    # Blocked first, then flagged, then allowed: the officer sees what matters at the top.
    assert html.index("a_marked.txt") < html.index("e_garbage.bin") < html.index("b_plan.txt") < html.index("c_notice")


def test_html_report_in_english(tmp_path, monkeypatch):
    html = render_html(results(tmp_path, monkeypatch), "en", FIXED)
    assert "Mijian scan report" in html and "national-secret marking found" in html
    assert 'lang="en"' in html


def test_csv_english_messages(tmp_path, monkeypatch):
    out = io.StringIO()
    write_report("csv", results(tmp_path, monkeypatch), out, "en")
    assert "national-secret marking found: 机密★10年" in out.getvalue()
