"""Finding marking candidates from anchors gives exactly what scanning with the regex gives (issue 17)."""

from __future__ import annotations

import re
from dataclasses import astuple
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.detect.expiry import find_document_date
from scanner.detect.marking_scan import (
    AnchoredPattern, leading_literal, literal_anchors, needed_literals, tail_anchors, width,
)
from scanner.detect.markings import MarkingParser
from scanner.detect.normalize import normalize
from scanner.resources import data_path

TODAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def parsers() -> tuple[MarkingParser, MarkingParser]:
    """The parser, and the same parser scanning every pattern with the regex and never returning early."""
    spec = data_path("lexicons") / "markings.toml"
    fast, slow = MarkingParser.from_file(spec), MarkingParser.from_file(spec)
    slow._national_scan = AnchoredPattern(slow._national, None)
    slow._work_scan = AnchoredPattern(slow._work, None)
    slow._commercial_scan = AnchoredPattern(slow._commercial, None)
    slow._needed = None
    return fast, slow


@pytest.mark.parametrize("regex, head", [
    ("内部资料[ \t,，、]*注意保存", "内部资料"), ("内部", "内部"), ("工作秘密", "工作秘密"), ("内部?", "内"),
    ("内{2}", None), ("a|b", None), ("(?:内部)", None), (r"\d年", None), ("[内外]部", None), ("核心商密", "核心商密"),
    ("内部.*", "内部"), ("内部+", "内"),
])
def test_leading_literal(regex, head):
    assert leading_literal(regex) == head


def test_anchors_from_the_grammar(parsers):
    fast, _ = parsers
    assert fast._national_scan.anchors == [("密", 1, 4)]
    assert fast._national_scan.firsts == frozenset("绝机秘")
    assert fast._work_scan.anchors == [("内部", 0, 0), ("工作秘密", 0, 0)]
    assert fast._needed == ("密", "内部", "SECRET", "RESTRICTED", "CONFIDENTIAL")
    assert width(r"绝(?:[ ·]{1,3})?密") == (2, 5)
    assert width("密.*") is None
    assert literal_anchors(["内部", r"\d+"]) is None
    assert tail_anchors([("a.*b", "b")]) is None
    assert needed_literals([AnchoredPattern(re.compile("x"), None)], ["SECRET"]) is None


_PIECES = st.sampled_from(
    ["机", "密", "绝", "秘", "机密", "秘密", "绝密", "★", "10年", "十年", "长期", "启用前", " ", "·", "-", "、", "，",
     "\n", "内部", "资料", "注意保存", "内部资料 注意保存", "工作", "工作秘密", "核心商密", "普通商密", "商密", "国家",
     "TOP SECRET", "SECRET", "NATO ", "//REL", "（", "）", "“", "”", "保密期限：", "2027年6月30日", "文", "x"]
)


@settings(max_examples=600, deadline=None)
@given(st.lists(_PIECES, max_size=25).map("".join))
def test_anchored_finditer_equals_the_regex_scan(parsers, text):
    fast, _ = parsers
    for scan in (fast._national_scan, fast._work_scan, fast._commercial_scan):
        got = [(m.span(), m.groupdict()) for m in scan.finditer(text)]
        assert got == [(m.span(), m.groupdict()) for m in scan.pattern.finditer(text)], text


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=25).map("".join))
def test_parse_equals_the_parse_by_regex_scans(parsers, text):
    fast, slow = parsers
    norm = normalize(text).text
    assert [astuple(p) for p in fast.parse(norm, TODAY)] == [astuple(p) for p in slow.parse(norm, TODAY)]


@pytest.mark.parametrize("text", [
    "", "机 密☆十年\n正文", "機密☆十年", "机·密★10年", "机-、-密", "机、、、、密", "秘\n密", "绝密★启用前\n试卷",
    "内部资料，注意保存", "XX集团 核心商密★5年", "TOP SECRET//REL TO USA", "国家秘密", "工作秘密", "密" * 5,
    "秘密" * 20, "机" + " " * 10 + "密",
])
def test_tricky_texts_parse_alike(parsers, text):
    fast, slow = parsers
    norm = normalize(text).text
    assert [astuple(p) for p in fast.parse(norm, TODAY)] == [astuple(p) for p in slow.parse(norm, TODAY)]


def test_text_without_needed_literals_returns_at_once(parsers):
    fast, _ = parsers
    assert fast.parse("普通的一段文字，没有任何标志。", TODAY) == []
    assert fast.parse("秘密★5年\n正文", TODAY)[0].is_mark


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="aabbx-", max_size=30))
def test_one_anchor_with_a_window_gives_the_scan(text):
    """Windows of neighbouring anchor occurrences overlap: starts are sorted and counted once."""
    pattern = re.compile("a-{0,2}b")
    scan = AnchoredPattern(pattern, tail_anchors([(pattern.pattern, "b")]))
    assert scan.anchors == [("b", 1, 3)]
    assert [m.span() for m in scan.finditer(text)] == [m.span() for m in pattern.finditer(text)]
    firsts = AnchoredPattern(pattern, [("b", 1, 3)], frozenset("a"))
    assert [m.span() for m in firsts.finditer(text)] == [m.span() for m in pattern.finditer(text)]


_DATE_PIECES = st.sampled_from(["2027年6月30日", "2027-06-30", "2026.1.2", "二〇二七年六月三十日", "成文日期：", "日期:",
                                "印发", "\n", "\n\n", " ", "\t", "正文", "x", "2027年13月1日", "机密★10年"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_DATE_PIECES, max_size=20).map("".join))
def test_document_date_from_line_breaks_equals_the_line_scan(parsers, text):
    fast, _ = parsers
    assert (find_document_date(text, fast._date_line, fast._date_next_line)
            == find_document_date(text, fast._date_line))


@pytest.mark.parametrize("text, day", [
    ("2027年6月30日", date(2027, 6, 30)), ("2027年6月30日\n正文", date(2027, 6, 30)),
    ("正文\n2027-06-30", date(2027, 6, 30)), ("2026.1.2\n\n 成文日期：2027年6月30日 印发\n", date(2027, 6, 30)),
    ("\n2027-06-30\nx", date(2027, 6, 30)), ("于2027年6月30日\n", None), ("2027年13月1日", None),
])
def test_document_date_cases(parsers, text, day):
    fast, _ = parsers
    assert find_document_date(text, fast._date_line, fast._date_next_line) == day
