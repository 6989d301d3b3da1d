"""Sniffing: the type comes from the bytes, never from the file's name."""

import codecs
import io
import random
import zipfile

import pytest

from scanner.extract import sniff


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(32), "png"),
        (b"\xff\xd8\xff\xe0" + bytes(32), "jpeg"),
        ("机密★10年\n关于合作项目的报告\n".encode("utf-8"), "text"),
        (codecs.BOM_UTF8 + "对外提供资料审批表".encode("utf-8"), "text"),
        ("对外提供资料应当经过审批，并添加密码保护。".encode("gbk"), "text"),
        ("涉外合作项目的会议纪要".encode("utf-16"), "text"),  # with BOM
        (codecs.BOM_UTF16_BE + "涉外合作项目的会议纪要".encode("utf-16-be"), "text"),
        (random.Random(20240601).randbytes(4096), "binary"),
        (_zip({"notes.txt": b"hello", "data.csv": b"a,b\n1,2\n"}), "zip"),
    ],
    ids=["empty", "png", "jpeg", "utf8", "utf8-bom", "gbk", "utf16-le-bom", "utf16-be-bom", "random", "zip"],
)
def test_sniff_table(data, kind):
    assert sniff(data) == kind


def test_pdf_from_its_header(make_pdf):
    assert sniff(make_pdf([["hello"]])) == "pdf"


def test_docx_from_its_members(make_docx):
    assert sniff(make_docx(["正文"])) == "docx"


def test_docx_renamed_pdf_is_still_docx(tmp_path, make_docx):
    path = tmp_path / "report.pdf"
    path.write_bytes(make_docx(["正文"]))
    assert sniff(path.read_bytes()) == "docx"


def test_truncated_zip_is_zip_not_text():
    data = _zip({"a.txt": b"x" * 5000, "b.txt": b"y" * 5000})
    assert sniff(data[: len(data) // 2]) == "zip"


def test_truncated_docx_falls_back_to_zip(make_docx):
    # The central directory is gone, so the members cannot be listed: extraction must then refuse it.
    data = make_docx(["正文"])
    assert sniff(data[: len(data) - 100]) == "zip"


def test_zip_with_a_stored_pdf_first_is_a_zip(make_pdf):
    # The stored PDF puts "%PDF-" in the first 1024 bytes; reading it as that one PDF would
    # pass the other members unseen.
    data = _zip({"cover.pdf": make_pdf([["cover"]]), "secret.txt": "机密★10年".encode()}, zipfile.ZIP_STORED)
    assert b"%PDF-" in data[:1024]
    assert sniff(data) == "zip"


def test_pdf_with_junk_before_the_header(make_pdf):
    assert sniff(b"\r\n\r\n" + make_pdf([["hello"]])) == "pdf"


def test_a_zip_needing_a_newer_version_is_sniffed_as_zip_and_blocked(scan_items):
    # Found by the OFD fuzz test: zipfile raises NotImplementedError (not BadZipFile) when the
    # central directory asks for a version it does not know; sniffing must not raise.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", "<ofd/>")
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    data[central + 6] = 64  # "version needed to extract": 6.4
    assert sniff(bytes(data)) == "zip"
    [result] = scan_items(bytes(data))[:1]
    assert result.verdict == "block"
