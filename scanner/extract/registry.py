"""The extractor registry: one extractor per sniffed type, duplicate keys refused."""

from __future__ import annotations

from typing import Callable, Protocol

from scanner.errors import ExtractionError, RegistryError, UnsupportedTypeError
from scanner.model import Extraction


class Extractor(Protocol):
    def __call__(self, data: bytes) -> Extraction: ...


_EXTRACTORS: dict[str, Extractor] = {}


def register(*types: str) -> Callable[[Extractor], Extractor]:
    """Register a function `data -> Extraction` for the given sniffed types."""

    def decorate(func: Extractor) -> Extractor:
        for kind in types:
            if kind in _EXTRACTORS:
                raise RegistryError(f"extractor for type {kind!r} is already registered")
            _EXTRACTORS[kind] = func
        return func

    return decorate


def registered_types() -> list[str]:
    return sorted(_EXTRACTORS)


def get_extractor(kind: str) -> Extractor:
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
