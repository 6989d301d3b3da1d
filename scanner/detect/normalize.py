"""Normalise extracted text against evasion, keeping a map back to the original offsets."""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# STAR stays part of this module's interface: the marking grammar and the tests take it from here.
from scanner.detect.folding import CJK_CLASS, STAR, Tables, compile_tables, fold, folding_cache, tables
from scanner.errors import ConfigError


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or ch == STAR


def _opencc():
    try:
        import opencc
    except ImportError as exc:  # a missing dependency is a setup error, not a silent pass
        raise ConfigError("缺少 opencc 依赖，无法进行繁简转换 (the opencc package is required: pip install opencc)") from exc
    return opencc


def traditional_table(opencc) -> dict[int, int]:
    """Traditional → simplified, one character for one (so offsets survive), from OpenCC.

    Only characters OpenCC converts on their own are mapped; characters that are also
    simplified (著, 瞭) are left alone by OpenCC's t2s already.
    """
    ranges = [(0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00)]
    chars = "".join(chr(c) for lo, hi in ranges for c in range(lo, hi))
    converted = opencc.OpenCC("t2s").convert(chars)
    table: dict[int, int] = {}
    if len(converted) == len(chars):
        table = {ord(a): ord(b) for a, b in zip(chars, converted) if a != b}
    else:  # a phrase rule changed the length: fall back to converting one character at a time
        conv = opencc.OpenCC("t2s")
        for a in chars:
            b = conv.convert(a)
            if b != a and len(b) == 1:
                table[ord(a)] = ord(b)
    return table


def _shipped():
    """folding_data.py (built by folding_build.py from `traditional_table` and folding's tables) when it
    was built under this Python's Unicode data and this OpenCC, else None (then they are built here)."""
    from scanner.detect import folding_data as data

    versions = (unicodedata.unidata_version, getattr(_opencc(), "__version__", None))
    return data if (data.UNIDATA_VERSION, data.OPENCC_VERSION) == versions else None


@lru_cache(maxsize=1)
def _traditional() -> tuple[re.Pattern, dict[int, int]]:
    """`traditional_table` (as shipped, or built once) and a pattern for runs of its characters."""
    data = _shipped()
    if data is not None:
        pairs = data.TRADITIONAL
        table = dict(zip(map(ord, pairs[0::2]), map(ord, pairs[1::2])))
    else:
        table = traditional_table(_opencc())
    pattern = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(table)) + "]+")
    return pattern, table


def to_simplified(text: str) -> str:
    """Traditional characters replaced by simplified ones, character for character.

    Only the runs of traditional characters are translated: most texts have none or a handful, and
    translating a whole text costs far more than finding them.
    """
    pattern, table = _traditional()
    if pattern.search(text) is None:
        return text
    return pattern.sub(lambda m: m.group().translate(table), text)


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
        index = max(0, index)
        k = bisect.bisect_right(self._norm_points, index) - 1
        return self._orig_points[k] + (index - self._norm_points[k])

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original span covering the normalised span [start, end)."""
        if end <= start:
            s = self.to_original(start)
            return s, s
        return self.to_original(start), self.to_original(end - 1) + 1


_SHORT_LINE = re.compile(rf"\s*(?:[{CJK_CLASS}]|\d{{1,3}})\s*")


def _short_line(work: str, start: int, end: int) -> bool:
    """Whether work[start:end], without the characters folded away, is one CJK character or 1–3 digits.

    Dropping characters that fold to '' or a line break keeps a match a match (in a match they can
    only be whitespace), so the slice is tried as it is first, and rebuilt only when it holds one.
    """
    if _SHORT_LINE.fullmatch(work, start, end) is not None:
        return True
    if _tables().droppable.search(work, start, end) is None:
        return False
    line = "".join(ch for ch in work[start:end] if fold(ch) not in ("", "\n"))
    return _SHORT_LINE.fullmatch(line) is not None


def _glue_line_break(work: str, i: int, j: int) -> bool:
    """Whether the line break at `i` (next text at `j`) splits a mark written down the page.

    Lines of one CJK character or a few digits come from vertical or spaced-out marks
    (机\\n密\\n★\\n10年), never from prose. Such lines are joined to each other; the last of
    a run is joined to a longer next line only when the run is a single line (机\\n密★10年).
    """
    start = work.rfind("\n", max(0, i - 12), i) + 1
    if start == 0 and i > 12 or not _short_line(work, start, i):
        return False
    next_end = work.find("\n", j, j + 13)
    if next_end == -1:
        next_end = len(work) if len(work) - j <= 12 else j  # a long last line is not short
    if next_end > j and _short_line(work, j, next_end):
        return True
    if start == 0:
        return True
    before = work.rfind("\n", max(0, start - 13), start - 1) + 1
    return not (before > 0 or start - 1 <= 12) or not _short_line(work, before, start - 1)


@lru_cache(maxsize=1)
def _tables() -> Tables:
    """Tables that also flag traditional characters, so most texts need no separate search for them
    (as shipped in folding_data.py: building them from `fold_char` takes a tenth of a second)."""
    data = _shipped()
    if data is not None:
        return compile_tables((data.SPECIAL, data.SPACES, data.DROPPABLE))
    return tables(frozenset(_traditional()[1]))


def normalize(text: str) -> NormalizedText:
    """NFKC, 繁→简, ★ look-alikes, invisible characters removed, spaces between CJK removed.

    A line break is dropped only after a line of a single CJK character (机\\n密\\n★): joining
    ordinary lines would glue the end of one paragraph to the start of the next.
    """
    tabs = _tables()
    norm = _walk(text, text, tabs, flagged=True)
    if norm is None:  # traditional characters: convert them, then walk the converted text (where any
        norm = _walk(to_simplified(text), text, tabs, flagged=False)  # flag left is walked as it is)
    return norm


def _walk(work: str, text: str, tabs: Tables, flagged: bool) -> NormalizedText | None:
    """`normalize` of `text`, already converted to `work`; None when `flagged` and a run is flagged.

    The map is piecewise linear: points (npts[k], opts[k]) start segments along which normalised and
    original offsets advance together. Emitting `piece` from original offset `orig` starts a new
    segment unless the current one already predicts `orig` (orig - n == shift); a segment with no
    character yet is moved instead. A character that folds to several (⑩) gets a point per character
    and one after, so each maps back to it. Written out inline: this loop is the hot path.
    """
    special, spaces = tabs.special, tabs.spaces
    folded_get = folding_cache().get
    parts: list[str] = []
    add = parts.append
    npts, opts = [0], [0]
    n = pn = shift = 0  # characters emitted; the current segment's start and its original - normalised
    pos = 0
    length = len(work)
    # Only the special runs are walked; the text between them is copied as it is (see folding.tables).
    for m in special.finditer(work):
        if flagged and m.lastindex:
            return None
        i, end = m.span()
        if i > pos:
            if pos - n != shift:
                if pn == n:
                    opts[-1] = pos
                else:
                    npts.append(n)
                    opts.append(pos)
                    pn = n
                shift = pos - n
            add(work[pos:i])
            n += i - pos
        pos = end
        if work[i] == " " and work.count(" ", i, end) == end - i:
            # Plain spaces alone (most runs): what follows is safe, so the walk below would keep one
            # space, or none between two CJK characters; as it folds to itself, work[end] tells which.
            if not (parts and _is_cjk(parts[-1][-1]) and end < length and _is_cjk(work[end])):
                if i - n != shift:
                    if pn == n:
                        opts[-1] = i
                    else:
                        npts.append(n)
                        opts.append(i)
                        pn = n
                    shift = i - n
                add(" ")
                n += 1
            continue
        while i < end:
            ch = work[i]
            folded = folded_get(ch)
            if folded is None:
                folded = fold(ch)
            if folded == " ":
                j = spaces.match(work, i + 1).end()  # BMP spaces and invisible characters, in one go
                while j < length and fold(work[j]) in (" ", ""):
                    j += 1
                # whitespace between two CJK characters is an evasion (机 密): dropped
                if not (parts and _is_cjk(parts[-1][-1]) and j < length and _is_cjk(fold(work[j])[:1])):
                    if i - n != shift:
                        if pn == n:
                            opts[-1] = i
                        else:
                            npts.append(n)
                            opts.append(i)
                            pn = n
                        shift = i - n
                    add(" ")
                    n += 1
                i = max(i + 1, min(j, end))
                continue
            if ch == "\r" and i + 1 < length and work[i + 1] == "\n":
                i += 1  # CRLF is one line break
                continue
            if folded == "\n":
                start = work.rfind("\n", max(0, i - 12), i) + 1
                if i - start <= 12 and _short_line(work, start, i):  # cheap test first: rarely true
                    j, limit = i + 1, min(length, i + 64)
                    while j < limit and fold(work[j]) in (" ", "", "\n"):
                        j += 1
                    nxt = fold(work[j])[:1] if j < length else ""
                    if (_is_cjk(nxt) or nxt.isdigit()) and _glue_line_break(work, i, j):
                        i = max(i + 1, min(j, end))
                        continue
            if len(folded) == 1:  # one for one, a line break included
                if i - n != shift:
                    if pn == n:
                        opts[-1] = i
                    else:
                        npts.append(n)
                        opts.append(i)
                        pn = n
                    shift = i - n
                add(folded)
                n += 1
            elif folded:
                for piece in folded:
                    if pn == n:
                        opts[-1] = i
                    else:
                        npts.append(n)
                        opts.append(i)
                        pn = n
                    add(piece)
                    n += 1
                npts.append(n)  # the next character starts a segment of its own
                opts.append(i + 1)
                pn, shift = n, i + 1 - n
            i += 1
    if pos < length:
        if pos - n != shift:
            if pn == n:
                opts[-1] = pos
            else:
                npts.append(n)
                opts.append(pos)
        add(work[pos:])
    return NormalizedText("".join(parts), text, npts, opts)
