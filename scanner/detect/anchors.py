"""Which of many regular expressions can match a text, from the literal prefixes their matches start with.

Each expression of window.toml and public.toml is searched for on its own, so a text used to be scanned
once per expression (about 90 times). Most expressions start with a short literal (不得, 保密, 新华社):
their possible prefixes of up to two characters are found in one Aho-Corasick pass (pyahocorasick),
and an expression none of whose prefixes occurs in the text is not run, since it cannot match there.
An expression whose start is not a small set of literals (a digit, any character, ^ then anything)
is always run. Results are exactly those of running every expression.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse

import ahocorasick

PREFIX_CHARS = 2
_MAX_PREFIXES = 256  # more possible prefixes than this: run the expression on every text
_MAX_CLASS = 64  # a character class wider than this ends a prefix
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)  # they consume nothing, so a prefix goes past them
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))


class _Unknown(Exception):
    """The expression's prefixes cannot be listed: it is run on every text."""


def literal_prefixes(pattern: re.Pattern, size: int = PREFIX_CHARS) -> frozenset[str] | None:
    """Strings (1 to `size` characters) one of which starts every non-empty match of `pattern`, or None
    when that cannot be said (the pattern may match the empty string, or start with a wide class)."""
    if not isinstance(pattern.pattern, str) or pattern.flags & re.IGNORECASE:
        return None
    try:
        live, done = _walk(sre_parse.parse(pattern.pattern, pattern.flags).data, {""}, size)
    except _Unknown:
        return None
    found = live | done
    return None if "" in found or not found else frozenset(found)


def _walk(items, live: set[str], size: int) -> tuple[set[str], set[str]]:
    """(prefixes still growing after `items`, prefixes that stop here) for prefixes `live` so far."""
    done: set[str] = set()
    for op, av in items:
        if not live:
            break
        if op in _ZERO_WIDTH:
            continue
        if op is sre.LITERAL:
            live = {s + chr(av) for s in live}
        elif op is sre.IN:
            chars = _class_chars(av)
            if chars is None:
                done |= live
                return set(), done
            live = {s + c for s in live for c in chars}
        elif op is sre.SUBPATTERN:
            if av[1] & sre.SRE_FLAG_IGNORECASE:
                raise _Unknown
            live, stopped = _walk(av[3].data, live, size)
            done |= stopped
        elif op is sre.BRANCH:
            grown: set[str] = set()
            for alternative in av[1]:
                more, stopped = _walk(alternative.data, live, size)
                grown |= more
                done |= stopped
            live = grown
        elif op in _REPEATS:
            more, stopped = _walk(av[2].data, live, size)  # one repetition, then the prefix ends
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


def _class_chars(items) -> list[str] | None:
    chars: list[str] = []
    for op, av in items:
        if op is sre.LITERAL:
            chars.append(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.extend(chr(c) for c in range(av[0], av[1] + 1))
        else:  # a negated class, a category (\d, \s) or a wide range
            return None
        if len(chars) > _MAX_CLASS:
            return None
    return chars


class AnchorFilter:
    """The expressions of a list that can match a given text (by index), from one pass over it."""

    def __init__(self, patterns: list[re.Pattern]):
        self.always: list[int] = []
        self.by_char: dict[str, list[int]] = {}  # one-character prefixes, looked for with `in`
        self.automaton = ahocorasick.Automaton()
        by_pair: dict[str, list[int]] = {}
        for index, pattern in enumerate(patterns):
            prefixes = literal_prefixes(pattern)
            if prefixes is None:
                self.always.append(index)
                continue
            for prefix in prefixes:
                (self.by_char if len(prefix) == 1 else by_pair).setdefault(prefix, []).append(index)
        for prefix, indexes in by_pair.items():
            self.automaton.add_word(prefix, tuple(indexes))
        self.has_pairs = bool(by_pair)
        if self.has_pairs:
            self.automaton.make_automaton()

    def candidates(self, text: str) -> list[int]:
        """Indexes (in order) of the expressions that may match in `text`; the others cannot."""
        found = set(self.always)
        for char, indexes in self.by_char.items():
            if char in text:
                found.update(indexes)
        if self.has_pairs:
            for indexes in {indexes for _, indexes in self.automaton.iter(text)}:  # each prefix's once
                found.update(indexes)
        return sorted(found)
