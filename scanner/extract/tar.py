"""TAR archives and single-stream compression (gzip, bzip2, xz): members as streams, damaged headers read past."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile

from scanner.errors import ExtractionError
from scanner.extract.members import ContainerExtraction, Member, Place, unsafe_name
from scanner.extract.registry import register
from scanner.model import Segment

_STREAMS = {"gzip": lambda f: gzip.GzipFile(fileobj=f), "bzip2": bz2.BZ2File, "xz": lzma.LZMAFile}
_BLOCK = tarfile.BLOCKSIZE
_MAX_REASONS = 5
_INNER_NAMES = {"gzip": "content.gz-inner", "bzip2": "content.bz2-inner", "xz": "content.xz-inner"}


@register("gzip", "bzip2", "xz")
def extract_compressed(data: bytes) -> ContainerExtraction:
    """One compressed stream is a container of one member (often a tar); the ratio limit applies."""
    head = data[:4]
    kind = "gzip" if head.startswith(b"\x1f\x8b") else "bzip2" if head.startswith(b"BZh") else "xz"
    name = _INNER_NAMES[kind]
    if kind == "gzip" and len(data) > 10 and data[3] & 0x08:  # FNAME: the original file name
        end = data.find(b"\x00", 10)
        if end > 10:
            name = data[10:end].decode("latin-1")
    opener = _STREAMS[kind]
    return ContainerExtraction(type=kind, members=[Member(name, open=lambda: opener(io.BytesIO(data)),
                                                          compressed=len(data))])


def _tar_member(archive: tarfile.TarFile, info: tarfile.TarInfo) -> Member:
    name = info.name
    if info.issym() or info.islnk():
        return Member(name, problem=("scan.unsafe",
                                     f"链接成员 {name!r} -> {info.linkname!r}，不跟随 (link member, not followed)"))
    if not info.isfile():
        return Member(name, problem=("scan.unsafe", f"特殊文件成员 {name!r} (device or FIFO member)"))
    reason = unsafe_name(name)
    return Member(name, open=lambda: archive.extractfile(info), size=info.size,
                  problem=("scan.unsafe", reason) if reason else None)


def _gap_reason(data: bytes, start: int, end: int) -> str | None:
    """Why bytes between members (or after the last) were not read, or None when they are only zeros.

    Zeros are the end-of-archive blocks and the record padding. Anything else was skipped: a header
    with a bad checksum (GNU tar says "Skipping to next header" and reads on, as done here), the data
    behind it, or junk.
    """
    gap = data[start:end]
    first = len(gap) - len(gap.lstrip(b"\x00"))
    if first == len(gap):
        return None
    block = start + first - first % _BLOCK
    head = data[block:block + _BLOCK]
    where = f"偏移 {block} 起 {end - block} 字节 ({end - block} bytes at offset {block})"
    if len(head) < _BLOCK:
        return f"tar 在偏移 {block} 处被截断 (tar truncated at offset {block})"
    if head[257:262] == b"ustar" or head[148:156].strip(b" \x00").isdigit():
        name = head[:100].split(b"\x00", 1)[0].decode("utf-8", "replace")[:60]
        return (f"tar 成员 {name!r} 的头已损坏（校验和错误或字段无效），该成员未读取，{where} "
                f"(tar header of {name!r} damaged, bad checksum or field: skipped, member not read)")
    return f"tar 中有无法解析为成员的数据，{where} (bytes that are no tar member: not read)"


def _walk(archive: tarfile.TarFile, data: bytes) -> tuple[list[tarfile.TarInfo], list[str]]:
    """Every member tarfile can parse, past bad headers and end-of-archive blocks, and what was skipped.

    `ignore_zeros` makes tarfile step over a header with a bad checksum block by block instead of
    ending the listing there (which would pass whatever follows unread), and over the end-of-archive
    blocks, so an archive appended to another is read too (like `tar -i`). The bytes no member covers
    are then checked: anything but zeros was not read.
    """
    infos: list[tarfile.TarInfo] = []
    unread: list[str] = []
    covered = 0
    while True:
        try:
            info = archive.next()
        except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
            if not infos:
                raise
            unread.append(f"tar 在偏移 {archive.offset} 处无法继续读取：{exc} "
                          f"(tar cannot be read past offset {archive.offset}: truncated?)")
            return infos, unread
        end = info.offset if info is not None else len(data)
        reason = _gap_reason(data, covered, end)
        if reason:
            unread.append(reason)
        if info is None:
            return infos, unread
        infos.append(info)
        covered = archive.offset  # the end of this member's data blocks


@register("tar")
def extract_tar(data: bytes) -> ContainerExtraction:
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:", ignore_zeros=True)
        infos, unread = _walk(archive, data)
    except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
        raise ExtractionError(f"tar 文件已损坏或被截断：{exc} (damaged or truncated tar)") from exc
    segments = [Segment(i.name, Place(part="metadata", label="member names", line=n)) for n, i in enumerate(infos, 1)]
    members = [_tar_member(archive, i) for i in infos if not i.isdir()]
    if len(unread) > _MAX_REASONS:  # one reason per damaged stretch; thousands of them say no more
        unread[_MAX_REASONS:] = [f"另有 {len(unread) - _MAX_REASONS} 处 (and {len(unread) - _MAX_REASONS} more)"]
    return ContainerExtraction(type="tar", segments=segments, members=members, unread=unread,
                               properties={"members": len(infos)})
