"""PDF with pypdf: the text of every page, and whether a password is needed to read it."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from scanner.errors import ExtractionError
from scanner.extract.registry import register
from scanner.model import Extraction, Location, Protection, Segment

# pypdf logs what it repairs; a damaged file is reported on its item, not as console noise.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def _method(reader: PdfReader) -> str:
    encrypt = reader.trailer.get("/Encrypt")
    encrypt = encrypt.get_object() if encrypt is not None else {}
    version = int(encrypt.get("/V", 0))
    if version >= 5:
        return "pdf-aes256"
    filters = encrypt.get("/CF", {})
    methods = {str(f.get_object().get("/CFM", "")) for f in filters.values()} if filters else set()
    if "/AESV2" in methods:
        return "pdf-aes128"
    return "pdf-rc4"


def _protection(reader: PdfReader) -> Protection:
    if not reader.is_encrypted:
        return Protection()
    method = _method(reader)
    # An owner password alone (empty user password) does not stop anyone reading.
    try:
        opened = reader.decrypt("")
    except (NotImplementedError, PdfReadError):
        opened = 0
    return Protection(encrypted=True, method=method, needs_password=not opened)


@register("pdf")
def extract_pdf(data: bytes) -> Extraction:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        protection = _protection(reader)
        if protection.needs_password:
            return Extraction(type="pdf", protection=protection)
        pages = reader.pages
        count = len(pages)
    except (PdfReadError, FileNotDecryptedError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ExtractionError(f"PDF 文件已损坏或无法解析：{exc} (damaged or unparsable PDF)") from exc
    if count == 0:
        raise ExtractionError("PDF 文件没有页面 (PDF has no pages)")
    segments: list[Segment] = []
    unread: list[str] = []
    for number, page in enumerate(pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception as exc:  # one bad page is reported, the others still read
            unread.append(f"page {number}: {type(exc).__name__}: {exc}")
            continue
        if text.strip():
            segments.append(Segment(text, Location(page=number)))
    if unread and not segments:
        raise ExtractionError(f"PDF 页面无法读取 (no page could be read): {unread[0]}")
    return Extraction(type="pdf", segments=segments, protection=protection, unread=unread,
                      properties={"pages": count})
