"""Word documents (DOCX) with python-docx: body, tables, headers and footers in reading order; then
comments, footnotes, endnotes, text boxes, tracked changes, properties and embedded files."""

from __future__ import annotations

import io
from typing import Iterator

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from scanner.errors import ExtractionError
from scanner.extract import early, pictures
from scanner.extract.docx_text import cell_text, paragraph_text
from scanner.extract.members import ContainerExtraction, Place
from scanner.extract.ooxml import embedded_members, open_package, property_segments, read_xml
from scanner.extract.registry import register
from scanner.model import Location, Segment

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Parts whose paragraphs python-docx does not read, and the label each gets.
_NOTE_PARTS = (("word/comments.xml", "comment"), ("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote"))


def _table_segments(table: Table, number: int, part: str, section: int | None) -> Iterator[Segment]:
    # A merged cell is returned once per grid position; read it once. The set holds the
    # elements themselves: an id() of a freed lxml proxy is reused, and would skip other cells.
    seen: set = set()
    for r, row in enumerate(table.rows, start=1):
        for c, cell in enumerate(row.cells, start=1):
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            text = cell_text(cell._tc).strip()
            if text:
                yield Segment(text, Location(part=part, table=number, row=r, column=c, section=section))


def _blocks(container, part: str, section: int | None, counters: dict) -> Iterator[Segment]:
    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            text = paragraph_text(block._p)
            if text.strip():
                counters["paragraph"] += 1
                yield Segment(text, Location(part=part, paragraph=counters["paragraph"], section=section))
        elif isinstance(block, Table):
            counters["table"] += 1
            yield from _table_segments(block, counters["table"], part, section)


def _paragraph_text(p) -> str:
    return "".join(t.text or "" for t in p.iter(f"{_W}t", f"{_W}delText"))


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _note_text(note) -> str:
    """A comment's or a note's text, elements matched by local name: one damaged byte in the
    namespace of a notes part must not hide every note in it."""
    paragraphs = [p for p in note.iter() if _local(p.tag) == "p"]
    texts = ("".join(t.text or "" for t in p.iter() if _local(t.tag) in ("t", "delText")) for p in paragraphs)
    return "\n".join(t for t in texts if t.strip())


def _extra_segments(archive, unread: list[str]) -> list[Segment]:
    """What python-docx's reading order leaves out but the file still carries to its recipient."""
    segments: list[Segment] = []
    for name, label in _NOTE_PARTS:
        root = read_xml(archive, name, unread)
        if root is None:
            continue
        for number, note in enumerate(root, start=1):
            text = _note_text(note)
            if text.strip():
                segments.append(Segment(text, Place(label=f"{label} {number}")))
    body = read_xml(archive, "word/document.xml", unread)
    if body is not None:
        for number, box in enumerate(body.iter(f"{_W}txbxContent"), start=1):
            text = "\n".join(t for t in (_paragraph_text(p) for p in box.iter(f"{_W}p")) if t.strip())
            if text.strip():
                segments.append(Segment(text, Place(label=f"text box {number}")))
        for kind, label in ((f"{_W}ins", "tracked insertion"), (f"{_W}del", "tracked deletion")):
            for number, change in enumerate(body.iter(kind), start=1):
                text = "".join(t.text or "" for t in change.iter(f"{_W}t", f"{_W}delText"))
                if text.strip():
                    segments.append(Segment(text, Place(label=f"{label} {number}")))
    return segments


@register("docx")
def extract_docx(data: bytes) -> ContainerExtraction:
    try:
        document = docx.Document(io.BytesIO(data))
    except PackageNotFoundError as exc:
        raise ExtractionError(f"不是有效的 Word 文档：{exc} (not a valid DOCX package)") from exc
    segments = list(_blocks(document, "body", None, {"paragraph": 0, "table": 0}))
    for number, section in enumerate(document.sections, start=1):
        # First-page and even-page headers are read whether or not they are switched on:
        # a mark on the first page often stands there, and hidden text still leaves with the file.
        for part, hf in (
            ("header", section.first_page_header), ("header", section.header), ("header", section.even_page_header),
            ("footer", section.first_page_footer), ("footer", section.footer), ("footer", section.even_page_footer),
        ):
            # A header linked to the previous section's is the same text: read it once.
            if hf.is_linked_to_previous:
                continue
            segments.extend(_blocks(hf, part, number, {"paragraph": 0, "table": 0}))
    archive = open_package(data)
    unread: list[str] = []  # parts read only up to a fault (damage, nesting past the parser's limit)
    segments.extend(_extra_segments(archive, unread))
    segments.extend(property_segments(archive, unread))
    # Pictures last: a mark pasted as a screenshot or a scanned stamp (word/media/ holds every picture).
    early.text_so_far(segments)  # looked at before OCR starts, in case a limit stops it
    found = pictures.read_pictures(pictures.package_pictures(archive, "word/media/"))
    segments.extend(found.segments)
    return ContainerExtraction(type="docx", segments=segments, members=embedded_members(archive),
                               unread=unread + found.unread, properties=found.properties)
