"""The walk: every file in a stable order, and whatever cannot be read is listed with its problem."""

import itertools
import os
from dataclasses import replace
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.errors import IngestError
from scanner.ingest.walk import _entry, walk
from scanner.scan import scan_paths


@pytest.fixture
def tree(tmp_path):
    for name in ["z.txt", "a/1.txt", "b/c/2.txt", "b/0.txt", "B.txt"]:
        path = tmp_path / "root" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name, encoding="utf-8")
    return tmp_path / "root"


def _relative(entries, root: Path) -> list[tuple[str, str | None]]:
    return [(os.path.relpath(e.display, root), e.problem) for e in entries]


def test_recursion_in_sorted_order(tree):
    # Files of a folder first (sorted), then its sub-folders (sorted), depth first.
    assert _relative(walk([str(tree)]), tree) == [
        ("B.txt", None), ("z.txt", None), ("a/1.txt", None), ("b/0.txt", None), ("b/c/2.txt", None),
    ]


def test_order_does_not_depend_on_creation_order(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    for name in ["m.txt", "c.txt", "x.txt", "a.txt"]:
        (root / name).write_text("x")
    assert [Path(e.display).name for e in walk([str(root)])] == ["a.txt", "c.txt", "m.txt", "x.txt"]


def test_files_and_folders_given_together(tree):
    entries = list(walk([str(tree / "z.txt"), str(tree / "a")]))
    assert [e.display for e in entries] == [str(tree / "z.txt"), str(tree / "a" / "1.txt")]
    assert all(e.problem is None for e in entries)


def test_missing_path_raises_before_any_entry(tree):
    with pytest.raises(IngestError) as info:
        list(walk([str(tree), str(tree / "missing")]))
    assert "missing" in str(info.value)
    assert info.value.code == "ingest.failed"


@pytest.mark.parametrize("target", ["z.txt", "a", "nowhere"], ids=["file", "folder", "dangling"])
def test_symlink_is_listed_with_a_problem(tree, target):
    (tree / "link").symlink_to(tree / target)
    entries = {os.path.relpath(e.display, tree): e for e in walk([str(tree)])}
    assert "link" in entries
    assert entries["link"].problem and "symbolic link" in entries["link"].problem
    if target == "a":
        assert "link/1.txt" not in entries  # not entered


def test_symlink_given_directly_is_not_followed(tree):
    (tree / "link").symlink_to(tree / "a")
    [entry] = walk([str(tree / "link")])
    assert entry.problem and "symbolic link" in entry.problem


def test_followed_symlink_is_entered(tree):
    outside = tree.parent / "elsewhere"
    outside.mkdir()
    (outside / "3.txt").write_text("x")
    (tree / "link").symlink_to(outside)
    displays = [os.path.relpath(e.display, tree) for e in walk([str(tree)], follow_symlinks=True)]
    assert "link/3.txt" in displays


def test_followed_link_into_the_tree_is_walked_under_the_real_name(tree):
    (tree / "0link").symlink_to(tree / "b")  # sorted before b: still b's files keep b's name
    displays = [os.path.relpath(e.display, tree) for e in walk([str(tree)], follow_symlinks=True)]
    assert displays == ["B.txt", "z.txt", "a/1.txt", "b/0.txt", "b/c/2.txt"]


def test_fifo_is_listed_not_read(tree):
    os.mkfifo(tree / "pipe")
    entries = {os.path.relpath(e.display, tree): e.problem for e in walk([str(tree)])}
    assert entries["pipe"] == "不是普通文件 (not a regular file)"


def test_unstatable_path_becomes_a_problem_not_a_crash(tmp_path):
    # ENAMETOOLONG, like EACCES in a folder that can be listed but not searched, is not one
    # of the errors pathlib swallows; it must land on the entry.
    entry = _entry(tmp_path / ("x" * 300), "long", follow_symlinks=False)
    assert entry.problem and "cannot stat" in entry.problem


def test_unreadable_file(tree):
    path = tree / "secret.txt"
    path.write_text("机密★10年")
    path.chmod(0)
    entries = {os.path.relpath(e.display, tree): e.problem for e in walk([str(tree)])}
    assert "secret.txt" in entries  # listed whatever its mode; reading it is the scanner's job
    run = scan_paths([str(path)], Config())
    # Blocked either way: unreadable for an ordinary user, or read (root can) and found marked.
    expected = "marking.national_secret" if os.access(path, os.R_OK) else "scan.unreadable"
    assert [r.verdict for r in run.results] == ["block"]
    assert run.results[0].reasons[0].code == expected


def test_problem_entries_are_blocked_by_the_scan(tree):
    (tree / "dangling").symlink_to(tree / "nowhere")
    os.mkfifo(tree / "pipe")
    run = scan_paths([str(tree)], Config())
    by_name = {os.path.relpath(r.path, tree): r for r in run.results}
    assert len(by_name) == 7  # five files, the link, the FIFO: none skipped
    for name in ("dangling", "pipe"):
        assert by_name[name].verdict == "block"
        assert by_name[name].reasons[0].code == "scan.unreadable"


def _bounded(entries, most: int = 500) -> list:
    """At most `most` entries: a walk that loops must fail the test, not hang it."""
    return list(itertools.islice(entries, most))


def test_followed_self_link_is_walked_once(tree):
    (tree / "self").symlink_to(".")
    displays = [os.path.relpath(e.display, tree) for e in _bounded(walk([str(tree)], follow_symlinks=True))]
    assert displays == ["B.txt", "z.txt", "a/1.txt", "b/0.txt", "b/c/2.txt"]


def test_followed_link_loops_end(tree):
    # Loops back to the root, to a sibling, and a loop outside the tree reached through a link:
    # without remembering folders the walk never ends.
    (tree / "b" / "c" / "up").symlink_to("../..")
    (tree / "a" / "root").symlink_to(tree)
    (tree / "a" / "to_b").symlink_to(tree / "b")
    outside = tree.parent / "elsewhere"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "3.txt").write_text("x")
    (outside / "deep" / "again").symlink_to(outside)
    (outside / "self").symlink_to(".")
    (tree / "ext").symlink_to(outside)
    displays = [os.path.relpath(e.display, tree) for e in _bounded(walk([str(tree)], follow_symlinks=True))]
    assert displays == ["B.txt", "z.txt", "a/1.txt", "b/0.txt", "b/c/2.txt", "ext/deep/3.txt"]


def test_folder_given_twice_or_through_a_link_is_walked_once(tree):
    (tree / "link").symlink_to(tree / "a")
    entries = _bounded(walk([str(tree / "a"), str(tree)], follow_symlinks=True))
    assert [os.path.relpath(e.display, tree) for e in entries] == [
        "a/1.txt", "B.txt", "z.txt", "b/0.txt", "b/c/2.txt"]


@pytest.mark.timeout(120)
def test_scan_of_a_link_loop_records_each_file_once(tree):
    (tree / "self").symlink_to(".")
    (tree / "b" / "back").symlink_to("..")
    config = Config()
    config = replace(config, scan=replace(config.scan, follow_symlinks=True))
    run = scan_paths([str(tree)], config)
    assert sorted(os.path.relpath(r.path, tree) for r in run.files) == [
        "B.txt", "a/1.txt", "b/0.txt", "b/c/2.txt", "z.txt"]
