"""Legacy PowerPoint presentations (.ppt, .pps, .pot): the record tree of [MS-PPT] walked for its text,
slide by slide (slide text, then speaker notes), then masters and the presentation's own strings."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import olefile

from scanner.errors import ExtractionError
from scanner.extract.members import Place
from scanner.extract.ole import open_ole, property_segments, read_stream
from scanner.extract.registry import register
from scanner.model import Extraction, Protection, Segment

_STREAM = "PowerPoint Document"
_MAX_DEPTH = 32  # slides nest drawings, groups and shapes a dozen deep at most
# Record types ([MS-PPT] 2.13.24).
_DOCUMENT, _SLIDE, _NOTES, _MAIN_MASTER, _HANDOUT = 0x03E8, 0x03EE, 0x03F0, 0x03F8, 0x0FC9
_SLIDE_LIST, _SLIDE_PERSIST, _NOTES_ATOM, _PERSIST_DIRECTORY = 0x0FF0, 0x03F3, 0x03F1, 0x1772
_TEXT_CHARS, _TEXT_BYTES, _CSTRING, _PLACEHOLDER, _SHAPE = 0x0FA0, 0x0FA8, 0x0FBA, 0x0BC3, 0xF004
_PROG_TAGS, _HEADERS_FOOTERS, _COMMENT, _HYPERLINK = 0x1388, 0x0FD9, 0x2EE0, 0x0FD7
_LABELLED = (_SLIDE_LIST, _HEADERS_FOOTERS, _COMMENT, _HYPERLINK)
# On masters, placeholders hold prompts ("Click to edit Master title style"): title, body, centred title,
# subtitle, notes slide image, notes body (PlaceholderEnum 0x01-0x06); date and slide number (0x07, 0x08)
# hold a field. Footer and header placeholders (0x09, 0x0A) keep real text and are read.
_PROMPTS = frozenset(range(1, 9))
_ENCRYPTED_TOKEN = 0xF3D1C4DF  # CurrentUserAtom.headerToken of an encrypted presentation
# \r ends a paragraph, \x0b is a line break; other control characters stand for no text.
_CLEAN = str.maketrans({**{c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}, 0x0B: "\n"})


def _damaged(zh: str, en: str) -> ExtractionError:
    return ExtractionError(f"旧版 PowerPoint 文件已损坏：{zh} (damaged .ppt: {en})")


@dataclass
class _Text:
    text: str
    placeholder: int | None  # PlaceholderEnum of the shape holding it
    container: int | None  # the nearest slide list, headers/footers, comment or hyperlink around it
    instance: int  # that container's recInstance (slide list: 0 slides, 1 masters, 2 notes)
    string: int | None  # a CString's own recInstance; None for text atoms
    persist: int | None  # in a slide list: the SlidePersistAtom it follows (index in persists)


@dataclass
class _Found:
    """What the walk of one top-level record found, in stream order."""

    texts: list[_Text] = field(default_factory=list)
    persists: list[tuple[int, int, int]] = field(default_factory=list)  # slide list instance, persist id, slide id
    notes_of: int | None = None  # a notes page's slide id


def _records(data: bytes, start: int, end: int, top: bool = False):
    pos = start
    while pos < end:
        if pos + 8 > end:
            if top and not any(data[pos:end]):
                return  # zero padding after the last record
            raise _damaged("记录头不完整", f"record header cut at {pos}")
        head, kind, length = struct.unpack_from("<HHI", data, pos)
        if pos + 8 + length > end:
            raise _damaged("记录超出其容器，文件可能被截断", f"record at {pos} past its container: truncated?")
        yield head & 0xF, head >> 4, kind, pos + 8, pos + 8 + length
        pos += 8 + length


def _walk(data: bytes, start: int, end: int, found: _Found, depth: int = 0,
          shape: list | None = None, where: tuple[int | None, int] = (None, 0)) -> None:
    """Collect text atoms and strings with their shape's placeholder type and their labelled container."""
    for version, instance, kind, a, b in _records(data, start, end):
        if version == 0xF:
            if kind == _PROG_TAGS:
                continue  # program tags ("___PPT10") hold the program's data, not the author's text
            if depth >= _MAX_DEPTH:
                raise _damaged("记录嵌套过深", "records nested too deep")
            _walk(data, a, b, found, depth + 1, [None] if kind == _SHAPE else shape,
                  (kind, instance) if kind in _LABELLED else where)
        elif kind in (_TEXT_CHARS, _TEXT_BYTES, _CSTRING):
            raw = data[a:b]
            text = raw.decode("latin-1") if kind == _TEXT_BYTES else raw.decode("utf-16-le", "replace")
            persist = len(found.persists) - 1 if where[0] == _SLIDE_LIST and found.persists else None
            found.texts.append(_Text(text, shape[0] if shape else None, where[0], where[1],
                                     instance if kind == _CSTRING else None, persist))
        elif kind == _PLACEHOLDER and b - a >= 5 and shape is not None:
            shape[0] = data[a + 4]
        elif kind == _SLIDE_PERSIST and b - a >= 16 and where[0] == _SLIDE_LIST:
            persist, _, _, slide_id = struct.unpack_from("<IIII", data, a)
            found.persists.append((where[1], persist, slide_id))
        elif kind == _NOTES_ATOM and b - a >= 4:
            found.notes_of = struct.unpack_from("<I", data, a)[0]


def _persist_directory(data: bytes, a: int, b: int, offsets: dict[int, int]) -> None:
    """PersistDirectoryAtom: runs of (first persist id, count) and a stream offset for each."""
    pos = a
    while pos + 4 <= b:
        head = struct.unpack_from("<I", data, pos)[0]
        first, count = head & 0xFFFFF, head >> 20
        if pos + 4 + 4 * count > b:
            raise _damaged("持久化目录不完整", "PersistDirectoryAtom cut short")
        for i, offset in enumerate(struct.unpack_from(f"<{count}I", data, pos + 4)):
            offsets[first + i] = offset
        pos += 4 + 4 * count


def _lines(text: str) -> list[str]:
    """Paragraphs of a text; a lone "*" is a date or slide-number field."""
    return [p for p in text.translate(_CLEAN).split("\r") if p.strip() and p.strip() != "*"]


def _string_place(item: _Text, slide: int | None) -> Place | None:
    """Where a string stands: header and footer text, comments, hyperlinks; None for a comment's author."""
    if item.container == _HEADERS_FOOTERS and item.string in (1, 2):
        return Place(part="header" if item.string == 1 else "footer", slide=slide)
    if item.container == _HEADERS_FOOTERS:
        return Place(slide=slide, label="date")
    if item.container == _COMMENT:
        return Place(slide=slide, label="comment") if item.string == 1 else None
    return Place(slide=slide, label="hyperlink" if item.container == _HYPERLINK else "string")


def _segments(found: _Found, slide: int | None, label: str | None, master: bool, first: int = 1) -> list[Segment]:
    """A slide's, a notes page's or a master's shape text (paragraphs numbered from `first`), then strings."""
    segments: list[Segment] = []
    strings: list[Segment] = []
    paragraph = first - 1
    for item in found.texts:
        if item.container == _SLIDE_LIST:
            continue
        if item.string is not None or item.container is not None:
            place = _string_place(item, slide)
            if place is not None:
                strings.extend(Segment(line, place) for line in _lines(item.text))
        elif not (master and item.placeholder in _PROMPTS):
            for line in _lines(item.text):
                paragraph += 1
                segments.append(Segment(line, Place(slide=slide, paragraph=paragraph, label=label)))
    return segments + strings


class _Deck:
    """The walked stream: each top-level record's texts, slide numbers by offset and by slide id."""

    def __init__(self, data: bytes):
        self.tops: list[tuple[int, int, _Found]] = []
        offsets: dict[int, int] = {}
        for version, _, kind, a, b in _records(data, 0, len(data), top=True):
            found = _Found()
            if kind == _PERSIST_DIRECTORY:
                _persist_directory(data, a, b, offsets)  # later ones (incremental saves) win
            elif version == 0xF:
                _walk(data, a, b, found)
            self.tops.append((a - 8, kind, found))
        documents = [found for _, kind, found in self.tops if kind == _DOCUMENT]
        if not documents:
            raise _damaged("没有文档记录（DocumentContainer）", "no DocumentContainer")
        self.document = documents[-1]  # an incremental save appends a new one
        slides = [(p, s) for instance, p, s in self.document.persists if instance == 0]
        self.slide_at = {offsets[p]: n for n, (p, _) in enumerate(slides, start=1) if p in offsets}
        self.slide_of_id = {s: n for n, (_, s) in enumerate(slides, start=1)}
        self.count = len(slides)

    def segments(self) -> list[Segment]:
        slides: dict[int, list[Segment]] = {n: [] for n in range(1, self.count + 1)}
        notes: dict[int, list[Segment]] = {}
        rest: list[Segment] = []
        # PowerPoint keeps placeholder text in the slide list, other shapes' text in the slide itself.
        for item in self.document.texts:
            if item.container == _SLIDE_LIST and item.instance == 0 and item.persist is not None:
                number = self.slide_of_id.get(self.document.persists[item.persist][2])
                if number is not None:
                    slides[number].extend(Segment(line, Place(slide=number, paragraph=len(slides[number]) + 1))
                                          for line in _lines(item.text))
        masters = 0
        for pos, kind, found in self.tops:
            if kind == _SLIDE:
                number = self.slide_at.get(pos)
                if number is None:  # left behind by an incremental save, still in the file
                    rest.extend(_segments(found, None, "slide not in the slide list", master=False))
                else:
                    slides[number].extend(_segments(found, number, None, False, len(slides[number]) + 1))
            elif kind == _NOTES:
                number = self.slide_of_id.get(found.notes_of) if found.notes_of is not None else None
                if number is None:
                    rest.extend(_segments(found, None, "notes master", master=True))
                else:
                    notes.setdefault(number, []).extend(_segments(found, number, "notes", master=False))
            elif kind in (_MAIN_MASTER, _HANDOUT):
                masters += kind == _MAIN_MASTER
                label = f"slide master {masters}" if kind == _MAIN_MASTER else "handout master"
                rest.extend(_segments(found, None, label, master=True))
            elif kind != _DOCUMENT or found is self.document:
                rest.extend(_segments(found, None, "string", master=False))
        ordered: list[Segment] = []
        for n in sorted(slides):
            ordered.extend(slides[n])
            ordered.extend(notes.get(n, []))
        return ordered + rest


def _encrypted(ole: olefile.OleFileIO) -> bool:
    if ole.exists("EncryptedSummary"):
        return True
    if ole.exists("Current User"):
        with ole.openstream("Current User") as fh:
            head = fh.read(16)
        return len(head) >= 16 and struct.unpack_from("<I", head, 12)[0] == _ENCRYPTED_TOKEN
    return False


@register("ppt")
def extract_ppt(data: bytes) -> Extraction:
    try:
        return _extract(data)
    except (OSError, ValueError, IndexError, KeyError, struct.error) as exc:  # olefile on a damaged container
        raise _damaged(f"{type(exc).__name__}: {exc}", f"{type(exc).__name__}: {exc}") from exc


def _extract(data: bytes) -> Extraction:
    with open_ole(data, _damaged) as ole:
        if not ole.exists(_STREAM):
            raise _damaged("缺少 PowerPoint Document 数据流", "no PowerPoint Document stream")
        if _encrypted(ole):
            return Extraction(type="ppt", protection=Protection(encrypted=True, method="ppt-rc4", needs_password=True))
        stream = read_stream(ole, _STREAM, _damaged)
        properties, unread = property_segments(ole)
    deck = _Deck(stream)
    return Extraction(type="ppt", segments=deck.segments() + properties, unread=unread,
                      properties={"slides": deck.count})
