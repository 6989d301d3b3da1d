"""RAR archives with rarfile: names and stored members read in Python, compressed members through bsdtar or unrar.

rarfile parses headers itself; decompression needs an external tool (libarchive's `bsdtar`, from
Debian's libarchive-tools, or `unrar`). Without one, compressed members fail closed and say why.
"""

from __future__ import annotations

import io
import struct
import zlib

from scanner.errors import ExtractionError
from scanner.extract.members import ContainerExtraction, Member, Place, combine_protection, unsafe_name
from scanner.extract.registry import register
from scanner.extract.zip import decode_name
from scanner.model import Protection, Segment

try:
    import rarfile
except ImportError:  # the reader is optional: RAR then fails closed with the reason
    rarfile = None

_RAR4_MARKER = b"Rar!\x1a\x07\x00"
_RAR5_MARKER = b"Rar!\x1a\x07\x01\x00"
_STORED = 0x30  # RAR compression method "store": no tool needed
_ENCRYPTED = Protection(encrypted=True, method="rar-aes", needs_password=True)


def _version(data: bytes) -> str:
    return "RAR5" if data[6:8] == b"\x01\x00" else "RAR4"


def _vint(data: bytes, pos: int) -> tuple[int | None, int]:
    """A RAR5 variable-length integer at `pos` (7 bits a byte, low first), and the position after it."""
    value = shift = 0
    while pos < len(data) and shift < 70:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos
    return None, pos


def _rar5_end(data: bytes) -> tuple[int | None, str | None]:
    """Walk the RAR5 blocks to the end-of-archive block, checking every header's CRC32 on the way.

    rarfile stops listing at a header it cannot use (a CRC error, a size over 2 MiB) and keeps what it
    found so far; the walk tells that apart from a whole archive. Returns where the end block ends
    (None if it is never reached) and why the walk stopped at a damaged header, if it did.
    """
    pos = data.find(_RAR5_MARKER)
    if pos < 0:
        return None, None
    pos += len(_RAR5_MARKER)
    while pos + 5 <= len(data):
        size, start = _vint(data, pos + 4)
        if size is None or size == 0 or start + size > len(data):
            return None, None
        if zlib.crc32(data[pos + 4:start + size]) != int.from_bytes(data[pos:pos + 4], "little"):
            return None, (f"RAR 头校验错误（偏移 {pos}），其后的成员未列出 "
                          f"(RAR header CRC error at offset {pos}: members after it not listed)")
        kind, field = _vint(data, start)
        flags, field = _vint(data, field)
        if kind is None or flags is None:
            return None, None
        if flags & 0x1:  # an extra area: its size comes first
            _, field = _vint(data, field)
        skip = 0
        if flags & 0x2:  # a data area follows the header
            skip, field = _vint(data, field)
            if skip is None:
                return None, None
        if kind == 4:
            return len(data), None  # headers encrypted from here: not walked without the password
        if kind == 5:
            return start + size, None
        pos = start + size + skip
    return None, None


def _rar4_end(data: bytes) -> int | None:
    """Walk the RAR4 blocks from the marker to ENDARC (0x7B), every block whole on the way; where it ends.

    Walked rather than looked for in the last bytes: ENDARC may carry optional fields (a data CRC,
    a volume number) past its 7 bytes, and bytes may follow it.
    """
    pos = data.find(_RAR4_MARKER)
    if pos < 0:
        return None
    pos += len(_RAR4_MARKER)
    while pos + 7 <= len(data):
        kind, flags, size = struct.unpack_from("<BHH", data, pos + 2)
        if size < 7 or pos + size > len(data):
            return None
        if kind == 0x7B:
            return pos + size
        if kind == 0x73 and flags & 0x0080:
            return len(data)  # headers encrypted: the rest cannot be walked without the password
        skip = 0
        if flags & 0x8000 or kind in (0x74, 0x7A):  # data follows: ADD_SIZE (PACK_SIZE for files)
            if size < 11:
                return None
            skip = struct.unpack_from("<I", data, pos + 7)[0]
            if kind in (0x74, 0x7A) and flags & 0x0100 and size >= 36:
                skip |= struct.unpack_from("<I", data, pos + 32)[0] << 32  # HIGH_PACK_SIZE
        pos += size + skip
    return None


def _name(info) -> str:
    """A member's name. RAR4 stores names without the Unicode flag (0x200) in the writer's code page
    (GBK on Chinese Windows); rarfile tries UTF-8 and then UTF-16, which turns GBK into nonsense
    and swallows the separators: decode those bytes the way ZIP names are decoded."""
    raw = getattr(info, "orig_filename", None)
    if not isinstance(info, rarfile.Rar3Info) or info.flags & rarfile.RAR_FILE_UNICODE or not isinstance(raw, bytes):
        return info.filename
    name = decode_name(raw, False).replace("\\", "/").rstrip("/")
    return name + "/" if info.is_dir() else name


def _tool_problem() -> str | None:
    """Why compressed members cannot be read here (no bsdtar or unrar), or None when they can."""
    try:
        rarfile.tool_setup()
    except rarfile.RarCannotExec:
        return ("RAR 压缩成员需要 bsdtar 或 unrar 才能解压，本机未安装 "
                "(compressed RAR member needs bsdtar or unrar, neither installed)")
    return None


def _member(archive, info, tool_problem: str | None) -> Member:
    name = _name(info)
    if info.is_symlink():
        return Member(name, problem=("scan.unsafe", f"符号链接成员 {name!r}，不跟随 (symbolic link member, not followed)"))
    if info.needs_password():
        return Member(name, size=info.file_size, protection=_ENCRYPTED)
    if info.compress_type != _STORED and tool_problem:
        return Member(name, size=info.file_size, problem=("scan.unsupported", tool_problem))
    reason = unsafe_name(name)
    return Member(name, open=lambda: archive.open(info), size=info.file_size, compressed=info.compress_size,
                  problem=("scan.unsafe", reason) if reason else None)


@register("rar")
def extract_rar(data: bytes) -> ContainerExtraction:
    version = _version(data)
    if rarfile is None:
        # An ExtractionError with the unsupported code (not UnsupportedTypeError), so the pipeline keeps
        # this message as the detail.
        raise ExtractionError(f"RAR 压缩包（{version}）暂不支持读取，请改用 ZIP 或 7z 重新打包 "
                              f"(RAR archives ({version}) cannot be read here: repack as ZIP or 7z)",
                              code="scan.unsupported")
    try:
        archive = rarfile.RarFile(io.BytesIO(data))
        infos = archive.infolist()
    except rarfile.NeedFirstVolume as exc:
        raise ExtractionError(f"RAR 分卷的后续卷，不能单独读取 (a later volume of a multi-volume RAR): {exc}",
                              code="scan.unsupported") from exc
    except (rarfile.Error, OSError, ValueError, EOFError, IndexError, struct.error) as exc:
        raise ExtractionError(f"RAR 文件已损坏或被截断：{exc} (damaged or truncated RAR)") from exc
    if not infos and archive.needs_password():
        # Headers are encrypted: not even the member names can be read.
        return ContainerExtraction(type="rar", protection=_ENCRYPTED,
                                   properties={"header_encrypted": True, "version": version})
    segments = [Segment(_name(i), Place(part="metadata", label="member names", line=n))
                for n, i in enumerate(infos, start=1)]
    if archive.comment:
        segments.append(Segment(archive.comment, Place(part="metadata", label="comment")))
    files = [i for i in infos if not i.is_dir()]
    tool_problem = _tool_problem() if any(i.compress_type != _STORED for i in files) else None
    members = [_member(archive, i, tool_problem) for i in files]
    protection = combine_protection([m.protection for m in members], len(members))
    if protection.needs_password:
        members = []  # nothing can be read without the password: the container alone carries the verdict
    return ContainerExtraction(type="rar", segments=segments, protection=protection, members=members,
                               unread=_unread(archive, data, version),
                               properties={"members": len(infos), "version": version})


def _unread(archive, data: bytes, version: str) -> list[str]:
    """What the listing left out: after a header rarfile refused (bsdtar: "Header CRC error"), after a
    missing end block, or after the end block (bytes no reader lists; zeros are padding)."""
    unread = []
    error = archive.strerror()
    if error:
        unread.append(f"RAR 头无法读取，其后的成员未列出：{error} (RAR header unreadable: {error}; "
                      f"members after it not listed)")
    end, damage = _rar5_end(data) if version == "RAR5" else (_rar4_end(data), None)
    if damage:
        if not error:
            unread.append(damage)
    elif end is None:
        unread.append("RAR 缺少结束标记，文件可能被截断，后面的成员可能未列出 "
                      "(no end-of-archive header: truncated? later members may be missing)")
    elif data[end:].strip(b"\x00"):
        unread.append(f"RAR 结束标记之后还有 {len(data) - end} 字节未读 "
                      f"({len(data) - end} bytes after the end of the RAR archive, not read)")
    return unread
