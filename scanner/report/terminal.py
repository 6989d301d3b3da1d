"""Text for a terminal: control characters from file names and content shown as escapes, never obeyed.

A file name or a document can hold ESC sequences (clear the screen, set the window title, hide the
rest of a line), C1 controls that some terminals act on, and bidirectional overrides that make a
name read backwards. What Mijian prints to a terminal shows them as `\\x1b`, `\\x9b`, `\\u202e`.
"""

from __future__ import annotations

import re

# C0 (newline and tab too: a name must stay on its row), DEL, C1, and the bidirectional controls.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, lines: bool = False) -> str:
    """The text with every control character shown as its escape; with `lines`, newlines are kept
    (a message of several lines), otherwise they are escaped too (a name stays on its row)."""
    text = str(text)
    if lines:
        return "\n".join(_CONTROLS.sub(_escape, line) for line in text.split("\n"))
    return _CONTROLS.sub(_escape, text)
