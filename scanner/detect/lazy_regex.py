"""Regular expressions compiled on first use.

Compiling the ~90 expressions of window.toml and public.toml costs ~18 ms of CPU, and a small text
tries only the few whose prefixes it holds (anchors.py). Their readers make them lazy, and compile
them all at once (naming the first bad one) unless the shape cache (shape_cache.py) holds them: an
earlier process of this Python compiled exactly these, so they compile.
"""

from __future__ import annotations

import re
import sys


class LazyPattern:
    """`re.compile(pattern, flags)` when first used; `pattern` and `flags` are those given."""

    __slots__ = ("pattern", "flags", "_compiled")

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern | None = None

    def compile(self) -> re.Pattern:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    @property
    def groupindex(self):
        return self.compile().groupindex

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize):
        return self.compile().match(string, pos, endpos)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize):
        return self.compile().search(string, pos, endpos)

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize):
        return self.compile().finditer(string, pos, endpos)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"


def compiled(pattern) -> re.Pattern:
    """The compiled expression of a LazyPattern or of a compiled one."""
    return pattern.compile() if isinstance(pattern, LazyPattern) else pattern
