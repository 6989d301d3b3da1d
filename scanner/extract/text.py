"""Plain text in any common Chinese encoding, detected from the bytes."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from scanner.errors import ExtractionError
from scanner.extract.registry import register
from scanner.model import Extraction, Location, Segment

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# charset-normalizer reports GBK-family text under several names; GB18030 is their superset.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz"}


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes to text and name the encoding found: BOM first, then UTF-8, then detection."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise ExtractionError("无法识别文本编码 (cannot detect the text encoding)")
    encoding = best.encoding
    if encoding.replace("_", "").lower() in _GB_FAMILY:
        encoding = "gb18030"
    return data.decode(encoding, errors="replace"), encoding


@register("text")
def extract_text(data: bytes) -> Extraction:
    text, encoding = decode_text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    segments = [
        Segment(line, Location(line=number))
        for number, line in enumerate(text.split("\n"), start=1)
        if line.strip()
    ]
    return Extraction(type="text", segments=segments, properties={"encoding": encoding})
