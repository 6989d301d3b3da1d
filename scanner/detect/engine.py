"""Normalise a document once, run every registered detector over it, and merge their output."""

from __future__ import annotations

from scanner.config import Config
from scanner.detect import classifier, lexicon, markings  # noqa: F401  (built-in detectors register on import)
from scanner.detect.normalize import normalize
from scanner.detect.registry import DetectContext, build_detectors
from scanner.model import CATEGORIES, Detection, Document


class DetectionEngine:
    """Built once per run from the config (lexicons loaded once), then applied to each document."""

    def __init__(self, config: Config):
        self.thresholds = config.detect.thresholds
        self.detectors = build_detectors(config)
        # How much each detector's class scores count; the classifier's topic is weaker evidence.
        self.weights = {rule_id: 1.0 for rule_id in self.detectors}
        self.weights["classifier"] = config.detect.classifier_weight

    def detect(self, document: Document) -> Detection:
        ctx = DetectContext(document, normalize(document.text))
        result = Detection()
        missing = {c: 1.0 for c in CATEGORIES}  # chance that no detector is right about c
        for rule_id, detector in self.detectors.items():
            out = detector.detect(ctx)
            result.findings.extend(out.findings)
            result.markings.extend(out.markings)
            result.mentions.extend(out.mentions)
            for category, value in out.scores.items():
                # Weighted noisy-OR: independent opinions that agree raise the score.
                missing[category] *= 1.0 - self.weights[rule_id] * value
        result.categories = {c: 1.0 - missing[c] for c in CATEGORIES}
        result.findings.sort(key=lambda f: (f.start, f.end, f.rule))
        result.labels = [c for c in CATEGORIES if result.categories[c] >= self.thresholds[c]]
        return result
