"""Moves that never overwrite, and names that stay: `name (1).ext` on a collision."""

from __future__ import annotations

import os

import pytest

from scanner.ingest.spool import move_no_clobber, numbered


@pytest.mark.parametrize("name, n, expected", [
    ("report.pdf", 0, "report.pdf"), ("report.pdf", 1, "report (1).pdf"), ("a.tar.gz", 2, "a (2).tar.gz"),
    ("README", 3, "README (3)"), ("报告.docx", 1, "报告 (1).docx"),
])
def test_numbered(name, n, expected):
    assert numbered(name, n) == expected


def test_move_no_clobber_refuses_to_replace(tmp_path):
    src, dst = tmp_path / "a", tmp_path / "b"
    src.write_text("new")
    dst.write_text("old")
    with pytest.raises(FileExistsError):
        move_no_clobber(src, dst)
    assert dst.read_text() == "old" and src.read_text() == "new"


def test_move_no_clobber_finishes_a_half_done_move(tmp_path):
    """A crash between link and unlink leaves one inode under two names: the move completes."""
    src, dst = tmp_path / "a", tmp_path / "b"
    src.write_text("x")
    os.link(src, dst)
    move_no_clobber(src, dst)
    assert not src.exists() and dst.read_text() == "x"
