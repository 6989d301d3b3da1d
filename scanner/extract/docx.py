"""Word documents (DOCX) with python-docx: body, tables, headers and footers, in reading order."""

from __future__ import annotations

import io
from typing import Iterator

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from scanner.errors import ExtractionError
from scanner.extract.registry import register
from scanner.model import Extraction, Location, Segment


def _table_segments(table: Table, number: int, part: str, section: int | None) -> Iterator[Segment]:
    seen: set[int] = set()
    for r, row in enumerate(table.rows, start=1):
        for c, cell in enumerate(row.cells, start=1):
            # A merged cell is returned once per grid position; read it once.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            text = cell.text.strip()
            if text:
                yield Segment(text, Location(part=part, table=number, row=r, column=c, section=section))


def _blocks(container, part: str, section: int | None, counters: dict) -> Iterator[Segment]:
    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text
            if text.strip():
                counters["paragraph"] += 1
                yield Segment(text, Location(part=part, paragraph=counters["paragraph"], section=section))
        elif isinstance(block, Table):
            counters["table"] += 1
            yield from _table_segments(block, counters["table"], part, section)


@register("docx")
def extract_docx(data: bytes) -> Extraction:
    try:
        document = docx.Document(io.BytesIO(data))
    except PackageNotFoundError as exc:
        raise ExtractionError(f"不是有效的 Word 文档：{exc} (not a valid DOCX package)") from exc
    segments = list(_blocks(document, "body", None, {"paragraph": 0, "table": 0}))
    for number, section in enumerate(document.sections, start=1):
        for part, hf in (("header", section.header), ("footer", section.footer)):
            # A header linked to the previous section's is the same text: read it once.
            if hf.is_linked_to_previous:
                continue
            segments.extend(_blocks(hf, part, number, {"paragraph": 0, "table": 0}))
    return Extraction(type="docx", segments=segments)
