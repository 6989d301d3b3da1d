"""Lexicon matching with Aho-Corasick: one file of weighted terms per class."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from scanner.config import Config
from scanner.detect.normalize import normalize
from scanner.detect.registry import DetectContext, DetectorOutput, lexicon_folder, register
from scanner.errors import ConfigError
from scanner.model import CATEGORIES, Finding

# Occurrences of one term kept as evidence; more add to the score but not to the list.
MAX_EVIDENCE_PER_TERM = 5


@dataclass(frozen=True)
class Term:
    term: str
    category: str
    weight: float


@dataclass(frozen=True)
class Hit:
    term: Term
    start: int  # offsets in the normalised text
    end: int


def read_lexicon(path: Path, category: str) -> list[Term]:
    """Read `term<TAB>weight` lines; the key named in an error is file:line."""
    terms: list[Term] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"无法读取词表 {path}：{exc} (cannot read lexicon {path})") from exc
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        # Terms are stored as they will be matched: normalised.
        term = normalize(parts[0].strip()).text
        try:
            weight = float(parts[1]) if len(parts) > 1 and parts[1].strip() else 1.0
        except ValueError:
            raise ConfigError(f"词表 {path}:{number} 的权重不是数字 (weight is not a number at {path}:{number})") from None
        if not term or weight <= 0:
            raise ConfigError(f"词表 {path}:{number} 的词条无效 (invalid term at {path}:{number})")
        terms.append(Term(term, category, weight))
    return terms


class Lexicon:
    """All classes' terms in one automaton, matched in a single pass over the text."""

    def __init__(self, terms: list[Term]):
        self.terms = terms
        self._automaton = ahocorasick.Automaton()
        by_key: dict[str, list[Term]] = defaultdict(list)
        for term in terms:
            by_key[term.term].append(term)
        for key, entries in by_key.items():
            self._automaton.add_word(key, (len(key), tuple(entries)))
        self._empty = not by_key
        if not self._empty:
            self._automaton.make_automaton()

    @classmethod
    def from_dir(cls, folder: Path, other: Path | None = None) -> "Lexicon":
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
        return cls(terms)

    def find(self, text: str) -> list[Hit]:
        if self._empty:
            return []
        hits = []
        for end, (length, entries) in self._automaton.iter(text):
            for term in entries:
                hits.append(Hit(term, end - length + 1, end + 1))
        return hits


def score(hits: list[Hit], scale: float) -> dict[str, float]:
    """Class scores in [0, 1): 1 - exp(-S/scale), S = sum of weight * (1 + ln count) per distinct term."""
    counts: dict[Term, int] = defaultdict(int)
    for hit in hits:
        counts[hit.term] += 1
    totals = {c: 0.0 for c in CATEGORIES}
    for term, count in counts.items():
        totals[term.category] += term.weight * (1.0 + math.log(count))
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
        self.lexicon = Lexicon.from_dir(lexicon_folder(config), other)
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
                score=min(1.0, hit.term.weight / 2.0),
                context=ctx.document.snippet(start, end, self.width),
            ))
        return DetectorOutput(findings=findings, scores=score(hits, self.scale))
