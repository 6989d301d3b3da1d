"""RTF: body in any code page, headers and footers, footnotes, comments, document info, embedded objects."""

import struct

import pytest
from hypothesis import HealthCheck, given, settings

from file_helpers import assert_fuzz_verdict, mutate, mutation_strategy

from scanner.extract import extract, sniff
from scanner.extract.members import ContainerExtraction
from scanner.extract.rtf import parse_rtf


def gbk(text: str) -> str:
    """Text as RTF writes it on a Chinese system: \\'xx escapes of the GBK bytes."""
    return "".join(f"\\'{b:02x}" for b in text.encode("gbk"))


def uni(text: str) -> str:
    """Text as \\uN escapes of its UTF-16 code units (signed), each with a one-character fallback (\\uc1)."""
    units = struct.unpack(f"<{len(text.encode('utf-16-le')) // 2}H", text.encode("utf-16-le"))
    return "".join(f"\\u{u if u < 0x8000 else u - 0x10000}?" for u in units)


HEAD = r"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 " + gbk("宋体") + r";}{\f1\fswiss\fcharset0 Arial;}}"

DOC = (HEAD + r"{\colortbl;\red0\green0\blue0;}{\stylesheet{\s0 Normal;}}"
       r"{\info{\title " + gbk("年度方案") + r"}{\author Zhang}{\keywords " + gbk("外事") + r"}{\creatim\yr2024\mo1}}"
       r"{\*\userprops {\propname " + gbk("密级") + r"}\proptype30{\staticval " + gbk("机密★10年") + r"}}"
       r"{\header\pard " + gbk("页眉：内部资料") + r"\par}{\footer\pard " + gbk("第1页") + r"\par}"
       r"\pard\f0 " + gbk("机密") + r"\u9733?" + gbk("5年") + r"\par "
       + gbk("第二段") + r"{\*\bkmkstart x}{\*\generator Riched20}\par"
       r"\f1 plain {\*\atnid Z}{\*\atnauthor Zhang}\chatn{\*\annotation " + gbk("批注：核心商密") + r"}\par"
       + uni("统一码") + r"{\footnote\pard " + gbk("脚注内容") + r"}\par"
       r"{\field{\*\fldinst HYPERLINK \"http://example.cn/secret\"}{\fldrslt " + gbk("链接文字") + r"}}\par"
       r"{\pict\pngblip\bin4 {{{{}\par"
       r"{\shp{\*\shpinst{\sp{\sn fillColor}{\sv 255}}{\shptxt " + gbk("文本框") + r"}}}\par}")


def texts(ex) -> list[tuple[str, str]]:
    return [(s.location.describe(), s.text) for s in ex.segments]


def test_body_and_every_part():
    data = DOC.encode("ascii")
    assert sniff(data) == "rtf"
    got = texts(extract("rtf", data))
    body = [text for where, text in got if where.startswith("paragraph")]
    assert body == ["机密★5年", "第二段", "plain", "统一码", "链接文字"]
    assert ("title, metadata", "年度方案") in got
    assert ("keywords, metadata", "外事") in got
    assert ("property 密级, metadata", "机密★10年") in got
    assert ("section 1, header", "页眉：内部资料") in got
    assert ("section 1, footer", "第1页") in got
    assert ("comment 1", "批注：核心商密") in got
    assert ("footnote 1", "脚注内容") in got
    assert ("text box 1", "文本框") in got
    joined = "\n".join(text for _, text in got)
    for hidden in ("Normal", "Arial", "宋体", "http://example.cn", "Riched20", "fillColor", "2024"):
        assert hidden not in joined


@pytest.mark.parametrize("rtf, expected", [
    (r"{\rtf1\ansi\ansicpg936 " + gbk("涉外合作") + "}", "涉外合作"),
    (r"{\rtf1\ansi{\fonttbl{\f0\fcharset134 x;}}\f0 " + gbk("涉外合作") + "}", "涉外合作"),  # charset, no codepage
    (r"{\rtf1\ansi\ansicpg950{\fonttbl{\f0\fcharset136 x;}}\f0 "
     + "".join(f"\\'{b:02x}" for b in "涉外合作".encode("big5")) + "}", "涉外合作"),
    (r"{\rtf1\ansi\uc2 \u28041\'c9\'e6\u22806\'cd\'e2}", "涉外"),  # Word: \uN with a two-byte fallback
    (r"{\rtf1\ansi " + uni("𝄞机密") + "}", "𝄞机密"),  # beyond the BMP: a surrogate pair joined
    (r"{\rtf1\ansi a\{b\}c\\d}", "a{b}c\\d"),
], ids=["ansicpg936", "fcharset134", "big5", "uc2", "surrogates", "escapes"])
def test_encodings(rtf, expected):
    assert parse_rtf(rtf.encode("ascii")).body == expected


@pytest.mark.parametrize("data", [
    b"{\\rtf1 " + b"{" * 200000 + b"\\'bb\\'fa" + b"}" * 200000 + b"}",  # deep nesting: no recursion
    b"{\\rtf1 abc",  # unterminated
    b"{\\rtf1 }}}}} abc",  # unbalanced
    b"{\\rtf1 \\bin999999999 x}",
    b"{\\rtf1 \\u99999999999? \\'zz \\",
])
def test_hostile_input_does_not_crash(data):
    extract("rtf", data)


def _ole1(class_name: bytes, native: bytes) -> str:
    name = class_name + b"\x00"
    raw = (struct.pack("<II", 0x0501, 2) + struct.pack("<I", len(name)) + name + struct.pack("<I", 0)
           + struct.pack("<I", 0) + struct.pack("<I", len(native)) + native)
    return raw.hex()


def test_embedded_object_is_a_member(make_docx, scan_items):
    inner = make_docx(["绝密★30年", "附件正文"])
    data = (HEAD + r"\f0 " + gbk("见嵌入文档") + r"\par{\object\objemb{\*\objclass Word.Document.12}"
            r"{\*\objdata " + _ole1(b"Word.Document.12", inner) + r"}{\result " + gbk("图标") + r"}}\par}").encode()
    ex = extract("rtf", data)
    assert isinstance(ex, ContainerExtraction)
    assert [(m.name, m.data) for m in ex.members] == [("object 1 (Word.Document.12)", inner)]
    results = scan_items(data, "cover.rtf")
    assert results[0].verdict == "block" and results[1].type == "docx" and results[1].verdict == "block"


def test_damaged_embedded_object_fails_closed(scan_items):
    data = (HEAD + r"\f0 text\par{\object{\*\objdata 01050000zz}}}").encode()
    results = scan_items(data, "bad.rtf")
    assert results[1].problem["code"] == "scan.unreadable" and results[0].verdict == "block"


def test_marking_in_rtf_header_blocks(scan_items):
    data = (HEAD + r"{\header " + gbk("机密★10年") + r"\par}\f0 " + gbk("会议纪要") + r"\par}").encode()
    [result] = scan_items(data, "memo.rtf")
    assert result.verdict == "block" and "marking.national_secret" in [r.code for r in result.reasons]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation_strategy())
def test_mutated_rtf_ends_with_a_verdict(scan_items, change):
    assert_fuzz_verdict(scan_items, mutate(DOC.encode(), change))
