"""7z archives with py7zr: members read in one pass under size limits, encrypted folders and headers told apart."""

from __future__ import annotations

import io
import struct

import py7zr
from py7zr.exceptions import PasswordRequired
from py7zr.io import Py7zIO, WriterFactory

from scanner.errors import ExtractionError, LimitExceededError
from scanner.extract.limits import Limits, current
from scanner.extract.members import ContainerExtraction, Member, Place, combine_protection, unsafe_name
from scanner.extract.registry import register
from scanner.model import Protection, Segment

_AES = b"\x06\xf1\x07\x01"  # 7zAES coder id
_ENCRYPTED = Protection(encrypted=True, method="7z-aes", needs_password=True)


class _Capped(Py7zIO):
    """A member written to memory; passing the per-member or whole-archive limit stops decompression."""

    def __init__(self, name: str, sink: "_Sink"):
        self.name, self.sink, self.buffer = name, sink, io.BytesIO()

    def write(self, s) -> int:
        self.sink.spend(self.name, self.buffer.tell() + len(s), len(s))
        return self.buffer.write(s)

    def read(self, size: int | None = None) -> bytes:
        return self.buffer.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.buffer.seek(offset, whence)

    def flush(self) -> None:
        pass

    def size(self) -> int:
        return self.buffer.getbuffer().nbytes


class _Sink(WriterFactory):
    def __init__(self, limits: Limits):
        self.limits = limits
        self.total = 0
        self.outputs: dict[str, _Capped] = {}

    def create(self, filename: str) -> Py7zIO:
        self.outputs[filename] = _Capped(filename, self)
        return self.outputs[filename]

    def spend(self, name: str, member_size: int, count: int) -> None:
        self.total += count
        if member_size > self.limits.max_file_size:
            raise LimitExceededError(
                f"7z 成员 {name!r} 超过上限 {self.limits.max_file_size} 字节 (member over max_file_size)")
        if self.total > self.limits.max_total_bytes:
            raise LimitExceededError(
                f"7z 解压总量超过上限 {self.limits.max_total_bytes} 字节 (expanded bytes over max_total_bytes)")


def _encrypted(entry) -> bool:
    folder = getattr(entry, "folder", None)
    return folder is not None and any(coder.get("method") == _AES for coder in folder.coders)


def _check_declared(entries, archive_size: int, limits: Limits) -> None:
    """Refuse a bomb from its declared sizes before decompressing anything (the sizes are checked again
    while writing, since they may lie)."""
    total = sum(e.uncompressed or 0 for e in entries if not e.is_directory)
    if total > limits.max_total_bytes:
        raise LimitExceededError(
            f"7z 声明的解压总量 {total} 字节超过上限 (declared expanded size over max_total_bytes)")
    if total > limits.ratio_min_bytes and total > limits.max_ratio * max(archive_size, 1):
        raise LimitExceededError(
            f"7z 压缩比超过上限 {limits.max_ratio:g}:1（疑似压缩炸弹）(compression ratio over max_ratio: 7z bomb?)")


@register("7z")
def extract_7z(data: bytes, limits: Limits | None = None) -> ContainerExtraction:
    limits = limits or current()
    try:
        archive = py7zr.SevenZipFile(io.BytesIO(data))
    except PasswordRequired:
        # The header itself is encrypted: not even the member names can be read.
        return ContainerExtraction(type="7z", protection=_ENCRYPTED, properties={"header_encrypted": True})
    except (py7zr.Bad7zFile, EOFError, OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise ExtractionError(f"7z 文件已损坏或被截断：{type(exc).__name__}: {exc} (damaged or truncated 7z)") from exc
    with archive:
        entries = list(archive.files)
        _check_declared(entries, len(data), limits)
        segments = [Segment(e.filename, Place(part="metadata", label="member names", line=n))
                    for n, e in enumerate(entries, start=1)]
        members: list[Member] = []
        readable: list[str] = []
        for entry in entries:
            name = entry.filename
            if entry.is_directory:
                continue
            reason = unsafe_name(name)
            if entry.is_symlink:
                members.append(Member(name, problem=("scan.unsafe",
                                                     f"符号链接成员 {name!r}，不跟随 (symbolic link member, not followed)")))
            elif _encrypted(entry):
                members.append(Member(name, size=entry.uncompressed, protection=_ENCRYPTED))
            elif reason:
                # py7zr refuses to unpack such a name; the member is blocked unread, the others still read.
                members.append(Member(name, size=entry.uncompressed, problem=("scan.unsafe", reason)))
            else:
                members.append(Member(name, size=entry.uncompressed))
                readable.append(name)
        protection = combine_protection([m.protection for m in members], len(members))
        if protection.needs_password:
            return ContainerExtraction(type="7z", segments=segments, protection=protection,
                                       properties={"members": len(entries)})
        if len(set(readable)) != len(readable):
            # Members are matched to their output by name: a repeated name would hide one of them.
            raise ExtractionError("7z 中有重名成员，无法逐一读取 (duplicate member names in 7z)")
        sink = _Sink(limits)
        if readable:
            try:
                archive.extract(targets=readable, factory=sink)
            except LimitExceededError:
                raise
            except Exception as exc:  # bad CRC, unsupported coder (PPMd, BCJ2 without a plugin), truncation
                raise ExtractionError(f"7z 成员无法解压：{type(exc).__name__}: {exc} (7z member cannot be read)") from exc
    for member in members:
        if member.name in readable:
            output = sink.outputs.get(member.name)
            # An empty file has no stream in the archive and is never written.
            member.data = output.buffer.getvalue() if output is not None else b""
    return ContainerExtraction(type="7z", segments=segments, protection=protection, members=members,
                               unread=_trailing(data), properties={"members": len(entries)})


def _trailing(data: bytes) -> list[str]:
    """Bytes after the end header (the signature header's next-header offset and size say where it ends),
    which py7zr and bsdtar pass over without a word; zeros are padding."""
    offset, size = struct.unpack_from("<QQ", data, 12)
    end = 32 + offset + size
    extra = len(data) - end
    if extra <= 0 or not data[end:].strip(b"\x00"):
        return []
    return [f"7z 结束头之后还有 {extra} 字节未读 ({extra} bytes after the end of the 7z archive, not read)"]
