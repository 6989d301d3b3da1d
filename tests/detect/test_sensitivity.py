"""The sensitivity model: a tier of evidence for concrete unpublished facts that no word list names.

The texts below are the development set's (benchmarks/precision/files/holdout2), which the shipped
model was never trained on; the assertions hold for the model in models/sensitivity.
"""

import numpy as np
import pytest

from scanner.config import parse_config
from scanner.detect.classifier import (
    SENSITIVITY_LABELS, ClassifierDetector, ModelError, TopicModel, load_model, model_folder,
)
from scanner.detect.engine import DetectionEngine
from scanner.detect.normalize import normalize
from scanner.detect.registry import DetectContext
from scanner.model import Document, Location, Segment

# A surveillance plan in a chat: no lexicon term, no topic the classifier is sure of.
WATCH = ("组长：目标今晚8点在蓝湾酒店1206见人，二组外围盯，三组大堂\n小邓：对方几个人\n"
         "组长：估计两个，有一个是上次那个戴眼镜的\n组长：都别穿制服，车停远点，别打草惊蛇")
# An everyday chat of the same length, with figures and times.
PLAIN = ("财务-王姐：上个月的差旅报销单这周四之前交，过了就下个月统一走了\n小蒋：发票抬头写公司全称对吧\n"
         "财务-王姐：对，还要有税号，高铁票要报销凭证不要行程单\n小蒋：收到，我的是3张，一共1286块")


def doc(text: str) -> Document:
    return Document([Segment(line, Location(line=i)) for i, line in enumerate(text.split("\n"), 1)])


def test_a_concrete_unpublished_fact_is_flagged_by_the_model_tier():
    on = DetectionEngine(parse_config("")).detect(doc(WATCH))
    off = DetectionEngine(parse_config('[detect]\nsensitivity_model = ""\n')).detect(doc(WATCH))
    assert off.labels == []
    assert len(on.labels) == 1
    record = on.evidence[on.labels[0]]
    assert record["tier"] == "model"
    assert record["sensitivity"]["p"] >= 0.8
    assert "敏感性模型" in record["why"] and "sensitivity model" in record["why_en"]
    # The window points at the passage the model read.
    assert record["sensitivity"]["window"]["location"] == "line 1"


def test_an_everyday_chat_with_figures_is_not():
    out = DetectionEngine(parse_config("")).detect(doc(PLAIN))
    assert out.labels == [] and out.evidence == {}


def test_the_threshold_and_weight_come_from_config():
    strict = DetectionEngine(parse_config("[detect]\nsensitivity_min = 1.0\nsensitivity_handled_min = 1.0\n")
                             ).detect(doc(WATCH))
    # 别打草惊蛇 is a handling instruction: with it, the lower minimum applies.
    handled = DetectionEngine(parse_config("[detect]\nsensitivity_min = 1.0\nsensitivity_handled_min = 0.3\n")
                              ).detect(doc(WATCH))
    assert handled.labels and handled.evidence[handled.labels[0]]["sensitivity"]["handled"]
    weightless = DetectionEngine(parse_config("[detect]\nsensitivity_weight = 0\n")).detect(doc(WATCH))
    assert strict.labels == [] and weightless.labels == []


def test_public_signs_lower_the_model_evidence():
    # The same facts told by a news agency after the event: the news source line lowers it.
    news = "（新华社北京6月3日电）记者从有关方面获悉：" + WATCH.replace("\n", "。") + "。（完）\n责任编辑：李明"
    plain = DetectionEngine(parse_config("")).detect(doc(WATCH))
    told = DetectionEngine(parse_config("")).detect(doc(news))
    assert told.public, "the news line is a public sign"
    assert max(told.categories.values()) < max(plain.categories.values())


def test_the_class_follows_the_lexicon_hits_in_the_passage():
    # A ship's sailing plan: 出港 is a defence term; the model carries it, the class is defence.
    text = ("副政委：0412舰周四0600出港，去南礁那边，巡逻14天\n副政委：随舰带一架直升机和一个特战分队，12个人\n"
            "机关-小林：好的，家属那边怎么说\n副政委：就说出海训练，具体去哪儿千万别说，朋友圈也别发")
    out = DetectionEngine(parse_config("")).detect(doc(text))
    assert out.labels == ["defense"]


def test_the_two_models_share_hashed_counts():
    config = parse_config("")
    detector = ClassifierDetector(config)
    assert detector.sensitivity.shares_counts(detector.model)
    norm = normalize(WATCH).text
    spans = detector.sensitivity.spans(norm)
    passages = [norm[s:e] for s, e in spans]
    counts = detector.model.featurizer.hashed(passages)
    assert np.allclose(detector.sensitivity.predict_counts(counts), detector.sensitivity.predict_proba(passages))
    assert np.allclose(detector.model.predict_counts(counts), detector.model.predict_proba(passages))
    out = detector.detect(DetectContext(doc(WATCH), normalize(doc(WATCH).text)))
    assert out.sensitive is not None and out.sensitive[0] >= 0.8


def test_a_model_with_the_wrong_label_set_is_refused():
    with pytest.raises(ModelError, match="类别集"):
        TopicModel.load(model_folder("sensitivity"))  # the topic model's labels
    with pytest.raises(ModelError, match="类别集"):
        TopicModel.load(model_folder("default"), SENSITIVITY_LABELS)
    assert load_model(model_folder("sensitivity"), SENSITIVITY_LABELS).labels == SENSITIVITY_LABELS


def test_the_model_alone_can_run_without_the_topic_model():
    out = DetectionEngine(parse_config('[detect]\nmodel = ""\n')).detect(doc(WATCH))
    assert out.topics == [] and len(out.labels) == 1


def test_one_line_of_gossip_is_too_little_for_the_model():
    text = "听说老李要调走了，别外传啊，周一正式宣布。"
    assert DetectionEngine(parse_config("")).detect(doc(text)).labels == []
    loose = DetectionEngine(parse_config("[detect]\nsensitivity_min_chars = 1\nsensitivity_min = 0.3\n")).detect(doc(text))
    assert loose.labels, "the length floor, not the model, lets it pass"


def test_a_release_already_made_lowers_the_model():
    # The same figures after the release: 统计局今天上午发布了 is a public sign.
    before = ("研究部-老田：统计局下周一才发布上半年数据，GDP同比增长5.0%，二季度4.7，先别外传\n"
              "研究部-小黄：社零和固投的数我也拿到了，报告先按这个写")
    after = before.replace("下周一才发布", "今天上午发布了").replace("，先别外传", "")
    out = DetectionEngine(parse_config("")).detect(doc(after))
    assert any(p["id"] == "released" for p in out.public)
    assert out.labels == []
