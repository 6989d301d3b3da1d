"""Where a level stands among the text's lines: the line around it and the lines next to it, the head
of the first page, and the signs that a level heads its line (a title after it, stray bytes before it)."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

# Words right after a starred level that show it is talked about, not applied (绝密★启用前的试卷).
_PROSE_AFTER = ("的", "文件", "标志", "标识", "字样", "级", "等", "和", "或", "、", "，", ",", "。", "”", "\"", "」")

# Damage a starred mark at the head of its line may carry (issue 14): at most this much before it, of
# which at most one Chinese character (a one-character line glued on), and nothing after it that reads
# as prose: a Chinese character or a sentence's punctuation.
_HEAD_DAMAGE = 12
_CLOSING_QUOTES = "”\"」』’'》〉>"


@lru_cache(maxsize=1)
def _head_patterns() -> tuple[re.Pattern, re.Pattern]:
    """A Chinese character, and a Chinese character or a sentence's punctuation. Compiled on first use:
    re's compiler walks their ideograph ranges one code point at a time (8 ms of a reader's start), and
    a text with no starred level never needs them."""
    return (re.compile(r"[\u3400-\u9fff\uf900-\ufaff]"),
            re.compile(r"[\u3400-\u9fff\uf900-\ufaff。，、；：？！…“”‘’「」『』《》]"))


def line_around(text: str, start: int, end: int, newlines: list[int] | None = None) -> tuple[int, int]:
    """The line holding text[start:end]. With `newlines` (offsets of every line break) found by bisection;
    without, by searching from the span outwards (cheaper than listing every line break of a long text)."""
    if newlines is None:
        line_end = text.find("\n", end)
        return text.rfind("\n", 0, start) + 1, len(text) if line_end == -1 else line_end
    k = bisect.bisect_left(newlines, start)
    line_start = newlines[k - 1] + 1 if k > 0 else 0
    j = bisect.bisect_left(newlines, end)
    return line_start, newlines[j] if j < len(newlines) else len(text)


def previous_line(text: str, line_start: int) -> str:
    """The nearest line before the line starting at `line_start`, blank lines skipped."""
    end = line_start - 1
    while end > 0 and text[end - 1] == "\n":
        end -= 1
    if end <= 0:
        return ""
    return text[text.rfind("\n", 0, end) + 1:end]


def next_line(text: str, line_end: int) -> str:
    """The nearest line after the line ending at `line_end`, blank lines skipped."""
    start = line_end + 1
    while start < len(text) and text[start] == "\n":
        start += 1
    end = text.find("\n", start)
    return text[start:len(text) if end == -1 else end]


def end_of_head(text: str, head_lines: int) -> int:
    """Offset where the head of the first page (its first few non-empty lines) ends."""
    seen, pos = 0, 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        if text[pos:end].strip():
            seen += 1
            if seen >= head_lines:
                return end
        pos = end + 1
    return len(text)


def opens_line(text: str, start: int, end: int, line_start: int) -> bool:
    """A starred mark opening a line followed by a title (机密★10年 关于……的报告)."""
    if start - line_start > 8 or text[line_start:start].strip() != "":
        return False
    after = text[end:end + 3].lstrip(" ")
    return not after.startswith(_PROSE_AFTER)


def damaged_head(text: str, start: int, end: int, period: str | None, line: tuple[int, int]) -> bool:
    """A starred mark heading its line among stray bytes: markup remnants (h1>), replacement
    characters, runs of punctuation or quotes never closed, a one-character line glued before it.

    A damaged file shows such a line in a reader as the mark it was, so it is taken as one; prose
    around a level (定为机密★10年。, “机密★10年”字样) has Chinese words or closes its quote.
    """
    before, after = text[line[0]:start], text[end:line[1]]
    han, prose_signs = _head_patterns()
    glued = han.search(before) is not None
    if len(before) > _HEAD_DAMAGE or glued and (len(before) > 1 or period is None):
        return False  # (按机密★ / 10年管理: a word before a level whose period went to the next line)
    if before and before[-1] in "“\"「『‘《〈'<" and after.lstrip()[:1] in tuple(_CLOSING_QUOTES):
        return False  # quoted
    if prose_signs.search(after) is None:
        return True
    # A title may follow, as after a clean mark (机密★10年 关于……的报告), unless a character stands before it.
    return not glued and not after.lstrip(" ").startswith(_PROSE_AFTER)
