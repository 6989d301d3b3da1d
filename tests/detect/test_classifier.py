"""The topic classifier: training, the saved format and its refusals, passages, and the detector."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from scanner.config import parse_config
from scanner.detect.classifier import LABELS, ClassifierDetector, ModelError, TopicModel, load_model, model_folder
from scanner.detect.corpus import Example, read_jsonl
from scanner.detect.engine import DetectionEngine
from scanner.detect.evaluation import document_scores
from scanner.detect.features import split_passages
from scanner.detect.normalize import normalize
from scanner.detect.registry import DetectContext
from scanner.detect.training import train
from scanner.model import CATEGORIES, Document, Location, Segment

CORPUS = Path(__file__).resolve().parents[2] / "models" / "training" / "train.jsonl"


def small_slice(per_label: int = 34, seed: int = 1) -> list[Example]:
    """About 200 texts, the same number per label, laws and judgments alike."""
    by_label: dict[str, list[Example]] = {}
    for ex in read_jsonl(CORPUS):
        by_label.setdefault(ex.labels[0], []).append(ex)
    rng = random.Random(seed)
    out = []
    for label in sorted(by_label):
        out.extend(rng.sample(by_label[label], min(per_label, len(by_label[label]))))
    return out


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return small_slice()


@pytest.fixture(scope="module")
def model(examples) -> TopicModel:
    return train(examples)


@pytest.fixture(scope="module")
def saved(model, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("model") / "small"
    model.save(folder)
    return folder


def test_predicts_the_label_of_training_texts(model, examples):
    probs = document_scores(model, [ex.text for ex in examples])
    top = [LABELS[i] for i in probs.argmax(axis=1)]
    accuracy = np.mean([t == ex.labels[0] for t, ex in zip(top, examples)])
    assert accuracy > 0.9
    assert probs.min() >= 0.0 and probs.max() <= 1.0


def test_save_and_load_give_identical_probabilities(model, saved, examples):
    texts = [normalize(ex.text).text for ex in examples[:50]]
    loaded = TopicModel.load(saved)
    assert np.array_equal(model.predict_proba(texts), loaded.predict_proba(texts))
    assert (saved / "labels.txt").read_text(encoding="utf-8").split() == list(LABELS)


def test_load_is_cached_per_path(saved):
    assert load_model(saved) is load_model(saved)


def _copy(saved: Path, dest: Path) -> Path:
    dest.mkdir()
    for f in saved.iterdir():
        (dest / f.name).write_bytes(f.read_bytes())
    return dest


@pytest.mark.parametrize("edit, words", [
    (lambda m: m.update(labels=m["labels"][:-1] + ["other"]), "类别集"),
    (lambda m: m.update(format_version=99), "格式版本"),
    (lambda m: m.update(format="sklearn-pickle"), "不是密检分类模型"),
    (lambda m: m.update(code_version="99.0.0"), "更新版本"),
    (lambda m: m.update(weights_sha256="0" * 64), "校验值"),
])
def test_a_foreign_or_edited_model_is_refused(saved, tmp_path, edit, words):
    folder = _copy(saved, tmp_path / "foreign")
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    edit(meta)
    (folder / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError) as info:
        TopicModel.load(folder)
    text = str(info.value)
    assert words in text and "(" in text  # Chinese first, English in brackets


def test_a_missing_model_is_a_config_error(tmp_path):
    with pytest.raises(ModelError, match="找不到分类模型"):
        load_model(tmp_path / "nothing")


@pytest.mark.parametrize("setting, expected", [
    ("", None),
    ("default", "models/default"),
    ("./models/x", "models/x"),
    ("/tmp/m", "/tmp/m"),
])
def test_model_setting(setting, expected):
    folder = model_folder(setting)
    assert (folder is None) if expected is None else folder.as_posix().endswith(expected)


@pytest.mark.parametrize("text, target, expected", [
    ("", 10, []),
    ("甲乙\n丙丁", 10, [(0, 5)]),                      # short paragraphs merge
    ("甲乙丙\n丁戊己", 5, [(0, 3), (4, 7)]),           # ...but not past the target
    ("一二三。四五六。七八九。", 8, [(0, 8), (8, 12)]),  # long paragraph cut at a sentence end
    ("一二三四五六七八九十", 4, [(0, 4), (4, 8), (8, 10)]),  # no sentence end: hard cut
    ("\n\n  \n甲", 10, [(5, 6)]),
])
def test_split_passages(text, target, expected):
    assert split_passages(text, target) == expected


def _long_document(examples) -> tuple[Document, str]:
    rows = read_jsonl(CORPUS)
    ordinary = [ex.text for ex in rows if ex.labels == ("negative",) and ex not in examples][:30]
    defence = next(ex.text for ex in examples if ex.labels == ("defense",) and 150 < len(ex.text) < 400)
    paragraphs = ordinary[:17] + [defence] + ordinary[17:]
    segments = [Segment(p, Location(page=1 + i // 10, paragraph=i + 1)) for i, p in enumerate(paragraphs)]
    return Document(segments), defence


def test_a_defence_passage_in_a_long_document_is_found_and_named(saved, examples):
    document, defence = _long_document(examples)
    config = parse_config(f'[detect]\nmodel = "{saved.as_posix()}"\n')
    out = ClassifierDetector(config).detect(DetectContext(document, normalize(document.text)))
    assert set(out.scores) == set(CATEGORIES) and out.scores["other"] == 0.0
    assert out.scores["defense"] >= 0.5
    found = [f for f in out.findings if f.rule == "classifier.defense"]
    assert found, out.findings
    best = found[0]
    assert best.location == "page 2, paragraph 18"
    where = document.starts[17]
    assert where <= best.start < best.end <= where + len(defence)
    assert len(best.text) <= 60 and best.text[:10] in " ".join(defence.split())


def test_the_engine_names_the_classifier_topic_without_flagging_by_it(saved, examples):
    document, _ = _long_document(examples)
    config = parse_config(f'[detect]\nmodel = "{saved.as_posix()}"\n')
    detection = DetectionEngine(config).detect(document)
    assert "defense" in detection.topics and detection.topic_scores["defense"] >= 0.6
    assert any(f.rule == "classifier.defense" for f in detection.findings)
    # The passages are public statutes: no strong evidence, so the topic is no label.
    assert "defense" not in detection.labels


def test_model_off_means_no_opinion():
    config = parse_config('[detect]\nmodel = ""\n')
    document = Document([Segment("外交部发言人答记者问", Location(paragraph=1))])
    out = ClassifierDetector(config).detect(DetectContext(document, normalize(document.text)))
    assert out.scores == {} and out.findings == []
