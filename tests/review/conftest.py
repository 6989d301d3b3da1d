"""Fixtures for the review tests: a real gateway spool made by running `mijian watch --once` on real files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from review_helpers import MARKED, WORK, XSS_NAME, Gateway, add_users, write_config  # noqa: E402


@pytest.fixture
def gateway(tmp_path, make_docx) -> Gateway:
    """Two quarantined documents (one with an HTML-laden name and body), one released text file."""
    config = write_config(tmp_path)
    inbox = tmp_path / "inbox" / "out"
    (inbox / XSS_NAME).write_bytes(make_docx(MARKED))
    (inbox / "谈判方案.docx").write_bytes(make_docx(WORK))
    (inbox / "clean.txt").write_text("食堂菜单和春季运动会安排", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "scanner", "watch", "--once", "--config", str(config)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "MIJIAN_LANG": "zh"})
    assert proc.returncode == 0, proc.stderr
    gw = Gateway(tmp_path, config, tmp_path / "mijian.db", tmp_path / "spool" / "quarantine" / "out",
                 tmp_path / "spool" / "released" / "out")
    assert (gw.quarantine / XSS_NAME).exists() and (gw.quarantine / "谈判方案.docx").exists()
    return gw


@pytest.fixture
def accounts(gateway):
    add_users(gateway.db, ("alice", "officer", "alice-password"), ("bob", "admin", "bob-password"))
    return {"alice": "alice-password", "bob": "bob-password"}
