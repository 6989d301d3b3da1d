"""ZIP archives: members to scan one by one, names in UTF-8 or GBK, encryption, bombs and unsafe names."""

from __future__ import annotations

import io
import stat
import zipfile

from scanner.errors import ExtractionError, LimitExceededError
from scanner.extract.members import ContainerExtraction, Member, Place, combine_protection, unsafe_name
from scanner.extract.registry import register
from scanner.model import Protection, Segment

_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_AES_METHOD = 99
_AES_EXTRA = 0x9901


def decode_name(raw: bytes, utf8_flag: bool) -> str:
    """A member name from its stored bytes: UTF-8 when flagged, else UTF-8 if it fits, else GB18030."""
    if utf8_flag:
        return raw.decode("utf-8", errors="replace")
    if raw.isascii():
        return raw.decode("ascii")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("cp437")


def _name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.orig_filename.encode("cp437")  # zipfile decoded the bytes as cp437: undo that
    except UnicodeEncodeError:
        return info.filename
    return decode_name(raw, False)


def _has_aes_extra(extra: bytes) -> bool:
    pos = 0
    while pos + 4 <= len(extra):
        tag = int.from_bytes(extra[pos:pos + 2], "little")
        size = int.from_bytes(extra[pos + 2:pos + 4], "little")
        if tag == _AES_EXTRA:
            return True
        pos += 4 + size
    return False


def member_protection(info: zipfile.ZipInfo) -> Protection:
    if not info.flag_bits & _ENCRYPTED_FLAG:
        return Protection()
    aes = info.compress_type == _AES_METHOD or _has_aes_extra(info.extra)
    return Protection(encrypted=True, method="zip-aes" if aes else "zipcrypto", needs_password=True)


def check_overlap(infos: list[zipfile.ZipInfo], total: int) -> None:
    """Refuse entries that share bytes: the overlapping-entry bomb, or a forged directory."""
    spans = sorted((i.header_offset, i.compress_size, i.filename) for i in infos if not i.is_dir())
    for (start, size, name), (nxt, _, other) in zip(spans, spans[1:]):
        if start == nxt or start + size > nxt:
            raise LimitExceededError(
                f"zip 条目重叠：{name!r} 与 {other!r}（疑似压缩炸弹）(overlapping zip entries: zip bomb?)")
    for start, size, name in spans:
        if start + size > total:
            raise ExtractionError(f"zip 条目 {name!r} 超出文件末尾（文件被截断）(zip entry past end of file: truncated)")


def _opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    return lambda: archive.open(info)


@register("zip")
def extract_zip(data: bytes) -> ContainerExtraction:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ExtractionError(f"zip 文件已损坏或被截断：{exc} (damaged or truncated zip)") from exc
    check_overlap(infos, len(data))
    segments: list[Segment] = []
    if archive.comment:
        segments.append(Segment(decode_name(archive.comment, False), Place(part="metadata", label="comment")))
    members: list[Member] = []
    for number, info in enumerate(infos, start=1):
        name = _name(info)
        segments.append(Segment(name, Place(part="metadata", label="member names", line=number)))
        if info.is_dir():
            continue
        mode = info.external_attr >> 16
        protection = member_protection(info)
        if stat.S_ISLNK(mode):
            members.append(Member(name, problem=("scan.unsafe", f"符号链接成员 {name!r}，不跟随 (symbolic link member, not followed)")))
        elif protection.needs_password:
            members.append(Member(name, size=info.file_size, protection=protection))
        else:
            members.append(Member(name, open=_opener(archive, info), size=info.file_size,
                                  compressed=info.compress_size, problem=_name_problem(name)))
    protection = combine_protection([m.protection for m in members], len(members))
    if protection.needs_password:
        # Nothing can be read without the password: the container alone carries the verdict.
        members = []
    return ContainerExtraction(type="zip", segments=segments, protection=protection, members=members,
                               properties={"members": len(infos)})


def _name_problem(name: str) -> tuple[str, str] | None:
    reason = unsafe_name(name)
    return ("scan.unsafe", reason) if reason else None
