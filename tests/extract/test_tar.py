"""TAR (plain, gz, bz2, xz): members recurse; links and devices are refused with a reason; bombs stop."""

import io
import tarfile

import pytest

from scanner.config import Config
from scanner.detect.engine import DetectionEngine
from scanner.extract import extract, sniff
from scanner.extract.limits import Budget, Limits
from scanner.pipeline import scan_tree


def _tar(members, mode="w") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as archive:
        for name, data, kind in members:
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
