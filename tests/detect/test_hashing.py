"""Scan-time scoring with numpy alone equals the scikit-learn path the models were trained with:
the same hashed n-gram indices and counts, the same probabilities (to 1e-9), and a detection that
never imports scikit-learn or scipy."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from scanner.detect import hashing
from scanner.detect.classifier import LABELS, SENSITIVITY_LABELS, load_model, model_folder
from scanner.detect.features import FeatureSettings, Featurizer
from scanner.detect.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
# Edge cases of scikit-learn's char analyzer: runs of white space (collapsed to one space), a single
# newline (kept), upper case and letters whose lower case is longer (İ), 4-byte characters.
ODD = ["", "a", "AB  c\n\nd\te\nf", "😀😀😀x𠀀", "İstanbul ǅ ß ΣΑΣ", "机\u3000\u3000密 ★ 10年", "x" * 3, "  "]


def real_texts(count: int = 300) -> list[str]:
    """Laws, judgments, headlines and the sensitivity model's chats and e-mails, normalised as a scan does."""
    texts = []
    for path in [ROOT / "models" / "training" / "train.jsonl", *sorted((ROOT / "models" / "training" / "sensitivity").glob("*.jsonl"))]:
        lines = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        texts += lines[:: max(1, len(lines) // 40)][:40]
    return [normalize(t).text for t in texts[:count]]


def sklearn_counts(texts: list[str], settings: FeatureSettings) -> sparse.csr_matrix:
    vectorizer = HashingVectorizer(analyzer="char", ngram_range=(settings.ngram_min, settings.ngram_max),
                                   n_features=settings.n_features, alternate_sign=False, norm=None,
                                   lowercase=True, dtype=np.float64)
    return sparse.csr_matrix(vectorizer.transform(texts))


def test_murmur3_equals_scikit_learn_on_keys_of_every_length():
    rng = np.random.default_rng(3)
    keys = [bytes(rng.integers(0, 256, size=n, dtype=np.uint8)) for n in range(0, 40) for _ in range(5)]
    buffer = np.frombuffer(b"".join(keys) + bytes(16), dtype=np.uint8)
    lengths = np.array([len(k) for k in keys])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    assert hashing.murmur3_32(buffer, starts, lengths).tolist() == [murmurhash3_32(k, 0) for k in keys]


@pytest.mark.parametrize("ngrams", [(1, 3), (1, 2), (2, 4)])
def test_hashed_counts_equal_hashing_vectorizer(ngrams):
    settings = FeatureSettings(ngram_min=ngrams[0], ngram_max=ngrams[1])
    texts = real_texts() + ODD
    expected = sklearn_counts(texts, settings).tocoo()
    order = np.lexsort((expected.col, expected.row))
    got = Featurizer(settings).hashed(texts)
    assert got.n == len(texts)
    assert np.array_equal(got.rows, expected.row[order])
    assert np.array_equal(got.buckets, expected.col[order])
    assert np.array_equal(got.tf, 1.0 + np.log(expected.data[order]))


def reference_probabilities(model, texts: list[str]) -> np.ndarray:
    """The scikit-learn/scipy path in float64: counts, sublinear tf, idf, L2 rows, linear, Platt."""
    x = sklearn_counts(texts, model.featurizer.settings)
    x.data = (1.0 + np.log(x.data)) * model.featurizer.idf[x.indices].astype(np.float64)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    x = sparse.diags(1.0 / norms) @ x
    decisions = x @ model.coef.T.astype(np.float64) + model.intercept.astype(np.float64)
    z = decisions * model.platt[0].astype(np.float64) + model.platt[1].astype(np.float64)
    return 1.0 / (1.0 + np.exp(-z))


@pytest.mark.parametrize("name,labels", [("default", LABELS), ("sensitivity", SENSITIVITY_LABELS)])
def test_shipped_models_score_as_the_scikit_learn_path(name, labels):
    model = load_model(model_folder(name), labels)
    texts = real_texts()
    passages = [t[s:e] for t in texts for s, e in model.spans(t)]
    assert len(passages) >= 300
    got = model.predict_proba(passages)
    want = reference_probabilities(model, passages)
    assert np.abs(got - want).max() < 1e-9
    # The labels the model would name are the same too.
    assert np.array_equal(got.argmax(axis=1), want.argmax(axis=1))


def test_a_detection_imports_neither_scikit_learn_nor_scipy():
    code = (
        "import sys\n"
        "from scanner.config import Config\n"
        "from scanner.detect.engine import DetectionEngine\n"
        "from scanner.model import Document, Location, Segment\n"
        "text = '我军在东海方向部署导弹部队，作战部署与兵力部署均已完成，请勿外传。' * 20\n"
        "detection = DetectionEngine(Config()).detect(Document([Segment(text, Location())]))\n"
        "assert detection.topic_scores, 'the classifier did not run'\n"
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
