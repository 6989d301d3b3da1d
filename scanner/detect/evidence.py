"""Tiers of evidence: a class's score from the best window of a document, not from its length."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from scanner.config import DetectSettings
from scanner.model import CATEGORIES

STRONG, WEAK = "strong", "weak"
TIERS = (STRONG, WEAK)


# How evidence adds up: the [detect] settings of the same names (window_chars, repeat_bonus, raise_min...).
Weights = DetectSettings


@dataclass
class TermEvidence:
    """One distinct term in the best window: its tier, occurrences, strongest context and value."""

    term: str
    tier: str
    weight: float
    count: int
    factor: float
    value: float
    context: tuple[str, ...] = ()


@dataclass
class ClassEvidence:
    """Why a class scored what it did: the best window's terms, by tier, and the public signs."""

    category: str
    value: float = 0.0  # evidence of the best window, after public signs
    start: int = 0  # the best window, in normalised text
    end: int = 0
    terms: list[TermEvidence] = field(default_factory=list)
    public: float = 1.0  # the factor of the public signs applied
    handling: tuple[str, ...] = ()  # handling instructions in the window (不得外传, 看完就删)
    specifics: int = 0  # concrete details in the window (numbers with units, dates, code names)

    @property
    def strong(self) -> list[TermEvidence]:
        return [t for t in self.terms if t.tier == STRONG]

    @property
    def weak(self) -> list[TermEvidence]:
        return [t for t in self.terms if t.tier == WEAK and t.value > 0]

    @property
    def context(self) -> list[str]:
        seen: dict[str, None] = {}
        for t in self.terms:
            for word in t.context:
                seen.setdefault(word, None)
        return list(seen)

    def lower(self, factor: float) -> None:
        """Apply the factor of the public signs (the best window stays the best: it is one factor)."""
        self.value *= factor
        self.public *= factor

    def score(self, scale: float) -> float:
        return 1.0 - math.exp(-self.value / scale)


def _window_value(hits, weights: Weights, handled: bool, specifics: int) -> tuple[float, list[TermEvidence]]:
    """Evidence of the hits of one class inside one window.

    Strong terms count on their own, each distinct term once, its repeats adding `repeat_bonus`
    up to `repeat_cap` times. A weak term counts in full where a context word raised it (factor >=
    raise_min) or where the window holds a handling instruction; otherwise it counts, by
    `weak_gain`, only beside strong evidence, or where the window is concrete (`specifics_min`
    details and `specifics_min_terms` distinct weak terms). Weak evidence adds at most `weak_cap`
    (`handled_cap` under a handling instruction), so no pile of topic words makes a secret.
    """
    by_term: dict[object, list] = {}
    for hit in hits:
        entry = by_term.get(hit.term)
        if entry is None:
            by_term[hit.term] = [1, hit.factor, set(hit.context)]
        else:
            entry[0] += 1
            if hit.factor > entry[1]:  # max(), without the call
                entry[1] = hit.factor
            entry[2].update(hit.context)
    total, values, lift, counts = _sums(by_term, weights, handled, specifics)
    rows = []
    for (term, (count, factor, context)), value in zip(by_term.items(), values):
        if term.tier == WEAK and not handled and factor < weights.raise_min:
            value = value * lift if counts else 0.0
        rows.append(TermEvidence(term.term, term.tier, term.weight, count, factor, value, tuple(sorted(context))))
    return total, rows


def _window_total(hits, weights: Weights, handled: bool, specifics: int) -> float:
    """_window_value's evidence alone (the same sums in the same order), without its rows: most
    windows looked at are not the best one, and need no more."""
    by_term: dict[object, list] = {}
    for hit in hits:
        entry = by_term.get(hit.term)
        if entry is None:
            by_term[hit.term] = [1, hit.factor]
        else:
            entry[0] += 1
            if hit.factor > entry[1]:
                entry[1] = hit.factor
    return _sums(by_term, weights, handled, specifics)[0]


def _sums(by_term: dict, weights: Weights, handled: bool, specifics: int) -> tuple[float, list[float], float, bool]:
    """(evidence, each term's value before the lift, the lift, whether plain weak terms count)."""
    h = weights.handling_factor if handled else 1.0
    strong = raised = plain = 0.0
    weak_terms = 0
    values = []
    for term, entry in by_term.items():
        count, factor = entry[0], entry[1]
        base = term.weight * factor
        if term.tier == STRONG:
            value = base * h * (1.0 + weights.repeat_bonus * min(count - 1, weights.repeat_cap))
            strong += value
        elif handled or factor >= weights.raise_min:
            value = base * h
            raised += value
            weak_terms += 1
        else:
            value = base * weights.weak_gain
            plain += value
            weak_terms += 1
        values.append(value)
    concrete = specifics >= weights.specifics_min and weak_terms >= weights.specifics_min_terms
    # Plain weak terms: lifted by concrete details, counted beside strong evidence or in a concrete
    # window, and otherwise they said nothing here.
    lift = 1.0 + weights.specifics_step * min(specifics, weights.specifics_max) if concrete else 1.0
    counts = strong > 0 or concrete
    weak = raised + (plain * lift if counts else 0.0)
    return strong + min(weights.handled_cap if handled else weights.weak_cap, weak), values, lift, counts


def _count(starts: list[int], lo: int, hi: int) -> int:
    return bisect.bisect_left(starts, hi) - bisect.bisect_left(starts, lo)


def best_evidence(hits, weights: Weights, signals=()) -> dict[str, ClassEvidence]:
    """Per class, the window of `window_chars` characters with the most evidence.

    Windows are centred on hits that can carry evidence: strong hits, weak hits raised by context,
    and (every 50 characters at most) weak hits near a handling instruction or concrete details.
    A long ordinary document gains nothing from its length: only density counts. Public signs
    are applied afterwards (`ClassEvidence.lower`).
    """
    half = weights.window_chars // 2
    handling = [s for s in signals if s.kind == "handling"]
    handling_starts = [s.start for s in handling]
    specific_starts = [s.start for s in signals if s.kind != "handling"]
    per_class: dict[str, list] = {c: [] for c in CATEGORIES}
    for hit in hits:
        per_class[hit.term.category].append(hit)
    out = {}
    for category, class_hits in per_class.items():
        best = ClassEvidence(category)
        if class_hits:
            class_hits.sort(key=lambda h: h.start)
            starts = [h.start for h in class_hits]
            last_strong = last_weak = -weights.window_chars
            summed: set[tuple] = set()
            for h in class_hits:
                a = h.start
                if h.term.tier == STRONG or h.factor >= weights.raise_min:
                    if a - last_strong < 8:  # a window a few characters later is nearly the same
                        continue
                    last_strong = a
                else:
                    if a - last_weak < 50 or not (_count(handling_starts, a - half, a + half)
                                                  or _count(specific_starts, a - half, a + half) >= weights.specifics_min):
                        continue
                    last_weak = a
                lo_c, hi_c = a - half, a + half
                lo = bisect.bisect_left(starts, lo_c)
                hi = bisect.bisect_left(starts, hi_c)
                n_handling = _count(handling_starts, lo_c, hi_c)
                details = _count(specific_starts, lo_c, hi_c)
                # The same hits, instruction and details as a window already summed: the same evidence,
                # which cannot beat the best so far (it is at least that window's).
                key = (lo, hi, n_handling > 0, details)
                if key in summed:
                    continue
                summed.add(key)
                value = _window_total(class_hits[lo:hi], weights, n_handling > 0, details)
                if value > best.value:
                    value, rows = _window_value(class_hits[lo:hi], weights, n_handling > 0, details)
                    first = bisect.bisect_left(handling_starts, lo_c)
                    said = tuple(dict.fromkeys(s.text for s in handling[first:first + n_handling]))
                    best = ClassEvidence(category, value, class_hits[lo].start,
                                         max(x.end for x in class_hits[lo:hi]), rows, 1.0, said,
                                         details if details >= weights.specifics_min else 0)
        out[category] = best
    return out
