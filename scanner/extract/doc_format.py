"""The structures of a legacy Word document ([MS-DOC]) its text is found by: the FIB, the piece table
(where each run of characters is stored), paragraph properties (table cells and rows) and PLCs."""

from __future__ import annotations

import bisect
import struct
from dataclasses import dataclass

from scanner.errors import ExtractionError, LimitExceededError

# A document of ~10,000 pages; pieces may point at the same bytes many times, so the length is capped.
MAX_CHARS = 20_000_000
_MAX_PIECES = 1_000_000  # fast saves add a few pieces each; Word itself makes thousands at most
_DAMAGED = "旧版 Word 文档已损坏：{} (damaged .doc: {})"
# The subdocuments, in the order they follow each other in the text (FibRgLw97, 2.4.1): the byte offset
# of each ccp in FibRgLw97, and what its text is called.
STORIES = ((12, "body"), (16, "footnote"), (20, "header"), (24, "macro"), (28, "comment"), (32, "endnote"),
           (36, "text box"), (40, "header text box"))
# FibRgFcLcb97 pairs (fc, lcb) by index: PlcffndTxt, PlcfandTxt, PlcfHdd, PlcfBtePapx, Clx.
FTN_TXT, ATN_TXT, HDD, BTE_PAPX, CLX = 3, 5, 11, 13, 33
# 8-bit ("compressed") text is Latin-1 except these bytes (2.4.1, "Retrieving Text", step 5).
_CP1252_SPECIAL = str.maketrans({
    0x82: 0x201A, 0x83: 0x0192, 0x84: 0x201E, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021, 0x88: 0x02C6,
    0x89: 0x2030, 0x8A: 0x0160, 0x8B: 0x2039, 0x8C: 0x0152, 0x91: 0x2018, 0x92: 0x2019, 0x93: 0x201C,
    0x94: 0x201D, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02DC, 0x99: 0x2122, 0x9A: 0x0161,
    0x9B: 0x203A, 0x9C: 0x0153, 0x9F: 0x0178})
# Paragraph properties (sprms) that tell table cells and rows apart (2.6.2).
_IN_TABLE, _TTP, _ITAP = 0x2416, 0x2417, 0x6649
_OPERAND = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}


def damaged(zh: str, en: str) -> ExtractionError:
    return ExtractionError(_DAMAGED.format(zh, en))


@dataclass
class Fib:
    flags: int
    ccp: list[int]  # one per STORIES entry
    pairs: list[tuple[int, int]]  # FibRgFcLcb: (fc, lcb)

    def pair(self, index: int) -> tuple[int, int]:
        return self.pairs[index] if index < len(self.pairs) else (0, 0)


def fib_flags(word: bytes) -> int:
    """FibBase's flags, which are never encrypted (fEncrypted 0x0100, fWhichTblStm 0x0200, fObfuscated 0x8000)."""
    if len(word) < 68:
        raise damaged("文件信息块（FIB）不完整", "FIB cut short")
    ident, nfib = struct.unpack_from("<HH", word, 0)
    if ident != 0xA5EC:
        raise damaged("文件信息块标识不对", f"wIdent {ident:#06x}, not 0xA5EC")
    if 0x65 <= nfib <= 0x68:
        # Word 6 and Word 95 files have another FIB and 8-bit text in the document's code page.
        raise ExtractionError(f"暂不能读取 Word 6/95 格式（nFib {nfib:#x}）的文档，请另存为 docx 后再发送 "
                              f"(Word 6/95 documents are not read: save as docx)", code="scan.unsupported")
    if nfib < 0xC0:
        raise damaged(f"文件信息块版本 {nfib:#x} 不对", f"nFib {nfib:#x}")
    return struct.unpack_from("<H", word, 10)[0]


def read_fib(word: bytes, flags: int) -> Fib:
    csw = struct.unpack_from("<H", word, 32)[0]
    at = 34 + 2 * csw
    cslw = struct.unpack_from("<H", word, at)[0] if at + 2 <= len(word) else 0
    lw = at + 2
    at = lw + 4 * cslw
    if cslw < 11 or at + 2 > len(word):
        raise damaged("文件信息块（FIB）不完整", "FibRgLw97 cut short")
    ccp = [struct.unpack_from("<i", word, lw + off)[0] for off, _ in STORIES]
    count = struct.unpack_from("<H", word, at)[0]
    blob = at + 2
    if count <= CLX or blob + 8 * count > len(word):
        raise damaged("文件信息块（FIB）不完整", "FibRgFcLcb cut short")
    pairs = [struct.unpack_from("<II", word, blob + 8 * i) for i in range(count)]
    if any(c < 0 for c in ccp):
        raise damaged("文字长度为负数", "negative ccp")
    return Fib(flags, ccp, pairs)


def _slice(stream: bytes, fc: int, lcb: int, what: str) -> bytes:
    if fc + lcb > len(stream):
        raise damaged(f"{what} 超出数据流范围，文件可能被截断", f"{what} past the end of its stream: truncated?")
    return stream[fc:fc + lcb]


@dataclass
class Pieces:
    """The piece table (PlcPcd): where each run of character positions is stored in WordDocument."""

    cps: list[int]  # n + 1 character positions
    fcs: list[int]  # n byte offsets into WordDocument
    compressed: list[bool]

    def fc_of(self, cp: int) -> int | None:
        i = bisect.bisect_right(self.cps, cp) - 1
        if i < 0 or i >= len(self.fcs):
            return None
        return self.fcs[i] + (cp - self.cps[i]) * (1 if self.compressed[i] else 2)


def read_pieces(table: bytes, fc: int, lcb: int, word_size: int) -> Pieces:
    clx = _slice(table, fc, lcb, "Clx")
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # Prc: property modifiers of fast-saved files
        if pos + 3 > len(clx):
            break
        pos += 3 + max(0, struct.unpack_from("<h", clx, pos + 1)[0])
    if pos + 5 > len(clx) or clx[pos] != 0x02:
        raise damaged("找不到文字片段表（Pcdt）", "no Pcdt in the Clx")
    size = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5:pos + 5 + size]
    if len(plc) != size or size < 16 or (size - 4) % 12:
        raise damaged("文字片段表（PlcPcd）不完整", "PlcPcd cut short")
    n = (size - 4) // 12
    if n > _MAX_PIECES:
        raise LimitExceededError(f"Word 文档文字片段超过 {_MAX_PIECES} 个 (.doc has over {_MAX_PIECES} text pieces)")
    cps = list(struct.unpack_from(f"<{n + 1}I", plc, 0))
    if any(b < a for a, b in zip(cps, cps[1:])) or cps[0] != 0:
        raise damaged("文字片段表顺序错乱", "PlcPcd positions out of order")
    fcs, compressed = [], []
    for i in range(n):
        raw = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * i + 2)[0]
        packed = bool(raw & 0x40000000)
        fcs.append((raw & 0x3FFFFFFF) // 2 if packed else raw & 0x3FFFFFFF)
        compressed.append(packed)
        if fcs[-1] + (cps[i + 1] - cps[i]) * (1 if packed else 2) > word_size:
            raise damaged("文字片段超出 WordDocument 数据流，文件可能被截断", "text piece past the end of WordDocument")
    # Pieces in the stream may still point at the same bytes again and again.
    if cps[-1] > MAX_CHARS:
        raise LimitExceededError(f"Word 文档文字超过 {MAX_CHARS} 个字符 (.doc text over {MAX_CHARS} characters)")
    return Pieces(cps, fcs, compressed)


def read_text(word: bytes, pieces: Pieces) -> str:
    parts = []
    for i, fc in enumerate(pieces.fcs):
        count = pieces.cps[i + 1] - pieces.cps[i]
        if pieces.compressed[i]:
            parts.append(_slice(word, fc, count, "文字").decode("latin-1").translate(_CP1252_SPECIAL))
        else:
            parts.append(_slice(word, fc, 2 * count, "文字").decode("utf-16-le", "replace"))
    return "".join(parts)


class Paragraphs:
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



def plc_cps(table: bytes, pair: tuple[int, int], limit: int) -> list[int]:
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

