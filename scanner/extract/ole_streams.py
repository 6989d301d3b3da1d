"""Reading OLE compound files whole: a directory not cut short, streams read to their declared size, and
the property sets ([MS-OLEPS]) legacy Word, Excel and PowerPoint files keep their title and 密级 fields in."""

from __future__ import annotations

import codecs
import io
import struct

import olefile

from scanner.extract.members import Place
from scanner.model import Segment


def read_stream(ole: olefile.OleFileIO, name: str, damaged) -> bytes:
    """A whole stream; olefile returns a stream cut by a truncated file short without a word, so its
    length is checked. `damaged(zh, en)` makes the format's own error."""
    try:
        with ole.openstream(name) as fh:
            data = fh.read()
    except (OSError, ValueError, IndexError) as exc:
        raise damaged(f"{name} 数据流无法读取：{exc}", f"{name} stream unreadable: {exc}") from exc
    if len(data) != ole.get_size(name):
        raise damaged(f"{name} 数据流不完整，文件被截断", f"{name} stream truncated")
    return data


def open_ole(data: bytes, damaged) -> olefile.OleFileIO:
    """Open a compound file whose directory is whole: olefile reads a directory sector cut short by a
    truncated file without a word, and the entries in the lost part (a whole stream) would go unread."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, IndexError) as exc:
        raise damaged(f"OLE 复合文件无法打开：{exc}", f"damaged compound file: {exc}") from exc
    sector, steps = ole.first_dir_sector, 0
    while 0 <= sector < len(ole.fat) and steps <= len(ole.fat):
        if (sector + 2) * ole.sectorsize > len(data):
            ole.close()
            raise damaged("目录扇区不完整，文件被截断", "directory sector cut short: truncated file")
        sector, steps = ole.fat[sector], steps + 1
    return ole


# Property sets of legacy Office files ([MS-OLEPS]): what holds content, by the names docProps uses in
# Office Open XML (see ooxml.property_segments). Author and comments are left out there too.
_SUMMARY = "\x05SummaryInformation"
_DOC_SUMMARY = "\x05DocumentSummaryInformation"
_SUMMARY_NAMES = {2: "title", 3: "subject", 5: "keywords"}
_DOC_SUMMARY_NAMES = {2: "category", 14: "Manager", 15: "Company", 27: "contentStatus"}
_USER_DEFINED = bytes.fromhex("05d5cdd59c2e1b10939708002b2cf9ae")  # FMTID_UserDefinedProperties
_CODECS = {1200: "utf-16-le", 65001: "utf-8", 936: "gb18030", 950: "cp950", 10000: "mac_roman"}


def _codec(codepage: int) -> str:
    name = _CODECS.get(codepage & 0xFFFF, f"cp{codepage & 0xFFFF}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "cp1252"


def _property_value(section: bytes, offset: int, codec: str):
    """A string or integer property value, else None (times, vectors, blobs hold no text of their own)."""
    kind = struct.unpack_from("<H", section, offset)[0]
    if kind in (0x1E, 0x1F):  # VT_LPSTR (code page), VT_LPWSTR (UTF-16)
        size = struct.unpack_from("<I", section, offset + 4)[0]
        width = 2 if kind == 0x1F else 1
        raw = section[offset + 8:offset + 8 + size * width]
        if len(raw) != size * width:
            raise ValueError("string past the end of its section")
        text = raw.decode("utf-16-le" if kind == 0x1F else codec, "replace")
        return text.split("\0", 1)[0].strip()
    if kind in (0x02, 0x03, 0x12, 0x13):  # VT_I2, VT_I4, VT_UI2, VT_UI4
        return str(struct.unpack_from("<h" if kind in (0x02, 0x12) else "<i", section, offset + 8)[0])
    return None


def _names(section: bytes, offset: int, codec: str) -> dict[int, str]:
    """The dictionary (property 0) of a user-defined section: property id -> name."""
    count = struct.unpack_from("<I", section, offset)[0]
    names, pos = {}, offset + 4
    for _ in range(min(count, len(section) // 8)):
        pid, length = struct.unpack_from("<II", section, pos)
        width = 2 if codec == "utf-16-le" else 1
        raw = section[pos + 8:pos + 8 + length * width]
        if len(raw) != length * width:
            raise ValueError("name past the end of its section")
        names[pid] = raw.decode(codec, "replace").split("\0", 1)[0]
        pos += 8 + length * width
        if width == 2:
            pos += -pos % 4
    return names


def _sections(stream: bytes):
    """(format id, section bytes) for each property set in a property set stream."""
    count = struct.unpack_from("<I", stream, 24)[0]
    for i in range(min(count, 8)):
        fmtid, offset = struct.unpack_from("<16sI", stream, 28 + 20 * i)
        size = struct.unpack_from("<I", stream, offset)[0]
        section = stream[offset:offset + size]
        if len(section) != size or size < 8:
            raise ValueError("property set past the end of its stream")
        yield fmtid, section


def _section_properties(section: bytes, wanted: dict[int, str] | None) -> list[tuple[str, str]]:
    """(name, value) pairs of one section: the `wanted` ids, or every named one (user-defined)."""
    count = struct.unpack_from("<I", section, 4)[0]
    entries = [struct.unpack_from("<II", section, 8 + 8 * i) for i in range(min(count, (len(section) - 8) // 8))]
    offsets = dict(entries)
    codepage = struct.unpack_from("<h", section, offsets[1] + 4)[0] if 1 in offsets else 1252
    codec = _codec(codepage)
    names = wanted if wanted is not None else (_names(section, offsets[0], codec) if 0 in offsets else {})
    found = []
    for pid, offset in entries:
        if pid in names and pid > 1:
            value = _property_value(section, offset, codec)
            if value:
                found.append((names[pid], value))
    return found


def property_segments(ole: olefile.OleFileIO) -> tuple[list[Segment], list[str]]:
    """Title, subject, keywords... and user-defined properties (a 密级 field) as metadata segments; and
    what could not be read (a damaged property set fails the item closed, the text is still read)."""
    segments: list[Segment] = []
    unread: list[str] = []
    for stream_name, known in ((_SUMMARY, _SUMMARY_NAMES), (_DOC_SUMMARY, _DOC_SUMMARY_NAMES)):
        if not ole.exists(stream_name):
            continue
        try:
            with ole.openstream(stream_name) as fh:
                stream = fh.read(1024 * 1024)
            for fmtid, section in _sections(stream):
                user = fmtid == _USER_DEFINED
                for name, value in _section_properties(section, None if user else known):
                    text = f"{name}：{value}" if user and name else value
                    segments.append(Segment(text, Place(part="metadata", label=f"property {name}")))
        except (struct.error, ValueError, KeyError, OSError) as exc:
            unread.append(f"文档属性 {stream_name[1:]} 无法读取 (document properties unreadable): {exc}")
    return segments, unread
