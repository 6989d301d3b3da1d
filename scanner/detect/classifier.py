"""The topic classifier as a scan uses it: the saved model format (pickle-free), passage scoring and the
`classifier` detector. Fitting a model is `detect.training`; corpora and metrics are `detect.corpus` and
`detect.evaluation` (none of them is imported by a scan)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import scanner
from scanner.config import Config
from scanner.detect import weights_cache
from scanner.detect.features import FeatureSettings, Featurizer, HashedCounts
from scanner.detect.passages import TextIndex
from scanner.detect.registry import DetectContext, DetectorOutput, register
from scanner.detect.scoring import JointScorer
from scanner.errors import ConfigError
from scanner.model import CATEGORIES, Finding
from scanner.resources import model_dir

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
MODEL_FILE, WEIGHTS_FILE, LABELS_FILE, CARD_FILE = "model.json", "weights.npz", "labels.txt", "MODEL_CARD.md"
# Passages evidenced per class (the best first); more still count in the score.
MAX_EVIDENCE_PER_CLASS = 3
EXCERPT_CHARS = 60
# Passages hashed and scored together (about 100,000 characters).
PASSAGE_BATCH = 256


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
        self._transposed: np.ndarray | None = None
        self.meta = meta
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.passage_chars: int = meta["training"]["passage_chars"]

    @property
    def _coef_t(self) -> np.ndarray:
        """coef transposed, made once on first use (a scan with the joint scorer never needs it)."""
        if self._transposed is None:
            self._transposed = np.ascontiguousarray(self.coef.T)
        return self._transposed

    def decision(self, texts: list[str]) -> np.ndarray:
        return self._decision(self.featurizer.hashed(texts), texts)

    def _decision(self, counts: HashedCounts, texts: list[str] | None) -> np.ndarray:
        return self.featurizer.scores(counts, self._coef_t, texts) + self.intercept

    def _probabilities(self, decisions: np.ndarray) -> np.ndarray:
        z = decisions.astype(np.float64) * self.platt[0] + self.platt[1]
        return 1.0 / (1.0 + np.exp(-z))

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Calibrated probability of each label (columns in self.labels order); texts already normalised."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        return self._probabilities(self.decision(texts))

    def predict_counts(self, counts: HashedCounts, texts: list[str] | None = None) -> np.ndarray:
        """predict_proba from the featurizer's counts of `texts` already made (`Featurizer.hashed`; a
        second model with the same feature settings reads the same counts: the n-grams are hashed
        once); `texts` only for a model with lexicon columns."""
        if counts.n == 0:
            return np.zeros((0, len(self.labels)))
        return self._probabilities(self._decision(counts, texts))

    def shares_counts(self, other: "TopicModel") -> bool:
        """True when `other` hashes text exactly as this model does (its counts can be reused)."""
        return self.featurizer.settings == other.featurizer.settings and self.passage_chars == other.passage_chars

    def spans(self, text: str) -> list[tuple[int, int]]:
        return TextIndex(text).chinese_passages(self.passage_chars)

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
            digest = hashlib.sha256(weights.read_bytes()).hexdigest()
            if digest != meta.get("weights_sha256"):
                raise ModelError(message("checksum", path=folder))
            settings = FeatureSettings.from_dict(meta["features"])
            if found != format_version(settings):
                # Lexicon columns in a format-1 model, or a format-2 model without them.
                raise ModelError(message("format", path=folder, found=found, expected=format_version(settings)))
            lexicon = None
            arrays = weights_cache.load_arrays(weights, digest)  # inflated once per user
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
        if column.max() < threshold:  # the usual case: no passage of this class
            return []
        order = np.argsort(-column, kind="stable")
        return [(*self.spans[i], float(column[i])) for i in order if column[i] >= threshold]


# --- the shipped model and the detector ------------------------------------------------

_CACHE: dict[tuple, TopicModel] = {}


def model_folder(setting: str) -> Path | None:
    """config.detect.model: "" is off, a bare name is a folder under models/, else a path."""
    try:
        return model_dir(setting)
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
        models = [m for m in (self.model, self.sensitivity) if m is not None]
        self.shared = len(models) < 2 or self.sensitivity.shares_counts(self.model)
        # Both models' weights in one table when they read text alike (the shipped pair does).
        self.joint = JointScorer(models) if models and self.shared and not any(
            m.featurizer.settings.lexicon_scale for m in models) else None

    def _probabilities(self, passages: list[str], first: int | None = None) -> list[np.ndarray]:
        """Each model's probabilities of the passages (topic model first; only the `first` models'
        if given), from one count of them."""
        lead = self.model or self.sensitivity
        counts = lead.featurizer.hashed(passages)
        models = [m for m in (self.model, self.sensitivity) if m is not None][:first]
        if self.joint is None:
            return [m.predict_counts(counts, passages) for m in models]
        return [m._probabilities(d) for m, d in zip(models, self.joint.decisions(counts, first))]

    @staticmethod
    def _lines(index: TextIndex, spans: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
        """The Chinese lines of each passage that _narrow chooses among (none unless two or more)."""
        runs = index.lines_of(spans)
        keep = iter(index.chinese([line for lines in runs for line in lines]))
        found = [[line for line in lines if next(keep)] for lines in runs]
        return [lines if len(lines) >= 2 else [] for lines in found]

    def _narrow(self, index: TextIndex, picks: list[tuple[int, int, str]],
                scored: dict[tuple[int, int], np.ndarray] | None = None) -> list[tuple[int, int]]:
        """Within each picked passage of several paragraphs, the paragraph that scores highest for
        its class; every paragraph of every passage is scored in one call (`scored`: the topic
        probabilities of lines already scored with the passages)."""
        text = index.text
        scored = dict(scored or {})
        spans = list(dict.fromkeys((start, end) for start, end, _ in picks))
        lines = dict(zip(spans, self._lines(index, spans)))
        flat = [span for spans in lines.values() for span in spans if span not in scored]
        if flat:
            if self.joint is not None:
                probs = self._probabilities([text[s:e] for s, e in flat], first=1)[0]
            else:
                probs = self.model.predict_proba([text[s:e] for s, e in flat])
            scored.update(zip(flat, probs))
        out = []
        for start, end, category in picks:
            spans = lines[(start, end)]
            if not spans:
                out.append((start, end))
                continue
            column = np.array([scored[span][self.model.labels.index(category)] for span in spans])
            out.append(spans[int(column.argmax())])
        return out

    def _score(self, index: TextIndex) -> tuple[PassageScores | None, tuple[float, int, int] | None, dict]:
        """Topic scores of the passages, the sensitivity model's best passage, and the topic
        probabilities of lines scored ahead for _narrow."""
        text = index.text
        lead = self.model or self.sensitivity
        spans = index.chinese_passages(lead.passage_chars)
        if not spans:
            return (PassageScores([], np.zeros((0, len(self.model.labels))), self.model.labels)
                    if self.model else None), None, {}
        shared = self.shared
        topic_parts, sensitive_parts = [], []
        if index.short and self.joint is not None and self.model is not None:
            # A short text: the lines _narrow may need are scored with the passages, in one call.
            lines = [span for found in self._lines(index, spans) for span in found]
            probs = self._probabilities([text[s:e] for s, e in spans + lines])
            topic_parts.append(probs[0][:len(spans)])
            if self.sensitivity is not None:
                sensitive_parts.append(probs[-1][:len(spans)])
            ahead = dict(zip(lines, probs[0][len(spans):]))
            spans_batches = []
        else:
            ahead = {}
            spans_batches = range(0, len(spans), PASSAGE_BATCH)
        # A bounded batch of passages at a time: the n-gram arrays stay small however long the text.
        for at in spans_batches:
            passages = [text[s:e] for s, e in spans[at:at + PASSAGE_BATCH]]
            if shared:
                probs = self._probabilities(passages)
                if self.model is not None:
                    topic_parts.append(probs[0])
                if self.sensitivity is not None:
                    sensitive_parts.append(probs[-1])
            else:
                topic_parts.append(self.model.predict_proba(passages))
        topics = sensitive = None
        if self.model is not None:
            topics = PassageScores(spans, np.concatenate(topic_parts), self.model.labels)
        if self.sensitivity is not None:
            if shared:
                own, probs = spans, np.concatenate(sensitive_parts)
            else:
                own = index.chinese_passages(self.sensitivity.passage_chars)
                probs = self.sensitivity.predict_proba([text[s:e] for s, e in own])
            if len(own):
                best = int(probs[:, 0].argmax())
                sensitive = (float(probs[best, 0]), *own[best])
        return topics, sensitive, ahead

    def detect(self, ctx: DetectContext) -> DetectorOutput:
        if self.model is None and self.sensitivity is None:
            return DetectorOutput()
        index = TextIndex(ctx.norm.text)
        result, sensitive, ahead = self._score(index)
        if result is None:
            return DetectorOutput(sensitive=sensitive)
        scores = result.scores()
        findings = []
        over = [c for c in CLASSES if scores[c] >= self.thresholds[c]]  # best passage at its threshold
        picks = [(start, end, category, p) for category in over for start, end, p in
                 result.passages_over(category, self.thresholds[category])[:MAX_EVIDENCE_PER_CLASS]]
        narrowed = self._narrow(index, [pick[:3] for pick in picks], ahead)
        for (start, end), (_, _, category, p) in zip(narrowed, picks):
            o_start, o_end = ctx.norm.span_to_original(start, end)
            findings.append(Finding(
                rule=f"classifier.{category}", category=category,
                text=excerpt(ctx.document.text[o_start:o_end]), start=o_start, end=o_end,
                location=ctx.locate(o_start), score=min(1.0, max(0.0, p)),
            ))
        return DetectorOutput(findings=findings,
                              scores={c: (scores[c] if c in CLASSES else 0.0) for c in CATEGORIES},
                              sensitive=sensitive)
