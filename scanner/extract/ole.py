"""OLE compound files: encrypted Office Open XML (a password is needed), Outlook messages, legacy Office."""

from __future__ import annotations

import io

import olefile

from scanner.errors import ExtractionError
from scanner.extract.registry import register
from scanner.model import Extraction, Protection


def _ooxml_method(ole: olefile.OleFileIO) -> str:
    with ole.openstream("EncryptionInfo") as fh:
        head = fh.read(8)
    return method_from_version(int.from_bytes(head[0:2], "little"), int.from_bytes(head[2:4], "little"))


def method_from_version(major: int, minor: int) -> str:
    """MS-OFFCRYPTO 2.3.4: version 4.4 is Agile encryption; 2.2, 3.2 and 4.2 are Standard."""
    if (major, minor) == (4, 4):
        return "ooxml-agile"
    if minor == 2 and major in (2, 3, 4):
        return "ooxml-standard"
    return "ooxml-extensible" if minor == 3 else "ooxml-unknown"


@register("ole")
def extract_ole(data: bytes) -> Extraction:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, IndexError) as exc:
        raise ExtractionError(f"OLE 复合文件已损坏：{exc} (damaged OLE compound file)") from exc
    with ole:
        if ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage"):
            # An Office file opened only with its password ("Encrypt with Password").
            return Extraction(type="ole", protection=Protection(True, _ooxml_method(ole), True),
                              properties={"format": "encrypted-ooxml"})
        streams = {"/".join(s) for s in ole.listdir()}
    # Sniffing says "msg" or "xls" for these; this is for a caller who said "ole".
    if _is_msg(streams):
        from scanner.extract.msg import extract_msg_file

        return extract_msg_file(data)
    if {"Workbook", "Book"} & streams:
        from scanner.extract.xls import extract_xls

        return extract_xls(data)
    kind = "doc" if "WordDocument" in streams else "ppt" if "PowerPoint Document" in streams else "ole"
    name = _LEGACY_NAMES.get(kind, "OLE 复合文件 (OLE compound file)")
    # An ExtractionError with the unsupported code (not UnsupportedTypeError), so that the pipeline keeps
    # this message as the detail: the user learns which format and what to do.
    raise ExtractionError(f"暂不能读取{name}的文字，请另存为新格式（docx/pptx）后再发送 "
                          f"(legacy {kind} text cannot be read yet: save as docx/pptx)", code="scan.unsupported")


_LEGACY_NAMES = {"doc": "旧版 Word 文档 (.doc)", "ppt": "旧版 PowerPoint 演示文稿 (.ppt)"}


def _is_msg(streams: set[str]) -> bool:
    return "__properties_version1.0" in streams and any(s.startswith("__substg1.0_") for s in streams)


def ole_kind(data: bytes) -> str:
    """What an OLE compound file holds, for sniffing: "msg" (Outlook), "xls" (legacy Excel), else "ole"."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(s) for s in ole.listdir(streams=True, storages=False)}
    except Exception:  # damaged: let the OLE extractor report it
        return "ole"
    if _is_msg(streams):
        return "msg"
    if {"Workbook", "Book"} & streams and "EncryptedPackage" not in streams:
        return "xls"
    return "ole"
