"""Lexicon matching with Aho-Corasick: weighted terms per class, context words, an allow-list."""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from scanner.config import Config
from scanner.detect.allowlist import AllowList, Spans, read_allow_list
from scanner.detect.normalize import normalize
from scanner.detect.registry import DetectContext, DetectorOutput, lexicon_folder, register
from scanner.errors import ConfigError
from scanner.model import CATEGORIES, Finding

# Occurrences of one term kept as evidence; more add to the score but not to the list.
MAX_EVIDENCE_PER_TERM = 5
CONTEXT_FILE = "context.txt"
ALLOW_FILE = "allow.txt"

_TERM, _CONTEXT, _ALLOW = 0, 1, 2


@dataclass(frozen=True, eq=False)
class Term:
    """One term of one class. Compared by identity: each is loaded once, and hashing is hot."""

    term: str
    category: str
    weight: float


@dataclass(frozen=True)
class ContextWord:
    """A word that, near a term, multiplies its weight: above 1 raises confidence, below 1 lowers it."""

    word: str
    factor: float
    categories: frozenset[str] | None = None  # None: every class


@dataclass(frozen=True)
class Hit:
    term: Term
    start: int  # offsets in the normalised text
    end: int
    factor: float = 1.0


def _read_lines(path: Path, what: str) -> list[tuple[int, list[str]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"无法读取{what} {path}：{exc} (cannot read {path})") from exc
    rows = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            rows.append((number, [p.strip() for p in line.split("\t")]))
    return rows


def _weight(value: str, path: Path, number: int, default: float = 1.0) -> float:
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise ConfigError(f"词表 {path}:{number} 的权重不是数字 (weight is not a number at {path}:{number})") from None


def read_lexicon(path: Path, category: str) -> list[Term]:
    """Read `term<TAB>weight` lines; the key named in an error is file:line."""
    terms: list[Term] = []
    for number, parts in _read_lines(path, "词表"):
        # Terms are stored as they will be matched: normalised.
        term = normalize(parts[0]).text.strip()
        weight = _weight(parts[1] if len(parts) > 1 else "", path, number)
        if not term or weight <= 0:
            raise ConfigError(f"词表 {path}:{number} 的词条无效 (invalid term at {path}:{number})")
        terms.append(Term(term, category, weight))
    return terms


def read_context(path: Path) -> list[ContextWord]:
    """Read `word<TAB>factor[<TAB>class,class]` lines."""
    words: list[ContextWord] = []
    for number, parts in _read_lines(path, "上下文词表"):
        word = normalize(parts[0]).text.strip()
        factor = _weight(parts[1] if len(parts) > 1 else "", path, number, default=0.0)
        classes = frozenset(c.strip() for c in parts[2].split(",") if c.strip()) if len(parts) > 2 else None
        if not word or factor <= 0:
            raise ConfigError(f"上下文词表 {path}:{number} 的词条无效 (invalid context word at {path}:{number})")
        if classes and not classes <= set(CATEGORIES):
            raise ConfigError(f"上下文词表 {path}:{number} 的类别未知：{', '.join(sorted(classes - set(CATEGORIES)))} "
                              f"(unknown class at {path}:{number})")
        words.append(ContextWord(word, factor, classes or None))
    return words


class Lexicon:
    """Terms, context words and allowed terms in one automaton, matched in a single pass."""

    def __init__(self, terms: list[Term], context: list[ContextWord] = (), allow: AllowList | None = None,
                 window: int = 20):
        self.terms = terms
        self.context = list(context)
        self.allow = allow or AllowList()
        self.window = window
        entries: dict[str, list[list]] = defaultdict(lambda: [[], [], False])
        for term in terms:
            entries[term.term][_TERM].append(term)
        for word in self.context:
            entries[word.word][_CONTEXT].append(word)
        for term in self.allow.terms:
            entries[term][_ALLOW] = True
        self._automaton = ahocorasick.Automaton()
        for key, (ts, cs, allowed) in entries.items():
            self._automaton.add_word(key, (len(key), tuple(ts), tuple(cs), allowed))
        self._empty = not entries
        if not self._empty:
            self._automaton.make_automaton()

    @classmethod
    def from_dir(cls, folder: Path, other: Path | None = None, allow: Path | None = None,
                 window: int = 20) -> "Lexicon":
        if not folder.is_dir():
            raise ConfigError(f"词表目录不存在：{folder} (lexicon folder not found: {folder})")
        terms: list[Term] = []
        for category in CATEGORIES:
            path = folder / f"{category}.txt"
            if category == "other":
                path = other if other is not None else path
            if path.is_file():
                terms.extend(read_lexicon(path, category))
            elif category == "other" and other is not None:
                raise ConfigError(f"保密事项范围词表不存在：{other} (secret-scope list not found: {other})")
        context = read_context(folder / CONTEXT_FILE) if (folder / CONTEXT_FILE).is_file() else []
        if allow is not None and not allow.is_file():
            raise ConfigError(f"允许列表不存在：{allow} (allow-list not found: {allow})")
        allow = allow or (folder / ALLOW_FILE if (folder / ALLOW_FILE).is_file() else None)
        return cls(terms, context, read_allow_list(allow) if allow else None, window)

    def find(self, text: str) -> list[Hit]:
        """Term hits outside allowed spans, each with the factor of the context words near it."""
        if self._empty:
            return []
        raw: list[tuple[int, int, tuple]] = []
        near: list[tuple[int, int, tuple]] = []
        allowed: list[tuple[int, int]] = []
        add_raw, add_near, add_allowed = raw.append, near.append, allowed.append
        for end, (length, terms, words, allow) in self._automaton.iter(text):
            if terms:
                add_raw((end - length + 1, end + 1, terms))
            if words:
                add_near((end - length + 1, end + 1, words))
            if allow:
                add_allowed((end - length + 1, end + 1))
        if not raw:
            return []
        spans = Spans(allowed + self.allow.regex_spans(text))
        if spans:
            raw = [r for r in raw if not spans.covers(r[0], r[1])]
        near_starts = [s for s, _, _ in near]
        hits = []
        for start, end, terms in raw:
            for term in terms:
                factor = self._factor(term, start, end, near, near_starts) if near else 1.0
                hits.append(Hit(term, start, end, factor))
        return hits

    def _factor(self, term: Term, start: int, end: int, near, near_starts) -> float:
        """Strongest raise times strongest lowering among context words within the window."""
        lo = bisect.bisect_left(near_starts, start - self.window - 16)
        hi = bisect.bisect_right(near_starts, end + self.window)
        up, down = 1.0, 1.0
        for s, e, words in near[lo:hi]:
            if e > start - self.window and s < end + self.window and (e <= start or s >= end):
                for word in words:
                    if word.categories is None or term.category in word.categories:
                        up, down = max(up, word.factor), min(down, word.factor)
        return up * down


def score(hits: list[Hit], scale: float) -> dict[str, float]:
    """Class scores in [0, 1): 1 - exp(-S/scale), S = sum of weight * factor * (1 + ln count) per distinct term.

    A term's factor is the largest its context gave any of its occurrences.
    """
    counts: dict[Term, int] = defaultdict(int)
    factors: dict[Term, float] = defaultdict(float)
    for hit in hits:
        counts[hit.term] += 1
        factors[hit.term] = max(factors[hit.term], hit.factor)
    totals = {c: 0.0 for c in CATEGORIES}
    for term, count in counts.items():
        totals[term.category] += term.weight * factors[term] * (1.0 + math.log(count))
    return {c: 1.0 - math.exp(-s / scale) for c, s in totals.items()}


def evidence(hits: list[Hit]) -> list[Hit]:
    """The hits worth listing: the first few occurrences of each term, in text order."""
    seen: dict[Term, int] = defaultdict(int)
    kept = []
    for hit in sorted(hits, key=lambda h: (h.start, h.end)):
        seen[hit.term] += 1
        if seen[hit.term] <= MAX_EVIDENCE_PER_TERM:
            kept.append(hit)
    return kept


@register("lexicon")
class LexiconDetector:
    """Terms of each class found in the text, as findings `lexicon.<class>` and class scores."""

    def __init__(self, config: Config):
        settings = config.detect
        other = Path(settings.other_lexicon) if settings.other_lexicon else None
        allow = Path(settings.allow_list) if settings.allow_list else None
        self.lexicon = Lexicon.from_dir(lexicon_folder(config), other, allow, settings.context_window)
        self.scale = settings.score_scale
        self.width = settings.context_chars

    def detect(self, ctx: DetectContext) -> DetectorOutput:
        hits = self.lexicon.find(ctx.norm.text)
        findings = []
        for hit in evidence(hits):
            start, end = ctx.norm.span_to_original(hit.start, hit.end)
            findings.append(Finding(
                rule=f"lexicon.{hit.term.category}",
                category=hit.term.category,
                text=ctx.document.text[start:end],
                start=start,
                end=end,
                location=ctx.locate(start),
                score=min(1.0, hit.term.weight * hit.factor / 2.0),
                context=ctx.document.snippet(start, end, self.width),
            ))
        return DetectorOutput(findings=findings, scores=score(hits, self.scale))
