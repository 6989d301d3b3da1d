"""The characters fingerprints are taken from: CJK ideographs, digits and Latin letters, nothing else.

Punctuation, spaces and line breaks are dropped after normalisation (detect/normalize.py: NFKC,
繁→简, full-width, spacing), so a passage copied with other punctuation or layout still gives the
same k-grams. Each kept character remembers its offset in the normalised text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# Code point ranges kept: CJK extension A, unified ideographs, compatibility ideographs, and the
# supplementary planes' ideographs.
_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F),
           (0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A))


@dataclass(frozen=True)
class ContentText:
    """The kept characters as code points, and their offsets in the normalised text."""

    codes: np.ndarray  # uint64 code points, Latin letters folded to lower case
    offsets: np.ndarray  # int64 offsets into the normalised text

    def __len__(self) -> int:
        return len(self.codes)


@lru_cache(maxsize=1)
def _table() -> np.ndarray:
    """Code point -> the code point kept for it (Latin letters in lower case), 0 when it is dropped."""
    table = np.zeros(max(hi for _, hi in _RANGES) + 2, dtype=np.uint32)
    for lo, hi in _RANGES:
        table[lo:hi + 1] = np.arange(lo, hi + 1, dtype=np.uint32)
    table[0x41:0x5B] += 0x20
    return table


def content_text(text: str) -> ContentText:
    table = _table()
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    mapped = table[np.minimum(points, len(table) - 1)]
    offsets = np.nonzero(mapped)[0]
    return ContentText(mapped[offsets].astype(np.uint64), offsets)


def content_string(text: str) -> str:
    """The kept characters of `text` once normalised, as a string (what a person checks against)."""
    from scanner.detect.normalize import normalize

    ct = content_text(normalize(text).text)
    return "".join(chr(int(c)) for c in ct.codes)
