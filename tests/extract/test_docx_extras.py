"""Word documents beyond the body: comments, footnotes, text boxes, tracked changes, properties, embeddings."""

import io
import random
import zipfile

import pytest
from docx.oxml import parse_xml

from scanner.extract import extract

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CUSTOM = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="密级"><vt:lpwstr>机密</vt:lpwstr></property>'
    "</Properties>"
)
FOOTNOTES = (
    f'<w:footnotes {W}><w:footnote w:id="1"><w:p><w:r><w:t>脚注：数据来自内部资料</w:t></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)


def _add_parts(data: bytes, parts: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in source.infolist():
            zf.writestr(info, source.read(info))
        for name, content in parts.items():
            zf.writestr(name, content)
    return out.getvalue()


def _texts(data: bytes) -> dict[str, str]:
    return {s.location.describe(): s.text for s in extract("docx", data).segments}


def test_comments(make_docx):
    def setup(document):
        paragraph = document.add_paragraph("正文")
        document.add_comment(paragraph.runs, text="此段涉及作战部署，请删除", author="审核")

    texts = _texts(make_docx([], setup))
    assert texts["comment 1"] == "此段涉及作战部署，请删除"


def test_text_box_and_tracked_changes(make_docx):
    def setup(document):
        paragraph = document.add_paragraph("可见正文")
        paragraph._p.append(parse_xml(f'<w:ins {W} w:id="1" w:author="a"><w:r><w:t>插入的机密★10年</w:t></w:r></w:ins>'))
        paragraph._p.append(parse_xml(f'<w:del {W} w:id="2" w:author="a"><w:r><w:delText>删除的作战方案</w:delText></w:r></w:del>'))
        box = parse_xml(
            f'<w:r {W} xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
            "<wps:txbx><w:txbxContent><w:p><w:r><w:t>文本框里的秘密★5年</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:r>"
        )
        paragraph._p.append(box)

    texts = _texts(make_docx([], setup))
    assert texts["tracked insertion 1"] == "插入的机密★10年"
    assert texts["tracked deletion 1"] == "删除的作战方案"
    assert texts["text box 1"] == "文本框里的秘密★5年"


def test_core_and_custom_properties_and_footnotes(make_docx):
    def setup(document):
        document.core_properties.title = "对外合作谈判方案"
        document.core_properties.keywords = "谈判底线"

    data = _add_parts(make_docx(["正文"], setup), {"docProps/custom.xml": CUSTOM, "word/footnotes.xml": FOOTNOTES})
    texts = _texts(data)
    assert texts["property title, metadata"] == "对外合作谈判方案"
    assert texts["property keywords, metadata"] == "谈判底线"
    assert texts["property 密级, metadata"] == "密级：机密"
    assert texts["footnote 1"] == "脚注：数据来自内部资料"


def test_embedded_workbook_is_a_member(make_docx, make_xlsx):
    sheet = make_xlsx({"数据": {"A1": "机密★10年"}})
    data = _add_parts(make_docx(["见附表"]), {"word/embeddings/Microsoft_Excel_Worksheet.xlsx": sheet})
    ex = extract("docx", data)
    [member] = ex.members
    assert member.name == "word/embeddings/Microsoft_Excel_Worksheet.xlsx"
    with member.open() as fh:
        assert fh.read() == sheet


def test_embedded_workbook_blocks_the_document(make_docx, make_xlsx):
    from scanner.config import Config
    from scanner.detect.engine import DetectionEngine
    from scanner.pipeline import scan_tree

    sheet = make_xlsx({"数据": {"A1": "机密★10年"}})
    data = _add_parts(make_docx(["见附表"]), {"word/embeddings/Microsoft_Excel_Worksheet.xlsx": sheet})
    config = Config()
    own, member = scan_tree(data, path="r.docx", config=config, engine=DetectionEngine(config))
    assert member.member == "word/embeddings/Microsoft_Excel_Worksheet.xlsx" and member.type == "xlsx"
    assert member.verdict == "block" and own.verdict == "block"


# Parts read in recovery mode (issue 14, item 12): a part that cannot be read completely blocks the file.

NOTES = {
    "word/footnotes.xml": (f'<w:footnotes {W}><w:footnote w:id="1"><w:p><w:r><w:t>FIRST</w:t></w:r></w:p></w:footnote>'
                           f'<w:footnote w:id="2"><w:p><w:r><w:t>机密★10年</w:t></w:r></w:p></w:footnote></w:footnotes>'),
    "word/endnotes.xml": (f'<w:endnotes {W}><w:endnote w:id="1"><w:p><w:r><w:t>FIRST</w:t></w:r></w:p></w:endnote>'
                          f'<w:endnote w:id="2"><w:p><w:r><w:t>机密★10年</w:t></w:r></w:p></w:endnote></w:endnotes>'),
    "docProps/custom.xml": CUSTOM.replace('name="密级"><vt:lpwstr>机密</vt:lpwstr></property>',
                                          'name="项目"><vt:lpwstr>FIRST</vt:lpwstr></property>'
                                          '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" '
                                          'name="密级"><vt:lpwstr>机密★10年</vt:lpwstr></property>'),
}


def _blocked(results) -> bool:
    return results[0].verdict == "block"


@pytest.mark.parametrize("part", sorted(NOTES))
def test_a_part_nested_past_the_parser_limit_blocks(scan_items, make_docx, part):
    # libxml2 in recovery mode stops at 256 levels and keeps what came before: the mark after is lost.
    deep = NOTES[part].replace("FIRST", "<x>" * 300 + "数据来自统计年鉴" + "</x>" * 300)
    data = _add_parts(make_docx(["正文"]), {part: deep})
    extraction = extract("docx", data)
    assert any(part in reason for reason in extraction.unread)
    [result] = scan_items(data, "deep.docx")
    assert result.verdict == "block" and result.problem["code"] == "scan.unreadable"


@pytest.mark.parametrize("part", sorted(NOTES))
def test_seeded_damage_before_the_mark_in_a_part_never_allows(scan_items, make_docx, part):
    clean = NOTES[part].replace("FIRST", "数据来自统计年鉴").encode()
    base = make_docx(["正文"])
    passed = []
    for seed in range(40):
        rnd = random.Random(seed)
        damaged = bytearray(clean)
        value = rnd.choice(b"<>&/\"'x\x00\xff")
        damaged[rnd.randrange(clean.index(b">") + 1, clean.index("机密".encode()) - 20)] = value
        if not _blocked(scan_items(_add_parts(base, {part: bytes(damaged)}), "damaged.docx")):
            passed.append(seed)
    assert passed == []


def test_a_healthy_part_is_not_reported(scan_items, make_docx):
    data = _add_parts(make_docx(["正文"]), {part: xml.replace("FIRST", "说明") for part, xml in NOTES.items()})
    extraction = extract("docx", data)
    assert extraction.unread == []
    texts = [s.text for s in extraction.segments]
    assert texts.count("机密★10年") == 2 and "密级：机密★10年" in texts
    [result] = scan_items(data, "healthy.docx")
    assert "marking.national_secret" in [r.code for r in result.reasons]
