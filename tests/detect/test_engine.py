"""The engine: class scores come from tiers of lexicon evidence; the classifier only raises them and names topics."""

import math

import pytest

from scanner.config import parse_config
from scanner.detect.classifier import ClassifierDetector
from scanner.detect.engine import DetectionEngine
from scanner.detect.normalize import normalize
from scanner.detect.registry import DetectContext
from scanner.model import CATEGORIES, Document, Location, Segment

# Strong defence evidence (兵力部署, 作战部署) next to a handling instruction.
TEXT = ("关于调整兵力部署的通知（内部掌握，不得外传）：某旅两个营于5月10日前出至指定地域，"
        "作战部署另行下达。国防部新闻发言人此前介绍，部队近期组织实兵对抗演练。")


def doc(text: str) -> Document:
    return Document([Segment(text, Location(paragraph=1))])


@pytest.mark.parametrize("weight", [0.0, 0.3, 1.0])
def test_the_classifier_raises_existing_evidence_by_its_weight(weight):
    document = doc(TEXT)
    # Without the short-text rule, whose class follows the topic (tested below).
    # Without the sensitivity model either: its evidence is tested in test_sensitivity.py.
    off = DetectionEngine(parse_config('[detect]\nmodel = ""\nshort_text_chars = 1\nsensitivity_model = ""\n')
                          ).detect(document)
    config = parse_config(f"[detect]\nclassifier_weight = {weight}\nshort_text_chars = 1\nsensitivity_model = \"\"\n")
    topic = ClassifierDetector(config).detect(DetectContext(document, normalize(document.text))).scores
    on = DetectionEngine(config).detect(document)
    scale = config.detect.score_scale
    for c in CATEGORIES:
        lexicon = -math.log(1 - off.categories[c]) * scale  # the lexicon's evidence
        factor = 1 + weight * topic.get(c, 0.0) if lexicon > 0 else 1.0
        assert on.categories[c] == pytest.approx(1 - math.exp(-lexicon * factor / scale), abs=1e-9)
    assert off.categories["defense"] > 0.5 and "defense" in on.labels


def test_the_classifier_alone_never_flags_but_names_the_topic():
    # A topic alone is not a secret: a business report on economic topics gets no label, even
    # when the classifier is trusted fully; its topic is still there for sorting.
    text = "本季度公司营业收入同比增长百分之十二，净利润率有所提高，董事会建议提高分红比例并扩大投资。"
    for weight in (0.3, 1.0):
        out = DetectionEngine(parse_config(f"[detect]\nclassifier_weight = {weight}\n")).detect(doc(text))
        assert out.labels == [] and out.categories["economy"] == 0.0
        assert "economy" in out.topics and out.topic_scores["economy"] >= 0.6
        assert out.evidence == {}


def test_topics_follow_their_threshold():
    text = "本季度公司营业收入同比增长百分之十二，净利润率有所提高，董事会建议提高分红比例并扩大投资。"
    strict = DetectionEngine(parse_config("[detect]\ntopic_threshold = 1.0\n")).detect(doc(text))
    assert strict.topics == [] and strict.topic_scores["economy"] > 0


def test_labels_follow_per_class_thresholds():
    strict = parse_config("[detect.thresholds]\ndefense = 1.0\n")
    loose = parse_config("[detect.thresholds]\ndefense = 0.05\n")
    assert "defense" not in DetectionEngine(strict).detect(doc(TEXT)).labels
    assert "defense" in DetectionEngine(loose).detect(doc(TEXT)).labels


def test_a_label_carries_its_evidence_in_chinese_and_english():
    out = DetectionEngine(parse_config("")).detect(doc(TEXT))
    ev = out.evidence["defense"]
    assert ev["tier"] == "strong" and {r["term"] for r in ev["strong"]} >= {"兵力部署", "作战部署"}
    assert "强证据" in ev["why"] and "兵力部署" in ev["why"] and "内部掌握" in ev["why"]
    assert "strong evidence" in ev["why_en"]
    window = ev["window"]
    assert TEXT[window["start"]:window["end"]].startswith("兵力部署") and window["location"] == "paragraph 1"
    assert {f.tier for f in out.findings if f.rule == "lexicon.defense"} <= {"strong", "weak"}


def test_a_flagged_class_names_the_people_and_foreign_parties_near_its_evidence():
    text = "外交部张明司长：明天与美国国务院代表会谈的谈判底线是让步不超过两项，对外口径另定，别外传。"
    out = DetectionEngine(parse_config("")).detect(doc(text))
    assert "foreign_affairs" in out.labels
    found = {(e["text"], e["label"], e["foreign"]) for e in out.evidence["foreign_affairs"]["entities"]}
    assert {("张明", "person", False), ("美国国务院", "organisation", True)} <= found
    near = [f for f in out.findings if f.category == "foreign_affairs" and f.entities]
    assert near and all("entities" in f.to_dict() for f in near)


def test_entities_can_be_turned_off_and_unflagged_items_pay_nothing():
    text = "外交部张明司长：明天与美国国务院代表会谈的谈判底线是让步不超过两项，对外口径另定，别外传。"
    off = DetectionEngine(parse_config("[detect]\nentities = false\n")).detect(doc(text))
    assert "foreign_affairs" in off.labels and "entities" not in off.evidence["foreign_affairs"]
    engine = DetectionEngine(parse_config(""))
    plain = engine.detect(doc("外交部张明司长出席了记者会。"))
    assert plain.labels == [] and all(not f.entities for f in plain.findings)


def test_a_short_text_with_a_handling_instruction_is_evidence_for_its_class():
    chat = "小郑：5月CPI出来了，同比-0.2，环比0.3，周五9:30才发布，先别往外说。"
    on = DetectionEngine(parse_config("")).detect(doc(chat))
    off = DetectionEngine(parse_config("[detect]\nshort_text_chars = 1\n")).detect(doc(chat))
    assert "economy" in on.labels and on.categories["economy"] > off.categories["economy"]
    assert off.evidence["economy"]["short_text_evidence"] == 0
    assert on.evidence["economy"]["short_text_evidence"] > 0 and "短文本" in on.evidence["economy"]["why"]


@pytest.mark.parametrize("text", [
    "小王：周五是她生日，下午3点在会议室给她个惊喜，千万别告诉她！",
    "听说老李要调走了，别外传啊，周一正式宣布。",
    "打印机又卡纸了，2楼那台，谁会修？别在群里到处说是我弄坏的。",
])
def test_harmless_chats_with_a_handling_instruction_pass(text):
    assert DetectionEngine(parse_config("")).detect(doc(text)).labels == []


def test_the_entity_model_reads_at_most_max_entity_chars_of_a_document(monkeypatch):
    from scanner.detect import engine as engine_module
    from scanner.detect.entities import EntityFinder

    # Flagged evidence in 16 places far apart (a different term each): 1,666 characters of windows in all.
    passage = "外交部张明司长：明天与美国国务院代表会谈的谈判底线是让步不超过两项，对外口径另定，别外传。"
    filler = "今天天气很好，大家一起去公园散步，孩子们在草地上放风筝。" * 3
    terms = ["谈判方案", "谈判策略", "谈判口径", "交涉方案", "出访方案", "表态口径", "应对口径", "谈判筹码",
             "让步方案", "报价底线", "谈判预案", "谈判立场", "会谈要点", "外事纪律", "对外交涉"]
    text = passage + filler + "".join(f"李华说美国国务院的{term}没变，别外传。" + filler for term in terms)
    read: list[int] = []
    spans = EntityFinder.spans

    def counting(self, texts):
        read.append(sum(len(t) for t in texts))
        return spans(self, texts)

    monkeypatch.setattr(EntityFinder, "spans", counting)
    out = DetectionEngine(parse_config("")).detect(doc(text))
    assert "foreign_affairs" in out.labels
    margins = 2 * 8 * len(terms)  # entities.py reads 8 characters beyond each window
    assert len(read) == 1 and engine_module.MAX_ENTITY_CHARS * 0.8 < read[0] <= engine_module.MAX_ENTITY_CHARS + margins
    flagged = [f for f in out.findings if f.category in out.labels]
    assert flagged[0].entities and any(f.entities for f in flagged if f.start > len(passage))  # the first spans are read
    assert flagged[-1].start > engine_module.MAX_ENTITY_CHARS and not flagged[-1].entities  # over the budget


def test_public_sign_records_equal_asdict_and_copy_containers():
    from dataclasses import asdict, dataclass, field

    from scanner.detect.engine import _records
    from scanner.detect.public import PublicSign

    @dataclass
    class WithList:
        id: str
        parts: list = field(default_factory=list)

    signs = [PublicSign("news", "新闻报道", "news report", 0.5, "据新华社报道"),
             PublicSign("law", "法律条文", "statute", 0.25, "第十条")]
    assert _records(signs) == [asdict(s) for s in signs]
    odd = WithList("x", [["a"]])
    (row,) = _records([odd])
    assert row == asdict(odd) and row["parts"] is not odd.parts and row["parts"][0] is not odd.parts[0]
