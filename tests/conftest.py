"""Shared fixtures: real DOCX and PDF files built by python-docx, reportlab and pypdf at test time."""

from __future__ import annotations

import io

import pytest


@pytest.fixture(scope="session")
def make_docx():
    """Build a DOCX: `paragraphs` in the body; `setup(document)` may add tables, sections, headers."""
    import docx

    def build(paragraphs=(), setup=None) -> bytes:
        document = docx.Document()
        for text in paragraphs:
            document.add_paragraph(text)
        if setup is not None:
            setup(document)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()

    return build


@pytest.fixture(scope="session")
def make_pdf():
    """Build a PDF, one page per entry: a list of lines (STSong-Light, so Chinese works), or None
    for a page holding only a filled rectangle (no text layer)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))

    def build(pages) -> bytes:
        out = io.BytesIO()
        pdf = canvas.Canvas(out, invariant=1)
        for lines in pages:
            if lines is None:
                pdf.rect(100, 100, 200, 200, fill=1)
            else:
                pdf.setFont("STSong-Light", 14)
                for i, line in enumerate(lines):
                    pdf.drawString(72, 750 - 20 * i, line)
            pdf.showPage()
        pdf.save()
        return out.getvalue()

    return build


@pytest.fixture(scope="session")
def encrypt_pdf():
    """Encrypt PDF bytes with pypdf: `user` is the password needed to open ("" = owner password only)."""
    from pypdf import PdfReader, PdfWriter

    def build(data: bytes, user: str, algorithm: str, owner: str = "owner-pw") -> bytes:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.encrypt(user_password=user, owner_password=owner, algorithm=algorithm)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    return build
