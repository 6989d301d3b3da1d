"""Start-up: the command line imports a command's module only when it runs, and no heavy library
before it is needed (issue 15 item 9; timings are in benchmarks/startup_bench.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.cli import COMMANDS, build_parser

HEAVY = ["sklearn", "scipy", "spacy", "pypdf", "pypdfium2", "docx", "openpyxl", "pptx", "onnxruntime",
         "rapidocr", "rapidocr_onnxruntime", "cv2", "extract_msg", "py7zr", "starlette", "uvicorn"]


def _imported_after(argv: list[str]) -> list[str]:
    """Which HEAVY modules a fresh interpreter holds after `mijian ARGV` has parsed its line."""
    code = (
        "import contextlib, io, json, sys\n"
        "import scanner.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        scanner.cli.parse_args({argv!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["scan", "--help"], ["review", "--help"],
                                  ["train", "--help"]])
def test_parsing_the_command_line_imports_no_heavy_library(argv):
    assert _imported_after(argv) == []


def test_help_imports_no_command_module():
    code = (
        "import contextlib, io, sys\n"
        "import scanner.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        scanner.cli.main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('scanner.commands.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_help_line_of_every_command_matches_its_module():
    """`mijian --help` shows COMMANDS' lines; the full parsers must say the same."""
    full = next(a for a in build_parser()._actions if a.dest == "command")
    shown = {action.dest: action.help for action in full._choices_actions}
    assert shown == {name: text for name, (_, text) in COMMANDS.items()}


def test_a_command_and_its_options_parse_as_before():
    from scanner.cli import parse_args

    args = parse_args(["--lang", "en", "scan", "a", "b", "--format", "jsonl", "-j", "2"])
    assert (args.command, args.paths, args.format, args.jobs, args.lang) == ("scan", ["a", "b"], "jsonl", 2, "en")
    with pytest.raises(SystemExit):
        parse_args(["scan", "--no-such-option", "a"])


def test_scanning_imports_neither_scikit_learn_nor_scipy(tmp_path):
    """Scoring is numpy-only, so a plain install without mijian[train] scans (issue 15 item 10). The
    samples are read in this process (scan.isolate = false) so that its modules can be seen; the
    reader children run the same pipeline."""
    samples = Path(__file__).resolve().parents[1] / "samples"
    (tmp_path / "c.toml").write_text("[scan]\nisolate = false\n", encoding="utf-8")
    code = (
        "import contextlib, io, json, sys\n"
        "from scanner.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    rc = main(['scan', {str(samples)!r}, '--config', 'c.toml', '--db', 'm.db', '--format', 'jsonl',\n"
        "               '--no-progress'])\n"
        "verdicts = sorted(json.loads(line)['verdict'] for line in out.getvalue().splitlines())\n"
        "print(json.dumps({'rc': rc, 'verdicts': verdicts,\n"
        "                  'loaded': [m for m in ('sklearn', 'scipy') if m in sys.modules]}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["rc"] == 1 and "block" in result["verdicts"] and "allow" in result["verdicts"], result
    assert result["loaded"] == []


# What the parent of an isolated scan (scan.isolate, the default) must not import: its reader process
# extracts and detects; the parent walks, hashes, decides with the policy and records.
READER_ONLY = ["numpy", "scanner.detect.engine", "scanner.detect.classifier", "scanner.pipeline", "scanner.extract",
               "charset_normalizer", "lxml", "jinja2", "sqlite_utils", "cryptography", "rich.progress"]


def test_the_parent_of_an_isolated_scan_imports_no_detector_extractor_or_report_library(tmp_path):
    """`mijian scan FILE --format jsonl --rescan` on a database an earlier scan made: the reader detects, so
    the parent holds none of READER_ONLY, and the output is the usual one (the marked file blocked, exit 1)."""
    (tmp_path / "one.txt").write_text("机密★10年\n关于装备试验安排的通知\n", encoding="utf-8")
    argv = ["scan", "one.txt", "--db", "m.db", "--format", "jsonl", "--no-progress", "--rescan"]
    first = subprocess.run([sys.executable, "-m", "scanner", *argv], capture_output=True, cwd=tmp_path, timeout=600)
    assert first.returncode == 1, first.stderr
    code = (
        "import contextlib, io, json, sys\n"
        "from scanner.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    rc = main({argv!r})\n"
        "rows = [json.loads(line) for line in out.getvalue().splitlines()]\n"
        "print(json.dumps({'rc': rc, 'rows': [(r['path'], r['verdict'], [x['code'] for x in r['reasons']])\n"
        "                                     for r in rows],\n"
        f"                  'loaded': [m for m in {READER_ONLY!r} if m in sys.modules]}}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["rc"] == 1
    [(path, verdict, codes)] = result["rows"]
    assert (path, verdict) == ("one.txt", "block") and "marking.national_secret" in codes
    assert result["loaded"] == []
