"""OFD (GB/T 33190): document info and custom data, page text in page order, templates, annotations, attachments."""

import zipfile

import pytest
from hypothesis import HealthCheck, given, settings

from file_helpers import assert_fuzz_verdict, mutate, mutation_strategy

from scanner.errors import ExtractionError
from scanner.extract import extract, sniff
from scanner.extract.members import ContainerExtraction


def texts(ex) -> list[tuple[str, str]]:
    return [(s.location.describe(), s.text) for s in ex.segments]


def test_pages_in_order_and_doc_info(make_ofd):
    data = make_ofd([[["机密", "★", "10年"], "关于合作项目的请示"], ["第二页正文"]],
                    info={"Title": "合作方案", "Author": "外事处"}, keywords=["外事", "谈判"],
                    custom={"密级": "机密★10年"})
    assert sniff(data) == "ofd"
    ex = extract("ofd", data)
    got = texts(ex)
    assert ("page 1", "机密★10年\n关于合作项目的请示") in got
    assert ("page 2", "第二页正文") in got
    assert ("Title, metadata", "合作方案") in got
    assert ("Keywords, metadata", "外事；谈判") in got
    assert ("密级, metadata", "机密★10年") in got
    assert ex.properties == {"pages": 2, "documents": 1}
    assert ex.unread == []


def test_template_and_annotation_text(make_ofd):
    ex = extract("ofd", make_ofd([["正文"]], template=["秘密★5年"], annotations={0: "审核意见：内部"}))
    got = texts(ex)
    assert ("template 1, header", "秘密★5年") in got
    assert ("annotation, page 1", "审核意见：内部") in got


def test_image_only_page_is_unread(make_ofd, scan_items):
    data = make_ofd([["第一页"], None])
    ex = extract("ofd", data)
    assert ex.unread and "page 2: no text layer" in ex.unread[0]
    [result] = scan_items(data, "mixed.ofd")
    assert result.verdict == "block" and result.problem["code"] == "scan.unreadable"


def test_scanned_ofd_is_no_text(make_ofd, scan_items):
    [result] = scan_items(make_ofd([None, None]), "scan.ofd")
    assert result.verdict == "block" and result.problem["code"] == "scan.no_text"


def test_attachments_are_members(make_ofd, scan_items):
    data = make_ofd([["见附件"]], attachments={"附件1.txt": "绝密★30年".encode()})
    ex = extract("ofd", data)
    assert isinstance(ex, ContainerExtraction) and [m.name for m in ex.members] == ["附件1.txt"]
    results = scan_items(data, "doc.ofd")
    assert results[1].member == "附件1.txt" and results[1].verdict == "block"
    assert results[0].verdict == "block"


def test_marking_in_ofd_blocks(make_ofd, scan_items):
    [result] = scan_items(make_ofd([["机密★10年", "会议纪要"]]), "memo.ofd")
    assert result.type == "ofd" and "marking.national_secret" in [r.code for r in result.reasons]


def _edit(data: bytes, name: str, content: bytes | None) -> bytes:
    import io

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for item in source.namelist():
            if item != name:
                zf.writestr(item, source.read(item))
        if content is not None:
            zf.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("name, content", [
    ("Doc_0/Document.xml", None),
    ("Doc_0/Document.xml", b"<ofd:Document xmlns:ofd='x'><unclosed>"),
    ("OFD.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>&e;</ofd:DocRoot>'
                b"</ofd:DocBody></ofd:OFD>"),
], ids=["missing-document", "malformed-xml", "external-entity"])
def test_damaged_ofd_raises(make_ofd, name, content):
    with pytest.raises(ExtractionError):
        extract("ofd", _edit(make_ofd([["正文"]]), name, content))


def test_missing_page_is_unread(make_ofd):
    ex = extract("ofd", _edit(make_ofd([["正文"], ["第二页"]]), "Doc_0/Pages/Page_1/Content.xml", None))
    assert texts(ex) == [("page 1", "正文")]
    assert ex.unread and ex.unread[0].startswith("page 2")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation_strategy())
def test_mutated_ofd_ends_with_a_verdict(make_ofd, scan_items, change):
    sample = make_ofd([["机密★10年"], ["正文"]], custom={"密级": "机密"}, attachments={"a.txt": b"x"})
    assert_fuzz_verdict(scan_items, mutate(sample, change))
