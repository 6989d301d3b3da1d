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


@pytest.fixture(scope="session")
def make_xlsx():
    """Build an XLSX with openpyxl: `sheets` maps a sheet name to {cell: value}; `setup(workbook)` adds more."""
    import openpyxl

    def build(sheets: dict, setup=None) -> bytes:
        book = openpyxl.Workbook()
        book.remove(book.active)
        for title, cells in sheets.items():
            sheet = book.create_sheet(title)
            for coordinate, value in cells.items():
                sheet[coordinate] = value
        if setup is not None:
            setup(book)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    return build


@pytest.fixture(scope="session")
def make_pptx():
    """Build a PPTX with python-pptx: one title-and-content slide per (title, body, notes) entry."""
    import pptx

    def build(slides, setup=None) -> bytes:
        deck = pptx.Presentation()
        for title, body, notes in slides:
            slide = deck.slides.add_slide(deck.slide_layouts[1])
            slide.shapes.title.text = title
            slide.placeholders[1].text = body
            if notes:
                slide.notes_slide.notes_text_frame.text = notes
        if setup is not None:
            setup(deck)
        out = io.BytesIO()
        deck.save(out)
        return out.getvalue()

    return build


@pytest.fixture(scope="session")
def make_zip():
    """Build a zip with zipfile: `members` maps a name (or a ZipInfo) to bytes or str."""
    import zipfile

    def build(members, compression=zipfile.ZIP_DEFLATED, comment: bytes = b"") -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression) as zf:
            for name, data in (members.items() if isinstance(members, dict) else members):
                zf.writestr(name, data)
            zf.comment = comment
        return out.getvalue()

    return build


def _zipcrypto(data: bytes, password: bytes, check: int) -> bytes:
    """Traditional PKWARE encryption (APPNOTE 6.1), which no installed library writes."""
    import zlib

    def crc(value: int, byte: int) -> int:
        return ~zlib.crc32(bytes([byte]), ~value & 0xFFFFFFFF) & 0xFFFFFFFF

    keys = [0x12345678, 0x23456789, 0x34567890]

    def update(byte: int) -> None:
        keys[0] = crc(keys[0], byte)
        keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = crc(keys[2], keys[1] >> 24)

    for byte in password:
        update(byte)
    out = bytearray()
    for byte in bytes(11) + bytes([check]) + data:
        temp = keys[2] | 2
        out.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
        update(byte)
    return bytes(out)


@pytest.fixture(scope="session")
def raw_zip():
    """Build a stored (uncompressed) zip byte by byte, for what zipfile will not write: names in
    GBK without the UTF-8 flag, several directory entries over one local entry, ZipCrypto members
    (`password`: the members named in `encrypted` are encrypted with it)."""
    import struct
    import zlib

    def build(entries, *, flags: int = 0, point_all_at_first: int = 0, password: bytes = b"",
              encrypted=()) -> bytes:
        local, central = b"", b""
        records = []
        for raw_name, data in entries:
            crc32 = zlib.crc32(data)
            flag = flags
            stored = data
            if raw_name in encrypted:
                flag |= 1
                stored = _zipcrypto(data, password, crc32 >> 24)
            records.append((raw_name, crc32, len(data), stored, flag, len(local)))
            local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flag, 0, 0, 0, crc32, len(stored), len(data),
                                 len(raw_name), 0) + raw_name + stored
        if point_all_at_first:
            records = [records[0]] * point_all_at_first
        for raw_name, crc32, size, stored, flag, offset in records:
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flag, 0, 0, 0, crc32,
                                   len(stored), size, len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name
        end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(records), len(records), len(central), len(local), 0)
        return local + central + end

    return build


@pytest.fixture(scope="session")
def encrypt_zip():
    """Encrypt members with pyzipper's WinZip AES; `plain` members are added unencrypted."""
    import pyzipper

    def build(members: dict, *, plain: dict | None = None, password: bytes = b"s3cret") -> bytes:
        out = io.BytesIO()
        with pyzipper.AESZipFile(out, "w", compression=pyzipper.ZIP_DEFLATED) as zf:
            for name, data in (plain or {}).items():
                zf.writestr(name, data)
            zf.setpassword(password)
            zf.setencryption(pyzipper.WZ_AES)
            for name, data in members.items():
                zf.writestr(name, data)
        return out.getvalue()

    return build


@pytest.fixture(scope="session")
def make_eml():
    """Build an e-mail with the standard library: a plain body, an optional HTML twin, attachments."""
    from email.message import EmailMessage

    def build(subject: str, body: str, attachments=(), html: str | None = None) -> bytes:
        message = EmailMessage()
        message["From"] = "张三 <zhang@example.cn>"
        message["To"] = "partner@example.com"
        message["Subject"] = subject
        message.set_content(body)
        if html is not None:
            message.add_alternative(html, subtype="html")
        for name, data in attachments:
            if isinstance(data, EmailMessage):
                message.add_attachment(data)
            else:
                message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
        return message.as_bytes()

    return build
