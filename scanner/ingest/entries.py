"""Inbox entries judged by lstat: what is not a regular file is never opened by the daemon.

Opening a FIFO blocks until a writer comes, and a device or socket is not a document; such an
entry is moved and quarantined with its reason, never read. Regular files are opened with
O_NOFOLLOW | O_NONBLOCK and checked again on the open descriptor, so an entry swapped for a FIFO
or a link after it was listed cannot block the main process either.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

_KINDS = {
    stat.S_IFIFO: ("命名管道", "FIFO"),
    stat.S_IFSOCK: ("套接字", "socket"),
    stat.S_IFCHR: ("字符设备", "character device"),
    stat.S_IFBLK: ("块设备", "block device"),
}


def special_kind(st: os.stat_result) -> tuple[str, str] | None:
    """(Chinese, English) name of what the entry is, when it is neither a file, a folder nor a link."""
    mode = st.st_mode
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode):
        return None
    return _KINDS.get(stat.S_IFMT(mode), ("特殊文件", "special file"))


def special_reason(path: Path) -> str | None:
    """Why the entry at `path` may not be opened (a FIFO, socket or device), by lstat; None otherwise."""
    try:
        kind = special_kind(os.lstat(path))
    except OSError:
        return None
    if kind is None:
        return None
    return f"不是普通文件（{kind[0]}），未打开 (not a regular file: {kind[1]}; never opened)"


def open_regular(path: Path) -> int:
    """A read descriptor of the regular file at `path`; OSError for anything else, without blocking."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "不是普通文件 (not a regular file)", str(path))
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_small(path: Path, limit: int) -> bytes:
    """The bytes of a small regular file; ValueError when it holds more than `limit` bytes."""
    fd = open_regular(path)
    try:
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ValueError(f"larger than {limit} bytes")
    return data


def sha256_of(path: Path) -> tuple[str | None, int | None]:
    """SHA-256 and size of a regular file; (None, None) for anything that may not be opened."""
    h = hashlib.sha256()
    try:
        fd = open_regular(path)
    except OSError:
        return None, None
    try:
        with os.fdopen(fd, "rb", closefd=False) as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
            return h.hexdigest(), os.fstat(fd).st_size
    except OSError:
        return None, None
    finally:
        os.close(fd)
