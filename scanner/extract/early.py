"""Text an extractor has read before slow work (OCR) starts, handed to whoever listens.

A PDF's text layer is read in a moment; OCR of its scanned pages or pictures may take minutes and
be stopped by a limit (max_seconds, a killed reader process). What the text layer already shows (a
mark on page 1) must not be lost with it: the extractor names the text it has so far, and the first
OCR call hands it to the listener (the pipeline, which looks for marks in it) before it begins.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable

from scanner.model import Segment


@dataclass
class _Listener:
    tell: Callable[[list[Segment]], None]
    segments: list[Segment] | None = None  # read so far and not yet told


_CURRENT: ContextVar[_Listener | None] = ContextVar("mijian_early_text", default=None)


@contextmanager
def listening(tell: Callable[[list[Segment]], None]):
    """While an item is read, `tell(segments)` is called with its text so far before OCR starts."""
    token = _CURRENT.set(_Listener(tell))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def text_so_far(segments: list[Segment]) -> None:
    """The extractor's text up to now; told only if slow work follows (nothing is done otherwise)."""
    listener = _CURRENT.get()
    if listener is not None:
        listener.segments = list(segments)


def before_slow_work() -> None:
    """Called by OCR before it starts: the text so far goes to the listener, once."""
    listener = _CURRENT.get()
    if listener is not None and listener.segments:
        segments, listener.segments = listener.segments, None
        listener.tell(segments)
