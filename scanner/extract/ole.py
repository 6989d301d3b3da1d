"""OLE compound files: encrypted Office Open XML (a password is needed) told apart from legacy Office."""

from __future__ import annotations

import io

import olefile

from scanner.errors import ExtractionError, UnsupportedTypeError
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
    kind = ("doc" if "WordDocument" in streams else "xls" if {"Workbook", "Book"} & streams
            else "ppt" if "PowerPoint Document" in streams else "ole")
    raise UnsupportedTypeError(f"旧版 Office 文件（{kind}）暂不能读取文字 (legacy {kind} text not read yet)")
