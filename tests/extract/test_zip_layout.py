"""ZIP local headers against the central directory (issue 14, item 7): what either lists is read, disagreement blocks.

bsdtar reading from a pipe walks the local headers and extracts an entry the central directory leaves out;
zipfile (and unzip) see only the central directory. Archives are written by zipfile, then damaged.
"""

import io
import random
import shutil
import struct
import subprocess
import zipfile

import pytest

from scanner.extract import extract, sniff

MARK = "机密★10年\n关于对外合作项目的会议纪要".encode()
PLAIN = {"a.txt": "普通说明".encode(), "b.txt": "会议通知".encode() * 50, "d.txt": b"plain"}
_EOCD = b"PK\x05\x06"


class _Pipe(io.RawIOBase):
    """A stream that cannot seek: zipfile then writes sizes in data descriptors (flag bit 3)."""

    def __init__(self):
        self.out = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.out += b
        return len(b)


def build(members: dict, *, method=zipfile.ZIP_DEFLATED, streamed=False, seed=0) -> bytes:
    """A zip of `members` in a seeded order; `streamed` writes it as to a pipe (sizes after the data)."""
    names = list(members)
    random.Random(seed).shuffle(names)
    sink = _Pipe() if streamed else io.BytesIO()
    with zipfile.ZipFile(sink, "w", method) as archive:
        for name in names:
            with archive.open(zipfile.ZipInfo(name, (2024, 5, 17, 9, 30, 0)), "w") as fh:
                fh.write(members[name])
    return bytes(sink.out) if streamed else sink.getvalue()


def central_records(data: bytes) -> tuple[int, list[tuple[str, bytes]], int]:
    """(offset of the central directory, its records by name, offset of the end record)."""
    end = data.rindex(_EOCD)
    offset = struct.unpack_from("<I", data, end + 16)[0]
    records, pos = [], offset
    while data[pos:pos + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        size = 46 + name_len + extra_len + comment_len
        records.append((data[pos + 46:pos + 46 + name_len].decode(), data[pos:pos + size]))
        pos += size
    return offset, records, end


def drop_from_central_directory(data: bytes, drop) -> bytes:
    """The archive with the records named in `drop` cut from its central directory (counts and size redone)."""
    offset, records, end = central_records(data)
    kept = b"".join(record for name, record in records if name not in drop)
    count = sum(name not in drop for name, _ in records)
    tail = bytearray(data[end:])
    struct.pack_into("<HHII", tail, 8, count, count, len(kept), offset)
    return data[:offset] + kept + bytes(tail)


def bsdtar_stream_shows(data: bytes, member: str) -> bytes:
    """What bsdtar extracts from the archive read as a stream (local headers, as from a pipe)."""
    if shutil.which("bsdtar") is None:
        pytest.fail("bsdtar missing: apt-get install libarchive-tools (as .ci/run does)")
    return subprocess.run(["bsdtar", "-xOf", "-", member], input=data, capture_output=True).stdout


def _marked(results, name="c.txt"):
    return next(r for r in results if r.member == name)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("method, streamed", [(zipfile.ZIP_STORED, False), (zipfile.ZIP_DEFLATED, False),
                                              (zipfile.ZIP_DEFLATED, True), (zipfile.ZIP_STORED, True)],
                         ids=["stored", "deflated", "deflated-streamed", "stored-streamed"])
def test_entry_missing_from_the_central_directory_is_read_and_blocks(scan_items, method, streamed, seed):
    data = drop_from_central_directory(build({**PLAIN, "c.txt": MARK}, method=method, streamed=streamed,
                                             seed=seed), {"c.txt"})
    assert "c.txt" not in zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert bsdtar_stream_shows(data, "c.txt") == MARK
    results = scan_items(data, "hidden.zip")
    assert "marking.national_secret" in [r.code for r in _marked(results).reasons]
    root = results[0]
    assert root.verdict == "block" and root.problem["code"] == "scan.unreadable"
    assert "'c.txt'" in root.problem["detail"] and "not in the central directory" in root.problem["detail"]
    assert {r.member for r in results[1:]} == {"a.txt", "b.txt", "c.txt", "d.txt"}


@pytest.mark.parametrize("streamed", [False, True])
def test_emptied_central_directory_is_read_from_the_local_headers(scan_items, streamed):
    good = build({**PLAIN, "c.txt": MARK}, streamed=streamed, seed=3)
    data = drop_from_central_directory(good, {"a.txt", "b.txt", "c.txt", "d.txt"})
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == []
    results = scan_items(data, "emptied.zip")
    assert results[0].verdict == "block" and results[0].problem["code"] == "scan.unreadable"
    assert "marking.national_secret" in [r.code for r in _marked(results).reasons]


def test_an_entry_whose_length_cannot_be_found_blocks(scan_items):
    good = build({**PLAIN, "c.txt": MARK}, streamed=True, seed=4)
    data = bytearray(drop_from_central_directory(good, {"c.txt"}))
    descriptor = data.index(b"PK\x07\x08", data.index(b"c.txt"))
    data[descriptor:descriptor + 4] = b"XXXX"  # no descriptor to find: the entry's end is unknown
    results = scan_items(bytes(data), "lost.zip")
    assert results[0].verdict == "block" and results[0].problem["code"] == "scan.unreadable"
    assert "'c.txt'" in results[0].problem["detail"]


def test_a_zip_appended_to_a_zip_is_read_whole(scan_items):
    """zipfile and unzip read the last archive's directory, bsdtar from a pipe the first archive: read both."""
    first, second = build({"c.txt": MARK}), build(PLAIN, seed=5)
    data = first + second
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == list(zipfile.ZipFile(io.BytesIO(second)).namelist())
    assert bsdtar_stream_shows(data, "c.txt") == MARK
    results = scan_items(data, "twice.zip")
    assert "marking.national_secret" in [r.code for r in _marked(results).reasons]
    assert results[0].verdict == "block" and results[0].problem["code"] == "scan.unreadable"


@pytest.mark.parametrize("comment", [b"", "内部资料".encode()], ids=["no-comment", "comment"])
@pytest.mark.parametrize("tail", [MARK, b"\xff" * 3], ids=["mark", "junk"])
def test_bytes_after_the_end_record_block(scan_items, make_zip, comment, tail):
    data = make_zip(PLAIN, comment=comment) + tail
    assert sniff(data) == "zip" and zipfile.ZipFile(io.BytesIO(data)).namelist() == list(PLAIN)
    results = scan_items(data, "tail.zip")
    assert results[0].verdict == "block" and results[0].problem["code"] == "scan.unreadable"
    assert f"{len(tail)} bytes after the end of the zip archive" in results[0].problem["detail"]


@pytest.mark.parametrize("seed", [6, 7])
def test_junk_between_entries_blocks(scan_items, seed):
    good = build(PLAIN, seed=seed)
    offset, records, end = central_records(good)
    cut = sorted(struct.unpack_from("<I", record, 42)[0] for _, record in records)[1]  # the second entry
    shifted = b""
    for _, record in records:  # every offset past the junk moves, so the directory still finds its entries
        record = bytearray(record)
        local = struct.unpack_from("<I", record, 42)[0]
        struct.pack_into("<I", record, 42, local + len(MARK) if local >= cut else local)
        shifted += record
    tail = bytearray(good[end:])
    struct.pack_into("<I", tail, 16, offset + len(MARK))
    data = good[:cut] + MARK + good[cut:offset] + shifted + bytes(tail)
    assert sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()) == sorted(PLAIN)
    results = scan_items(data, "gap.zip")
    assert results[0].verdict == "block" and results[0].problem["code"] == "scan.unreadable"
    assert "bytes between zip entries" in results[0].problem["detail"]


def test_whole_archives_are_still_allowed(scan_items, make_zip):
    for data in (build(PLAIN), build(PLAIN, streamed=True), build(PLAIN, method=zipfile.ZIP_STORED, streamed=True),
                 make_zip(PLAIN, comment="内部".encode()), make_zip(PLAIN) + bytes(32), make_zip({})):
        ex = extract("zip", data)
        assert ex.unread == [], ex.unread
        assert all(r.verdict == "allow" for r in scan_items(data, "ok.zip")[1:])


def test_apk_signing_block_before_the_central_directory_is_allowed(scan_items):
    """Android's APK Signature Scheme v2 puts a block between the entries and the central directory."""
    good = build(PLAIN, seed=8)
    offset, records, end = central_records(good)
    pairs = struct.pack("<QI", 4 + 32, 0x7109871A) + bytes(32)
    size = len(pairs) + 8 + 16
    block = struct.pack("<Q", size) + pairs + struct.pack("<Q", size) + b"APK Sig Block 42"
    tail = bytearray(good[end:])
    struct.pack_into("<I", tail, 16, offset + len(block))
    data = good[:offset] + block + good[offset:end] + bytes(tail)
    assert sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()) == sorted(PLAIN)
    assert extract("zip", data).unread == []
