"""What is not a regular file is never opened: FIFOs, sockets and devices are named by lstat, and the
readers refuse them (and links) at once instead of blocking."""

from __future__ import annotations

import os
import socket
import stat

import pytest

from scanner.ingest.entries import read_small, sha256_of, special_reason


@pytest.fixture
def folder(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    os.mknod(tmp_path / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    (tmp_path / "file.txt").write_bytes(b"hello")
    os.symlink(tmp_path / "pipe", tmp_path / "link")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock"))
    yield tmp_path
    server.close()


@pytest.mark.parametrize("name, kind", [("pipe", "FIFO"), ("null", "character device"), ("sock", "socket")])
def test_special_entries_are_named_by_lstat(folder, name, kind):
    reason = special_reason(folder / name)
    assert reason.startswith("不是普通文件") and f"not a regular file: {kind}" in reason


@pytest.mark.parametrize("name", ["file.txt", "link", "missing"])
def test_files_links_and_missing_entries_are_not_special(folder, name):
    assert special_reason(folder / name) is None


@pytest.mark.parametrize("name", ["pipe", "null", "sock", "link", "missing"])
def test_readers_refuse_without_blocking(folder, name):
    with pytest.raises(OSError):
        read_small(folder / name, 100)
    assert sha256_of(folder / name) == (None, None)


def test_regular_files_are_read_within_their_limit(folder):
    assert read_small(folder / "file.txt", 5) == b"hello"
    with pytest.raises(ValueError):
        read_small(folder / "file.txt", 4)
    digest, size = sha256_of(folder / "file.txt")
    assert size == 5 and digest.startswith("2cf24dba")
