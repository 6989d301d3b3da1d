"""Helpers for CLI tests: a fixed inbox of real files and a config that pins the detectors."""

from __future__ import annotations

import random
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"


def make_inbox(root: Path) -> Path:
    """Four files whose verdicts are known: marked, sensitive, clean GBK, empty, and garbage."""
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "a_marked.txt").write_text("机密★10年\n关于召开年度工作会议的通知\n", encoding="utf-8")
    (inbox / "b_plan.txt").write_text("附件：作战部署示意及兵力部署调整说明，兵力部署见下表。\n", encoding="utf-8")
    (inbox / "c_notice.txt").write_bytes("关于春节放假安排的通知\n各部门：春节期间放假七天。\n".encode("gbk"))
    (inbox / "d_empty.txt").write_bytes(b"")
    (inbox / "e_garbage.bin").write_bytes(random.Random(7).randbytes(2048))
    return inbox


def pinned_config(root: Path) -> Path:
    """Classifier off and the small test lexicon, so golden output does not move with the models."""
    path = root / "pinned.toml"
    path.write_text(
        f'[detect]\nmodel = ""\nlexicon_dir = "{(DATA / "lexicons").as_posix()}"\n', encoding="utf-8"
    )
    return path


def check_golden(name: str, actual: str, update: bool) -> None:
    """Compare with tests/golden/NAME; MIJIAN_UPDATE_GOLDEN=1 rewrites it (then review the diff)."""
    path = GOLDEN / name
    if update:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"golden file missing: {path} (run with MIJIAN_UPDATE_GOLDEN=1 once)"
    assert actual == path.read_text(encoding="utf-8")
