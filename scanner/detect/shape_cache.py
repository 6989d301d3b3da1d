"""What the shapes of the window signals' and public signs' expressions say (anchors._shape), kept in the
user's cache folder so that a new process does not read them again (~25 ms of CPU for the shipped ones).

One file per list of expressions, named after a SHA-256 of everything the reading depends on: the
expressions (source and flags), the reading's options, this Python (its `re` parser and Unicode data) and
the source of the modules that read them (anchors.py, regex_shape.py). The file holds the data
marshalled, after a magic line and a CRC-32 of it; one that is absent, damaged or of another form is
read again and written anew. Writing goes through a temporary file renamed into place, in a folder made
0700 (as jieba_cache.py does); a folder that cannot be written is no error. At most KEEP files stay.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from functools import lru_cache
from pathlib import Path

from scanner import cache_dir

MAGIC = b"mijian-shapes-1\n"
KEEP = 64  # files kept in the folder; past that the least recently written go (other lexicons, old versions)
_FIELDS = 10  # anchors._shape's tuple


def cache_folder() -> Path | None:
    """~/.cache/mijian/shapes on Linux (platformdirs), or None when there is none."""
    return cache_dir.cache_folder("shapes")


@lru_cache(maxsize=1)
def _code_stamp() -> bytes:
    """The source of the modules whose reading is kept: another version of them reads anew."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("anchors.py", "regex_shape.py", "shape_cache.py"):
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(os.urandom(16))  # unreadable: nothing kept is trusted
    return digest.digest()


def _name(patterns, options) -> str:
    key = repr((sys.version, sys.implementation.cache_tag, [(p.pattern, p.flags) for p in patterns], options))
    return hashlib.sha256(_code_stamp() + key.encode("utf-8", "surrogatepass")).hexdigest() + ".shape"


def load(patterns, options, folder: Path | None = None) -> tuple | None:
    """The kept reading of `patterns` with `options` (whatever else it depends on, repr'd), or None."""
    folder = folder or cache_folder()
    if folder is None:
        return None
    body = cache_dir.read_checked(folder / _name(patterns, options), MAGIC)
    if body is None:
        return None
    try:
        shape = marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return None
    if not isinstance(shape, tuple) or len(shape) != _FIELDS or len(shape[0]) != len(patterns):
        return None
    return shape


def store(patterns, options, shape: tuple, folder: Path | None = None) -> None:
    """Keep `shape` for the next process; a folder that cannot be written is left alone."""
    folder = folder or cache_folder()
    if folder is None:
        return
    try:
        body = marshal.dumps(shape)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        cache_dir.write_checked(folder / _name(patterns, options), MAGIC, body)
    except (OSError, ValueError):
        return
    cache_dir.prune(folder, "*.shape", KEEP)
