"""The topic classifier: training, a pickle-free saved format, passage scoring, the `classifier` detector."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import random
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

import scanner
from scanner.config import Config
from scanner.detect.features import (
    LEXICON_CLASSES, FeatureSettings, Featurizer, LexiconTerms, mostly_chinese, split_passages,
)
from scanner.detect.normalize import normalize
from scanner.detect.registry import DetectContext, DetectorOutput, register
from scanner.errors import ConfigError
from scanner.model import CATEGORIES, Finding
from scanner.resources import data_path

# The five classes with public training data, plus "negative" (ordinary text). Class
# "other" is the organisation's own list: the lexicon covers it, the model never does.
CLASSES: tuple[str, ...] = tuple(c for c in CATEGORIES if c != "other")
LABELS: tuple[str, ...] = CLASSES + ("negative",)
# The sensitivity model (models/sensitivity): is a passage a concrete, unpublished fact of the
# kind the six classes protect, or ordinary text (published law, news, notices, everyday work)?
SENSITIVITY_LABELS: tuple[str, ...] = ("sensitive", "ordinary")
FORMAT = "mijian-classifier"
# Bump whenever features, the saved arrays or their meaning change: older models are refused.
# Format 2 adds lexicon columns (FeatureSettings.lexicon_scale, their terms in weights.npz); a
# model without them is still written as format 1, so an older Mijian keeps reading it, and an
# older Mijian refuses a format-2 model with a clear message instead of misreading it.
FORMAT_VERSION = 2
LEXICON_FORMAT_VERSION = 2
READABLE_FORMAT_VERSIONS = (1, 2)
# TrainParams.linear: the per-label scorer a model is fitted with.
LINEAR_SCORERS = ("svm", "logreg")
MODEL_FILE, WEIGHTS_FILE, LABELS_FILE, CARD_FILE = "model.json", "weights.npz", "labels.txt", "MODEL_CARD.md"
# Passages evidenced per class (the best first); more still count in the score.
MAX_EVIDENCE_PER_CLASS = 3
EXCERPT_CHARS = 60

MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("找不到分类模型：{path}", "classifier model not found: {path}"),
    "unreadable": ("无法读取分类模型 {path}：{detail}", "cannot read classifier model {path}: {detail}"),
    "format": ("{path} 不是密检分类模型，或其格式版本 {found} 与本程序（{expected}）不符，请用 mijian train 重新训练",
               "{path} is not a Mijian classifier model, or its format version {found} is not {expected}: retrain it with mijian train"),
    "labels": ("分类模型 {path} 的类别集 {found} 与本程序所需 {expected} 不符",
               "classifier model {path} has label set {found}, expected {expected}"),
    "newer": ("分类模型 {path} 由更新版本的密检（{found}）训练，本程序为 {expected}",
              "classifier model {path} was trained by a newer Mijian ({found}); this is {expected}"),
    "checksum": ("分类模型 {path} 的权重文件校验值不符（文件被修改或损坏）",
                 "classifier model {path}: weights do not match their checksum (edited or damaged)"),
    "unknown_label": ("语料 {source} 含未知类别 {label}；可用：{known}", "corpus {source} has unknown label {label}; known: {known}"),
    "bad_corpus": ("语料 {source} 第 {line} 行无效：{detail}", "corpus {source} line {line} is invalid: {detail}"),
    "no_corpus": ("找不到语料：{path}", "corpus not found: {path}"),
    "empty_corpus": ("语料中没有可用文本", "the corpus has no usable text"),
    "one_label": ("训练至少需要两个类别的文本", "training needs texts of at least two labels"),
    "bad_linear": ("未知的线性模型 {value}；可用：{known}", "unknown linear scorer {value}; known: {known}"),
    "no_unlabelled": ("共有词汇（shared_min_df）需要待分类类型的无标注文本",
                      "a shared vocabulary (shared_min_df) needs unlabelled texts of the kind to be classified"),
}


def message(key: str, **values) -> str:
    """Chinese first, English in brackets (the form of every ConfigError message)."""
    zh, en = MESSAGES[key]
    return f"{zh.format(**values)} ({en.format(**values)})"


class ModelError(ConfigError):
    """A classifier model that is missing, damaged, or made for another label set or format."""

    code = "config.model"


@dataclass(frozen=True)
class Example:
    text: str
    labels: tuple[str, ...]
    source: str = ""


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


def format_version(features: FeatureSettings) -> int:
    """The format a model with these settings is saved in: 1 unless it has lexicon columns."""
    return LEXICON_FORMAT_VERSION if features.lexicon_scale else 1


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".")[:3] if p.isdigit())


class TopicModel:
    """One linear scorer per label over hashed n-grams, each with Platt calibration."""

    def __init__(self, featurizer: Featurizer, coef: np.ndarray, intercept: np.ndarray,
                 platt: np.ndarray, meta: dict):
        self.featurizer = featurizer
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.platt = np.asarray(platt, dtype=np.float32)  # rows: slope, offset
        self._coef_t = np.ascontiguousarray(self.coef.T)  # transposed once, not per call
        self.meta = meta
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.passage_chars: int = meta["training"]["passage_chars"]

    def decision(self, texts: list[str]) -> np.ndarray:
        x = self.featurizer.transform(texts)
        return np.asarray(x @ self._coef_t) + self.intercept

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Calibrated probability of each label (columns in self.labels order); texts already normalised."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        z = self.decision(texts).astype(np.float64) * self.platt[0] + self.platt[1]
        return 1.0 / (1.0 + np.exp(-z))

    def predict_counts(self, counts) -> np.ndarray:
        """predict_proba from the featurizer's counts of passages already made (a second model with
        the same feature settings reads the same counts: the n-grams are hashed once)."""
        if counts.shape[0] == 0:
            return np.zeros((0, len(self.labels)))
        x = self.featurizer.weigh(counts)
        z = (np.asarray(x @ self._coef_t) + self.intercept).astype(np.float64) * self.platt[0] + self.platt[1]
        return 1.0 / (1.0 + np.exp(-z))

    def shares_counts(self, other: "TopicModel") -> bool:
        """True when `other` hashes text exactly as this model does (its counts can be reused)."""
        mine, theirs = self.featurizer.settings, other.featurizer.settings
        return mine == theirs and not mine.lexicon_scale and self.passage_chars == other.passage_chars

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [(s, e) for s, e in split_passages(text, self.passage_chars) if mostly_chinese(text[s:e])]

    def classify(self, text: str) -> "PassageScores":
        spans = self.spans(text)
        probs = self.predict_proba([text[s:e] for s, e in spans])
        return PassageScores(spans, probs, self.labels)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        weights = folder / WEIGHTS_FILE
        arrays = dict(idf=self.featurizer.idf, coef=self.coef, intercept=self.intercept, platt=self.platt)
        terms = self.featurizer.lexicon_terms
        if self.featurizer.settings.lexicon_scale:
            # Plain unicode and float arrays: still read with allow_pickle=False.
            arrays.update(lexicon_terms=np.array([t for t, _, _ in terms], dtype=str),
                          lexicon_classes=np.array([c for _, c, _ in terms], dtype=str),
                          lexicon_weights=np.array([w for _, _, w in terms], dtype=np.float32))
        np.savez_compressed(weights, **arrays)
        meta = dict(self.meta, weights=WEIGHTS_FILE,
                    weights_sha256=hashlib.sha256(weights.read_bytes()).hexdigest())
        (folder / MODEL_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (folder / LABELS_FILE).write_text("\n".join(self.labels) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, labels: tuple[str, ...] = LABELS) -> "TopicModel":
        path = folder / MODEL_FILE
        if not path.is_file():
            raise ModelError(message("missing", path=folder))
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(message("unreadable", path=path, detail=exc)) from exc
        found = meta.get("format_version") if isinstance(meta, dict) else None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or isinstance(found, bool) \
                or found not in READABLE_FORMAT_VERSIONS:
            raise ModelError(message("format", path=folder, found=found, expected=FORMAT_VERSION))
        if tuple(meta.get("labels", ())) != labels:
            raise ModelError(message("labels", path=folder, found=",".join(map(str, meta.get("labels", ()))),
                                     expected=",".join(labels)))
        made_by = str(meta.get("code_version", ""))
        if _version_tuple(made_by) > _version_tuple(scanner.__version__):
            raise ModelError(message("newer", path=folder, found=made_by, expected=scanner.__version__))
        weights = folder / str(meta.get("weights", WEIGHTS_FILE))
        try:
            raw = weights.read_bytes()
            if hashlib.sha256(raw).hexdigest() != meta.get("weights_sha256"):
                raise ModelError(message("checksum", path=folder))
            settings = FeatureSettings.from_dict(meta["features"])
            if found != format_version(settings):
                # Lexicon columns in a format-1 model, or a format-2 model without them.
                raise ModelError(message("format", path=folder, found=found, expected=format_version(settings)))
            lexicon = None
            with np.load(weights, allow_pickle=False) as arrays:
                idf, coef, intercept, platt = (arrays[k] for k in ("idf", "coef", "intercept", "platt"))
                if settings.lexicon_scale:
                    lexicon = [(str(t), str(c), float(w)) for t, c, w in zip(
                        arrays["lexicon_terms"], arrays["lexicon_classes"], arrays["lexicon_weights"])]
            if int(meta["training"]["passage_chars"]) <= 0:
                raise ValueError("training.passage_chars must be positive")
        except ModelError:
            raise
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise ModelError(message("unreadable", path=folder, detail=exc)) from exc
        n = len(labels)
        if idf.shape != (settings.width,) or coef.shape != (n, settings.width) \
                or intercept.shape != (n,) or platt.shape != (2, n):
            raise ModelError(message("unreadable", path=folder, detail="array shapes"))
        return cls(Featurizer(settings, idf, lexicon), coef, intercept, platt, meta)


@dataclass
class PassageScores:
    """Each passage's probabilities; a class scores its best passage (a defence paragraph in a trade report)."""

    spans: list[tuple[int, int]]
    probs: np.ndarray
    labels: tuple[str, ...]

    def scores(self) -> dict[str, float]:
        if not self.spans:
            return {label: 0.0 for label in self.labels}
        best = self.probs.max(axis=0)
        return {label: float(best[i]) for i, label in enumerate(self.labels)}

    def passages_over(self, label: str, threshold: float) -> list[tuple[int, int, float]]:
        """(start, end, probability) of the passages at or over the threshold, best first."""
        if not self.spans:
            return []
        column = self.probs[:, self.labels.index(label)]
        order = np.argsort(-column, kind="stable")
        return [(*self.spans[i], float(column[i])) for i in order if column[i] >= threshold]


# --- training -------------------------------------------------------------------------

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


def describe_data(examples: list[Example]) -> dict:
    by_source: dict[str, Counter] = defaultdict(Counter)
    for ex in examples:
        by_source[ex.source or "-"][ex.labels[0]] += 1
    return {
        "count": len(examples),
        "labels": dict(sorted(Counter(ex.labels[0] for ex in examples).items())),
        "sources": {s: dict(sorted(c.items())) for s, c in sorted(by_source.items())},
    }


def split_holdout(examples: list[Example], fraction: float = 0.2, seed: int = 0) -> tuple[list[Example], list[Example]]:
    """A stratified (label, source) held-out split for the model card's metrics."""
    cells: dict[tuple, list[Example]] = defaultdict(list)
    for ex in examples:
        cells[(ex.labels[0], ex.source)].append(ex)
    rng = random.Random(seed)
    fit, held = [], []
    for key in sorted(cells):
        items = cells[key][:]
        rng.shuffle(items)
        k = int(round(len(items) * fraction)) if len(items) > 1 else 0
        held.extend(items[:k])
        fit.extend(items[k:])
    return fit, held


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


# --- evaluation -----------------------------------------------------------------------

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


# --- the shipped model and the detector ------------------------------------------------

_CACHE: dict[tuple, TopicModel] = {}


def model_folder(setting: str) -> Path | None:
    """config.detect.model: "" is off, a bare name is a folder under models/, else a path."""
    if not setting:
        return None
    if "/" in setting or "\\" in setting or setting.startswith("."):
        return Path(setting)
    try:
        return data_path("models") / setting
    except FileNotFoundError:
        raise ModelError(message("missing", path=f"models/{setting}")) from None


def load_model(folder: Path, labels: tuple[str, ...] = LABELS) -> TopicModel:
    """Load once per process; a model rewritten on disk is read again."""
    path = Path(folder).resolve()
    try:
        stamp = tuple((path / name).stat().st_mtime_ns for name in (MODEL_FILE, WEIGHTS_FILE))
    except OSError:
        raise ModelError(message("missing", path=folder)) from None
    key = (path, stamp, labels)
    if key not in _CACHE:
        _CACHE[key] = TopicModel.load(path, labels)
    return _CACHE[key]


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


@register("classifier")
class ClassifierDetector:
    """Class scores from the topic model; findings `classifier.<class>` name the passages over
    threshold. The sensitivity model, when configured, scores the same passages (from the same
    hashed counts when both models read text alike) and reports its best passage."""

    def __init__(self, config: Config):
        folder = model_folder(config.detect.model)
        self.model = load_model(folder) if folder is not None else None
        folder = model_folder(config.detect.sensitivity_model)
        self.sensitivity = load_model(folder, SENSITIVITY_LABELS) if folder is not None else None
        self.thresholds = config.detect.thresholds

    def _narrow(self, text: str, start: int, end: int, category: str) -> tuple[int, int]:
        """Within a passage of several paragraphs, the paragraph that scores highest for the class."""
        lines = [(start + m.start(), start + m.end()) for m in re.finditer(r"[^\n]+", text[start:end])
                 if mostly_chinese(m.group())]
        if len(lines) < 2:
            return start, end
        column = self.model.predict_proba([text[s:e] for s, e in lines])[:, self.model.labels.index(category)]
        return lines[int(column.argmax())]

    def _score(self, text: str) -> tuple[PassageScores | None, tuple[float, int, int] | None]:
        lead = self.model or self.sensitivity
        spans = lead.spans(text)
        if not spans:
            return (PassageScores([], np.zeros((0, len(self.model.labels))), self.model.labels)
                    if self.model else None), None
        counts = lead.featurizer.counts([text[s:e] for s, e in spans])
        topics = sensitive = None
        if self.model is not None:
            topics = PassageScores(spans, self.model.predict_counts(counts) if not self.model.featurizer.settings.lexicon_scale
                                   else self.model.predict_proba([text[s:e] for s, e in spans]), self.model.labels)
        if self.sensitivity is not None:
            if self.model is None or self.sensitivity.shares_counts(self.model):
                probs = self.sensitivity.predict_counts(counts)
                own = spans
            else:
                own = self.sensitivity.spans(text)
                probs = self.sensitivity.predict_proba([text[s:e] for s, e in own])
            if len(own):
                best = int(probs[:, 0].argmax())
                sensitive = (float(probs[best, 0]), *own[best])
        return topics, sensitive

    def detect(self, ctx: DetectContext) -> DetectorOutput:
        if self.model is None and self.sensitivity is None:
            return DetectorOutput()
        result, sensitive = self._score(ctx.norm.text)
        if result is None:
            return DetectorOutput(sensitive=sensitive)
        scores = result.scores()
        findings = []
        for category in CLASSES:
            for start, end, p in result.passages_over(category, self.thresholds[category])[:MAX_EVIDENCE_PER_CLASS]:
                start, end = self._narrow(ctx.norm.text, start, end, category)
                o_start, o_end = ctx.norm.span_to_original(start, end)
                findings.append(Finding(
                    rule=f"classifier.{category}", category=category,
                    text=excerpt(ctx.document.text[o_start:o_end]), start=o_start, end=o_end,
                    location=ctx.locate(o_start), score=min(1.0, max(0.0, p)),
                ))
        return DetectorOutput(findings=findings,
                              scores={c: (scores[c] if c in CLASSES else 0.0) for c in CATEGORIES},
                              sensitive=sensitive)


# --- corpora --------------------------------------------------------------------------

def _labels_of(row: dict, source: str, line: int) -> tuple[str, ...]:
    raw = row.get("labels", row.get("label"))
    labels = (raw,) if isinstance(raw, str) else tuple(raw) if isinstance(raw, list) else ()
    if not labels:
        raise ConfigError(message("bad_corpus", source=source, line=line, detail="no label"))
    for label in labels:
        if label not in LABELS:
            raise ConfigError(message("unknown_label", source=source, label=label, known=", ".join(LABELS)))
    return labels


def read_jsonl(path: Path) -> list[Example]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = row["text"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ConfigError(message("bad_corpus", source=path, line=number, detail=exc)) from exc
        source = str(row.get("source") or path.name).split(":")[0]
        examples.append(Example(str(text), _labels_of(row, str(path), number), source))
    return examples


def read_folder(path: Path) -> tuple[list[Example], list[str]]:
    """One sub-folder per label; files read with Mijian's own extractors. Returns examples and problems."""
    from scanner.extract import extract, sniff
    from scanner.errors import MijianError
    from scanner.model import Document

    examples, problems = [], []
    for sub in sorted(p for p in path.iterdir() if p.is_dir()):
        if sub.name not in LABELS:
            raise ConfigError(message("unknown_label", source=path, label=sub.name, known=", ".join(LABELS)))
        for file in sorted(f for f in sub.rglob("*") if f.is_file()):
            try:
                data = file.read_bytes()
                text = Document(extract(sniff(data), data).segments).text
            except (MijianError, OSError) as exc:
                problems.append(f"{file}: {exc}")
                continue
            if text.strip():
                examples.append(Example(text, (sub.name,), path.name))
            else:
                problems.append(f"{file}: no text")
    return examples, problems


def read_corpus(paths: list[Path]) -> tuple[list[Example], list[str]]:
    examples, problems = [], []
    for path in paths:
        if path.is_dir():
            found, bad = read_folder(path)
            examples.extend(found)
            problems.extend(bad)
        elif path.is_file():
            examples.extend(read_jsonl(path))
        else:
            raise ConfigError(message("no_corpus", path=path))
    if not examples:
        raise ConfigError(message("empty_corpus"))
    return examples, problems

