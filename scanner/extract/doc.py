"""Legacy Word documents (.doc, and WPS 文字 .wps saved in the same format): the text by [MS-DOC] 2.4.1
"Retrieving Text", in its parts (body, tables, headers and footers, notes, comments, text boxes)."""

from __future__ import annotations

import re
import struct

from scanner.extract.doc_format import (
    ATN_TXT, BTE_PAPX, CLX, FTN_TXT, HDD, STORIES, Fib, Paragraphs, Pieces, damaged, fib_flags, plc_cps,
    read_fib, read_pieces, read_text,
)
from scanner.extract.members import ContainerExtraction, Place
from scanner.extract.ole_objects import object_pool
from scanner.extract.ole_streams import open_ole, property_segments, read_stream
from scanner.extract.registry import register
from scanner.model import Extraction, Protection, Segment

_MAX_FIELD_DEPTH = 64  # Word nests fields 20 deep at most; deeper marks are ignored, not stacked
# PlcfHdd: six stories of note separators, then six per section (2.8.20).
_HDD_KINDS = ("header", "header", "footer", "footer", "header", "footer")  # even, odd, even, odd, first, first
# Characters with a meaning in Word's text (2.8.x, "special characters"): a line break (\x0b) and a
# column break (\x0e) become newlines, a non-breaking hyphen a hyphen, an optional hyphen nothing; other
# control characters (footnote and comment references, pictures, drawn objects) stand for no text.
_CLEAN = {c: None for c in range(0x20) if c not in (0x09, 0x0A)}
_CLEAN.update({0x0B: "\n", 0x0E: "\n", 0x1E: "-", 0x1F: None})
_CLEAN = str.maketrans(_CLEAN)
# Paragraph ends (\r), cell and row ends (\x07), page and section breaks (\x0c), and field marks:
# \x13 begins a field, \x14 separates its instruction from its result, \x15 ends it.
_SPECIAL = re.compile("[\r\x07\x0c\x13\x14\x15]")


class _Reader:
    """Turns one run of character positions into segments: paragraphs, table cells, field codes."""

    def __init__(self, text: str, pieces: Pieces, paragraphs: Paragraphs):
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



def _story_segments(reader: _Reader, fib: Fib, table: bytes, starts: dict[str, int]) -> list[Segment]:
    segments: list[Segment] = []
    for (_, name), length in zip(STORIES, fib.ccp):
        if not length or name == "macro":
            continue
        base = starts[name]
        if name == "body":
            segments.extend(reader.segments(base, base + length))
        elif name == "header":
            segments.extend(_header_segments(reader, fib, table, base, length))
        elif name in ("footnote", "comment"):
            cps = plc_cps(table, fib.pair(FTN_TXT if name == "footnote" else ATN_TXT), length)
            if len(cps) < 2:
                cps = [0, length]
            for number, (a, b) in enumerate(zip(cps, cps[1:]), start=1):
                for seg in reader.segments(base + a, base + b, label=f"{name} {number}"):
                    segments.append(seg)
        else:
            segments.extend(reader.segments(base, base + length, label=name))
    return segments


def _header_segments(reader: _Reader, fib: Fib, table: bytes, base: int, length: int) -> list[Segment]:
    cps = plc_cps(table, fib.pair(HDD), length)
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
        raise damaged(f"{type(exc).__name__}: {exc}", f"{type(exc).__name__}: {exc}") from exc


def _extract(data: bytes) -> Extraction:
    with open_ole(data, damaged) as ole:
        if not ole.exists("WordDocument"):
            raise damaged("缺少 WordDocument 数据流", "no WordDocument stream")
        word = read_stream(ole, "WordDocument", damaged)
        flags = fib_flags(word)
        protection = _protection(flags)
        if protection is not None:  # the rest of the FIB and the text are encrypted
            return Extraction(type="doc", protection=protection)
        fib = read_fib(word, flags)
        table_name = "1Table" if fib.flags & 0x0200 else "0Table"
        if not ole.exists(table_name):
            raise damaged(f"缺少 {table_name} 数据流", f"no {table_name} stream")
        table = read_stream(ole, table_name, damaged)
        properties, unread = property_segments(ole)
        members, pool_unread = object_pool(ole)  # embedded objects (Insert → Object)
    pieces = read_pieces(table, *fib.pair(CLX), len(word))
    text = read_text(word, pieces)
    if sum(fib.ccp) > len(text):
        raise damaged("文字长度与片段表不符，文件可能被截断", "ccp beyond the piece table: truncated?")
    starts, at = {}, 0
    for (_, name), length in zip(STORIES, fib.ccp):
        starts[name], at = at, at + length
    reader = _Reader(text, pieces, Paragraphs(word, table, fib.pair(BTE_PAPX)))
    segments = _story_segments(reader, fib, table, starts)
    segments.extend(reader.field_codes)
    segments.extend(properties)
    unread.extend(pool_unread)
    if members:
        return ContainerExtraction(type="doc", segments=segments, unread=unread, members=members,
                                   properties={"characters": len(text), "objects": len(members)})
    return Extraction(type="doc", segments=segments, unread=unread, properties={"characters": len(text)})

