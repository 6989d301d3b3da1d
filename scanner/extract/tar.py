"""TAR archives and single-stream compression (gzip, bzip2, xz): members read as streams, links refused."""

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


@register("tar")
def extract_tar(data: bytes) -> ContainerExtraction:
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:")
        infos = archive.getmembers()
    except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
        raise ExtractionError(f"tar 文件已损坏或被截断：{exc} (damaged or truncated tar)") from exc
    segments = [Segment(i.name, Place(part="metadata", label="member names", line=n)) for n, i in enumerate(infos, 1)]
    members = [_tar_member(archive, i) for i in infos if not i.isdir()]
    return ContainerExtraction(type="tar", segments=segments, members=members, properties={"members": len(infos)})
