"""The extractor registry: one extractor per sniffed type, duplicate keys refused."""

from __future__ import annotations

import importlib
from typing import Callable, Protocol

from scanner.errors import ExtractionError, RegistryError, UnsupportedTypeError
from scanner.model import Extraction


class Extractor(Protocol):
    def __call__(self, data: bytes) -> Extraction: ...


_EXTRACTORS: dict[str, Extractor] = {}

# The built-in extractors: sniffed type -> the module that registers it. A module is imported the
# first time its type is extracted, so a run over text files never loads pypdf, openpyxl, the OCR
# engine or extract_msg (start-up, issue 15 item 9). A new format: its module with @register, and a
# line here (tests/extract/test_registry_lazy.py checks the two agree).
BUILTIN: dict[str, str] = {
    "text": "scanner.extract.text", "html": "scanner.extract.html", "eml": "scanner.extract.eml",
    "rtf": "scanner.extract.rtf", "pdf": "scanner.extract.pdf", "ofd": "scanner.extract.ofd",
    "docx": "scanner.extract.docx", "xlsx": "scanner.extract.xlsx", "pptx": "scanner.extract.pptx",
    "doc": "scanner.extract.doc", "xls": "scanner.extract.xls", "ppt": "scanner.extract.ppt",
    "msg": "scanner.extract.msg", "ole": "scanner.extract.ole",
    "zip": "scanner.extract.zip", "7z": "scanner.extract.sevenzip", "rar": "scanner.extract.rar",
    "tar": "scanner.extract.tar", "gzip": "scanner.extract.tar", "bzip2": "scanner.extract.tar",
    "xz": "scanner.extract.tar",
    "png": "scanner.extract.ocr", "jpeg": "scanner.extract.ocr", "gif": "scanner.extract.ocr",
    "tiff": "scanner.extract.ocr", "bmp": "scanner.extract.ocr", "webp": "scanner.extract.ocr",
    "emf": "scanner.extract.pictures", "wmf": "scanner.extract.pictures",
}


def register(*types: str) -> Callable[[Extractor], Extractor]:
    """Register a function `data -> Extraction` for the given sniffed types."""

    def decorate(func: Extractor) -> Extractor:
        for kind in types:
            if kind in BUILTIN and func.__module__ != BUILTIN[kind]:
                raise RegistryError(f"type {kind!r} is read by the built-in {BUILTIN[kind]}")
            if kind in _EXTRACTORS:
                raise RegistryError(f"extractor for type {kind!r} is already registered")
            _EXTRACTORS[kind] = func
        return func

    return decorate


def registered_types() -> list[str]:
    return sorted(set(_EXTRACTORS) | set(BUILTIN))


def get_extractor(kind: str) -> Extractor:
    if kind not in _EXTRACTORS and kind in BUILTIN:
        importlib.import_module(BUILTIN[kind])  # registers it
    try:
        return _EXTRACTORS[kind]
    except KeyError:
        raise UnsupportedTypeError(f"不支持的文件类型：{kind} (unsupported file type: {kind})") from None


def extract(kind: str, data: bytes) -> Extraction:
    """Run the extractor for `kind`; any failure inside a library becomes an ExtractionError."""
    func = get_extractor(kind)
    try:
        return func(data)
    except ExtractionError:
        raise
    except MemoryError:
        raise ExtractionError(f"读取 {kind} 文件时内存不足，超过 scan.max_memory (out of memory reading {kind})",
                              code="scan.limit") from None
    except Exception as exc:  # a library choking on hostile bytes must not stop the run (kept as the cause:
        # the pipeline tells a C++ `bad_alloc` under scan.max_memory from damage by it)
        raise ExtractionError(
            f"无法解析 {kind} 文件：{type(exc).__name__}: {exc} (cannot parse {kind} file)"
        ) from exc
