"""PDF pages are searched for pictures only when they may hold one: an image or a form among their
XObjects, or an inline image in their content; pages of text alone are not walked again."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from scanner.extract import extract
from scanner.extract.pdf import read_pages


@pytest.fixture(scope="module")
def mixed_pdf(render_text) -> bytes:
    """Page 1 text, page 2 text with a picture XObject, page 3 text with an inline picture, page 4 text
    inside a form XObject, page 5 text again."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    picture, other = render_text(["机密★10年"]), render_text(["秘密★5年"])  # two: a repeated one is read once
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    for number in range(1, 6):
        c.setFont("STSong-Light", 12)
        c.drawString(72, 780, f"第{number}页：年度工作总结，会议纪要。")
        if number == 2:
            c.drawImage(ImageReader(picture), 72, 500, width=380, height=60)
        elif number == 3:
            c.drawInlineImage(other, 72, 500, width=380, height=60)
        elif number == 4:
            c.beginForm("box")
            c.drawString(72, 700, "表单中的文字")
            c.endForm()
            c.doForm("box")
        c.showPage()
    c.save()
    return out.getvalue()


def test_only_pages_that_may_hold_pictures_are_walked(mixed_pdf):
    reader = PdfReader(io.BytesIO(mixed_pdf))
    assert read_pages(reader, reader.pages).pictured == {2, 3, 4}


def test_pictures_on_text_pages_are_still_read(mixed_pdf):
    ex = extract("pdf", mixed_pdf)
    assert [s.location.page for s in ex.segments if "机密★10年" in s.text] == [2]
    assert [s.location.page for s in ex.segments if "秘密★5年" in s.text] == [3]
