"""Where a marking pattern can match, found with substring searches (C speed) instead of a regex scan
of every character: each match starts near an anchor, a literal that every match must hold."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Characters that end the literal head of a regex; a quantifier also takes back the character before it.
_META = frozenset("\\.^$*+?{}[]|()")
_QUANTIFIERS = frozenset("*+?{")


def leading_literal(regex: str) -> str | None:
    """The literal every match of `regex` starts with ('内部' of '内部资料[ \\t]*注意保存'), or None.

    Conservative: any alternation, escape or class ends the head; a quantifier drops the character
    it applies to. None when no character is certain.
    """
    if "|" in regex:
        return None
    head = []
    for ch in regex:
        if ch in _META:
            if ch in _QUANTIFIERS and head:
                head.pop()
            break
        head.append(ch)
    return "".join(head) or None


def width(regex: str) -> tuple[int, int] | None:
    """(shortest, longest) length of a match of `regex`, or None when unbounded or unknown."""
    try:
        from re import _parser  # the parser behind re.compile (3.11+): its getwidth() bounds a pattern
        low, high = _parser.parse(regex).getwidth()
    except Exception:  # noqa: BLE001 - a missing or changed private module only means no shortcut
        return None
    return (low, high) if high < 1000 else None


class AnchoredPattern:
    """A compiled pattern and the anchors its matches start near; `finditer` equals `pattern.finditer`.

    An anchor (literal, near, far) says: every match starts `near` to `far` characters before an
    occurrence of `literal`. `firsts`, when given, holds every character a match can start with.
    Without anchors (None) the pattern is scanned as usual. The pattern must not match empty text.
    """

    def __init__(self, pattern: re.Pattern, anchors: list[tuple[str, int, int]] | None,
                 firsts: frozenset[str] | None = None):
        self.pattern = pattern
        self.anchors = anchors
        self.firsts = firsts
        # One anchor at the very start of each match: its occurrences are the starts, already in order.
        self._in_order = anchors is not None and len(anchors) == 1 and anchors[0][1:] == (0, 0)

    def _starts(self, text: str) -> list[int]:
        starts: list[int] = []
        firsts = self.firsts
        find = text.find
        for literal, near, far in self.anchors:
            if len(literal) > 1 and literal[0] not in text:
                continue  # one character is looked for far faster than several
            p = find(literal)
            while p != -1:
                if far == 0 and near == 0 and firsts is None:
                    starts.append(p)
                else:
                    low = max(0, p - far)
                    if firsts is None or not firsts.isdisjoint(text[low:p - near + 1]):  # (密码: never)
                        for s in range(low, p - near + 1):
                            if firsts is None or text[s] in firsts:
                                starts.append(s)
                p = find(literal, p + 1)
        return starts if self._in_order else sorted(set(starts))

    def finditer(self, text: str) -> Iterable[re.Match]:
        """The matches `pattern.finditer(text)` would give, in order."""
        if self.anchors is None:
            return self.pattern.finditer(text)
        found = []
        match = self.pattern.match
        end = 0
        for s in self._starts(text):
            if s >= end:
                m = match(text, s)
                if m is not None:
                    found.append(m)
                    end = m.end()
        return found


def literal_anchors(regexes: list[str]) -> list[tuple[str, int, int]] | None:
    """Anchors for an alternation of `regexes`: each one's leading literal, the shortest kept of
    those that start alike (an occurrence of 内部资料 is one of 内部). None if any has no literal head."""
    heads = [leading_literal(r) for r in regexes]
    if any(h is None for h in heads):
        return None
    kept = sorted(set(heads), key=len)
    kept = [h for k, h in enumerate(kept) if not any(h.startswith(g) for g in kept[:k])]
    return [(h, 0, 0) for h in kept]


def tail_anchors(alternatives: list[tuple[str, str]]) -> list[tuple[str, int, int]] | None:
    """Anchors for an alternation of (regex, last literal character) pairs: each match ends its
    alternative with that character, so it starts (width - 1) characters before an occurrence of it."""
    windows: dict[str, tuple[int, int]] = {}
    for regex, last in alternatives:
        bounds = width(regex)
        if bounds is None:
            return None
        near, far = windows.get(last, (bounds[0] - 1, bounds[1] - 1))
        windows[last] = (min(near, bounds[0] - 1), max(far, bounds[1] - 1))
    return [(last, near, far) for last, (near, far) in windows.items()]


def needed_literals(scans: list[AnchoredPattern], words: list[str]) -> tuple[str, ...] | None:
    """Literals one of which a text must hold for any of `scans` (or any of `words`) to match in it,
    the fewest: one that holds another (工作秘密 holds 密) adds nothing. None if a scan has no anchors."""
    if any(scan.anchors is None for scan in scans):
        return None
    found = sorted({literal for scan in scans for literal, _, _ in scan.anchors} | set(words), key=len)
    return tuple(w for k, w in enumerate(found) if not any(v in w for v in found[:k]))
