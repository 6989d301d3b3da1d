"""Legacy PowerPoint presentations (.ppt, .pps, .pot): the record tree of [MS-PPT] walked for its text,
slide by slide (slide text, then speaker notes), then masters and the presentation's own strings."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

import olefile

from scanner.errors import ExtractionError, LimitExceededError
from scanner.extract import limits
from scanner.extract.members import ContainerExtraction, Member, Place
from scanner.extract.ole_streams import open_ole, property_segments, read_stream
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
# An embedded object's compound file (ExOleObjStg, recInstance 1: zlib after a 4-byte size) and the
# macro project's, which has the same record type and is told apart by VBAInfoAtom's persist id.
_OLE_STORAGE, _VBA_INFO = 0x1011, 0x0400
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
    vba: int | None = None  # the macro project's persist id


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
        elif kind == _VBA_INFO and b - a >= 4:
            found.vba = struct.unpack_from("<I", data, a)[0]


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
        self.objects: list[tuple[int, int, int, int]] = []  # embedded objects: offset, recInstance, start, end
        offsets: dict[int, int] = {}
        for version, instance, kind, a, b in _records(data, 0, len(data), top=True):
            found = _Found()
            if kind == _OLE_STORAGE:
                self.objects.append((a - 8, instance, a, b))
            elif kind == _PERSIST_DIRECTORY:
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
        if self.document.vba is not None and self.document.vba in offsets:  # macros, not an embedded file
            self.objects = [o for o in self.objects if o[0] != offsets[self.document.vba]]

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
    segments = deck.segments() + properties
    members = [_object_member(n, stream, instance, a, b) for n, (_, instance, a, b) in enumerate(deck.objects, 1)]
    if members:
        return ContainerExtraction(type="ppt", segments=segments, unread=unread, members=members,
                                   properties={"slides": deck.count, "objects": len(members)})
    return Extraction(type="ppt", segments=segments, unread=unread, properties={"slides": deck.count})


def _object_member(number: int, stream: bytes, instance: int, a: int, b: int) -> Member:
    """An embedded object's compound file (the pipeline sniffs it and hands on the file inside)."""
    name = f"object-{number}.bin"
    if instance != 1:
        return Member(name, data=stream[a:b])
    if b - a < 4:
        return Member(name, problem=("scan.unreadable", "嵌入对象记录不完整 (embedded object record cut short)"))
    declared = struct.unpack_from("<I", stream, a)[0]
    limit = limits.current().max_file_size
    if declared > limit:
        detail = f"嵌入对象解压后 {declared} 字节，超过上限 {limit} 字节 (embedded object over max_file_size)"
        return Member(name, size=declared, problem=("scan.limit", detail))
    raw = stream[a + 4:b]
    return Member(name, open=lambda: _Inflate(raw, limit), size=declared, compressed=len(raw))


class _Inflate:
    """A zlib stream read in bounded pieces, so a bomb is stopped at `limit` bytes (or the pipeline's
    own limits, whichever comes first) and never inflated whole."""

    def __init__(self, raw: bytes, limit: int):
        self._z, self._tail, self._limit, self._produced = zlib.decompressobj(), raw, limit, 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self, size: int = -1) -> bytes:
        size = self._limit + 1 if size is None or size < 0 else size
        out = []
        got = 0
        try:
            while got < size and not self._z.eof:
                piece = self._z.decompress(self._tail, size - got)
                self._tail = self._z.unconsumed_tail
                if not piece and not self._tail:
                    raise _damaged("嵌入对象的压缩数据不完整", "embedded object's zlib data cut short")
                out.append(piece)
                got += len(piece)
        except zlib.error as exc:
            raise _damaged(f"嵌入对象的压缩数据无法解压：{exc}", f"embedded object's zlib data: {exc}") from exc
        self._produced += got
        if self._produced > self._limit:
            raise LimitExceededError(f"嵌入对象解压后超过 {self._limit} 字节 (embedded object over max_file_size)")
        return b"".join(out)
