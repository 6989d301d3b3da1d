"""Shared fixtures: real DOCX and PDF files built by python-docx, reportlab and pypdf at test time."""

from __future__ import annotations

import io
import os

import pytest

from file_helpers import build_msg


@pytest.fixture(scope="session", autouse=True)
def no_machine_settings(tmp_path_factory):
    """The tests never read this machine's own settings (/etc/mijian/mijian.toml, ~/.config/mijian/)."""
    home = tmp_path_factory.mktemp("settings")
    saved = {k: os.environ.get(k) for k in ("MIJIAN_SYSTEM_CONFIG", "XDG_CONFIG_HOME")}
    os.environ["MIJIAN_SYSTEM_CONFIG"] = str(home / "etc-mijian.toml")
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


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


@pytest.fixture(scope="session")
def edit_pdf():
    """Rewrite PDF bytes with pypdf: `setup(writer)` adds metadata, attachments, form values, annotations."""
    from pypdf import PdfReader, PdfWriter

    def build(data: bytes, setup) -> bytes:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        setup(writer)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    return build


@pytest.fixture(scope="session")
def config():
    """The built-in settings."""
    from scanner.config import Config

    return Config()


@pytest.fixture(scope="session")
def engine(config):
    """The detection engine of the built-in settings, built once (lexicons and model load once)."""
    from scanner.detect.engine import DetectionEngine

    return DetectionEngine(config)


@pytest.fixture(scope="session")
def scan_items(config, engine):
    """Scan bytes as an item with the default config: the list of results (the item, then its members)."""
    from scanner.pipeline import scan_tree

    def run(data: bytes, path: str = "item.bin"):
        return scan_tree(data, path=path, config=config, engine=engine)

    return run


@pytest.fixture(scope="session")
def make_ofd():
    """Build an OFD (GB/T 33190) package with zipfile: one page per entry of `pages` (a list of text
    objects, each a str or a list of TextCode pieces; None for a page with only an image), document
    info, custom data (such as 密级), a template page, page annotations and attachments."""
    import zipfile
    from xml.sax.saxutils import escape

    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'

    def text_objects(objects) -> str:
        out = []
        for number, obj in enumerate(objects, start=1):
            pieces = [obj] if isinstance(obj, str) else obj
            codes = "".join(f'<ofd:TextCode X="0" Y="{10 * number}">{escape(p)}</ofd:TextCode>' for p in pieces)
            out.append(f'<ofd:TextObject ID="{100 + number}" Boundary="0 0 100 10" Font="3" Size="5">{codes}'
                       "</ofd:TextObject>")
        return "".join(out)

    def content(objects) -> str:
        body = ('<ofd:ImageObject ID="90" Boundary="0 0 210 297" ResourceID="9"/>' if objects is None
                else text_objects(objects))
        return f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Content><ofd:Layer ID="2">{body}' \
               "</ofd:Layer></ofd:Content></ofd:Page>"

    def build(pages, *, info=None, custom=None, template=None, annotations=None, attachments=None,
              keywords=()) -> bytes:
        info = info or {}
        doc_info = "".join(f"<ofd:{k}>{escape(v)}</ofd:{k}>" for k, v in info.items())
        if keywords:
            doc_info += "<ofd:Keywords>" + "".join(f"<ofd:Keyword>{escape(k)}</ofd:Keyword>" for k in keywords) \
                        + "</ofd:Keywords>"
        if custom:
            doc_info += "<ofd:CustomDatas>" + "".join(
                f'<ofd:CustomData Name="{escape(k)}">{escape(v)}</ofd:CustomData>' for k, v in custom.items()) \
                + "</ofd:CustomDatas>"
        files = {"OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.0" DocType="OFD">'
                            f"<ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID>{doc_info}</ofd:DocInfo>"
                            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"}
        page_list = "".join(f'<ofd:Page ID="{10 + n}" BaseLoc="Pages/Page_{n}/Content.xml"/>'
                            for n in range(len(pages)))
        common = '<ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea>' \
                 '<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>'
        if template is not None:
            common += '<ofd:TemplatePage ID="5" BaseLoc="Tpls/Tpl_0/Content.xml"/>'
            files["Doc_0/Tpls/Tpl_0/Content.xml"] = content(template)
        common += "</ofd:CommonData>"
        extra = ""
        if annotations:
            extra += "<ofd:Annotations>Annots/Annotations.xml</ofd:Annotations>"
            listing = "".join(f'<ofd:Page PageID="{10 + n}"><ofd:FileLoc>Page_{n}/Annotation.xml</ofd:FileLoc>'
                              "</ofd:Page>" for n in annotations)
            files["Doc_0/Annots/Annotations.xml"] = f"<ofd:Annotations {ns}>{listing}</ofd:Annotations>"
            for n, text in annotations.items():
                files[f"Doc_0/Annots/Page_{n}/Annotation.xml"] = (
                    f'<ofd:PageAnnot {ns}><ofd:Annot ID="70" Type="Stamp"><ofd:Appearance>'
                    f"{text_objects([text])}</ofd:Appearance></ofd:Annot></ofd:PageAnnot>")
        if attachments:
            extra += "<ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments>"
            listing = "".join(f'<ofd:Attachment ID="{80 + i}" Name="{escape(name)}"><ofd:FileLoc>{escape(name)}'
                              "</ofd:FileLoc></ofd:Attachment>" for i, name in enumerate(attachments))
            files["Doc_0/Attachs/Attachments.xml"] = f"<ofd:Attachments {ns}>{listing}</ofd:Attachments>"
            for name, data in attachments.items():
                files[f"Doc_0/Attachs/{name}"] = data
        files["Doc_0/Document.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}>{common}'
                                       f"<ofd:Pages>{page_list}</ofd:Pages>{extra}</ofd:Document>")
        for n, objects in enumerate(pages):
            files[f"Doc_0/Pages/Page_{n}/Content.xml"] = content(objects)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        return out.getvalue()

    return build


@pytest.fixture(scope="session")
def make_7z():
    """Build a 7z with py7zr: `members` maps a name to bytes; a password encrypts the data (and the
    header with `header_encryption`); `plain` members are then appended unencrypted."""
    import py7zr

    def build(members: dict, *, password: str | None = None, header_encryption: bool = False,
              plain: dict | None = None) -> bytes:
        out = io.BytesIO()
        with py7zr.SevenZipFile(out, "w", password=password, header_encryption=header_encryption) as archive:
            for name, data in members.items():
                archive.writestr(data, name)
        if plain:
            out = io.BytesIO(out.getvalue())
            with py7zr.SevenZipFile(out, "a") as archive:
                for name, data in plain.items():
                    archive.writestr(data, name)
        return out.getvalue()

    return build


@pytest.fixture(scope="session")
def make_msg():
    """Build an Outlook .msg (MS-OXMSG) by hand: subject, sender, recipient, a plain body, an optional
    HTML body, attachments by value (name, bytes) and embedded messages (name, streams_only=True result)."""
    return build_msg


CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # Debian's fonts-wqy-zenhei (installed by .ci/run)


@pytest.fixture(scope="session")
def render_text():
    """Render lines of Chinese text with Pillow onto a white picture (a Pillow Image), as a scan would show them."""
    import os

    from PIL import Image, ImageDraw, ImageFont

    if not os.path.exists(CJK_FONT):
        pytest.fail(f"CJK font missing: {CJK_FONT} (apt-get install fonts-wqy-zenhei)")
    font = ImageFont.truetype(CJK_FONT, 40)

    def build(lines, size=(760, 0)):
        width, height = size
        image = Image.new("RGB", (width, height or 60 + 70 * len(lines)), "white")
        draw = ImageDraw.Draw(image)
        for number, line in enumerate(lines):
            draw.text((40, 30 + 70 * number), line, font=font, fill="black")
        return image

    return build


def _vint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _rar5_header(kind: int, body: bytes, extra: bytes = b"", data_size: int | None = None) -> bytes:
    import struct
    import zlib

    flags = (0x1 if extra else 0) | (0x2 if data_size is not None else 0)
    fields = _vint(kind) + _vint(flags) + (_vint(len(extra)) if extra else b"")
    fields += (_vint(data_size) if data_size is not None else b"") + body + extra
    sized = _vint(len(fields)) + fields
    return struct.pack("<I", zlib.crc32(sized)) + sized


@pytest.fixture(scope="session")
def make_rar():
    """Build a RAR5 archive by hand (no free tool writes RAR): members stored uncompressed; those named in
    `encrypted` carry an AES-256 encryption record (their data is then noise); `compressed` members claim
    method 3 with data only a real unpacker could judge; `header_encrypted` encrypts the headers."""
    import struct
    import zlib

    def build(members: dict, *, encrypted=(), compressed=(), header_encrypted=False) -> bytes:
        out = b"Rar!\x1a\x07\x01\x00"
        if header_encrypted:
            return out + _rar5_header(4, _vint(0) + _vint(1) + bytes([15]) + bytes(16) + bytes(12)) + bytes(64)
        out += _rar5_header(1, _vint(0))
        for name, data in members.items():
            stored, method, extra = data, 0, b""
            if name in encrypted:
                stored = bytes(-(-len(data) // 16) * 16)
                record = _vint(0x01) + _vint(0) + _vint(0x1) + bytes([15]) + bytes(16) + bytes(16) + bytes(12)
                extra = _vint(len(record)) + record
            if name in compressed:
                stored, method = b"\x00not really compressed" * 3, 3
            raw = name.encode()
            body = (_vint(0x4) + _vint(len(data)) + _vint(0x20) + struct.pack("<I", zlib.crc32(data))
                    + _vint(method << 7) + _vint(1) + _vint(len(raw)) + raw)
            out += _rar5_header(2, body, extra, data_size=len(stored)) + stored
        return out + _rar5_header(5, _vint(0))

    return build
