"""RAR 4.x archives (written by tests/extract/rar4_writer.py): names, members, truncation, unsafe names, passwords."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.extract import extract, sniff
from scanner.model import Protection

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rar4_writer import Entry, build_rar4, header  # noqa: E402

MARKED = "报告/机密★10年-方案.txt"
CONTENT = {
    "报告/": b"",
    MARKED: "机密★10年\n关于对外合作项目的会议纪要".encode(),
    "说明.txt": "普通说明".encode(),
}
@pytest.fixture
def bsdtar():
    """The tests that check the writer against libarchive need bsdtar: missing, they fail (no silent skip)."""
    if shutil.which("bsdtar") is None:
        pytest.fail("bsdtar missing: apt-get install libarchive-tools (as .ci/run does)")


needs_bsdtar = pytest.mark.usefixtures("bsdtar")


def test_end_block_is_the_one_winrar_writes():
    assert header(0x7B, 0x4000, b"") == bytes.fromhex("c43d7b00400700")


@needs_bsdtar
@pytest.mark.parametrize("names", ["rar", "utf-8"])
def test_libarchive_reads_what_the_writer_writes(tmp_path, names):
    path = tmp_path / "pack.rar"
    path.write_bytes(build_rar4(CONTENT.items(), names=names))
    listing = subprocess.run(["bsdtar", "-tvf", str(path)], capture_output=True, text=True, check=True).stdout
    assert [line.split(maxsplit=8)[-1] for line in listing.splitlines()] == ["报告", MARKED, "说明.txt"]
    assert listing.splitlines()[0].startswith("d")
    shown = subprocess.run(["bsdtar", "-xOf", str(path), MARKED], capture_output=True, check=True).stdout
    assert shown == CONTENT[MARKED]


@pytest.mark.parametrize("names", ["rar", "utf-8", "gbk"])
def test_chinese_names_and_a_marked_member_block(names, scan_items):
    data = build_rar4(CONTENT.items(), names=names)
    assert sniff(data) == "rar"
    ex = extract("rar", data)
    assert ex.properties == {"members": 3, "version": "RAR4"} and ex.unread == []
    assert [s.text for s in ex.segments] == ["报告/", MARKED, "说明.txt"]
    assert [m.name for m in ex.members] == [MARKED, "说明.txt"]
    results = scan_items(data, "pack.rar")
    assert {r.member: r.verdict for r in results} == {None: "block", MARKED: "block", "说明.txt": "allow"}
    assert "marking.national_secret" in [r.code for r in results[1].reasons]
    [rollup] = [r for r in results[0].reasons if r.code == "archive.member_blocked"]
    assert MARKED in rollup.message


def test_high_size_fields_and_optional_end_fields_are_read(scan_items):
    entries = [Entry("大文件.txt", "正文".encode() * 50, large=True), ("b.txt", b"plain")]
    # ENDARC with its data CRC (11 bytes) and a few bytes after it: still a whole archive.
    data = build_rar4(entries, end_flags=0x4002) + bytes(16)
    ex = extract("rar", data)
    assert ex.unread == [] and [m.name for m in ex.members] == ["大文件.txt", "b.txt"]
    with ex.members[0].open() as fh:
        assert fh.read() == "正文".encode() * 50
    assert [r.verdict for r in scan_items(data, "big.rar")] == ["allow", "allow", "allow"]


@pytest.mark.parametrize("cut", ["in-main-header", "in-file-header", "in-data", "before-end"])
def test_truncated_rar4_is_reported_not_crashed(cut, scan_items):
    first = build_rar4([("a.txt", "普通说明".encode() * 100)], end=False)
    data = build_rar4([("a.txt", "普通说明".encode() * 100), ("b.txt", "机密★10年".encode() * 100)])
    data = {"in-main-header": data[:12], "in-file-header": data[:40], "in-data": data[: len(first) + 200],
            "before-end": data[:-7]}[cut]
    results = scan_items(data, "cut.rar")
    assert results[0].verdict == "block" and results[0].problem["code"] == "scan.unreadable"
    assert "no end-of-archive header: truncated?" in results[0].problem["detail"]
    if cut == "in-data":
        assert results[2].member == "b.txt" and "member cannot be read" in results[2].problem["detail"]
    if cut == "before-end":  # every member whole: read, and the marking still found
        assert "marking.national_secret" in [r.code for r in results[2].reasons]


@pytest.mark.parametrize("name", ["../x.txt", "a/../../x.txt", "/etc/x.txt", b"..\\x.txt"])
def test_unsafe_member_names(name, scan_items):
    results = scan_items(build_rar4([Entry(name, b"hello"), ("ok.txt", b"fine")]), "evil.rar")
    assert results[0].verdict == "block"
    assert results[1].problem["code"] == "scan.unsafe" and results[1].verdict == "block"
    assert results[2].verdict == "allow"


def test_encrypted_members_need_a_password(scan_items):
    ex = extract("rar", build_rar4([Entry("a.txt", b"x", encrypted=True), Entry("b.txt", b"y", encrypted=True)]))
    assert ex.protection == Protection(encrypted=True, method="rar-aes", needs_password=True)
    assert ex.members == [] and {"a.txt", "b.txt"} <= {s.text for s in ex.segments}

    data = build_rar4([Entry("机密.txt", "机密".encode(), encrypted=True), ("说明.txt", "普通说明".encode())])
    ex = extract("rar", data)
    assert ex.protection == Protection(encrypted=True, method="rar-aes", needs_password=False)
    assert ex.members[0].protection.needs_password and ex.members[0].open is None
    results = scan_items(data, "mixed.rar")
    assert {r.member: r.verdict for r in results} == {None: "block", "机密.txt": "block", "说明.txt": "allow"}
    assert [r.code for r in results[1].reasons] == ["protection.unapproved"]


def test_encrypted_headers_need_a_password():
    ex = extract("rar", build_rar4([], header_encrypted=True))
    assert ex.protection.needs_password and ex.properties["header_encrypted"] is True
