"""Objects embedded in legacy Office files ([MS-OLEDS]): the file a packaged object holds (Ole10Native,
Package, CONTENTS), and an embedded Word, Excel or PowerPoint 97 document written out as a file of its own."""

from __future__ import annotations

import io
import ntpath
import struct
import zipfile

import olefile

from scanner.errors import ExtractionError
from scanner.extract.cfb import write_cfb
from scanner.extract.members import Member
from scanner.extract.ole_streams import read_stream

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


def embedding_stream(streams: set[str], prefix: str) -> str | None:
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
    """The file an embedding stream (a path from embedding_stream) holds, as a member named by the
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
        embedding = embedding_stream(streams, prefix)
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
