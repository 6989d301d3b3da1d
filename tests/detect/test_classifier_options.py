"""Classifier options beyond the shipped design: lexicon columns and a domain-shared vocabulary (issue 8)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from scanner.detect.classifier import LABELS, TopicModel
from scanner.detect.corpus import Example, read_jsonl
from scanner.detect.evaluation import document_scores
from scanner.detect.features import LEXICON_CLASSES, FeatureSettings, Featurizer
from scanner.detect.normalize import normalize
from scanner.detect.training import TrainParams, lexicon_terms, passages_of, train
from scanner.errors import ConfigError

CORPUS = Path(__file__).resolve().parents[2] / "models" / "training" / "train.jsonl"


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    """About 120 texts, 20 per label."""
    by_label: dict[str, list[Example]] = {}
    for ex in read_jsonl(CORPUS):
        by_label.setdefault(ex.labels[0], []).append(ex)
    rng = random.Random(3)
    return [ex for label in sorted(by_label) for ex in rng.sample(by_label[label], 20)]


def _accuracy(model: TopicModel, examples: list[Example]) -> float:
    top = document_scores(model, [ex.text for ex in examples]).argmax(axis=1)
    return float(np.mean([LABELS[i] == ex.labels[0] for i, ex in zip(top, examples)]))


def test_default_settings_write_what_format_1_wrote():
    # A default model's model.json keeps exactly the keys the shipped model has.
    assert set(FeatureSettings().to_dict()) == {"ngram_min", "ngram_max", "n_features", "words", "sublinear_tf"}
    assert "shared_min_df" not in TrainParams().to_dict()
    assert FeatureSettings(lexicon_scale=2.0).to_dict()["lexicon_scale"] == 2.0
    assert FeatureSettings().width == FeatureSettings().ngram_width == 2 ** 18


LEXICON = [("导弹", "defense", 2.0), ("部队", "defense", 1.0), ("外交", "foreign_affairs", 1.5)]


def test_lexicon_columns_count_hits_per_class():
    settings = FeatureSettings(n_features=2 ** 10, lexicon_scale=2.0)
    featurizer = Featurizer(settings, lexicon=LEXICON).fit(["导弹部队", "外交部"])
    x = featurizer.transform(["导弹导弹部队", "今天天气很好"]).toarray()
    assert x.shape == (2, settings.width) == (2, 2 ** 10 + len(LEXICON_CLASSES))
    lex = x[:, -len(LEXICON_CLASSES):]
    defence = LEXICON_CLASSES.index("defense")
    # 导弹 twice: 2 * (1 + ln 2); 部队 once: 1.
    assert lex[0, defence] == pytest.approx(2.0 * np.log1p(2.0 * (1 + np.log(2)) + 1.0), rel=1e-5)
    assert lex[0].sum() == lex[0, defence] and not lex[1].any()
    with pytest.raises(ValueError):
        Featurizer(settings)


def test_lexicon_model_trains_predicts_and_round_trips(examples, tmp_path):
    folder = tmp_path / "lexicons"
    folder.mkdir()
    (folder / "defense.txt").write_text("# test\n兵役\t2.0\n军事设施\t2.0\n", encoding="utf-8")
    (folder / "state_security.txt").write_text("间谍\t2.0\n", encoding="utf-8")
    terms = lexicon_terms(folder)
    assert ("兵役", "defense", 2.0) in terms and len(terms) == 3
    model = train(examples, FeatureSettings(lexicon_scale=1.0), TrainParams(), lexicon=terms)
    assert _accuracy(model, examples) > 0.9
    defence = LABELS.index("defense")
    assert model.coef[defence, -len(LEXICON_CLASSES) + LEXICON_CLASSES.index("defense")] > 0
    saved = tmp_path / "model"
    model.save(saved)
    meta = json.loads((saved / "model.json").read_text(encoding="utf-8"))
    assert meta["features"]["lexicon_scale"] == 1.0 and meta["format_version"] == 2
    loaded = TopicModel.load(saved)
    assert loaded.featurizer.lexicon_terms == terms
    texts = [normalize(ex.text).text for ex in examples[:30]] + ["依法服兵役，保护军事设施。"]
    assert np.array_equal(model.predict_proba(texts), loaded.predict_proba(texts))


def test_lexicon_defaults_to_the_shipped_lexicons(examples):
    model = train(examples[::2], FeatureSettings(n_features=2 ** 12, lexicon_scale=1.0))
    assert {c for _, c, _ in model.featurizer.lexicon_terms} == set(LEXICON_CLASSES)


def test_shared_vocabulary_drops_ngrams_the_target_lacks(examples):
    target = [ex.text for ex in examples[1::2]]
    with pytest.raises(ConfigError, match="shared_min_df"):
        train(examples, params=TrainParams(shared_min_df=2))
    plain = train(examples)
    shared = train(examples, params=TrainParams(shared_min_df=2), unlabelled=target)
    kept = shared.featurizer.idf > 0
    assert 0 < kept.sum() < (plain.featurizer.idf > 0).sum()
    counter = Featurizer(FeatureSettings(), plain.featurizer.idf)

    def df(texts):
        return np.bincount(counter.counts(texts).indices, minlength=FeatureSettings().width)

    source_df = df([normalize(ex.text).text for ex in examples])
    target_df = df(passages_of(target))
    assert np.array_equal(kept, (source_df >= 2) & (target_df >= 2))
    assert ((source_df >= 2) & (target_df < 2)).any()  # some were dropped for the target's sake
    assert _accuracy(shared, examples) > 0.8


def test_format_versions(examples, tmp_path):
    """Plain models stay format 1 (read by older Mijian); lexicon columns make format 2; both load;
    a version that does not match the settings is refused."""
    from scanner.detect.classifier import ModelError

    small = FeatureSettings(n_features=2 ** 10)
    plain = train(examples[::2], small)
    lexical = train(examples[::2], FeatureSettings(n_features=2 ** 10, lexicon_scale=1.0), lexicon=LEXICON)
    assert plain.meta["format_version"] == 1 and lexical.meta["format_version"] == 2
    for name, model, wrong in (("plain", plain, 2), ("lexical", lexical, 1)):
        folder = tmp_path / name
        model.save(folder)
        assert TopicModel.load(folder).meta["format_version"] == model.meta["format_version"]
        meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        meta["format_version"] = wrong
        (folder / "model.json").write_text(json.dumps(meta), encoding="utf-8")
        with pytest.raises(ModelError, match="格式版本"):
            TopicModel.load(folder)


def test_the_shipped_model_loads():
    from scanner.detect.classifier import load_model, model_folder

    model = load_model(model_folder("default"))
    assert model.meta["format_version"] in (1, 2)
    assert bool(model.featurizer.settings.lexicon_scale) == (model.meta["format_version"] == 2)


def test_logistic_regression_scorer_is_a_training_option(examples, tmp_path):
    """TrainParams.linear="logreg" fits logistic regression; recorded only when set; read like any model."""
    assert "linear" not in TrainParams().to_dict()
    small = FeatureSettings(n_features=2 ** 12)
    model = train(examples, small, TrainParams(linear="logreg", c=10.0))
    assert model.meta["training"]["linear"] == "logreg"
    assert _accuracy(model, examples) > 0.9
    assert not np.array_equal(model.coef, train(examples, small).coef)
    model.save(tmp_path / "lr")
    loaded = TopicModel.load(tmp_path / "lr")
    texts = [normalize(ex.text).text for ex in examples[:20]]
    assert np.array_equal(model.predict_proba(texts), loaded.predict_proba(texts))
    with pytest.raises(ConfigError, match="logreg"):
        train(examples, small, TrainParams(linear="tree"))


def test_max_abs_norm_scales_each_row_to_a_largest_value_of_one(examples, tmp_path):
    assert "norm" not in FeatureSettings().to_dict()
    settings = FeatureSettings(n_features=2 ** 10, norm="max")
    assert settings.to_dict()["norm"] == "max"
    x = Featurizer(settings).fit(["导弹部队", "外交部"]).transform(["导弹导弹部队", "外交", ""])
    assert np.allclose(abs(x).max(axis=1).toarray().ravel(), [1.0, 1.0, 0.0])
    with pytest.raises(ValueError):
        FeatureSettings(norm="l1")
    model = train(examples[::2], settings)
    model.save(tmp_path / "max")
    loaded = TopicModel.load(tmp_path / "max")
    assert loaded.featurizer.settings.norm == "max"
    texts = [normalize(ex.text).text for ex in examples[:20]]
    assert np.array_equal(model.predict_proba(texts), loaded.predict_proba(texts))
