"""Window signals: handling instructions (不得外传, 看完就删) and concrete details, found by position."""

from __future__ import annotations

import bisect
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from scanner.detect.anchors import AnchorFilter, kept
from scanner.detect.lazy_regex import LazyPattern
from scanner.detect.substrings import Substrings
from scanner.errors import ConfigError

WINDOW_FILE = "window.toml"
HANDLING, SPECIFIC = "handling", "specifics"


@dataclass(frozen=True)
class Signal:
    kind: str  # handling or specifics
    start: int  # offsets in the normalised text
    end: int
    text: str


def _read(path: Path) -> tuple[dict[str, list[re.Pattern]], frozenset[str]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"无法读取窗口信号文件 {path}：{exc} (cannot read window signals {path})") from exc
    out: dict[str, list[re.Pattern]] = {}
    for kind in (HANDLING, SPECIFIC):
        patterns = data.get(kind, {}).get("patterns", [])
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise ConfigError(f"{path} [{kind}] patterns 应为字符串列表 ({path} [{kind}] patterns must be strings)")
        # One expression each: separate ones let the engine skip ahead on their literal prefixes.
        out[kind] = [LazyPattern(p) for p in patterns]
    if not kept([p for patterns in out.values() for p in patterns]):  # else compiled before (lazy_regex.py)
        for kind, patterns in out.items():
            try:
                for pattern in patterns:
                    pattern.compile()
            except re.error as exc:
                raise ConfigError(f"{path} [{kind}] 的正则表达式无效：{exc} (invalid regex in {path} [{kind}])") from None
    not_inside = data.get(HANDLING, {}).get("not_inside", [])
    if not isinstance(not_inside, list) or not all(isinstance(w, str) and len(w) == 2 for w in not_inside):
        raise ConfigError(f"{path} [handling] not_inside 应为两字词列表 ({path} [handling] not_inside must be two-character words)")
    return out, frozenset(not_inside)


class WindowSignals:
    """The handling and specifics patterns of one lexicon folder, each compiled into one expression."""

    def __init__(self, patterns: dict[str, list[re.Pattern]] | None = None, not_inside: frozenset[str] = frozenset()):
        self.patterns = patterns or {}
        self.not_inside = not_inside  # two-character words a handling match must not start inside
        self._flat = [(kind, pattern) for kind, patterns in self.patterns.items() for pattern in patterns]
        self._filter = AnchorFilter([pattern for _, pattern in self._flat], cache=True)

    @classmethod
    def from_dir(cls, folder: Path) -> "WindowSignals":
        path = folder / WINDOW_FILE
        return cls(*_read(path)) if path.is_file() else cls()

    def keys(self) -> list[str]:
        return self._filter.keys()

    def share(self, index: Substrings) -> None:
        self._filter.share(index)

    def find(self, text: str, around: list[tuple[int, int]] | None = None,
             occurrences: list[tuple[int, int, int]] | None = None) -> list[Signal]:
        """Signals in `text`; with `around` (spans of hits), only within `reach` characters of them.
        `occurrences`: those in `text` of the keys of the index shared with `share`."""
        found: list[Signal] = []
        spans = _spans(around, len(text))
        by_span = _by_span(occurrences, spans, len(text)) if occurrences is not None else [None] * len(spans)
        for (lo, hi), inside in zip(spans, by_span):
            part = text[lo:hi]
            # Only the expressions whose literal prefixes occur in the part (anchors.py): the same matches.
            for index, starts in self._filter.scan(part, inside):
                kind, pattern = self._flat[index]
                for m in self._filter.matches(index, part, starts):
                    start = lo + m.start()
                    if m.end() > m.start() and not (kind == HANDLING and start and text[start - 1:start + 1] in self.not_inside):
                        found.append(Signal(kind, start, lo + m.end(), m.group()))
        found.sort(key=lambda s: s.start)
        return found


def _by_span(occurrences: list[tuple[int, int, int]], spans: list[tuple[int, int]], size: int) -> list[list[tuple[int, int, int]]]:
    """The occurrences inside each span (sorted, disjoint), with offsets from its start."""
    if spans == [(0, size)]:
        return [occurrences]
    los = [lo for lo, _ in spans]
    out: list[list[tuple[int, int, int]]] = [[] for _ in spans]
    for key, start, end in occurrences:
        k = bisect.bisect_right(los, start) - 1
        if k >= 0 and end <= spans[k][1]:
            lo = los[k]
            out[k].append((key, start - lo, end - lo))
    return out


def _spans(around: list[tuple[int, int]] | None, size: int) -> list[tuple[int, int]]:
    """Merged spans to search: the whole text, or the given spans when they cover little of it."""
    if around is None:
        return [(0, size)]
    merged: list[list[int]] = []
    last = None
    for lo, hi in sorted(around):  # one per hit: comparisons, not max() and min() calls
        if lo < 0:
            lo = 0
        if hi > size:
            hi = size
        if last is not None and lo <= last[1]:
            if hi > last[1]:
                last[1] = hi
        else:
            last = [lo, hi]
            merged.append(last)
    if sum(hi - lo for lo, hi in merged) > 0.7 * size:
        return [(0, size)]
    return [(lo, hi) for lo, hi in merged]
