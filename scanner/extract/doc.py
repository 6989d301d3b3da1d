"""Legacy Word documents (.doc, and WPS 文字 .wps saved in the same format): the text by [MS-DOC] 2.4.1
"Retrieving Text", in its parts (body, tables, headers and footers, notes, comments, text boxes)."""

from __future__ import annotations

import bisect
import re
import struct
from dataclasses import dataclass

from scanner.errors import ExtractionError, LimitExceededError
from scanner.extract.members import ContainerExtraction, Place
from scanner.extract.ole import object_pool, open_ole, property_segments, read_stream
from scanner.extract.registry import register
from scanner.model import Extraction, Protection, Segment

# A document of ~10,000 pages; pieces may point at the same bytes many times, so the length is capped.
MAX_CHARS = 20_000_000
_MAX_FIELD_DEPTH = 64  # Word nests fields 20 deep at most; deeper marks are ignored, not stacked
_MAX_PIECES = 1_000_000  # fast saves add a few pieces each; Word itself makes thousands at most
_DAMAGED = "旧版 Word 文档已损坏：{} (damaged .doc: {})"
# The subdocuments, in the order they follow each other in the text (FibRgLw97, 2.4.1): the byte offset
# of each ccp in FibRgLw97, and what its text is called.
_STORIES = ((12, "body"), (16, "footnote"), (20, "header"), (24, "macro"), (28, "comment"), (32, "endnote"),
            (36, "text box"), (40, "header text box"))
# FibRgFcLcb97 pairs (fc, lcb) by index: PlcffndTxt, PlcfandTxt, PlcfHdd, PlcfBtePapx, Clx.
_FTN_TXT, _ATN_TXT, _HDD, _BTE_PAPX, _CLX = 3, 5, 11, 13, 33
# PlcfHdd: six stories of note separators, then six per section (2.8.20).
_HDD_KINDS = ("header", "header", "footer", "footer", "header", "footer")  # even, odd, even, odd, first, first
# 8-bit ("compressed") text is Latin-1 except these bytes (2.4.1, "Retrieving Text", step 5).
_CP1252_SPECIAL = str.maketrans({
    0x82: 0x201A, 0x83: 0x0192, 0x84: 0x201E, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021, 0x88: 0x02C6,
    0x89: 0x2030, 0x8A: 0x0160, 0x8B: 0x2039, 0x8C: 0x0152, 0x91: 0x2018, 0x92: 0x2019, 0x93: 0x201C,
    0x94: 0x201D, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02DC, 0x99: 0x2122, 0x9A: 0x0161,
    0x9B: 0x203A, 0x9C: 0x0153, 0x9F: 0x0178})
# Characters with a meaning in Word's text (2.8.x, "special characters"): a line break (\x0b) and a
# column break (\x0e) become newlines, a non-breaking hyphen a hyphen, an optional hyphen nothing; other
# control characters (footnote and comment references, pictures, drawn objects) stand for no text.
_CLEAN = {c: None for c in range(0x20) if c not in (0x09, 0x0A)}
_CLEAN.update({0x0B: "\n", 0x0E: "\n", 0x1E: "-", 0x1F: None})
_CLEAN = str.maketrans(_CLEAN)
# Paragraph ends (\r), cell and row ends (\x07), page and section breaks (\x0c), and field marks:
# \x13 begins a field, \x14 separates its instruction from its result, \x15 ends it.
_SPECIAL = re.compile("[\r\x07\x0c\x13\x14\x15]")
# Paragraph properties (sprms) that tell table cells and rows apart (2.6.2).
_IN_TABLE, _TTP, _ITAP = 0x2416, 0x2417, 0x6649
_OPERAND = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}


def _damaged(zh: str, en: str) -> ExtractionError:
    return ExtractionError(_DAMAGED.format(zh, en))


@dataclass
class _Fib:
    flags: int
    ccp: list[int]  # one per _STORIES entry
    pairs: list[tuple[int, int]]  # FibRgFcLcb: (fc, lcb)

    def pair(self, index: int) -> tuple[int, int]:
        return self.pairs[index] if index < len(self.pairs) else (0, 0)


def _fib_flags(word: bytes) -> int:
    """FibBase's flags, which are never encrypted (fEncrypted 0x0100, fWhichTblStm 0x0200, fObfuscated 0x8000)."""
    if len(word) < 68:
        raise _damaged("文件信息块（FIB）不完整", "FIB cut short")
    ident, nfib = struct.unpack_from("<HH", word, 0)
    if ident != 0xA5EC:
        raise _damaged("文件信息块标识不对", f"wIdent {ident:#06x}, not 0xA5EC")
    if 0x65 <= nfib <= 0x68:
        # Word 6 and Word 95 files have another FIB and 8-bit text in the document's code page.
        raise ExtractionError(f"暂不能读取 Word 6/95 格式（nFib {nfib:#x}）的文档，请另存为 docx 后再发送 "
                              f"(Word 6/95 documents are not read: save as docx)", code="scan.unsupported")
    if nfib < 0xC0:
        raise _damaged(f"文件信息块版本 {nfib:#x} 不对", f"nFib {nfib:#x}")
    return struct.unpack_from("<H", word, 10)[0]


def _read_fib(word: bytes, flags: int) -> _Fib:
    csw = struct.unpack_from("<H", word, 32)[0]
    at = 34 + 2 * csw
    cslw = struct.unpack_from("<H", word, at)[0] if at + 2 <= len(word) else 0
    lw = at + 2
    at = lw + 4 * cslw
    if cslw < 11 or at + 2 > len(word):
        raise _damaged("文件信息块（FIB）不完整", "FibRgLw97 cut short")
    ccp = [struct.unpack_from("<i", word, lw + off)[0] for off, _ in _STORIES]
    count = struct.unpack_from("<H", word, at)[0]
    blob = at + 2
    if count <= _CLX or blob + 8 * count > len(word):
        raise _damaged("文件信息块（FIB）不完整", "FibRgFcLcb cut short")
    pairs = [struct.unpack_from("<II", word, blob + 8 * i) for i in range(count)]
    if any(c < 0 for c in ccp):
        raise _damaged("文字长度为负数", "negative ccp")
    return _Fib(flags, ccp, pairs)


def _slice(stream: bytes, fc: int, lcb: int, what: str) -> bytes:
    if fc + lcb > len(stream):
        raise _damaged(f"{what} 超出数据流范围，文件可能被截断", f"{what} past the end of its stream: truncated?")
    return stream[fc:fc + lcb]


@dataclass
class _Pieces:
    """The piece table (PlcPcd): where each run of character positions is stored in WordDocument."""

    cps: list[int]  # n + 1 character positions
    fcs: list[int]  # n byte offsets into WordDocument
    compressed: list[bool]

    def fc_of(self, cp: int) -> int | None:
        i = bisect.bisect_right(self.cps, cp) - 1
        if i < 0 or i >= len(self.fcs):
            return None
        return self.fcs[i] + (cp - self.cps[i]) * (1 if self.compressed[i] else 2)


def _read_pieces(table: bytes, fc: int, lcb: int, word_size: int) -> _Pieces:
    clx = _slice(table, fc, lcb, "Clx")
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # Prc: property modifiers of fast-saved files
        if pos + 3 > len(clx):
            break
        pos += 3 + max(0, struct.unpack_from("<h", clx, pos + 1)[0])
    if pos + 5 > len(clx) or clx[pos] != 0x02:
        raise _damaged("找不到文字片段表（Pcdt）", "no Pcdt in the Clx")
    size = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5:pos + 5 + size]
    if len(plc) != size or size < 16 or (size - 4) % 12:
        raise _damaged("文字片段表（PlcPcd）不完整", "PlcPcd cut short")
    n = (size - 4) // 12
    if n > _MAX_PIECES:
        raise LimitExceededError(f"Word 文档文字片段超过 {_MAX_PIECES} 个 (.doc has over {_MAX_PIECES} text pieces)")
    cps = list(struct.unpack_from(f"<{n + 1}I", plc, 0))
    if any(b < a for a, b in zip(cps, cps[1:])) or cps[0] != 0:
        raise _damaged("文字片段表顺序错乱", "PlcPcd positions out of order")
    fcs, compressed = [], []
    for i in range(n):
        raw = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * i + 2)[0]
        packed = bool(raw & 0x40000000)
        fcs.append((raw & 0x3FFFFFFF) // 2 if packed else raw & 0x3FFFFFFF)
        compressed.append(packed)
        if fcs[-1] + (cps[i + 1] - cps[i]) * (1 if packed else 2) > word_size:
            raise _damaged("文字片段超出 WordDocument 数据流，文件可能被截断", "text piece past the end of WordDocument")
    # Pieces in the stream may still point at the same bytes again and again.
    if cps[-1] > MAX_CHARS:
        raise LimitExceededError(f"Word 文档文字超过 {MAX_CHARS} 个字符 (.doc text over {MAX_CHARS} characters)")
    return _Pieces(cps, fcs, compressed)


def _read_text(word: bytes, pieces: _Pieces) -> str:
    parts = []
    for i, fc in enumerate(pieces.fcs):
        count = pieces.cps[i + 1] - pieces.cps[i]
        if pieces.compressed[i]:
            parts.append(_slice(word, fc, count, "文字").decode("latin-1").translate(_CP1252_SPECIAL))
        else:
            parts.append(_slice(word, fc, 2 * count, "文字").decode("utf-16-le", "replace"))
    return "".join(parts)


class _Paragraphs:
    """Table flags of a paragraph from its PAPX (PlcBtePapx → PapxFkp → sprms), or None if unknown."""

    def __init__(self, word: bytes, table: bytes, pair: tuple[int, int]):
        self.word = word
        fc, lcb = pair
        self.fcs: list[int] = []
        if lcb >= 12 and (lcb - 4) % 8 == 0 and fc + lcb <= len(table):
            n = (lcb - 4) // 8
            self.fcs = list(struct.unpack_from(f"<{n + 1}I", table, fc))
            self.pns = [p & 0x3FFFFF for p in struct.unpack_from(f"<{n}I", table, fc + 4 * (n + 1))]

    def flags(self, fc: int | None) -> tuple[bool, bool] | None:
        """(in a table, ends a table row) for the paragraph whose mark is at byte `fc`."""
        if fc is None or not self.fcs:
            return None
        j = bisect.bisect_right(self.fcs, fc) - 1
        if j < 0 or j >= len(self.pns) or (self.pns[j] + 1) * 512 > len(self.word):
            return None
        page = self.word[self.pns[j] * 512:(self.pns[j] + 1) * 512]
        crun = page[511]
        if 4 * (crun + 1) + 13 * crun > 511:
            return None
        rgfc = struct.unpack_from(f"<{crun + 1}I", page, 0)
        k = bisect.bisect_right(rgfc, fc) - 1
        if k < 0 or k >= crun:
            return None
        offset = page[4 * (crun + 1) + 13 * k] * 2
        if offset == 0:
            return False, False
        return _table_sprms(page, offset)


def _table_sprms(page: bytes, offset: int) -> tuple[bool, bool]:
    if offset + 2 > len(page):
        return False, False
    cb = page[offset]
    start, size = (offset + 2, 2 * page[offset + 1]) if cb == 0 else (offset + 1, 2 * cb - 1)
    grpprl = page[start + 2:start + size]  # after the style index
    in_table = ttp = False
    pos = 0
    while pos + 2 <= len(grpprl):
        sprm = struct.unpack_from("<H", grpprl, pos)[0]
        pos += 2
        spra = sprm >> 13
        if spra == 6:
            if sprm in (0xD608, 0xD606):  # sprmTDefTable(10): a two-byte size, one more than the rest
                if pos + 2 > len(grpprl):
                    break
                size = 1 + struct.unpack_from("<H", grpprl, pos)[0]
            elif pos < len(grpprl) and grpprl[pos] != 255:
                size = 1 + grpprl[pos]
            else:
                break  # sprmPChgTabs' long form: what matters here has been read or is not there
        else:
            size = _OPERAND[spra]
        operand = grpprl[pos:pos + size]
        if sprm in (_IN_TABLE, _TTP) and operand:
            in_table = in_table or operand[0] != 0
            ttp = ttp or (sprm == _TTP and operand[0] != 0)
        elif sprm == _ITAP and len(operand) == 4:
            in_table = in_table or struct.unpack("<i", operand)[0] > 0
        pos += size
    return in_table, ttp


class _Reader:
    """Turns one run of character positions into segments: paragraphs, table cells, field codes."""

    def __init__(self, text: str, pieces: _Pieces, paragraphs: _Paragraphs):
        self.text, self.pieces, self.paragraphs = text, pieces, paragraphs
        self.field_codes: list[Segment] = []

    def _units(self, start: int, end: int):
        """(visible text, mark, position of the mark) per paragraph; field instructions set aside."""
        visible: list[str] = []
        hidden: list[str] = []
        fields: list[bool] = []  # per open field: still in its instruction
        in_instruction = 0
        pos = start
        for m in _SPECIAL.finditer(self.text, start, end):
            (hidden if in_instruction else visible).append(self.text[pos:m.start()])
            mark = m.group()
            if mark == "\x13":
                if len(fields) < _MAX_FIELD_DEPTH:
                    fields.append(True)
                    in_instruction += 1
            elif mark == "\x14":
                if fields and fields[-1]:
                    fields[-1] = False
                    in_instruction -= 1
            elif mark == "\x15":
                if fields and fields.pop():
                    in_instruction -= 1
                if not fields and hidden:
                    yield None, "".join(hidden), m.start()
                    hidden = []
            else:
                yield "".join(visible), mark, m.start()
                visible = []
            pos = m.end()
        (hidden if in_instruction else visible).append(self.text[pos:end])  # text after the last mark
        if any(visible):
            yield "".join(visible), "\r", end
        if any(hidden):
            yield None, "".join(hidden), end

    def segments(self, start: int, end: int, part: str = "body", section: int | None = None,
                 label: str | None = None) -> list[Segment]:
        out: list[Segment] = []
        paragraph = table = row = column = 0
        cell: list[str] = []  # the paragraphs of the cell being read
        in_table = after_cell = False
        for raw, mark, cp in self._units(start, end):
            if raw is None:
                code = mark.translate(_CLEAN).strip()
                if code:
                    self.field_codes.append(Segment(code, Place(part=part, section=section, label="field code")))
                continue
            text = raw.translate(_CLEAN)
            flags = self.paragraphs.flags(self.pieces.fc_of(cp)) if mark in "\r\x07" else None
            if flags is None:  # no paragraph properties: a cell mark alone after a cell ends the row
                flags = (mark == "\x07", mark == "\x07" and after_cell and not text)
            in_cell, row_end = flags
            after_cell = mark == "\x07" and not row_end
            if in_cell or mark == "\x07":
                if not in_table:
                    in_table, table, row, column = True, table + 1, 1, 0
                if not row_end:
                    cell.append(text)
                if after_cell or (row_end and cell):
                    column += 1
                    joined = "\n".join(c for c in cell if c.strip())
                    if joined:
                        out.append(Segment(joined, Place(part=part, table=table, row=row, column=column,
                                                         section=section, label=label)))
                    cell = []
                if row_end:
                    row, column = row + 1, 0
                continue
            in_table = False
            if text.strip():
                paragraph += 1
                out.append(Segment(text, Place(part=part, paragraph=paragraph, section=section, label=label)))
        return out


def _plc_cps(table: bytes, pair: tuple[int, int], limit: int) -> list[int]:
    """The character positions of a PLC of CPs only (or with data after them): clipped, in order."""
    fc, lcb = pair
    if lcb < 8 or fc + lcb > len(table):
        return []
    cps = struct.unpack_from(f"<{lcb // 4}I", table, fc)
    out: list[int] = []
    for cp in cps:
        if cp > limit or (out and cp < out[-1]):
            break
        out.append(cp)
    return out


def _story_segments(reader: _Reader, fib: _Fib, table: bytes, starts: dict[str, int]) -> list[Segment]:
    segments: list[Segment] = []
    for (_, name), length in zip(_STORIES, fib.ccp):
        if not length or name == "macro":
            continue
        base = starts[name]
        if name == "body":
            segments.extend(reader.segments(base, base + length))
        elif name == "header":
            segments.extend(_header_segments(reader, fib, table, base, length))
        elif name in ("footnote", "comment"):
            cps = _plc_cps(table, fib.pair(_FTN_TXT if name == "footnote" else _ATN_TXT), length)
            if len(cps) < 2:
                cps = [0, length]
            for number, (a, b) in enumerate(zip(cps, cps[1:]), start=1):
                for seg in reader.segments(base + a, base + b, label=f"{name} {number}"):
                    segments.append(seg)
        else:
            segments.extend(reader.segments(base, base + length, label=name))
    return segments


def _header_segments(reader: _Reader, fib: _Fib, table: bytes, base: int, length: int) -> list[Segment]:
    cps = _plc_cps(table, fib.pair(_HDD), length)
    if len(cps) < 2:  # no story table: the whole of it is read as headers
        return reader.segments(base, base + length, part="header")
    segments: list[Segment] = []
    for i, (a, b) in enumerate(zip(cps, cps[1:])):
        if i < 6:
            segments.extend(reader.segments(base + a, base + b, label="note separator"))
        else:
            part = _HDD_KINDS[(i - 6) % 6]
            segments.extend(reader.segments(base + a, base + b, part=part, section=(i - 6) // 6 + 1))
    return segments


def _protection(flags: int) -> Protection | None:
    if not flags & 0x0100:  # fEncrypted
        return None
    return Protection(encrypted=True, method="doc-xor" if flags & 0x8000 else "doc-rc4", needs_password=True)


@register("doc")
def extract_doc(data: bytes) -> Extraction:
    try:
        return _extract(data)
    except (OSError, ValueError, IndexError, KeyError, struct.error) as exc:  # olefile on a damaged container
        raise _damaged(f"{type(exc).__name__}: {exc}", f"{type(exc).__name__}: {exc}") from exc


def _extract(data: bytes) -> Extraction:
    with open_ole(data, _damaged) as ole:
        if not ole.exists("WordDocument"):
            raise _damaged("缺少 WordDocument 数据流", "no WordDocument stream")
        word = read_stream(ole, "WordDocument", _damaged)
        flags = _fib_flags(word)
        protection = _protection(flags)
        if protection is not None:  # the rest of the FIB and the text are encrypted
            return Extraction(type="doc", protection=protection)
        fib = _read_fib(word, flags)
        table_name = "1Table" if fib.flags & 0x0200 else "0Table"
        if not ole.exists(table_name):
            raise _damaged(f"缺少 {table_name} 数据流", f"no {table_name} stream")
        table = read_stream(ole, table_name, _damaged)
        properties, unread = property_segments(ole)
        members, pool_unread = object_pool(ole)  # embedded objects (Insert → Object)
    pieces = _read_pieces(table, *fib.pair(_CLX), len(word))
    text = _read_text(word, pieces)
    if sum(fib.ccp) > len(text):
        raise _damaged("文字长度与片段表不符，文件可能被截断", "ccp beyond the piece table: truncated?")
    starts, at = {}, 0
    for (_, name), length in zip(_STORIES, fib.ccp):
        starts[name], at = at, at + length
    reader = _Reader(text, pieces, _Paragraphs(word, table, fib.pair(_BTE_PAPX)))
    segments = _story_segments(reader, fib, table, starts)
    segments.extend(reader.field_codes)
    segments.extend(properties)
    unread.extend(pool_unread)
    if members:
        return ContainerExtraction(type="doc", segments=segments, unread=unread, members=members,
                                   properties={"characters": len(text), "objects": len(members)})
    return Extraction(type="doc", segments=segments, unread=unread, properties={"characters": len(text)})

