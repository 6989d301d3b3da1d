"""Excel workbooks (XLSX) with openpyxl: every sheet and cell (`Sheet!B7`), comments, headers, properties."""

from __future__ import annotations

import io
import warnings

import openpyxl

from scanner.errors import ExtractionError
from scanner.extract.members import ContainerExtraction, Place
from scanner.extract.ooxml import embedded_members, open_package, property_segments
from scanner.extract.registry import register
from scanner.model import Segment


def _load(data: bytes, data_only: bool):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about every unknown extension
        return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only, keep_links=False)


def _header_footer_segments(sheet) -> list[Segment]:
    segments = []
    for part, kind in (("header", "oddHeader"), ("footer", "oddFooter"), ("header", "firstHeader"),
                       ("footer", "firstFooter"), ("header", "evenHeader"), ("footer", "evenFooter")):
        hf = getattr(sheet, kind, None)
        if hf is None:
            continue
        for side in (hf.left, hf.center, hf.right):
            if side is not None and side.text and side.text.strip():
                segments.append(Segment(side.text, Place(part=part, sheet=sheet.title)))
    return segments


@register("xlsx")
def extract_xlsx(data: bytes) -> ContainerExtraction:
    archive = open_package(data)
    try:
        book = _load(data, data_only=False)
    except (KeyError, ValueError, OSError, TypeError) as exc:
        raise ExtractionError(f"Excel 文件已损坏：{type(exc).__name__}: {exc} (damaged XLSX)") from exc
    cached = None
    segments: list[Segment] = []
    for sheet in book.worksheets:
        state = "" if sheet.sheet_state == "visible" else f" ({sheet.sheet_state})"
        segments.append(Segment(sheet.title, Place(part="metadata", sheet=sheet.title, label=f"sheet name{state}")))
        segments.extend(_header_footer_segments(sheet))
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if cell.comment is not None and cell.comment.text.strip():
                    segments.append(Segment(cell.comment.text.strip(),
                                            Place(sheet=sheet.title, cell=cell.coordinate, label="comment")))
                if value is None:
                    continue
                if cell.data_type == "f":
                    # A formula's literals are content; so is the value it last showed.
                    if cached is None:
                        cached = _load(data, data_only=True)
                    shown = cached[sheet.title][cell.coordinate].value
                    value = f"{value} {shown}" if shown is not None else str(value)
                text = str(value).strip()
                if text:
                    segments.append(Segment(text, Place(sheet=sheet.title, cell=cell.coordinate)))
    for name in getattr(book, "defined_names", {}) or {}:
        segments.append(Segment(name, Place(part="metadata", label="defined name")))
    segments.extend(property_segments(archive))
    return ContainerExtraction(type="xlsx", segments=segments, members=embedded_members(archive),
                               properties={"sheets": len(book.worksheets)})
