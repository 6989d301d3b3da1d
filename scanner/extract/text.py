"""Plain text in any common Chinese encoding, detected from the bytes."""

from __future__ import annotations

import codecs
import re
from array import array

import numpy as np

from scanner.errors import ExtractionError
from scanner.extract.registry import register
from scanner.model import Extraction, LineBlock, Location, Segment

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# charset-normalizer reports GBK-family text under several names; GB18030 is their superset.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "euc_cn", "cp936", "ms936"}
# Declared in the first bytes: an XML declaration, an HTML <meta charset> or http-equiv Content-Type.
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9_.:-]+)["']""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.I)
# A share of characters outside GB2312 above which a GB18030 reading is taken for mojibake: UTF-8,
# Big5 or Shift-JIS bytes read as GB18030 give 60-100 %, simplified Chinese nearly 0, traditional
# Chinese written in GBK about 30 %.
_MOJIBAKE_SHARE = 0.45
_SAMPLE = 65536
_REPLACED = re.compile("\ufffd+")
_CLEAN_RUN = 4  # random bytes give at most 3 (6 MB tried), GBK read as UTF-8 at most 2


def canonical(name: str) -> str | None:
    """The Python codec for a charset name (GB names folded into GB18030), or None if unknown."""
    try:
        name = codecs.lookup(name.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    return "gb18030" if name.replace("-", "_").lower() in _GB_FAMILY else name


def declared_charset(data: bytes) -> str | None:
    """The charset the bytes declare for themselves (XML declaration, HTML meta), if a known one.

    A declaration of UTF-16 or UTF-32 read in ASCII bytes is wrong by its own evidence (browsers
    then take UTF-8): ignored.
    """
    head = data[:4096]
    found = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    name = canonical(found.group(1).decode("ascii")) if found else None
    return None if name is None or name.startswith(("utf-16", "utf-32")) else name


_ASCII_RUN = re.compile("[\x00-\x7f]+")
_BELOW_0800 = re.compile("[\x00-\u07ff]+")
_LONG_STRETCH = re.compile("[^\ufffd]{%d,}" % _CLEAN_RUN)
# C0 controls that text does not hold (tab, line feed, form feed, carriage return and escape it may).
_CONTROLS = bytes(c for c in range(32) if c not in (9, 10, 12, 13, 27))


def _uncommon_share(text: str) -> float:
    """The share of non-ASCII characters that GB2312 (everyday simplified Chinese) lacks."""
    wide = _ASCII_RUN.sub("", text[:_SAMPLE])  # the non-ASCII characters, in order
    if not wide:
        return 0.0
    common = len(wide.encode("gb2312", "ignore")) // 2
    return 1 - common / len(wide)


def _lenient(data: bytes, encoding: str, text: str | None = None) -> str | None:
    """The text when the bytes fit `encoding` but for a few damaged or cut-off bytes, else None.

    A reader (a browser, an editor) shows such text with a replacement character here and there.
    `text`, when given, is the bytes already decoded with errors="replace".
    """
    if text is None:
        try:
            text = data.decode(encoding, errors="replace")
        except LookupError:
            return None
    # One damaged character may give several replacement characters: count the places, not the bytes.
    # (Replacement characters that stand in the bytes themselves do not count; in UTF-8 they can only
    # be the bytes EF BF BD.)
    literal = 0 if encoding == "utf-8" and b"\xef\xbf\xbd" not in data else \
        len(_REPLACED.findall(data.decode(encoding, "ignore")))
    damaged = len(_REPLACED.findall(text)) - literal
    wide = len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")
    if damaged <= 0 or wide >= 2 * damaged and damaged <= wide / 20 + 1:
        return text
    return None


def _utf8_with_noise(data: bytes, text: str | None = None) -> str | None:
    """UTF-8 with a stretch of noise (damaged base64, a corrupt block), read as a mail client or a
    browser reads a declared UTF-8: with replacement characters, when at least one clean stretch holds
    _CLEAN_RUN Chinese-range characters. Random bytes or GBK give a valid three-byte sequence only now
    and then, never several in a row. `text`: the bytes already decoded with errors="replace"."""
    if text is None:
        text = data.decode("utf-8", errors="replace")
    # A stretch between replacement characters with _CLEAN_RUN characters from U+0800 up; only a
    # stretch at least _CLEAN_RUN long can hold that many.
    for stretch in _LONG_STRETCH.finditer(text):
        if len(_BELOW_0800.sub("", stretch.group())) >= _CLEAN_RUN:
            return text
    return None


def _utf8(data: bytes) -> str | None:
    """UTF-8, also with a few bad or cut-off bytes or a stretch of noise replaced (_strict, else _lenient,
    else _utf8_with_noise: the first that gives a non-empty text), decoded with replacement once."""
    strict = _strict(data, "utf-8")
    if strict:
        return strict
    text = data.decode("utf-8", errors="replace")
    return _lenient(data, "utf-8", text) or _utf8_with_noise(data, text)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None


def _chinese(data: bytes) -> str | None:
    """The GB18030 reading of bytes that look like Chinese in it (not mojibake), else None."""
    text = _strict(data, "gb18030") or _lenient(data, "gb18030")
    if text is None or _uncommon_share(text) > _MOJIBAKE_SHARE:
        return None
    return text


def _single_byte(encoding: str) -> bool:
    return encoding in ("ascii", "iso8859-1") or encoding.startswith(("cp125", "iso8859", "mac", "koi8"))


def _declared(data: bytes, encoding: str) -> str | None:
    """The text in the declared charset, unless it reads as mojibake there."""
    if encoding == "utf-8":
        return _utf8(data)
    text = _strict(data, encoding)
    if text is None:
        return None
    if _single_byte(encoding) and not data.isascii() and _strict(data, "utf-8") is not None:
        return None  # UTF-8 labelled Latin-1 (a common mislabel): every byte decodes, as mojibake
    if encoding == "gb18030" and _uncommon_share(text) > _MOJIBAKE_SHARE:
        return None
    return text


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes to text and name the encoding found.

    In order: a BOM; the declared charset (given by the caller, e.g. a MIME header, or in the
    bytes: XML declaration, HTML meta) unless it reads as mojibake; UTF-8, also with a few bad or
    cut-off bytes or a stretch of noise replaced; GB18030 for bytes that read as Chinese in it; then detection.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace"), encoding
    encoding = canonical(declared) if declared else declared_charset(data)
    if encoding is not None:
        text = _declared(data, encoding)
        if text is not None:
            return text, encoding
    # UTF-8 with noise before GB18030: GB18030 reads noise as Chinese too, and then the UTF-8 as mojibake.
    for encoding, read in (("utf-8", _utf8), ("gb18030", _chinese)):
        text = read(data)
        if text is not None:
            return text, encoding
    from charset_normalizer import from_bytes  # only for text that no rule above reads

    best = from_bytes(data).best()
    if best is None:
        raise ExtractionError("无法识别文本编码 (cannot detect the text encoding)")
    encoding = canonical(best.encoding) or best.encoding
    return data.decode(encoding, errors="replace"), encoding


def looks_like_text(sample: bytes) -> bool:
    """Whether a file's first bytes read as text in UTF-8 or GB18030 (a few bad bytes allowed)."""
    if b"\x00" in sample:
        return False
    controls = len(sample) - len(sample.translate(None, _CONTROLS))
    if controls > len(sample) / 100:
        return False
    return _strict(sample, "utf-8") is not None or _lenient(sample, "utf-8") is not None or _chinese(sample) is not None


@register("text")
def extract_text(data: bytes) -> Extraction:
    text, encoding = decode_text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > BLOCK_CHARS:
        return Extraction(type="text", segments=line_blocks(text), properties={"encoding": encoding})
    segments = [
        Segment(line, Location(line=number))
        for number, line in enumerate(text.split("\n"), start=1)
        if line.strip()
    ]
    return Extraction(type="text", segments=segments, properties={"encoding": encoding})


# A text longer than this is kept as one segment, its lines joined (blank lines left out, as a segment
# per line leaves them out) with a LineBlock naming each line's number: the same text and offsets as a
# segment per line, without millions of small objects, and the document's text is that same string.
BLOCK_CHARS = 1 << 20


def line_blocks(text: str) -> list[Segment]:
    blank = _BLANK_LINE.search(text)
    if blank is None or blank.start() == len(text):  # no blank line but the empty one after a last newline
        return _unbroken(text)
    offsets, numbers = array("q"), array("q")
    parts: list[str] = []  # the lines joined a block of about BLOCK_CHARS at a time
    lines: list[str] = []
    size = chars = 0
    start, number = 0, 1
    while start <= len(text):
        end = text.find("\n", start)
        if end == -1:
            end = len(text)
        if end > start and not text[start:end].isspace():
            offsets.append(size)
            numbers.append(number)
            lines.append(text[start:end])
            size += end - start + 1
            chars += end - start + 1
            if chars >= BLOCK_CHARS:
                parts.append("\n".join(lines))
                lines, chars = [], 0
        start, number = end + 1, number + 1
    if lines:
        parts.append("\n".join(lines))
    if not parts:
        return []
    joined = "\n".join(parts)
    del parts[:]
    return [Segment(joined, LineBlock(line=numbers[0], offsets=np.frombuffer(offsets, dtype=np.int64),
                                      numbers=np.frombuffer(numbers, dtype=np.int64)))]


# A line holding nothing but white space (or nothing), which a segment per line leaves out.
_BLANK_LINE = re.compile(r"^[^\S\n]*(?:\n|\Z)", re.M)


def _unbroken(text: str) -> list[Segment]:
    """line_blocks of a text without blank lines (but a last empty one): the text itself is the
    joined lines, so it is not copied line by line."""
    offsets = array("q", [0])
    start = text.find("\n")
    while start != -1 and start + 1 < len(text):
        offsets.append(start + 1)
        start = text.find("\n", start + 1)
    joined = text[:-1] if text.endswith("\n") else text
    line_offsets = np.frombuffer(offsets, dtype=np.int64)
    return [Segment(joined, LineBlock(line=1, offsets=line_offsets, numbers=np.arange(1, len(offsets) + 1)))]
