"""Word documents: body, tables, headers and footers, each with a location a person understands."""

import pytest

from scanner.errors import ExtractionError
from scanner.extract import extract
from scanner.model import Location


def _texts(data: bytes) -> list[tuple[str, Location]]:
    ex = extract("docx", data)
    assert ex.type == "docx"
    return [(s.text, s.location) for s in ex.segments]


def test_body_paragraphs_numbered_blank_ones_skipped(make_docx):
    segments = _texts(make_docx(["机密★10年", "", "关于合作项目的报告", "   ", "第三段正文"]))
    assert segments == [
        ("机密★10年", Location(paragraph=1)),
        ("关于合作项目的报告", Location(paragraph=2)),
        ("第三段正文", Location(paragraph=3)),
    ]


def test_table_cells_with_row_and_column(make_docx):
    def setup(document):
        table = document.add_table(rows=2, cols=3)
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row.cells):
                cell.text = f"格{r + 1}{c + 1}"
        document.add_paragraph("表后正文")

    segments = _texts(make_docx(["表前正文"], setup))
    assert segments[0] == ("表前正文", Location(paragraph=1))
    cells = [(t, (loc.table, loc.row, loc.column)) for t, loc in segments if loc.table is not None]
    assert cells == [
        ("格11", (1, 1, 1)), ("格12", (1, 1, 2)), ("格13", (1, 1, 3)),
        ("格21", (1, 2, 1)), ("格22", (1, 2, 2)), ("格23", (1, 2, 3)),
    ]
    assert segments[-1] == ("表后正文", Location(paragraph=2))
    assert Location(table=1, row=2, column=3).describe("zh") == "表格1，第2行第3列"


def test_every_cell_of_a_large_table_is_read(make_docx):
    # Regression: cells were de-duplicated by id() of short-lived proxies; a reused id
    # silently skipped most of the table.
    def setup(document):
        table = document.add_table(rows=30, cols=6)
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row.cells):
                cell.text = f"r{r}c{c}"

    texts = {t for t, _ in _texts(make_docx([], setup))}
    assert texts == {f"r{r}c{c}" for r in range(30) for c in range(6)}


def test_merged_cells_are_read_once(make_docx):
    def setup(document):
        table = document.add_table(rows=3, cols=3)
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row.cells):
                cell.text = f"{r}{c}"
        table.cell(0, 0).merge(table.cell(0, 1))  # across
        table.cell(1, 2).merge(table.cell(2, 2))  # down

    texts = [t for t, _ in _texts(make_docx([], setup))]
    assert texts.count("00\n01") == 1
    assert texts.count("12\n22") == 1
    assert sorted(texts) == sorted(["00\n01", "02", "10", "11", "12\n22", "20", "21"])


def test_headers_and_footers_with_section(make_docx):
    def setup(document):
        first = document.sections[0]
        first.header.paragraphs[0].text = "内部资料 注意保存"
        first.footer.paragraphs[0].text = "第一节页脚"
        second = document.add_section()
        second.footer.is_linked_to_previous = False
        second.footer.paragraphs[0].text = "第二节页脚"
        document.add_paragraph("第二节正文")

    segments = _texts(make_docx(["第一节正文"], setup))
    assert ("内部资料 注意保存", Location(part="header", paragraph=1, section=1)) in segments
    assert ("第一节页脚", Location(part="footer", paragraph=1, section=1)) in segments
    assert ("第二节页脚", Location(part="footer", paragraph=1, section=2)) in segments
    assert Location(part="header", paragraph=1, section=1).describe() == "section 1, header, paragraph 1"


def test_linked_header_is_not_read_twice(make_docx):
    def setup(document):
        document.sections[0].header.paragraphs[0].text = "共用页眉"
        for _ in range(2):
            section = document.add_section()
            assert section.header.is_linked_to_previous

    texts = [t for t, _ in _texts(make_docx(["正文"], setup))]
    assert texts.count("共用页眉") == 1


def test_first_page_and_even_page_headers_are_read(make_docx):
    # A mark on the first page often stands in the "different first page" header.
    def setup(document):
        section = document.sections[0]
        section.different_first_page_header_footer = True
        section.first_page_header.paragraphs[0].text = "机密★10年"
        section.even_page_footer.paragraphs[0].text = "偶数页页脚"
        section.header.paragraphs[0].text = "普通页眉"

    segments = _texts(make_docx(["正文"], setup))
    assert ("机密★10年", Location(part="header", paragraph=1, section=1)) in segments
    assert ("偶数页页脚", Location(part="footer", paragraph=1, section=1)) in segments
    assert [t for t, _ in segments].count("普通页眉") == 1


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data[:-30],
        lambda data: data[:4] + bytes(len(data) - 4),
    ],
    ids=["half", "tail-cut", "zeroed-after-magic"],
)
def test_corrupt_docx_raises_extraction_error(make_docx, damage):
    with pytest.raises(ExtractionError):
        extract("docx", damage(make_docx(["机密★10年"])))


def test_zip_without_word_document_raises_extraction_error():
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("word/other.xml", "<x/>")
    with pytest.raises(ExtractionError):
        extract("docx", out.getvalue())
