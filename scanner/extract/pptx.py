"""PowerPoint (PPTX) with python-pptx: every slide's shapes, tables and groups, notes, comments, properties."""

from __future__ import annotations

import io
from typing import Iterator

import pptx
from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER
from pptx.exc import PackageNotFoundError
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn

from scanner.errors import ExtractionError
from scanner.extract import early, pictures
from scanner.extract.members import ContainerExtraction, Place
from scanner.extract.ooxml import embedded_members, open_package, property_segments, read_xml
from scanner.extract.registry import register
from scanner.model import Segment


_R, _T = qn("a:r"), qn("a:t")


def runs_text(p) -> str:
    """`"".join(run.text for run in paragraph.runs)` of an `a:p` element, without python-pptx's objects
    for each run: the `a:t` of each `a:r` (python-pptx's own `text`, which raises, where one lacks it)."""
    return "".join((t.text or "") if (t := r.find(_T)) is not None else r.text for r in p.findall(_R))


def _shape_texts(shapes) -> Iterator[tuple[str, int | None, int | None, int | None]]:
    """(text, table, row, column) for every text in the shapes, groups opened, in z-order."""
    table_no = 0
    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _shape_texts(shape.shapes)
            continue
        if getattr(shape, "has_table", False) and shape.has_table:
            table_no += 1
            for r, row in enumerate(shape.table.rows, start=1):
                for c, cell in enumerate(row.cells, start=1):
                    if cell.text.strip():
                        yield cell.text, table_no, r, c
            continue
        if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            for paragraph in shape.text_frame.paragraphs:
                text = runs_text(paragraph._p) or paragraph.text
                if text.strip():
                    yield text, None, None, None


def _comment_segments(archive) -> list[Segment]:
    segments = []
    for name in sorted(n for n in archive.namelist() if n.startswith("ppt/comments/") and n.endswith(".xml")):
        root = read_xml(archive, name)
        if root is None:
            continue
        for number, text in enumerate((" ".join(el.itertext()).strip() for el in root.iter("{*}text")), start=1):
            if text:
                segments.append(Segment(text, Place(label=f"comment {number} ({name.rsplit('/', 1)[-1]})")))
    return segments


def _pictures(deck, archive) -> Iterator[pictures.Picture]:
    """Each slide's pictures (and its notes' ones) with the slide number, then the rest of ppt/media/
    (masters, layouts, unreferenced files) without one."""
    placed: set[str] = set()
    for number, slide in enumerate(deck.slides, start=1):
        parts = [slide.part] + ([slide.notes_slide.part] if slide.has_notes_slide else [])
        for part in parts:
            for rel in part.rels.values():
                if rel.reltype != RT.IMAGE or rel.is_external:
                    continue
                name = rel.target_part.partname.lstrip("/")
                placed.add(name)
                yield pictures.Picture(name, rel.target_part.blob, slide=number)
    yield from pictures.package_pictures(archive, "ppt/media/", skip=placed)


@register("pptx")
def extract_pptx(data: bytes) -> ContainerExtraction:
    archive = open_package(data)
    try:
        deck = pptx.Presentation(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise ExtractionError(f"PowerPoint 文件已损坏：{exc} (damaged PPTX)") from exc
    segments: list[Segment] = []
    for number, slide in enumerate(deck.slides, start=1):
        paragraph = 0
        for text, table, row, column in _shape_texts(slide.shapes):
            if table is None:
                paragraph += 1
                segments.append(Segment(text, Place(slide=number, paragraph=paragraph)))
            else:
                segments.append(Segment(text, Place(slide=number, table=table, row=row, column=column)))
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None:
                for p, para in enumerate((p for p in notes.paragraphs if p.text.strip()), start=1):
                    segments.append(Segment(para.text, Place(slide=number, label="notes", paragraph=p)))
    # Masters and layouts hold text shown on every slide (a mark in the footer of the master).
    # Their title/body/date placeholders hold only prompts ("Click to edit"); footers are kept.
    for m, master in enumerate(deck.slide_masters, start=1):
        shapes = [s for s in master.shapes
                  if not s.is_placeholder or s.placeholder_format.type == PP_PLACEHOLDER.FOOTER]
        for text, *_ in _shape_texts(shapes):
            segments.append(Segment(text, Place(label=f"slide master {m}")))
    segments.extend(_comment_segments(archive))
    segments.extend(property_segments(archive))
    early.text_so_far(segments)  # looked at before OCR starts, in case a limit stops it
    found = pictures.read_pictures(_pictures(deck, archive))
    segments.extend(found.segments)
    return ContainerExtraction(type="pptx", segments=segments, members=embedded_members(archive),
                               unread=found.unread, properties={"slides": len(deck.slides), **found.properties})
