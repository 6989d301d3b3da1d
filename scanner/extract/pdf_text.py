"""A page's text layer checked against a second reader: pdfium's text where pypdf's reads as garbage or
falls far short of what the page shows (one changed byte in a font's width array is enough), the page
unread where neither reads.

pdfium is asked only about pages whose pypdf text fails a quick look (replacement characters,
control or private-use characters, or much less text than the page's text operators carry), so a
healthy file costs one scan of its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from pypdf.generic import ArrayObject

# Characters a font that maps well never gives: the replacement character, C0 and C1 controls,
# private-use code points (a font without a Unicode map), noncharacters.
_BROKEN = re.compile("[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")
_PRIVATE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
_SPACE = re.compile(r"\s+")
PRIVATE_SHARE = 0.02  # symbol fonts map a bullet or a tick there: a few are no sign of damage
GARBLED_SHARE = 0.3  # past this share of bad characters the text says nothing
SHORT_FACTOR = 4  # fewer characters than a quarter of the bytes shown: text went missing
SHORT_MIN_BYTES = 32
SHOW_OPERATORS = _SHOW = frozenset({b"Tj", b"TJ", b"'", b'"'})  # the operators ShownBytes looks at
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
TWO_BYTE_KEPT = 1 << 18  # bytes of shown strings kept per page for a two-byte reading


@dataclass
class Quality:
    good: int
    bad: int
    broken: int  # of `bad`, the characters no symbol font explains

    @property
    def garbled(self) -> bool:
        return self.bad > 0 and self.bad >= GARBLED_SHARE * (self.good + self.bad)


def quality(text: str) -> Quality:
    dense = _SPACE.sub("", text)
    broken = len(_BROKEN.findall(dense))
    private = len(_PRIVATE.findall(dense))
    return Quality(len(dense) - broken - private, broken + private, broken)


def doubtful(text: str, shown: int) -> bool:
    """Whether pypdf's text of a page needs a second reading (`shown`: bytes in its text operators)."""
    q = quality(text)
    if q.broken or q.bad > PRIVATE_SHARE * (q.good + q.bad):
        return True
    return shown >= SHORT_MIN_BYTES and q.good + q.bad < shown / SHORT_FACTOR


def _string_bytes(operand) -> int:
    if isinstance(operand, (list, ArrayObject)):
        return sum(_string_bytes(item) for item in operand)
    if hasattr(operand, "get_original_bytes"):
        return len(operand.get_original_bytes())
    return len(operand) if isinstance(operand, (bytes, str)) else 0


def _raw_bytes(operand) -> bytes:
    if isinstance(operand, (list, ArrayObject)):
        return b"".join(_raw_bytes(item) for item in operand)
    if hasattr(operand, "get_original_bytes"):
        return operand.get_original_bytes()
    return operand if isinstance(operand, bytes) else b""


@dataclass
class ShownBytes:
    """A visitor for pypdf's text extraction that adds up the bytes of the strings a page shows (and
    keeps the first TWO_BYTE_KEPT of them, one entry a show operator)."""

    count: int = 0
    strings: list[bytes] = field(default_factory=list)

    def visit(self, operator, operands, cm, tm) -> None:
        if operator in _SHOW and operands:
            operand = operands[-1] if operator == b'"' else operands[0]
            self.count += _string_bytes(operand)
            if self.count <= TWO_BYTE_KEPT:
                self.strings.append(_raw_bytes(operand))


def two_byte_reading(text: str, strings: list[bytes]) -> str | None:
    """The page's strings read as UCS-2 (UTF-16BE) where pypdf read them a byte at a time, else None.

    A Type0 font whose /Encoding (UniGB-UCS2-H, as reportlab writes it) was lost to damage: pypdf and
    pdfium then give each byte as a Latin or control character (机密 as `g:[˘`), which is garbled only
    in part, while pdftotext still shows the Chinese. Taken only when every string is whole two-byte
    codes that read as clean text, largely Chinese, and the one-byte reading holds no Chinese at all.
    """
    if not strings or _HAN.search(text) or any(len(s) % 2 for s in strings):
        return None
    try:
        reading = "\n".join(s.decode("utf-16-be") for s in strings)
    except UnicodeDecodeError:  # an unpaired surrogate: not UTF-16
        return None
    q = quality(reading)
    han = len(_HAN.findall(reading))
    return reading if q.bad == 0 and han >= 2 and 3 * han >= q.good else None


@dataclass
class SecondReader:
    """pdfium's text of single pages, the document opened on the first question."""

    data: bytes
    asked: list[int] = field(default_factory=list)
    _document: object = None
    _failed: bool = False

    def text(self, number: int) -> str | None:
        """The text of page `number` (1-based), or None if pdfium cannot read it."""
        if self._failed:
            return None
        self.asked.append(number)
        try:
            if self._document is None:
                import pypdfium2 as pdfium

                self._document = pdfium.PdfDocument(self.data)
            page = self._document[number - 1]
            try:
                textpage = page.get_textpage()
                try:
                    return textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
                finally:
                    textpage.close()
            finally:
                page.close()
        except Exception:  # not installed, or the file or page beyond it: the first reading stands alone
            self._failed = self._document is None
            return None

    def close(self) -> None:
        if self._document is not None:
            self._document.close()
            self._document = None


def better_texts(first: str, second: str | None) -> tuple[list[str], bool]:
    """The text (or texts) to keep of a page read twice, and whether the page still needs reading
    (OCR, or unread without it): the reading that decodes, or both when each has something the other
    lacks. pdfium's text stands in for garbled pypdf text only when it is clean itself: its own
    fallback for a broken font is Latin garbage with a control character here and there."""
    a = quality(first)
    keep_first = [first] if first.strip() and not a.garbled else []
    if second is None or not second.strip():
        return keep_first or ([first] if first.strip() else []), a.garbled
    b = quality(second)
    if b.garbled:
        return keep_first or [first], a.garbled
    if a.garbled or not first.strip():
        return [second], b.broken > 0
    if b.bad <= a.bad and b.good >= 0.9 * a.good:
        return [second], False
    if b.bad >= a.bad and b.good <= a.good:
        return [first], False
    return [first, second], False


ECHO_RATIO = 0.5


def echoes(recognised: str, layer: str) -> bool:
    """Whether OCR of a garbled page only read back the garbage (the broken font drawn as such):
    then the page is no more read than before. OCR of a page drawn right reads something else."""
    a, b = _SPACE.sub("", recognised), _SPACE.sub("", layer)
    return not a or SequenceMatcher(None, a, b, autojunk=False).ratio() >= ECHO_RATIO
