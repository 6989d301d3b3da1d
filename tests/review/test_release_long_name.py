"""Releasing a quarantined file whose name is 250 bytes long: its sidecar and verdict file go by its short stem."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

from review_helpers import MARKED, add_users, write_config
from scanner.cli import main
from scanner.ingest.fitnames import companion, short_stem

LONG_NAME = "关于对外合作项目的会议纪要" * 6 + "x" * 11 + ".docx"  # 78 Chinese characters and 16 more: 250 bytes


def test_a_250_byte_name_is_released_with_its_sidecar(tmp_path, make_docx, capsys):
    assert len(LONG_NAME.encode("utf-8")) == 250 and short_stem(LONG_NAME) != LONG_NAME
    config = write_config(tmp_path)
    inbox = tmp_path / "inbox" / "out"
    (inbox / LONG_NAME).write_bytes(make_docx(MARKED))
    (inbox / companion(LONG_NAME, ".meta.json")).write_text(json.dumps({"sender": "张三"}), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "scanner", "watch", "--once", "--config", str(config)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "MIJIAN_LANG": "zh"})
    assert proc.returncode == 0, proc.stderr
    quarantine, released = tmp_path / "spool" / "quarantine" / "out", tmp_path / "spool" / "released" / "out"
    assert sorted(p.name for p in quarantine.iterdir()) == sorted(
        [LONG_NAME, companion(LONG_NAME, ".meta.json"), companion(LONG_NAME, ".verdict.json")])
    add_users(tmp_path / "mijian.db", ("alice", "officer", "alice-password"))

    saved, sys.stdin = sys.stdin, io.StringIO("alice-password\n")
    try:
        code = main(["review", "decide", "1", "--action", "release", "--reason", "经核实可以对外提供",
                     "--officer", "alice", "--password-stdin", "--config", str(config)])
    finally:
        sys.stdin = saved
    assert code == 0, capsys.readouterr().err
    assert list(quarantine.iterdir()) == []  # the verdict file is gone with the file
    assert sorted(p.name for p in released.iterdir()) == sorted([LONG_NAME, companion(LONG_NAME, ".meta.json")])
