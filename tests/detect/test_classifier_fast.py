"""The classifier detector's fast paths (passages.TextIndex, one count for both models, lines of a short
text scored with its passages) give the findings, scores and sensitive passage of the straightforward
path: split_passages, mostly_chinese and each model's predict_proba, as the detector did before."""

import re

import numpy as np
import pytest

from scanner.config import Config
from scanner.detect import passages
from scanner.detect.classifier import CLASSES, MAX_EVIDENCE_PER_CLASS, ClassifierDetector, PassageScores, excerpt
from scanner.detect.features import mostly_chinese, split_passages
from scanner.detect.normalize import normalize
from scanner.detect.registry import DetectContext
from scanner.model import CATEGORIES, Document, Location, Segment

from tests.detect.test_hashing import ODD, real_texts


def straightforward(detector: ClassifierDetector, ctx: DetectContext):
    """The detector as it was written before the fast paths (commit beab50e), model by model."""
    text = ctx.norm.text
    model, sensitivity = detector.model, detector.sensitivity
    spans = [(s, e) for s, e in split_passages(text, model.passage_chars) if mostly_chinese(text[s:e])]
    result = PassageScores(spans, model.predict_proba([text[s:e] for s, e in spans]), model.labels)
    sensitive = None
    if spans:
        probs = sensitivity.predict_proba([text[s:e] for s, e in spans])
        best = int(probs[:, 0].argmax())
        sensitive = (float(probs[best, 0]), *spans[best])
    picks = [(s, e, c, p) for c in CLASSES for s, e, p in
             result.passages_over(c, detector.thresholds[c])[:MAX_EVIDENCE_PER_CLASS]]
    findings = []
    for start, end, category, p in picks:
        lines = [(start + m.start(), start + m.end()) for m in re.finditer(r"[^\n]+", text[start:end])
                 if mostly_chinese(m.group())]
        if len(lines) >= 2:
            column = model.predict_proba([text[s:e] for s, e in lines])[:, model.labels.index(category)]
            start, end = lines[int(column.argmax())]
        o_start, o_end = ctx.norm.span_to_original(start, end)
        findings.append((f"classifier.{category}", excerpt(ctx.document.text[o_start:o_end]), o_start, o_end,
                         min(1.0, max(0.0, p))))
    return findings, {c: result.scores()[c] if c in CLASSES else 0.0 for c in CATEGORIES}, sensitive


def documents():
    texts = real_texts(300)
    chats = [t for t in texts if t.count("\n") >= 2][:60]
    long = ["\n".join(texts[i:i + 25]) for i in range(0, 250, 25)]
    return texts[::3] + chats + long + ODD + ["\n\n".join(chats[:10]) * 3]


@pytest.mark.parametrize("short", [1500, 0, 10 ** 9])
def test_the_detector_gives_what_the_straightforward_path_gives(short, monkeypatch):
    monkeypatch.setattr(passages, "SHORT_CHARS", short)
    detector = ClassifierDetector(Config())
    assert detector.joint is not None
    flagged = 0
    for text in documents():
        doc = Document([Segment(text, Location(page=1))])
        ctx = DetectContext(doc, normalize(doc.text))
        out = detector.detect(ctx)
        findings, scores, sensitive = straightforward(detector, ctx)
        assert [(f.rule, f.text, f.start, f.end, f.score) for f in out.findings] == findings
        assert out.scores == scores
        assert out.sensitive == sensitive
        flagged += bool(findings)
    assert flagged >= 20  # the texts reach the thresholds, so narrowing to a line is exercised
