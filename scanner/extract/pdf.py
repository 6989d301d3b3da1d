"""PDF with pypdf: the text of every page, what else it carries, and whether a password is needed to read it."""

from __future__ import annotations

import io
import logging
import re
from typing import NamedTuple

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from scanner.errors import ExtractionError
from scanner.extract import early, ocr, pictures
from scanner.extract import limits as item_limits
from scanner.extract.members import ContainerExtraction, Place
from scanner.extract.pdf_parts import annotation_segments, attached_files, form_segments, info_segments, xmp_segments
from scanner.extract.pdf_streams import check_streams
from scanner.extract.pdf_text import (SHOW_OPERATORS, SecondReader, ShownBytes, better_texts, doubtful, echoes,
                                      quality, two_byte_reading)
from scanner.extract.registry import register
from scanner.model import Extraction, Location, Protection, Segment

# pypdf logs what it repairs; a damaged file is reported on its item, not as console noise.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def _method(reader: PdfReader) -> str:
    encrypt = reader.trailer.get("/Encrypt")
    encrypt = encrypt.get_object() if encrypt is not None else {}
    version = int(encrypt.get("/V", 0))
    if version >= 5:
        return "pdf-aes256"
    filters = encrypt.get("/CF", {})
    methods = {str(f.get_object().get("/CFM", "")) for f in filters.values()} if filters else set()
    if "/AESV2" in methods:
        return "pdf-aes128"
    return "pdf-rc4"


def _protection(reader: PdfReader) -> Protection:
    if not reader.is_encrypted:
        return Protection()
    method = _method(reader)
    # An owner password alone (empty user password) does not stop anyone reading.
    try:
        opened = reader.decrypt("")
    except (NotImplementedError, PdfReadError):
        opened = 0
    return Protection(encrypted=True, method=method, needs_password=not opened)


# Content-stream operators that paint: XObjects and inline images, filled or stroked paths
# (text drawn as outlines), shadings, and text. Setting a font or a matrix paints nothing.
_PAINT_OPERATOR = re.compile(rb"(?:^|[\s\])>])(?:Do|BI|sh|f\*?|F|B\*?|b\*?|S|s|Tj|TJ|'|\")(?=[\s\[(/<]|$)")


def _draws_something(page) -> bool:
    """Whether a page paints anything (an image, outlined text, shapes): blank pages hold nothing to read."""
    try:
        contents = page.get_contents()
        return contents is not None and _PAINT_OPERATOR.search(contents.get_data()) is not None
    except Exception:  # cannot tell: treat it as a page that may hold something
        return True


def page_ranges(numbers: list[int]) -> str:
    """1, 2, 3, 5 -> "1-3, 5": a scanned book names its pages briefly."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _extras(reader: PdfReader) -> tuple[list[Segment], list[str]]:
    """Document info, XMP and form fields; a part that fails is reported, not skipped silently."""
    segments: list[Segment] = []
    unread: list[str] = []
    for name, read in (("info", info_segments), ("XMP", xmp_segments), ("form fields", form_segments)):
        try:
            segments.extend(read(reader))
        except Exception as exc:
            unread.append(f"{name}: {type(exc).__name__}: {exc}")
    return segments, unread


# Which pictures on a page with a text layer may stay unread when a file has more pictures than
# scan.ocr_max_pages (the OCR budget). A text layer is what its page says: a picture beside plenty of
# text, smaller than a third of the page, is a figure, a chart, a logo; a file is not blocked as
# unreadable only for its figures. A picture may hold what the text layer lacks when its page has
# next to no text (a title or a page number over a pasted scan) or when a picture covers a third of
# the page or more (room for a page of text of its own): beyond the budget such a picture is unread
# and the file fails closed. Pages with no text layer at all are OCR'd whole and fail closed beyond
# the budget, as before. The budget goes first to page 1's pictures (a mark heads the first page),
# then to the pages whose pictures may hold text, then to the rest in page order.
FULL_PAGE_TEXT = 100  # non-blank characters: fewer is next to no text layer
LARGE_PICTURE = 1 / 3  # of the page's area


def _area(matrix) -> float:
    a, b, c, d = (float(x) for x in matrix[:4])
    return abs(a * d - b * c)


def _drawn_fractions(page, resources):
    """A visitor for pypdf's text extraction that keeps the largest share of the page an XObject
    (picture or form) is drawn over, from the transformation matrix at each `Do`."""
    largest = [0.0]
    try:
        box = page.mediabox
        page_area = max(float(box.width) * float(box.height), 1.0)
        xobjects = resources.get("/XObject", {}) if resources is not None else {}
        xobjects = xobjects.get_object() if hasattr(xobjects, "get_object") else xobjects
    except Exception:  # cannot tell: every picture on the page counts as large
        return None, [1.0]

    def visit(operator, operands, cm, tm):
        if operator != b"Do" or not operands:
            return
        try:
            area = _area(cm)
            xobject = xobjects[operands[0]].get_object()
            if xobject.get("/Subtype") == "/Form":  # drawn in its own box, not the unit square
                x0, y0, x1, y1 = (float(v) for v in xobject.get("/BBox", [0, 0, 1, 1]))
                area *= abs(x1 - x0) * abs(y1 - y0) * _area(xobject.get("/Matrix", [1, 0, 0, 1, 0, 0]))
        except Exception:
            area = page_area  # unknown: assume it covers the page
        largest[0] = max(largest[0], area / page_area)

    return visit, largest


class PagesRead(NamedTuple):
    segments: list[Segment]
    unread: list[str]
    textless: list[int]  # pages that paint something but hold no text
    covered: set[int]  # pages whose text layer vouches for their pictures (see FULL_PAGE_TEXT)
    garbled: list[int]  # pages whose text neither pypdf nor pdfium decodes
    pictured: set[int]  # pages that may hold pictures (see may_hold_pictures); the others have none


def _inline_images(seen: list[bool]):
    """A visitor that notes an inline image (BI … ID … EI) in the content stream it is shown."""

    def visit(operator, operands, cm, tm):
        if operator == b"INLINE IMAGE":
            seen[0] = True

    return visit


def may_hold_pictures(resources) -> bool:
    """Whether the page's resources name an image, or a form (which may draw one), among their XObjects.

    Cheap: pypdf's `page.images` parses the whole content stream again to look for inline images,
    which text extraction has already seen; a page of text without XObjects is not walked at all.
    """
    try:
        xobjects = resources.get("/XObject") if resources is not None else None
        if xobjects is None:
            return False
        xobjects = xobjects.get_object()
        return any(xobjects[name].get_object().get("/Subtype") in ("/Image", "/Form") for name in xobjects)
    except Exception:  # cannot tell: walk it
        return True


def _visitors(drawn, shown, inline):
    """One visitor for the page's operators: each of the three is handed only the operators it looks at
    (`Do`; the text-showing ones; an inline image), not every operator of the page."""

    def visit(operator, operands, cm, tm):
        if operator in SHOW_OPERATORS:
            shown(operator, operands, cm, tm)
        elif operator == b"Do":
            if drawn is not None:
                drawn(operator, operands, cm, tm)
        elif operator == b"INLINE IMAGE":
            inline(operator, operands, cm, tm)

    return visit


def read_pages(reader: PdfReader, pages, second: SecondReader | None = None) -> PagesRead:
    """Text and annotations per page, pypdf's text checked against pdfium's (`second`) where it
    reads badly; pages without text, with garbled text, and covered by their text returned apart."""
    segments: list[Segment] = []
    unread: list[str] = []
    textless: list[int] = []
    garbled: list[int] = []
    covered: set[int] = set()
    pictured: set[int] = set()
    read_any = False
    for number, page in enumerate(pages, start=1):
        try:
            resources = page.get("/Resources")
            resources = resources.get_object() if resources is not None else None
        except Exception:
            resources = None
        visit, largest = _drawn_fractions(page, resources)
        shown = ShownBytes()
        inline = [False]
        try:
            text = page.extract_text(visitor_operand_before=_visitors(visit, shown.visit, _inline_images(inline))) or ""
        except Exception as exc:  # one bad page is reported, the others still read
            unread.append(f"page {number}: {type(exc).__name__}: {exc}")
            pictured.add(number)
            # Still unread, but what pdfium reads there is looked at too (a mark on it is evidence).
            other = second.text(number) if second is not None else None
            if other and other.strip() and not quality(other).garbled:
                segments.append(Segment(other, Location(page=number)))
            continue
        read_any = True
        if inline[0] or may_hold_pictures(resources):
            pictured.add(number)
        texts = [text] if text.strip() else []
        draws = not texts and _draws_something(page)
        if second is not None and (doubtful(text, shown.count) or draws):
            texts, unsure = better_texts(text, second.text(number))
            recovered = two_byte_reading(text, shown.strings)
            # A two-byte font read a byte at a time: its codes read as Unicode, besides (glyph numbers
            # would read as Chinese too, so whether the page still needs OCR is left as it was).
            if recovered is not None:
                texts = texts + [recovered]
            if unsure and texts:  # neither reader decodes it: read like a page without text (OCR)
                garbled.append(number)
        if texts:
            segments.extend(Segment(t, Location(page=number)) for t in texts)
            if len("".join("".join(texts).split())) >= FULL_PAGE_TEXT and largest[0] < LARGE_PICTURE \
                    and number not in garbled:
                covered.add(number)
        elif draws:
            textless.append(number)
        try:
            segments.extend(annotation_segments(page, number))
        except Exception as exc:
            unread.append(f"page {number} annotations: {type(exc).__name__}: {exc}")
    if unread and not read_any:
        raise ExtractionError(f"PDF 页面无法读取 (no page could be read): {unread[0]}")
    return PagesRead(segments, unread, textless, covered, garbled, pictured)


def _page_pictures(pages, numbers: list[int]):
    """The pictures placed on the given pages (pypdf hands each as an encoded PNG/JPEG), with the page."""
    if not item_limits.current().ocr_pictures:
        return
    for number in numbers:
        try:
            images = list(pages[number - 1].images)
        except Exception as exc:  # a page whose resources pypdf cannot walk: its pictures are unchecked
            yield pictures.Picture(f"page {number}", b"", problem=f"图片无法取出 (pictures cannot be taken out): "
                                                                  f"{type(exc).__name__}: {exc}", page=number)
            continue
        for image in images:
            try:
                yield pictures.Picture(image.name, image.data, page=number)
            except Exception as exc:
                yield pictures.Picture(getattr(image, "name", "?"), b"", page=number,
                                       problem=f"图片无法解码 (picture cannot be decoded): {type(exc).__name__}: {exc}")


def textless_reason(pages: list[int]) -> str:
    return (f"第 {page_ranges(pages)} 页没有文字层，未经文字识别 "
            f"(page {page_ranges(pages)}: no text layer, not OCR'd)")


def _page_text(segments: list[Segment], number: int) -> str:
    return "\n".join(s.text for s in segments if s.location.page == number)


def garbled_reason(pages: list[int], ocr_tried: bool) -> str:
    zh, en = ("文字识别也未能读出", "nor by OCR") if ocr_tried else ("未经文字识别", "not OCR'd")
    return (f"第 {page_ranges(pages)} 页文字层无法解码（字体损坏？），{zh} "
            f"(page {page_ranges(pages)}: text layer cannot be decoded, damaged font?, {en})")


@register("pdf")
def extract_pdf(data: bytes) -> Extraction:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        protection = _protection(reader)
        if protection.needs_password:
            return Extraction(type="pdf", protection=protection)
        pages = reader.pages
        count = len(pages)
    except (PdfReadError, FileNotDecryptedError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ExtractionError(f"PDF 文件已损坏或无法解析：{exc} (damaged or unparsable PDF)") from exc
    if count == 0:
        raise ExtractionError("PDF 文件没有页面 (PDF has no pages)")
    # Before any reader inflates a stream (pdfium renders pages for OCR without a limit of its own).
    check_streams(reader, data)
    second = SecondReader(data)
    try:
        segments, unread, textless, covered, garbled, pictured = read_pages(reader, pages, second)
    finally:
        second.close()
    extra, extra_unread = _extras(reader)
    limited: list[str] = []
    # The text layer (and the document's info) first: a limit that stops OCR later keeps its marks.
    early.text_so_far(segments + extra)
    unseen = sorted(set(textless) | set(garbled))
    if unseen:
        if ocr.available():
            read = ocr.ocr_pdf_pages(data, unseen)
            # A garbled page on which OCR reads nothing, or only the garbage again (the broken font is
            # drawn as such), stays unread: some other reader's font handling may still show its text.
            unsure = [n for n in garbled if not any(f"page {n}" in u for u in read.unread) and echoes(
                _page_text(read.segments, n), _page_text(segments, n))]
            unread.extend([garbled_reason(unsure, True)] if unsure else [])
            # Pages in order, OCR'd ones among the others: a mark heads the page it stands on.
            segments = sorted(segments + read.segments, key=lambda s: s.location.page or 0)
            unread.extend(read.unread)
            limited.extend(read.limits)
            early.text_so_far(segments + extra)
        else:
            unread.extend([textless_reason(textless)] if textless else [])
            unread.extend([garbled_reason(garbled, False)] if garbled else [])
    # Pictures on pages that have text (a pasted screenshot, a scanned stamp): read like pictures in
    # a Word file. Pages without text were read whole by OCR above.
    with_text = [n for n in range(1, count + 1) if n not in unseen and n in pictured]
    order = sorted(with_text, key=lambda n: (n != 1, n in covered, n))
    found = pictures.read_pictures(_page_pictures(pages, order), covered=lambda picture: picture.page in covered)
    segments = sorted(segments + found.segments, key=lambda s: s.location.page or 0)
    unread.extend(found.unread)
    segments.extend(extra)
    unread.extend(extra_unread)
    properties = {"pages": count, **found.properties}
    limited.extend(found.properties.get("limits", []))
    if limited:
        properties["limits"] = limited
    if second.asked:
        properties["pdfium_pages"] = second.asked  # pages read a second time (pypdf's text looked wrong)
    if garbled:
        properties["garbled_pages"] = garbled
    if textless:
        properties["textless_pages"] = textless
    if unseen:
        properties["ocr"] = ocr.available()
    members = attached_files(reader)
    if not members:
        return Extraction(type="pdf", segments=segments, protection=protection, unread=unread, properties=properties)
    # The names of attached files are text too, and keep a PDF with attachments from looking empty.
    segments.extend(Segment(m.name, Place(part="metadata", label="attached files", line=n))
                    for n, m in enumerate(members, start=1))
    properties["attachments"] = len(members)
    return ContainerExtraction(type="pdf", segments=segments, protection=protection, unread=unread,
                               properties=properties, members=members)
