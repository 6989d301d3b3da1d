"""Lexicon matching with Aho-Corasick: terms per class with a tier and weight, context words, an allow-list."""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from scanner.config import Config
from scanner.detect.allowlist import REGEX_PREFIX, AllowList, Spans, read_allow_list
from scanner.detect.anchors import AnchorFilter
from scanner.detect.boundaries import cut_through
from scanner.detect.evidence import STRONG, TIERS, WEAK, ClassEvidence, Weights, best_evidence
from scanner.detect.normalize import normalize
from scanner.detect.public import PublicSign, PublicSigns, public_factor
from scanner.detect.signals import WindowSignals
from scanner.detect.substrings import Substrings
from scanner.detect.registry import DetectContext, DetectorOutput, lexicon_folder, register
from scanner.errors import ConfigError
from scanner.model import CATEGORIES, Finding

# Occurrences of one term kept as evidence; more add to the score but not to the list.
MAX_EVIDENCE_PER_TERM = 5
CONTEXT_FILE = "context.txt"
ALLOW_FILE = "allow.txt"

_TERM, _CONTEXT, _ALLOW = 0, 1, 2
_RULES = {c: f"lexicon.{c}" for c in CATEGORIES}


@dataclass(frozen=True, eq=False)
class Term:
    """One term of one class. Compared by identity: each is loaded once, and hashing is hot."""

    term: str
    category: str
    weight: float
    tier: str = WEAK  # strong: evidence on its own; weak: a topic that only raises other evidence


@dataclass(frozen=True)
class ContextWord:
    """A word (or, with `pattern`, a regular expression) that near a term multiplies its weight:
    above 1 raises confidence, below 1 lowers it."""

    word: str
    factor: float
    categories: frozenset[str] | None = None  # None: every class
    pattern: re.Pattern | None = None


class Hit(NamedTuple):
    """One occurrence of a term (a tuple: tens of thousands are made per megabyte of statutes)."""

    term: Term
    start: int  # offsets in the normalised text
    end: int
    factor: float = 1.0
    context: tuple[str, ...] = ()  # the context words that set the factor


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


def default_tier(category: str) -> str:
    """The tier of a line without one: an organisation's secret-scope list (class other) names what
    is secret, so its terms are strong; a class file's unmarked terms are topics."""
    return STRONG if category == "other" else WEAK


def read_lexicon(path: Path, category: str) -> list[Term]:
    """Read `term<TAB>weight[<TAB>tier]` lines; the key named in an error is file:line."""
    terms: list[Term] = []
    for number, parts in _read_lines(path, "词表"):
        # Terms are stored as they will be matched: normalised.
        term = normalize(parts[0]).text.strip()
        weight = _weight(parts[1] if len(parts) > 1 else "", path, number)
        tier = parts[2] if len(parts) > 2 and parts[2] else default_tier(category)
        if not term or weight <= 0:
            raise ConfigError(f"词表 {path}:{number} 的词条无效 (invalid term at {path}:{number})")
        if tier not in TIERS:
            raise ConfigError(f"词表 {path}:{number} 的层级应为 strong 或 weak，实际为 {tier} "
                              f"(tier must be strong or weak at {path}:{number})")
        terms.append(Term(term, category, weight, tier))
    return terms


def read_context(path: Path) -> list[ContextWord]:
    """Read `word<TAB>factor[<TAB>class,class]` lines; `re:` before the word makes it a regular
    expression over normalised text (concrete numbers, code names)."""
    words: list[ContextWord] = []
    for number, parts in _read_lines(path, "上下文词表"):
        pattern = None
        if parts[0].startswith(REGEX_PREFIX):
            word = parts[0][len(REGEX_PREFIX):].strip()
            try:
                pattern = re.compile(word)
            except re.error as exc:
                raise ConfigError(f"上下文词表 {path}:{number} 的正则表达式无效：{exc} "
                                  f"(invalid regex at {path}:{number})") from None
        else:
            word = normalize(parts[0]).text.strip()
        factor = _weight(parts[1] if len(parts) > 1 else "", path, number, default=0.0)
        classes = frozenset(c.strip() for c in parts[2].split(",") if c.strip()) if len(parts) > 2 else None
        if not word or factor <= 0:
            raise ConfigError(f"上下文词表 {path}:{number} 的词条无效 (invalid context word at {path}:{number})")
        if classes and not classes <= set(CATEGORIES):
            raise ConfigError(f"上下文词表 {path}:{number} 的类别未知：{', '.join(sorted(classes - set(CATEGORIES)))} "
                              f"(unknown class at {path}:{number})")
        words.append(ContextWord(word, factor, classes or None, pattern))
    return words


class Lexicon:
    """Terms, context words and allowed terms in one automaton, matched in a single pass."""

    def __init__(self, terms: list[Term], context: list[ContextWord] = (), allow: AllowList | None = None,
                 window: int = 20, boundary_chars: int = 0):
        self.terms = terms
        self.context = [w for w in context if w.pattern is None]
        self.patterns = [w for w in context if w.pattern is not None]
        self.allow = allow or AllowList()
        self.window = window
        # Hits of at most this many characters count only where word segmentation does not cut
        # through them (0: no check).
        self.boundary_chars = boundary_chars
        entries: dict[str, list[list]] = defaultdict(lambda: [[], [], False])
        for term in terms:
            entries[term.term][_TERM].append(term)
        for word in self.context:
            entries[word.word][_CONTEXT].append(word)
        for term in self.allow.terms:
            entries[term][_ALLOW] = True
        # Per key: its terms, its context words, whether it is allowed.
        self._entries = {key: (tuple(ts), tuple(cs), allowed) for key, (ts, cs, allowed) in entries.items()}
        self._index: Substrings | None = None  # built on first use, or shared (share)
        self._keys: list = []  # the entry of each key of the index, None for keys of others
        self._empty = not entries
        # The context expressions, tried only where their literal prefixes occur (anchors.py).
        self._context_filter = AnchorFilter([w.pattern for w in self.patterns], cache=True) if self.patterns else None

    def keys(self) -> list[str]:
        return list(dict.fromkeys([*self._entries, *(self._context_filter.keys() if self._context_filter else ())]))

    def share(self, index: Substrings) -> None:
        """Search with `index`, which holds this lexicon's keys among others."""
        self._index = index
        self._keys = index.table(self._entries)
        if self._context_filter is not None:
            self._context_filter.share(index)

    @classmethod
    def from_dir(cls, folder: Path, other: Path | None = None, allow: Path | None = None,
                 window: int = 20, boundary_chars: int = 0) -> "Lexicon":
        """The class files of `folder`; `other` adds an organisation's secret-scope list to class other."""
        if not folder.is_dir():
            raise ConfigError(f"词表目录不存在：{folder} (lexicon folder not found: {folder})")
        terms: list[Term] = []
        for category in CATEGORIES:
            path = folder / f"{category}.txt"
            if path.is_file():
                terms.extend(read_lexicon(path, category))
        if other is not None:
            if not other.is_file():
                raise ConfigError(f"保密事项范围词表不存在：{other} (secret-scope list not found: {other})")
            terms.extend(read_lexicon(other, "other"))
        context = read_context(folder / CONTEXT_FILE) if (folder / CONTEXT_FILE).is_file() else []
        if allow is not None and not allow.is_file():
            raise ConfigError(f"允许列表不存在：{allow} (allow-list not found: {allow})")
        allow = allow or (folder / ALLOW_FILE if (folder / ALLOW_FILE).is_file() else None)
        return cls(terms, context, read_allow_list(allow) if allow else None, window, boundary_chars)

    def find(self, text: str, found: list[tuple[int, int, int]] | None = None) -> list[Hit]:
        """Term hits outside allowed spans and not cut by word boundaries, each with the factor of
        the context words near it. `found`: the occurrences in `text` of the shared index's keys."""
        if self._empty:
            return []
        if self._index is None:
            self.share(Substrings(self.keys()))
        if found is None:
            found = self._index.find(text)
        raw: list[tuple[int, int, tuple]] = []
        near: list[tuple[int, int, tuple]] = []
        allowed: list[tuple[int, int]] = []
        add_raw, add_near, add_allowed = raw.append, near.append, allowed.append
        keys = self._keys
        for index, start, end in found:
            entry = keys[index]
            if entry is None:
                continue
            terms, words, allow = entry
            if terms:
                add_raw((start, -end, terms))  # sorts as _kept wants: by start, longest first
            if words:
                add_near((end, start, words))
            if allow:
                add_allowed((start, end))
        if not raw:
            return []
        raw = self._kept(text, raw, Spans(allowed + self.allow.regex_spans(text)))
        if not raw:
            return []
        # Context words in the order the single pass used to give them: by end, then longest first.
        near.sort()
        near = [(s, e, words) for e, s, words in near]
        if self._context_filter is not None:  # the same matches as each expression's finditer, in its order
            flt = self._context_filter
            for index, starts in flt.scan(text, found):
                word = self.patterns[index]
                near.extend((m.start(), m.end(), (word,)) for m in flt.matches(index, text, starts) if m.end() > m.start())
        if self.patterns:
            near.sort(key=lambda n: n[0])
        near_starts = [s for s, _, _ in near]
        hits = []
        add = hits.append
        reach = self.window + 64
        for start, end, terms in raw:
            # Only hits with a context word within reach need the full look (most have none).
            k = bisect.bisect_left(near_starts, start - reach)
            close = k < len(near_starts) and near_starts[k] < end + self.window
            for term in terms:
                if close:
                    factor, words = self._factor(term, start, end, near, near_starts, text)
                    add(Hit(term, start, end, factor, words))
                else:
                    add(Hit(term, start, end))
        return hits

    def _kept(self, text: str, raw: list[tuple[int, int, tuple]], spans: Spans) -> list[tuple[int, int, tuple]]:
        """The outermost hits not inside an allowed span and not cut by word boundaries.

        The same hits as dropping the allowed and cut ones first and then those inside a longer
        remaining hit (_outermost), but a hit inside a kept one is dropped before it is looked at,
        so the boundary check (a word segmentation) runs only on hits that could be kept.
        """
        raw.sort()  # (start, -end, terms): by start, longest first; no two share a span
        short = self.boundary_chars
        kept: list[tuple[int, int, tuple]] = []
        add = kept.append
        reach = -1
        allowed = bool(spans)
        for start, end, terms in raw:
            end = -end
            if end <= reach:
                continue
            if allowed and spans.covers(start, end):
                continue
            if short and end - start <= short and cut_through(text, start, end):
                continue
            add((start, end, terms))
            reach = end
        return kept

    def _factor(self, term: Term, start: int, end: int, near, near_starts, text) -> tuple[float, tuple[str, ...]]:
        """Strongest raise times strongest lowering among context words within the window."""
        lo = bisect.bisect_left(near_starts, start - self.window - 64)
        hi = bisect.bisect_right(near_starts, end + self.window)
        up, down = 1.0, 1.0
        up_word = down_word = None
        for s, e, words in near[lo:hi]:
            if e > start - self.window and s < end + self.window and (e <= start or s >= end):
                for word in words:
                    if word.categories is None or term.category in word.categories:
                        if word.factor > up:
                            up, up_word = word.factor, text[s:e]
                        elif word.factor < down:
                            down, down_word = word.factor, text[s:e]
        return up * down, tuple(w for w in (up_word, down_word) if w)


def score(hits: list[Hit], scale: float, weights: Weights = Weights(), public: float = 1.0) -> dict[str, float]:
    """Class scores in [0, 1): 1 - exp(-E/scale), E the evidence of the best window (evidence.py)."""
    classes = best_evidence(hits, weights)
    for ev in classes.values():
        ev.lower(public)
    return {c: ev.score(scale) for c, ev in classes.items()}


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
    """Terms of each class found in the text, as findings `lexicon.<class>` with their tier, and
    class evidence from the best window of the document, lowered where the text is already public."""

    def __init__(self, config: Config):
        settings = config.detect
        other = Path(settings.other_lexicon) if settings.other_lexicon else None
        allow = Path(settings.allow_list) if settings.allow_list else None
        folder = lexicon_folder(config)
        boundary = settings.boundary_max_chars if settings.word_boundaries else 0
        self.lexicon = Lexicon.from_dir(folder, other, allow, settings.context_window, boundary)
        self.public = PublicSigns.from_dir(folder)
        self.signals = WindowSignals.from_dir(folder)
        # One pass over a text finds the terms and the prefixes of the signals' and signs' expressions.
        self.index = Substrings(list(dict.fromkeys([*self.lexicon.keys(), *self.signals.keys(), *self.public.keys()])))
        for part in (self.lexicon, self.signals, self.public):
            part.share(self.index)
        self.scale = settings.score_scale
        self.weights: Weights = settings  # the weights of evidence are the [detect] settings
        self.most_raise = 1.0 + settings.classifier_weight
        self.topic_most = settings.topic_weight * settings.handling_factor
        self.lowest_threshold = min(settings.thresholds.values())
        self.short_chars = settings.short_text_chars
        self.width = settings.context_chars

    def detect(self, ctx: DetectContext) -> DetectorOutput:
        found = self.index.find(ctx.norm.text)
        hits = self.lexicon.find(ctx.norm.text, found)
        reach = self.weights.window_chars // 2 + 16  # a signal matters only inside a window around a hit
        short = len(ctx.norm.text) <= self.short_chars
        signals = (self.signals.find(ctx.norm.text, None if short else [(h.start - reach, h.end + reach) for h in hits],
                                     found)
                   if hits or short else [])
        classes = best_evidence(hits, self.weights, signals=signals)
        signs: list[PublicSign] = []
        checked = False
        # Public signs only lower a score: look for them only where a class could reach its threshold
        # (its evidence raised as far as the classifier can, plus a topic under a handling instruction).
        handled = any(s.kind == "handling" for s in signals)
        reachable = max(ev.value for ev in classes.values()) * self.most_raise + (self.topic_most * 2 if handled else 0.0)
        if reachable > 0 and 1.0 - math.exp(-reachable / self.scale) >= self.lowest_threshold:
            signs = self.public.find(ctx.norm.text, found)
            checked = True
            factor = public_factor(signs)
            for ev in classes.values():
                ev.lower(factor)
        findings = []
        to_original, locate, snippet, original = ctx.norm.span_to_original, ctx.locate, ctx.document.snippet, ctx.document.text
        for hit in evidence(hits):
            term = hit.term
            start, end = to_original(hit.start, hit.end)
            findings.append(Finding(
                rule=_RULES[term.category],
                category=term.category,
                text=original[start:end],
                start=start,
                end=end,
                location=locate(start),
                score=min(1.0, term.weight * hit.factor / 2.0),
                context=snippet(start, end, self.width),
                tier=term.tier,
            ))
        return DetectorOutput(findings=findings, scores={c: ev.score(self.scale) for c, ev in classes.items()},
                              evidence=classes, public=signs, signals=signals, public_checked=checked)
