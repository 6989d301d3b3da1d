"""Normalisation: evasions folded away, and every normalised offset mapped back exactly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.detect.normalize import STAR, normalize, to_simplified


@pytest.mark.parametrize(
    "original, expected",
    [
        ("机密★10年", "机密★10年"),
        ("机 密★１０年", "机密★10年"),  # spaced, full-width digits
        ("机\u3000密", "机密"),  # ideographic space
        ("机\u200b密\u200d★\ufeff10年", "机密★10年"),  # zero-width characters
        ("機密☆十年", "机密★十年"),  # traditional, hollow star
        ("絕密＊30年", "绝密★30年"),  # traditional, full-width asterisk
        ("秘密✱长期", "秘密★长期"),
        ("秘密⭐长期", "秘密★长期"),
        ("秘密*长期", "秘密★长期"),
        ("秘密★⑩年", "秘密★10年"),  # circled digit
        ("机\n密\n★\n10\n年", "机密★10年"),  # one character per line
        ("  机\n  密★10年", " 机密★10年"),
        ("ＡＢＣ\u3000说明", "ABC 说明"),
        ("国家\u00ad秘密", "国家秘密"),  # soft hyphen
        ("a\r\nb", "a\nb"),
        ("第一段结束。\n第二段开始", "第一段结束。\n第二段开始"),  # paragraphs stay apart
        ("通知\n各单位：", "通知\n各单位："),  # a two-character heading is not glued
        ("作战 部署", "作战部署"),
        ("English words stay apart", "English words stay apart"),
        ("國防 軍事設施", "国防军事设施"),
        ("著作权", "著作权"),  # 著 is a simplified character too: left alone
    ],
)
def test_normalised_text(original, expected):
    assert normalize(original).text == expected


def test_traditional_only_where_needed():
    assert to_simplified("简体文本不变") == "简体文本不变"
    assert to_simplified("國家機密") == "国家机密"
    assert len(to_simplified("臺灣髮廊")) == 4


def test_star_constant():
    assert normalize("☆").text == STAR


@pytest.mark.parametrize(
    "original, needle",
    [
        ("说明\n机 密★１０年\n正文", "机密★10年"),
        ("\u3000\u3000机\u200b密＊10年", "机密★10年"),
        ("前言⑩后记", "10"),
        ("機密☆十年", "机密★十年"),
    ],
)
def test_span_maps_back_to_the_original_evidence(original, needle):
    norm = normalize(original)
    i = norm.text.index(needle)
    start, end = norm.span_to_original(i, i + len(needle))
    assert normalize(original[start:end]).text == needle


_ALPHABET = st.sampled_from(
    list("机密秘绝★☆*＊ \u3000\n\r\t\u200b\ufeff\u00ad⑩①１Ａa,，。机國機家十年")
    + ["\u0000", "\u2028", "\U0001f31f", "ﬁ", "㈠", "\u3400"]
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60) | st.text(max_size=40))
def test_offsets_are_within_bounds_and_monotone(text):
    norm = normalize(text)
    n, o = len(norm.text), len(norm.original)
    previous = 0
    for i in range(n):
        mapped = norm.to_original(i)
        assert 0 <= mapped < o
        assert mapped >= previous
        previous = mapped
    assert norm.to_original(n) == o
    for s in range(n + 1):
        for e in range(s, min(n, s + 8) + 1):
            a, b = norm.span_to_original(s, e)
            assert 0 <= a <= b <= o
            if e > s:
                assert b > a


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("国家机密作战部署文件报告")), min_size=1, max_size=30))
def test_plain_simplified_text_is_unchanged_and_maps_one_to_one(text):
    norm = normalize(text)
    assert norm.text == text
    assert [norm.to_original(i) for i in range(len(text))] == list(range(len(text)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("国家机密秘作战部署文件报告一二三，。")), min_size=2, max_size=12)
                .filter(lambda line: sum(ch.isalpha() for ch in line) >= 2), min_size=2, max_size=8))
def test_line_breaks_between_ordinary_lines_are_kept(lines):
    text = "\n".join(lines)
    assert normalize(text).text.count("\n") == len(lines) - 1
