"""A text's passages and lines and whether each is Chinese enough to classify, from per-character
classes of the whole text found once with numpy: the spans of features.split_passages and the verdicts
of features.mostly_chinese, without a regular expression or a string per paragraph."""

from __future__ import annotations

import re

import numpy as np

from scanner.detect.features import mostly_chinese, split_passages

_CJK, _SPACE = 1, 2
# Below this many characters the regular expressions are quicker than setting up the arrays.
SHORT_CHARS = 1500
_LINE = re.compile(r"[^\n]+")


def _classes() -> np.ndarray:
    """Class of each BMP code point: CJK (the ranges mostly_chinese counts), white space (str.isspace,
    none beyond U+3000) or neither; code points beyond the BMP are neither."""
    table = np.zeros(0x10000, dtype=np.uint8)
    table[0x3400:0x4DC0] = _CJK
    table[0x4E00:0xA000] = _CJK
    table[[c for c in range(0x3001) if chr(c).isspace()]] = _SPACE
    return table


_CLASSES = _classes()


class TextIndex:
    """Prefix counts of CJK and non-space characters, and where the newlines are, of one text."""

    def __init__(self, text: str):
        self.text = text
        self.short = len(text) < SHORT_CHARS
        if self.short:
            return
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        classes = _CLASSES[np.minimum(points, 0xFFFF)]
        self._cjk = np.zeros(len(points) + 1, dtype=np.int64)
        np.cumsum(classes == _CJK, out=self._cjk[1:])
        self._ink = np.zeros(len(points) + 1, dtype=np.int64)
        np.cumsum(classes != _SPACE, out=self._ink[1:])
        self._newlines = np.flatnonzero(points == 10)

    def _runs(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        """Starts and ends of the runs of non-newline characters within text[start:end]."""
        inner = self._newlines[np.searchsorted(self._newlines, start):np.searchsorted(self._newlines, end)]
        starts = np.concatenate([[start], inner + 1])
        ends = np.concatenate([inner, [end]])
        keep = ends > starts
        return starts[keep], ends[keep]

    def paragraphs(self) -> list[tuple[int, int]]:
        """Lines that are not blank: what split_passages merges into passages."""
        if self.short:
            return [(m.start(), m.end()) for m in _LINE.finditer(self.text) if m.group().strip()]
        starts, ends = self._runs(0, len(self.text))
        inked = self._ink[ends] > self._ink[starts]
        return list(zip(starts[inked].tolist(), ends[inked].tolist()))

    def passages(self, target: int) -> list[tuple[int, int]]:
        return split_passages(self.text, target, self.paragraphs())

    def lines(self, start: int, end: int) -> list[tuple[int, int]]:
        """The runs of [^\\n]+ in text[start:end], as offsets into the text."""
        if self.short:
            return [(m.start(), m.end()) for m in _LINE.finditer(self.text, start, end)]
        starts, ends = self._runs(start, end)
        return list(zip(starts.tolist(), ends.tolist()))

    def lines_of(self, spans: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
        """lines(start, end) of each span, the newlines of all spans found with two searches."""
        if self.short or not spans:
            return [self.lines(s, e) for s, e in spans]
        bounds = np.array(spans, dtype=np.int64)
        firsts = np.searchsorted(self._newlines, bounds[:, 0]).tolist()
        lasts = np.searchsorted(self._newlines, bounds[:, 1]).tolist()
        out = []
        for (start, end), a, b in zip(spans, firsts, lasts):
            inner = self._newlines[a:b].tolist()
            out.append([(s, e) for s, e in zip([start] + [n + 1 for n in inner], inner + [end]) if e > s])
        return out

    def chinese(self, spans: list[tuple[int, int]], minimum: int = 10, share: float = 0.3) -> list[bool]:
        """features.mostly_chinese of each span."""
        if not spans:
            return []
        if self.short:
            return [mostly_chinese(self.text[s:e], minimum, share) for s, e in spans]
        bounds = np.array(spans, dtype=np.int64)
        cjk = self._cjk[bounds[:, 1]] - self._cjk[bounds[:, 0]]
        ink = self._ink[bounds[:, 1]] - self._ink[bounds[:, 0]]
        return ((cjk >= minimum) & (cjk >= share * ink)).tolist()

    def chinese_passages(self, target: int) -> list[tuple[int, int]]:
        """The passages that mostly_chinese keeps, as TopicModel.spans gives them."""
        spans = self.passages(target)
        return [span for span, keep in zip(spans, self.chinese(spans)) if keep]
