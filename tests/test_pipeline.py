"""One item in, one verdict out: bad files fail closed, marks block, offsets index the original text."""

import io
import random
import zipfile

import pytest

from scanner.extract import extract, sniff
from scanner.model import Document
from scanner.pipeline import scan_bytes


@pytest.fixture
def scan(config, engine):
    def run(data: bytes, path: str = "item.bin"):
        return scan_bytes(data, path=path, config=config, engine=engine)

    return run


def codes(result) -> list[str]:
    return [r.code for r in result.reasons]


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _replace_member(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    return _zip({n: (content if n == name else source.read(n)) for n in source.namelist()})


@pytest.fixture(scope="module")
def bad_files(make_docx, make_pdf):
    docx = make_docx(["机密★10年", "关于合作项目的报告"])
    pdf = make_pdf([["机密★10年", "关于合作项目的报告"]])
    return {
        # Its member list is gone, so it can only be sniffed as a zip, and a damaged one.
        "truncated-docx": (docx[: len(docx) // 2], "report.docx", "scan.unreadable"),
        "corrupt-docx-member": (_replace_member(docx, "word/document.xml", b"<w:document"), "r.docx",
                                "scan.unreadable"),
        "truncated-pdf": (pdf[: len(pdf) // 2], "report.pdf", "scan.unreadable"),
        "garbage-after-pdf-header": (b"%PDF-1.7\n" + bytes(range(256)) * 8, "x.pdf", "scan.unreadable"),
        "random-bytes": (random.Random(7).randbytes(8192), "notes.txt", "scan.unsupported"),
        "png-named-docx": (b"\x89PNG\r\n\x1a\n" + bytes(64), "plan.docx", "scan.unreadable"),
    }


@pytest.mark.parametrize("data_name, path", [("named-pdf", "plan.pdf"), ("stored-pdf-first", "pack.zip")])
def test_a_zip_is_read_as_a_zip_and_its_marked_member_blocks_it(scan, make_pdf, data_name, path):
    pdf = make_pdf([["关于合作项目的报告"]])
    data = {
        "named-pdf": _zip({"a.txt": "机密★10年".encode()}),
        # A stored PDF member puts %PDF- near the start of the zip: the zip must still win.
        "stored-pdf-first": _zip({"cover.pdf": pdf, "secret.txt": "机密★10年".encode()}, zipfile.ZIP_STORED),
    }[data_name]
    result = scan(data, path)
    assert result.type == "zip" and result.verdict == "block"
    assert codes(result) == ["archive.member_blocked"]


@pytest.mark.parametrize(
    "name",
    ["truncated-docx", "corrupt-docx-member", "truncated-pdf", "garbage-after-pdf-header", "random-bytes",
     "png-named-docx"],
)
def test_unreadable_files_fail_closed(scan, bad_files, name):
    data, path, code = bad_files[name]
    result = scan(data, path)
    assert result.verdict == "block"
    assert codes(result)[0] == code
    assert result.problem["code"] == code
    assert result.path == path
    assert result.size == len(data)


def test_docx_renamed_pdf_is_read_as_docx(scan, make_docx):
    result = scan(make_docx(["机密★10年", "正文"]), "looks-like.pdf")
    assert result.type == "docx"
    assert "marking.national_secret" in codes(result)


def test_empty_file_is_allowed(scan):
    result = scan(b"", "empty.txt")
    assert (result.type, result.verdict, codes(result)) == ("empty", "allow", ["scan.empty"])


def test_blank_text_file_is_empty_not_unreadable(scan):
    result = scan(b"  \n\r\n\t\n", "blank.txt")
    assert (result.type, result.verdict, codes(result)) == ("text", "allow", ["scan.empty"])


def test_pdf_without_text_layer_is_blocked(scan, make_pdf):
    result = scan(make_pdf([None, None]), "scan.pdf")
    assert result.verdict == "block"
    assert codes(result) == ["scan.no_text"]


def test_user_password_pdf_is_blocked_without_approval(scan, make_pdf, encrypt_pdf):
    data = encrypt_pdf(make_pdf([["正文"]]), user="s3cret", algorithm="AES-256")
    result = scan(data, "locked.pdf")
    assert result.verdict == "block"
    assert codes(result) == ["protection.unapproved"]
    assert result.protection.to_dict() == {"encrypted": True, "method": "pdf-aes256", "needs_password": True}


def test_owner_password_pdf_is_read_and_its_mark_found(scan, make_pdf, encrypt_pdf):
    data = encrypt_pdf(make_pdf([["机密★10年", "正文"]]), user="", algorithm="AES-128")
    result = scan(data, "owner-only.pdf")
    assert result.protection.needs_password is False
    assert "protection.unapproved" not in codes(result)
    assert "marking.national_secret" in codes(result)


def test_marked_docx_is_blocked_with_paragraph_location(scan, make_docx):
    result = scan(make_docx(["机密★10年", "关于合作项目的报告", "正文"]), "plan.docx")
    assert result.verdict == "block"
    assert codes(result)[0] == "marking.national_secret"
    [mark] = result.detection.markings
    assert (mark.text, mark.level, mark.kind, mark.period) == ("机密★10年", "机密", "national_secret", "10年")
    assert "paragraph 1" in mark.location
    assert (mark.start, mark.end) == (0, 6)


def test_mark_in_first_page_header_is_found(scan, make_docx):
    def setup(document):
        section = document.sections[0]
        section.different_first_page_header_footer = True
        section.first_page_header.paragraphs[0].text = "机密★10年"

    result = scan(make_docx(["关于合作项目的报告"], setup), "plan.docx")
    assert result.verdict == "block"
    assert [m.text for m in result.detection.markings] == ["机密★10年"]
    assert "header" in result.detection.markings[0].location


def test_rule_sentence_is_a_mention_not_a_mark(scan):
    result = scan("机密文件应当加密存储".encode("utf-8"), "rules.txt")
    assert result.verdict == "allow"
    assert result.detection.markings == []
    assert [(m.text, m.level) for m in result.detection.mentions] == [("机密", "机密")]
    assert "marking.national_secret" not in codes(result)


def _assert_spans(document: Document, items) -> None:
    for item in items:
        assert 0 <= item.start < item.end <= len(document.text)
        if getattr(item, "rule", "").startswith("classifier."):
            continue  # the classifier reports a whitespace-collapsed excerpt of its passage as text
        assert document.text[item.start:item.end] == item.text


@pytest.mark.parametrize(
    "text, mark",
    [
        ("机密★10年\n关于作战部署的报告", "机密★10年"),
        ("ＡＢＣ　说明\n机 密★１０年\n作战部署和武器装备", "机 密★１０年"),
        ("\u3000\u3000机\u200b密＊10年\n导弹阵地位置", "机\u200b密＊10年"),
        ("说明\n秘密 ★ 长期\n武器装备清单", "秘密 ★ 长期"),
    ],
    ids=["plain", "full-width-and-spaced", "zero-width-and-full-width-star", "spaces-around-star"],
)
def test_offsets_index_the_extracted_text(scan, text, mark):
    data = text.encode("utf-8")
    result = scan(data, "note.txt")
    document = Document(extract(sniff(data), data).segments)
    assert [m.text for m in result.detection.markings] == [mark]
    for m in result.detection.markings + result.detection.mentions:
        assert document.text[m.start:m.end] == m.text
    assert any(f.rule.startswith("lexicon.") for f in result.detection.findings)
    _assert_spans(document, result.detection.findings)
    assert result.verdict == "block"


def test_offsets_in_docx_table_and_header(scan, make_docx):
    def setup(document):
        document.sections[0].header.paragraphs[0].text = "内部资料 注意保存"
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "事项"
        table.cell(0, 1).text = "作战部署 与 武器装备"

    data = make_docx(["机 密★１０年", "关于报告"], setup)
    result = scan(data, "t.docx")
    document = Document(extract("docx", data).segments)
    assert [m.text for m in result.detection.markings] == ["机 密★１０年", "内部资料 注意保存"]
    assert {f.text for f in result.detection.findings if f.rule.startswith("lexicon.")} >= {"作战部署", "武器装备"}
    _assert_spans(document, result.detection.markings + result.detection.mentions + result.detection.findings)


def test_same_bytes_same_result(scan, make_docx):
    data = make_docx(["机密★10年"])
    first, second = scan(data, "a.docx"), scan(data, "a.docx")
    assert first.to_dict() == second.to_dict()
    assert first.sha256 == second.sha256 and len(first.sha256) == 64


# -- issue 12: a limit that stops a file keeps the marks already found --------------------------


def test_a_time_limit_during_ocr_keeps_the_marks_of_the_text_layer(make_pdf, engine):
    from scanner.config import parse_config
    from scanner.pipeline import scan_tree

    # Page 1 has a text layer with a mark; page 2 has none, and would be read by OCR.
    data = make_pdf([["机密★10年", "关于年度合作项目的报告"], None])
    config = parse_config("[scan]\nmax_seconds = 0.001\n")
    [result] = scan_tree(data, path="report.pdf", config=config, engine=engine)
    assert result.verdict == "block"
    assert result.problem["code"] == "scan.limit" and "max_seconds" in result.problem["detail"]
    assert {"scan.limit", "marking.national_secret"} <= set(codes(result))
    assert [(m.text, m.location) for m in result.detection.markings] == [("机密★10年", "page 1")]


def test_the_text_layer_is_looked_at_before_ocr_starts(make_pdf, engine):
    from scanner.extract import early
    from scanner.extract.pdf import extract_pdf

    told = []
    with early.listening(lambda segments: told.append([(s.location.page, s.text.split()) for s in segments])):
        extract_pdf(make_pdf([["机密★10年"], None]))
    assert told[:1] == [[(1, ["机密★10年"])]]  # once, before page 2 was rendered for OCR
    told.clear()
    with early.listening(told.append):
        extract_pdf(make_pdf([["第一页"], ["第二页"]]))  # nothing to OCR: nothing told
    assert told == []


def test_an_unread_result_carries_the_marks_found_before_it_was_stopped(config):
    from scanner.model import Marking
    from scanner.pipeline import unread_result
    from scanner.policy.decide import Problem

    mark = Marking("机密★10年", "机密", "national_secret", "10年", 0, 6, "page 1")
    result = unread_result(config, path="a.pdf", problem=Problem("scan.limit", "stopped"), markings=[mark])
    assert result.verdict == "block" and set(codes(result)) == {"scan.limit", "marking.national_secret"}
    assert result.to_dict()["markings"][0]["text"] == "机密★10年"
