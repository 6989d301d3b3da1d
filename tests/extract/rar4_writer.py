"""RAR 4.x archives written byte by byte after RARLAB's technote (no free tool writes RAR).

Blocks: the marker `Rar!\\x1a\\x07\\x00`, MAIN_HEAD (0x73), one FILE_HEAD (0x74) per entry followed by its
data, and ENDARC (0x7B). Each header starts HEAD_CRC (low 16 bits of the CRC32 of the header from
HEAD_TYPE on), HEAD_TYPE, HEAD_FLAGS, HEAD_SIZE. Data is stored (method 0x30): RAR's own compression
has no free writer. Checked against libarchive (`bsdtar -tvf`, `bsdtar -xOf`) in tests/extract/test_rar4.py.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

MARKER = b"Rar!\x1a\x07\x00"
MAIN_HEAD, FILE_HEAD, ENDARC = 0x73, 0x74, 0x7B

# FILE_HEAD flags
ENCRYPTED = 0x0004
DIRECTORY = 0x00E0  # dictionary bits all set
LARGE = 0x0100  # HIGH_PACK_SIZE and HIGH_UNP_SIZE follow
UNICODE = 0x0200
SALT = 0x0400
LONG_BLOCK = 0x8000  # data follows the header (always set on file headers)

STORED = 0x30
HOST_WIN32 = 2
DOS_TIME = (2024 - 1980) << 25 | 5 << 21 | 17 << 16 | 9 << 11 | 30 << 5  # 2024-05-17 09:30:00
ATTR_FILE, ATTR_DIR = 0x20, 0x10


@dataclass
class Entry:
    """One archive entry. `name` is str (encoded per `names`) or raw bytes written as they are."""

    name: str | bytes
    data: bytes = b""
    directory: bool = False
    encrypted: bool = False  # flag 0x04 and a salt; the data is then noise of the padded length
    large: bool = False  # write HIGH_PACK_SIZE / HIGH_UNP_SIZE (0 here) as for files over 4 GiB


def header(kind: int, flags: int, body: bytes) -> bytes:
    """A block header: HEAD_CRC over HEAD_TYPE..end, then HEAD_TYPE, HEAD_FLAGS, HEAD_SIZE, body."""
    rest = struct.pack("<BHH", kind, flags, 7 + len(body)) + body
    return struct.pack("<H", zlib.crc32(rest) & 0xFFFF) + rest


def rar_unicode(name: str) -> bytes:
    """The name as WinRAR stores it with flag 0x200: an 8-bit name, NUL, then the compressed UTF-16.

    Only the technote's mode 2 (a full 16-bit unit per character) is used: a high byte of 0, then
    for each run of four characters one flag byte 0b10101010 and the characters' two bytes each.
    """
    units = name.encode("utf-16-le")
    encoded = bytearray([0])
    for start in range(0, len(units), 8):
        encoded.append(0xAA)
        encoded += units[start:start + 8]
    return name.encode("ascii", "replace") + b"\0" + bytes(encoded)


def _name_bytes(entry: Entry, names: str) -> tuple[bytes, int]:
    if isinstance(entry.name, bytes):
        return entry.name, 0
    name = entry.name.replace("/", "\\")  # RAR stores Windows separators
    if name.isascii():
        return name.encode("ascii"), 0
    if names == "utf-8":
        return name.encode("utf-8"), UNICODE  # flag set, no NUL: readers take the bytes as UTF-8
    if names == "rar":
        return rar_unicode(name), UNICODE
    return name.encode(names), 0  # an OEM code page (gbk) without the flag, as old Chinese WinRAR wrote


def file_header(entry: Entry, names: str = "rar") -> bytes:
    raw, flags = _name_bytes(entry, names)
    data = b"" if entry.directory else entry.data
    stored = data
    if entry.encrypted:
        flags |= ENCRYPTED | SALT
        stored = bytes(-(-len(data) // 16) * 16 or 16)  # AES blocks: their content cannot be judged
    if entry.directory:
        flags |= DIRECTORY
    if entry.large:
        flags |= LARGE
    body = struct.pack("<IIBIIBBHI", len(stored), len(data), HOST_WIN32, zlib.crc32(data), DOS_TIME,
                       29, STORED, len(raw), ATTR_DIR if entry.directory else ATTR_FILE)
    if entry.large:
        body += struct.pack("<II", 0, 0)
    body += raw
    if entry.encrypted:
        body += bytes(range(8))  # SALT
    return header(FILE_HEAD, flags | LONG_BLOCK, body) + stored


def build_rar4(entries, *, names: str = "rar", end: bool = True, end_flags: int = 0x4000,
               header_encrypted: bool = False) -> bytes:
    """A RAR 4.x archive of `entries` (Entry, or (name, bytes) pairs; a name ending in / is a directory).

    `names` is how non-ASCII names are written: "rar" (flag 0x200, WinRAR's compressed UTF-16),
    "utf-8" (flag 0x200, UTF-8 bytes) or a code page such as "gbk" (no flag). `end_flags` 0x4002
    adds the optional data CRC to ENDARC (HEAD_SIZE 11); `end=False` leaves ENDARC out.
    `header_encrypted` sets MAIN_HEAD's flag 0x80: every later header is then a salt and AES blocks
    (noise here), and nothing, not even a name, can be read without the password.
    """
    if header_encrypted:
        return MARKER + header(MAIN_HEAD, 0x0080, struct.pack("<HI", 0, 0)) + bytes(range(8)) + bytes(64)
    out = MARKER + header(MAIN_HEAD, 0, struct.pack("<HI", 0, 0))
    for entry in entries:
        if not isinstance(entry, Entry):
            name, data = entry
            entry = Entry(name.rstrip("/"), data, directory=name.endswith("/"))
        out += file_header(entry, names)
    if end:
        out += header(ENDARC, end_flags, struct.pack("<I", zlib.crc32(out)) if end_flags & 0x0002 else b"")
    return out
