"""`mijian train` and `mijian evaluate` run end to end on a small corpus."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from scanner import __version__
from scanner.cli import main
from scanner.detect.classifier import LABELS

CORPUS = Path(__file__).resolve().parents[2] / "models" / "training" / "train.jsonl"
EVAL_KEYS = {"model", "corpus", "count", "labels", "per_class", "macro_f1", "accuracy", "confusion", "skipped"}


def _rows(per_label: int, seed: int) -> list[dict]:
    by_label: dict[str, list[dict]] = {}
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        by_label.setdefault(row["label"], []).append(row)
    rng = random.Random(seed)
    return [r for label in sorted(by_label) for r in rng.sample(by_label[label], per_label)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "small.jsonl"
    rows = _rows(34, seed=2)
    rows[0] = {"text": rows[0]["text"], "labels": [rows[0]["label"]]}  # the `labels` form too
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("models") / "small"
    assert main(["train", str(corpus), "-o", str(out)]) == 0
    return out


def test_train_writes_model_card_and_label_set(trained):
    assert {p.name for p in trained.iterdir()} == {"model.json", "weights.npz", "labels.txt", "MODEL_CARD.md"}
    card = (trained / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert f"mijian {__version__}" in card
    assert "small.jsonl" in card and "| 合计 / total |" in card and "macro-F1" in card
    assert (trained / "labels.txt").read_text(encoding="utf-8").split() == list(LABELS)
    meta = json.loads((trained / "model.json").read_text(encoding="utf-8"))
    assert meta["data"]["count"] == 204 and meta["heldout"]["count"] > 0


def test_evaluate_json(trained, corpus, capsys):
    capsys.readouterr()
    assert main(["evaluate", str(corpus), "--model", str(trained), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == EVAL_KEYS
    assert report["count"] == 204 and report["labels"] == list(LABELS)
    assert set(report["per_class"]) == set(LABELS)
    for row in report["per_class"].values():
        assert set(row) == {"precision", "recall", "f1", "support"}
        assert row["support"] == 34
    matrix = report["confusion"]["matrix"]
    assert sum(map(sum, matrix)) == 204 and [sum(r) for r in matrix] == [34] * 6
    assert report["macro_f1"] == pytest.approx(sum(r["f1"] for r in report["per_class"].values()) / 6, abs=1e-3)
    assert report["macro_f1"] > 0.9  # its own training texts


def test_evaluate_text_is_chinese_first(trained, corpus, capsys):
    assert main(["evaluate", str(corpus), "--model", str(trained)]) == 0
    out = capsys.readouterr().out
    assert "宏平均 F1" in out and "混淆矩阵" in out and "精确率" in out
    assert main(["--lang", "en", "evaluate", str(corpus), "--model", str(trained)]) == 0
    assert "macro-F1" in capsys.readouterr().out


def test_train_from_class_folders(tmp_path):
    rows = _rows(6, seed=3)
    root = tmp_path / "docs"
    for i, row in enumerate(rows):
        folder = root / row["label"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i}.txt").write_bytes(row["text"].encode("gbk", errors="ignore"))
    (root / "defense" / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    out = tmp_path / "m"
    assert main(["train", str(root), "-o", str(out), "--holdout", "0"]) == 0
    meta = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert meta["data"]["labels"] == {label: 6 for label in sorted(LABELS)}


def test_a_foreign_model_is_refused_by_evaluate(trained, corpus, tmp_path, capsys):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    for f in trained.iterdir():
        (foreign / f.name).write_bytes(f.read_bytes())
    meta = json.loads((foreign / "model.json").read_text(encoding="utf-8"))
    meta["labels"] = ["spam", "ham"]
    (foreign / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    assert main(["evaluate", str(corpus), "--model", str(foreign)]) == 2
    assert "类别集" in capsys.readouterr().err


def test_an_unknown_label_is_refused(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "甲", "label": "secret"}\n', encoding="utf-8")
    assert main(["train", str(path), "-o", str(tmp_path / "m")]) == 2
    assert "未知类别 secret" in capsys.readouterr().err


def test_train_with_lexicon_features(corpus, tmp_path, capsys):
    """--lexicon-features SCALE records the scale, saves the terms (format 2) and the model predicts."""
    lexicons = tmp_path / "lexicons"
    lexicons.mkdir()
    (lexicons / "defense.txt").write_text("兵役\t2.0\n军事设施\t2.0\n", encoding="utf-8")
    (lexicons / "state_security.txt").write_text("间谍\t2.0\n", encoding="utf-8")
    out = tmp_path / "lex"
    assert main(["--lang", "en", "train", str(corpus), "-o", str(out), "--holdout", "0",
                 "--lexicon-features", "1", "--lexicon-dir", str(lexicons)]) == 0
    assert "lexicon features: 3 terms" in capsys.readouterr().err
    meta = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert meta["features"]["lexicon_scale"] == 1.0 and meta["format_version"] == 2
    assert meta["lexicon"] == {"folder": "lexicons", "terms": 3}
    assert "lexicon features: 3 terms" in (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["evaluate", str(corpus), "--model", str(out), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["macro_f1"] > 0.9


def test_train_without_lexicon_features_stays_format_1(trained):
    meta = json.loads((trained / "model.json").read_text(encoding="utf-8"))
    assert meta["format_version"] == 1 and "lexicon_scale" not in meta["features"] and "lexicon" not in meta


@pytest.mark.parametrize("extra, words", [
    (["--lexicon-features", "-1"], "非负数"),
    (["--svm-c", "0"], "须为正数"),
    (["--lexicon-features", "1", "--lexicon-dir", "/nonexistent/lexicons"], "没有可用的类别词表"),
])
def test_bad_lexicon_features_are_refused(corpus, tmp_path, capsys, extra, words):
    assert main(["train", str(corpus), "-o", str(tmp_path / "m"), *extra]) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_train_with_svm_c_and_source_balance(corpus, tmp_path, capsys):
    out = tmp_path / "tuned"
    assert main(["train", str(corpus), "-o", str(out), "--holdout", "0", "--svm-c", "2", "--balance-sources"]) == 0
    meta = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert meta["training"]["c"] == 2.0 and meta["training"]["balance_sources"] is True
    assert meta["format_version"] == 1  # plain features: older readers still load it
    capsys.readouterr()
    assert main(["evaluate", str(corpus), "--model", str(out), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["macro_f1"] > 0.9

