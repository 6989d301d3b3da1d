"""Compare classifier designs on splits grouped by kind of text, and by 5-fold CV on the union (issue 8).

    python benchmarks/classifier_designs.py [--train models/training/train.jsonl]
                                            [--extra ../shared/corpus/dev-extra.jsonl]
                                            [--designs SUBSTRING...] [--json OUT] [--list]
                                            [--cv-only | --speed]

Splits: laws+judgments (train.jsonl) -> headlines+abstracts (dev-extra.jsonl), the reverse,
and 5-fold stratified cross-validation on the union. The score is macro-F1 of the top label.
Besides the three scores each row gives the seconds to train on train.jsonl (with the
dev-extra texts, unlabelled, as the target where the design uses one; self-training rounds
included) and the throughput of that model scoring every text of both files (MB/s of UTF-8).

Transductive designs (shared vocabulary, centring, self-training) see the test texts without
their labels, as a deployment would see an organisation's own documents.

Lexicon features and leakage: lexicons/<class>.txt join hand-written terms (lexicons/curated/)
and terms mined from train.jsonl with their labels (lexicons/build_lexicons.py; dev-extra is
only read by its --evaluate). Mined terms are a fair feature only when the texts they were
mined from are not tested: "auto" uses lexicons/ for laws -> headlines, and lexicons/curated/
for the reverse and for the cross-validation (whose test folds hold laws).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.detect import features as features_module  # noqa: E402
from scanner.detect.classifier import LABELS  # noqa: E402
from scanner.detect.corpus import Example, read_jsonl  # noqa: E402
from scanner.detect.evaluation import document_scores, metrics  # noqa: E402
from scanner.detect.features import FeatureSettings  # noqa: E402
from scanner.detect.training import TrainParams, lexicon_terms, train  # noqa: E402

PLAIN = TrainParams(passage_training=False, balance_sources=False)
BALANCED = TrainParams(passage_training=True, balance_sources=True)


@dataclass(frozen=True)
class Design:
    features: FeatureSettings = FeatureSettings()
    params: TrainParams = PLAIN
    # Retrain twice on the fit texts plus the target texts the model is surest of (pseudo-labels).
    self_train: bool = False
    # Class-prior correction on the target: each label's logit standardised over the target texts.
    centre: bool = False
    # Class-prior correction by EM (Saerens et al. 2002): the target's label shares re-estimated
    # from the model's own probabilities, and the probabilities re-weighted by target/training share.
    prior_em: bool = False
    # Lexicon terms for features.lexicon_scale: "auto" (see the module docstring), "curated", "shipped".
    lexicon: str = "auto"
    # Word layer when features.words: "jieba" (the library's), or "spacy" (blank zh, jieba segmenter).
    segmenter: str = "jieba"
    notes: str = field(default="", compare=False)


LEX = FeatureSettings(lexicon_scale=1.0)
SHARED = TrainParams(shared_min_df=5)
DESIGNS: dict[str, Design] = {
    "A svm char1-3 (plain, shipped)": Design(),
    "B svm char1-3 + passages + source balance": Design(params=BALANCED),
    "C B + jieba words": Design(FeatureSettings(words=True), BALANCED),
    "D B + target-centred self-training": Design(params=BALANCED, self_train=True, centre=True),
    "Ac A + target centring (prior correction)": Design(centre=True),
    "E1 A + lexicon columns (scale 1)": Design(LEX),
    "E3 A + lexicon columns (scale 3)": Design(FeatureSettings(lexicon_scale=3.0)),
    "E0.3 A + lexicon columns (scale 0.3)": Design(FeatureSettings(lexicon_scale=0.3)),
    "E1-cur E1 with curated terms only": Design(LEX, lexicon="curated"),
    "E1c E1 + target centring": Design(LEX, centre=True),
    "F5 A + shared vocabulary (k=5)": Design(params=SHARED),
    "F5c F5 + target centring": Design(params=SHARED, centre=True),
    "F5d F5 + centred self-training": Design(params=SHARED, self_train=True, centre=True),
    "G C with spaCy blank zh (jieba segmenter)": Design(FeatureSettings(words=True), BALANCED, segmenter="spacy"),
    "H1 E1 + centred self-training": Design(LEX, self_train=True, centre=True),
    "H2 E1 + F5 + centred self-training": Design(LEX, SHARED, self_train=True, centre=True),
    # Cheap changes to the union model, for headlines and abstracts (issue: per-kind scores).
    "I-c0.25 A with C=0.25": Design(params=TrainParams(c=0.25)),
    "I-c1 A with C=1": Design(params=TrainParams(c=1.0)),
    "I-c2 A with C=2": Design(params=TrainParams(c=2.0)),
    "I-ng12 A with char 1-2-grams": Design(FeatureSettings(ngram_max=2)),
    "I-ng14 A with char 1-4-grams": Design(FeatureSettings(ngram_max=4)),
    "I-ng24 A with char 2-4-grams": Design(FeatureSettings(ngram_min=2, ngram_max=4)),
    "I-h19 A with 2^19 buckets": Design(FeatureSettings(n_features=2 ** 19)),
    "I-h20 A with 2^20 buckets": Design(FeatureSettings(n_features=2 ** 20)),
    "I-bal A + source balance": Design(params=TrainParams(balance_sources=True)),
    "I-pas A + passage training": Design(params=TrainParams(passage_training=True)),
    "I-lr10 A with logistic regression (C=10)": Design(params=TrainParams(linear="logreg", c=10.0)),
    "I-lr30 A with logistic regression (C=30)": Design(params=TrainParams(linear="logreg", c=30.0)),
    "I-max A with max-abs row norm": Design(FeatureSettings(norm="max")),
    "I-c4 A with C=4": Design(params=TrainParams(c=4.0)),
    "I-c8 A with C=8": Design(params=TrainParams(c=8.0)),
    "I-ng12c2 char 1-2-grams, C=2": Design(FeatureSettings(ngram_max=2), TrainParams(c=2.0)),
    "I-balc2 A + source balance, C=2": Design(params=TrainParams(c=2.0, balance_sources=True)),
    "I-balc4 A + source balance, C=4": Design(params=TrainParams(c=4.0, balance_sources=True)),
}


def _spacy_words():
    import spacy

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})

    def words(text: str) -> list[str]:
        return [t.text for t in nlp.tokenizer(text) if t.text.strip()]

    return words


@contextlib.contextmanager
def segmenter(name: str):
    """The word analyzer a Featurizer built inside this block uses (benchmark only: G)."""
    if name == "jieba":
        yield
        return
    saved = features_module._jieba_words
    features_module._jieba_words = _spacy_words()
    try:
        yield
    finally:
        features_module._jieba_words = saved


def _prior_em(p: np.ndarray, train_prior: np.ndarray, rounds: int = 50) -> np.ndarray:
    """Posteriors re-weighted to the target's label shares, estimated by EM from the posteriors."""
    post = p / p.sum(axis=1, keepdims=True)
    prior = train_prior.copy()
    for _ in range(rounds):
        adjusted = post * (prior / train_prior)
        adjusted /= adjusted.sum(axis=1, keepdims=True)
        prior = adjusted.mean(axis=0)
    return adjusted


def _train_prior(model) -> np.ndarray:
    counts = model.meta["data"]["labels"]
    prior = np.array([counts.get(label, 0) for label in LABELS], dtype=float) + 1.0
    return prior / prior.sum()


def _logits(model, texts: list[str], centre: bool, prior_em: bool = False) -> np.ndarray:
    p = np.clip(document_scores(model, texts), 1e-9, 1 - 1e-9)
    if prior_em:
        return _prior_em(p, _train_prior(model))
    if not centre:
        return p
    # Standardised over the (unlabelled) target texts: removes a shifted bias per label.
    z = np.log(p / (1 - p))
    return (z - z.mean(axis=0)) / (z.std(axis=0) + 1e-9)


def fit_design(design: Design, fit: list[Example], texts: list[str], test_has_laws: bool):
    """Train (and self-train) for target `texts`; returns the model and its scores of them."""
    lexicon = None
    if design.features.lexicon_scale:
        curated = design.lexicon == "curated" or (design.lexicon == "auto" and test_has_laws)
        lexicon = lexicon_terms(ROOT / "lexicons" / "curated" if curated else ROOT / "lexicons")
    with segmenter(design.segmenter):
        model = train(fit, design.features, design.params, unlabelled=texts, lexicon=lexicon)
        if design.self_train:
            # Transductive: the test texts, without labels, teach the model their kind of text.
            for _ in range(2):
                z = _logits(model, texts, design.centre, design.prior_em)
                top = z.argmax(axis=1)
                pseudo = []
                for j, label in enumerate(LABELS):
                    idx = np.where(top == j)[0]
                    keep = idx[np.argsort(-z[idx, j])][: max(1, len(idx) // 2)]
                    pseudo.extend(Example(texts[i], (label,), "pseudo") for i in keep)
                model = train(fit + pseudo, design.features, design.params, unlabelled=texts, lexicon=lexicon)
        return model, _logits(model, texts, design.centre, design.prior_em)


def run_design(design: Design, fit: list[Example], test: list[Example], test_has_laws: bool) -> dict:
    _, scores = fit_design(design, fit, [ex.text for ex in test], test_has_laws)
    return metrics(test, [LABELS[int(i)] for i in scores.argmax(axis=1)])


_KINDS: dict[str, str] = {}  # text -> kind, from the corpus files' full `source` (repo:path)


def load_kinds(*paths: Path) -> None:
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                source = item.get("source", "")
                if source.startswith("LawRefBook/"):
                    kind = "laws"
                elif "cail2018" in source:
                    kind = "judgments"
                elif "csldcp" in source:
                    kind = "abstracts"
                elif "tnews" in source or "toutiao" in source:
                    kind = "headlines"
                else:
                    kind = "other"
                _KINDS[item["text"]] = kind


def kind_of(example: Example) -> str:
    """The kind of text an example is: laws, judgments, headlines or abstracts."""
    return _KINDS.get(example.text, "other")


def cv_folds(design: Design, union: list[Example], folds: int = 5) -> dict:
    """Mean macro-F1 over the folds, and macro-F1 per kind of text over the pooled out-of-fold predictions
    (one model for all kinds: does it hold on each of them?)."""
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    labels = [ex.labels[0] for ex in union]
    scores = []
    predicted: dict[int, str] = {}
    for fit_idx, test_idx in splitter.split(union, labels):
        test = [union[i] for i in test_idx]
        _, z = fit_design(design, [union[i] for i in fit_idx], [ex.text for ex in test], True)
        guesses = [LABELS[int(i)] for i in z.argmax(axis=1)]
        predicted.update(zip(test_idx.tolist(), guesses))
        scores.append(metrics(test, guesses)["macro_f1"])
    per_kind = {}
    for kind in sorted({kind_of(ex) for ex in union}):
        idx = [i for i, ex in enumerate(union) if kind_of(ex) == kind]
        per_kind[kind] = metrics([union[i] for i in idx], [predicted[i] for i in idx])["macro_f1"]
    return {"macro_f1": round(float(np.mean(scores)), 4), "folds": scores, "per_kind": per_kind}


def speed(design: Design, laws: list[Example], extra: list[Example]) -> dict:
    """Seconds to train on the laws (target: the extra texts), and MB/s scoring all texts."""
    texts = [ex.text for ex in laws + extra]
    started = time.perf_counter()
    model, _ = fit_design(design, laws, [ex.text for ex in extra], False)
    trained = time.perf_counter() - started
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    scored = float("inf")
    with segmenter(design.segmenter):
        for _ in range(3):  # the best of three: a shared machine slows some runs
            started = time.perf_counter()
            document_scores(model, texts)
            scored = min(scored, time.perf_counter() - started)
    return {"train_s": round(trained, 1), "predict_MB/s": round(mb / scored, 2)}


def segmenter_speed(texts: list[str]) -> dict:
    """MB/s of the word layer alone: jieba.lcut as the library calls it, and spaCy's blank zh."""
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    out = {}
    features_module._jieba_words("预热")  # load jieba's dictionary outside the timing
    for name, words in (("jieba", features_module._jieba_words), ("spacy", _spacy_words())):
        started = time.perf_counter()
        tokens = [words(t) for t in texts]
        out[name] = round(mb / (time.perf_counter() - started), 2)
        out[f"{name}_tokens"] = tokens
    same = sum(a == b for a, b in zip(out.pop("jieba_tokens"), out.pop("spacy_tokens")))
    out["identical_token_lists"] = f"{same}/{len(texts)}"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", default=str(ROOT / "models" / "training" / "train.jsonl"))
    parser.add_argument("--extra", default=str(ROOT.parent / "shared" / "corpus" / "dev-extra.jsonl"))
    parser.add_argument("--designs", nargs="*", help="substrings of design names to run")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--list", action="store_true", help="list the designs and exit")
    parser.add_argument("--segmenters", action="store_true", help="only time jieba against spaCy's tokenizer")
    parser.add_argument("--speed", action="store_true", help="only the training time and throughput columns")
    parser.add_argument("--cv-only", action="store_true",
                        help="only the 5-fold CV on the union (no grouped splits, no speed columns)")
    args = parser.parse_args(argv)
    if args.list:
        for name, design in DESIGNS.items():
            print(f"{name}\n    {design}")
        return 0
    laws = read_jsonl(Path(args.train))
    extra = read_jsonl(Path(args.extra))
    load_kinds(Path(args.train), Path(args.extra))
    if args.segmenters:
        print(json.dumps(segmenter_speed([ex.text for ex in laws + extra])))
        return 0
    results = {}
    for name, design in DESIGNS.items():
        if args.designs and not any(d in name for d in args.designs):
            continue
        started = time.perf_counter()
        row = {}
        if not args.speed:
            cv = cv_folds(design, laws + extra)
            if not args.cv_only:
                row = {
                    "laws->headlines/abstracts": run_design(design, laws, extra, False)["macro_f1"],
                    "headlines/abstracts->laws": run_design(design, extra, laws, True)["macro_f1"],
                }
            row.update({
                "5-fold CV union": cv["macro_f1"],
                **{f"5-fold CV union, on {kind}": score for kind, score in cv["per_kind"].items()},
            })
        if not args.cv_only:
            row.update(speed(design, laws, extra))
        row["seconds"] = round(time.perf_counter() - started, 1)
        results[name] = row
        print(f"{name:45s} " + "  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
