"""Lexicons: the shipped files, weights, context words, the allow-list and ordinary office text."""

from __future__ import annotations


import pytest

from scanner.config import Config, DetectSettings
from scanner.detect.allowlist import read_allow_list
from scanner.detect.engine import DetectionEngine
from scanner.detect.lexicon import ContextWord, Lexicon, LexiconDetector, Term, read_context, read_lexicon, score
from scanner.detect.lexicon_check import check_lexicons
from scanner.detect.normalize import normalize
from scanner.detect.registry import DetectContext
from scanner.errors import ConfigError
from scanner.model import CATEGORIES, Document, Location, Segment
from scanner.resources import data_path

LEXICONS = data_path("lexicons")
PUBLIC = [c for c in CATEGORIES if c != "other"]


def detect(text: str, config: Config | None = None):
    doc = Document([Segment(line, Location(line=n)) for n, line in enumerate(text.splitlines(), 1)])
    return LexiconDetector(config or Config()).detect(DetectContext(doc, normalize(doc.text)))


def labels(text: str) -> list[str]:
    config = Config()
    out = detect(text, config)
    return [c for c in PUBLIC if out.scores[c] >= config.detect.thresholds[c]]


# -- the shipped files -----------------------------------------------------------------------


@pytest.mark.parametrize("category", PUBLIC)
def test_shipped_class_files_are_real_and_weighted(category):
    terms = read_lexicon(LEXICONS / f"{category}.txt", category)
    assert len(terms) >= 60
    assert all(0 < t.weight <= 2.0 for t in terms)


def test_shipped_files_pass_the_check():
    assert check_lexicons(LEXICONS) == []


def test_check_reports_duplicates_blank_lines_and_shadowed_terms(tmp_path):
    (tmp_path / "defense.txt").write_text("作战部署\t2.0\n\n兵力部署\t1.5\n作战部署\t1.0\n国防教育日\t1\n", encoding="utf-8")
    (tmp_path / "allow.txt").write_text("国防教育日\nre:《[^》]+》\n", encoding="utf-8")
    problems = check_lexicons(tmp_path)
    assert [(p.line, p.code) for p in problems] == [
        (2, "lexicon.empty_line"), (4, "lexicon.duplicate"), (5, "lexicon.shadowed")]
    assert str(problems[1]).startswith(f"{tmp_path / 'defense.txt'}:4: ")


def test_bad_weight_names_file_and_line(tmp_path):
    path = tmp_path / "defense.txt"
    path.write_text("作战部署\t2.0\n兵力部署\tmany\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"defense.txt:2"):
        read_lexicon(path, "defense")


def test_bad_context_class_names_file_and_line(tmp_path):
    path = tmp_path / "context.txt"
    path.write_text("涉密\t1.5\n培训\t0.5\tno_such_class\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"context.txt:2"):
        read_context(path)


def test_bad_allow_regex_names_file_and_line(tmp_path):
    path = tmp_path / "allow.txt"
    path.write_text("国防教育\nre:(unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"allow.txt:2"):
        read_allow_list(path)


# -- context words ------------------------------------------------------------------------------

TERMS = [Term("导弹阵地", "defense", 2.0, "strong"), Term("统计数据", "economy", 1.0)]
CONTEXT = [ContextWord("涉密", 1.5), ContextWord("培训", 0.5), ContextWord("底价", 1.5, frozenset({"economy"}))]


@pytest.mark.parametrize(
    "text, factor",
    [
        ("导弹阵地位置", 1.0),
        ("涉密：导弹阵地位置", 1.5),
        ("导弹阵地培训材料", 0.5),
        ("涉密的导弹阵地培训材料", 0.75),
        ("涉密" + "。" * 30 + "导弹阵地", 1.0),  # outside the window of 20
        ("导弹阵地底价", 1.0),  # 底价 only speaks for economy
    ],
)
def test_context_words_raise_and_lower_within_the_window(text, factor):
    lexicon = Lexicon(TERMS, CONTEXT, window=20)
    [hit] = lexicon.find(normalize(text).text)
    assert hit.factor == pytest.approx(factor)


def test_context_changes_the_score():
    lexicon = Lexicon(TERMS, CONTEXT, window=20)
    plain = score(lexicon.find("导弹阵地"), 3.0)["defense"]
    raised = score(lexicon.find("涉密导弹阵地"), 3.0)["defense"]
    lowered = score(lexicon.find("导弹阵地培训"), 3.0)["defense"]
    assert lowered < plain < raised


def test_context_window_comes_from_config(tmp_path):
    (tmp_path / "defense.txt").write_text("导弹阵地\t2.0\tstrong\n", encoding="utf-8")
    (tmp_path / "context.txt").write_text("涉密\t1.5\n", encoding="utf-8")
    text = "涉密" + "，" * 10 + "导弹阵地"
    near = detect(text, Config(detect=DetectSettings(lexicon_dir=str(tmp_path), context_window=20)))
    far = detect(text, Config(detect=DetectSettings(lexicon_dir=str(tmp_path), context_window=5)))
    assert near.scores["defense"] > far.scores["defense"] > 0


# -- the allow-list --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, counted",
    [
        ("开展国家安全工作", True),
        ("全民国家安全教育日活动", False),  # the term sits inside an allowed term
        ("学习《中华人民共和国国家安全法》", False),  # inside an allowed regex span
        ("《国家安全法》规定，国家安全工作", True),  # the second occurrence is outside
    ],
)
def test_allow_list_suppresses_matches_inside_its_spans(text, counted):
    out = detect(text)
    assert any(f.text == "国家安全" for f in out.findings) is counted


def test_allow_list_path_from_config(tmp_path):
    (tmp_path / "defense.txt").write_text("作战部署\t2.0\n", encoding="utf-8")
    allow = tmp_path / "mine.txt"
    allow.write_text("re:作战部署演示\n", encoding="utf-8")
    config = Config(detect=DetectSettings(lexicon_dir=str(tmp_path), allow_list=str(allow)))
    assert detect("作战部署演示文稿", config).findings == []
    assert len(detect("作战部署", config).findings) == 1
    with pytest.raises(ConfigError):
        LexiconDetector(Config(detect=DetectSettings(allow_list=str(tmp_path / "missing.txt"))))


def test_other_lexicon_from_config(tmp_path):
    scope = tmp_path / "scope.txt"
    scope.write_text("星河项目\t2.0\n", encoding="utf-8")
    out = detect("星河项目进度", Config(detect=DetectSettings(other_lexicon=str(scope))))
    assert [f.rule for f in out.findings] == ["lexicon.other"]
    assert out.scores["other"] > 0


# -- precision on ordinary office text, and the evasions ---------------------------------------------

OFFICE_TEXTS = [
    # a trip report on an academic conference
    "关于赴荷兰参加国际城市水管理学术会议的出差报告\n"
    "2024年5月12日至18日，我院两名研究人员赴荷兰代尔夫特参加国际城市水管理学术会议。"
    "会议围绕城市排水、海绵城市和气候适应开展交流，我方作了题为《城市内涝风险评估方法》的报告。"
    "会后参观了当地污水处理厂和防洪设施。行程安排见附表。建议今后加强与国外高校的合作交流。",
    # a training notice
    "关于组织参加外语培训的通知\n各部门：为提高干部职工外语水平，定于6月举办英语培训班，"
    "每周二、四下午授课，请各部门于5月30日前报送参训人员名单。联系人：办公室王老师。",
    # a safety-education notice
    "关于开展全民国家安全教育日宣传活动的通知\n各单位：4月15日是全民国家安全教育日，"
    "请组织干部职工学习《中华人民共和国国家安全法》，开展知识竞赛和宣讲活动。",
    # a procurement notice
    "办公用品采购公告\n本单位拟采购打印纸、墨盒、文件夹等办公用品一批，欢迎符合条件的供应商报名。",
    # a conference agenda
    "第十届人工智能与教育研讨会议程\n上午：开幕式、主旨报告；下午：分组讨论、闭幕式。",
]


@pytest.mark.parametrize("text", OFFICE_TEXTS, ids=["trip", "training", "education-day", "procurement", "agenda"])
def test_ordinary_office_text_gets_no_label(text):
    assert labels(text) == []


@pytest.mark.parametrize(
    "text, label",
    [
        ("关于调整作战部署和兵力部署的请示，导弹阵地位置见附件", "defense"),
        ("谈判底线和对外口径如下，会谈要点请勿外传", "foreign_affairs"),
        ("未公布的统计数据及财政预算草案，招标底价另附", "economy"),
        ("试验数据和技术图纸，关键技术的工艺参数", "science_technology"),
        ("境外情报机构策反人员，技术侦查和布控方案", "state_security"),
    ],
)
def test_sensitive_text_gets_its_label(text, label):
    assert label in labels(text)


@pytest.mark.parametrize("text", ["作 战 部 署", "作\u200b战部署", "作戰部署", "作战 部署"])
def test_evasions_still_match(text):
    out = detect(text)
    assert [(f.category, f.text) for f in out.findings] == [("defense", text)]


def test_findings_carry_original_offsets():
    text = "说明：\n作 戰 部 署和兵力部署"
    doc = Document([Segment(text, Location(line=1))])
    out = DetectionEngine(Config(detect=DetectSettings(model=""))).detect(doc)
    for f in out.findings:
        assert text[f.start:f.end] == f.text


@pytest.mark.parametrize(
    "text, counted",
    [
        ("公安机关发展线人", True),
        ("服务热线人员做好接听记录", False),  # 热线人员: hotline staff
        ("一线人员按时到岗", False),
        ("在线人数超过一万", False),
        ("服务热线人事处负责", False),  # 热线 + 人事处
        ("线人事先报告了行踪", True),
    ],
)
def test_informant_is_not_found_inside_ordinary_words(text, counted):
    assert any(f.text == "线人" for f in detect(text).findings) is counted


@pytest.mark.parametrize("name, text", [
    ("public.toml", '[[sign]]\nid = "x"\nname = "x"\nfactor = 0.5\ncount = ["(unclosed"]\n'),
    ("window.toml", '[handling]\npatterns = ["(unclosed"]\n'),
])
def test_check_reports_bad_signal_files(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")
    problems = check_lexicons(tmp_path)
    assert [(p.path, p.code) for p in problems] == [(str(tmp_path / name), "lexicon.invalid")]


def test_a_tier_other_than_strong_or_weak_is_refused(tmp_path):
    path = tmp_path / "defense.txt"
    path.write_text("作战部署\t2.0\tstrongest\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"defense.txt:1"):
        read_lexicon(path, "defense")


def test_shipped_lexicons_have_strong_and_weak_terms():
    for category in CATEGORIES:
        tiers = {t.tier for t in read_lexicon(LEXICONS / f"{category}.txt", category)}
        assert tiers == {"strong", "weak"}, category
