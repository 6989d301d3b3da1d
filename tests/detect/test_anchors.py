"""The literal-prefix prefilter (detect/anchors.py) skips only expressions that cannot match: window signals
and public signs found with it are exactly those found by running every expression, on real texts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.detect.anchors import AnchorFilter, finditer_at
from scanner.detect.regex_shape import SPACES, LINE, TEXT, lead_run, line_led, literal_prefixes, other_digits
from scanner.detect.normalize import normalize
from scanner.detect.public import PublicSigns
from scanner.detect.signals import HANDLING, Signal, WindowSignals
from scanner.resources import data_path

ROOT = Path(__file__).resolve().parents[2]
TEXTS = sorted(p for p in (ROOT / "benchmarks" / "precision" / "files").rglob("*")
               if p.suffix in (".txt", ".md") and p.is_file())[::3]
LEXICONS = data_path("lexicons")
SIGNALS = WindowSignals.from_dir(LEXICONS)
PUBLIC = PublicSigns.from_dir(LEXICONS)


@pytest.mark.parametrize("pattern, prefixes", [
    ("保密(?:啊|哈)", {"保密"}),
    ("(?:不得|别)(?:外传|说)", {"不得", "别外", "别说"}),
    ("(?<![\\d.])第\\d+旅", {"第"}),
    ("(?m)^[ \\t]*第[一二]条", {"  ", " \t", "\t ", "\t\t", " 第", "\t第", "第一", "第二"}),
    ("\\d{1,2}号", None),
    ("a*b", {"aa", "ab", "b"}),
    ("(?:ab)*c", {"ab", "c"}),
    ("[A-C]{1,4}-", {"A-", "B-", "C-", "AA", "AB", "AC", "BA", "BB", "BC", "CA", "CB", "CC"}),
    ("[（(]\\s*\\d分", {"（", "("} | {b + c for b in "（(" for c in SPACES}),
    ("周[一二](?:上午)?公布", {"周一", "周二"}),
    ("\\d+(?:公里|吨)", None),  # \d: any decimal digit of Unicode, not listed
    ("(?m)^[^\\n]{0,40}公报$", None),  # starts with any character
    ("(?:保密)?", None),  # matches the empty string
    ("(?i)abc", None),
])
def test_literal_prefixes(pattern, prefixes):
    found = literal_prefixes(re.compile(pattern))
    assert (None if found is None else set(found)) == prefixes


def test_filter_keeps_the_order_and_drops_only_what_cannot_match():
    patterns = [re.compile(p) for p in ("保密", "\\d+吨", "不得外传", "周[一二]")]
    flt = AnchorFilter(patterns)
    assert flt.candidates("请注意保密，周二见") == [0, 3]
    assert flt.candidates("没有别的") == []
    assert flt.candidates("运了5吨") == [1]  # \d read as 0-9: the text has no other decimal digit
    assert flt.candidates("运了٥吨") == [1]


def _signals_by_every_expression(text: str, around) -> list[Signal]:
    """WindowSignals.find as it was before the prefilter: every expression over every part."""
    from scanner.detect.signals import _spans
    found = []
    for lo, hi in _spans(around, len(text)):
        part = text[lo:hi]
        for kind, patterns in SIGNALS.patterns.items():
            for pattern in patterns:
                for m in pattern.finditer(part):
                    start = lo + m.start()
                    if m.end() > m.start() and not (kind == HANDLING and start and text[start - 1:start + 1] in SIGNALS.not_inside):
                        found.append(Signal(kind, start, lo + m.end(), m.group()))
    found.sort(key=lambda s: s.start)
    return found


def _public_by_every_expression(text: str) -> list:
    """The public signs that hold, every expression run."""
    everything = dict.fromkeys(range(sum(len(r.count) + len(r.any) for r in PUBLIC.rules)))  # None: search
    signs = (PUBLIC._holds(rule, text, everything) for rule in PUBLIC.rules)
    return [s for s in signs if s is not None]


def test_enough_real_texts():
    assert len(TEXTS) >= 250


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_same_signals_and_signs_as_every_expression(path):
    text = normalize(path.read_text(encoding="utf-8", errors="replace")).text
    around = [(i, i + 200) for i in range(0, len(text), 1500)]
    assert SIGNALS.find(text) == _signals_by_every_expression(text, None)
    assert SIGNALS.find(text, around) == _signals_by_every_expression(text, around)
    assert PUBLIC.find(text) == _public_by_every_expression(text)


@pytest.mark.parametrize("pattern, prefixes", [
    ("\\d{1,2}号", {f"{a}{b}" for a in "0123456789" for b in "0123456789号"}),
    ("第\\d+旅", {f"第{a}" for a in "0123456789"}),
    ("\\d\\s", {f"{a}{b}" for a in "0123456789" for b in SPACES}),
])
def test_literal_prefixes_with_ascii_digits(pattern, prefixes):
    assert set(literal_prefixes(re.compile(pattern), ascii_digits=True)) == prefixes


def test_spaces_and_other_digits_are_every_character_the_engine_means():
    everything = "".join(map(chr, range(0x110000))).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    assert set(re.findall(r"\s", everything)) == set(SPACES)
    assert set(re.findall(r"\d", everything)) == set("0123456789") | set(other_digits())


def test_a_text_with_another_decimal_digit_runs_the_expressions_read_with_ascii_digits():
    flt = AnchorFilter([re.compile("\\d{1,2}号"), re.compile("保密")])
    assert flt.candidates("三号") == []
    assert flt.scan("12号" + "文" * 60) == [(0, [0, 1])]  # tried at these two places only
    assert flt.scan("12号") == [(0, None)]  # short: searched, as quick as two tries
    assert flt.scan("١٢号" + "文" * 60) == [(0, None)]  # Arabic-Indic digits: \d matches them too
    assert [m.group() for m in flt.matches(0, "١٢号", None)] == ["١٢号"]


@pytest.mark.parametrize("pattern, chars", [
    ("\\d+吨", set("0123456789")),
    ("[一二]+万", {"一", "二"}),
    ("\\d{1,3}吨", set()),  # bounded: from the next place the repeat can end one further
    ("(\\d+)吨\\1", set()),  # a back-reference: the rest depends on where the match began
    ("吨\\d+", set()),
])
def test_lead_run(pattern, chars):
    assert lead_run(re.compile(pattern)) == chars


@pytest.mark.parametrize("pattern, mode", [
    ("(?m)^第", LINE), ("^第", TEXT), ("\\A第", TEXT), ("(?m)^$", None), ("第(?m:^)", None), ("(?m)x^", None),
])
def test_line_led(pattern, mode):
    assert line_led(re.compile(pattern)) == mode


def test_finditer_at_skips_a_place_inside_a_run_after_a_failed_one():
    pattern = re.compile("\\d+吨")
    tried = []

    def match(text, pos):
        tried.append(pos)
        return pattern.match(text, pos)
    from scanner.detect.anchors import _at
    text = "1234 567吨 89"
    found = [m.group() for m in _at(match, text, list(range(len(text))), frozenset(), frozenset("0123456789"))]
    assert found == ["567吨"]
    assert tried == [0, 5, 9, 10]  # 1-4 follow the failed 0 (and each other); 11 follows the failed 10
    # a place after one not tried is tried (here the match starts inside the run)
    assert [m.group() for m in _at(match, "12吨", [1], frozenset(), frozenset("0123456789"))] == ["2吨"]


def test_finditer_at_skips_places_after_a_look_behind_character():
    pattern = re.compile("(?<![\\d.])\\d+\\.\\d+")
    assert [m.group() for m in finditer_at(pattern, "1.5 and 12.25.3", [0, 8, 9], frozenset("0123456789."))] == ["1.5", "12.25"]


EXPRESSIONS = [p for patterns in SIGNALS.patterns.values() for p in patterns] + \
    [p for rule in PUBLIC.rules for p in (*rule.count, *rule.any)]
FILTER = AnchorFilter(EXPRESSIONS, many_starts=1)  # tried at the places found, however many
# Characters that start or continue the shipped expressions, digits of two scripts, spaces, line ends.
PIECES = ["不得", "外传", "别", "跟", "说", "下周", "一", "公布", "发布", "了", "第", "条", "十", "万", "元", "吨",
          "1", "2", "9", "0", ".", "١", "٢", " ", "\t", "\n", "\u3000", "日", "号", "月", "点", "时", "年", "于", "A",
          "B", "-", "《", "》", "新华社", "电", "（", "分", "）", "摘要", "：", "法", "条例", "施行", "。", "保密", "还没", "亿", "公报", "二十", "3号"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_every_expression_matches_as_its_finditer_on_random_text(text):
    scanned = dict(FILTER.scan(text))
    for index, pattern in enumerate(EXPRESSIONS):
        expected = [(m.start(), m.end()) for m in pattern.finditer(text)]
        got = [(m.start(), m.end()) for m in FILTER.matches(index, text, scanned[index])] if index in scanned else []
        assert got == expected, pattern.pattern


@pytest.mark.parametrize("pattern, keys", [
    ("(?m)^\\s*(?:关键词|Key)", {"关键", "Ke"}),
    ("(?m)^[^\\n]{0,40}公报", {"公报"}),
    ("(?m)^第", {"第"}),
])
def test_line_presence(pattern, keys):
    from scanner.detect.regex_shape import line_presence
    assert line_presence(re.compile(pattern)) == keys


def test_an_expression_that_opens_with_a_caret_is_tried_at_line_starts_and_only_where_its_words_occur():
    flt = AnchorFilter([re.compile("(?m)^\\s*摘要[:：]")])
    text = "标题\n  摘要：正文\n" + "文" * 80
    assert flt.scan(text) == [(0, [3])]  # the start of the line the words are on, blanks before them
    assert [m.group() for m in flt.matches(0, text, [3])] == ["  摘要："]
    assert flt.scan("标题\n  正文\n" + "文" * 80) == []


# Expressions that open with ^ and blanks, brackets or any characters before their words, and others
# with long literal prefixes: where their matches can begin comes from where the words occur.
LED = [re.compile(p) for p in (
    "(?m)^[ \\t]*[（(]?(?:来源|稿源)\\s*[:：]", "(?m)^\\s*(?:摘\\s*要|【摘要】)[:：]?", "(?m)^[^\\n]{0,6}公报\\s*$",
    "(?m)^.{0,3}第[一二\\d]+条", "(?m)^(?:ab|c)*第", "(?m)^[^a\\n]*公报", "(?m)^\\s*\\d{1,2}\\s*[.．、]\\s*第",
    "(?:人民法院|人民检察院)", "(?:本|此)(?:法|条例)自", "周[一二](?:上午)?公布")]
LED_FILTER = AnchorFilter(LED, many_starts=1)
LED_PIECES = ["来源", "稿源", "：", ":", " ", "\t", "\n", "\r", "（", "(", "摘", "要", "【摘要】", "公报", "第", "一",
              "二", "1", "١", "条", "a", "b", "c", "x", "人民", "法院", "检察院", "本", "此", "法", "条例", "自",
              "周一", "上午", "公布", "\u3000"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(LED_PIECES), max_size=40).map("".join))
def test_line_led_and_long_prefixed_expressions_match_as_their_finditer(text):
    scanned = dict(LED_FILTER.scan(text))
    for index, pattern in enumerate(LED):
        expected = [(m.start(), m.end()) for m in pattern.finditer(text)]
        got = [(m.start(), m.end()) for m in LED_FILTER.matches(index, text, scanned[index])] if index in scanned else []
        assert got == expected, pattern.pattern


def test_longer_prefixes_when_few_and_two_characters_otherwise():
    flt = AnchorFilter([re.compile("(?:人民法院|人民检察院)"), re.compile("[A-Z]{1,4}-\\d{2,4}")])
    assert set(flt.keys()) >= {"人民法院", "人民检察"} and "人民" not in flt.keys()
    assert "AB" in flt.keys()  # longer ones would be too many: two characters
    assert flt.scan("人民政府" + "文" * 400) == []
    assert flt.scan("人民法院" + "文" * 400) == [(0, [0])]


@pytest.mark.parametrize("pattern, lead", [
    ("(?m)^[ \\t]*[（(]?来源", (frozenset(" \t（("), False)),
    ("(?m)^[^\\n]{0,40}公报", (frozenset("\n"), True)),
    ("(?m)^.*x", (frozenset("\n"), True)),
    ("(?m)^(?:[^a]|b)*x", (frozenset("a"), True)),
    ("(?m)^(?:ab|c)*第", (frozenset("abc"), False)),
    ("(?ms)^.*x", None),  # any character at all, newlines too
    ("(?m)^\\w*x", None),  # a class too wide to list
])
def test_line_lead(pattern, lead):
    from scanner.detect.regex_shape import line_lead
    assert line_lead(re.compile(pattern)) == lead


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(-50, 400), st.integers(0, 120)), max_size=30), st.integers(0, 400))
def test_spans_merge_as_the_straightforward_way(pairs, size):
    from scanner.detect.signals import _spans
    around = [(lo, lo + width) for lo, width in pairs]
    covered = sorted({i for lo, hi in around for i in range(max(0, lo), min(size, hi))})
    merged: list[list[int]] = []
    for lo, hi in sorted(around):  # merged, touching spans joined, clipped to the text
        lo, hi = max(0, lo), min(size, hi)
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    expected = [(0, size)] if sum(hi - lo for lo, hi in merged) > 0.7 * size else [tuple(m) for m in merged]
    assert _spans(around, size) == expected
    assert _spans(None, size) == [(0, size)]
    if expected != [(0, size)]:
        assert sorted({i for lo, hi in expected for i in range(lo, hi)}) == covered
