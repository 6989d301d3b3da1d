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


def _spool(tmp_path):
    from pathlib import Path

    from scanner.ingest.spool import Spool
    from scanner.ingest.watch_config import WatchSettings

    spool = tmp_path / "spool"
    settings = WatchSettings(inboxes=(), spool=spool, processing_dir=spool / "processing",
                             released_dir=spool / "released", quarantine_dir=spool / "quarantine")
    for d in (settings.processing_dir, settings.released_dir, settings.quarantine_dir):
        Path(d).mkdir(parents=True)
    return Spool(settings)


def _job(inbox, name, sidecars=()):
    from scanner.store.journal import Job

    return Job(7, "out", name, str(inbox / name), "processing", list(sidecars), {}, "")


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../x", "a//b", "./a", "a/", "", "a\0b"])
def test_a_name_that_would_leave_the_inbox_is_refused(name):
    from scanner.ingest.spool import name_parts

    with pytest.raises(ValueError):
        name_parts(name)


def test_sub_folder_moves_repeat_safely_and_leave_no_folders_behind(tmp_path):
    """take, choose_target and deliver of `项目A/附件/plan.txt` with its sidecar, each run twice (a crash and
    a restart), mirror the sub-folders and leave no empty folder in the job folder."""
    from scanner.store.journal import RELEASED

    spool = _spool(tmp_path)
    inbox = tmp_path / "inbox"
    (inbox / "项目A" / "附件").mkdir(parents=True)
    (inbox / "项目A" / "附件" / "plan.txt").write_text("x")
    (inbox / "项目A" / "附件" / "plan.txt.meta.json").write_text("{}")
    job = _job(inbox, "项目A/附件/plan.txt", ["项目A/附件/plan.txt.meta.json"])
    assert spool.take(job) and spool.take(job)
    assert spool.job_file(job) == spool.processing / "7" / "项目A" / "附件" / "plan.txt"
    assert sorted(p.name for p in (inbox / "项目A" / "附件").iterdir()) == []
    job.target = str(spool.choose_target(job, RELEASED))
    assert job.target == str(spool.released / "out" / "项目A" / "附件" / "plan.txt")
    job.outcome = RELEASED
    assert spool.deliver(job, None) and spool.deliver(job, None)
    assert sorted(p.name for p in (spool.released / "out" / "项目A" / "附件").iterdir()) == ["plan.txt", "plan.txt.meta.json"]
    assert list(spool.processing.iterdir()) == []


def test_a_sub_folder_swapped_for_a_link_is_not_followed(tmp_path):
    spool = _spool(tmp_path)
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    (outside / "附件").mkdir(parents=True)
    (outside / "附件" / "plan.txt").write_text("not in the inbox")
    inbox.mkdir()
    (inbox / "项目A").symlink_to(outside)
    job = _job(inbox, "项目A/附件/plan.txt")
    assert spool.take(job) is False
    assert (outside / "附件" / "plan.txt").read_text() == "not in the inbox"


def test_a_link_is_moved_as_itself(tmp_path):
    src, dst, target = tmp_path / "link", tmp_path / "moved", tmp_path / "target"
    target.write_text("x")
    src.symlink_to(target)
    move_no_clobber(src, dst)
    assert dst.is_symlink() and os.readlink(dst) == str(target) and not os.path.lexists(src)
