"""Hostile input ends in a recorded verdict with a clear reason: bombs, unsafe names, lies, damage."""

import stat
import time
import zipfile

import pytest

from scanner.extract.limits import Budget, Limits
from scanner.pipeline import scan_tree

MiB = 1024 * 1024


@pytest.fixture
def tree(config, engine):
    def run(data: bytes, path: str = "in.zip", **kw):
        started = time.monotonic()
        results = scan_tree(data, path=path, config=config, engine=engine, **kw)
        assert time.monotonic() - started < 20, "a hostile file must not stall the scan"
        return results

    return run


def problems(results) -> list[tuple[str | None, str]]:
    return [(r.member, r.problem["code"]) for r in results if r.problem]


@pytest.fixture(scope="module")
def nested_bomb(make_zip):
    """The 42.zip pattern: 4 levels of 4 copies over 16 MiB of zeros: 4 GiB expanded, 50 KB packed."""
    data = make_zip({"zeros.bin": bytes(16 * MiB)}, compression=zipfile.ZIP_DEFLATED)
    for level in range(4):
        data = make_zip({f"lib{level}_{i}.zip": data for i in range(4)})
    assert len(data) < 200_000
    return data


def test_nested_bomb_is_stopped_by_the_ratio(tree, nested_bomb):
    results = tree(nested_bomb)
    assert results[0].verdict == "block"
    limited = [r for r in results if r.problem and r.problem["code"] == "scan.limit"]
    assert limited and "max_ratio" in limited[0].problem["detail"]
    # Each bomb member is stopped after a little over a MiB, never expanded in full.
    assert all(r.problem["code"] == "scan.limit" for r in results if r.problem)
    assert results[0].reasons[0].code == "archive.member_blocked"


def test_nested_bomb_is_stopped_by_total_bytes_when_ratio_allows(tree, nested_bomb):
    budget = Budget(Limits(max_ratio=1e9, max_total_bytes=40 * MiB))
    results = tree(nested_bomb, budget=budget)
    assert results[0].verdict == "block"
    assert any("max_total_bytes" in r.problem["detail"] for r in results if r.problem)
    assert budget.expanded <= 40 * MiB + 256 * 1024


def test_overlapping_entry_bomb(tree, raw_zip):
    data = raw_zip([(b"a.txt", "机密★10年".encode() * 1000)], point_all_at_first=500)
    [own] = tree(data)
    assert own.problem["code"] == "scan.limit" and "overlapping" in own.problem["detail"]
    assert own.verdict == "block"


def test_member_over_max_file_size(tree, make_zip):
    results = tree(make_zip({"big.txt": b"a" * (3 * MiB)}), budget=Budget(Limits(max_file_size=MiB)))
    assert problems(results) == [("big.txt", "scan.limit")]
    assert "max_file_size" in results[1].problem["detail"]


def test_time_limit(tree, make_zip):
    budget = Budget(Limits(max_seconds=0.001))
    budget.started -= 1  # as if a second had passed already
    results = tree(make_zip({"a.txt": b"x", "b.txt": b"y"}), budget=budget)
    assert problems(results) == [("a.txt", "scan.limit")]
    assert "max_seconds" in results[1].problem["detail"]


@pytest.mark.parametrize("name", ["../../etc/cron.d/evil", "/etc/passwd", "C:/Windows/win.ini"])
def test_unsafe_member_names_block_with_reason(tree, make_zip, name):
    results = tree(make_zip({name: "会议通知".encode(), "ok.txt": "会议通知".encode()}))
    assert problems(results) == [(name, "scan.unsafe")]
    assert results[0].verdict == "block"


def test_symlink_member_blocks_with_reason(tree, make_zip):
    info = zipfile.ZipInfo("link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    results = tree(make_zip([(info, "/etc/shadow")]))
    assert problems(results) == [("link", "scan.unsafe")]
    assert "symbolic link" in results[1].problem["detail"]


def test_gbk_member_names_in_results(tree, raw_zip):
    data = raw_zip([("机密文件/作战方案.txt".encode("gbk"), "机密★10年".encode())])
    results = tree(data)
    assert results[1].member == "机密文件/作战方案.txt"
    assert "marking.national_secret" in [r.code for r in results[1].reasons]


def test_wrong_extension_is_read_by_content(tree, make_zip, make_docx):
    results = tree(make_zip({"photo.jpg": make_docx(["机密★10年"])}), path="holiday.pdf")
    assert results[0].type == "zip" and results[1].type == "docx"
    assert results[1].verdict == "block"


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_archive_fails_closed(tree, make_zip, cut):
    data = make_zip({"a.txt": b"x" * 20000, "b.txt": "机密★10年".encode() * 2000})
    results = tree(data[: int(len(data) * cut)])
    assert results[0].verdict == "block"
    assert results[0].problem["code"] in ("scan.unreadable", "scan.unsupported")


def test_corrupt_member_data_fails_closed(tree, make_zip):
    data = bytearray(make_zip({"a.txt": "会议通知".encode() * 500}))
    data[60:80] = bytes(20)  # inside the deflated stream: bad data or bad CRC
    results = tree(bytes(data))
    assert results[0].verdict == "block"
    assert problems(results)[-1][1] in ("scan.unreadable", "scan.unsupported")


def test_unknown_compression_method_fails_closed(tree, make_zip):
    data = bytearray(make_zip({"a.txt": b"hello" * 100}))
    # Method 9 (Deflate64) in both headers: zipfile cannot decompress it.
    data[8:10] = (9).to_bytes(2, "little")
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 10:cd + 12] = (9).to_bytes(2, "little")
    results = tree(bytes(data))
    assert problems(results) == [("a.txt", "scan.unreadable")]
