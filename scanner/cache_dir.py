"""Mijian's per-user cache folder (~/.cache/mijian on Linux, from platformdirs), shared by what a process
keeps for the next one: jieba's dictionary (detect/jieba_cache.py), unpacked model weights
(detect/weights_cache.py) and what the lexicon's expressions say (detect/shape_cache.py).

Nothing kept there is ever needed: each reader of it checks what it reads and builds anew when the file
is absent, damaged or of another version, and a folder that cannot be made or written is no error. The
folder is made 0700 and has the trust of the user's own settings (~/.config/mijian), which a scan reads
too. Each kind of file keeps only its few newest copies (`prune`), so upgrades do not pile them up.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from pathlib import Path
from typing import BinaryIO, Callable


def cache_folder(kind: str) -> Path | None:
    """The folder for files of `kind` ("jieba", "models", "shapes"), or None when this user has no usable
    cache folder (no home: platformdirs would then name a path relative to the working directory)."""
    try:
        import platformdirs

        base = Path(platformdirs.user_cache_dir("mijian"))
    except Exception:  # no home directory to be found
        return None
    return base / kind if base.is_absolute() else None


def prune(folder: Path, pattern: str, keep: int) -> None:
    """Delete all but the `keep` most recently written files of `folder` matching `pattern` (older
    versions of Mijian, its models or its lexicons). Another process pruning at the same time, or a file
    that cannot be deleted, is no error."""
    try:
        found = []
        for path in folder.glob(pattern):
            try:
                found.append((path.stat().st_mtime_ns, path))
            except OSError:  # deleted meanwhile
                continue
        found.sort()
        for _, path in found[:-keep] if keep > 0 else found:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def write_replacing(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """`write` into a temporary file beside `path`, then rename it into place (a reader never sees half a
    file). OSError when it cannot be written."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as fh:
            write(fh)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_checked(path: Path, magic: bytes, body: bytes) -> None:
    """Write `magic`, a CRC-32 of `body` and `body` to `path` (write_replacing)."""
    write_replacing(path, lambda fh: fh.write(magic + zlib.crc32(body).to_bytes(4, "little") + body))


def read_checked(path: Path, magic: bytes) -> memoryview | None:
    """The body write_checked wrote to `path`, or None when the file is absent, unreadable, of another
    form (its magic line) or damaged (its CRC-32)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(magic) + 4
    if not data.startswith(magic) or len(data) <= head:
        return None
    body = memoryview(data)[head:]
    if zlib.crc32(body) != int.from_bytes(data[len(magic):head], "little"):
        return None
    return body
