"""OLE compound files: encrypted Office Open XML (a password is needed), Outlook messages, legacy Office.

What a compound file holds is read by its own extractor (msg, xls, doc, ppt); this module tells them
apart, for sniffing and for a caller who asks for "ole"."""

from __future__ import annotations

import io

import olefile

from scanner.errors import ExtractionError
from scanner.extract.members import ContainerExtraction
from scanner.extract.ole_objects import embedding_stream, payload_member
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
    # Sniffing says "msg" or "xls" for these; this is for a caller who said "ole". Their readers are
    # imported here, when needed (extract_msg alone takes a tenth of a second).
    if _is_msg(streams):
        from scanner.extract.msg import extract_msg_file

        return extract_msg_file(data)
    if {"Workbook", "Book"} & streams:
        from scanner.extract.xls import extract_xls

        return extract_xls(data)
    if "WordDocument" in streams:
        from scanner.extract.doc import extract_doc

        return extract_doc(data)
    if "PowerPoint Document" in streams:
        from scanner.extract.ppt import extract_ppt

        return extract_ppt(data)
    embedding = embedding_stream(streams, "")
    if embedding is not None:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            member = payload_member(ole, embedding)
        return ContainerExtraction(type="ole", members=[member],
                                   properties={"format": "ole-embedding", "stream": embedding.lstrip("\x01")})
    # An ExtractionError with the unsupported code (not UnsupportedTypeError), so that the pipeline keeps
    # this message as the detail: the user learns what the file is.
    raise ExtractionError("OLE 复合文件中没有可识别的 Office 文档、邮件或工作簿 "
                          "(OLE compound file holds no known document, message or workbook)", code="scan.unsupported")


def _is_msg(streams: set[str]) -> bool:
    return "__properties_version1.0" in streams and any(s.startswith("__substg1.0_") for s in streams)


def ole_kind(data: bytes) -> str:
    """What an OLE compound file holds, for sniffing: "msg" (Outlook), "xls" (legacy Excel), "doc" (legacy
    Word, also WPS 文字 .wps), "ppt" (legacy PowerPoint), else "ole"."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(s) for s in ole.listdir(streams=True, storages=False)}
    except Exception:  # damaged: let the OLE extractor report it
        return "ole"
    if _is_msg(streams):
        return "msg"
    if "EncryptedPackage" in streams:
        return "ole"
    if {"Workbook", "Book"} & streams:
        return "xls"
    if "WordDocument" in streams:
        return "doc"
    if "PowerPoint Document" in streams:
        return "ppt"
    return "ole"
