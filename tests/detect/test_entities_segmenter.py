"""The entity model loaded with its own lazily filled jieba dictionary finds exactly what the same model
finds when jieba holds its whole dictionary (the straightforward way spaCy loads it)."""

from __future__ import annotations

import json
from pathlib import Path

import jieba
import pytest

from scanner.detect import jieba_cache
from scanner.detect.entities import _load_with_segmenter, load_ner_model
from scanner.detect.spacy_import import import_spacy
from scanner.resources import data_path

ROOT = Path(__file__).resolve().parents[2]
FOLDER = data_path("models") / "ner"


class WholeDictionary:
    """jieba's cut with the whole dictionary built from dict.txt, as spaCy would call jieba.cut."""

    def __init__(self):
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.FREQ, self.tokenizer.total = self.tokenizer.gen_pfdict(self.tokenizer.get_dict_file())
        self.tokenizer.initialized = True

    def cut(self, text, cut_all=False):
        return self.tokenizer.cut(text, cut_all=cut_all)


@pytest.fixture(scope="module")
def reference():
    return _load_with_segmenter(import_spacy(), FOLDER, WholeDictionary())


def _windows() -> list[str]:
    """Windows of real text as EntityFinder.near reads them (~136 characters), and a few whole paragraphs."""
    rows = [json.loads(line)["text"] for line in (ROOT / "models" / "training" / "train.jsonl").open(encoding="utf-8")]
    picked = rows[:: max(1, len(rows) // 40)]
    return [t[i:i + 136] for t in picked for i in (0, len(t) // 2)] + [t[:600] for t in picked[:5]]


def test_same_entities_as_with_the_whole_dictionary(reference):
    nlp = load_ner_model(FOLDER)
    assert isinstance(nlp.tokenizer.jieba_seg, jieba_cache.LazySegmenter)
    texts = _windows() + ["美国国务院和日本外务省的代表将于下周访问北京，外交部发言人张明表示欢迎。"]
    got = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]
    expected = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in reference.pipe(texts)]
    assert got == expected
    assert sum(map(len, expected)) > 50  # the texts do hold entities
    words = [[t.text for t in doc] for doc in nlp.pipe(texts)]
    assert words == [[t.text for t in doc] for doc in reference.pipe(texts)]


def test_spacy_without_try_jieba_import_gets_the_whole_dictionary(reference, monkeypatch, tmp_path):
    """Should another spaCy lack try_jieba_import, its tokenizer uses jieba's shared tokenizer: that is
    filled from the cache file (never jieba's copy in the shared temporary folder) before spaCy loads."""
    import importlib

    zh = importlib.import_module("spacy.lang.zh")
    shared = jieba.dt
    for name, value in (("FREQ", {}), ("total", 0), ("initialized", False), ("tmp_dir", str(tmp_path))):
        monkeypatch.setattr(shared, name, value)  # restored afterwards
    monkeypatch.delattr(zh, "try_jieba_import")

    def another_spacy(self, vocab, segmenter="char"):  # what spaCy 3.8 does, without the helper
        self.vocab, self.segmenter, self.pkuseg_seg = vocab, segmenter, None
        list(jieba.cut("作为", cut_all=False))
        self.jieba_seg = jieba

    monkeypatch.setattr(zh.ChineseTokenizer, "__init__", another_spacy)
    nlp = _load_with_segmenter(import_spacy(), FOLDER, jieba_cache.segmenter(jieba))
    assert nlp.tokenizer.jieba_seg is jieba and shared.initialized
    assert shared.FREQ == WholeDictionary().tokenizer.FREQ
    assert list(tmp_path.iterdir()) == []  # jieba read nothing and wrote nothing of its own
    texts = _windows()[:20]
    assert ([[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
            == [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in reference.pipe(texts)])
