"""Legacy Word (.doc, WPS .wps) and PowerPoint (.ppt): text by part and slide, properties, passwords, damage.

report.doc, slides.ppt and locked.doc were saved by LibreOffice (tests/fixtures/legacy/make_legacy.py)."""

import io
import pathlib
import struct

import olefile
import pytest
from hypothesis import HealthCheck, given, settings

from file_helpers import _cfb, assert_fuzz_verdict, mutate, mutation_strategy

from scanner.errors import ExtractionError
from scanner.extract import extract, sniff
from scanner.extract.doc import extract_doc
from scanner.extract.ppt import extract_ppt
from scanner.model import Protection

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "legacy"


@pytest.fixture(scope="module")
def report() -> bytes:
    return (FIXTURES / "report.doc").read_bytes()


@pytest.fixture(scope="module")
def slides() -> bytes:
    return (FIXTURES / "slides.ppt").read_bytes()


def texts(ex) -> list[tuple[str, str]]:
    return [(s.location.describe(), s.text) for s in ex.segments]


def streams(data: bytes) -> dict[str, bytes]:
    ole = olefile.OleFileIO(io.BytesIO(data))
    return {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}


def word_file(pieces, flags: int = 0x0200, nfib: int = 0xC1) -> bytes:
    """A minimal Word 97 file: a FIB and the text of `pieces` ((text, compressed) pairs) in WordDocument,
    a Clx holding the piece table in 1Table. No paragraph properties, so no tables are told apart."""
    fib = bytearray(898)  # FibBase, 14 FibRgW words, 22 FibRgLw longs, 93 FibRgFcLcb97 pairs
    struct.pack_into("<HH", fib, 0, 0xA5EC, nfib)
    struct.pack_into("<H", fib, 10, flags)
    struct.pack_into("<H", fib, 32, 14)
    struct.pack_into("<H", fib, 62, 22)
    struct.pack_into("<H", fib, 152, 93)
    body, cps, descriptors = b"", [0], b""
    for text, compressed in pieces:
        fc = len(fib) + len(body)
        raw = text.encode("cp1252" if compressed else "utf-16-le")
        descriptors += struct.pack("<HIH", 0, (fc * 2) | 0x40000000 if compressed else fc, 0)
        body += raw
        cps.append(cps[-1] + len(text))
    struct.pack_into("<i", fib, 64 + 12, cps[-1])  # ccpText
    plc = struct.pack(f"<{len(cps)}I", *cps) + descriptors
    clx = b"\x02" + struct.pack("<I", len(plc)) + plc
    struct.pack_into("<II", fib, 154 + 8 * 33, 0, len(clx))  # fcClx, lcbClx
    return _cfb({"WordDocument": bytes(fib) + body, "1Table": clx})


# -- Word ------------------------------------------------------------------------------------------


def test_doc_body_table_header_notes_and_properties(report):
    assert sniff(report) == "doc"
    ex = extract("doc", report)
    assert texts(ex) == [
        ("paragraph 1", "机密★10年"),
        ("paragraph 2", "关于某型装备试验情况的报告"),
        ("paragraph 3", "试验于三月在某基地完成，各项指标达到要求。"),
        ("table 1, row 1, column 1", "项目"), ("table 1, row 1, column 2", "数量"), ("table 1, row 1, column 3", "备注"),
        ("table 1, row 2, column 1", "导弹"), ("table 1, row 2, column 2", "12"),
        ("paragraph 4", "结论：建议扩大试验范围。"),
        ("paragraph 5", "English text with “quotes” — and a dash."),
        ("footnote 1, paragraph 1", " 脚注：数据来自内部资料"),
        ("section 1, header, paragraph 1", "机密★10年"),
        ("section 1, footer, paragraph 1", "某研究所 内部资料"),
        ("comment 1, paragraph 1", "此段涉及作战部署，请删除"),
        ("property title, metadata", "试验报告"),
        ("property subject, metadata", "装备试验"),
        ("property keywords, metadata", "试验, 装备"),
        ("property AppVersion, metadata", "AppVersion：14.0000"),
        ("property 密级, metadata", "密级：机密"),
    ]
    assert ex.segments[11].location.part == "header" and ex.segments[12].location.part == "footer"
    assert ex.protection == Protection() and ex.unread == []
    assert extract("ole", report).type == "doc"  # a caller who only knows "ole" gets the same


@pytest.mark.parametrize("name", ["report.doc", "报告.wps"])
def test_marking_in_header_and_body_blocks(report, scan_items, name):
    # WPS 文字 saves .wps in the Word 97 format; the type comes from the bytes, not the name.
    [result] = scan_items(report, name)
    assert result.type == "doc" and result.verdict == "block"
    assert "marking.national_secret" in [r.code for r in result.reasons]
    assert {(m.position, m.location) for m in result.detection.markings} >= {
        ("head", "paragraph 1"), ("header", "section 1, header, paragraph 1")}


def test_eight_bit_pieces_fields_and_breaks():
    data = word_file([("Caf\xe9 “quoted”\r", True),
                      ('机密★10年\r\x13 HYPERLINK "http://x" \x14链接文字\x15\r行一\x0b行二\r', False)])
    assert sniff(data) == "doc"
    # The field's result stands in the paragraph; its instruction is kept apart, as a field code.
    assert texts(extract("doc", data)) == [
        ("paragraph 1", "Café “quoted”"), ("paragraph 2", "机密★10年"), ("paragraph 3", "链接文字"),
        ("paragraph 4", "行一\n行二"), ("field code", 'HYPERLINK "http://x"')]


def test_password_protected_doc_needs_password(scan_items):
    data = (FIXTURES / "locked.doc").read_bytes()
    ex = extract("doc", data)
    assert ex.protection == Protection(encrypted=True, method="doc-rc4", needs_password=True)
    assert ex.segments == []
    [result] = scan_items(data, "locked.doc")
    assert result.verdict == "block" and result.protection.needs_password
    assert [r.code for r in result.reasons] == ["protection.unapproved"]


def test_obfuscated_doc_is_xor():
    ex = extract("doc", word_file([("正文\r", False)], flags=0x0200 | 0x0100 | 0x8000))
    assert ex.protection == Protection(encrypted=True, method="doc-xor", needs_password=True)


def test_word95_is_unsupported_with_a_reason():
    with pytest.raises(ExtractionError) as info:
        extract("doc", word_file([("text\r", True)], nfib=0x68))
    assert info.value.code == "scan.unsupported" and "Word 6/95" in str(info.value)


# -- PowerPoint ------------------------------------------------------------------------------------


def record(kind: int, body: bytes = b"", instance: int = 0) -> bytes:
    return struct.pack("<HHI", instance << 4, kind, len(body)) + body


def container(kind: int, children, instance: int = 0) -> bytes:
    body = b"".join(children)
    return struct.pack("<HHI", 0xF | instance << 4, kind, len(body)) + body


def ppt_file(title: str, shape_text: str, footer: str) -> bytes:
    """A PowerPoint-style stream: the title kept in the slide list (as PowerPoint writes placeholder text),
    a text box in the slide itself, a footer string; the persist directory points at the slide."""
    chars = lambda text: record(0x0FA0, text.encode("utf-16-le"))  # noqa: E731
    slide_list = container(0x0FF0, [record(0x03F3, struct.pack("<IIIII", 1, 0, 1, 256, 0)),
                                     record(0x0F9F, struct.pack("<I", 0)), chars(title)])
    footers = container(0x0FD9, [record(0x0FDA, bytes(4)), record(0x0FBA, footer.encode("utf-16-le"), 2)])
    document = container(0x03E8, [record(0x03E9, bytes(40)), slide_list, footers])
    shape = container(0xF004, [container(0xF00D, [record(0x0F9F, struct.pack("<I", 4)), chars(shape_text)])])
    slide = container(0x03EE, [record(0x03EF, bytes(24)), container(0x040C, [shape])])
    persist = record(0x1772, struct.pack("<II", 1 | 1 << 20, len(document)))
    user = struct.pack("<HHI", 0, 0x0FF6, 20) + struct.pack("<IIIHBB", 20, 0xE391C05F, 0, 0, 3, 0) + bytes(4)
    return _cfb({"PowerPoint Document": document + slide + persist, "Current User": user})


def test_ppt_text_in_the_slide_list_and_footer_strings():
    data = ppt_file("机密★10年 汇报", "文本框", "内部资料")
    assert sniff(data) == "ppt"
    ex = extract("ppt", data)
    assert texts(ex) == [("slide 1, paragraph 1", "机密★10年 汇报"), ("slide 1, paragraph 2", "文本框"),
                         ("footer", "内部资料")]
    assert ex.segments[-1].location.part == "footer"


def test_ppt_slides_notes_and_properties(slides):
    assert sniff(slides) == "ppt"
    ex = extract("ppt", slides)
    assert texts(ex) == [
        ("slide 1, paragraph 1", "机密★10年 项目汇报"),
        ("slide 1, paragraph 2", "第一阶段目标"),
        ("slide 1, paragraph 3", "第二阶段目标"),
        ("slide 1, notes, paragraph 1", "备注：此页不得外传"),
        ("slide 2, paragraph 1", "进度安排"),
        ("slide 2, paragraph 2", "文本框：试验基地位于某地"),
        ("slide 2, paragraph 3", "阶段"), ("slide 2, paragraph 4", "时间"),
        ("slide 2, paragraph 5", "总装"), ("slide 2, paragraph 6", "五月"),
        ("slide 2, notes, paragraph 1", "第二页备注"),
        ("property title, metadata", "项目汇报"),
        ("property AppVersion, metadata", "AppVersion：14.0000"),
        ("property PresentationFormat, metadata", "PresentationFormat：On-screen Show (4:3)"),
    ]
    assert ex.properties == {"slides": 2}
    assert extract("ole", slides).type == "ppt"


def test_marking_on_a_slide_blocks(slides, scan_items):
    [result] = scan_items(slides, "deck.ppt")
    assert result.type == "ppt" and result.verdict == "block"
    assert result.detection.markings[0].location == "slide 1, paragraph 1"


@pytest.mark.parametrize("how", ["token", "summary"])
def test_encrypted_ppt_needs_password(slides, scan_items, how):
    parts = streams(slides)
    if how == "token":  # CurrentUserAtom.headerToken says the presentation is encrypted
        user = bytearray(parts["Current User"])
        struct.pack_into("<I", user, 12, 0xF3D1C4DF)
        parts["Current User"] = bytes(user)
    else:
        parts["EncryptedSummary"] = b"\0" * 64
    data = _cfb(parts)
    assert extract("ppt", data).protection == Protection(encrypted=True, method="ppt-rc4", needs_password=True)
    [result] = scan_items(data, "locked.ppt")
    assert result.verdict == "block" and result.protection.needs_password


# -- damage ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, cut", [("report.doc", 0.3), ("report.doc", 0.6), ("slides.ppt", 0.3),
                                       ("slides.ppt", 0.6), ("slides.ppt", 0.9),
                                       ("report.doc", 0.99)])  # the last directory sector cut short
def test_truncated_file_is_unreadable(scan_items, name, cut):
    data = (FIXTURES / name).read_bytes()
    [result] = scan_items(data[: int(len(data) * cut)], name)
    assert result.verdict == "block" and result.problem["code"] == "scan.unreadable"


def _garble(data: bytes, stream: str, at: int, junk: bytes) -> bytes:
    parts = streams(data)
    raw = bytearray(parts[stream])
    raw[at:at + len(junk)] = junk
    parts[stream] = bytes(raw)
    return _cfb(parts)


@pytest.mark.parametrize("stream, at, junk, detail", [
    ("WordDocument", 0, b"\x00\x00", "wIdent"),  # not a FIB
    ("WordDocument", 0x01A2, b"\xff\xff\x00\x00", "Clx"),  # fcClx past the end of the table stream
    ("1Table", 0, b"\x07" * 64, "Pcdt"),  # no piece table where the FIB says
])
def test_garbled_doc_is_unreadable(report, scan_items, stream, at, junk, detail):
    data = _garble(report, stream, at, junk)
    if stream == "1Table":  # aim at the Clx itself
        fc = struct.unpack_from("<I", streams(report)["WordDocument"], 0x01A2)[0]
        data = _garble(report, stream, fc, junk)
    with pytest.raises(ExtractionError) as info:
        extract_doc(data)
    assert info.value.code == "scan.unreadable" and detail in str(info.value)
    [result] = scan_items(data, "bad.doc")
    assert result.verdict == "block" and result.problem["code"] == "scan.unreadable"
    assert result.problem["detail"].startswith("旧版 Word 文档已损坏")


def test_garbled_ppt_is_unreadable(slides, scan_items):
    data = _garble(slides, "PowerPoint Document", 4, struct.pack("<I", 0x7FFFFFFF))  # first record's length
    with pytest.raises(ExtractionError) as info:
        extract_ppt(data)
    assert "past its container" in str(info.value)
    [result] = scan_items(data, "bad.ppt")
    assert result.verdict == "block" and result.problem["code"] == "scan.unreadable"


@pytest.mark.parametrize("stream, kind", [("WordDocument", "doc"), ("PowerPoint Document", "ppt")])
def test_empty_legacy_streams_fail_closed(scan_items, stream, kind):
    data = _cfb({stream: b"\0" * 600, "\x05SummaryInformation": b"\0" * 100})
    assert sniff(data) == kind
    with pytest.raises(ExtractionError) as info:
        extract("ole", data)
    assert info.value.code == "scan.unreadable"
    [result] = scan_items(data, f"old.{kind}")
    assert result.verdict == "block" and result.problem["code"] == "scan.unreadable"


def test_damaged_properties_fail_closed_but_text_is_read(report):
    parts = streams(report)
    parts["\x05DocumentSummaryInformation"] = parts["\x05DocumentSummaryInformation"][:60]
    ex = extract("doc", _cfb(parts))
    assert ex.segments[0].text == "机密★10年"
    assert ex.unread and "DocumentSummaryInformation" in ex.unread[0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation_strategy())
def test_mutated_legacy_files_end_with_a_verdict(report, slides, scan_items, change):
    assert_fuzz_verdict(scan_items, mutate(report, change))
    assert_fuzz_verdict(scan_items, mutate(slides, change))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation_strategy())
def test_mutated_streams_raise_only_extraction_errors(report, slides, change):
    """Damage inside the streams (the container left whole) reaches the parsers themselves."""
    for data, extractor, names in ((report, extract_doc, ("WordDocument", "1Table")),
                                   (slides, extract_ppt, ("PowerPoint Document", "Current User"))):
        for name in names:
            parts = streams(data)
            parts[name] = mutate(parts[name], change)
            try:
                extractor(_cfb(parts))
            except ExtractionError:
                pass
