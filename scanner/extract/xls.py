"""Legacy Excel workbooks (.xls, BIFF in an OLE file) with xlrd: every sheet and cell (`Sheet!B7`), notes."""

from __future__ import annotations

import io

import xlrd
from xlrd.biffh import XLRDError

from scanner.errors import ExtractionError
from scanner.extract.members import Place
from scanner.extract.registry import register
from scanner.model import Extraction, Protection, Segment

# xlrd reads a FILEPASS record as "encrypted" whatever the cipher; BIFF8 uses RC4 (CryptoAPI).
_ENCRYPTED = Protection(encrypted=True, method="xls-rc4", needs_password=True)


def _text(sheet, row: int, col: int) -> str:
    cell = sheet.cell(row, col)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if cell.ctype == xlrd.XL_CELL_NUMBER and float(cell.value).is_integer():
        return str(int(cell.value))
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return ""
    return str(cell.value).strip()


@register("xls")
def extract_xls(data: bytes) -> Extraction:
    try:
        # xlrd prints its warnings about odd records; they are not the user's, so they go nowhere.
        book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO())
    except XLRDError as exc:
        if "encrypted" in str(exc).lower():
            return Extraction(type="xls", protection=_ENCRYPTED)
        raise ExtractionError(f"旧版 Excel 文件已损坏：{exc} (damaged XLS)") from exc
    segments: list[Segment] = []
    for sheet in book.sheets():
        hidden = {1: " (hidden)", 2: " (veryHidden)"}.get(getattr(sheet, "visibility", 0), "")
        segments.append(Segment(sheet.name, Place(part="metadata", sheet=sheet.name, label=f"sheet name{hidden}")))
        for row in range(sheet.nrows):
            for col in range(sheet.ncols):
                text = _text(sheet, row, col)
                if text:
                    cell = xlrd.formula.cellname(row, col)
                    segments.append(Segment(text, Place(sheet=sheet.name, cell=cell)))
        for (row, col), note in (getattr(sheet, "cell_note_map", {}) or {}).items():
            if note.text and note.text.strip():
                segments.append(Segment(note.text.strip(), Place(sheet=sheet.name, cell=xlrd.formula.cellname(row, col),
                                                                 label="comment")))
    for name in getattr(book, "name_obj_list", []) or []:
        if name.name and not name.builtin:
            segments.append(Segment(name.name, Place(part="metadata", label="defined name")))
    return Extraction(type="xls", segments=segments, properties={"sheets": book.nsheets})
