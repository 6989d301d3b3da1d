"""Normalise extracted text against evasion, keeping a map back to the original offsets."""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

# Characters dropped outright: zero-width and format characters used to split words.
_INVISIBLE = set("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u202a\u202b\u202c\u202d\u202e")

# Look-alikes of the star in a secrecy mark (after NFKC, which already folds ＊ to *).
_STARS = set("☆✱✲✳✴✵✶✷✸✹✺✻✼✽✾✿❀❁❂❃❄❅❆❇❈❉❊❋*⭐✩✪✫✬✭✮✯✰⋆")
STAR = "★"

# Runs of text that need no change: common CJK ideographs, ASCII letters, digits and
# everyday punctuation. Everything else is looked at one character at a time.
_PLAIN = re.compile(r"[\u4e00-\u9fff0-9A-Za-z\n.,;:!?()\[\]'\"/\-_%+=#@&<>|~`^$\u3001\u3002\u201c\u201d\u2018\u2019\u300a\u300b\u3008\u3009\u300c\u300d\u3010\u3011\u2014\u2026\u00b7★]+")


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or ch == STAR


@dataclass
class NormalizedText:
    """Normalised text and the map from its offsets to the original's."""

    text: str
    original: str
    _norm_points: list[int]
    _orig_points: list[int]

    def to_original(self, index: int) -> int:
        """Original offset of the character at normalised offset `index`."""
        if index >= len(self.text):
            return len(self.original)
        k = bisect.bisect_right(self._norm_points, index) - 1
        return self._orig_points[k] + (index - self._norm_points[k])

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        if end <= start:
            s = self.to_original(start)
            return s, s
        return self.to_original(start), self.to_original(end - 1) + 1


def _fold(ch: str) -> str:
    if ch in _INVISIBLE:
        return ""
    out = unicodedata.normalize("NFKC", ch)
    if len(out) == 1:
        if out in _STARS:
            return STAR
        cat = unicodedata.category(out)
        if cat == "Cc" and out not in "\n\t":
            return ""
        if cat == "Cf":
            return ""
        if cat == "Zs" or out == "\t":
            return " "
    return out


def normalize(text: str) -> NormalizedText:
    """NFKC, star look-alikes to ★, invisible characters removed, spaces between CJK removed."""
    out: list[str] = []
    norm_points: list[int] = [0]
    orig_points: list[int] = [0]
    n = 0  # length of normalised text so far
    i = 0
    length = len(text)

    def jump(orig: int) -> None:
        # The next normalised character comes from original offset `orig`.
        if norm_points[-1] == n:
            orig_points[-1] = orig
        else:
            norm_points.append(n)
            orig_points.append(orig)

    while i < length:
        m = _PLAIN.match(text, i)
        if m:
            chunk = m.group()
            if n - norm_points[-1] != i - orig_points[-1]:
                jump(i)
            out.append(chunk)
            n += len(chunk)
            i = m.end()
            continue
        ch = text[i]
        folded = _fold(ch)
        if folded == " ":
            # Whitespace between two CJK characters is an evasion (机 密): drop it.
            j = i
            while j < length and _fold(text[j]) in (" ", ""):
                j += 1
            prev = out[-1][-1] if out and out[-1] else ""
            nxt = _fold(text[j])[:1] if j < length else ""
            if _is_cjk(prev) and _is_cjk(nxt):
                i = j
                continue
            jump(i)
            out.append(" ")
            n += 1
            i += 1
            continue
        if folded == ch:
            if n - norm_points[-1] != i - orig_points[-1]:
                jump(i)
            out.append(ch)
            n += 1
        else:
            for k, piece in enumerate(folded):
                jump(i)
                out.append(piece)
                n += 1
        i += 1
    return NormalizedText("".join(out), text, norm_points, orig_points)
