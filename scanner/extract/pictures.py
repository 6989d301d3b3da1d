"""Pictures inside documents (DOCX, PPTX, XLSX, inline e-mail pictures), read by OCR.

Vector pictures (EMF, WMF, SVG and their gzipped forms) are skipped and only noted in the
properties: nearly every Office file carries some (bullets, charts pasted as pictures, icons),
PIL cannot draw them off Windows, and failing closed on them would block almost every document.
(An SVG comes with a PNG twin, which is read.) Media that are not pictures at all (video, audio
in ppt/media) are skipped the same way. A raster picture that PIL recognises but cannot decode
is unread: Word may still show it, so the item fails closed.
"""

from __future__ import annotations

import hashlib
import io
import struct
from typing import Callable, Iterable, Iterator, NamedTuple

from scanner.errors import ExtractionError, LimitExceededError
from scanner.extract import limits as item_limits
from scanner.extract import ocr
from scanner.extract.members import Place
from scanner.extract.ocr import OcrLimits
from scanner.extract.registry import register
from scanner.model import Extraction, Segment

MIN_PICTURE_SIDE = 24  # pixels: below this no line of text is legible
_VECTOR_SUFFIXES = (".emf", ".wmf", ".emz", ".wmz", ".svg")


class Picture(NamedTuple):
    """One picture in a document: its part name, its bytes and where it stands (slide, sheet, cell, page)."""

    name: str
    data: bytes
    slide: int | None = None
    sheet: str | None = None
    cell: str | None = None
    problem: str | None = None  # why the bytes could not be taken out of the package
    page: int | None = None  # a picture on a PDF page


class PicturesRead(NamedTuple):
    """What OCR found in a document's pictures, what it could not read, and counts for the properties.

    `properties["limits"]` holds the part of `unread` due to a limit (OCR time, pages, pixels, the
    item's max_seconds): the item's problem is then scan.limit.
    """

    segments: list[Segment]
    unread: list[str]
    properties: dict


def package_picture(archive, name: str, **where) -> Picture:
    """One picture taken out of an Office package (a zipfile), read no further than max_file_size."""
    cap = item_limits.current().max_file_size
    too_big = f"图片大于 {cap} 字节 (picture over max_file_size)"
    try:
        info = archive.getinfo(name)
        if info.file_size > cap:
            return Picture(name, b"", problem=too_big, **where)
        with archive.open(info) as fh:
            data = fh.read(cap + 1)
    except Exception as exc:  # missing, bad CRC, unknown compression: the picture cannot be checked
        return Picture(name, b"", problem=f"无法读取 (cannot read): {type(exc).__name__}: {exc}", **where)
    if len(data) > cap:
        return Picture(name, b"", problem=too_big, **where)
    return Picture(name, data, **where)


def package_pictures(archive, folder: str, skip: Iterable[str] = ()) -> Iterator[Picture]:
    """Every file under `folder` of an Office package (word/media/...), but those named in `skip`.

    Unreferenced media count too: they still travel with the file to its recipient.
    """
    skip = set(skip)
    for info in archive.infolist():
        if info.filename.startswith(folder) and not info.is_dir() and info.filename not in skip:
            yield package_picture(archive, info.filename)


def _is_vector(name: str, data: bytes) -> bool:
    head = data[:64]
    return (name.lower().endswith(_VECTOR_SUFFIXES)
            or head[40:44] == b" EMF"  # EMF header record
            or head[:4] == b"\xd7\xcd\xc6\x9a"  # placeable WMF
            or (head[:2] in (b"\x01\x00", b"\x02\x00") and head[2:4] == b"\x09\x00")  # plain WMF
            or head.lstrip().startswith((b"<svg", b"<?xml")))


_EMR_EXTTEXTOUTW = 84
_EMR_COMMENT = 70
_EMFPLUS_DRAWSTRING = 0x401C
_MAX_EMF_LINES = 10_000


def emf_lines(data: bytes) -> list[str]:
    """The text an EMF picture draws (a range pasted from Excel, a chart, a Visio drawing): its
    EMR_EXTTEXTOUTW records ([MS-EMF] 2.3.5.8) and EMF+ DrawString records ([MS-EMFPLUS] 2.3.4.14),
    runs on one baseline joined left to right, lines top to bottom. Every size is bounds-checked;
    a record that does not fit ends the walk (what was read so far is kept)."""
    if data[:2] == b"\x1f\x8b":  # EMZ: a gzipped EMF, inflated within ten times the picture's size
        import zlib

        try:
            data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, 10 * len(data) + 1_000_000)
        except zlib.error:
            return []
    if len(data) < 88 or data[40:44] != b" EMF":
        return []
    runs: list[tuple[int, int, str]] = []  # (y, x, text)
    pos = 0
    while pos + 8 <= len(data) and len(runs) < _MAX_EMF_LINES:
        kind, size = struct.unpack_from("<II", data, pos)
        if size < 8 or pos + size > len(data) or size % 4:
            break
        record = data[pos:pos + size]
        if kind == _EMR_EXTTEXTOUTW and size >= 76:
            x, y, count, offset = struct.unpack_from("<iiII", record, 36)
            if 0 < count and offset + 2 * count <= size:
                runs.append((y, x, record[offset:offset + 2 * count].decode("utf-16-le", "replace")))
        elif kind == _EMR_COMMENT and size >= 16 and record[12:16] == b"EMF+":
            runs.extend(_emfplus_strings(record[16:]))
        pos += size
    return _lines(runs)


_WMF_TEXTOUT, _WMF_EXTTEXTOUT, _WMF_CREATEFONT = 0x0521, 0x0A32, 0x02FB
# Font charsets (LOGFONT lfCharSet) of the East Asian code pages a WMF writes 8-bit text in.
_CHARSETS = {128: "cp932", 129: "cp949", 134: "gb18030", 136: "big5"}


def wmf_lines(data: bytes) -> list[str]:
    """The text a WMF picture draws ([MS-WMF] META_TEXTOUT, META_EXTTEXTOUT): 8-bit text in the code
    page of the font's charset (GB2312 fonts in a Chinese office), else GB18030 when it decodes, else cp1252."""
    pos = 22 if data[:4] == b"\xd7\xcd\xc6\x9a" else 0  # the placeable header
    if len(data) < pos + 18 or data[pos:pos + 2] not in (b"\x01\x00", b"\x02\x00"):
        return []
    pos += 2 * struct.unpack_from("<H", data, pos + 2)[0]
    runs: list[tuple[int, int, bytes]] = []
    codec = None
    while pos + 6 <= len(data) and len(runs) < _MAX_EMF_LINES:
        words, function = struct.unpack_from("<IH", data, pos)
        size = 2 * words
        if words < 3 or pos + size > len(data):
            break
        record = data[pos:pos + size]
        if function == _WMF_CREATEFONT and size >= 6 + 18 and codec is None:
            # LogFont: height, width, escapement, orientation, weight (2 bytes each), italic,
            # underline, strike-out, then the charset byte.
            codec = _CHARSETS.get(record[6 + 13])
        elif function == _WMF_TEXTOUT and size >= 8:
            count = struct.unpack_from("<h", record, 6)[0]
            end = 8 + count + (count & 1)
            if 0 < count and end + 4 <= size:
                y, x = struct.unpack_from("<hh", record, end)
                runs.append((y, x, record[8:8 + count]))
        elif function == _WMF_EXTTEXTOUT and size >= 14:
            y, x, count, options = struct.unpack_from("<hhhH", record, 6)
            start = 14 + (8 if options & 0x0006 else 0)  # a clipping/opaquing rectangle comes first
            if 0 < count and start + count <= size:
                runs.append((y, x, record[start:start + count]))
        pos += size
    return _lines([(y, x, _decode_8bit(text, codec)) for y, x, text in runs])


def _decode_8bit(text: bytes, codec: str | None) -> str:
    for name in ([codec] if codec else []) + ["gb18030"]:
        try:
            return text.decode(name)
        except UnicodeDecodeError:
            continue
    return text.decode("cp1252", "replace")


def _emfplus_strings(block: bytes) -> list[tuple[int, int, str]]:
    found, pos = [], 0
    while pos + 12 <= len(block):
        kind, _flags, size, data_size = struct.unpack_from("<HHII", block, pos)
        if size < 12 or pos + size > len(block):
            break
        if kind == _EMFPLUS_DRAWSTRING and data_size >= 28:
            length = struct.unpack_from("<I", block, pos + 20)[0]
            x, y = struct.unpack_from("<ff", block, pos + 24)
            start = pos + 40
            if 0 < length and start + 2 * length <= pos + size:
                found.append((int(y), int(x), block[start:start + 2 * length].decode("utf-16-le", "replace")))
        pos += size
    return found


def _lines(runs: list[tuple[int, int, str]]) -> list[str]:
    """Runs on (nearly) one baseline form a line; a marking split over font runs (机密★ / 5 / 年) is whole again."""
    lines: list[tuple[int, list[tuple[int, str]]]] = []
    for y, x, text in sorted(runs):
        text = text.replace("\x00", "")
        if not text.strip():
            continue
        if lines and abs(y - lines[-1][0]) <= 2:
            lines[-1][1].append((x, text))
        else:
            lines.append((y, [(x, text)]))
    return ["".join(t for _, t in sorted(parts)).strip() for _, parts in lines]


def _open_picture(data: bytes):
    """A PIL image (header read, pixels not yet decoded), or None when the bytes are no picture PIL knows."""
    from PIL import Image, UnidentifiedImageError

    try:
        return Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        return None
    except Image.DecompressionBombError as exc:
        raise LimitExceededError(f"图片像素过多 (picture too many pixels): {exc}") from exc
    except Exception as exc:
        if _is_vector("", data):
            return None  # an EMF or WMF header PIL trips over: a vector picture all the same
        raise ExtractionError(f"图片无法解析：{type(exc).__name__}: {exc} (cannot parse picture)") from exc


def _picture_array(image, limits: OcrLimits):
    """The first frame (what a document shows) as RGB, transparency laid on white as on a page."""
    import numpy as np
    from PIL import Image

    width, height = image.size
    if width * height > limits.max_pixels:
        raise LimitExceededError(
            f"图片 {width}×{height} 像素超过文字识别上限 {limits.max_pixels} (picture over OCR max_pixels)")
    try:
        image.seek(0)
        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            # A stamp pasted with a transparent background: converting straight to RGB would turn
            # the background black and hide black text.
            rgba = image.convert("RGBA")
            page = Image.new("RGBA", rgba.size, "white")
            page.alpha_composite(rgba)
            array = np.array(page.convert("RGB"))
        else:
            array = np.array(image.convert("RGB"))
    except Exception as exc:
        raise ExtractionError(f"图片无法解码：{type(exc).__name__}: {exc} (cannot decode picture)") from exc
    return _pad_short_side(array)


DETECT_SIDE = 736  # RapidOCR's detector scales the short side up to this (its `limit_side_len`)


def _pad_short_side(array):
    """Pad a strip-shaped picture with white below or to the right, up to min(long side, 736).

    The detector scales the short side to 736 pixels: a 420×80 line of text would grow to
    3864×736 and take five to ten times as long as the same line padded to 420×420 (measured
    on two cores: 1.2-2 s against 0.2 s), with nothing gained. Coordinates are kept, so line
    order is too.
    """
    import numpy as np

    height, width = array.shape[:2]
    target = min(max(height, width), DETECT_SIDE)
    if height < width and height < target:
        return np.pad(array, ((0, target - height), (0, 0), (0, 0)), constant_values=255)
    if width < height and width < target:
        return np.pad(array, ((0, 0), (0, target - width), (0, 0)), constant_values=255)
    return array


def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def read_pictures(pictures: Iterable[Picture | tuple], limits: OcrLimits | None = None,
                  covered: Callable[[Picture], bool] | None = None) -> PicturesRead:
    """OCR a document's pictures, each identical picture once, at most `max_pages` of them.

    Lines found become segments placed at the picture (`picture image1.png, line 2`, with the
    slide or sheet); a picture with no text adds nothing. Pictures beyond `max_pages`, or that
    fail to decode or time out, are unread, and the item then fails closed. Off (`ocr_pictures =
    false`), nothing is read; without an OCR engine, one unread note says pictures were not read.

    `covered(picture)` is True for a picture whose text the document already carries in a text
    layer (a figure on a PDF page full of text, see pdf.py): one beyond `max_pages` is recorded in
    `skipped` and does not make the item unreadable.
    """
    if not item_limits.current().ocr_pictures:
        return PicturesRead([], [], {})
    limits = limits or OcrLimits.configured()
    segments: list[Segment] = []
    unread: list[str] = []
    limited: list[str] = []
    counts = {"found": 0, "ocr": 0, "repeated": 0, "skipped": []}
    over: list[str] = []
    seen: set[bytes] = set()
    stopped = None  # why no more pictures are read: the engine busy with one past its time, or the item's time up
    for picture in pictures:
        picture = Picture(*picture)
        counts["found"] += 1
        if picture.problem:
            unread.append(f"图片 {picture.name}: {picture.problem}")
            continue
        digest = hashlib.sha256(picture.data).digest()
        if digest in seen:
            counts["repeated"] += 1  # a logo on every slide: its text is reported where it first stands
            continue
        seen.add(digest)
        where = f"图片 {picture.name}"
        try:
            image = _open_picture(picture.data)
            # Judged by content, not by name: a screenshot saved as image1.emf is still read.
            if image is None or image.format == "WMF":  # PIL names EMF "WMF" too, and cannot draw either
                texts = emf_lines(picture.data) or wmf_lines(picture.data)
                if texts:  # a vector picture that draws text: read it from its records, no OCR needed
                    counts["vector_text"] = counts.get("vector_text", 0) + 1
                    label = f"picture {_short(picture.name)}"
                    segments.extend(Segment(text, Place(page=picture.page, slide=picture.slide, sheet=picture.sheet,
                                                        cell=picture.cell, label=label, line=number))
                                    for number, text in enumerate(texts, start=1))
                    continue
                kind = "vector" if _is_vector(picture.name, picture.data) else "not a picture"
                counts["skipped"].append(f"{picture.name}: {kind}")
                continue
            if min(image.size) < MIN_PICTURE_SIDE:
                counts["skipped"].append(f"{picture.name}: too small")
                continue
            if not ocr.available():
                unread.append(f"文档中的图片未经文字识别，其中的文字未检查 (pictures in the document not OCR'd, "
                              f"their text unchecked): {ocr.unavailable_reason()}")
                return PicturesRead(segments, unread, {"pictures": counts})
            if stopped is None and counts["ocr"] < limits.max_pages:
                try:
                    item_limits.check_time()
                except LimitExceededError as exc:
                    stopped = f"未识别 (not OCR'd): {exc}"
            if stopped is None and counts["ocr"] >= limits.max_pages and covered is not None and covered(picture):
                counts["skipped"].append(f"{picture.name}: over OCR max_pages, its page has a text layer")
                continue
            if stopped is not None or counts["ocr"] >= limits.max_pages:
                over.append(picture.name)
                continue
            counts["ocr"] += 1
            array = _picture_array(image, limits)
            lines = ocr.recognise(array, limits)
        except LimitExceededError as exc:
            limited.append(f"{where}: {exc}")
            if "page_seconds" in str(exc):
                stopped = "前一张图片文字识别超时，未识别 (not OCR'd after a timeout)"
            continue
        except Exception as exc:  # a damaged picture Word would still try to show: fail closed
            unread.append(f"{where}: 文字识别失败 (OCR failed): {type(exc).__name__}: {exc}")
            continue
        label = f"picture {_short(picture.name)}"
        segments.extend(Segment(text, Place(page=picture.page, slide=picture.slide, sheet=picture.sheet, cell=picture.cell,
                                            label=label, line=number))
                        for number, (text, _, _) in enumerate(lines, start=1))
    if over:
        shown = "、".join(over[:10]) + ("…" if len(over) > 10 else "")
        reason = stopped or f"超过文字识别页数上限 {limits.max_pages}，未识别 (pictures over OCR max_pages)"
        limited.append(f"{len(over)} 张图片 {shown} {reason}")
    properties = {"pictures": counts} if counts["found"] else {}
    if limited:
        properties["limits"] = limited
    return PicturesRead(segments, unread + limited, properties)


@register("emf", "wmf")
def extract_vector_picture(data: bytes) -> Extraction:
    """A vector picture sent on its own (a chart or a pasted table saved as .emf/.wmf): the text it
    draws, read from its records. One that draws no text is blocked as having no text (scan.no_text),
    like an image in which OCR finds none: what it shows cannot be checked."""
    lines = emf_lines(data) if data[40:44] == b" EMF" else wmf_lines(data)
    kind = "emf" if data[40:44] == b" EMF" else "wmf"
    return Extraction(type=kind, segments=[Segment(text, Place(label="picture", line=number))
                                           for number, text in enumerate(lines, start=1)],
                      properties={"vector_text_lines": len(lines)})
