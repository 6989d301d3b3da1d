"""The seed files of the fuzz target: one per supported format, each carrying 机密★10年, made by the real
libraries through the builders of tests/conftest.py (python-docx, openpyxl, python-pptx, reportlab,
zipfile, tarfile, py7zr, the e-mail package, xlwt) and the hand-written RAR and RTF writers.

Seeds are the same bytes on every run, so a mutant is reproduced from its name: zip-based files are
repacked with one fixed date (what the libraries stamp with the current time), the core properties'
dates are fixed, the e-mail gets a fixed boundary, 7z members a fixed modification time.
"""

from __future__ import annotations

import email
import email.policy
import gzip
import io
import os
import re
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "extract"))
from rar4_writer import build_rar4  # noqa: E402

MARK = "机密★10年"
TEXT = f"{MARK}\n关于召开年度工作会议的通知\n各部门：定于下周一上午九时在三楼会议室召开年度工作会议，请准时参加。\n"
PLAIN = "各部门：请按时报送本季度工作总结。\n"
_FIXED = (2024, 1, 1, 0, 0, 0)
_FIXED_EPOCH = 1704067200  # 2024-01-01 00:00:00 UTC


@dataclass(frozen=True)
class Seed:
    """A seed file: `reference` names the reader that shows what a person would see in it
    (references.py), or None where no independent reader is at hand (then only crashes, hangs and
    records are checked)."""

    fmt: str
    ext: str
    data: bytes
    reference: str | None


def stable_zip(data: bytes) -> bytes:
    """The same zip with one fixed date on every entry and in the core properties (docProps/core.xml)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", body)
            fixed = zipfile.ZipInfo(info.filename, _FIXED)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            target.writestr(fixed, body)
    return out.getvalue()


def stable_eml(data: bytes) -> bytes:
    """The same message with a fixed MIME boundary (the e-mail package draws a random one)."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    if message.is_multipart():
        message.set_boundary("==fuzz-seed==")
    return message.as_bytes()


def make_tar(members: dict[str, bytes], fmt: int = tarfile.GNU_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), _FIXED_EPOCH, 0o644
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def make_7z(members: dict[str, bytes]) -> bytes:
    """A 7z by py7zr from files with a fixed modification time (writestr stamps the current time)."""
    import py7zr

    with tempfile.TemporaryDirectory() as folder:
        out = io.BytesIO()
        with py7zr.SevenZipFile(out, "w") as archive:
            for number, (name, data) in enumerate(members.items()):
                path = Path(folder) / f"{number}.bin"
                path.write_bytes(data)
                os.utime(path, (_FIXED_EPOCH, _FIXED_EPOCH))
                archive.write(path, name)
        return out.getvalue()


def make_rtf(lines: list[str]) -> bytes:
    """RTF as WordPad writes Chinese on a GBK system: \\'xx escapes of the GBK bytes, ★ as \\uN."""

    def escaped(text: str) -> str:
        out = []
        for char in text:
            if char.isascii():
                out.append(char)
            else:
                try:
                    out.append("".join(f"\\'{b:02x}" for b in char.encode("gbk")))
                except UnicodeEncodeError:
                    out.append(f"\\u{ord(char)}?")
        return "".join(out)

    head = r"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 " + escaped("宋体") + ";}}"
    body = "".join(r"\pard\f0 " + escaped(line) + r"\par" + "\n" for line in lines)
    return (head + "\n" + body + "}").encode("ascii")


def make_xls(cells: dict[tuple[int, int], str]) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("通知")
    for (row, column), value in cells.items():
        sheet.write(row, column, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def build_seeds(make) -> list[Seed]:
    """Every seed; `make` maps a builder's fixture name (make_docx, make_pdf, ...) to the builder."""
    marked, plain = TEXT.encode(), PLAIN.encode()
    docx = stable_zip(make["make_docx"]([MARK, "关于召开年度工作会议的通知", "各部门：请准时参加。"]))
    html = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>通知</title></head>\n<body>\n'
            f"<h1>{MARK}</h1>\n<p>关于召开年度工作会议的通知</p>\n<p>各部门：请准时参加。</p>\n</body></html>\n")
    # The mark in the last member: damage to an earlier header must not hide it (issue 14, items 5-7).
    members = {"说明.txt": plain, "附件/目录.txt": "一、会议安排\n二、参会人员\n".encode(), "通知.txt": marked}
    # A name past tar's 100 bytes: GNU tar writes a ././@LongLink header before the member's own.
    tar = make_tar({"说明.txt": plain, "附件/" + "关于召开年度工作会议的通知" * 3 + ".txt": marked})
    return [
        Seed("txt-utf8", "txt", marked, "text"),
        Seed("txt-gb18030", "txt", TEXT.encode("gb18030"), "text"),
        Seed("html", "html", html.encode(), "html"),
        Seed("eml", "eml", stable_eml(make["make_eml"]("会议通知", "请查收附件。", [("通知.txt", marked)])), "eml"),
        Seed("eml-body", "eml", stable_eml(make["make_eml"]("会议通知", TEXT)), "eml"),
        Seed("docx", "docx", docx, "ooxml"),
        Seed("xlsx", "xlsx", stable_zip(make["make_xlsx"]({"通知": {"A1": MARK, "B3": "年度工作会议"}})), "ooxml"),
        Seed("pptx", "pptx", stable_zip(make["make_pptx"]([(MARK, "关于召开年度工作会议的通知", "")])), "ooxml"),
        Seed("ofd", "ofd", stable_zip(make["make_ofd"]([[MARK, "关于召开年度工作会议的通知"]])), "ooxml"),
        Seed("pdf", "pdf", make["make_pdf"]([[MARK, "关于召开年度工作会议的通知", "各部门：请准时参加。"]]), "pdf"),
        Seed("zip", "zip", stable_zip(make["make_zip"](members)), "archive"),
        Seed("zip-stored", "zip", stable_zip(make["make_zip"](members, compression=zipfile.ZIP_STORED)), "archive"),
        Seed("tar", "tar", tar, "tar"),
        Seed("tar-gz", "tgz", gzip.compress(tar, mtime=0), "tar"),
        Seed("7z", "7z", make_7z(members), "archive"),
        Seed("rar5", "rar", make["make_rar"](members), "archive"),
        Seed("rar4", "rar", build_rar4(list(members.items())), "archive"),
        Seed("rtf", "rtf", make_rtf(TEXT.splitlines()), None),
        Seed("xls", "xls", make_xls({(0, 0): MARK, (2, 1): "年度工作会议"}), None),
        Seed("msg", "msg", make["make_msg"]("会议通知", TEXT), None),
        Seed("doc", "doc", (TESTS / "fixtures" / "legacy" / "report.doc").read_bytes(), None),
    ]
