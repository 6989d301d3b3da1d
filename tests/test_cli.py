"""The command line: exact output, exit codes, the database after a scan, and the docs."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import check_golden, make_inbox, pinned_config
from scanner.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
UPDATE = os.environ.get("MIJIAN_UPDATE_GOLDEN") == "1"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIJIAN_CONFIG", raising=False)
    monkeypatch.delenv("MIJIAN_LANG", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    make_inbox(tmp_path)
    pinned_config(tmp_path)
    return tmp_path


def scan(*args: str) -> int:
    return main(["scan", "inbox", "--db", "m.db", "--config", "pinned.toml", "--no-progress", *args])


def test_jsonl_output_is_exact(workdir, capsys):
    assert scan("--format", "jsonl") == 1
    out = capsys.readouterr().out
    check_golden("scan.jsonl", out, UPDATE)
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["path"], r["verdict"]) for r in rows] == [
        ("inbox/a_marked.txt", "block"),
        ("inbox/b_plan.txt", "flag"),
        ("inbox/c_notice.txt", "allow"),
        ("inbox/d_empty.txt", "allow"),
        ("inbox/e_garbage.bin", "block"),
    ]
    contract = {"path", "member", "sha256", "type", "verdict", "reasons", "markings", "categories", "labels",
                "findings", "protection", "approval"}
    for row in rows:
        assert contract <= set(row)
    assert rows[0]["reasons"][0]["code"] == "marking.national_secret"
    first = rows[0]["markings"][0]
    assert {k: first[k] for k in ("text", "level", "kind", "period")} == {
        "text": "机密★10年", "level": "机密", "kind": "national_secret", "period": "10年"}
    assert rows[4]["reasons"][0]["code"] == "scan.unsupported"


def test_table_output_is_exact(workdir, capsys):
    assert scan() == 1
    check_golden("scan_table.txt", capsys.readouterr().out, UPDATE)


def test_table_in_english(workdir, capsys):
    assert main(["--lang", "en", "scan", "inbox", "--db", "m.db", "--config", "pinned.toml"]) == 1
    out = capsys.readouterr().out
    assert "5 files: 2 allowed, 1 flagged, 2 blocked" in out
    assert "national-secret marking found" in out


def test_csv_output(workdir, capsys):
    scan("--format", "csv")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("path,member,sha256,size,type,verdict,reason_codes")
    assert len(lines) == 6
    assert lines[1].startswith("inbox/a_marked.txt,,")


def test_json_output_and_summary_on_stderr(workdir, capsys):
    scan("--format", "json")
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == 5
    assert "共 5 个文件：放行 2，待审 1，阻断 2" in captured.err


@pytest.mark.parametrize(
    "files, args, code",
    [
        (["c_notice.txt", "d_empty.txt"], [], 0),
        (["b_plan.txt"], [], 1),
        (["b_plan.txt"], ["--fail-on", "block"], 0),
        (["a_marked.txt"], ["--fail-on", "block"], 1),
        (["a_marked.txt"], ["--fail-on", "never"], 0),
    ],
)
def test_exit_codes(workdir, capsys, files, args, code):
    paths = [f"inbox/{name}" for name in files]
    assert main(["scan", *paths, "--db", "m.db", "--config", "pinned.toml", *args]) == code


def test_usage_and_config_errors_exit_2(workdir, capsys):
    assert main(["scan", "no/such/dir", "--db", "m.db"]) == 2
    assert "路径不存在" in capsys.readouterr().err
    Path("bad.toml").write_text("[scan]\nmax_file_size = -1\n", encoding="utf-8")
    assert main(["scan", "inbox", "--db", "m.db", "--config", "bad.toml"]) == 2
    assert "scan.max_file_size" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["scan", "inbox", "--format", "xml"])
    assert info.value.code == 2


def test_database_after_scan_and_reuse(workdir, capsys):
    scan("--format", "jsonl")
    scan("--format", "jsonl")
    second = [json.loads(line) for line in capsys.readouterr().out.splitlines()[5:]]
    assert all(r["cached"] for r in second if r["sha256"])
    scan("--format", "jsonl", "--rescan")
    third = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert not any(r["cached"] for r in third)

    db = sqlite3.connect("m.db")
    runs = db.execute("select items, allow, flag, block, finished_at from runs order by id").fetchall()
    assert [r[:4] for r in runs] == [(5, 2, 1, 2)] * 3 and all(r[4] for r in runs)
    items = db.execute("select path, verdict, reason_codes, sha256 from items where run_id = 1 order by id").fetchall()
    assert items[0][:3] == ("inbox/a_marked.txt", "block", "marking.national_secret")
    assert len(items) == 5
    findings = db.execute(
        "select f.rule, f.text from findings f join items i on i.id = f.item_id "
        "where i.run_id = 1 and i.path = 'inbox/b_plan.txt' order by f.start").fetchall()
    assert findings == [("lexicon.defense", "作战部署"), ("lexicon.defense", "兵力部署"),
                        ("lexicon.defense", "兵力部署")]
    marks = db.execute("select text, kind, is_mark from markings m join items i on i.id = m.item_id "
                       "where i.run_id = 1").fetchall()
    assert ("机密★10年", "national_secret", 1) in marks


def test_changed_policy_is_not_served_from_cache(workdir, capsys):
    scan("--format", "jsonl")
    capsys.readouterr()
    Path("strict.toml").write_text(
        Path("pinned.toml").read_text(encoding="utf-8") + '[policy.rules]\n"content.sensitive" = "block"\n',
        encoding="utf-8")
    main(["scan", "inbox/b_plan.txt", "--db", "m.db", "--config", "strict.toml", "--format", "jsonl"])
    row = json.loads(capsys.readouterr().out)
    assert row["verdict"] == "block" and row["cached"] is False


def test_html_report_is_self_contained_and_escapes_names(workdir, capsys):
    # A file name cannot hold "/", so the classic <script>…</script> is not a name; this is.
    evil = Path("inbox") / "<img src=x onerror=alert(1)>.txt"
    evil.write_text("机密★10年\n<b>正文</b>\n", encoding="utf-8")
    scan("--html", "report.html", "--format", "jsonl")
    html = Path("report.html").read_text(encoding="utf-8")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;.txt" in html
    assert "<b>正文</b>" not in html
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)
    assert "密检扫描报告" in html and "阻断" in html and "<mark>机密★10年</mark>" in html


def test_output_file_option(workdir, capsys):
    scan("--format", "jsonl", "-o", "out.jsonl")
    assert len(Path("out.jsonl").read_text(encoding="utf-8").splitlines()) == 5
    assert capsys.readouterr().out == ""


def test_python_dash_m_runs_the_same_cli(workdir):
    proc = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", "inbox/a_marked.txt", "--db", "m.db", "--config", "pinned.toml",
         "--format", "jsonl"],
        capture_output=True, text=True, cwd=workdir, timeout=120,
    )
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["verdict"] == "block"
    assert proc.stderr.strip() == "共 1 个文件：放行 0，待审 0，阻断 1"


def test_every_command_and_option_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, sub in subparsers.choices.items():
        assert f"mijian {name}" in readme, f"README does not document `mijian {name}`"
        for action in sub._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in readme, f"README does not document {flag} of `mijian {name}`"


def test_parallel_jobs_give_the_same_results(workdir, capsys):
    scan("--format", "jsonl", "--rescan")
    serial = capsys.readouterr().out
    scan("--format", "jsonl", "--rescan", "--jobs", "2")
    assert capsys.readouterr().out == serial
    db = sqlite3.connect("m.db")
    assert db.execute("select count(*) from items").fetchone() == (10,)


def test_lexicon_check_reports_problems_with_file_and_line(tmp_path, capsys):
    folder = tmp_path / "lex"
    folder.mkdir()
    (folder / "defense.txt").write_text("作战部署\t2.0\n兵力部署\t1.0\n作战部署\t1.5\n", encoding="utf-8")
    assert main(["lexicon", "check", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "lexicon.duplicate" in out and "defense.txt:3" in out
    (folder / "defense.txt").write_text("作战部署\t2.0\n兵力部署\t1.0\n", encoding="utf-8")
    assert main(["lexicon", "check", str(folder)]) == 0
