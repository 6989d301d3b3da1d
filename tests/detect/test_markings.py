"""The marking grammar as a table: marks, mentions, evasions, commercial, foreign, dates, conditions."""

from __future__ import annotations

from datetime import date

import pytest

from scanner.config import Config
from scanner.detect.markings import MarkingDetector, MarkingParser, parse_markings, star_findings
from scanner.detect.normalize import normalize
from scanner.errors import ConfigError
from scanner.resources import data_path

TODAY = date(2026, 11, 29)
N, W, C, F = "national_secret", "work_secret", "commercial_secret", "foreign"
MARK, MENTION = True, False


@pytest.fixture(scope="module")
def parser() -> MarkingParser:
    return MarkingParser.from_file(data_path("lexicons") / "markings.toml")


def found(parser, text):
    return [(p.level, p.kind, p.period, p.is_mark) for p in parser.parse(normalize(text).text, TODAY)]


# (text, [(level, kind, period, is_mark), ...]) — every marking the parser should report, in order.
CASES: list[tuple[str, list[tuple]]] = [
    # -- national marks: years, 长期, dates, conditions ------------------------------------
    ("机密★10年\n关于合作项目的报告", [("机密", N, "10年", MARK)]),
    ("绝密★30年\n正文", [("绝密", N, "30年", MARK)]),
    ("秘密★5年\n正文", [("秘密", N, "5年", MARK)]),
    ("秘密★1年\n正文", [("秘密", N, "1年", MARK)]),
    ("秘密★6个月\n正文", [("秘密", N, "6个月", MARK)]),
    ("机密★1年6个月\n正文", [("机密", N, "1年6个月", MARK)]),
    ("秘密★长期\n正文", [("秘密", N, "长期", MARK)]),
    ("绝密★长期\n正文", [("绝密", N, "长期", MARK)]),
    ("秘密★2027年6月30日\n正文", [("秘密", N, "2027年6月30日", MARK)]),
    ("机密★2027-06-30\n正文", [("机密", N, "2027年6月30日", MARK)]),
    ("机密★2027.6.30\n正文", [("机密", N, "2027年6月30日", MARK)]),
    ("机密★2027/06/30\n正文", [("机密", N, "2027年6月30日", MARK)]),
    ("秘密★二〇二七年六月三十日\n正文", [("秘密", N, "2027年6月30日", MARK)]),
    ("绝密★启用前\n2024年全国统一考试", [("绝密", N, "启用前", MARK)]),
    ("绝密★考试结束前\n试题", [("绝密", N, "考试结束前", MARK)]),
    ("机密★会议开始前\n议程", [("机密", N, "会议开始前", MARK)]),
    ("秘密★公布前\n统计数据", [("秘密", N, "公布前", MARK)]),
    ("机密★正式发布前\n初稿", [("机密", N, "正式发布前", MARK)]),
    ("机密\n关于合作项目的报告", [("机密", N, "20年", MARK)]),
    ("绝密\n正文", [("绝密", N, "30年", MARK)]),
    ("秘密\n正文", [("秘密", N, "10年", MARK)]),
    ("绝密★\n正文", [("绝密", N, "30年", MARK)]),
    ("机密★10年 关于合作的报告", [("机密", N, "10年", MARK)]),
    ("机密★10年关于合作的报告", [("机密", N, "10年", MARK)]),
    ("机密 10年\n正文", [("机密", N, "10年", MARK)]),
    ("秘密 长期\n正文", [("秘密", N, "长期", MARK)]),
    ("秘密 ★ 长期\n正文", [("秘密", N, "长期", MARK)]),
    ("机密 ★ 10 年\n正文", [("机密", N, "10年", MARK)]),
    # -- head of the first page (GB/T 9704-2012): copy number, urgency, labels ---------------
    ("000123\n机密★5年\n特急\n关于……的通知", [("机密", N, "5年", MARK)]),
    ("000123\n特急\n机密★5年\n关于……", [("机密", N, "5年", MARK)]),
    ("份号：000123\n密级：机密★5年\n紧急程度：特急", [("机密", N, "5年", MARK)]),
    ("密级：机密\n正文", [("机密", N, "20年", MARK)]),
    ("密级: 秘密\n正文", [("秘密", N, "10年", MARK)]),
    ("密级：机密 保密期限：10年\n报告", [("机密", N, "10年", MARK)]),
    ("密级：秘密  保密期限：长期\n报告", [("秘密", N, "长期", MARK)]),
    ("【机密★10年】\n正文", [("机密", N, "10年", MARK)]),
    ("〔秘密〕\n正文", [("秘密", N, "10年", MARK)]),
    ("机密★10年    特急\n正文", [("机密", N, "10年", MARK)]),
    ("第3份 共10份\n机密★10年\n正文", [("机密", N, "10年", MARK)]),
    # -- paragraph-level marks --------------------------------------------------------------
    ("（秘密）本段涉及合作方报价。", [("秘密", N, "10年", MARK)]),
    ("(机密)下一阶段谈判底线为……", [("机密", N, "20年", MARK)]),
    ("【绝密】试验数据如下", [("绝密", N, "30年", MARK)]),
    ("正文第一段。\n（秘密）第二段内容。", [("秘密", N, "10年", MARK)]),
    # -- evasions: spaced, full-width, traditional, look-alikes, zero-width, vertical --------
    ("机 密★10年\n正文", [("机密", N, "10年", MARK)]),
    ("机  密 ★ 1 0 年\n正文", [("机密", N, "10年", MARK)]),
    ("机\u3000密★１０年\n正文", [("机密", N, "10年", MARK)]),
    ("机\u200b密★10年\n正文", [("机密", N, "10年", MARK)]),
    ("机\u200d密\ufeff★10年\n正文", [("机密", N, "10年", MARK)]),
    ("機密★10年\n正文", [("机密", N, "10年", MARK)]),
    ("絕密★30年\n正文", [("绝密", N, "30年", MARK)]),
    ("祕密★長期\n正文", [("秘密", N, "长期", MARK)]),
    ("機密\n正文", [("机密", N, "20年", MARK)]),
    ("机密☆10年\n正文", [("机密", N, "10年", MARK)]),
    ("机密*10年\n正文", [("机密", N, "10年", MARK)]),
    ("机密＊10年\n正文", [("机密", N, "10年", MARK)]),
    ("机密✱10年\n正文", [("机密", N, "10年", MARK)]),
    ("机密⭐10年\n正文", [("机密", N, "10年", MARK)]),
    ("机密✩10年\n正文", [("机密", N, "10年", MARK)]),
    ("机密⋆10年\n正文", [("机密", N, "10年", MARK)]),
    ("机密★十年\n正文", [("机密", N, "10年", MARK)]),
    ("绝密★三十年\n正文", [("绝密", N, "30年", MARK)]),
    ("秘密★五年\n正文", [("秘密", N, "5年", MARK)]),
    ("机密★二十年\n正文", [("机密", N, "20年", MARK)]),
    ("秘密★十五年\n正文", [("秘密", N, "15年", MARK)]),
    ("秘密★⑩年\n正文", [("秘密", N, "10年", MARK)]),
    ("秘密★⑤年\n正文", [("秘密", N, "5年", MARK)]),
    ("机·密★10年\n正文", [("机密", N, "10年", MARK)]),
    ("机.密★10年\n正文", [("机密", N, "10年", MARK)]),
    ("机-密★10年\n正文", [("机密", N, "10年", MARK)]),
    ("机_密\n正文", [("机密", N, "20年", MARK)]),
    ("机\n密\n★\n10\n年\n正文", [("机密", N, "10年", MARK)]),
    ("绝\n密\n正文第一段", [("绝密", N, "30年", MARK)]),
    ("  机密★10年  \n正文", [("机密", N, "10年", MARK)]),
    ("\t秘密★5年\n正文", [("秘密", N, "5年", MARK)]),
    ("機 密☆十年\n正文", [("机密", N, "10年", MARK)]),
    # Damage around a starred mark at the head of its line (fuzzing, issue 14): markup remnants, stray
    # punctuation, replacement characters, a one-character line glued before it.
    ("h1>机密★10年\n关于召开会议的通知", [("机密", N, "10年", MARK)]),
    ("<(1>机密★10年\n关于召开会议的通知", [("机密", N, "10年", MARK)]),
    ("\ufffd机密★10年\n关于召开会议的通知", [("机密", N, "10年", MARK)]),
    ("\x13\x1e\ufffd6K机密★10年\n关于召开会议的通知", [("机密", N, "10年", MARK)]),
    ("0\ufffd\x04U\ufffd슉\ufffd机密★10年\n关于召开会议的通知", [("机密", N, "10年", MARK)]),
    ('""""机密★10年\n关于召开会议的通知', [("机密", N, "10年", MARK)]),
    ("^^^^^^^^机密★10年\n关于召开会议的通知", [("机密", N, "10年", MARK)]),
    ("机密★10年,/h1>\n关于召开会议的通知", [("机密", N, "10年", MARK)]),
    ("h1>机密★10年</h1>\n关于召开会议的通知", [("机密", N, "10年", MARK)]),
    ("知机密★10年\n关于召开会议的通知", [("机密", N, "10年", MARK)]),
    ("机机密★10年\n关于召开会议的通知", [("机密", N, "10年", MARK)]),
    ("h1>机密★10年 关于召开会议的通知", [("机密", N, "10年", MARK)]),
    ("ＴＯＰ ＳＥＣＲＥＴ\nreport", [("TOP SECRET", F, None, MARK)]),
    # -- mentions: rules, lists, quotes, prose ------------------------------------------------
    ("机密文件应当加密存储", [("机密", N, None, MENTION)]),
    ("本文件为机密文件，不得外传。", [("机密", N, None, MENTION)]),
    ("绝密、机密、秘密三级", [("绝密", N, None, MENTION), ("机密", N, None, MENTION), ("秘密", N, None, MENTION)]),
    ("国家秘密的密级分为绝密、机密、秘密三级。",
     [("绝密", N, None, MENTION), ("机密", N, None, MENTION), ("秘密", N, None, MENTION)]),
    ("密级分为：\n绝密\n机密\n秘密", [("绝密", N, None, MENTION), ("机密", N, None, MENTION), ("秘密", N, None, MENTION)]),
    ("绝密 机密 秘密", [("绝密", N, None, MENTION), ("机密", N, None, MENTION), ("秘密", N, None, MENTION)]),
    ("标注“机密★10年”字样", [("机密", N, "10年", MENTION)]),
    ("标志为“绝密★启用前”", [("绝密", N, "启用前", MENTION)]),
    ("绝密★启用前的试卷应当妥善保管", [("绝密", N, "启用前", MENTION)]),
    ("机密★10年的文件，应当存放在保密柜中", [("机密", N, "10年", MENTION)]),
    ("本文件定为机密★10年。", [("机密", N, "10年", MENTION)]),
    ("涉及组织内部经营管理等机密信息，严禁外泄", [("机密", N, None, MENTION)]),
    ("保护机密性：保护涉外活动中的机密信息", [("机密", N, None, MENTION), ("机密", N, None, MENTION)]),
    ("不得携带秘密文件出境", [("秘密", N, None, MENTION)]),
    ("秘密事项应当有文字记录", [("秘密", N, None, MENTION)]),
    ("“秘密”级文件保密期限不超过十年", [("秘密", N, None, MENTION)]),
    ("《机密文件管理办法》", [("机密", N, None, MENTION)]),
    ("机密\n绝密", [("机密", N, None, MENTION), ("绝密", N, None, MENTION)]),
    ("机密级的资料要登记", [("机密", N, None, MENTION)]),
    ('"机密★10年"\n字样', [("机密", N, "10年", MENTION)]),
    ("“机密★10年”", [("机密", N, "10年", MENTION)]),
    ("为机密★10年。", [("机密", N, "10年", MENTION)]),
    ("定为机密★10年", [("机密", N, "10年", MENTION)]),
    ("即机密★10年的文件", [("机密", N, "10年", MENTION)]),
    ("1. 机密★10年，应当", [("机密", N, "10年", MENTION)]),
    ("秘密级以上载体", [("秘密", N, None, MENTION)]),
    ("一、绝密级\n二、机密级", [("绝密", N, None, MENTION), ("机密", N, None, MENTION)]),
    ("他秘密会见了对方", [("秘密", N, None, MENTION)]),
    # -- not levels at all -----------------------------------------------------------------
    ("不得泄露国家秘密", []),
    ("保护商业秘密和个人隐私", []),
    ("国家机密和商业机密等敏感信息", []),
    ("保守国家秘密法", []),
    ("技术秘密的保护", []),
    ("核心机密人员", []),
    ("军事机密不得外传", []),
    ("有机、密切相关", []),
    ("组织内部人员参与", []),
    ("内部控制制度", []),
    ("加强内部管理", []),
    ("秘书处", []),
    ("密切合作", []),
    ("严格保密，按期解密", []),
    ("The secret of success", []),
    ("a secretary and a confidant", []),
    ("", []),
    # -- work secrets and internal marks -------------------------------------------------------
    ("内部资料 注意保存\n正文", [("内部资料注意保存", W, None, MARK)]),
    ("内部资料，注意保存\n正文", [("内部资料注意保存", W, None, MARK)]),
    ("内部资料注意保存\n正文", [("内部资料注意保存", W, None, MARK)]),
    ("内部资料\n正文", [("内部资料", W, None, MARK)]),
    ("内部\n正文", [("内部", W, None, MARK)]),
    ("【内部】\n正文", [("内部", W, None, MARK)]),
    ("内部文件 注意保存\n正文", [("内部文件注意保存", W, None, MARK)]),
    ("内部发行\n年鉴", [("内部发行", W, None, MARK)]),
    ("内部参考\n材料", [("内部参考", W, None, MARK)]),
    ("工作秘密\n通知", [("工作秘密", W, None, MARK)]),
    ("工作秘密 1年\n通知", [("工作秘密", W, "1年", MARK)]),
    ("工作秘密 长期\n通知", [("工作秘密", W, "长期", MARK)]),
    ("工 作 秘 密\n通知", [("工作秘密", W, None, MARK)]),
    ("工作祕密\n通知", [("工作秘密", W, None, MARK)]),
    ("不得泄露工作秘密", [("工作秘密", W, None, MENTION)]),
    ("工作秘密的范围由本单位确定", [("工作秘密", W, None, MENTION)]),
    ("内部资料不得对外提供", []),
    ("供内部参考使用", []),
    # -- commercial secrets --------------------------------------------------------------------
    ("XX集团 核心商密 5年\n合同", [("核心商密", C, "5年", MARK)]),
    ("中国石化 普通商密 3年\n方案", [("普通商密", C, "3年", MARK)]),
    ("核心商密 长期\n正文", [("核心商密", C, "长期", MARK)]),
    ("普通商密\n正文", [("普通商密", C, None, MARK)]),
    ("核心商密★5年\n正文", [("核心商密", C, "5年", MARK)]),
    ("XX集团 核心商密★长期\n正文", [("核心商密", C, "长期", MARK)]),
    ("某某有限公司普通商密 2年\n正文", [("普通商密", C, "2年", MARK)]),
    ("核心商密 2028年12月31日\n正文", [("核心商密", C, "2028年12月31日", MARK)]),
    ("核心商密文件应当单独存放", [("核心商密", C, None, MENTION)]),
    ("分为核心商密和普通商密两级", [("核心商密", C, None, MENTION), ("普通商密", C, None, MENTION)]),
    ("標註為“普通商密”", [("普通商密", C, None, MENTION)]),
    # -- foreign banners -------------------------------------------------------------------------
    ("TOP SECRET\nOperations plan", [("TOP SECRET", F, None, MARK)]),
    ("SECRET\nReport", [("SECRET", F, None, MARK)]),
    ("CONFIDENTIAL\nMemo", [("CONFIDENTIAL", F, None, MARK)]),
    ("RESTRICTED\nBrief", [("RESTRICTED", F, None, MARK)]),
    ("TOP SECRET//NOFORN\nReport", [("TOP SECRET", F, None, MARK)]),
    ("SECRET//REL TO USA, GBR\nReport", [("SECRET", F, None, MARK)]),
    ("NATO SECRET\nDocument", [("SECRET", F, None, MARK)]),
    ("COSMIC TOP SECRET\nDocument", [("TOP SECRET", F, None, MARK)]),
    ("- CONFIDENTIAL -\nMemo", [("CONFIDENTIAL", F, None, MARK)]),
    ("TOP  SECRET\nReport", [("TOP SECRET", F, None, MARK)]),
    ("The SECRET level is used for", [("SECRET", F, None, MENTION)]),
    ("Marked CONFIDENTIAL by the sender", [("CONFIDENTIAL", F, None, MENTION)]),
    ("Confidential\nMemo", []),
    ("UNCLASSIFIED\nMemo", []),
    ("SECRETARY\nMemo", []),
    ("RESTRICTEDNESS", []),
    ("TOP SECRET\nSECRET\nCONFIDENTIAL", [("TOP SECRET", F, None, MENTION), ("SECRET", F, None, MENTION),
                                          ("CONFIDENTIAL", F, None, MENTION)]),
    # -- several in one document -------------------------------------------------------------------
    ("机密★10年\n关于……的报告\n（秘密）其中一段", [("机密", N, "10年", MARK), ("秘密", N, "10年", MARK)]),
    ("内部资料 注意保存\n按机密文件管理", [("内部资料注意保存", W, None, MARK), ("机密", N, None, MENTION)]),
    ("秘密★5年\n不得泄露国家秘密", [("秘密", N, "5年", MARK)]),
    ("XX集团 核心商密 5年\n本合同涉及机密条款", [("核心商密", C, "5年", MARK), ("机密", N, None, MENTION)]),
]


def _generated() -> list[tuple[str, list[tuple]]]:
    """Each level under each evasion, standing as a mark at the head of a document."""
    out = []
    defaults = {"绝密": "30年", "机密": "20年", "秘密": "10年"}
    trad = {"绝密": "絕密", "机密": "機密", "秘密": "祕密"}
    for level in ("绝密", "机密", "秘密"):
        a, b = level
        for form, period in [
            (f"{a} {b}", None), (f"{a}\u200b{b}", None), (f"{trad[level]}", None), (f"{a}·{b}", None),
            (f"{level}☆5年", "5年"), (f"{level}*长期", "长期"), (f"{level}★⑳年", "20年"),
            (f"{a} {b} ☆ 十 年", "10年"), (f"{level}★2030-01-01", "2030年1月1日"),
        ]:
            out.append((f"{form}\n关于事项的报告", [(level, N, period or defaults[level], MARK)]))
        out.append((f"按{level}文件管理", [(level, N, None, MENTION)]))
    return out


ALL_CASES = CASES + _generated()


def test_the_table_is_large_enough():
    assert len(ALL_CASES) >= 150


@pytest.mark.parametrize("text, expected", ALL_CASES, ids=[repr(t[:24]) for t, _ in ALL_CASES])
def test_marking_table(parser, text, expected):
    assert found(parser, text) == expected


# -- fields beyond level, kind and period -------------------------------------------------------


@pytest.mark.parametrize(
    "text, position",
    [
        ("机密★10年\n正文", "head"),
        ("000123\n特急\n机密★10年\n正文", "head"),
        ("（秘密）本段", "paragraph"),
        ("第一段\n第二段\n第三段\n第四段\n秘密\n第五段", "body"),
    ],
)
def test_position(parser, text, position):
    [mark] = [p for p in parser.parse(normalize(text).text, TODAY) if p.is_mark]
    assert mark.position == position


@pytest.mark.parametrize(
    "text, owner, star",
    [
        ("XX集团 核心商密 5年\n合同", "XX集团", False),
        ("中国石化 核心商密★长期\n合同", "中国石化", True),
        ("核心商密★5年\n合同", None, True),
        ("普通商密 3年\n合同", None, False),
    ],
)
def test_commercial_owner_and_star(parser, text, owner, star):
    [mark] = parser.parse(normalize(text).text, TODAY)
    assert (mark.owner, mark.star) == (owner, star)


@pytest.mark.parametrize(
    "text, expires, expired",
    [
        ("秘密★5年\n关于……的通知\n正文\n2020年3月5日", date(2025, 3, 5), True),
        ("机密★10年\n通知\n2020年3月5日", date(2030, 3, 5), False),
        ("机密\n通知\n2000年1月1日", date(2020, 1, 1), True),  # bare level: default 20 years
        ("绝密\n通知\n二〇二〇年三月五日", date(2050, 3, 5), False),
        ("秘密★6个月\n通知\n成文日期：2026年1月31日", date(2026, 7, 31), True),
        ("秘密★2025年12月31日\n正文", date(2025, 12, 31), True),  # a date needs no document date
        ("秘密★2027-06-30\n正文", date(2027, 6, 30), False),
        ("秘密★长期\n正文\n2001年1月1日", None, False),
        ("绝密★启用前\n试题\n2020年1月1日", None, None),  # a condition: unknown
        ("秘密★5年\n正文", None, None),  # no document date: unknown
        ("XX集团 核心商密 1年\n合同\n2024年2月29日", date(2025, 2, 28), True),
    ],
)
def test_expiry(parser, text, expires, expired):
    [mark] = [p for p in parser.parse(normalize(text).text, TODAY) if p.is_mark]
    assert (mark.expires, mark.expired) == (expires, expired)


def test_offsets_map_to_the_original_text(parser):
    text = "说明\n機 密☆１０年\n正文"
    norm = normalize(text)
    marks, mentions = parse_markings(parser, norm, lambda offset: f"offset {offset}", today=TODAY)
    [mark] = marks
    assert text[mark.start:mark.end] == mark.text == "機 密☆１０年"
    assert (mark.level, mark.period, mark.location) == ("机密", "10年", "offset 3")


def test_commercial_star_is_a_finding(parser):
    norm = normalize("中国石化 核心商密★长期\n合同")
    marks, _ = parse_markings(parser, norm, str, today=TODAY)
    [finding] = star_findings(marks)
    assert finding.rule == "marking.commercial_star" and finding.text == "核心商密★长期"
    assert marks[0].to_dict()["star"] is True and marks[0].to_dict()["owner"] == "中国石化"


def test_detector_reports_header_position():
    from scanner.detect.registry import DetectContext
    from scanner.model import Document, Location, Segment

    doc = Document([Segment("机密★10年", Location(part="header")), Segment("正文", Location(paragraph=1))])
    out = MarkingDetector(Config()).detect(DetectContext(doc, normalize(doc.text)))
    assert [(m.text, m.position) for m in out.markings] == [("机密★10年", "header")]


def test_marking_round_trips_through_the_contract():
    from scanner.model import Marking

    mark = Marking("秘密★5年", "秘密", N, "5年", 0, 5, "line 1", True, "head", None, False, "2025-03-05", True)
    assert Marking.from_dict(mark.to_dict(), True) == mark


def test_bad_pattern_is_a_config_error(tmp_path):
    spec = (data_path("lexicons") / "markings.toml").read_text(encoding="utf-8")
    bad = tmp_path / "markings.toml"
    bad.write_text(spec.replace("sep = '", "sep = '(", 1), encoding="utf-8")
    with pytest.raises(ConfigError):
        MarkingParser.from_file(bad)
    missing = tmp_path / "missing.toml"
    missing.write_text("[national_secret]\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        MarkingParser.from_file(missing)


# -- issue 12: marks that must not be lost ------------------------------------------------------

# What the last line of a document says never decides whether its first line is a mark: a level at
# offset 0 has nothing before it (a negative offset would look at the end of the text).
OCR_PAGE = ("秘密★1年\n关于国务院文化主管部的通知\n第五做好机器学习相关工作十八条违反本条例的规定，不移交有\n"
            "关资料的，由县级以上地方人民政府房地产行政主管部门责令限期改正；\n逾期仍不移交有关资料的，对建设单位、"
            "物业服务企业予以通报，处1万\n元以上10万元以下的罚款。\n做好隐身战机相关工作")


@pytest.mark.parametrize("last", ["做好隐身战机相关工作", "其他内容", "维护国家", "严守商业", "普通", "国家秘密"])
def test_a_mark_at_the_head_does_not_depend_on_the_last_line(parser, last):
    text = OCR_PAGE.rsplit("\n", 1)[0] + "\n" + last
    marks = [(p.text, p.period, p.position) for p in parser.parse(normalize(text).text, TODAY) if p.is_mark]
    assert marks == [("秘密★1年", "1年", "head")]


@pytest.mark.parametrize("level", ["绝密", "机密", "秘密"])
def test_a_level_at_offset_zero_of_a_text_ending_in_a_prefix_word(parser, level):
    for word in ("工作", "国家", "商业", "保守", "党和国家"):
        assert found(parser, f"{level}\n正文{word}") == [(level, N, {"绝密": "30年", "机密": "20年", "秘密": "10年"}[level], MARK)]


# A mark broken over lines by a PDF text layer or OCR (the star or the period on a line of its own) is
# one mark with its period; the lines after a mark are taken only when they hold nothing but a period.
SPLIT_CASES = [
    ("绝密\n★\n考试结束前\n试题", "绝密", "考试结束前", "绝密\n★\n考试结束前"),
    ("机密\n★\n10年\n正文", "机密", "10年", "机密\n★\n10年"),
    ("机密★\n10年\n正文", "机密", "10年", "机密★\n10年"),
    ("机密\n★10年\n正文", "机密", "10年", "机密\n★10年"),
    ("绝密★\n启用前\n试卷", "绝密", "启用前", "绝密★\n启用前"),
    ("秘密 ★\n2027年6月30日\n正文", "秘密", "2027年6月30日", "秘密 ★\n2027年6月30日"),
    ("秘密\n\n★\n\n长期\n正文", "秘密", "长期", "秘密\n\n★\n\n长期"),
    ("密级：机密\n保密期限：5年\n报告", "机密", "5年", "机密\n保密期限：5年"),
    ("000123\n机密★\n5年\n特急\n关于……的通知", "机密", "5年", "机密★\n5年"),
    ("绝密★\n考试结束前", "绝密", "考试结束前", "绝密★\n考试结束前"),
]


@pytest.mark.parametrize("text, level, period, shown", SPLIT_CASES, ids=[repr(t[:12]) for t, *_ in SPLIT_CASES])
def test_a_mark_split_over_lines_keeps_its_period(parser, text, level, period, shown):
    norm = normalize(text)
    marks, mentions = parse_markings(parser, norm, str, today=TODAY)
    assert [(m.level, m.period, m.text) for m in marks] == [(level, period, shown)]
    assert marks[0].position == "head" and not mentions


# Lines that follow a mark but are not a period (a title, prose, a number in a sentence) stay apart,
# and a level that is only mentioned takes no period from the next line.
NOT_GLUED = [
    ("机密\n10年来的工作总结", [("机密", N, "20年", MARK)]),
    ("机密\n10年\n正文", [("机密", N, "20年", MARK)]),  # no star, no label: a period is not guessed
    ("机密★\n关于合作项目的报告\n10年", [("机密", N, "20年", MARK)]),
    ("绝密★\n会议纪要前言部分内容很长很长\n正文", [("绝密", N, "30年", MARK)]),
    ("本文件定为机密\n★10年", [("机密", N, None, MENTION)]),
    ("按机密★\n10年管理", [("机密", N, None, MENTION)]),
    ("密级分为：\n绝密\n机密\n秘密\n★10年", [("绝密", N, None, MENTION), ("机密", N, None, MENTION),
                                        ("秘密", N, None, MENTION)]),
]


@pytest.mark.parametrize("text, expected", NOT_GLUED, ids=[repr(t[:12]) for t, _ in NOT_GLUED])
def test_prose_after_a_mark_is_not_glued_to_it(parser, text, expected):
    assert found(parser, text) == expected
