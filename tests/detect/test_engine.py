"""The engine: detectors' class scores combine as a weighted noisy-OR, and labels follow thresholds."""

import pytest

from scanner.config import parse_config
from scanner.detect.classifier import ClassifierDetector
from scanner.detect.engine import DetectionEngine
from scanner.detect.normalize import normalize
from scanner.detect.registry import DetectContext
from scanner.model import CATEGORIES, Document, Location, Segment

TEXT = ("国防部新闻发言人介绍，部队近期在东南沿海组织实兵对抗演练，检验远程机动和联合作战指挥能力，"
        "参演兵力包括陆军合成旅和空军航空兵部队。")


@pytest.fixture(scope="module")
def document():
    return Document([Segment(TEXT, Location(paragraph=1))])


@pytest.mark.parametrize("weight", [0.0, 0.45, 1.0])
def test_scores_are_a_weighted_noisy_or(document, weight):
    lexicon_only = DetectionEngine(parse_config('[detect]\nmodel = ""\n')).detect(document).categories
    config = parse_config(f"[detect]\nclassifier_weight = {weight}\n")
    classifier = ClassifierDetector(config).detect(DetectContext(document, normalize(document.text))).scores
    combined = DetectionEngine(config).detect(document).categories
    for c in CATEGORIES:
        expected = 1 - (1 - lexicon_only[c]) * (1 - weight * classifier.get(c, 0.0))
        assert combined[c] == pytest.approx(expected, abs=1e-9)
    assert classifier["defense"] > 0.5  # the topic is plain; the point is how much it counts


def test_the_classifier_alone_does_not_flag_by_default():
    # A topic alone is not a secret: with no sensitive term, a business report on economic
    # topics is lifted towards the threshold but not over it, unless the weight says so.
    text = "本季度公司营业收入同比增长百分之十二，净利润率有所提高，董事会建议提高分红比例并扩大投资。"
    document = Document([Segment(text, Location(paragraph=1))])
    default = DetectionEngine(parse_config("")).detect(document)
    assert not [f for f in default.findings if f.rule.startswith("lexicon.")]
    assert default.labels == [] and 0.3 < default.categories["economy"] < 0.5
    trusting = DetectionEngine(parse_config("[detect]\nclassifier_weight = 1.0\n")).detect(document)
    assert trusting.labels == ["economy"]


def test_labels_follow_per_class_thresholds(document):
    strict = parse_config("[detect]\nclassifier_weight = 1.0\n[detect.thresholds]\ndefense = 1.0\n")
    loose = parse_config("[detect]\nclassifier_weight = 1.0\n[detect.thresholds]\ndefense = 0.05\n")
    assert "defense" not in DetectionEngine(strict).detect(document).labels
    assert "defense" in DetectionEngine(loose).detect(document).labels
