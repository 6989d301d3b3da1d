"""The allow-list: terms and regexes whose spans suppress every lexicon match inside them."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from scanner.detect.normalize import normalize
from scanner.errors import ConfigError

REGEX_PREFIX = "re:"


@dataclass
class AllowList:
    """Allowed terms (matched with the lexicon, after normalisation) and regexes (over normalised text)."""

    terms: list[str] = field(default_factory=list)
    patterns: list[re.Pattern] = field(default_factory=list)
    # (line number, raw entry) for each term and pattern, for error messages and checks
    lines: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self._combined = re.compile("|".join(f"(?:{p.pattern})" for p in self.patterns)) if self.patterns else None

    def regex_spans(self, text: str) -> list[tuple[int, int]]:
        if self._combined is None:
            return []
        return [m.span() for m in self._combined.finditer(text) if m.end() > m.start()]


def read_allow_list(path: Path) -> AllowList:
    """Read one entry a line: a term, or `re:` and a regular expression; `#` starts a comment."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"无法读取允许列表 {path}：{exc} (cannot read allow-list {path})") from exc
    terms: list[str] = []
    patterns: list[re.Pattern] = []
    where: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if entry.startswith(REGEX_PREFIX):
            source = entry[len(REGEX_PREFIX):].strip()
            try:
                patterns.append(re.compile(source))
            except re.error as exc:
                raise ConfigError(f"允许列表 {path}:{number} 的正则表达式无效：{exc} "
                                  f"(invalid regex at {path}:{number}: {exc})") from None
            where[REGEX_PREFIX + source] = number
        else:
            term = normalize(entry).text
            terms.append(term)
            where.setdefault(term, number)
    return AllowList(terms, patterns, where)


class Spans:
    """Sorted, merged spans; answers 'is [start, end) inside one of them' by bisection."""

    def __init__(self, spans: list[tuple[int, int]]):
        merged: list[list[int]] = []
        for s, e in sorted(spans):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self.starts = [s for s, _ in merged]
        self.ends = [e for _, e in merged]

    def __bool__(self) -> bool:
        return bool(self.starts)

    def covers(self, start: int, end: int) -> bool:
        k = bisect.bisect_right(self.starts, start) - 1
        return k >= 0 and end <= self.ends[k]
