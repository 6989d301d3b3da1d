"""Extraction: sniff a file's type from its bytes and read its text with locations."""

from scanner.extract.registry import extract, get_extractor, register, registered_types  # noqa: F401
from scanner.extract.sniff import sniff  # noqa: F401

# Built-in extractors register themselves on import, the same way a plugin would.
from scanner.extract import docx, pdf, text  # noqa: E402,F401
from scanner.extract import eml, ole, ooxml, pptx, tar, xlsx, zip  # noqa: E402,F401
from scanner.extract import html, msg, ocr, ofd, pictures, rar, rtf, sevenzip, xls  # noqa: E402,F401
from scanner.extract import doc, ppt  # noqa: E402,F401
