"""Evidence as passages of text: every match highlighted once, overlapping matches merged, nearby ones together.

A result keeps each finding's offsets into the extracted text and a little text either side of
it; those windows, laid at their offsets, give back the passages of the text around the
evidence without storing the text itself. The same highlighting serves the full text when it is
read again (viewer.py). Highlights are built as pieces (text, marks) from offsets, never by
replacing strings in markup: the templates escape every piece.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TIER_ORDER = ("marking", "strong", "model", "weak", "")  # the strongest first: a merged mark shows it
MAX_PASSAGES = 100


@dataclass(frozen=True)
class Span:
    """One match: offsets into the text and what matched it (tier, class, rule)."""

    start: int
    end: int
    tier: str
    category: str | None
    rule: str
    location: str = ""
    text: str = ""


@dataclass
class Piece:
    """A run of text; `spans` are the matches covering it (empty: plain text)."""

    text: str
    spans: list[Span] = field(default_factory=list)

    @property
    def tier(self) -> str:
        return min((s.tier for s in self.spans), key=lambda t: TIER_ORDER.index(t) if t in TIER_ORDER else 9,
                   default="")


@dataclass
class Passage:
    """Consecutive known text around one or more matches, cut into pieces, with where it stands."""

    start: int
    pieces: list[Piece]
    location: str
    terms: list[str]


def spans_of(doc: dict) -> list[Span]:
    """The findings and marks of a result document as spans (marks first: they are the strongest)."""
    spans = [Span(m["start"], m["end"], "marking", None, f"marking.{m.get('kind', '')}", m.get("location", ""),
                  m.get("text", ""))
             for m in doc.get("markings", []) if m.get("end", 0) > m.get("start", 0)]
    spans += [Span(f["start"], f["end"], f.get("tier") or "", f.get("category"), f.get("rule", ""),
                   f.get("location", ""), f.get("text", "")) for f in doc.get("findings", []) if f.get("end", 0) > f.get("start", 0)]
    return spans


def text_fits(stored: str, actual: str) -> bool:
    """Whether a finding's stored text is the text at its offsets: the same characters, or the excerpt
    a model's passage is stored as (detect/classifier.py excerpt: whitespace runs as one space, ends
    stripped, a long one cut with "…"). A PDF line begins with its indentation, so the passage of a
    line never equals its excerpt character for character."""
    if stored == actual:
        return True
    squeezed = " ".join(actual.split())
    if stored == squeezed:
        return True
    return len(stored) > 1 and stored.endswith("…") and len(squeezed) >= len(stored) and \
        squeezed.startswith(stored[:-1])


def pieces(text: str, base: int, spans: list[Span]) -> list[Piece]:
    """`text` (which starts at offset `base`) cut at every span boundary; overlapping spans merge into one mark."""
    end = base + len(text)
    inside = sorted((s for s in spans if s.start < end and s.end > base), key=lambda s: (s.start, -s.end))
    groups: list[tuple[int, int, list[Span]]] = []
    for span in inside:
        if groups and span.start < groups[-1][1]:  # overlaps the mark before (武器 inside 武器装备)
            start, stop, members = groups[-1]
            groups[-1] = (start, max(stop, span.end), members + [span])
        else:
            groups.append((span.start, span.end, [span]))
    out: list[Piece] = []
    pos = base
    for start, stop, members in groups:
        start, stop = max(start, base), min(stop, end)
        if start > pos:
            out.append(Piece(text[pos - base:start - base]))
        out.append(Piece(text[start - base:stop - base], members))
        pos = stop
    if pos < end:
        out.append(Piece(text[pos - base:]))
    return out


def _known_text(doc: dict) -> dict[int, str]:
    """Characters of the extracted text whose offsets the stored findings and marks tell."""
    known: dict[int, str] = {}

    def lay(start: int, chars: str) -> None:
        for i, ch in enumerate(chars):
            known.setdefault(start + i, ch)

    for f in doc.get("findings", []):
        ctx = f.get("context") or {}
        before, after = ctx.get("before", ""), ctx.get("after", "")
        if len(f.get("text", "")) != f["end"] - f["start"]:
            continue  # offsets that do not fit the text: shown without context rather than misplaced
        lay(f["start"] - len(before), before + f["text"] + after)
    for m in doc.get("markings", []):
        if len(m.get("text", "")) == m.get("end", 0) - m.get("start", 0):
            lay(m["start"], m["text"])
    return known


def passages_of(doc: dict, limit: int = MAX_PASSAGES) -> tuple[list[Passage], int]:
    """The passages of a stored result (each a run of known text), and how many were left out over `limit`."""
    known = _known_text(doc)
    spans = spans_of(doc)
    runs: list[tuple[int, str]] = []
    for offset in sorted(known):
        if runs and offset == runs[-1][0] + len(runs[-1][1]):
            runs[-1] = (runs[-1][0], runs[-1][1] + known[offset])
        else:
            runs.append((offset, known[offset]))
    out = []
    for start, text in runs[:limit]:
        cut = pieces(text, start, spans)
        inside = [s for p in cut for s in p.spans]
        terms = list(dict.fromkeys(p.text for p in cut if p.spans))
        places = list(dict.fromkeys(s.location for s in sorted(inside, key=lambda s: s.start) if s.location))
        where = places[0] if len(places) == 1 else f"{places[0]} – {places[-1]}" if places else ""
        out.append(Passage(start, cut, where, terms))
    return out, max(0, len(runs) - limit)


def legend() -> list[str]:
    """The highlight classes in the order a legend lists them."""
    return [t for t in TIER_ORDER if t]
