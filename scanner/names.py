"""File names that are not valid UTF-8, kept losslessly and shown readably.

Linux file names are bytes. Python turns the bytes that are not UTF-8 into lone surrogates
(surrogateescape), which SQLite, JSON and terminals refuse. Every place that records or shows a
path goes through these three functions, so `mijian scan` and `mijian watch` keep the same rule:

- `raw(path)`: the exact bytes, for a BLOB column or to find the file again;
- `readable(path)`: text that is always valid UTF-8. A name that is not UTF-8 is decoded as
  GB18030 when that gives Chinese text (names from Windows, Samba and zip tools are GBK), and
  otherwise shows each undecodable byte as \\xNN;
- `from_raw(data)`: the path again, from the bytes.
"""

from __future__ import annotations

import os
import re

_SURROGATE = re.compile("[\udc80-\udcff]")
# CJK ideographs and full-width punctuation: what a GBK name decodes to when it was Chinese
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def raw(path: str | os.PathLike | bytes) -> bytes:
    """The exact bytes of a path."""
    return os.fsencode(path)


def is_clean(path: str) -> bool:
    """True when the path is valid UTF-8 text (no escaped bytes)."""
    return _SURROGATE.search(path) is None


def _readable_part(part: bytes) -> str:
    try:
        return part.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = part.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _CJK.search(text) and not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return text
    return part.decode("utf-8", errors="backslashreplace")


def readable(path: str | os.PathLike | bytes) -> str:
    """Valid UTF-8 text for a path, decoded one path component at a time."""
    if isinstance(path, str) and is_clean(path):
        return path
    data = raw(path)
    return "/".join(_readable_part(part) for part in data.split(b"/"))


def from_raw(data: bytes) -> str:
    """The str path (with surrogate escapes) that `raw` made these bytes from."""
    return os.fsdecode(data)
