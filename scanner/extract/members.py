"""What a container (archive, e-mail, embedding document) holds: members to scan as items of their own."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import BinaryIO, Callable

from scanner.model import Extraction, Location, Protection


@dataclass(frozen=True)
class Place(Location):
    """A location in terms of sheets, cells, slides or named parts, which Location alone lacks."""

    sheet: str | None = None
    cell: str | None = None
    slide: int | None = None
    label: str | None = None  # notes, comment 2, footnote 1, property 密级, member name, ...

    def describe(self, lang: str = "en") -> str:
        zh = lang == "zh"
        bits: list[str] = []
        if self.sheet is not None:
            where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
            bits.append(f"工作表 {where}" if zh else f"sheet {where}")
        if self.slide is not None:
            bits.append(f"第{self.slide}张幻灯片" if zh else f"slide {self.slide}")
        if self.label:
            bits.append(self.label)
        base = super().describe(lang)
        if base not in ("body", "正文") or not bits:
            bits.append(base)
        return ("，" if zh else ", ").join(bits)


@dataclass
class Member:
    """One thing inside a container. Exactly one of `data`, `open` or `problem` says how to get it.

    `open` returns a stream so the pipeline can stop reading the moment a limit is passed;
    `problem` is a (code, detail) pair for a member that must not or cannot be read.
    """

    name: str
    data: bytes | None = None
    open: Callable[[], BinaryIO] | None = None
    size: int | None = None  # declared, not trusted
    compressed: int | None = None
    protection: Protection = field(default_factory=Protection)
    problem: tuple[str, str] | None = None


@dataclass
class ContainerExtraction(Extraction):
    """An extraction that also holds members (archive entries, attachments, embedded files)."""

    members: list[Member] = field(default_factory=list)


def unsafe_name(name: str) -> str | None:
    """Why a member name is unsafe to unpack (absolute, drive letter, `..`), or None."""
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return f"绝对路径成员名 {name!r} (absolute member name)"
    if ".." in posixpath.normpath(norm).split("/") or ".." in norm.split("/"):
        return f"路径穿越成员名 {name!r} (path traversal member name)"
    if "\x00" in name:
        return f"成员名含空字符 {name!r} (NUL in member name)"
    return None


def combine_protection(protections: list[Protection], total: int) -> Protection:
    """A container is protected only if every member needs a password (DESIGN.md)."""
    encrypted = [p for p in protections if p.encrypted]
    if not encrypted:
        return Protection()
    methods = sorted({p.method or "unknown" for p in encrypted})
    needs = total > 0 and len(encrypted) == total and all(p.needs_password for p in encrypted)
    return Protection(encrypted=True, method="+".join(methods), needs_password=needs)
