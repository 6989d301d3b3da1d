"""Damaged RAR headers (issue 14, item 6): a header CRC error makes the archive partly unreadable, never allowed.

rarfile stops listing at a header whose CRC is wrong and says so only through `strerror()`; bsdtar reports
"Header CRC error" and exits 1. The archives are built by conftest's make_rar (RAR5) and rar4_writer (RAR4),
then one seeded bit of a header is flipped.
"""

import random
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from scanner.extract import extract

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rar4_writer import build_rar4  # noqa: E402

MARK = "机密★10年\n关于对外合作项目的会议纪要".encode()
MEMBERS = {"a.txt": "普通说明".encode(), "b.txt": "会议通知".encode() * 50, "c.txt": MARK, "d.txt": b"plain"}


def _vint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def rar5_headers(data: bytes) -> list[tuple[int, int, int]]:
    """(offset, header type, header length with its CRC) of each RAR5 block, walked from the signature."""
    pos, found = 8, []
    while pos < len(data):
        size, start = _vint(data, pos + 4)
        kind, p = _vint(data, start)
        flags, p = _vint(data, p)
        if flags & 1:
            _, p = _vint(data, p)
        data_size = _vint(data, p)[0] if flags & 2 else 0
        found.append((pos, kind, start + size - pos))
        pos = start + size + data_size
    return found


def flip_bit(data: bytes, start: int, length: int, seed: int) -> bytes:
    """One seeded bit of data[start:start + length] flipped, as a bad sector or a bad copy would."""
    rng = random.Random(seed)
    out = bytearray(data)
    out[start + rng.randrange(length)] ^= 1 << rng.randrange(8)
    return bytes(out)


def _bsdtar_complains(tmp_path, data: bytes) -> bool:
    if shutil.which("bsdtar") is None:
        pytest.fail("bsdtar missing: apt-get install libarchive-tools (as .ci/run does)")
    path = tmp_path / "damaged.rar"
    path.write_bytes(data)
    run = subprocess.run(["bsdtar", "-tf", str(path)], capture_output=True, text=True)
    return run.returncode != 0 and "CRC" in run.stderr


@pytest.fixture
def rar5(make_rar):
    data = make_rar(MEMBERS)
    return data, rar5_headers(data)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("which", ["main", "first file", "marked file", "file after the mark", "end"])
def test_rar5_header_crc_error_blocks_as_unreadable(rar5, scan_items, tmp_path, which, seed):
    good, headers = rar5
    index = {"main": 0, "first file": 1, "marked file": 3, "file after the mark": 4, "end": 5}[which]
    offset, kind, _ = headers[index]
    data = flip_bit(good, offset, 4, seed)  # the header's CRC32 field
    if which != "end":  # bsdtar lists every member when only the end block is damaged; Mijian still blocks
        assert _bsdtar_complains(tmp_path, data)
    results = scan_items(data, "damaged.rar")
    root = results[0]
    assert root.verdict == "block" and root.problem["code"] == "scan.unreadable"
    assert "CRC" in root.problem["detail"]
    if index > 3:  # the marked member comes before the damage: it is read, and its mark found
        marked = next(r for r in results if r.member == "c.txt")
        assert "marking.national_secret" in [r.code for r in marked.reasons]


@pytest.mark.parametrize("seed", range(4))
def test_rar5_bit_flipped_anywhere_in_a_file_header_blocks(rar5, scan_items, seed):
    good, headers = rar5
    offset, _, length = headers[2]  # b.txt, before the marked member
    results = scan_items(flip_bit(good, offset, length, seed), "damaged.rar")
    assert results[0].verdict == "block" and results[0].problem["code"] == "scan.unreadable"


def test_rar5_header_size_past_rarfiles_limit_blocks(rar5, scan_items):
    """rarfile ends the listing without a word when a header claims over 2 MiB: the walk still notices."""
    good, headers = rar5
    offset, _, length = headers[3]
    header = bytes([0x80, 0x80, 0x80, 0x01]) + good[offset + 5:offset + length]  # size vint now 2 MiB
    data = good[:offset] + zlib.crc32(header).to_bytes(4, "little") + header + good[offset + length:]
    results = scan_items(data, "damaged.rar")
    assert results[0].verdict == "block" and results[0].problem["code"] == "scan.unreadable"


def test_rar5_whole_archive_is_still_allowed(make_rar, scan_items):
    data = make_rar({name: b"plain" for name in MEMBERS})
    ex = extract("rar", data)
    assert ex.unread == [] and len(ex.members) == 4
    assert [r.verdict for r in scan_items(data, "plain.rar")] == ["allow"] * 5


@pytest.mark.parametrize("seed", range(3))
def test_rar4_header_crc_error_blocks_as_unreadable(scan_items, seed):
    good = build_rar4(MEMBERS.items())
    marked = good.index("c.txt".encode()) - 32  # FILE_HEAD starts 32 bytes before its name
    data = flip_bit(good, marked, 2, seed)  # HEAD_CRC of the marked member's header
    results = scan_items(data, "damaged.rar")
    assert results[0].verdict == "block" and results[0].problem["code"] == "scan.unreadable"
    assert "CRC" in results[0].problem["detail"]


@pytest.mark.parametrize("version", ["RAR4", "RAR5"])
def test_bytes_after_the_end_block_block(make_rar, scan_items, version):
    plain = {name: b"plain" for name in MEMBERS}
    whole = build_rar4(plain.items()) if version == "RAR4" else make_rar(plain)
    assert [r.verdict for r in scan_items(whole + bytes(64), "padded.rar")] == ["allow"] * 5  # zeros: padding
    results = scan_items(whole + MARK, "tail.rar")
    assert results[0].verdict == "block" and results[0].problem["code"] == "scan.unreadable"
    assert f"{len(MARK)} bytes after the end of the RAR archive" in results[0].problem["detail"]
