"""Evaluating a classifier model on a labelled corpus: each text's best passage per label, then
per-label precision, recall and F1, macro-F1 and the confusion matrix."""

from __future__ import annotations

import numpy as np

from scanner.detect.classifier import LABELS, TopicModel
from scanner.detect.corpus import Example
from scanner.detect.features import mostly_chinese, split_passages
from scanner.detect.normalize import normalize


def document_scores(model: TopicModel, texts: list[str]) -> np.ndarray:
    """Each text's per-label maximum over its passages, all passages scored in one batch."""
    owners, passages = [], []
    for i, text in enumerate(texts):
        norm = normalize(text).text
        spans = [(s, e) for s, e in split_passages(norm, model.passage_chars) if mostly_chinese(norm[s:e])]
        # A text too short or too foreign for the detector still gets the model's opinion here.
        for s, e in spans or ([(0, len(norm))] if norm.strip() else []):
            owners.append(i)
            passages.append(norm[s:e])
    out = np.zeros((len(texts), len(model.labels)))
    if passages:
        np.maximum.at(out, np.array(owners), model.predict_proba(passages))
    return out


def evaluate(model: TopicModel, examples: list[Example]) -> dict:
    """Per-label precision/recall/F1 of the top label per text, macro-F1, confusion matrix."""
    probs = document_scores(model, [ex.text for ex in examples])
    return metrics(examples, [LABELS[int(i)] for i in probs.argmax(axis=1)] if examples else [])


def metrics(examples: list[Example], predicted: list[str]) -> dict:
    """The evaluation report for gold examples and one predicted label each."""
    index = {label: i for i, label in enumerate(LABELS)}
    matrix = [[0] * len(LABELS) for _ in LABELS]
    per_class = {}
    for ex, pred in zip(examples, predicted):
        matrix[index[ex.labels[0]]][index[pred]] += 1
    for label in LABELS:
        tp = sum(1 for ex, p in zip(examples, predicted) if p == label and label in ex.labels)
        fp = sum(1 for ex, p in zip(examples, predicted) if p == label and label not in ex.labels)
        support = sum(1 for ex in examples if label in ex.labels)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": round(precision, 4), "recall": round(recall, 4),
                            "f1": round(f1, 4), "support": support}
    present = [label for label in LABELS if per_class[label]["support"]]
    macro = sum(per_class[label]["f1"] for label in present) / len(present) if present else 0.0
    correct = sum(1 for ex, p in zip(examples, predicted) if p in ex.labels)
    return {
        "count": len(examples),
        "labels": list(LABELS),
        "per_class": per_class,
        "macro_f1": round(macro, 4),
        "accuracy": round(correct / len(examples), 4) if examples else 0.0,
        "confusion": {"labels": list(LABELS), "matrix": matrix},
    }
