"""ZIP archives: members to scan one by one, names in UTF-8 or GBK, encryption, bombs and unsafe names."""

from __future__ import annotations

import io
import stat
import struct
import zipfile

from scanner.errors import ExtractionError, LimitExceededError
from scanner.extract.limits import current
from scanner.extract.members import ContainerExtraction, Member, Place, combine_protection, unsafe_name
from scanner.extract.registry import register
from scanner.extract.zip_layout import LocalEntry, survey, trailing
from scanner.model import Protection, Segment

_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_AES_METHOD = 99
_AES_EXTRA = 0x9901
_SHOWN = 5  # entry names shown in one reason


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
    unread = _layout(archive, data, infos, segments, members)
    protection = combine_protection([m.protection for m in members], len(members))
    if protection.needs_password:
        # Nothing can be read without the password: the container alone carries the verdict.
        members = []
    return ContainerExtraction(type="zip", segments=segments, protection=protection, members=members,
                               unread=unread, properties={"members": len(infos)})


def _layout(archive, data: bytes, infos, segments: list[Segment], members: list[Member]) -> list[str]:
    """Entries found only by their local headers become members too; what the central directory and
    the local headers disagree on, and bytes no entry covers, are the reasons the zip is partly unread."""
    try:
        found = survey(data, infos, archive.start_dir, current().max_members)
        extra = trailing(data)
    except (struct.error, ValueError, OSError) as exc:
        return [f"zip 结构无法核对：{exc} (zip layout could not be checked)"]
    names = []
    for entry in found.local_only:
        name = decode_name(entry.raw_name, bool(entry.flags & _UTF8_FLAG))
        names.append(name)
        segments.append(Segment(name, Place(part="metadata", label="member names", line=len(segments) + 1)))
        if not (name.endswith("/") and not entry.file_size):  # a directory holds nothing to read
            members.append(_local_member(archive, entry, name))
    unread = []
    if names:
        shown, more = [repr(n) for n in names[:_SHOWN]], "…" if len(names) > _SHOWN else ""
        zh, en = "、".join(shown) + more, ", ".join(shown) + more
        unread.append(f"zip 条目 {zh} 只在本地文件头中，中央目录未列出，已按本地文件头读取 "
                      f"(entries {en} are in local headers but not in the central directory: read from them)")
    if len(found.unread) > _SHOWN:  # one reason per stretch of stray bytes; thousands say no more
        more = len(found.unread) - _SHOWN
        found.unread[_SHOWN:] = [f"另有 {more} 处 (and {more} more)"]
    unread += found.unread
    if extra:
        unread.append(f"zip 结束记录之后还有 {extra} 字节未读 ({extra} bytes after the end of the zip archive, "
                      f"not read)")
    return unread


def _local_member(archive, entry: LocalEntry, name: str) -> Member:
    if entry.compress_size is None:
        return Member(name, problem=("scan.unreadable", f"zip 条目 {name!r} 只在本地文件头中，且长度未知，无法读取 "
                                     f"(entry {name!r} only in a local header, its length unknown)"))
    info = entry.zipinfo()
    protection = member_protection(info)
    if protection.needs_password:
        return Member(name, size=info.file_size, protection=protection)
    return Member(name, open=_opener(archive, info), size=info.file_size, compressed=info.compress_size,
                  problem=_name_problem(name))


def _name_problem(name: str) -> tuple[str, str] | None:
    reason = unsafe_name(name)
    return ("scan.unsafe", reason) if reason else None
