"""Word boundaries: a short lexicon hit that the segmentation cuts through is not evidence."""

from __future__ import annotations

import pytest

from scanner.config import Config, DetectSettings
from scanner.detect.boundaries import cut_through
from scanner.detect.lexicon import LexiconDetector
from scanner.detect.normalize import normalize
from scanner.detect.registry import DetectContext
from scanner.model import Document, Location, Segment


def findings(text: str, config: Config | None = None) -> list[str]:
    doc = Document([Segment(text, Location(line=1))])
    out = LexiconDetector(config or Config()).detect(DetectContext(doc, normalize(doc.text)))
    return [f.text for f in out.findings]


@pytest.mark.parametrize(
    "text, term, cut",
    [
        ("高中校长", "中校", True),  # 高中|校长, not the rank 中校
        ("北大校友", "大校", True),
        ("减少将会", "少将", True),
        ("美军区域", "军区", True),
        ("士兵力量", "兵力", True),
        ("外交官兵分两路", "外交官", True),
        ("服务热线人员", "线人", True),
        ("在线人数超过一万", "线人", True),
        ("热线人事处", "线人", True),
        ("公安机关发展线人", "线人", False),
        ("调整兵力部署", "兵力", False),
        ("授予少将军衔", "少将", False),
    ],
)
def test_cut_through(text, term, cut):
    start = text.index(term)
    assert cut_through(text, start, start + len(term)) is cut


def test_the_harmless_sentence_of_issue_12_finds_nothing():
    text = "高中校长和北大校友减少将会挑战区域，美军区域士兵力量，外交官兵分两路。"
    # Only 官兵 stays (the segmentation reads 外交|官兵|分两路): a weak topic word that flags nothing.
    assert findings(text) == ["官兵"]
    doc = Document([Segment(text, Location(line=1))])
    assert LexiconDetector(Config()).detect(DetectContext(doc, normalize(doc.text))).scores["defense"] == 0.0
    # The same text without the check: the false matches come back (this is what scored 0.94).
    off = findings(text, Config(detect=DetectSettings(word_boundaries=False)))
    assert {"军区", "兵力", "战区"} <= set(off)


def test_longer_terms_are_not_checked():
    # A four-character term is specific enough: 作战部署 inside 作战部署图 still counts.
    assert findings("附作战部署图一张") == ["作战部署"]


def test_a_hit_inside_a_longer_hit_counts_once():
    assert findings("调整兵力部署") == ["兵力部署"]
