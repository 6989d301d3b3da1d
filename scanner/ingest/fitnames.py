"""Names that fit in 255 bytes: a long file's sidecars and verdict file, and numbered names, shortened the same way.

Linux allows 255 bytes per name. A file whose name is longer than 241 bytes (about 80 Chinese
characters) cannot have `NAME.approval.json` beside it, so its companions are named after its
short stem instead: the name cut to fit, `~`, eight hex digits of the SHA-256 of the whole name's
bytes, and its extension. The rule is deterministic, so a sender can name the sidecars of a long
file in advance, and the daemon finds them again after a restart.
"""

from __future__ import annotations

import hashlib

from scanner import names

NAME_MAX = 255
# The longest companion suffix (.approval.json); .meta.json and .verdict.json are shorter.
LONGEST_SUFFIX = 14
STEM_MAX = NAME_MAX - LONGEST_SUFFIX
EXTENSION_MAX = 16


def size(name: str) -> int:
    """The length of a name in bytes, as the filesystem counts it."""
    return len(names.raw(name))


def _cut(data: bytes, limit: int) -> bytes:
    """At most `limit` bytes of a name, never ending inside a UTF-8 character (when the name is UTF-8)."""
    head = data[:limit]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return head  # not UTF-8 (a GBK name): bytes are all there is
    return head.decode("utf-8", errors="ignore").encode("utf-8")


def short_stem(name: str) -> str:
    """The stem a file's companions are named after: the name itself when `name + .approval.json`
    fits, else the name cut to fit, `~`, 8 hex digits of the SHA-256 of its bytes, its extension."""
    data = names.raw(name)
    if len(data) <= STEM_MAX:
        return name
    dot = data.rfind(b".")
    ext = data[dot:] if 0 < dot and len(data) - dot <= EXTENSION_MAX else b""
    tail = b"~" + hashlib.sha256(data).hexdigest()[:8].encode("ascii") + ext
    return names.from_raw(_cut(data[:len(data) - len(ext)], STEM_MAX - len(tail)) + tail)


def companion(name: str, suffix: str) -> str:
    """The name of a sidecar or verdict file of `name` (`name + suffix`, or its short stem's)."""
    return short_stem(name) + suffix


def fit(name: str) -> str:
    """A name of at most 255 bytes: itself, or its short stem (a numbered name that grew too long)."""
    return name if size(name) <= NAME_MAX else short_stem(name)
