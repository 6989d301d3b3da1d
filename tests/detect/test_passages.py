"""passages.TextIndex gives the spans of split_passages, the lines of a regular expression and the
verdicts of mostly_chinese, on real texts and odd ones."""

import re

import pytest

from scanner.detect import passages
from scanner.detect.features import mostly_chinese, split_passages
from scanner.detect.passages import TextIndex

from tests.detect.test_hashing import real_texts

ODD = ["", "\n", "\n\n  \n", "  机密文件，请勿外传，违者追究责任。  ", "a\u3000\n\u3000\n" + "国" * 30,
       "机密" * 300 + "。" + "文件" * 300, "x\ud800y 机密\n" * 5, "😀😀 𠀀𠀁 中文中文中文中文中文\n\r\n\x85\u2028中文",
       "English prose only, no Chinese at all.\nSecond line.", "中" * 9, "中" * 10, "中" * 10 + "a" * 24,
       "中" * 10 + "a" * 23 + " \t", "\t中文\x1c\x1d\x1e\x1f中文中文中文中文中文中文"]


@pytest.fixture(autouse=True, params=["arrays", "regular expressions"])
def mode(request, monkeypatch):
    """Every test runs with the numpy arrays and with the short-text path."""
    monkeypatch.setattr(passages, "SHORT_CHARS", 0 if request.param == "arrays" else 10 ** 9)


def texts():
    return real_texts(200) + ODD + ["\n".join(real_texts(40)), "\n\n".join(real_texts(60)[20:])]


@pytest.mark.parametrize("target", [400, 120, 30])
def test_passages_and_their_verdicts_are_the_straightforward_ones(target):
    for text in texts():
        index = TextIndex(text)
        spans = split_passages(text, target)
        assert index.passages(target) == spans
        assert index.chinese(spans) == [mostly_chinese(text[s:e]) for s, e in spans]
        assert index.chinese_passages(target) == [(s, e) for s, e in spans if mostly_chinese(text[s:e])]


def test_lines_of_any_span_are_the_regular_expression_runs():
    for text in texts():
        index = TextIndex(text)
        for start, end in split_passages(text, 400) + [(0, len(text)), (1, max(1, len(text) - 1))]:
            want = [(start + m.start(), start + m.end()) for m in re.finditer(r"[^\n]+", text[start:end])]
            assert index.lines(start, end) == want
            assert index.chinese(want) == [mostly_chinese(text[s:e]) for s, e in want]
        spans = split_passages(text, 400) + [(0, len(text)), (1, max(1, len(text) - 1)), (0, 0)]
        assert index.lines_of(spans) == [index.lines(s, e) for s, e in spans]  # all spans at once


def test_every_white_space_character_counts_as_space():
    text = "".join(chr(c) for c in range(0x110000) if chr(c).isspace()) + "中文" * 5
    assert TextIndex(text).chinese([(0, len(text))]) == [mostly_chinese(text)]
