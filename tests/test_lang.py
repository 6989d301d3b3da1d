"""--lang en speaks English only; [report] lang is the default language; CSV files carry a BOM
(issue 15 item 11)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.i18n import english

ROOT = Path(__file__).resolve().parents[1]
CHINESE = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff60]")


def mijian(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    environment = {k: v for k, v in os.environ.items() if k not in ("MIJIAN_LANG", "MIJIAN_CONFIG")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=cwd, capture_output=True, text=True,
                          env=environment, timeout=300)


@pytest.mark.parametrize("message, expected", [
    ("路径不存在：/x (no such file or folder: /x)", "no such file or folder: /x"),
    ("未知配置项 scan.bogus (unknown setting scan.bogus in a.toml)", "unknown setting scan.bogus in a.toml"),
    # the detail said only in the Chinese part is kept
    ("无法打开数据库 b.db：file is not a database (cannot open database b.db)",
     "cannot open database b.db: file is not a database"),
    ("未知规则 x (unknown rule x); 可用 / known: a, b", "unknown rule x; known: a, b"),
    # nested messages: a reader's error inside a reason's detail
    ("读取失败 (reading failed): 无法解析 pdf 文件：KeyError: x (cannot parse pdf file)",
     "reading failed: cannot parse pdf file: KeyError: x"),
    ("chromium 未能生成 PDF（退出码 3）(chromium wrote no PDF)：boom", "chromium wrote no PDF: boom"),
    ("plain English: 机密★10年", "plain English: 机密★10年"),
])
def test_english_part_of_a_bilingual_message(message, expected):
    assert english(message) == expected


def _bad_db(tmp_path: Path) -> Path:
    db = tmp_path / "bad.db"
    db.write_bytes(b"this is not a database" * 100)
    return db


@pytest.mark.parametrize("case", ["bad config", "missing file", "bad db"])
def test_errors_in_english_only(tmp_path, case):
    (tmp_path / "a.txt").write_text("会议纪要\n", encoding="utf-8")
    (tmp_path / "bad.toml").write_text("[scan]\nbogus = 1\n", encoding="utf-8")
    args = {
        "bad config": ["scan", "a.txt", "--config", "bad.toml", "--db", "m.db"],
        "missing file": ["scan", "nonexistent.txt", "--db", "m.db"],
        "bad db": ["scan", "a.txt", "--db", str(_bad_db(tmp_path))],
    }[case]
    proc = mijian("--lang", "en", *args, "--no-progress", cwd=tmp_path)
    assert proc.returncode in (2, 3), proc.stderr
    assert proc.stderr.startswith("error: "), proc.stderr
    assert not CHINESE.search(proc.stderr), proc.stderr
    # and Chinese first by default
    assert CHINESE.search(mijian(*args, "--no-progress", cwd=tmp_path).stderr)


def test_users_command_bad_db_in_english(tmp_path):
    proc = mijian("users", "list", "--db", str(_bad_db(tmp_path)), "--lang", "en", cwd=tmp_path)
    assert proc.returncode != 0 and "cannot open database" in proc.stderr
    assert not CHINESE.search(proc.stderr), proc.stderr


def test_reason_english_messages_hold_no_chinese(tmp_path):
    """message_en of a file that cannot be read carries the reader's error in English."""
    broken = ROOT / "samples" / "outbox" / "broken.pdf"
    proc = mijian("--lang", "en", "scan", str(broken), "--db", "m.db", "--format", "jsonl", "--no-progress",
                  cwd=tmp_path)
    result = json.loads(proc.stdout.splitlines()[0])
    assert result["verdict"] == "block"
    assert result["reasons"] and all(not CHINESE.search(r["message_en"]) for r in result["reasons"]), result["reasons"]
    assert all(CHINESE.search(r["message"]) for r in result["reasons"])


def test_configured_language_is_the_default(tmp_path):
    (tmp_path / "a.txt").write_text("会议纪要\n", encoding="utf-8")
    (tmp_path / "en.toml").write_text('[report]\nlang = "en"\n', encoding="utf-8")
    proc = mijian("scan", "a.txt", "--config", "en.toml", "--db", "m.db", "--format", "json", "--no-progress",
                  cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1 files: 1 allowed" in proc.stderr
    proc = mijian("scan", "a.txt", "--config", "en.toml", "--db", "m.db", "--format", "json", "--no-progress",
                  "--lang", "zh", cwd=tmp_path)
    assert "共 1 个文件" in proc.stderr
    proc = mijian("scan", "a.txt", "--config", "en.toml", "--db", "m.db", "--format", "json", "--no-progress",
                  cwd=tmp_path, env={"MIJIAN_LANG": "zh"})
    assert "共 1 个文件" in proc.stderr


@pytest.mark.parametrize("setting, bom", [("", True), ("[report]\ncsv_bom = false\n", False)])
def test_csv_file_starts_with_a_byte_order_mark(tmp_path, setting, bom):
    (tmp_path / "a.txt").write_text("机密★10年\n会议纪要\n", encoding="utf-8")
    (tmp_path / "c.toml").write_text(setting, encoding="utf-8")
    proc = mijian("scan", "a.txt", "--config", "c.toml", "--db", "m.db", "--format", "csv", "-o", "out.csv",
                  "--no-progress", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    data = (tmp_path / "out.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") is bom
    text = data.decode("utf-8-sig")
    assert text.startswith("path,") and "机密★10年" in text
