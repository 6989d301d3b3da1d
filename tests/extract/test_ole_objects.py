"""Files embedded as OLE objects ("Insert → Object → Create from file"): the packaged file inside an
Office document is scanned as a member of its own, in DOCX (word/embeddings/oleObject1.bin), legacy Word
(ObjectPool/_NNNN) and legacy PowerPoint (ExOleObjStg records).

embedded.doc and embedded.ppt were saved by LibreOffice (tests/fixtures/legacy/make_legacy.py)."""

import io
import pathlib
import struct
import zipfile
import zlib

import olefile
import pytest
from file_helpers import _cfb

from scanner.errors import ExtractionError, LimitExceededError
from scanner.extract import extract, sniff
from scanner.extract.members import ContainerExtraction
from scanner.extract.ole_objects import parse_ole10native
from scanner.extract.ppt import _Inflate

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "legacy"
SECRET = "机密★10年\n这是一份内部资料，不得外传。\n".encode()
PLAIN = "会议纪要：下周一上午开会。\n".encode()
COMPOBJ = bytes.fromhex("0100feff030a0000ffffffff0c00030000000000c000000000000046")


def ole10native(label: str, source: str, data: bytes, *, unicode: bool = True, size: int | None = None) -> bytes:
    """A packaged file's \\x01Ole10Native stream (the Packager's layout, as Word writes it)."""
    temp = source.encode("gbk") + b"\0"
    body = (struct.pack("<H", 2) + label.encode("gbk") + b"\0" + source.encode("gbk") + b"\0"
            + struct.pack("<II", 0x00030000, len(temp)) + temp + struct.pack("<I", len(data) if size is None else size)
            + data)
    if unicode:
        for text in (source, label, source):
            body += struct.pack("<I", len(text)) + text.encode("utf-16-le")
    return struct.pack("<I", len(body)) + body


def packaged(label: str = "secret.txt", data: bytes = SECRET, **kwargs) -> bytes:
    """oleObject1.bin: the compound file Word writes for a packaged (non-Office) file."""
    return _cfb({"\x01Ole10Native": ole10native(label, f"C:\\Users\\me\\{label}", data, **kwargs),
                 "\x01CompObj": COMPOBJ, "\x03ObjInfo": bytes.fromhex("400003000100")})


def with_embedding(docx: bytes, ole: bytes, name: str = "word/embeddings/oleObject1.bin") -> bytes:
    """The DOCX rewritten with one more part."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr(name, ole)
    return out.getvalue()


def streams(data: bytes) -> dict[str, bytes]:
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        return {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}


def by_member(results) -> dict:
    return {r.member: r for r in results}


def codes(result) -> list[str]:
    return [r.code for r in result.reasons]


# -- Ole10Native ---------------------------------------------------------------------------------


def test_ole10native_layout():
    assert parse_ole10native(ole10native("secret.txt", "C:\\tmp\\secret.txt", SECRET)) == ("secret.txt", SECRET)
    # No Unicode names after the data: the ANSI label (GBK here) names the file.
    assert parse_ole10native(ole10native("绝密名单.txt", "C:\\a.txt", SECRET, unicode=False)) == ("绝密名单.txt", SECRET)
    # An empty label: the source path's file name; a path in the label is cut to its last part.
    assert parse_ole10native(ole10native("", "D:\\x\\plan.pdf", b"%PDF"))[0] == "plan.pdf"
    assert parse_ole10native(ole10native("..\\..\\evil.txt", "", b"x"))[0] == "evil.txt"
    # Another object's native data (not a packaged file): size and data only.
    assert parse_ole10native(struct.pack("<IH", 6, 7) + b"BMxxxx"[:4]) == ("Ole10Native.bin", b"\x07\x00BMxx")


@pytest.mark.parametrize("stream, detail", [
    (ole10native("a.txt", "a", SECRET, size=10_000), "data past the end"),
    (struct.pack("<I", 1_000_000) + b"\x02\x00a.txt\0", "beyond the"),
    (struct.pack("<IH", 20, 2) + b"no terminator here.", "not terminated"),
    (b"\x01\x00", "too short"),
])
def test_damaged_ole10native_is_a_typed_error(stream, detail):
    with pytest.raises(ExtractionError) as info:
        parse_ole10native(stream)
    assert info.value.code == "scan.unreadable" and detail in str(info.value)
    assert str(info.value).startswith("嵌入对象已损坏")


def test_packaged_file_is_a_member():
    data = packaged()
    assert sniff(data) == "ole"
    ex = extract("ole", data)
    assert isinstance(ex, ContainerExtraction) and ex.type == "ole"
    assert [(m.name, m.data) for m in ex.members] == [("secret.txt", SECRET)]


# -- DOCX ----------------------------------------------------------------------------------------


def test_docx_with_packaged_text_file_is_blocked(make_docx, scan_items):
    data = with_embedding(make_docx(["请查收附件。"]), packaged())
    results = scan_items(data, "report.docx")
    top, members = results[0], by_member(results)
    assert top.verdict == "block" and codes(top) == ["archive.member_blocked"]
    inner = members["word/embeddings/oleObject1.bin/secret.txt"]
    assert inner.verdict == "block" and codes(inner) == ["marking.national_secret"]
    assert members["word/embeddings/oleObject1.bin"].verdict == "block"


def test_harmless_packaged_file_passes(make_docx, scan_items):
    results = scan_items(with_embedding(make_docx(["请查收附件。"]), packaged("notes.txt", PLAIN)), "ok.docx")
    assert [r.verdict for r in results] == ["allow"] * 3


def test_package_stream_holds_a_docx(make_docx, scan_items):
    inner = make_docx(["机密★10年", "嵌入的 Word 文档"])
    ole = _cfb({"Package": inner, "\x01CompObj": COMPOBJ})
    assert [(m.name, m.data) for m in extract("ole", ole).members] == [("Package.docx", inner)]
    results = scan_items(with_embedding(make_docx(["正文"]), ole), "outer.docx")
    assert codes(results[0]) == ["archive.member_blocked"]
    found = by_member(results)["word/embeddings/oleObject1.bin/Package.docx"]
    assert found.type == "docx" and codes(found) == ["marking.national_secret"]


def test_contents_stream_holds_a_pdf(make_docx, make_pdf, scan_items):
    pdf = make_pdf([["机密★10年", "PDF 附件"]])
    ole = _cfb({"CONTENTS": pdf, "\x01CompObj": COMPOBJ})
    results = scan_items(with_embedding(make_docx(["正文"]), ole), "outer.docx")
    found = by_member(results)["word/embeddings/oleObject1.bin/CONTENTS.pdf"]
    assert found.type == "pdf" and codes(found) == ["marking.national_secret"]
    assert results[0].verdict == "block"


def test_damaged_ole10native_member_blocks(make_docx, scan_items):
    data = with_embedding(make_docx(["正文"]), packaged(size=1_000_000))
    results = scan_items(data, "bad.docx")
    member = by_member(results)["word/embeddings/oleObject1.bin"]
    assert member.verdict == "block" and member.problem["code"] == "scan.unreadable"
    assert "Ole10Native" in member.problem["detail"]
    assert results[0].verdict == "block" and codes(results[0]) == ["archive.member_blocked"]


# -- legacy Word: ObjectPool ---------------------------------------------------------------------


def test_doc_made_by_libreoffice_hands_on_its_object(scan_items):
    data = (FIXTURES / "embedded.doc").read_bytes()
    ex = extract("doc", data)
    assert isinstance(ex, ContainerExtraction) and ex.unread == []
    assert [s.text for s in ex.segments][:1] == ["附件如下。"]
    assert [m.name for m in ex.members] == ["ObjectPool/_2147483647/secret.txt"]
    results = scan_items(data, "embedded.doc")
    assert results[0].verdict == "block" and codes(results[0]) == ["archive.member_blocked"]
    inner = by_member(results)["ObjectPool/_2147483647/secret.txt"]
    assert inner.type == "text" and codes(inner) == ["marking.national_secret"]


@pytest.fixture(scope="module")
def report_streams() -> dict[str, bytes]:
    return streams((FIXTURES / "report.doc").read_bytes())


def test_doc_text_still_detected_next_to_objects(report_streams, scan_items):
    parts = dict(report_streams)
    parts["ObjectPool/_1234/\x01Ole10Native"] = ole10native("notes.txt", "C:\\notes.txt", PLAIN)
    parts["ObjectPool/_1234/\x01CompObj"] = COMPOBJ
    results = scan_items(_cfb(parts), "report.doc")
    assert results[0].type == "doc" and "marking.national_secret" in codes(results[0])
    assert by_member(results)["ObjectPool/_1234/notes.txt"].verdict == "allow"


def test_doc_objects_of_every_kind(report_streams, make_docx):
    parts = dict(report_streams)
    pool = "ObjectPool/"
    parts[pool + "_1/\x01Ole10Native"] = ole10native("a.txt", "C:\\a.txt", SECRET)
    parts[pool + "_2/Package"] = make_docx(["机密"])
    parts[pool + "_3/CONTENTS"] = b"%PDF-1.4 ..."
    for name in ("\x03ObjInfo", "\x01CompObj", "\x02OlePres000", "\x03EPRINT"):  # a picture only: skipped
        parts[pool + "_4/" + name] = b"\0" * 8
    parts[pool + "_5/WordDocument"] = b"\0" * 600  # an embedded Word 97 document
    parts[pool + "_5/\x01CompObj"] = COMPOBJ
    parts[pool + "_6/Equation Native"] = b"\0" * 20  # a formula (Equation 3.0, MathType): no file, skipped
    parts[pool + "_8/ActiveXData"] = b"\0" * 20  # unknown data
    parts[pool + "_7/\x01Ole10Native"] = struct.pack("<I", 99_999) + b"\x02\x00"  # damaged
    ex = extract("doc", _cfb(parts))
    assert ex.segments[0].text == "机密★10年"
    members = {m.name: m for m in ex.members}
    assert sorted(members) == [pool + "_1/a.txt", pool + "_2/Package.docx", pool + "_3/CONTENTS.pdf",
                               pool + "_5/embedded.doc", pool + "_7/Ole10Native"]
    assert members[pool + "_1/a.txt"].data == SECRET
    assert members[pool + "_5/embedded.doc"].data.startswith(b"\xd0\xcf\x11\xe0")  # a compound file of its own
    assert members[pool + "_7/Ole10Native"].problem[0] == "scan.unreadable"
    assert len(ex.unread) == 1
    assert ex.unread[0].startswith("嵌入对象") and "ObjectPool/_8" in ex.unread[0] and "activexdata" in ex.unread[0]


def test_embedded_word_97_document_is_read_as_a_document_of_its_own(report_streams, scan_items):
    # A .doc embedded in a .doc (Insert → Object → from file, in Word 97-2003 form) is a storage.
    outer = {name: data for name, data in report_streams.items()
             if not name.startswith(("WordDocument", "1Table", "0Table"))}
    inner = streams(_cfb({"WordDocument": report_streams["WordDocument"], "1Table": report_streams["1Table"]}))
    parts = dict(report_streams)
    parts.update({f"ObjectPool/_42/{name}": data for name, data in inner.items()})
    parts["ObjectPool/_42/\x01CompObj"] = COMPOBJ
    assert outer  # the outer document keeps its own streams too
    results = scan_items(_cfb(parts), "outer.doc")
    embedded = by_member(results)["ObjectPool/_42/embedded.doc"]
    assert embedded.type == "doc" and embedded.verdict == "block"
    assert "marking.national_secret" in codes(embedded)
    assert "archive.member_blocked" in codes(results[0])


def test_doc_with_unreadable_object_fails_closed(report_streams, scan_items):
    parts = dict(report_streams)
    parts["ObjectPool/_9/Workbook"] = b"\0" * 600  # an embedded workbook whose stream is garbage
    results = scan_items(_cfb(parts), "report.doc")
    assert results[0].verdict == "block" and "archive.member_blocked" in codes(results[0])
    workbook = by_member(results)["ObjectPool/_9/embedded.xls"]
    assert workbook.verdict == "block" and workbook.problem["code"] == "scan.unreadable"


def test_doc_with_picture_objects_only_is_plain(report_streams):
    parts = dict(report_streams)
    for name in ("\x03ObjInfo", "\x01CompObj", "\x02OlePres000"):
        parts["ObjectPool/_1/" + name] = b"\0" * 8
    ex = extract("doc", _cfb(parts))
    assert not isinstance(ex, ContainerExtraction) and ex.unread == []


# -- legacy PowerPoint: ExOleObjStg --------------------------------------------------------------


def record(kind: int, body: bytes = b"", instance: int = 0, version: int = 0) -> bytes:
    return struct.pack("<HHI", version | instance << 4, kind, len(body)) + body


def ole_storage(data: bytes, compressed: bool = True, declared: int | None = None) -> bytes:
    if not compressed:
        return record(0x1011, data)
    size = len(data) if declared is None else declared
    return record(0x1011, struct.pack("<I", size) + zlib.compress(data), instance=1)


@pytest.fixture(scope="module")
def slides_streams() -> dict[str, bytes]:
    return streams((FIXTURES / "slides.ppt").read_bytes())


def ppt_with(slides_streams, *records: bytes) -> bytes:
    parts = dict(slides_streams)
    parts["PowerPoint Document"] += b"".join(records)
    return _cfb(parts)


def test_ppt_made_by_libreoffice_hands_on_its_object(scan_items):
    data = (FIXTURES / "embedded.ppt").read_bytes()
    ex = extract("ppt", data)
    assert isinstance(ex, ContainerExtraction) and [m.name for m in ex.members] == ["object-1.bin"]
    assert ex.segments[0].text == "附件"
    results = scan_items(data, "embedded.ppt")
    assert results[0].verdict == "block" and codes(results[0]) == ["archive.member_blocked"]
    found = by_member(results)
    assert found["object-1.bin"].type == "ole"
    assert codes(found["object-1.bin/secret.txt"]) == ["marking.national_secret"]


def test_ppt_objects_raw_and_compressed(slides_streams, scan_items):
    data = ppt_with(slides_streams, ole_storage(packaged("a.txt", PLAIN)),
                    ole_storage(packaged("b.txt", SECRET), compressed=False))
    results = scan_items(data, "deck.ppt")
    assert "marking.national_secret" in codes(results[0])  # the slides' own text
    found = by_member(results)
    assert found["object-1.bin/a.txt"].verdict == "allow"
    assert codes(found["object-2.bin/b.txt"]) == ["marking.national_secret"]


def test_ppt_macro_storage_is_not_an_object():
    """The macro project's storage has the same record type; VBAInfoAtom's persist id tells it apart."""
    vba_info = record(0x07D0, record(0x03FF, record(0x0400, struct.pack("<III", 2, 1, 2)), version=0xF),
                      version=0xF)
    document = record(0x03E8, record(0x03E9, bytes(40)) + vba_info, version=0xF)
    vba = ole_storage(_cfb({"PROJECT": b"ID=x", "VBA/dir": b"\0" * 8}))
    embedded = ole_storage(packaged())
    persist = record(0x1772, struct.pack("<III", 1 | 2 << 20, 0, len(document)))
    user = struct.pack("<HHI", 0, 0x0FF6, 20) + struct.pack("<IIIHBB", 20, 0xE391C05F, 0, 0, 3, 0) + bytes(4)
    data = _cfb({"PowerPoint Document": document + vba + embedded + persist, "Current User": user})
    ex = extract("ppt", data)
    [member] = ex.members
    assert member.name == "object-1.bin"
    with member.open() as stream:
        assert extract("ole", stream.read()).members[0].data == SECRET


def test_ppt_zlib_bomb_is_a_limit(slides_streams, scan_items):
    bomb = ole_storage(b"\0" * (40 * 1024 * 1024), declared=4096)  # says 4 KB, inflates to 40 MB
    huge = ole_storage(b"x", declared=2**31)  # says 2 GB: refused before inflating
    results = scan_items(ppt_with(slides_streams, bomb, huge), "bomb.ppt")
    found = by_member(results)
    for name in ("object-1.bin", "object-2.bin"):
        assert found[name].verdict == "block" and found[name].problem["code"] == "scan.limit"
    assert results[0].verdict == "block" and "marking.national_secret" in codes(results[0])


def test_inflate_stops_at_its_limit():
    raw = zlib.compress(b"\0" * 100_000)
    with _Inflate(raw, 50_000) as stream, pytest.raises(LimitExceededError):
        while stream.read(16_384):
            pass
    with _Inflate(raw, 200_000) as stream:
        assert len(stream.read()) == 100_000 and stream.read() == b""


@pytest.mark.parametrize("raw", [zlib.compress(b"abc" * 1000)[:20], b"not zlib at all"])
def test_damaged_zlib_member_is_unreadable(slides_streams, scan_items, raw):
    data = ppt_with(slides_streams, record(0x1011, struct.pack("<I", 3000) + raw, instance=1))
    found = by_member(scan_items(data, "bad.ppt"))
    assert found["object-1.bin"].problem["code"] == "scan.unreadable"
