"""Text to features for the classifier (hashed n-grams, no stored vocabulary) and passage splitting."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields

from typing import TYPE_CHECKING

import numpy as np

from scanner.detect import hashing, ngram_counts
from scanner.model import CATEGORIES

if TYPE_CHECKING:
    from scipy import sparse

# Classes that get a lexicon column when FeatureSettings.lexicon_scale is on ("other" is the
# organisation's own list, which the model never predicts).
LEXICON_CLASSES: tuple[str, ...] = tuple(c for c in CATEGORIES if c != "other")
# FeatureSettings.norm: how each row of n-gram features is scaled.
NORMS: tuple[str, ...] = ("l2", "max")


@dataclass(frozen=True)
class FeatureSettings:
    """How text becomes a vector; stored in model.json so a model is read the way it was trained."""

    ngram_min: int = 1
    ngram_max: int = 3
    n_features: int = 2 ** 18
    # jieba words hashed into a second block of the same size (slow: DESIGN.md, 0.8 MB/s).
    words: bool = False
    sublinear_tf: bool = True
    # Lexicon hits as dense features (0: off), one column per class in LEXICON_CLASSES:
    # scale * ln(1 + sum over distinct terms of weight * (1 + ln count)), no context words, no
    # allow-list. The terms are saved with the model, so a model reads text as it was trained.
    lexicon_scale: float = 0.0
    # Row normalisation of the n-gram block: "l2" (unit length) or "max" (largest value 1).
    norm: str = "l2"

    # Options added after format 1 shipped: written only when set, so a default model's
    # model.json is unchanged (and an older Mijian still reads it).
    _OPTIONAL = {"lexicon_scale": 0.0, "norm": "l2"}

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if not (k in self._OPTIONAL and v == self._OPTIONAL[k])}

    @classmethod
    def from_dict(cls, data: dict) -> "FeatureSettings":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown feature settings: {', '.join(sorted(unknown))}")
        return cls(**data)

    def __post_init__(self):
        if self.norm not in NORMS:
            raise ValueError(f"unknown norm {self.norm!r}; known: {', '.join(NORMS)}")

    @property
    def ngram_width(self) -> int:
        return self.n_features * (2 if self.words else 1)

    @property
    def width(self) -> int:
        return self.ngram_width + (len(LEXICON_CLASSES) if self.lexicon_scale else 0)


def _jieba_words(text: str) -> list[str]:
    import jieba  # imported only when a model asks for words: it takes a second to load

    jieba.setLogLevel(60)
    return [w for w in jieba.lcut(text) if w.strip()]


LexiconTerms = list[tuple[str, str, float]]  # (normalised term, class, weight)


class _LexiconColumns:
    """Per-class lexicon evidence of each text (Aho-Corasick over the model's own terms)."""

    def __init__(self, terms: LexiconTerms, scale: float):
        import ahocorasick

        self.terms = [(t, c, float(w)) for t, c, w in terms if c in LEXICON_CLASSES and t]
        self.scale = scale
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[int, float]]] = {}
        for t, c, w in self.terms:
            entries.setdefault(t, []).append((LEXICON_CLASSES.index(c), w))
        for i, (t, cls_weights) in enumerate(entries.items()):
            self._automaton.add_word(t, (i, tuple(cls_weights)))
        self._empty = not entries
        if not self._empty:
            self._automaton.make_automaton()

    def transform(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(LEXICON_CLASSES)), dtype=np.float32)
        if self._empty:
            return out
        for row, text in enumerate(texts):
            counts: dict[int, list] = {}
            for _, (i, cls_weights) in self._automaton.iter(text):
                if i in counts:
                    counts[i][0] += 1
                else:
                    counts[i] = [1, cls_weights]
            for n, cls_weights in counts.values():
                for j, w in cls_weights:
                    out[row, j] += w * (1.0 + np.log(n))
        return (self.scale * np.log1p(out)).astype(np.float32)


@dataclass(frozen=True)
class HashedCounts:
    """Sparse term frequencies of n texts without scipy: the distinct (row, bucket) pairs sorted
    by row, each with its tf (1 + ln count when sublinear); made once, read by every model with
    the same feature settings."""

    n: int
    rows: np.ndarray
    buckets: np.ndarray
    tf: np.ndarray


class Featurizer:
    """Hashed character n-grams (and optionally words), sublinear tf, idf, L2-normalised rows;
    optionally dense per-class lexicon columns after them. A scan scores with numpy alone
    (`hashed`, `scores`); training reads scipy matrices made by scikit-learn (`counts`, `transform`),
    with the same feature indices (tests/detect/test_hashing.py)."""

    def __init__(self, settings: FeatureSettings, idf: np.ndarray | None = None,
                 lexicon: LexiconTerms | None = None):
        self.settings = settings
        self.idf = idf
        self._vectorizers = None
        self._lexicon = None
        if settings.lexicon_scale:
            if lexicon is None:
                raise ValueError("lexicon_scale is set but no lexicon terms were given")
            self._lexicon = _LexiconColumns(lexicon, settings.lexicon_scale)

    @property
    def lexicon_terms(self) -> LexiconTerms:
        return list(self._lexicon.terms) if self._lexicon is not None else []

    def hashed(self, texts: list[str]) -> HashedCounts:
        """The texts' term frequencies with numpy alone (a scan never imports scikit-learn or scipy)."""
        s = self.settings
        fast = None if s.words else ngram_counts.char_ngram_counts(
            [hashing.prepare(t) for t in texts], s.ngram_min, s.ngram_max, s.n_features)
        if fast is not None:
            rows, buckets, n = fast
        else:
            rows, buckets = hashing.char_ngram_buckets(texts, s.ngram_min, s.ngram_max, s.n_features)
            if s.words:
                word_rows, word_buckets = hashing.token_buckets([_jieba_words(t) for t in texts], s.n_features)
                rows = np.concatenate([rows, word_rows])
                buckets = np.concatenate([buckets, word_buckets + s.n_features])
            rows, buckets, n = hashing.count(rows, buckets, s.ngram_width)
        tf = n.astype(np.float64)
        if s.sublinear_tf:
            tf = 1.0 + np.log(tf)
        return HashedCounts(len(texts), rows, buckets, tf)

    def scores(self, counts: HashedCounts, coef_t: np.ndarray, texts: list[str] | None = None) -> np.ndarray:
        """Each text's weighed, normalised features times coef_t (width × labels), in float64:
        idf, row norm and lexicon columns as `weigh` makes them; `texts` for lexicon columns."""
        if self.idf is None:
            raise RuntimeError("featurizer is not fitted")
        values = counts.tf * self.idf.take(counts.buckets)
        out = np.zeros((counts.n, coef_t.shape[1]))
        if len(values):
            # Rows are sorted: each row's entries are one run, summed by reduceat from its first entry.
            firsts = np.flatnonzero(np.diff(counts.rows, prepend=-1))
            present = counts.rows[firsts]
            if self.settings.norm == "max":
                norms = np.maximum.reduceat(np.abs(values), firsts)
            else:
                norms = np.sqrt(np.add.reduceat(values * values, firsts))
            norms[norms == 0] = 1.0
            weighted = coef_t.take(counts.buckets, axis=0) * values[:, None]
            out[present] = np.add.reduceat(weighted, firsts, axis=0) / norms[:, None]
        if self._lexicon is not None:
            if texts is None:
                raise ValueError("lexicon columns need the texts")
            out += self._lexicon.transform(texts).astype(np.float64) @ coef_t[self.settings.ngram_width:]
        return out

    def counts(self, texts: list[str]) -> "sparse.csr_matrix":
        """Training's counts: scikit-learn's HashingVectorizer (the reference `hashed` must equal)."""
        from scipy import sparse

        chars, words = self._hashing_vectorizers()
        x = chars.transform(texts)
        if words is not None:
            x = sparse.hstack([x, words.transform(texts)], format="csr")
        x = sparse.csr_matrix(x, dtype=np.float32)
        if self.settings.sublinear_tf:
            np.log(x.data, out=x.data)
            x.data += 1.0
        return x

    def _hashing_vectorizers(self):
        if self._vectorizers is None:
            from sklearn.feature_extraction.text import HashingVectorizer

            s = self.settings
            chars = HashingVectorizer(
                analyzer="char", ngram_range=(s.ngram_min, s.ngram_max), n_features=s.n_features,
                alternate_sign=False, norm=None, lowercase=True, dtype=np.float32,
            )
            words = None
            if s.words:
                words = HashingVectorizer(analyzer=_jieba_words, n_features=s.n_features, alternate_sign=False,
                                          norm=None, dtype=np.float32)
            self._vectorizers = (chars, words)
        return self._vectorizers

    def _df(self, texts: list[str]) -> np.ndarray:
        x = self.counts(texts)
        return np.bincount(x.indices, minlength=self.settings.ngram_width).astype(np.float64)

    def fit(self, texts: list[str], shared_with: list[str] | None = None, shared_min_df: int = 0) -> "Featurizer":
        """idf from `texts`. With `shared_with` (unlabelled texts of the kind to be classified) and
        `shared_min_df` > 0, n-grams found in fewer than that many texts of either side get idf 0,
        which drops them: the model learns only from features both kinds of text share."""
        df = self._df(texts)
        n = len(texts)
        # Smoothed idf, as in scikit-learn's TfidfTransformer; stored as float32 like the weights.
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        if shared_with is not None and shared_min_df > 0:
            idf[(df < shared_min_df) | (self._df(shared_with) < shared_min_df)] = 0.0
        lexicon_columns = self.settings.width - self.settings.ngram_width
        self.idf = np.concatenate([idf, np.ones(lexicon_columns)]).astype(np.float32)
        return self

    def transform(self, texts: list[str]) -> "sparse.csr_matrix":
        return self.weigh(self.counts(texts), texts, copy=False)

    def weigh(self, counts: "sparse.csr_matrix", texts: list[str] | None = None,
              copy: bool = True) -> "sparse.csr_matrix":
        """idf-weighted, normalised rows from `counts` (left unchanged unless copy is False);
        `texts` for lexicon columns."""
        if self.idf is None:
            raise RuntimeError("featurizer is not fitted")
        x = counts.copy() if copy else counts
        x.data *= self.idf[x.indices]
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        if self.settings.norm == "max":
            norms = np.zeros(x.shape[0])
            np.maximum.at(norms, rows, np.abs(x.data).astype(np.float64))
        else:
            norms = np.sqrt(np.bincount(rows, weights=x.data.astype(np.float64) ** 2, minlength=x.shape[0]))
        norms[norms == 0] = 1.0
        x.data /= norms[rows].astype(np.float32)
        if self._lexicon is not None:
            from scipy import sparse

            if texts is None:
                raise ValueError("lexicon columns need the texts")
            x = sparse.hstack([x, sparse.csr_matrix(self._lexicon.transform(texts))], format="csr")
        return x


_NOT_CJK = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff]+")


def mostly_chinese(text: str, minimum: int = 10, share: float = 0.3) -> bool:
    """Whether a passage is Chinese enough to classify: the model knows no other language,
    and English prose or code otherwise scores as `science_technology`."""
    cjk = len(_NOT_CJK.sub("", text))  # the CJK characters counted without a list of them
    return cjk >= minimum and cjk >= share * len("".join(text.split()))


# Where a long paragraph may be cut: after a sentence end, else after a clause.
_SENTENCE_END = re.compile(r"[。！？!?；;]+[”’」』）)]*")


def _cut_long(text: str, start: int, end: int, target: int) -> list[tuple[int, int]]:
    """Cut text[start:end] into pieces of about `target` characters at sentence ends."""
    pieces = []
    while end - start > target:
        window = text[start:start + target]
        cut = 0
        for m in _SENTENCE_END.finditer(window):
            if m.end() >= target // 3:
                cut = m.end()
        if cut == 0:
            cut = target  # no sentence end: cut hard rather than grow without bound
        pieces.append((start, start + cut))
        start += cut
    if end > start:
        pieces.append((start, end))
    return pieces


def split_passages(text: str, target: int = 400,
                   paragraphs: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Spans of passages: whole paragraphs merged up to `target` characters, long ones cut.

    A paragraph is never merged into a passage that would then exceed `target`, so one
    sensitive paragraph among ordinary ones keeps most of its own passage. `paragraphs`, when
    given, are the text's lines that are not blank (passages.TextIndex finds them with numpy).
    """
    spans: list[tuple[int, int]] = []
    if paragraphs is None:
        paragraphs = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]
    current: tuple[int, int] | None = None
    for start, end in paragraphs:
        if end - start > target:
            if current:
                spans.append(current)
                current = None
            spans.extend(_cut_long(text, start, end, target))
        elif current is None:
            current = (start, end)
        elif end - current[0] <= target:
            current = (current[0], end)
        else:
            spans.append(current)
            current = (start, end)
    if current:
        spans.append(current)
    return spans
