"""Training the topic and sensitivity models: hashed n-gram features, one linear scorer per label,
Platt calibration on cross-validated decisions. Training only: scikit-learn is imported here, never by a scan."""

from __future__ import annotations

import datetime as _dt
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

import scanner
from scanner.detect.classifier import FORMAT, LABELS, TopicModel, format_version, message
from scanner.detect.corpus import Example, describe_data
from scanner.detect.features import (
    LEXICON_CLASSES, FeatureSettings, Featurizer, LexiconTerms, mostly_chinese, split_passages,
)
from scanner.detect.normalize import normalize
from scanner.errors import ConfigError
from scanner.resources import data_path

# TrainParams.linear: the per-label scorer a model is fitted with.
LINEAR_SCORERS = ("svm", "logreg")


@dataclass(frozen=True)
class TrainParams:
    """How a model is fitted; stored in model.json. The defaults are the shipped design."""

    c: float = 0.5
    # Documents are scored passage by passage, this long.
    passage_chars: int = 400
    # Cut long training texts into passages too; and weigh every source (a repository,
    # a folder) the same within a class. Both measured (benchmarks/classifier_designs.py),
    # neither paid on this corpus, so both are off by default.
    passage_training: bool = False
    balance_sources: bool = False
    calibration_folds: int = 3
    seed: int = 0
    # Domain-shared vocabulary (0: off): keep only n-grams found in at least this many passages
    # of the training texts AND of the unlabelled texts given to train() (the kind of text the
    # model will classify). Measured in benchmarks/classifier_designs.py (design F).
    shared_min_df: int = 0
    # The per-label linear scorer: "svm" (LinearSVC, hinge² loss) or "logreg" (logistic regression,
    # liblinear); `c` is its inverse regularisation either way. Training only: a model is read
    # and scored the same whichever fitted it. Measured in benchmarks/classifier_designs.py (I).
    linear: str = "svm"

    # Options added after format 1 shipped: recorded only when set (see FeatureSettings).
    _OPTIONAL = {"shared_min_df": 0, "linear": "svm"}

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if not (k in self._OPTIONAL and v == self._OPTIONAL[k])}


def _expand(examples: list[Example], params: TrainParams) -> list[Example]:
    """Normalised texts; long ones cut into passages that keep the document's labels."""
    out = []
    for ex in examples:
        text = normalize(ex.text).text
        spans = split_passages(text, params.passage_chars) if params.passage_training else [(0, len(text))]
        for s, e in spans or [(0, len(text))]:
            if text[s:e].strip():
                out.append(Example(text[s:e], ex.labels, ex.source))
    return out


def _base_weights(examples: list[Example], balance: bool) -> np.ndarray:
    if not balance:
        return np.ones(len(examples))
    # Each (source, label) cell gets the same total weight within its label.
    cells = Counter((ex.source, ex.labels[0]) for ex in examples)
    per_label = defaultdict(set)
    for source, label in cells:
        per_label[label].add(source)
    w = np.array([1.0 / (cells[(ex.source, ex.labels[0])] * len(per_label[ex.labels[0]])) for ex in examples])
    label_counts = Counter(ex.labels[0] for ex in examples)
    # Keep each label's total at its example count, so class balance is decided separately.
    totals = defaultdict(float)
    for ex, wi in zip(examples, w):
        totals[ex.labels[0]] += wi
    return np.array([wi * label_counts[ex.labels[0]] / totals[ex.labels[0]] for ex, wi in zip(examples, w)])


def _fit_linear(x, y: np.ndarray, base: np.ndarray, params: TrainParams) -> tuple[np.ndarray, np.ndarray]:
    """One binary scorer per label, positives and negatives weighing the same."""
    # Training only: keeps a scan's start-up light.
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    if params.linear not in LINEAR_SCORERS:
        raise ConfigError(message("bad_linear", value=params.linear, known=", ".join(LINEAR_SCORERS)))
    n_labels, width = y.shape[1], x.shape[1]
    coef = np.zeros((n_labels, width), dtype=np.float32)
    intercept = np.full(n_labels, -1.0, dtype=np.float32)
    for j in range(n_labels):
        pos = y[:, j] == 1
        if not pos.any() or pos.all():
            continue
        w = base.copy()
        w[pos] *= 0.5 * base.sum() / base[pos].sum()
        w[~pos] *= 0.5 * base.sum() / base[~pos].sum()
        if params.linear == "logreg":
            svm = LogisticRegression(C=params.c, solver="liblinear", max_iter=1000, random_state=params.seed)
        else:
            svm = LinearSVC(C=params.c, max_iter=5000, random_state=params.seed)
        svm.fit(x, y[:, j], sample_weight=w)
        coef[j] = svm.coef_[0]
        intercept[j] = svm.intercept_[0]
    return coef, intercept


def _platt(decisions: np.ndarray, y: np.ndarray, base: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    platt = np.zeros((2, y.shape[1]), dtype=np.float32)
    platt[1] = -20.0  # a label without examples never fires
    for j in range(y.shape[1]):
        if 0 < y[:, j].sum() < len(y):
            lr = LogisticRegression(C=1e4)
            lr.fit(decisions[:, j:j + 1], y[:, j], sample_weight=base)
            platt[:, j] = (lr.coef_[0, 0], lr.intercept_[0])
    return platt


def lexicon_terms(folder: Path | None = None) -> LexiconTerms:
    """The terms of the class lexicons in a folder (default: the shipped lexicons/), for lexicon features."""
    from scanner.detect.lexicon import read_lexicon

    folder = Path(folder) if folder is not None else data_path("lexicons")
    terms = []
    for category in LEXICON_CLASSES:
        path = folder / f"{category}.txt"
        if path.is_file():
            terms.extend((t.term, t.category, t.weight) for t in read_lexicon(path, category))
    return terms


def passages_of(texts: list[str], passage_chars: int = 400) -> list[str]:
    """Normalised Chinese passages of texts, as a scan scores them (a short text stays whole)."""
    out = []
    for text in texts:
        norm = normalize(text).text
        spans = [(s, e) for s, e in split_passages(norm, passage_chars) if mostly_chinese(norm[s:e])]
        out.extend(norm[s:e] for s, e in spans or ([(0, len(norm))] if norm.strip() else []))
    return out


def train(examples: list[Example], features: FeatureSettings = FeatureSettings(),
          params: TrainParams = TrainParams(), unlabelled: list[str] | None = None,
          lexicon: LexiconTerms | None = None, labels: tuple[str, ...] = LABELS) -> TopicModel:
    """Fit a model on labelled examples (labels from `labels`: LABELS for the topic model,
    SENSITIVITY_LABELS for the sensitivity model; an example's first label decides balance).

    `unlabelled`: texts of the kind the model will classify, without labels; used by
    params.shared_min_df. `lexicon`: the terms for features.lexicon_scale (default: the
    shipped lexicons), saved with the model.
    """
    from sklearn.model_selection import StratifiedKFold

    data = _expand(examples, params)
    if not data:
        raise ConfigError(message("empty_corpus"))
    if len({ex.labels[0] for ex in data}) < 2:
        raise ConfigError(message("one_label"))
    if params.shared_min_df and not unlabelled:
        raise ConfigError(message("no_unlabelled"))
    texts = [ex.text for ex in data]
    y = np.array([[int(label in ex.labels) for label in labels] for ex in data])
    base = _base_weights(data, params.balance_sources)
    if features.lexicon_scale and lexicon is None:
        lexicon = lexicon_terms()
    featurizer = Featurizer(features, lexicon=lexicon if features.lexicon_scale else None)
    shared = passages_of(unlabelled, params.passage_chars) if params.shared_min_df else None
    featurizer.fit(texts, shared, params.shared_min_df)
    x = featurizer.transform(texts)
    # Calibrate on decisions for texts the scorer did not see (cross-validation).
    decisions = np.zeros(y.shape, dtype=np.float64)
    strata = [ex.labels[0] for ex in data]
    folds = min(params.calibration_folds, min(Counter(strata).values()))
    if folds >= 2:
        splitter = StratifiedKFold(folds, shuffle=True, random_state=params.seed)
        for fit_idx, held_idx in splitter.split(texts, strata):
            coef, intercept = _fit_linear(x[fit_idx], y[fit_idx], base[fit_idx], params)
            decisions[held_idx] = np.asarray(x[held_idx] @ coef.T) + intercept
    coef, intercept = _fit_linear(x, y, base, params)
    if folds < 2:
        decisions = np.asarray(x @ coef.T) + intercept
    platt = _platt(decisions, y, base)
    meta = {
        "format": FORMAT,
        "format_version": format_version(features),
        "code_version": scanner.__version__,
        "labels": list(labels),
        "features": features.to_dict(),
        "training": params.to_dict(),
        "created": _dt.date.today().isoformat(),
        "data": describe_data(examples),
    }
    return TopicModel(featurizer, coef, intercept, platt, meta)
