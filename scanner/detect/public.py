"""Signs that a text is already public (a law, a news report, a past exam paper): they lower evidence."""

from __future__ import annotations

import datetime as _dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from scanner.detect.anchors import AnchorFilter, kept
from scanner.detect.lazy_regex import LazyPattern
from scanner.detect.substrings import Substrings
from scanner.errors import ConfigError

PUBLIC_FILE = "public.toml"


@dataclass(frozen=True)
class PublicSign:
    """One sign that held in a document, with the text that showed it."""

    id: str
    name: str
    name_en: str
    factor: float
    text: str


@dataclass(frozen=True)
class _Rule:
    id: str
    name: str
    name_en: str
    factor: float
    count: tuple[LazyPattern, ...]
    min_count: int
    any: tuple[LazyPattern, ...]
    past_year: str | None


def _lazy(patterns, where: str, named: list) -> tuple[LazyPattern, ...]:
    """The expressions, compiled when first used (lazy_regex.py); each listed in `named` with `where`."""
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise ConfigError(f"{where} 应为字符串列表 ({where} must be a list of strings)")
    out = tuple(LazyPattern(p) for p in patterns)
    named.extend((p, where) for p in out)
    return out


def _compile_all(named: list) -> None:
    """Compile every expression (naming the first bad one), unless an earlier process did (lazy_regex.py)."""
    if kept([p for p, _ in named]):
        return
    for pattern, where in named:
        try:
            pattern.compile()
        except re.error as exc:
            raise ConfigError(f"{where} 的正则表达式无效：{exc} (invalid regular expression in {where})") from None


def read_public_signs(path: Path) -> list[_Rule]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"无法读取公开迹象文件 {path}：{exc} (cannot read public signs {path})") from exc
    rules = []
    named: list = []  # every expression, in the order of the rules, with where it is
    for n, raw in enumerate(data.get("sign", []), start=1):
        where = f"{path} [[sign]] #{n}"
        try:
            factor = float(raw["factor"])
            rule = _Rule(str(raw["id"]), str(raw["name"]), str(raw.get("name_en", raw["id"])), factor,
                         _lazy(raw["count"], f"{where}.count", named), int(raw.get("min_count", 1)),
                         _lazy(raw.get("any", []), f"{where}.any", named), raw.get("past_year"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"公开迹象 {where} 无效：{exc} (invalid sign {where})") from None
        if not 0.0 < factor <= 1.0:
            raise ConfigError(f"公开迹象 {where} 的 factor 应在 (0, 1] 之间 (factor must be in (0, 1] in {where})")
        rules.append(rule)
    _compile_all(named)
    return rules


class PublicSigns:
    """The signs of one lexicon folder, applied to a document's normalised text."""

    def __init__(self, rules: list[_Rule], today: _dt.date | None = None):
        self.rules = rules
        self.today = today
        # Every count and any expression of every rule, in one list for the prefilter (anchors.py).
        self._index = {id(p): i for i, p in enumerate(p for r in rules for p in (*r.count, *r.any))}
        self._filter = AnchorFilter([p for r in rules for p in (*r.count, *r.any)], cache=True)

    @classmethod
    def from_dir(cls, folder: Path) -> "PublicSigns":
        path = folder / PUBLIC_FILE
        return cls(read_public_signs(path) if path.is_file() else [])

    def keys(self) -> list[str]:
        return self._filter.keys()

    def share(self, index: Substrings) -> None:
        self._filter.share(index)

    def find(self, text: str, occurrences: list[tuple[int, int, int]] | None = None) -> list[PublicSign]:
        """The signs that hold in `text`; `occurrences`: those of the keys of the index shared with `share`."""
        found = []
        # An expression none of whose literal prefixes occurs in the text has no match: it is not run;
        # one whose prefixes are listed is tried only where they occur (anchors.py).
        possible = dict(self._filter.scan(text, occurrences))
        for rule in self.rules:
            sign = self._holds(rule, text, possible)
            if sign is not None:
                found.append(sign)
        return found

    def _holds(self, rule: _Rule, text: str, possible: dict[int, list[int] | None]) -> PublicSign | None:
        count, first = 0, None
        for pattern in rule.count:
            index = self._index[id(pattern)]
            if index not in possible:
                continue
            for m in self._filter.matches(index, text, possible[index]):
                count += 1
                first = first or m.group().strip()
                if count >= rule.min_count:
                    break
            if count >= rule.min_count:
                break
        if count < rule.min_count:
            return None
        if rule.any:
            shown = self._any(rule, text, possible)
            if shown is None:
                return None
            first = shown
        return PublicSign(rule.id, rule.name, rule.name_en, rule.factor, (first or "")[:40])

    def _any(self, rule: _Rule, text: str, possible: dict[int, list[int] | None]) -> str | None:
        year_now = (self.today or _dt.date.today()).year
        for pattern in rule.any:
            index = self._index[id(pattern)]
            if index not in possible:
                continue
            for m in self._filter.matches(index, text, possible[index]):
                if rule.past_year and rule.past_year in pattern.groupindex:
                    if int(m.group(rule.past_year)) >= year_now:
                        continue
                return m.group().strip()
        return None


def public_factor(signs: list[PublicSign]) -> float:
    return min((s.factor for s in signs), default=1.0)
