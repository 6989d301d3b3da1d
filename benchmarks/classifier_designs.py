"""Compare classifier designs on splits grouped by kind of text, and by 5-fold CV on the union (issue 8).

    python benchmarks/classifier_designs.py [--train models/training/train.jsonl]
                                            [--extra ../shared/corpus/dev-extra.jsonl] [--json OUT]

Splits: laws+judgments (train.jsonl) -> headlines+abstracts (dev-extra.jsonl), the reverse,
and 5-fold stratified cross-validation on the union. The score is macro-F1 of the top label.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.detect.classifier import (  # noqa: E402
    LABELS, Example, FeatureSettings, TrainParams, document_scores, metrics, read_jsonl, train,
)

BALANCED = TrainParams(passage_training=True, balance_sources=True)
DESIGNS = {
    "A svm char1-3 (plain, shipped)": (FeatureSettings(), TrainParams(passage_training=False, balance_sources=False), False),
    "B svm char1-3 + passages + source balance": (FeatureSettings(), BALANCED, False),
    "C B + jieba words": (FeatureSettings(words=True), BALANCED, False),
    "D B + target-centred self-training": (FeatureSettings(), BALANCED, True),
}


def _centred(model, texts: list[str]) -> np.ndarray:
    """Per-label scores standardised over the (unlabelled) target texts: removes a shifted bias."""
    p = np.clip(document_scores(model, texts), 1e-9, 1 - 1e-9)
    z = np.log(p / (1 - p))
    return (z - z.mean(axis=0)) / (z.std(axis=0) + 1e-9)


def run_design(features, params, self_train, fit: list[Example], test: list[Example]) -> dict:
    model = train(fit, features, params)
    texts = [ex.text for ex in test]
    if not self_train:
        scores = document_scores(model, texts)
    else:
        # Transductive: the test texts, without labels, teach the model their kind of text.
        for _ in range(2):
            z = _centred(model, texts)
            top = z.argmax(axis=1)
            pseudo = []
            for j, label in enumerate(LABELS):
                idx = np.where(top == j)[0]
                keep = idx[np.argsort(-z[idx, j])][: max(1, len(idx) // 2)]
                pseudo.extend(Example(texts[i], (label,), "pseudo") for i in keep)
            model = train(fit + pseudo, features, params)
        scores = _centred(model, texts)
    return metrics(test, [LABELS[int(i)] for i in scores.argmax(axis=1)])


def cv_folds(design, union: list[Example], folds: int = 5) -> dict:
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    labels = [ex.labels[0] for ex in union]
    scores = []
    for fit_idx, test_idx in splitter.split(union, labels):
        report = run_design(*design, [union[i] for i in fit_idx], [union[i] for i in test_idx])
        scores.append(report["macro_f1"])
    return {"macro_f1": round(float(np.mean(scores)), 4), "folds": scores}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", default=str(ROOT / "models" / "training" / "train.jsonl"))
    parser.add_argument("--extra", default=str(ROOT.parent / "shared" / "corpus" / "dev-extra.jsonl"))
    parser.add_argument("--designs", nargs="*", help="substrings of design names to run")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    laws = read_jsonl(Path(args.train))
    extra = read_jsonl(Path(args.extra))
    results = {}
    for name, design in DESIGNS.items():
        if args.designs and not any(d in name for d in args.designs):
            continue
        started = time.perf_counter()
        row = {
            "laws->headlines/abstracts": run_design(*design, laws, extra)["macro_f1"],
            "headlines/abstracts->laws": run_design(*design, extra, laws)["macro_f1"],
            "5-fold CV union": cv_folds(design, laws + extra)["macro_f1"],
        }
        row["seconds"] = round(time.perf_counter() - started, 1)
        results[name] = row
        print(f"{name:45s} " + "  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
