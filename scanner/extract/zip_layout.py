"""Where a ZIP's bytes go: local headers walked between the central directory's entries, and what no entry covers.

zipfile (like unzip) lists only the central directory; a reader that walks the local headers (bsdtar on
a pipe, many recovery tools) also shows an entry the directory leaves out. `survey` finds those entries,
so they are read too, and the bytes that belong to no entry, so the archive is blocked as partly unread.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass

_LOCAL = b"PK\x03\x04"
_DESCRIPTOR = b"PK\x07\x08"
_LOCAL_FIXED = 30
_STREAMED = 0x08  # flag bit 3: CRC and sizes follow the data in a data descriptor
_ZIP64_EXTRA = 0x0001
_MAX_DESCRIPTORS = 100_000
_APK_MAGIC = b"APK Sig Block 42"  # Android's signing block, between the entries and the directory


@dataclass
class LocalEntry:
    """An entry found by its local header. `compress_size` None: its end could not be found."""

    offset: int
    raw_name: bytes
    flags: int
    method: int
    crc: int
    compress_size: int | None
    file_size: int
    data_start: int

    def zipinfo(self) -> zipfile.ZipInfo:
        """A ZipInfo zipfile can open this entry with, as if the central directory had listed it."""
        info = zipfile.ZipInfo(self.raw_name.decode("utf-8" if self.flags & 0x800 else "cp437", "replace"))
        info.flag_bits, info.compress_type, info.CRC = self.flags, self.method, self.crc
        info.compress_size, info.file_size, info.header_offset = self.compress_size or 0, self.file_size, self.offset
        return info


@dataclass
class Survey:
    local_only: list[LocalEntry]
    unread: list[str]  # bytes no entry accounts for: a reason for each stretch


def _zip64_sizes(extra: bytes, size: int, csize: int) -> tuple[int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == _ZIP64_EXTRA and length >= 16:
            return struct.unpack_from("<QQ", extra, pos + 4)
        pos += 4 + length
    return size, csize


def parse_local(data: bytes, pos: int, descriptors: "_Descriptors | None" = None) -> LocalEntry | None:
    """The local header at `pos`. Sizes left at 0 because they follow the data (flag bit 3) are taken
    from the entry's data descriptor, when `descriptors` is given and one is found."""
    if data[pos:pos + 4] != _LOCAL or pos + _LOCAL_FIXED > len(data):
        return None
    flags, method, _, _, crc, csize, size, name_len, extra_len = struct.unpack_from("<HHHHIIIHH", data, pos + 6)
    start = pos + _LOCAL_FIXED + name_len + extra_len
    if start > len(data):
        return None
    raw_name = data[pos + _LOCAL_FIXED:pos + _LOCAL_FIXED + name_len]
    if 0xFFFFFFFF in (csize, size):
        size, csize = _zip64_sizes(data[start - extra_len:start], size, csize)
    entry = LocalEntry(pos, raw_name, flags, method, crc, csize, size, start)
    if descriptors is not None and flags & _STREAMED and not csize:
        found = descriptors.find(start)
        if found is None:
            entry.compress_size = None
        else:
            entry.crc, entry.compress_size, entry.file_size = found
    return entry


class _Descriptors:
    """Data descriptors (signature, CRC-32, compressed and full size) keyed by where their entry's data
    starts (their position less the compressed size), indexed once on first use: each lookup is then
    one step, however many descriptors a hostile file holds."""

    def __init__(self, data: bytes, stop: int):
        self.data, self.stop = data, stop
        self.index: dict[int, tuple[int, int, int]] | None = None

    def find(self, data_start: int) -> tuple[int, int, int] | None:
        if self.index is None:
            self.index = {}
            data, pos = self.data, self.data.find(_DESCRIPTOR, 0, self.stop)
            for _ in range(_MAX_DESCRIPTORS):  # past that many, an entry's end counts as unknown
                if pos < 0:
                    break
                for layout in ("<III", "<IQQ"):  # 4-byte sizes, or 8-byte ones (zip64)
                    if pos + 4 + struct.calcsize(layout) <= len(data):
                        crc, csize, size = struct.unpack_from(layout, data, pos + 4)
                        if csize <= pos:
                            self.index.setdefault(pos - csize, (crc, csize, size))  # the nearest one wins
                pos = data.find(_DESCRIPTOR, pos + 4, self.stop)
        return self.index.get(data_start)


def _end_of(data: bytes, entry: LocalEntry, size: int | None) -> int:
    """Where an entry's bytes end: its data, then a data descriptor (signed or not, 12 or 20 bytes) if
    flag bit 3 says one follows; of the two lengths, the one followed by a signature."""
    if size is None:
        return entry.data_start
    end = entry.data_start + size
    if not entry.flags & _STREAMED:
        return end
    end += 4 if data[end:end + 4] == _DESCRIPTOR else 0
    narrow, wide = end + 12, end + 20
    if data[narrow:narrow + 2] != b"PK" and (data[wide:wide + 2] == b"PK" or wide == len(data)):
        return wide
    return narrow


def _apk_block_start(data: bytes, start_dir: int) -> int:
    """Where an APK signing block before the central directory begins (start_dir when there is none)."""
    if start_dir < 32 or data[start_dir - 16:start_dir] != _APK_MAGIC:
        return start_dir
    size = struct.unpack_from("<Q", data, start_dir - 24)[0]
    begin = start_dir - size - 8
    if begin < 0 or struct.unpack_from("<Q", data, begin)[0] != size:
        return start_dir
    return begin


def survey(data: bytes, infos: list[zipfile.ZipInfo], start_dir: int, max_entries: int) -> Survey:
    """Walk the bytes before the central directory: the entries it lists are stepped over, local headers
    between them are entries it does not list, anything else (but zeros) is unread."""
    spans = []
    for info in infos:
        local = parse_local(data, info.header_offset)
        if local is not None:  # an entry without its local header fails when it is read, not here
            spans.append((info.header_offset, _end_of(data, local, info.compress_size)))
    spans.sort()
    result = Survey([], [])
    limit = _apk_block_start(data, start_dir)
    descriptors = _Descriptors(data, limit)
    pos = 0
    for begin, end in spans + [(limit, limit)]:
        if begin > pos:
            _walk_gap(data, pos, min(begin, limit), result, max_entries, descriptors)
        pos = max(pos, end)
    return result


def _walk_gap(data: bytes, pos: int, stop: int, result: Survey, max_entries: int,
              descriptors: _Descriptors) -> None:
    while pos < stop:
        found = data.find(_LOCAL, pos, stop)
        junk_end = stop if found < 0 else found
        if data[pos:junk_end].strip(b"\x00"):
            count = junk_end - pos
            result.unread.append(f"zip 条目之间偏移 {pos} 处有 {count} 字节不属于任何条目，未读取 "
                                 f"({count} bytes between zip entries at offset {pos}: not read)")
        if found < 0:
            return
        entry = parse_local(data, found, descriptors)
        if entry is None:
            result.unread.append(f"zip 偏移 {found} 处的本地文件头已损坏 (damaged local header at offset {found})")
            pos = found + 4
            continue
        if len(result.local_only) >= max_entries:
            result.unread.append(f"中央目录未列出的条目超过 {max_entries} 个，其余未读取 (over {max_entries} "
                                 f"entries missing from the central directory: the rest not read)")
            return
        result.local_only.append(entry)
        # An entry whose end is unknown: the next local header is looked for right after its header.
        pos = max(_end_of(data, entry, entry.compress_size), found + 4)


def trailing(data: bytes) -> int:
    """How many bytes follow the end record and its comment (0 when they are only zeros, padding)."""
    end = zipfile._EndRecData(io.BytesIO(data))  # the end record zipfile itself used, not another one
    if not end:
        return 0
    after = end[zipfile._ECD_LOCATION] + zipfile.sizeEndCentDir + end[zipfile._ECD_COMMENT_SIZE]
    return len(data) - after if data[after:].strip(b"\x00") else 0
