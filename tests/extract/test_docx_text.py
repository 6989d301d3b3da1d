"""The walk that reads a paragraph's and a cell's text (docx_text.py) gives python-docx's own text, exactly."""

from __future__ import annotations

import random

from docx.oxml.parser import parse_xml
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from scanner.extract.docx_text import cell_text, paragraph_text

_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')

# Run children: text (also empty, spaces kept, entities), every break type, tabs, and what neither reads.
_RUN_PARTS = [
    "<w:t>机密</w:t>", '<w:t xml:space="preserve"> ★ </w:t>', "<w:t/>", "<w:t>a&amp;b</w:t>", "<w:t>  </w:t>",
    "<w:br/>", '<w:br w:type="page"/>', '<w:br w:type="column"/>', '<w:br w:type="textWrapping"/>',
    '<w:br w:type="bogus"/>', "<w:cr/>", "<w:tab/>", "<w:ptab/>", "<w:noBreakHyphen/>", "<w:softHyphen/>",
    "<w:delText>删去</w:delText>", "<w:instrText>PAGE</w:instrText>", "<w:rPr><w:b/></w:rPr>", "<!-- 注释 -->",
    "<w:sym w:char=\"F020\"/>", "<w:lastRenderedPageBreak/>", "<w:drawing/>",
]
# Paragraph children: runs, hyperlinks (with runs and with other things), and what python-docx skips.
_WRAPPERS = [
    "<w:r>{}</w:r>", "<w:hyperlink r:id=\"rId9\"><w:r>{}</w:r><w:proofErr/><w:r>{}</w:r></w:hyperlink>",
    "<w:ins><w:r>{}</w:r></w:ins>", "<w:del><w:r>{}</w:r></w:del>", "<w:smartTag><w:r>{}</w:r></w:smartTag>",
    "<w:fldSimple><w:r>{}</w:r></w:fldSimple>", "<w:pPr><w:jc w:val=\"center\"/></w:pPr>", "<w:bookmarkStart/>",
    "<!-- c -->", "<w:hyperlink/>",
]

_TRICKY = [
    "<w:p {ns}/>",
    "<w:p {ns}><w:r><w:t>机密★10年</w:t></w:r></w:p>",
    "<w:p {ns}><w:r><w:t>机</w:t><w:tab/><w:t>密</w:t><w:br/><w:cr/><w:noBreakHyphen/><w:ptab/></w:r></w:p>",
    "<w:p {ns}><w:hyperlink><w:r><w:t>链接</w:t></w:r></w:hyperlink><w:r><w:t>后</w:t></w:r></w:p>",
    "<w:p {ns}><w:r><w:br w:type=\"page\"/><w:t>x</w:t></w:r><w:ins><w:r><w:t>不读</w:t></w:r></w:ins></w:p>",
    # Elements of another namespace that look alike are read by neither.
    "<w:p {ns} xmlns:x=\"urn:other\"><x:r><x:t>外</x:t></x:r><w:r><x:t>外</x:t><w:t>内</w:t></w:r></w:p>",
]


def _reference(p) -> str:
    return Paragraph(p, None).text


def _random_paragraph(rng: random.Random) -> str:
    children = []
    for _ in range(rng.randint(0, 8)):
        wrapper = rng.choice(_WRAPPERS)
        runs = ["".join(rng.choice(_RUN_PARTS) for _ in range(rng.randint(0, 5))) for _ in range(wrapper.count("{}"))]
        children.append(wrapper.format(*runs))
    return f"<w:p {_NS}>{''.join(children)}</w:p>"


def test_tricky_paragraphs_read_as_python_docx_reads_them():
    for xml in _TRICKY:
        p = parse_xml(xml.format(ns=_NS))
        assert paragraph_text(p) == _reference(p), xml


def test_random_paragraphs_read_as_python_docx_reads_them():
    rng = random.Random(17)
    texts = set()
    for _ in range(3000):
        p = parse_xml(_random_paragraph(rng))
        text = paragraph_text(p)
        assert text == _reference(p)
        texts.add(text)
    assert len(texts) > 500  # the inputs vary: breaks, tabs and text in many orders


def test_cells_read_as_python_docx_reads_them():
    rng = random.Random(3)
    for _ in range(500):
        inner = []
        for _ in range(rng.randint(0, 4)):
            if rng.random() < 0.2:  # a nested table: its text is not the cell's own (python-docx's .text)
                inner.append(f"<w:tbl><w:tr><w:tc>{_random_paragraph(rng)}</w:tc></w:tr></w:tbl>")
            else:
                inner.append(_random_paragraph(rng))
        tc = parse_xml(f"<w:tc {_NS}><w:tcPr/>{''.join(inner)}</w:tc>")
        assert cell_text(tc) == _Cell(tc, None).text
