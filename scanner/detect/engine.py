"""Normalise a document once, run every registered detector over it, and merge their output."""

from __future__ import annotations

import math
from dataclasses import asdict, fields, replace
from operator import attrgetter

from scanner.config import Config
from scanner.detect import classifier, lexicon, markings  # noqa: F401  (built-in detectors register on import)
from scanner.fingerprint import detector as _fingerprint  # noqa: F401  (registered documents)
from scanner.detect.entities import EntityFinder, spans_within
from scanner.detect.evidence import ClassEvidence
from scanner.errors import ConfigError
from scanner.detect.explain import evidence_record
from scanner.detect.normalize import normalize
from scanner.detect.registry import DetectContext, build_detectors
from scanner.detect.windows import OVERLAP_CHARS, WINDOW_CHARS, detect_windowed
from scanner.model import CATEGORIES, Detection, Document


# Evidence spans looked at for named entities, and entities kept per class.
MAX_ENTITY_SPANS = 24
MAX_ENTITIES = 12
# Characters of a document given to the named-entity model at most (windows of the first spans that fit):
# the model reads about 30 µs a character, so a flagged document costs at most about 40 ms.
MAX_ENTITY_CHARS = 1_200


# Findings in text order (as a key function in C, not a lambda: a long document has thousands).
_FINDING_ORDER = attrgetter("start", "end", "rule")
_FLAT = (str, int, float, bool, type(None))


def _records(signs: list) -> list[dict]:
    """`dataclasses.asdict` of each public sign; a sign of plain text and numbers is read field by field
    (asdict deep-copies every value, for nothing when there is no container to copy)."""
    out = []
    for sign in signs:
        row = {f.name: getattr(sign, f.name) for f in fields(sign)}
        out.append(row if all(type(v) in _FLAT for v in row.values()) else asdict(sign))
    return out


class DetectionEngine:
    """Built once per run from the config (lexicons loaded once), then applied to each document.

    A class score comes from the lexicon's tiers of evidence in the best window of the document
    (evidence.py). The topic classifier never flags on its own: it only raises evidence that is
    already there, by up to `classifier_weight`, and names the document's `topics`.
    """

    def __init__(self, config: Config):
        settings = config.detect
        self.thresholds = settings.thresholds
        self.scale = settings.score_scale
        self.classifier_weight = settings.classifier_weight
        self.topic_threshold = settings.topic_threshold
        self.topic_weight = settings.topic_weight
        self.topic_evidence_min = settings.topic_evidence_min
        self.handling_factor = settings.handling_factor
        self.short_chars = settings.short_text_chars
        self.short_details_min = settings.short_details_min
        self.short_weight = settings.short_weight
        self.short_topic_min = settings.short_topic_min
        self.sensitivity_min = settings.sensitivity_min
        self.sensitivity_weight = settings.sensitivity_weight
        self.sensitivity_handled_min = settings.sensitivity_handled_min
        self.sensitivity_min_chars = settings.sensitivity_min_chars
        self.detectors = build_detectors(config)
        # Loaded on the first flagged item: spaCy and the model take a second or two.
        self.entities = EntityFinder() if settings.entities else None
        self.entity_width = settings.entity_width
        self.window_chars, self.window_overlap = WINDOW_CHARS, OVERLAP_CHARS

    def detect(self, document: Document) -> Detection:
        """The document's detection; a text longer than window_chars is read in bounded windows (windows.py)."""
        if len(document.text) > self.window_chars:
            return detect_windowed(self._detect_one, document, self.thresholds, self.topic_threshold,
                                   self.window_chars, self.window_overlap)
        return self._detect_one(document)

    def _detect_one(self, document: Document) -> Detection:
        ctx = DetectContext(document, normalize(document.text))
        result = Detection()
        outputs = {}
        for rule_id, detector in self.detectors.items():
            out = detector.detect(ctx)
            outputs[rule_id] = out
            result.findings.extend(out.findings)
            result.markings.extend(out.markings)
            result.mentions.extend(out.mentions)
            result.fingerprints.extend(out.fingerprints)
        topics = outputs["classifier"].scores if "classifier" in outputs else {}
        lex = outputs.get("lexicon")
        evidence = lex.evidence if lex is not None else {}
        public = _records(lex.public) if lex is not None else []
        missing = {c: 1.0 for c in CATEGORIES}  # other detectors (plugins): a noisy-OR of their scores
        for rule_id, out in outputs.items():
            if rule_id not in ("lexicon", "classifier"):
                for category, value in out.scores.items():
                    missing[category] *= 1.0 - value
        handling = tuple(dict.fromkeys(s.text for s in lex.signals if s.kind == "handling"))[:3] if lex else ()
        public_factor = min((p["factor"] for p in public), default=1.0)
        short = self._short_evidence(ctx, lex, topics, public_factor)
        model = self._model_evidence(ctx, lex, topics, outputs.get("classifier"), public_factor)
        if (short or model) and lex is not None and not lex.public_checked:
            # The lexicon looked for public signs only where its own evidence could flag; the
            # short-text rule and the sensitivity model are lowered by them just the same.
            found = self.detectors["lexicon"].public.find(ctx.norm.text)
            if found:
                public = _records(found)
                public_factor = min(p["factor"] for p in public)
                for ev in evidence.values():
                    ev.lower(public_factor)
                short = self._short_evidence(ctx, lex, topics, public_factor)
                model = self._model_evidence(ctx, lex, topics, outputs.get("classifier"), public_factor)
        for category in CATEGORIES:
            ev = evidence.get(category) or ClassEvidence(category)
            score, record = self._score_class(ctx, ev, topics.get(category, 0.0), handling, public, public_factor,
                                              short[1:] if short and short[0] == category else None,
                                              model[1:] if model and model[0] == category else None)
            result.categories[category] = 1.0 - (1.0 - score) * missing[category]
            if record is not None:
                result.evidence[category] = record
        result.findings.sort(key=_FINDING_ORDER)
        result.labels = [c for c in CATEGORIES if result.categories[c] >= self.thresholds[c]]
        if result.labels and self.entities is not None:
            self._add_entities(document, result)
        result.topic_scores = {c: float(topics[c]) for c in CATEGORIES if c in topics}
        result.topics = [c for c, p in result.topic_scores.items() if p >= self.topic_threshold]
        result.public = public
        return result

    def _score_class(self, ctx: DetectContext, ev: ClassEvidence, p: float, handling: tuple, public: list,
                     public_factor: float, short: tuple | None,
                     model: tuple | None = None) -> tuple[float, dict | None]:
        """A class's score and, when it has any evidence, its record: the lexicon's evidence raised by
        the topic model, plus the topic under a handling instruction, the short-text evidence and
        the sensitivity model's evidence."""
        value = ev.value
        factor = 1.0 + self.classifier_weight * p if value > 0 else 1.0
        value *= factor
        topic = 0.0
        if handling and p >= self.topic_evidence_min:
            # Under a handling instruction the document's topic is weak evidence of its own.
            topic = self.topic_weight * p * self.handling_factor * public_factor
            value += topic
        short_value = 0.0
        if short is not None:
            short_value, details = short
            value += short_value
            ev.specifics = max(ev.specifics, details)
        model_record = None
        if model is not None:
            model_value, model_record = model
            value += model_value
        if (topic or short_value or model_record) and not ev.handling:
            ev.handling, ev.public = handling, public_factor
        score = 1.0 - math.exp(-value / self.scale)
        if value <= 0:
            return score, None
        start, end = (ev.start, ev.end) if ev.end > ev.start or model_record is None else model_record["span"]
        if model_record is not None:
            model_record = {"p": model_record["p"], "value": round(model_value, 3),
                            "handled": model_record["handled"],
                            "window": self._window(ctx, *model_record["span"])}
        return score, evidence_record(ev, score, p, factor, public, self._window(ctx, start, end),
                                      topic, short_value, model_record)

    def _add_entities(self, document: Document, result: Detection) -> None:
        """People, organisations, places and foreign parties near the evidence of each flagged class."""
        picked = [i for i, f in enumerate(result.findings) if f.category in result.labels][:MAX_ENTITY_SPANS]
        if not picked:
            return
        spans = [(result.findings[i].start, result.findings[i].end) for i in picked]
        fit = spans_within(len(document.text), spans, self.entity_width, MAX_ENTITY_CHARS)
        picked, spans = picked[:fit], spans[:fit]
        try:
            near = self.entities.near(document.text, spans, self.entity_width)
        except ConfigError as exc:  # entities inform the officer; they never decide, so a verdict stands
            for category in result.labels:
                if category in result.evidence:
                    result.evidence[category]["entities_error"] = str(exc)
            return
        per_class: dict[str, dict] = {}
        for i, found in zip(picked, near):
            rows = tuple({"text": e.text, "label": e.label, "foreign": e.foreign} for e in found)
            result.findings[i] = replace(result.findings[i], entities=rows)
            seen = per_class.setdefault(result.findings[i].category, {})
            for row in rows:
                seen.setdefault((row["text"], row["label"]), row)
        for category, rows in per_class.items():
            if category in result.evidence:
                result.evidence[category]["entities"] = list(rows.values())[:MAX_ENTITIES]

    def _short_evidence(self, ctx: DetectContext, lex, topics: dict, public_factor: float):
        """(class, evidence, details) for a short text with a handling instruction, or None.

        The class is the one the text speaks of: lexicon evidence first, then the topic model.
        """
        if lex is None or len(ctx.norm.text) > self.short_chars:
            return None
        if not any(s.kind == "handling" for s in lex.signals):
            return None
        details = sum(1 for s in lex.signals if s.kind != "handling")
        hit_classes = {f.category for f in lex.findings}
        ranked = []
        for category in CATEGORIES:
            p = topics.get(category, 0.0)
            ev = lex.evidence.get(category)
            if category in hit_classes or p >= self.short_topic_min:
                ranked.append(((ev.value if ev else 0.0) + p, category))
        if not ranked:
            return None
        category = max(ranked)[1]
        if category not in hit_classes and details < self.short_details_min:
            return None
        return category, self.short_weight * self.handling_factor * public_factor, details

    def _model_evidence(self, ctx: DetectContext, lex, topics: dict, out, public_factor: float):
        """(class, evidence, record) when the sensitivity model reads a passage as a concrete,
        unpublished fact, or None. The class is the one the passage speaks of: the lexicon's hits
        inside it (strong ones count double), then the topic model; class other when neither says."""
        sensitive = out.sensitive if out is not None else None
        if sensitive is None:
            return None
        p, start, end = sensitive
        # A short text that also holds a handling instruction needs less of the model: two signals
        # that do not share a cause ("他让我别到处说" beside a battalion's move).
        short = len(ctx.norm.text) <= self.short_chars and lex is not None
        handled = short and any(s.kind == "handling" for s in lex.signals)
        if p < self.sensitivity_min and not (handled and p >= self.sensitivity_handled_min):
            return None
        if len(ctx.norm.text) < self.sensitivity_min_chars:
            # One line is too little for the model to tell a fact from gossip ("听说老李要调走了，别外传啊");
            # the lexicon and the short-text rule still judge it.
            return None
        o_start, o_end = ctx.norm.span_to_original(start, end)
        said = {c: topics.get(c, 0.0) for c in CATEGORIES}
        for f in (lex.findings if lex is not None else ()):
            if f.category in said and f.start < o_end and f.end > o_start:
                said[f.category] += 2.0 if f.tier == "strong" else 1.0
        category = max(CATEGORIES, key=lambda c: (said[c], c == "other"))
        if said[category] < 0.05:
            category = "other"
        value = self.sensitivity_weight * max(p, self.sensitivity_min) * public_factor
        return category, value, {"p": round(p, 4), "span": (start, end),
                                 "handled": bool(handled and p < self.sensitivity_min)}

    @staticmethod
    def _window(ctx: DetectContext, start: int, end: int) -> dict:
        o_start, o_end = ctx.norm.span_to_original(start, end)
        return {"start": o_start, "end": o_end, "location": ctx.locate(o_start)}
