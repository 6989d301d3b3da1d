"""Detection over bounded windows of a long text, so memory stays bounded whatever the text's size.

A text longer than the window is cut at line breaks into windows that each own a stretch of it and
also read `overlap` characters before and after that stretch. Every window is detected on its own
(normalised, marked, weighed, classified); a mark, finding or public sign is kept by the window
that owns its start, so one straddling a cut is found once, with its offsets in the whole text. A
class takes its score and evidence from the window where it scores highest, as the lexicon's own
evidence comes from the best window of a document.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from scanner.detect.classifier import MAX_EVIDENCE_PER_CLASS
from scanner.detect.lexicon import MAX_EVIDENCE_PER_TERM
from scanner.detect.normalize import normalize
from scanner.fingerprint.match import shifted
from scanner.model import CATEGORIES, Detection, Document, Location

# Characters of text one window owns, and read before and after it (longer than any mark's line,
# evidence window or classifier passage).
WINDOW_CHARS = 1_000_000
OVERLAP_CHARS = 5_000


class WindowDocument(Document):
    """Part of a document: its text from `shift`, located in the whole document."""

    def __init__(self, whole: Document, start: int, end: int):
        self.whole = whole
        self.shift = start
        self.text = whole.text[start:end]
        self.segments = whole.segments
        self.starts = whole.starts

    def segment_at(self, offset: int) -> int:
        return self.whole.segment_at(offset + self.shift)

    def locate(self, offset: int) -> Location:
        return self.whole.locate(offset + self.shift)


def cuts(text: str, window: int, overlap: int) -> list[tuple[int, int]]:
    """(start, end) of the stretches windows own: about `window` characters each, cut after a line
    break where there is one in the last `overlap` characters."""
    spans, start = [], 0
    while len(text) - start > window:
        end = start + window
        newline = text.rfind("\n", end - overlap, end)
        if newline > start:
            end = newline + 1
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    return spans


def _shift_window(record: dict | None, shift: int) -> dict | None:
    if not record or "window" not in record or not isinstance(record["window"], dict):
        return record
    window = dict(record["window"], start=record["window"]["start"] + shift, end=record["window"]["end"] + shift)
    return dict(record, window=window)


def detect_windowed(detect: Callable[[Document], Detection], document: Document, thresholds: dict,
                    topic_threshold: float, window: int = WINDOW_CHARS, overlap: int = OVERLAP_CHARS) -> Detection:
    """Detect `document` window by window with `detect` (the one-window detection) and merge."""
    text = document.text
    result = Detection()
    best: dict[str, float] = {c: 0.0 for c in CATEGORIES}
    topics: dict[str, float] = {}
    public: dict[str, dict] = {}
    for own_start, own_end in cuts(text, window, overlap):
        start = max(0, own_start - overlap)
        part = WindowDocument(document, start, min(len(text), own_end + overlap))
        found = detect(part)

        def owned(offset: int) -> bool:
            return own_start <= offset + start < own_end

        result.findings += [replace(f, start=f.start + start, end=f.end + start) for f in found.findings if owned(f.start)]
        for kept, marks in ((result.markings, found.markings), (result.mentions, found.mentions)):
            for m in marks:
                if owned(m.start):
                    # Only the first window holds the head of the document's first page.
                    position = "body" if m.position == "head" and own_start > 0 else m.position
                    kept.append(replace(m, start=m.start + start, end=m.end + start, position=position))
        result.fingerprints += shifted(found.fingerprints, start)  # registered documents (scanner/fingerprint/)
        for sign in found.public:
            public.setdefault(sign.get("id", repr(sign)), sign)
        for category in CATEGORIES:
            score = found.categories.get(category, 0.0)
            if score > best[category]:
                best[category] = score
                result.evidence.pop(category, None)
                if category in found.evidence:
                    record = _shift_window(found.evidence[category], start)
                    result.evidence[category] = dict(record, sensitivity=_shift_window(record.get("sensitivity"), start))
        for category, p in found.topic_scores.items():
            topics[category] = max(topics.get(category, 0.0), p)
    result.categories = best
    result.labels = [c for c in CATEGORIES if best[c] >= thresholds[c]]
    result.topic_scores = topics
    result.topics = [c for c, p in topics.items() if p >= topic_threshold]
    result.public = list(public.values())
    result.findings = _as_one_document(result.findings)
    result.findings.sort(key=lambda f: (f.start, f.end, f.rule))
    return result


def _as_one_document(findings: list) -> list:
    """The findings one detection of the whole text lists: the first few occurrences of each lexicon
    term (lexicon.evidence) and the classifier's best few passages per class, of all windows."""
    kept, ranked, seen = [], {}, {}
    for f in sorted(findings, key=lambda f: (f.start, f.end)):
        if f.rule.startswith("classifier."):
            ranked.setdefault(f.rule, []).append(f)
        elif f.rule.startswith("lexicon."):
            key = (f.rule, normalize(f.text).text)
            seen[key] = seen.get(key, 0) + 1
            if seen[key] <= MAX_EVIDENCE_PER_TERM:
                kept.append(f)
        else:
            kept.append(f)
    for passages in ranked.values():
        kept += sorted(passages, key=lambda f: -f.score)[:MAX_EVIDENCE_PER_CLASS]
    return kept
