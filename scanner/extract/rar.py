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
_STORED = 0x30  # RAR compression method "store": no tool needed
_ENCRYPTED = Protection(encrypted=True, method="rar-aes", needs_password=True)


def _version(data: bytes) -> str:
    return "RAR5" if data[6:8] == b"\x01\x00" else "RAR4"


def _missing_end(data: bytes, version: str) -> bool:
    """No end-of-archive header: rarfile then lists what it found so far without a word."""
    if version == "RAR5":
        # CRC32, size 3, type 5, flags 0, end-of-archive flags (0, or 1 for "more volumes").
        return not (len(data) >= 8 and data[-4:-1] == b"\x03\x05\x00" and data[-1] in (0, 1)
                    and zlib.crc32(data[-4:]) == int.from_bytes(data[-8:-4], "little"))
    return not _rar4_reaches_end(data)


def _rar4_reaches_end(data: bytes) -> bool:
    """Walk the RAR4 blocks from the marker to ENDARC (0x7B), every block whole on the way.

    Walked rather than looked for in the last bytes: ENDARC may carry optional fields (a data CRC,
    a volume number) past its 7 bytes, and bytes may follow it.
    """
    pos = data.find(_RAR4_MARKER)
    if pos < 0:
        return False
    pos += len(_RAR4_MARKER)
    while pos + 7 <= len(data):
        kind, flags, size = struct.unpack_from("<BHH", data, pos + 2)
        if size < 7 or pos + size > len(data):
            return False
        if kind == 0x7B:
            return True
        if kind == 0x73 and flags & 0x0080:
            return True  # headers encrypted: the rest cannot be walked without the password
        skip = 0
        if flags & 0x8000 or kind in (0x74, 0x7A):  # data follows: ADD_SIZE (PACK_SIZE for files)
            if size < 11:
                return False
            skip = struct.unpack_from("<I", data, pos + 7)[0]
            if kind in (0x74, 0x7A) and flags & 0x0100 and size >= 36:
                skip |= struct.unpack_from("<I", data, pos + 32)[0] << 32  # HIGH_PACK_SIZE
        pos += size + skip
    return False


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
    unread = []
    if _missing_end(data, version):
        unread.append("RAR 缺少结束标记，文件可能被截断，后面的成员可能未列出 "
                      "(no end-of-archive header: truncated? later members may be missing)")
    return ContainerExtraction(type="rar", segments=segments, protection=protection, members=members,
                               unread=unread, properties={"members": len(infos), "version": version})

