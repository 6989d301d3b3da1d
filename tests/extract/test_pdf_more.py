"""PDF beyond page text: pages without a text layer, metadata and XMP, form fields, notes, attached files."""

import pytest
from hypothesis import HealthCheck, given, settings
from pypdf.annotations import Text
from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject,
                           TextStringObject)

from file_helpers import assert_fuzz_verdict, mutate, mutation_strategy

from scanner.extract import extract
from scanner.extract.members import ContainerExtraction
from scanner.extract.pdf import page_ranges


def codes(result) -> list[str]:
    return [r.code for r in result.reasons]


def labels(ex) -> dict[str, str]:
    return {s.location.describe(): s.text for s in ex.segments}


@pytest.fixture
def no_ocr(monkeypatch):
    """As on a machine without an OCR engine: pages without a text layer cannot be read."""
    from scanner.extract import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)


def test_textless_page_among_text_pages_is_unread(make_pdf, no_ocr):
    ex = extract("pdf", make_pdf([["第一页"], None, ["第三页"], None, None]))
    assert ex.properties["textless_pages"] == [2, 4, 5]
    assert len(ex.unread) == 1 and "page 2, 4-5: no text layer" in ex.unread[0]


def test_textless_page_fails_closed_naming_pages(make_pdf, scan_items, no_ocr):
    [result] = scan_items(make_pdf([["关于合作的说明"], None]), "mixed.pdf")
    assert result.verdict == "block"
    assert codes(result) == ["scan.unreadable"]
    assert "第 2 页没有文字层" in result.problem["detail"]


def test_all_pages_textless_is_no_text(make_pdf, scan_items, no_ocr):
    [result] = scan_items(make_pdf([None, None]), "scan.pdf")
    assert codes(result) == ["scan.no_text"]


def test_blank_page_is_not_unread(make_pdf):
    ex = extract("pdf", make_pdf([["正文"], []]))  # a page that paints nothing
    assert ex.unread == [] and "textless_pages" not in ex.properties


@pytest.mark.parametrize("numbers, text", [([1], "1"), ([1, 2, 3, 5], "1-3, 5"), ([2, 4, 5, 6, 9], "2, 4-6, 9")])
def test_page_ranges(numbers, text):
    assert page_ranges(numbers) == text


def test_info_metadata_and_custom_keys(make_pdf, edit_pdf, scan_items):
    data = edit_pdf(make_pdf([["会议纪要"]]),
                    lambda w: w.add_metadata({"/Title": "年度方案", "/Keywords": "合作；交流", "/密级": "机密★10年"}))
    ex = extract("pdf", data)
    got = labels(ex)
    assert got["Title, metadata"] == "年度方案"
    assert got["Keywords, metadata"] == "合作；交流"
    assert got["密级, metadata"] == "机密★10年"
    # Placeholders and tool fields that reportlab writes are not content.
    assert not any(s.text in ("untitled", "anonymous") or "ReportLab" in s.text for s in ex.segments)
    [result] = scan_items(data, "plan.pdf")
    assert result.verdict == "block" and "marking.national_secret" in codes(result)


XMP = """<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:gov="http://example.gov.cn/ns/"
     pdf:Keywords="外事接待" pdf:Producer="Word" gov:密级="秘密★5年">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">对外合作计划</rdf:li></rdf:Alt></dc:title>
   <dc:subject><rdf:Bag><rdf:li>谈判</rdf:li><rdf:li>底线</rdf:li></rdf:Bag></dc:subject>
   <gov:note>&xxe;内部资料</gov:note>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def _add_xmp(writer):
    stream = DecodedStreamObject()
    stream.set_data(XMP.encode())
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)


def test_xmp_properties(make_pdf, edit_pdf):
    ex = extract("pdf", edit_pdf(make_pdf([["正文"]]), _add_xmp))
    xmp = [(s.location.label, s.text) for s in ex.segments if (getattr(s.location, "label", None) or "").startswith("XMP")]
    assert ("XMP dc:title", "对外合作计划") in xmp
    assert ("XMP dc:subject", "谈判") in xmp and ("XMP dc:subject", "底线") in xmp
    assert ("XMP pdf:Keywords", "外事接待") in xmp
    assert ("XMP gov:密级", "秘密★5年") in xmp
    assert not any(label == "XMP pdf:Producer" for label, _ in xmp)
    note = dict(xmp)["XMP gov:note"]
    assert note.endswith("内部资料") and "root:" not in note  # the external entity is never read


def test_form_field_values(edit_pdf):
    import io

    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, invariant=1)
    pdf.drawString(72, 700, "form")
    pdf.acroForm.textfield(name="level", value="x", x=72, y=600, width=200, height=20)
    pdf.acroForm.checkbox(name="agree", x=72, y=560, checked=True)
    pdf.showPage()
    pdf.save()

    def fill(writer):
        writer.update_page_form_field_values(writer.pages[0], {"level": "机密★10年"}, auto_regenerate=False)

    ex = extract("pdf", edit_pdf(out.getvalue(), fill))
    got = labels(ex)
    assert got["form field level, metadata"] == "机密★10年"
    assert not any("agree" in key for key in got)  # a checkbox state is not text


def test_annotation_contents(make_pdf, edit_pdf):
    def note(writer):
        writer.add_annotation(0, Text(rect=(50, 550, 200, 650), text="批注：此处涉及核心商密"))

    ex = extract("pdf", edit_pdf(make_pdf([["正文"]]), note))
    assert labels(ex)["annotation, page 1"] == "批注：此处涉及核心商密"


def test_attached_files_are_members(make_pdf, edit_pdf, make_zip, scan_items):
    inner = make_zip({"方案/secret.txt": "秘密★5年".encode()})

    def attach(writer):
        writer.add_attachment("说明.txt", "普通说明".encode())
        writer.add_attachment("pack.zip", inner)

    data = edit_pdf(make_pdf([["见附件"]]), attach)
    ex = extract("pdf", data)
    assert isinstance(ex, ContainerExtraction)
    assert [(m.name, m.data) for m in ex.members] == [("pack.zip", inner), ("说明.txt", "普通说明".encode())]
    assert ex.properties["attachments"] == 2
    results = scan_items(data, "cover.pdf")
    by_member = {r.member: r for r in results}
    assert by_member["pack.zip/方案/secret.txt"].verdict == "block"
    assert results[0].verdict == "block" and "archive.member_blocked" in codes(results[0])
    assert by_member["说明.txt"].verdict == "allow"


def _file_annotation(data: bytes, name: str):
    def add(writer):
        stream = DecodedStreamObject()
        stream.set_data(data)
        stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
        spec = DictionaryObject({NameObject("/Type"): NameObject("/Filespec"),
                                 NameObject("/F"): TextStringObject(name),
                                 NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(stream)})})
        annot = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (50, 50, 70, 70)]),
            NameObject("/FS"): writer._add_object(spec)})
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annot)])

    return add


def test_file_attachment_annotation_is_a_member(make_pdf, edit_pdf):
    ex = extract("pdf", edit_pdf(make_pdf([["正文"]]), _file_annotation("绝密★30年".encode(), "memo.txt")))
    assert [(m.name, m.data) for m in ex.members] == [("page 1/memo.txt", "绝密★30年".encode())]


def test_textless_pdf_with_attachment_still_fails_closed(make_pdf, edit_pdf, scan_items, no_ocr):
    data = edit_pdf(make_pdf([None]), lambda w: w.add_attachment("a.txt", b"hello"))
    results = scan_items(data, "scan.pdf")
    assert results[0].verdict == "block"
    assert results[0].problem["code"] == "scan.unreadable"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation_strategy())
def test_mutated_pdf_with_parts_ends_with_a_verdict(make_pdf, edit_pdf, scan_items, change):
    def parts(writer):
        writer.add_metadata({"/密级": "机密"})
        writer.add_attachment("a.txt", "秘密★5年".encode())
        _add_xmp(writer)

    sample = edit_pdf(make_pdf([["机密★10年"], ["正文"]]), parts)
    assert_fuzz_verdict(scan_items, mutate(sample, change), seconds=30)
