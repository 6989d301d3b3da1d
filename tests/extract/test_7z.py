"""7z archives: members recurse, encrypted members and headers, bombs, damage."""

import pytest
from hypothesis import HealthCheck, given, settings

from file_helpers import assert_fuzz_verdict, mutate, mutation_strategy

from scanner.errors import ExtractionError, LimitExceededError
from scanner.extract import extract, sniff
from scanner.extract.limits import Limits
from scanner.extract.sevenzip import extract_7z
from scanner.model import Protection

ENCRYPTED = Protection(encrypted=True, method="7z-aes", needs_password=True)


def test_members_and_names(make_7z, make_docx):
    doc = make_docx(["机密★10年"])
    data = make_7z({"报告/方案.docx": doc, "说明.txt": "普通说明".encode(), "empty.txt": b""})
    assert sniff(data) == "7z"
    ex = extract("7z", data)
    assert {m.name: m.data for m in ex.members} == {"报告/方案.docx": doc, "说明.txt": "普通说明".encode(),
                                                    "empty.txt": b""}
    assert "报告/方案.docx" in [s.text for s in ex.segments]
    assert ex.protection == Protection()


def test_members_recurse_and_block(make_7z, make_zip, scan_items):
    inner = make_zip({"a/secret.txt": "秘密★5年".encode()})
    results = scan_items(make_7z({"pack.zip": inner, "ok.txt": "会议通知".encode()}), "out.7z")
    by_member = {r.member: r for r in results}
    assert by_member["pack.zip/a/secret.txt"].verdict == "block"
    assert by_member["ok.txt"].verdict == "allow"
    assert results[0].type == "7z" and results[0].verdict == "block"


def test_encrypted_data_needs_password(make_7z, scan_items):
    data = make_7z({"a.txt": "机密".encode(), "b.txt": "绝密".encode()}, password="s3cret")
    ex = extract("7z", data)
    assert ex.protection == ENCRYPTED
    assert ex.members == [] and {"a.txt", "b.txt"} <= {s.text for s in ex.segments}  # names are visible
    [result] = scan_items(data, "locked.7z")
    assert result.protection.to_dict() == {"encrypted": True, "method": "7z-aes", "needs_password": True}
    assert result.verdict == "block"


def test_encrypted_header_needs_password(make_7z):
    ex = extract("7z", make_7z({"机密名单.txt": b"x"}, password="s3cret", header_encryption=True))
    assert ex.protection == ENCRYPTED
    assert ex.properties["header_encrypted"] is True
    assert ex.segments == [] and ex.members == []


def test_some_members_encrypted_is_not_protected(make_7z, scan_items):
    data = make_7z({"secret.txt": "机密★10年".encode()}, password="s3cret", plain={"readme.txt": "秘密★5年".encode()})
    ex = extract("7z", data)
    assert ex.protection == Protection(encrypted=True, method="7z-aes", needs_password=False)
    by_name = {m.name: m for m in ex.members}
    assert by_name["secret.txt"].protection == ENCRYPTED and by_name["secret.txt"].data is None
    assert by_name["readme.txt"].data == "秘密★5年".encode()
    results = scan_items(data, "mixed.7z")
    assert {r.member: r.verdict for r in results[1:]} == {"secret.txt": "block", "readme.txt": "block"}


def test_bomb_is_refused_from_declared_sizes(make_7z):
    data = make_7z({"zeros.bin": bytes(50 * 1024 * 1024)})
    assert len(data) < 100_000
    with pytest.raises(LimitExceededError, match="max_ratio"):
        extract("7z", data)


def test_size_limits_stop_decompression(make_7z):
    data = make_7z({"a.txt": b"0123456789" * 10_000, "b.txt": b"x" * 10})
    with pytest.raises(LimitExceededError, match="max_file_size"):
        extract_7z(data, Limits(max_file_size=50_000, max_ratio=1e9))
    with pytest.raises(LimitExceededError, match="max_total_bytes"):
        extract_7z(data, Limits(max_total_bytes=50_000, max_ratio=1e9))


def test_bomb_fails_closed_in_the_pipeline(make_7z, scan_items):
    [result] = scan_items(make_7z({"zeros.bin": bytes(50 * 1024 * 1024)}), "bomb.7z")
    assert result.verdict == "block" and result.problem["code"] == "scan.limit"


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9])
def test_truncated_7z_fails_closed(make_7z, scan_items, cut):
    data = make_7z({"a.txt": "涉外合作".encode() * 3000, "b.txt": "机密★10年".encode() * 2000})
    with pytest.raises(ExtractionError):
        extract("7z", data[: int(len(data) * cut)])
    results = scan_items(data[: int(len(data) * cut)], "cut.7z")
    assert results[0].verdict == "block" and results[0].problem["code"] == "scan.unreadable"


def test_unsafe_names_are_marked():
    # py7zr refuses to write such a name: rename a same-length member in a plain (unencoded) header.
    import io

    import py7zr

    out = io.BytesIO()
    with py7zr.SevenZipFile(out, "w") as archive:
        archive.set_encoded_header_mode(False)
        archive.writestr(b"x", "aa/bb/etc/cron.d/evil")
    data = out.getvalue()
    name = "aa/bb/etc/cron.d/evil".encode("utf-16-le")
    assert data.count(name) == 1
    data = data.replace(name, "../../etc/cron.d/evil".encode("utf-16-le"))
    data = _fix_header_crc(data)
    [member] = extract("7z", data).members
    assert member.name == "../../etc/cron.d/evil"
    assert member.problem[0] == "scan.unsafe" and "path traversal" in member.problem[1]


def _fix_header_crc(data: bytes) -> bytes:
    """Recompute the next-header CRC and the start-header CRC after editing the header in place."""
    import struct
    import zlib

    offset, size = struct.unpack("<QQ", data[12:28])
    header = data[32 + offset:32 + offset + size]
    start = struct.pack("<QQI", offset, size, zlib.crc32(header))
    return data[:8] + struct.pack("<I", zlib.crc32(start)) + start + data[32:]


def test_rar_members_recurse(make_rar, make_docx, scan_items):
    doc = make_docx(["机密★10年"])
    data = make_rar({"报告/方案.docx": doc, "说明.txt": "普通说明".encode()})
    assert sniff(data) == "rar"
    ex = extract("rar", data)
    assert ex.protection == Protection() and ex.properties["version"] == "RAR5"
    assert "报告/方案.docx" in [s.text for s in ex.segments]
    with ex.members[0].open() as fh:
        assert fh.read() == doc
    results = scan_items(data, "pack.rar")
    assert {r.member: r.verdict for r in results} == {None: "block", "报告/方案.docx": "block", "说明.txt": "allow"}


def test_rar_fully_encrypted_needs_password(make_rar):
    ex = extract("rar", make_rar({"a.txt": b"x", "b.txt": b"y"}, encrypted={"a.txt", "b.txt"}))
    assert ex.protection == Protection(encrypted=True, method="rar-aes", needs_password=True)
    assert ex.members == [] and {"a.txt", "b.txt"} <= {s.text for s in ex.segments}


def test_rar_some_members_encrypted_is_not_protected(make_rar, scan_items):
    data = make_rar({"secret.txt": "机密".encode(), "readme.txt": "秘密★5年".encode()}, encrypted={"secret.txt"})
    ex = extract("rar", data)
    assert ex.protection == Protection(encrypted=True, method="rar-aes", needs_password=False)
    results = scan_items(data, "mixed.rar")
    assert {r.member: r.verdict for r in results[1:]} == {"secret.txt": "block", "readme.txt": "block"}


def test_rar_encrypted_headers_need_password(make_rar):
    ex = extract("rar", make_rar({}, header_encrypted=True))
    assert ex.protection.needs_password and ex.properties["header_encrypted"] is True


def test_rar_compressed_member_fails_closed(make_rar, scan_items, monkeypatch):
    data = make_rar({"c.txt": "机密★10年".encode(), "ok.txt": b"plain"}, compressed={"c.txt"})
    # With bsdtar (or unrar) the bad data is caught by its CRC; without a tool the member is unsupported.
    results = scan_items(data, "c.rar")
    assert results[0].verdict == "block"
    assert {r.member: (r.problem or {}).get("code") for r in results[1:]}["c.txt"] in (
        "scan.unreadable", "scan.unsupported")
    from scanner.extract import rar

    def no_tool():
        raise rar.rarfile.RarCannotExec("none")

    monkeypatch.setattr(rar.rarfile, "tool_setup", no_tool)
    [member, _] = extract("rar", data).members
    assert member.problem[0] == "scan.unsupported" and "needs bsdtar or unrar" in member.problem[1]


@pytest.mark.parametrize("cut", [0.2, 0.5, 0.9, "between-members"])
def test_truncated_rar_fails_closed(make_rar, scan_items, cut):
    first = make_rar({"a.txt": "涉外合作".encode() * 300})
    data = make_rar({"a.txt": "涉外合作".encode() * 300, "b.txt": "机密★10年".encode() * 200})
    # Cut right after the first member: rarfile lists one member, all of it readable.
    data = data[: len(first) - 8] if cut == "between-members" else data[: int(len(data) * cut)]
    results = scan_items(data, "cut.rar")
    assert results[0].verdict == "block"
    assert results[0].problem is not None or any(r.problem for r in results[1:])
    if cut == "between-members":
        assert results[0].problem["code"] == "scan.unreadable"
        assert "no end-of-archive header" in results[0].problem["detail"]


@pytest.mark.parametrize("magic, version", [(b"Rar!\x1a\x07\x00", "RAR4"), (b"Rar!\x1a\x07\x01\x00", "RAR5")])
def test_rar_without_a_reader_fails_closed_naming_rar(scan_items, make_zip, monkeypatch, magic, version):
    from scanner.extract import rar

    monkeypatch.setattr(rar, "rarfile", None)
    data = magic + bytes(64)
    assert sniff(data) == "rar"
    [result] = scan_items(data, "pack.rar")
    assert result.verdict == "block" and result.problem["code"] == "scan.unsupported"
    assert f"RAR archives ({version}) cannot be read here" in result.problem["detail"]
    results = scan_items(make_zip({"inner.rar": data}), "outer.zip")
    assert results[1].problem["code"] == "scan.unsupported" and results[0].verdict == "block"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation_strategy())
def test_mutated_7z_ends_with_a_verdict(make_7z, scan_items, change):
    sample = make_7z({"a.txt": "机密★10年".encode(), "b/c.txt": "正文".encode() * 50})
    assert_fuzz_verdict(scan_items, mutate(sample, change))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation_strategy())
def test_mutated_rar_ends_with_a_verdict(make_rar, scan_items, change):
    sample = make_rar({"a.txt": "机密★10年".encode(), "b.txt": b"x"}, encrypted={"b.txt"})
    assert_fuzz_verdict(scan_items, mutate(sample, change))


@pytest.mark.parametrize("tail", ["机密★10年".encode(), b"\xff" * 3], ids=["mark", "junk"])
def test_bytes_after_the_7z_end_header_block(make_7z, scan_items, tail):
    """py7zr and bsdtar ignore what follows the end header; Mijian does not read it either, so it blocks
    (issue 14: never allow what was not read)."""
    whole = make_7z({"a.txt": "普通说明".encode(), "b.txt": b"plain"})
    assert [r.verdict for r in scan_items(whole + bytes(16), "padded.7z")] == ["allow"] * 3  # zeros: padding
    results = scan_items(whole + tail, "tail.7z")
    assert results[0].verdict == "block" and results[0].problem["code"] == "scan.unreadable"
    assert f"{len(tail)} bytes after the end of the 7z archive" in results[0].problem["detail"]
