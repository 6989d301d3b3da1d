"""The fast paths of normalisation give exactly what walking the text character by character gives.

`reference` below is the normaliser as it was before the fast paths (issue 17), kept verbatim in
substance: every character outside the plain class walked one at a time, the whole text translated
from traditional characters first. Text, map points and mapped offsets must all be equal.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.detect import folding
from scanner.detect.normalize import _short_line, _traditional, normalize, to_simplified

_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
                       "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u034f")
_STARS = frozenset("☆✱✲✳✴✵✶✷✸✹✺✻✼✽✾✿❀❁❂❃❄❅❆❇❈❉❊❋*⭐✩✪✫✬✭✮✯✰⋆🌟✦✧⁎⁑∗")
_PLAIN = (r"\u4e00-\u9fff0-9A-Za-z.,;:!?()\[\]'\"/\-_%+=#@&<>|~`^$"
          r"\u3001\u3002\u201c\u201d\u2018\u2019\u300a\u300b\u3008\u3009\u300c\u300d\u3010\u3011"
          r"\u3014\u3015\u2014\u2026\u00b7\u00d7\u00f7\uff0c\uff1b\uff1a\uff08\uff09\uff01\uff1f★")
_SPECIAL = re.compile(rf"[^{_PLAIN}]+")
_SHORT = re.compile(r"\s*(?:[\u3400-\u4dbf\u4e00-\u9fff★]|\d{1,3})\s*")


def _fold(ch):
    if ch in _INVISIBLE:
        return ""
    out = unicodedata.normalize("NFKC", ch)
    if len(out) == 1:
        if out in _STARS:
            return "★"
        if out == "\n":
            return "\n"
        cat = unicodedata.category(out)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn") and out != "\t":
            return "\n" if out in "\r\x0b\x0c\x1c\x1d\x1e\x85" else ""
        if cat in ("Zs", "Zl", "Zp") or out == "\t":
            return "\n" if cat in ("Zl", "Zp") else " "
    return out


def _cjk(ch):
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or ch == "★"


def _ref_short_line(work, start, end):
    return _SHORT.fullmatch("".join(ch for ch in work[start:end] if _fold(ch) not in ("", "\n"))) is not None


def _ref_glue(work, i, j):
    start = work.rfind("\n", max(0, i - 12), i) + 1
    if start == 0 and i > 12 or not _ref_short_line(work, start, i):
        return False
    next_end = work.find("\n", j, j + 13)
    if next_end == -1:
        next_end = len(work) if len(work) - j <= 12 else j
    if next_end > j and _ref_short_line(work, j, next_end):
        return True
    if start == 0:
        return True
    before = work.rfind("\n", max(0, start - 13), start - 1) + 1
    return not (before > 0 or start - 1 <= 12) or not _ref_short_line(work, before, start - 1)


def reference(text):
    """(text, norm points, orig points) as the character-by-character normaliser made them."""
    work = text.translate(_traditional()[1])
    parts, npts, opts = [], [0], [0]
    n = 0

    def emit(piece, orig):
        nonlocal n
        if n - npts[-1] != orig - opts[-1]:
            if npts[-1] == n:
                opts[-1] = orig
            else:
                npts.append(n)
                opts.append(orig)
        parts.append(piece)
        n += len(piece)

    def emit_expanded(piece, orig):
        nonlocal n
        for ch in piece:
            if npts[-1] == n:
                opts[-1] = orig
            else:
                npts.append(n)
                opts.append(orig)
            parts.append(ch)
            n += 1
        npts.append(n)
        opts.append(orig + 1)

    pos, length = 0, len(work)
    for m in _SPECIAL.finditer(work):
        if m.start() > pos:
            emit(work[pos:m.start()], pos)
        i, end = m.start(), m.end()
        while i < end:
            ch = work[i]
            folded = _fold(ch)
            if folded == " ":
                j = i
                while j < length and _fold(work[j]) in (" ", ""):
                    j += 1
                prev = "".join(parts)[-1:]
                nxt = _fold(work[j])[:1] if j < length else ""
                if not (_cjk(prev) and _cjk(nxt)):
                    emit(" ", i)
                i = max(i + 1, min(j, end))
                continue
            if ch == "\r" and i + 1 < length and work[i + 1] == "\n":
                i += 1
                continue
            if folded == "\n":
                start = work.rfind("\n", max(0, i - 12), i) + 1
                if i - start <= 12 and _ref_short_line(work, start, i):
                    j, limit = i + 1, min(length, i + 64)
                    while j < limit and _fold(work[j]) in (" ", "", "\n"):
                        j += 1
                    nxt = _fold(work[j])[:1] if j < length else ""
                    if (_cjk(nxt) or nxt.isdigit()) and _ref_glue(work, i, j):
                        i = max(i + 1, min(j, end))
                        continue
                emit("\n", i)
            elif len(folded) == 1:
                emit(folded, i)
            elif folded:
                emit_expanded(folded, i)
            i += 1
        pos = end
    if pos < length:
        emit(work[pos:], pos)
    return "".join(parts), npts, opts


def same_as_reference(text):
    norm = normalize(text)
    assert (norm.text, norm._norm_points, norm._orig_points) == reference(text), repr(text)


# Full-width forms, spaces between CJK, combining characters, lone surrogates, emoji (also outside
# the BMP, with modifiers), traditional characters (also compatibility ideographs), characters that
# fold to several (⑩ ㈠ ㍻ ﬁ), line breaks of every kind, and marks broken up by all of these.
_TRICKY = (list("机密秘绝★☆*＊ \u3000\u00a0\n\r\t\x0b\x0c\u2028\u200b\ufeff\u00ad⑩①１Ａa,，。.-·国國機絕家十年")
           + ["\u0000", "\x85", "e\u0301", "\u0301", "\ud800", "\udfff", "\U0001f31f", "👍🏽", "\U00020000",
              "ﬁ", "㈠", "㍻", "\u3400", "\uf900", "\uf9ad", "⼀", "5", "12", "内部", "工作", "  ", "\n\n",
              "\r\n", "x", "{", "\\", "é", "ß", "Ω", "→"])


@pytest.mark.parametrize("text", [
    "", " ", "\n", "\r\n", "  ", "机 密☆十年", "机 密☆十年\n正文", "  机\n  密★10年", "机\n密\n★\n10\n年",
    "機密☆十年", "絕密＊30年\n\uf900", "ａｂｃ\u3000说明", "e\u0301 x", "\ud800 机 密", "🌟机密🌟 10年",
    "第一段结束。\n第二段开始", "a" * 20 + "\n机\n密", "x\n\n机\n密★", "x \n机 \n 密", "\n\n\n机\n\n\n密",
    "word  word\tword\u00a0word", "机 ★ 10 年", "條約 條約", "机密★十年" * 3 + "\n" + "長" * 30,
])
def test_tricky_texts_match_the_reference(text):
    same_as_reference(text)


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(_TRICKY), max_size=40).map("".join))
def test_normalize_matches_the_reference(text):
    same_as_reference(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_normalize_matches_the_reference_on_any_text(text):
    same_as_reference(text)


@pytest.mark.parametrize("text", ["a\n", "机\n", "机\n\n", "12\n", "1234\n", "文" * 12 + "\n", "文" * 13 + "\n",
                                  "x\n\n\n", "( \n", "12 \n", "\n\n"])
def test_line_breaks_after_every_kind_of_line(text):
    for tail in ("密", "10年", "x", " 密", "\n密", ""):
        same_as_reference(text + tail)
        same_as_reference("前" * 13 + "\n" + text + tail)


def test_safe_characters_fold_to_themselves():
    """The classes the run pattern is built from agree with the fold, character by character."""
    safe, spaces, droppable = folding._classes()
    plain = re.compile(f"[{_PLAIN}]")
    for code in range(0x10000):
        ch = chr(code)
        out = _fold(ch)
        assert bool(safe[code]) == (ch not in " \n" and (out == ch or plain.match(ch) is not None)), hex(code)
        assert bool(spaces[code]) == (out in (" ", "")), hex(code)
        assert bool(droppable[code]) == (out in ("", "\n")), hex(code)
    assert len(safe) == len(spaces) == len(droppable) == 0x10000  # past the BMP: see _class_of_mask
    beyond = "\U00010000\U0001f31f\U00020000\U0010ffff"
    tabs = folding.tables()
    assert tabs.droppable.findall(beyond) == list(beyond) and tabs.spaces.match(beyond).end() == 0


def test_traditional_characters_are_flagged_and_converted():
    for text in ("國", "中國", "中国 國", "國\n家", "机密 國", "\uf900", "a" * 50 + "體"):
        same_as_reference(text)
    assert normalize("中華人民共和國國家秘密").text == "中华人民共和国国家秘密"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("國家機密简体文本臺灣髮廊著瞭 \n") + ["\uf900", "\U00020000"]), max_size=30)
       .map("".join))
def test_to_simplified_equals_translating_the_whole_text(text):
    assert to_simplified(text) == text.translate(_traditional()[1])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(list("机1２٣ \t\u3000\r\x0b\u200b\u2028\x00a★") + ["\ud800", "\U0001f31f"]),
                max_size=13).map("".join))
def test_short_line_equals_filtering_every_character(line):
    work = "前\n" + line + "\n后"
    assert _short_line(work, 2, 2 + len(line)) == _ref_short_line(work, 2, 2 + len(line))
