"""OLE compound files: encrypted Office Open XML (a password is needed), Outlook messages, legacy Office."""

from __future__ import annotations

import codecs
import io
import ntpath
import struct
import zipfile

import olefile

from scanner.errors import ExtractionError
from scanner.extract.cfb import write_cfb
from scanner.extract.members import ContainerExtraction, Member, Place
from scanner.extract.registry import register
from scanner.model import Extraction, Protection, Segment


def _ooxml_method(ole: olefile.OleFileIO) -> str:
    with ole.openstream("EncryptionInfo") as fh:
        head = fh.read(8)
    return method_from_version(int.from_bytes(head[0:2], "little"), int.from_bytes(head[2:4], "little"))


def method_from_version(major: int, minor: int) -> str:
    """MS-OFFCRYPTO 2.3.4: version 4.4 is Agile encryption; 2.2, 3.2 and 4.2 are Standard."""
    if (major, minor) == (4, 4):
        return "ooxml-agile"
    if minor == 2 and major in (2, 3, 4):
        return "ooxml-standard"
    return "ooxml-extensible" if minor == 3 else "ooxml-unknown"


@register("ole")
def extract_ole(data: bytes) -> Extraction:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, IndexError) as exc:
        raise ExtractionError(f"OLE 复合文件已损坏：{exc} (damaged OLE compound file)") from exc
    with ole:
        if ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage"):
            # An Office file opened only with its password ("Encrypt with Password").
            return Extraction(type="ole", protection=Protection(True, _ooxml_method(ole), True),
                              properties={"format": "encrypted-ooxml"})
        streams = {"/".join(s) for s in ole.listdir()}
    # Sniffing says "msg" or "xls" for these; this is for a caller who said "ole".
    if _is_msg(streams):
        from scanner.extract.msg import extract_msg_file

        return extract_msg_file(data)
    if {"Workbook", "Book"} & streams:
        from scanner.extract.xls import extract_xls

        return extract_xls(data)
    if "WordDocument" in streams:
        from scanner.extract.doc import extract_doc

        return extract_doc(data)
    if "PowerPoint Document" in streams:
        from scanner.extract.ppt import extract_ppt

        return extract_ppt(data)
    embedding = _embedding_stream(streams, "")
    if embedding is not None:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            member = payload_member(ole, embedding)
        return ContainerExtraction(type="ole", members=[member],
                                   properties={"format": "ole-embedding", "stream": embedding.lstrip("\x01")})
    # An ExtractionError with the unsupported code (not UnsupportedTypeError), so that the pipeline keeps
    # this message as the detail: the user learns what the file is.
    raise ExtractionError("OLE 复合文件中没有可识别的 Office 文档、邮件或工作簿 "
                          "(OLE compound file holds no known document, message or workbook)", code="scan.unsupported")


def _is_msg(streams: set[str]) -> bool:
    return "__properties_version1.0" in streams and any(s.startswith("__substg1.0_") for s in streams)


def ole_kind(data: bytes) -> str:
    """What an OLE compound file holds, for sniffing: "msg" (Outlook), "xls" (legacy Excel), "doc" (legacy
    Word, also WPS 文字 .wps), "ppt" (legacy PowerPoint), else "ole"."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(s) for s in ole.listdir(streams=True, storages=False)}
    except Exception:  # damaged: let the OLE extractor report it
        return "ole"
    if _is_msg(streams):
        return "msg"
    if "EncryptedPackage" in streams:
        return "ole"
    if {"Workbook", "Book"} & streams:
        return "xls"
    if "WordDocument" in streams:
        return "doc"
    if "PowerPoint Document" in streams:
        return "ppt"
    return "ole"


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


# Embedded objects ([MS-OLEDS]): what Word, Excel and PowerPoint write for "Insert → Object". The file
# itself sits in one stream of the object's storage: \x01Ole10Native (a packaged file, "Create from file"
# of a PDF or TXT), Package (an embedded Office Open XML file) or CONTENTS (an Acrobat PDF object).
_OLE10 = "\x01Ole10Native"
_EMBEDDINGS = (_OLE10, "Package", "CONTENTS")
# Streams of an object's storage that carry no file: OLE and class data, presentation pictures
# (\x02OlePres000, \x03EPRINT metafiles, \x03META, \x03PIC), link information.
_NO_FILE = ("\x01ole", "\x01compobj", "\x03objinfo", "\x03eprint", "\x02olepres", "\x03meta", "\x03pic",
            "\x01ole10itemname", "\x03ocxname", "\x03linkinfo",
            # Equation Editor 3.0 / MathType formulas: common in technical documents, and a formula, not a
            # file; blocking every .doc with an equation would stop the office's ordinary work.
            "equation native")
# Documents of their own that olefile cannot hand on as a file (they are storages, not streams).
_DOCUMENTS = {"worddocument": "Word 97-2003", "workbook": "Excel 97-2003", "book": "Excel 5",
              "powerpoint document": "PowerPoint 97-2003"}
_SUFFIXES = {"worddocument": "doc", "workbook": "xls", "book": "xls", "powerpoint document": "ppt"}
_MAX_LABEL = 4096  # a packaged file's label and paths: MAX_PATH is 260, a few KB is already hostile


def _embedded_damaged(zh: str, en: str) -> ExtractionError:
    return ExtractionError(f"嵌入对象已损坏：{zh} (damaged embedded object: {en})")


def _ole10_damaged(zh: str, en: str) -> ExtractionError:
    return _embedded_damaged(f"Ole10Native {zh}", f"Ole10Native {en}")


def _embedding_stream(streams: set[str], prefix: str) -> str | None:
    """The path of the stream holding an embedded file in the storage `prefix` ("" = root), or None."""
    by_lower = {s.lower(): s for s in streams}
    for name in _EMBEDDINGS:
        found = by_lower.get((prefix + name).lower())
        # CONTENTS in capitals only: an ActiveX control's storage holds a "contents" stream of its own.
        if found is not None and (name != "CONTENTS" or found.endswith(name)):
            return found
    return None


def _cstring(data: bytes, pos: int, end: int, what: str) -> tuple[bytes, int]:
    stop = data.find(b"\0", pos, min(end, pos + _MAX_LABEL))
    if stop < 0:
        raise _ole10_damaged(f"{what}没有结束符或超出数据范围", f"{what} not terminated within the stream")
    return data[pos:stop], stop + 1


def _ansi(raw: bytes) -> str:
    """A label in the writer's ANSI code page, which the stream does not record: UTF-8, else GBK."""
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1")


def _unicode_names(stream: bytes, pos: int, end: int) -> list[str]:
    """The optional Unicode temp path, label and source path after the data; [] if absent or damaged."""
    names = []
    for _ in range(3):
        if pos + 4 > end:
            return []
        count = struct.unpack_from("<I", stream, pos)[0]
        if count > _MAX_LABEL or pos + 4 + 2 * count > end:
            return []
        names.append(stream[pos + 4:pos + 4 + 2 * count].decode("utf-16-le", "replace").split("\0", 1)[0])
        pos += 4 + 2 * count
    return names


def parse_ole10native(stream: bytes) -> tuple[str, bytes]:
    """(file name, data) of a packaged file: [MS-OLEDS] 2.3.6 and the Packager's well-known layout —
    total size, type 2, NUL-terminated label and source path, 4 reserved bytes, temp path (length first),
    data size and data; then optionally the temp path, label and source path in UTF-16.

    Another object's native data (type other than 2: a Paintbrush bitmap, say) is size and data only."""
    if len(stream) < 6:
        raise _ole10_damaged("数据流过短", "stream too short")
    total = struct.unpack_from("<I", stream, 0)[0]
    if total > len(stream) - 4:
        raise _ole10_damaged(f"声明的长度 {total} 超出数据流（{len(stream)} 字节）",
                             f"declared size {total} beyond the {len(stream)}-byte stream")
    end = 4 + total
    if struct.unpack_from("<H", stream, 4)[0] != 2:
        return "Ole10Native.bin", stream[4:end]
    label, pos = _cstring(stream, 6, end, "标签")
    source, pos = _cstring(stream, pos, end, "源路径")
    if pos + 8 > end:
        raise _ole10_damaged("临时路径长度超出数据范围", "temp path length past the end")
    temp_size = struct.unpack_from("<I", stream, pos + 4)[0]
    pos += 8
    if temp_size > end - pos:
        raise _ole10_damaged("临时路径超出数据范围", "temp path past the end")
    pos += temp_size
    if pos + 4 > end:
        raise _ole10_damaged("数据长度字段超出数据范围", "data size past the end")
    size = struct.unpack_from("<I", stream, pos)[0]
    pos += 4
    if size > end - pos:
        raise _ole10_damaged(f"文件数据 {size} 字节超出数据流", f"{size}-byte data past the end of the stream")
    data = stream[pos:pos + size]
    unicode = _unicode_names(stream, pos + size, end)
    candidates = [unicode[1], ntpath.basename(unicode[2])] if unicode else []
    candidates += [_ansi(label), ntpath.basename(_ansi(source))]
    name = next((c for c in candidates if c.strip()), "Ole10Native.bin")
    return _safe_name(name), data


def _safe_name(name: str) -> str:
    """A member name of one path component, without control characters."""
    name = ntpath.basename(name.replace("/", "\\")).strip()
    name = "".join(c for c in name if c >= " ")
    return name if name not in ("", ".", "..") else "Ole10Native.bin"


def _package_name(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "Package.bin"
    for folder, extension in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx"), ("visio/", "vsdx")):
        if any(n.startswith(folder) for n in names):
            return f"Package.{extension}"
    return "Package.zip"


def payload_member(ole: olefile.OleFileIO, stream: str) -> Member:
    """The file an embedding stream (a path from _embedding_stream) holds, as a member named by the
    file; a damaged Ole10Native raises ExtractionError."""
    data = read_stream(ole, stream, _embedded_damaged)
    kind = stream.rsplit("/", 1)[-1].lower()
    if kind == _OLE10.lower():
        name, data = parse_ole10native(data)
        return Member(name, data=data)
    if kind == "package":
        return Member(_package_name(data), data=data)
    return Member("CONTENTS.pdf" if data.startswith(b"%PDF") else "CONTENTS.bin", data=data)


def object_pool(ole: olefile.OleFileIO, pool: str = "ObjectPool") -> tuple[list[Member], list[str]]:
    """The embedded objects of a legacy Word document (storages `ObjectPool/_NNNN`) as members, and
    what cannot be handed on (an embedded Word or Excel 97 document), for `unread` (fail closed).
    Objects that are only a picture (a chart's metafile, an equation's preview) carry no file."""
    by_object: dict[str, set[str]] = {}
    for path in ole.listdir(streams=True, storages=False):
        if len(path) >= 3 and path[0].lower() == pool.lower():
            by_object.setdefault(path[1], set()).add("/".join(path))
    members: list[Member] = []
    unread: list[str] = []
    for object_id, streams in sorted(by_object.items()):
        prefix = f"{pool}/{object_id}/"
        where = f"{pool}/{object_id}"
        embedding = _embedding_stream(streams, prefix)
        if embedding is not None:
            try:
                member = payload_member(ole, embedding)
                members.append(Member(f"{where}/{member.name}", data=member.data))
            except ExtractionError as exc:
                members.append(Member(f"{where}/{embedding[len(prefix):].lstrip(chr(1))}",
                                      problem=(exc.code, str(exc))))
            continue
        inner = {s[len(prefix):].lower() for s in streams}
        documents = sorted({_DOCUMENTS[s] for s in inner if s in _DOCUMENTS})
        if documents:
            # An embedded Word/Excel/PowerPoint 97 document is a storage: written out as a compound
            # file of its own, it is read like any attached document.
            try:
                whole = write_cfb({path[len(prefix):]: read_stream(ole, path, _embedded_damaged)
                                   for path in sorted(streams)})
                suffix = _SUFFIXES[next(s for s in inner if s in _DOCUMENTS)]
                members.append(Member(f"{where}/embedded.{suffix}", data=whole))
            except (ExtractionError, ValueError) as exc:
                unread.append(f"嵌入对象 {where} 是 {'、'.join(documents)} 文档，无法单独读取：{exc} "
                              f"(embedded {', '.join(documents)} document {where} cannot be read on its own)")
        elif not all(s.startswith(_NO_FILE) for s in inner):
            others = ", ".join(sorted(repr(s) for s in inner if not s.startswith(_NO_FILE))[:5])
            unread.append(f"嵌入对象 {where} 的内容无法识别：{others} "
                          f"(embedded object {where} holds unknown data: {others})")
    return members, unread
