"""Excel workbooks (XLSX) with openpyxl: every sheet and cell (`Sheet!B7`), comments, headers, properties."""

from __future__ import annotations

import io
import posixpath
import re
import warnings
import zipfile
from typing import Iterator

import openpyxl
from openpyxl.utils import get_column_letter, range_boundaries

from scanner.errors import ExtractionError, LimitExceededError
from scanner.extract import early, pictures
from scanner.extract.members import ContainerExtraction, Place
from scanner.extract.ooxml import embedded_members, open_package, property_segments, read_xml
from scanner.extract.registry import register
from scanner.model import Segment


def _load(data: bytes, data_only: bool):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about every unknown extension
        return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only, keep_links=False)


# openpyxl makes an object for every cell of a merged range as it loads a sheet: one range over the
# whole sheet (a 5 KB file) is 17 billion objects, and one whole column takes some 40 s. Merges hold
# no text, so past this many merged cells they are left out of the package before it is loaded.
MAX_MERGED_CELLS = 10_000
_MERGE_REF = re.compile(rb"""<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref\s*=\s*["']([^"']*)["']""")
_MERGES = re.compile(rb"<((?:[\w.-]+:)?)mergeCells\b(?:[^>]*/>|.*?</\1mergeCells\s*>)", re.S)


def _merged_cells(xml: bytes) -> int:
    total = 0
    for ref in _MERGE_REF.findall(xml):
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref.decode("ascii").upper())
        except (ValueError, TypeError, UnicodeDecodeError):
            continue  # openpyxl refuses it as it loads
        total += ((max_col or 16384) - (min_col or 1) + 1) * ((max_row or 1048576) - (min_row or 1) + 1)
    return total


def _without_large_merges(data: bytes, archive: zipfile.ZipFile) -> bytes:
    """The package as it is, or rebuilt without its merged ranges when they cover too many cells."""
    merged: dict[str, bytes] = {}
    total = 0
    for info in archive.infolist():
        if not info.filename.endswith(".xml"):
            continue
        xml = archive.read(info)
        if b"mergeCell" in xml:
            merged[info.filename] = xml
            total += _merged_cells(xml)
    if total <= MAX_MERGED_CELLS:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as rebuilt:
        for info in archive.infolist():
            body = merged.get(info.filename)
            if body is not None:
                body = _MERGES.sub(b"", body)
                if _MERGE_REF.search(body):
                    raise LimitExceededError(f"合并单元格共 {total} 个，超过上限 {MAX_MERGED_CELLS} "
                                             f"(merged ranges cover {total} cells, over {MAX_MERGED_CELLS})")
            # A new ZipInfo: writestr() would change the one the open package still reads by.
            rebuilt.writestr(zipfile.ZipInfo(info.filename, info.date_time),
                             body if body is not None else archive.read(info), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _cells(sheet):
    """The cells the sheet holds, row by row. Not `iter_rows()`: it visits every coordinate up to the
    farthest cell, so one cell at XFD1048576 in a 5 KB file means 17 billion cells (issue 14.13)."""
    return [cell for _, cell in sorted(sheet._cells.items())]


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


_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _rels(archive, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, path in the package); links outside the file left out."""
    folder, base = posixpath.split(part)
    root = read_xml(archive, posixpath.join(folder, "_rels", f"{base}.rels"))
    found = {}
    for rel in root if root is not None else ():
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[rel.get("Id")] = (rel.get("Type") or "", path)
    return found


def _anchor_cell(anchor) -> str | None:
    """The top-left cell a drawing anchor starts at (`B3`), or None for an absolute position."""
    start = anchor.find("{*}from")
    try:
        col, row = int(start.findtext("{*}col")), int(start.findtext("{*}row"))
    except (AttributeError, TypeError, ValueError):
        return None
    return f"{get_column_letter(col + 1)}{row + 1}" if 0 <= col < 16384 and row >= 0 else None


def _pictures(archive) -> Iterator[pictures.Picture]:
    """The pictures each sheet shows (with the sheet and the cell they start at), then the rest of xl/media/
    (header pictures, unreferenced files) without a place."""
    placed: set[str] = set()
    present = set(archive.namelist())  # a link to a missing picture carries nothing: not an error
    book = read_xml(archive, "xl/workbook.xml")
    book_rels = _rels(archive, "xl/workbook.xml") if book is not None else {}
    for sheet in book.iter("{*}sheet") if book is not None else ():
        _, sheet_part = book_rels.get(sheet.get(f"{_R}id"), ("", ""))
        if not sheet_part:
            continue
        for kind, drawing in _rels(archive, sheet_part).values():
            root = read_xml(archive, drawing) if kind.endswith("/drawing") else None
            if root is None:
                continue
            images = _rels(archive, drawing)
            for anchor in root:
                for blip in anchor.iter("{*}blip"):
                    rel_type, media = images.get(blip.get(f"{_R}embed"), ("", ""))
                    if rel_type.endswith("/image") and media in present:
                        placed.add(media)
                        yield pictures.package_picture(archive, media, sheet=sheet.get("name"), cell=_anchor_cell(anchor))
    yield from pictures.package_pictures(archive, "xl/media/", skip=placed)


@register("xlsx")
def extract_xlsx(data: bytes) -> ContainerExtraction:
    archive = open_package(data)
    try:
        data = _without_large_merges(data, archive)
        book = _load(data, data_only=False)
    except (KeyError, ValueError, OSError, TypeError) as exc:
        raise ExtractionError(f"Excel 文件已损坏：{type(exc).__name__}: {exc} (damaged XLSX)") from exc
    cached = None
    segments: list[Segment] = []
    for sheet in book.worksheets:
        state = "" if sheet.sheet_state == "visible" else f" ({sheet.sheet_state})"
        segments.append(Segment(sheet.title, Place(part="metadata", sheet=sheet.title, label=f"sheet name{state}")))
        segments.extend(_header_footer_segments(sheet))
        for cell in _cells(sheet):
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
                shown = cached[sheet.title]._cells.get((cell.row, cell.column))
                shown = shown.value if shown is not None else None
                value = f"{value} {shown}" if shown is not None else str(value)
            text = str(value).strip()
            if text:
                segments.append(Segment(text, Place(sheet=sheet.title, cell=cell.coordinate)))
    for name in getattr(book, "defined_names", {}) or {}:
        segments.append(Segment(name, Place(part="metadata", label="defined name")))
    segments.extend(property_segments(archive))
    early.text_so_far(segments)  # looked at before OCR starts, in case a limit stops it
    found = pictures.read_pictures(_pictures(archive))
    segments.extend(found.segments)
    return ContainerExtraction(type="xlsx", segments=segments, members=embedded_members(archive),
                               unread=found.unread,
                               properties={"sheets": len(book.worksheets), **found.properties})
