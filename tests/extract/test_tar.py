"""TAR (plain, gz, bz2, xz): members recurse; links refused; bombs stop; damaged headers read past and block."""

import io
import random
import subprocess
import tarfile

import pytest

from scanner.config import Config
from scanner.detect.engine import DetectionEngine
from scanner.extract import extract, sniff
from scanner.extract.limits import Budget, Limits
from scanner.pipeline import scan_tree


def _tar(members, mode="w", fmt=tarfile.DEFAULT_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode, format=fmt) as archive:
        for name, data, *kind in members:
            kind = kind[0] if kind else tarfile.REGTYPE
            info = tarfile.TarInfo(name)
            info.type = kind
            if kind == tarfile.SYMTYPE:
                info.linkname = data.decode()
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.fixture(scope="module")
def scan():
    config = Config()
    engine = DetectionEngine(config)
    return lambda data, **kw: scan_tree(data, path="x.tar", config=config, engine=engine, **kw)


@pytest.mark.parametrize("mode, kind", [("w", "tar"), ("w:gz", "gzip"), ("w:bz2", "bzip2"), ("w:xz", "xz")])
def test_compressed_tars_recurse(scan, mode, kind):
    data = _tar([("docs/机密.txt", "机密★10年".encode(), tarfile.REGTYPE)], mode)
    assert sniff(data) == kind
    results = scan(data)
    assert results[-1].member.endswith("docs/机密.txt")
    assert results[-1].verdict == "block" and results[0].verdict == "block"


def test_links_and_unsafe_names(scan):
    data = _tar([("link", b"/etc/shadow", tarfile.SYMTYPE), ("../up.txt", b"x", tarfile.REGTYPE),
                 ("ok.txt", "会议通知".encode(), tarfile.REGTYPE)])
    results = scan(data)
    problems = {r.member: r.problem["code"] for r in results if r.problem}
    assert problems == {"link": "scan.unsafe", "../up.txt": "scan.unsafe"}
    assert "link member" in next(r for r in results if r.member == "link").problem["detail"]


def test_gzip_bomb_stops_at_the_ratio(scan):
    data = _tar([("zeros", bytes(32 * 1024 * 1024), tarfile.REGTYPE)], "w:gz")
    results = scan(data, budget=Budget(Limits()))
    assert results[1].problem["code"] == "scan.limit" and "max_ratio" in results[1].problem["detail"]


def test_truncated_tar_fails_closed(scan):
    data = _tar([("a.txt", b"x" * 5000, tarfile.REGTYPE), ("b.txt", b"y" * 5000, tarfile.REGTYPE)], "w:gz")
    results = scan(data[: len(data) // 2])
    assert results[0].verdict == "block"
    assert any(r.problem and r.problem["code"] in ("scan.unreadable", "scan.limit") for r in results)


def test_gzip_keeps_the_original_name():
    import gzip

    ex = extract("gzip", gzip.compress(b"x"))
    assert len(ex.members) == 1


# Issue 14, item 5: what GNU tar still extracts past a damaged header must be read, and the damage blocks.

MARK = "机密★10年\n关于对外合作项目的会议纪要".encode()
_PLAIN = [("a.txt", "普通说明".encode()), ("b.txt", "会议通知".encode() * 300), ("c.txt", MARK)]


def _header_offsets(data: bytes) -> list[int]:
    archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:")
    return [info.offset for info in archive.getmembers()]


def _damage_checksum(data: bytes, member: int, seed: int) -> bytes:
    """Change one seeded byte of a member's header checksum field (bytes 148-155), as a bit flip would."""
    rng = random.Random(seed)
    out = bytearray(data)
    where = _header_offsets(data)[member] + 148 + rng.randrange(6)  # the six octal digits
    out[where] = rng.choice([c for c in b"01234567" if c != out[where]])
    return bytes(out)


def _gnu_tar_shows(tmp_path, data: bytes, member: str) -> bytes:
    path = tmp_path / "damaged.tar"
    path.write_bytes(data)
    return subprocess.run(["tar", "-xOf", str(path), member], capture_output=True).stdout


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_bad_checksum_before_a_marked_member_is_skipped_and_the_rest_read(scan, tmp_path, seed, fmt):
    good = _tar(_PLAIN, fmt=fmt)
    data = _damage_checksum(good, 1, seed)  # b.txt's header: tarfile stops listing there
    assert tarfile.open(fileobj=io.BytesIO(data)).getnames() == ["a.txt"]
    assert _gnu_tar_shows(tmp_path, data, "c.txt") == MARK  # the reference reader still shows the mark
    results = scan(data)
    by_member = {r.member: r for r in results}
    assert "marking.national_secret" in [r.code for r in by_member["c.txt"].reasons]
    assert by_member["c.txt"].verdict == "block"
    root = results[0]
    assert root.verdict == "block" and root.problem["code"] == "scan.unreadable"
    assert "b.txt" in root.problem["detail"] and "bad checksum" in root.problem["detail"]


@pytest.mark.parametrize("seed", [4, 5])
def test_bad_checksum_on_the_marked_member_blocks_as_partly_unreadable(scan, seed):
    data = _damage_checksum(_tar(_PLAIN), 2, seed)
    results = scan(data)
    assert results[0].verdict == "block" and results[0].problem["code"] == "scan.unreadable"
    assert "c.txt" in results[0].problem["detail"]


@pytest.mark.parametrize("tail", [b"\x00" * 512 + "机密★10年".encode() + bytes(100), b"junk" * 300],
                         ids=["mark-after-the-end", "junk"])
def test_bytes_that_are_no_member_block(scan, tail):
    data = _tar(_PLAIN[:1]) + tail
    results = scan(data)
    assert results[0].verdict == "block" and results[0].problem["code"] == "scan.unreadable"


def test_tar_padding_and_a_second_tar_appended_are_read(scan):
    first = _tar(_PLAIN[:1])
    assert len(first) % 10240 == 0 and first.endswith(bytes(1024))  # the record padding is all zeros
    data = first + _tar([("c.txt", MARK)])  # `cat a.tar b.tar`: GNU tar -i and tarfile(ignore_zeros) read both
    results = scan(data)
    assert results[0].problem is None
    assert [r.member for r in results[1:]] == ["a.txt", "c.txt"] and results[-1].verdict == "block"
    assert [r.verdict for r in scan(first)] == ["allow", "allow"]
