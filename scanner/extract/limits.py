"""Limits on what one item may expand into (ClamAV-like defaults), and the budget that tracks them."""

from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields

from scanner.errors import LimitExceededError

MiB = 1024 * 1024

# Defaults follow ClamAV's (MaxFileSize 100M, MaxScanSize 400M, MaxFiles 10000, MaxRecursion 17,
# MaxScanTime 120 s), tightened where a gateway must answer quickly.
MAX_FILE_SIZE = 100 * MiB
MAX_TOTAL_BYTES = 400 * MiB
MAX_MEMBERS = 10_000
MAX_DEPTH = 10
MAX_RATIO = 100.0
# A member is only judged by its ratio once it has expanded past this: a small file of
# repeated characters compresses well and is no bomb.
RATIO_MIN_BYTES = 1 * MiB
MAX_SECONDS = 120.0
# Text recognition (OCR) of images, scanned PDF pages and pictures inside documents.
OCR_PAGE_SECONDS = 60.0  # one page or picture
OCR_MAX_PIXELS = 40_000_000  # a 600 dpi A4 scan is ~35 million pixels
OCR_MAX_PAGES = 30  # pages, frames or pictures read by OCR in one item


@dataclass(frozen=True)
class Limits:
    """How far one item (with everything inside it) may be expanded before it is blocked."""

    max_file_size: int = MAX_FILE_SIZE
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_members: int = MAX_MEMBERS
    max_depth: int = MAX_DEPTH
    max_ratio: float = MAX_RATIO
    ratio_min_bytes: int = RATIO_MIN_BYTES
    max_seconds: float = MAX_SECONDS
    ocr_page_seconds: float = OCR_PAGE_SECONDS
    ocr_max_pixels: int = OCR_MAX_PIXELS
    ocr_max_pages: int = OCR_MAX_PAGES
    ocr_pictures: bool = True  # read pictures inside documents (DOCX, PPTX, XLSX, e-mail) by OCR

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):  # a switch, not a limit
                continue
            if value <= 0:
                raise ValueError(f"limit {f.name} must be positive")

    @classmethod
    def from_settings(cls, settings) -> "Limits":
        """Build from any object (a config section) with some of these attribute names."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls) if hasattr(settings, f.name)})


_CURRENT: ContextVar[Limits | None] = ContextVar("mijian_limits", default=None)
_BUDGET: ContextVar["Budget | None"] = ContextVar("mijian_budget", default=None)


def current() -> Limits:
    """The limits of the item being read (set by the pipeline from the config), else the defaults.

    Extractors are called as `func(data)`; the limits reach them this way rather than through
    every signature, so a plugin extractor that ignores them still works.
    """
    return _CURRENT.get() or Limits()


@contextmanager
def using(limits: Limits, budget: "Budget | None" = None):
    """Make `limits` the current ones while an item (and everything inside it) is read; with `budget`,
    its clock too, so that slow work inside one extractor (OCR page after page) stops at max_seconds."""
    token = _CURRENT.set(limits)
    clock = _BUDGET.set(budget)
    try:
        yield limits
    finally:
        _BUDGET.reset(clock)
        _CURRENT.reset(token)


def budget() -> "Budget":
    """The budget of the item being read (set by the pipeline), else a fresh one under the current limits."""
    return _BUDGET.get() or Budget(current())


def check_time() -> None:
    """Raise LimitExceededError once the item being read is past max_seconds (no clock: never)."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.check_time()


@dataclass
class Budget:
    """What is left of the limits for one top-level item and all its members (picklable)."""

    limits: Limits = field(default_factory=Limits)
    expanded: int = 0
    members: int = 0
    started: float = field(default_factory=time.monotonic)

    def check_time(self) -> None:
        elapsed = time.monotonic() - self.started
        if elapsed > self.limits.max_seconds:
            raise LimitExceededError(
                f"扫描用时 {elapsed:.1f} 秒超过上限 {self.limits.max_seconds:g} 秒 "
                f"(time per item over max_seconds)")

    def count_member(self) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise LimitExceededError(
                f"成员数超过上限 {self.limits.max_members} (members over max_members)")

    def check_depth(self, depth: int) -> None:
        if depth > self.limits.max_depth:
            raise LimitExceededError(
                f"嵌套层数 {depth} 超过上限 {self.limits.max_depth} (nesting over max_depth)")

    def add_bytes(self, count: int) -> None:
        self.expanded += count
        if self.expanded > self.limits.max_total_bytes:
            raise LimitExceededError(
                f"解压总量超过上限 {self.limits.max_total_bytes} 字节 (expanded bytes over max_total_bytes)")

    def check_ratio(self, size: int, compressed: int, what_zh: str = "", what_en: str = "") -> None:
        """Raise once `size` bytes expanded from `compressed` pass max_ratio (and ratio_min_bytes)."""
        limits = self.limits
        if size > limits.ratio_min_bytes and size > limits.max_ratio * max(compressed, 1):
            raise LimitExceededError(
                f"{what_zh}压缩比超过上限 {limits.max_ratio:g}:1（疑似压缩炸弹）"
                f"({what_en + ' ' if what_en else ''}compression ratio over max_ratio: zip bomb?)")

    def read_stream(self, stream, *, compressed: int | None = None, chunk: int = 256 * 1024) -> bytes:
        """Read a member's stream, stopping as soon as a limit would be passed (never the whole bomb)."""
        parts: list[bytes] = []
        size = 0
        limits = self.limits
        while True:
            block = stream.read(chunk)
            if not block:
                break
            size += len(block)
            if size > limits.max_file_size:
                raise LimitExceededError(
                    f"成员大小超过上限 {limits.max_file_size} 字节 (member over max_file_size)")
            self.add_bytes(len(block))
            if compressed is not None:
                self.check_ratio(size, compressed)
            parts.append(block)
            self.check_time()
        return b"".join(parts)

    def take(self, data: bytes) -> bytes:
        """Account for a member already in memory (an e-mail attachment, a 7z member)."""
        if len(data) > self.limits.max_file_size:
            raise LimitExceededError(
                f"成员大小超过上限 {self.limits.max_file_size} 字节 (member over max_file_size)")
        self.add_bytes(len(data))
        return data
