"""Walk the paths given to `mijian scan`: every file, in a stable order, none silently skipped."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from scanner import names
from scanner.errors import IngestError


@dataclass(frozen=True)
class Entry:
    """A file to scan; `problem` is set when it cannot be opened as a regular file.

    `path` opens the file (its exact bytes: `names.raw(path)`); `display` is its name as valid
    UTF-8 text (names.readable), for records and reports.
    """

    path: Path
    display: str
    problem: str | None = None


def _entry(path: Path, display: str, follow_symlinks: bool) -> Entry:
    display = names.readable(display)
    try:
        if path.is_symlink() and not follow_symlinks:
            return Entry(path, display, "符号链接未跟随 (symbolic link not followed)")
        if not path.is_file():
            return Entry(path, display, "不是普通文件 (not a regular file)")
    except OSError as exc:
        # pathlib passes on EACCES (a folder that can be listed but not searched) and
        # ENAMETOOLONG: one such file is recorded on its entry, not a crash of the whole walk.
        return Entry(path, display, f"无法读取文件信息：{exc.strerror} (cannot stat file)")
    return Entry(path, display)


def walk(paths: list[str], follow_symlinks: bool = False) -> Iterator[Entry]:
    """Yield every file under the given paths; a missing path is an IngestError before any work.

    Each folder is walked once, however many ways lead to it: a link loop ends, a folder given twice
    or reached through a link is not listed again. With `follow_symlinks`, a linked folder inside one
    of the given folders is not entered (the walk reaches it under its own name); one outside them is.
    """
    for given in paths:
        if not os.path.lexists(given):
            shown = names.readable(given)
            raise IngestError(f"路径不存在：{shown} (no such file or folder: {shown})")
    seen: set[tuple[int, int]] = set()
    roots = [os.path.realpath(p) for p in paths if os.path.isdir(p)] if follow_symlinks else []
    for given in paths:
        root = Path(given)
        if root.is_dir() and not (root.is_symlink() and not follow_symlinks):
            if _first_visit(given, seen):
                yield from _walk_dir(given, follow_symlinks, seen, roots)
        else:
            yield _entry(root, given, follow_symlinks)


def _first_visit(folder: str, seen: set[tuple[int, int]]) -> bool:
    """True the first time a folder (device and inode, after links) is met; a folder that cannot be
    examined counts as new, so the walk lists it and records why it cannot."""
    try:
        info = os.stat(folder)
    except OSError:
        return True
    key = (info.st_dev, info.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


def _inside(path: str, roots: list[str]) -> bool:
    real = os.path.realpath(path)
    return any(os.path.commonpath([real, root]) == root for root in roots)


def _walk_dir(root: str, follow_symlinks: bool, seen: set[tuple[int, int]], roots: list[str]) -> Iterator[Entry]:
    errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_symlinks, onerror=errors.append):
        linked = {d for d in dirnames if os.path.islink(os.path.join(dirpath, d))}
        if not follow_symlinks:
            # A linked folder is not entered, but it is reported, never silently dropped.
            filenames = filenames + sorted(linked)
        # Real folders are claimed first, so a link to a sibling does not take its name; a linked
        # folder inside a given folder is left for the walk to reach under its own name.
        followed = sorted(d for d in linked if follow_symlinks and not _inside(os.path.join(dirpath, d), roots))
        claimed = [d for d in sorted(dirnames) if d not in linked] + followed
        enter = {d for d in claimed if _first_visit(os.path.join(dirpath, d), seen)}
        dirnames[:] = [d for d in sorted(dirnames) if d in enter]
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            yield _entry(Path(full), full, follow_symlinks)
        yield from _unlisted(errors)
    yield from _unlisted(errors)


def _unlisted(errors: list[OSError]) -> Iterator[Entry]:
    while errors:
        exc = errors.pop(0)
        where = exc.filename or "?"
        yield Entry(Path(where), names.readable(where), f"无法列出目录：{exc.strerror} (cannot list folder)")
