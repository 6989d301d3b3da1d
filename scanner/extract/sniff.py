"""Tell a file's type from its bytes, never from its name."""

from __future__ import annotations

import io
import re
import zipfile

from scanner.extract.signatures import looks_like_html, looks_like_mail
from scanner.extract.text import looks_like_text

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"{\\rtf", "rtf"),
    (b"\x7fELF", "elf"),
    (b"MZ", "exe"),
)

_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

# Members that tell one zip-based office format from another.
_ZIP_KINDS = (
    ("word/document.xml", "docx"),
    ("xl/workbook.xml", "xlsx"),
    ("ppt/presentation.xml", "pptx"),
    ("OFD.xml", "ofd"),
)


def _sniff_zip(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except Exception:  # BadZipFile, EOFError, NotImplementedError (a "zip64 version" it cannot read), ...
        # Truncated or damaged: say "zip" and let extraction report it as unreadable.
        return "zip"
    for member, kind in _ZIP_KINDS:
        if member in names:
            return kind
    return "zip"


_PDF_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")


def _pdf_body(data: bytes) -> bool:
    """A PDF whose header is damaged (`%P\x8aF-1.3`), which poppler still opens: objects near the
    start, the cross-reference trailer near the end."""
    tail = data[-4096:]
    return bool(_PDF_OBJECT.search(data[:4096])) and (b"startxref" in tail or b"%%EOF" in tail)


def _looks_like_text(sample: bytes) -> bool:
    if sample.startswith(_TEXT_BOMS):
        return True
    try:
        sample.decode("utf-8")
        return b"\x00" not in sample
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start >= len(sample) - 3 and b"\x00" not in sample:
            return True
    if looks_like_text(sample):  # short Chinese text (GB18030) that detection takes for Korean or binary
        return True
    from charset_normalizer import from_bytes  # only for a sample neither UTF-8 nor GB18030 reads

    best = from_bytes(sample).best()
    return best is not None and best.chaos < 0.3


def sniff(data: bytes) -> str:
    """Return the type of `data`: pdf, docx, zip, text, empty, binary, ..."""
    if not data:
        return "empty"
    head = data[:8]
    # Magic at offset 0 first: a zip whose first member is a stored PDF holds "%PDF-" in
    # its first 1024 bytes, and must not be read as that one PDF.
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(data)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind == "ole":
                from scanner.extract.ole import ole_kind  # olefile only for compound files

                return ole_kind(data)
            return kind
    if data[:4] == b"\x01\x00\x00\x00" and data[40:44] == b" EMF":
        return "emf"  # an EMR_HEADER record with the " EMF" signature
    if head.startswith(b"\xd7\xcd\xc6\x9a"):
        return "wmf"  # the placeable WMF header
    if head.startswith(b"BM") and len(data) > 26 and data[6:10] == b"\0\0\0\0":
        return "bmp"  # "BM", the file size, then four reserved zero bytes: text rarely looks like that
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if b"%PDF-" in data[:1024] or _pdf_body(data):
        return "pdf"
    if len(data) > 262 and data[257:262] == b"ustar":
        return "tar"
    if _looks_like_text(data[:65536]):
        if looks_like_mail(data[:8192]):
            return "eml"
        return "html" if looks_like_html(data[:8192]) else "text"
    return "binary"
