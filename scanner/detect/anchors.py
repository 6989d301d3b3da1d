"""Which of many regular expressions can match a text, from the literal prefixes their matches start with.

Each expression of window.toml and public.toml is searched for on its own, so a text used to be scanned
once per expression (about 90 times). Most expressions start with a short literal (不得, 保密, 新华社):
their possible prefixes of up to two characters are found in one Aho-Corasick pass (substrings.py),
and an expression none of whose prefixes occurs in the text is not run, since it cannot match there.
An expression all of whose prefixes have two characters is tried only where one of them occurs
(`finditer_at`), not by a search that tries every place of the text.
An expression whose start is not a small set of literals (a digit, any character, ^ then anything)
is always run. Results are exactly those of running every expression.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse

from scanner.detect.substrings import Substrings

PREFIX_CHARS = 2
MANY_STARTS = 24
_MAX_PREFIXES = 2048  # more possible prefixes than this: run the expression on every text
_MAX_CLASS = 64  # a character class wider than this ends a prefix
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)  # they consume nothing, so a prefix goes past them
# What \\s matches in a str pattern (str.isspace, as the engine); none lies past U+3000.
_OTHER_DIGIT = "another decimal digit"  # the entry of those keys
SPACES = tuple(chr(c) for c in range(0x3001) if chr(c).isspace())
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))


class _Unknown(Exception):
    """The expression's prefixes cannot be listed: it is run on every text."""


def literal_prefixes(pattern: re.Pattern, size: int = PREFIX_CHARS, ascii_digits: bool = False) -> frozenset[str] | None:
    """Strings (1 to `size` characters) one of which starts every non-empty match of `pattern`, or None
    when that cannot be said (the pattern may match the empty string, or start with a wide class).
    With `ascii_digits`, \\d stands for 0-9 only: true of a text with no other decimal digit."""
    if not isinstance(pattern.pattern, str) or pattern.flags & re.IGNORECASE:
        return None
    try:
        live, done = _walk(sre_parse.parse(pattern.pattern, pattern.flags).data, {""}, size, ascii_digits)
    except _Unknown:
        return None
    found = live | done
    return None if "" in found or not found else frozenset(found)


def _walk(items, live: set[str], size: int, digits: bool) -> tuple[set[str], set[str]]:
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
            live, stopped = _walk(av[3].data, live, size, digits)
            done |= stopped
        elif op is sre.BRANCH:
            grown: set[str] = set()
            for alternative in av[1]:
                more, stopped = _walk(alternative.data, live, size, digits)
                grown |= more
                done |= stopped
            live = grown
        elif op in _REPEATS and av[2].getwidth()[0] > 0:
            # Each repetition takes a character at least: unrolled up to `size` times, what follows
            # after each count allowed (\d{1,2}号: d号, dd).
            more, stopped = _repeat(av, items[i + 1:], live, size, digits)
            return more, done | stopped
        elif op in _REPEATS:
            more, stopped = _walk(av[2].data, live, size, digits)  # one repetition, then the prefix ends
            done |= stopped | more
            if av[0] >= 1:
                return set(), done
            # or no repetition at all: the prefix goes on with what follows
        else:  # anything else (any character, a back-reference): the prefix ends
            return set(), done | live
        full = {s for s in live if len(s) >= size}
        done |= full
        live -= full
        if len(live) + len(done) > _MAX_PREFIXES:
            raise _Unknown
    return live, done


def _repeat(av, rest, live: set[str], size: int, digits: bool) -> tuple[set[str], set[str]]:
    low, high, body = av
    grown: set[str] = set()
    done: set[str] = set()
    most = min(high, size)
    for count in range(most + 1):
        if count >= low:
            more, stopped = _walk(rest, live, size, digits)
            grown |= more
            done |= stopped
        if count == most or not live:
            break
        live, stopped = _walk(body.data, live, size, digits)
        done |= stopped
        full = {s for s in live if len(s) >= size}
        done |= full
        live -= full
    if len(grown) + len(done) > _MAX_PREFIXES:
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


def _other_digits() -> list[str]:
    """The decimal digits other than 0-9 (what \\d also matches in a str pattern); none lies past U+1FFFF
    (tests/detect/test_anchors.py checks the whole range)."""
    return [chr(c) for c in range(128, 0x20000) if chr(c).isdecimal()]


def _not_after(pattern: re.Pattern) -> frozenset[str]:
    """Characters that, just before a place, keep a match from starting there: those of a leading
    negative look-behind of one character ((?<![\\d.]) in front of a number)."""
    items = sre_parse.parse(pattern.pattern, pattern.flags).data
    if not items or isinstance(pattern.pattern, bytes) or pattern.flags & re.IGNORECASE:
        return frozenset()
    op, av = items[0]
    if op is sre.ASSERT_NOT and av[0] == -1 and len(av[1].data) == 1 and av[1].data[0][0] in (sre.IN, sre.LITERAL):
        item_op, item_av = av[1].data[0]
        chars = [chr(item_av)] if item_op is sre.LITERAL else _class_chars(item_av, digits=True)
        return frozenset(chars or ())
    return frozenset()


class AnchorFilter:
    """The expressions of a list that can match a given text (by index), from one pass over it, and where
    their matches can start."""

    def __init__(self, patterns: list[re.Pattern], many_starts: int = MANY_STARTS):
        self.patterns = list(patterns)
        self.many_starts = many_starts
        self.always: list[int] = []
        self.by_char: dict[str, list[int]] = {}  # one-character prefixes, looked for with `in`
        by_pair: dict[str, list[int]] = {}
        only_pairs: set[int] = set()
        digit_bound: list[int] = []
        for index, pattern in enumerate(self.patterns):
            prefixes = literal_prefixes(pattern)
            if prefixes is None or not _pairs_only(prefixes):
                # \d read as 0-9 may list pairs where it listed nothing or single characters
                with_digits = literal_prefixes(pattern, ascii_digits=True)
                if with_digits is not None and with_digits != prefixes and (prefixes is None or _pairs_only(with_digits)):
                    prefixes = with_digits
                    digit_bound.append(index)
            if prefixes is None:
                self.always.append(index)
                continue
            for prefix in prefixes:
                (self.by_char if len(prefix) == 1 else by_pair).setdefault(prefix, []).append(index)
            if _pairs_only(prefixes):
                only_pairs.add(index)
        # Per two-character prefix, the expressions it starts.
        self._entries: dict[str, object] = {pair: tuple(indexes) for pair, indexes in by_pair.items()}
        # Expressions whose prefixes were listed with \d as 0-9: run everywhere in a text with another
        # decimal digit (Arabic-Indic, Devanagari ...), found in the same pass.
        self._digit_bound = tuple(digit_bound)
        if digit_bound:
            self._entries.update(dict.fromkeys(_other_digits(), _OTHER_DIGIT))
        self._index: Substrings | None = None  # built on first use, or shared (share)
        self._table: list = []
        self._only_pairs = frozenset(only_pairs)  # their matches start where one of their pairs occurs
        self._not_after = [_not_after(p) for p in self.patterns]

    def candidates(self, text: str) -> list[int]:
        """Indexes (in order) of the expressions that may match in `text`; the others cannot."""
        return [index for index, _ in self.scan(text)]

    def keys(self) -> list[str]:
        return list(self._entries)

    def share(self, index: Substrings) -> None:
        """Search with `index`, which holds this filter's keys among others."""
        self._index = index
        self._table = index.table(self._entries)

    def scan(self, text: str, occurrences: list[tuple[int, int, int]] | None = None) -> list[tuple[int, list[int] | None]]:
        """(index, starts), in index order, for the expressions that may match in `text`: `starts` lists
        (sorted) the only offsets where a match can begin, or is None where it may begin anywhere.
        `occurrences`: those in `text` of the keys of the index shared with `share`."""
        if self._index is None:
            self.share(Substrings(self.keys()))
        if occurrences is None:
            occurrences = self._index.find(text)
        found: dict[int, list[int] | None] = dict.fromkeys(self.always)
        for char, indexes in self.by_char.items():
            if char in text:
                found.update(dict.fromkeys(indexes))
        at: dict[int, list[int]] = {}
        table = self._table
        other_digit = False
        for key, start, _ in occurrences:
            indexes = table[key]
            if indexes is None:
                continue
            if indexes is _OTHER_DIGIT:
                other_digit = True
                continue
            for index in indexes:
                starts = at.get(index)
                if starts is None:
                    at[index] = [start]
                else:
                    starts.append(start)
        if other_digit:
            found.update(dict.fromkeys(self._digit_bound))
        # Past one place in MANY_STARTS characters the engine's own search is quicker than a call a place.
        many = len(text) // self.many_starts
        for index, starts in at.items():
            if index not in found:
                if index in self._only_pairs and len(starts) <= many:
                    starts.sort()
                    found[index] = starts
                else:
                    found[index] = None
        return sorted(found.items())

    def matches(self, index: int, text: str, starts: list[int] | None):
        """The matches of expression `index` in `text` (as its finditer gives them), `starts` from scan."""
        return finditer_at(self.patterns[index], text, starts, self._not_after[index])


def _pairs_only(prefixes: frozenset[str]) -> bool:
    return all(len(prefix) == PREFIX_CHARS for prefix in prefixes)


def finditer_at(pattern: re.Pattern, text: str, starts: list[int] | None, not_after: frozenset[str] = frozenset()):
    """The matches of `pattern.finditer(text)`, given the sorted offsets `starts` outside which no match
    begins (None: anywhere), and characters after which none begins. `match(text, pos)` sees the text
    before `pos` (look-behinds, ^, \\b) as a search does, and the next search resumes where a match
    ended: so these are the same matches."""
    if starts is None:
        return pattern.finditer(text)
    return _at(pattern.match, text, starts, not_after)


def _at(match, text: str, starts: list[int], not_after: frozenset[str]):
    end = 0
    for start in starts:
        if start >= end and not (not_after and start and text[start - 1] in not_after):
            m = match(text, start)
            if m is not None:
                end = m.end()
                yield m
