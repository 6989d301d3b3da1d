"""The shape of a regular expression's matches, read from its parse tree: the literal prefixes they start
with, and what keeps a match from starting at a place (anchors.py uses these to try fewer places)."""

from __future__ import annotations

import functools
import re
import re._constants as sre
import re._parser as sre_parse
import unicodedata

PREFIX_CHARS = 2
_MAX_PREFIXES = 2048  # more possible prefixes than this: run the expression on every text
_MAX_CLASS = 64  # a character class wider than this ends a prefix
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)  # they consume nothing, so a prefix goes past them
# What \s matches in a str pattern (str.isspace, as the engine); none lies past U+3000.
SPACES = tuple(chr(c) for c in range(0x3001) if chr(c).isspace())
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))
LINE, TEXT = "line", "text"


class _Unknown(Exception):
    """The expression's prefixes cannot be listed: it is run on every text."""


def literal_prefixes(pattern: re.Pattern, size: int = PREFIX_CHARS, ascii_digits: bool = False,
                     most: int = _MAX_PREFIXES) -> frozenset[str] | None:
    """Strings (1 to `size` characters) one of which starts every non-empty match of `pattern`, or None
    when that cannot be said (the pattern may match the empty string, or start with a wide class) or
    would take more than about `most` strings.
    With `ascii_digits`, \\d stands for 0-9 only: true of a text with no other decimal digit."""
    if not isinstance(pattern.pattern, str) or pattern.flags & re.IGNORECASE:
        return None
    try:
        live, done = _walk(_parse(pattern.pattern, pattern.flags).data, {""}, size, ascii_digits, most)
    except _Unknown:
        return None
    found = live | done
    return None if "" in found or not found else frozenset(found)


def _walk(items, live: set[str], size: int, digits: bool, most: int = _MAX_PREFIXES) -> tuple[set[str], set[str]]:
    """(prefixes still growing after `items`, prefixes that stop here) for prefixes `live` so far."""
    done: set[str] = set()
    items = list(items)
    for i, (op, av) in enumerate(items):
        if not live:
            break
        if op in _ZERO_WIDTH:
            continue
        if op is sre.LITERAL:
            live = {s + chr(av) for s in live}
        elif op is sre.IN:
            chars = _class_chars(av, digits)
            if chars is None:
                done |= live
                return set(), done
            live = {s + c for s in live for c in chars}
        elif op is sre.SUBPATTERN:
            if av[1] & sre.SRE_FLAG_IGNORECASE:
                raise _Unknown
            live, stopped = _walk(av[3].data, live, size, digits, most)
            done |= stopped
        elif op is sre.BRANCH:
            grown: set[str] = set()
            for alternative in av[1]:
                more, stopped = _walk(alternative.data, live, size, digits, most)
                grown |= more
                done |= stopped
            live = grown
        elif op in _REPEATS and av[2].getwidth()[0] > 0:
            # Each repetition takes a character at least: unrolled up to `size` times, what follows
            # after each count allowed (\d{1,2}号: d号, dd).
            more, stopped = _repeat(av, items[i + 1:], live, size, digits, most)
            return more, done | stopped
        elif op in _REPEATS:
            more, stopped = _walk(av[2].data, live, size, digits, most)  # one repetition, then the prefix ends
            done |= stopped | more
            if av[0] >= 1:
                return set(), done
            # or no repetition at all: the prefix goes on with what follows
        else:  # anything else (any character, a back-reference): the prefix ends
            return set(), done | live
        full = {s for s in live if len(s) >= size}
        done |= full
        live -= full
        if len(live) + len(done) > most:
            raise _Unknown
    return live, done


def _repeat(av, rest, live: set[str], size: int, digits: bool, most: int) -> tuple[set[str], set[str]]:
    low, high, body = av
    grown: set[str] = set()
    done: set[str] = set()
    top = min(high, size)
    for count in range(top + 1):
        if count >= low:
            more, stopped = _walk(rest, live, size, digits, most)
            grown |= more
            done |= stopped
        if count == top or not live:
            break
        live, stopped = _walk(body.data, live, size, digits, most)
        done |= stopped
        full = {s for s in live if len(s) >= size}
        done |= full
        live -= full
    if len(grown) + len(done) > most:
        raise _Unknown
    return grown, done


def _class_chars(items, digits: bool = False) -> list[str] | None:
    chars: list[str] = []
    for op, av in items:
        if op is sre.LITERAL:
            chars.append(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.extend(chr(c) for c in range(av[0], av[1] + 1))
        elif op is sre.CATEGORY and av is sre.CATEGORY_SPACE:
            chars.extend(SPACES)
        elif op is sre.CATEGORY and av is sre.CATEGORY_DIGIT and digits:
            chars.extend("0123456789")
        else:  # a negated class, another category or a wide range
            return None
        if len(chars) > _MAX_CLASS:
            return None
    return chars


@functools.lru_cache(maxsize=1)
def other_digits() -> tuple[str, ...]:
    """The decimal digits other than 0-9 (what \\d also matches in a str pattern). Unicode encodes them
    in runs of ten, 0 to 9 (a stability policy), so every tenth code point meets each run once; none
    lies past U+1FFFF. tests/detect/test_anchors.py checks the result against the engine, whole range."""
    found: set[str] = set()
    for code in range(120, 0x20000, 10):
        char = chr(code)
        if char.isdecimal():
            zero = code - unicodedata.decimal(char)
            found.update(chr(c) for c in range(zero, zero + 10))
    return tuple(sorted(c for c in found if ord(c) >= 128))


def not_after(pattern: re.Pattern) -> frozenset[str]:
    """Characters that, just before a place, keep a match from starting there: those of a leading
    negative look-behind of one character ((?<![\\d.]) in front of a number)."""
    items = _parse(pattern.pattern, pattern.flags).data
    if not items or isinstance(pattern.pattern, bytes) or pattern.flags & re.IGNORECASE:
        return frozenset()
    op, av = items[0]
    if op is sre.ASSERT_NOT and av[0] == -1 and len(av[1].data) == 1 and av[1].data[0][0] in (sre.IN, sre.LITERAL):
        item_op, item_av = av[1].data[0]
        chars = [chr(item_av)] if item_op is sre.LITERAL else _class_chars(item_av, digits=True)
        return frozenset(chars or ())
    return frozenset()


def engine_skips(pattern: re.Pattern) -> bool:
    """Whether the engine's search skips ahead to where a match can start (the pattern opens with a
    literal, a class, or alternatives that all open with a literal), rather than trying every place."""
    items = _parse(pattern.pattern, pattern.flags).data if isinstance(pattern.pattern, str) else []
    while items and items[0][0] is sre.SUBPATTERN:
        items = items[0][1][3].data
    if not items:
        return False
    op, av = items[0]
    if op in (sre.LITERAL, sre.IN):
        return True
    return op is sre.BRANCH and all(alt.data and alt.data[0][0] is sre.LITERAL for alt in av[1])



@functools.lru_cache(maxsize=1024)
def _parse(source: str, flags: int):
    """One parse per expression (each reading below walks it; none changes it)."""
    return sre_parse.parse(source, flags)


def _items(pattern: re.Pattern):
    if not isinstance(pattern.pattern, str) or pattern.flags & re.IGNORECASE:
        return None
    return _parse(pattern.pattern, pattern.flags)


def lead_run(pattern: re.Pattern) -> frozenset[str]:
    """Characters that, just before a place where a match was tried and failed, make it fail at the next
    place too: those of a leading unbounded repeat (\\d+ then the rest). From the next place the repeat
    can only end where it could end before, and the rest does not depend on where the match began (no
    back-reference)."""
    parsed = _items(pattern)
    if parsed is None or not parsed.data or _has_backreference(parsed.data):
        return frozenset()
    op, av = parsed.data[0]
    if op is sre.MAX_REPEAT and av[0] >= 1 and av[1] == sre.MAXREPEAT and len(av[2].data) == 1:
        item_op, item_av = av[2].data[0]
        if item_op is sre.LITERAL:
            return frozenset(chr(item_av))
        if item_op is sre.IN:
            return frozenset(_class_chars(item_av, digits=True) or ())
    return frozenset()


def line_led(pattern: re.Pattern) -> str | None:
    """LINE when every match begins at the start of a line (^ under re.M), TEXT when only at the start of
    the text (^, \\A), None otherwise; None too for a pattern that can match the empty string."""
    parsed = _items(pattern)
    if parsed is None or not parsed.data or parsed.getwidth()[0] == 0:
        return None
    op, av = parsed.data[0]
    if op is sre.AT and av is sre.AT_BEGINNING:
        return LINE if pattern.flags & re.MULTILINE else TEXT
    if op is sre.AT and av is sre.AT_BEGINNING_STRING:
        return TEXT
    return None


def line_presence(pattern: re.Pattern, ascii_digits: bool = False, size: int = PREFIX_CHARS,
                  most: int = _MAX_PREFIXES) -> frozenset[str] | None:
    """For a pattern that opens with ^ (line_led): strings one of which occurs in every text it matches,
    the prefixes of what follows ^ and any leading repeats that may match nothing ((?m)^\\s*摘要: 摘要).
    Its matches are looked for at line starts; these say whether to look at all (and line_lead where)."""
    parsed = _items(pattern)
    if parsed is None:
        return None
    items = _lead_items(parsed)[1]
    if not items:
        return None
    try:
        live, done = _walk(items, {""}, size, ascii_digits, most)
    except _Unknown:
        return None
    found = live | done
    return None if "" in found or not found else frozenset(found)


def line_lead(pattern: re.Pattern) -> tuple[frozenset[str], bool] | None:
    """For a pattern that opens with ^: the characters that its leading items (the ones line_presence
    passes over: ^, other assertions, repeats that may match nothing) can take, as (chars, False), or
    every character but `chars` as (chars, True); None when they cannot be listed.

    A match that begins at a line start L has what follows those items begin at some q, with every
    character of text[L:q] among these, and one of the line_presence strings occurring at q."""
    parsed = _items(pattern)
    if parsed is None or pattern.flags & re.DOTALL:
        return None
    chars: tuple[frozenset[str], bool] = (frozenset(), False)
    for op, av in _lead_items(parsed)[0]:
        if op in _ZERO_WIDTH:
            continue
        body = _taken(av[2].data)
        if body is None:
            return None
        chars = _union(chars, body)
    return chars


def _lead_items(parsed) -> tuple[list, list]:
    """(the leading zero-width items and repeats that may match nothing, the items after them)."""
    items = list(parsed.data)
    lead = []
    while items and (items[0][0] in _ZERO_WIDTH or (items[0][0] in _REPEATS and items[0][1][0] == 0)):
        lead.append(items.pop(0))
    return lead, items


def _taken(items) -> tuple[frozenset[str], bool] | None:
    """The characters a sequence of items can consume, as line_lead gives them, or None."""
    chars: tuple[frozenset[str], bool] = (frozenset(), False)
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op is sre.LITERAL:
            more = (frozenset(chr(av)), False)
        elif op is sre.NOT_LITERAL:
            more = (frozenset(chr(av)), True)
        elif op is sre.IN and av and av[0][0] is sre.NEGATE:
            listed = _class_chars(av[1:])
            if listed is None:
                return None
            more = (frozenset(listed), True)
        elif op is sre.IN:
            listed = _class_chars(av)
            if listed is None:
                return None
            more = (frozenset(listed), False)
        elif op is sre.ANY:  # not under re.S (line_lead and this refuse it)
            more = (frozenset("\n"), True)
        elif op is sre.SUBPATTERN and not av[1] & (sre.SRE_FLAG_IGNORECASE | sre.SRE_FLAG_DOTALL):
            more = _taken(av[3].data)
        elif op is sre.BRANCH:
            more = (frozenset(), False)
            for alternative in av[1]:
                each = _taken(alternative.data)
                if each is None:
                    return None
                more = _union(more, each)
        elif op in _REPEATS:
            more = _taken(av[2].data)
        else:
            return None
        if more is None:
            return None
        chars = _union(chars, more)
    return chars


def _union(a: tuple[frozenset[str], bool], b: tuple[frozenset[str], bool]) -> tuple[frozenset[str], bool]:
    """The union of two character sets, each listed (False) or every character but those listed (True)."""
    (x, x_not), (y, y_not) = a, b
    if x_not and y_not:
        return x & y, True
    if x_not:
        return x - y, True
    if y_not:
        return y - x, True
    return x | y, False


def _has_backreference(items) -> bool:
    for op, av in items:
        if op in (sre.GROUPREF, sre.GROUPREF_EXISTS):
            return True
        for sub in av if isinstance(av, (list, tuple)) else ():
            if isinstance(sub, sre_parse.SubPattern) and _has_backreference(sub.data):
                return True
            if isinstance(sub, list) and any(isinstance(s, sre_parse.SubPattern) and _has_backreference(s.data) for s in sub):
                return True
    return False
