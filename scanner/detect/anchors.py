"""Which of many regular expressions can match a text, from the literal prefixes their matches start with.

Each expression of window.toml and public.toml is searched for on its own, so a text used to be scanned
once per expression (about 90 times). Most expressions start with a short literal (不得, 保密, 新华社):
their possible prefixes of up to two characters are found in one Aho-Corasick pass (substrings.py),
and an expression none of whose prefixes occurs in the text is not run, since it cannot match there.
An expression all of whose prefixes have two characters is tried only where one of them occurs
(`finditer_at`), not by a search that tries every place of the text; where it has few prefixes of three
or four characters, those are listed instead (人民法院, not every 人民). An expression that opens with ^
is tried only at the line starts from which its leading blanks or brackets reach one of its words
(regex_shape.line_lead). An expression whose start is not a small set of literals (a digit, any
character, ^ then anything) is always run. Results are exactly those of running every expression.
What the shapes say is kept between processes (shape_cache.py).
"""

from __future__ import annotations

import re
from collections import defaultdict

from scanner.detect.regex_shape import (LINE, PREFIX_CHARS, SPACES, TEXT, engine_skips, lead_run, line_lead,
                                        line_led, line_presence, literal_prefixes, not_after, other_digits)
from scanner.detect import shape_cache
from scanner.detect.lazy_regex import compiled
from scanner.detect.substrings import Substrings

__all__ = ["SPACES", "AnchorFilter", "finditer_at", "literal_prefixes", "other_digits"]

FAST_SEARCH, SLOW_SEARCH = 150, 8  # characters a place tried, see AnchorFilter
# Longer prefixes than two characters, when an expression has at most this many of them: fewer places
# found (人民法院 rather than every 人民) for a few more keys in the index.
LONGER_SIZES, LONGER_MOST = (3, 4), 256
_NEWLINE = re.compile("\n")


class AnchorFilter:
    """The expressions of a list that can match a given text (by index), from one pass over it, and where
    their matches can start."""

    def __init__(self, patterns: list[re.Pattern], many_starts: int | None = None, cache: bool = False):
        self.patterns = list(patterns)
        # What the expressions' shapes say (plain data), read back from the cache folder when `cache`
        # and it holds them (shape_cache.py): reading them costs ~25 ms of CPU for the shipped ones.
        options = _options(many_starts)
        shape = shape_cache.load(self.patterns, options) if cache else None
        if shape is None:
            shape = _shape([compiled(p) for p in self.patterns], many_starts)
            if cache:
                shape_cache.store(self.patterns, options, shape)
        (one_in, always, by_char, lead, entries, digit_bound, only_pairs, not_after_, run, line_led_) = shape
        # Past one place in this many characters the engine's own search is quicker than a call a place:
        # it skips to a literal or a class (FAST_SEARCH) or tries every place (SLOW_SEARCH). A speed
        # choice only: both give the same matches.
        self._one_in = list(one_in)
        self.always: list[int] = list(always)
        self.by_char: dict[str, list[int]] = by_char  # one-character prefixes, looked for with `in`
        # Line-led expressions whose words after ^ are all listed: tried only at the line starts before them.
        self._lead = {index: _Lead(chars, negated) for index, (chars, negated) in lead.items()}
        # Per prefix of two or more characters, the expressions it starts; other decimal digits (below)
        # point one past the expressions.
        self._entries: dict[str, object] = entries
        # Expressions whose prefixes were listed with \d as 0-9: run everywhere in a text with another
        # decimal digit (Arabic-Indic, Devanagari ...), found in the same pass.
        self._digit_bound = tuple(digit_bound)
        self._index: Substrings | None = None  # built on first use, or shared (share)
        self._table: list = []
        self._only_pairs = frozenset(only_pairs)  # their matches start where one of their prefixes occurs
        self._not_after = list(not_after_)
        self._run = list(run)
        # Expressions that open with ^ or \A: tried at the start of each line (or of the text) only.
        self._line_led = [tuple(item) for item in line_led_]

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
        at: defaultdict[int, list[int]] = defaultdict(list)  # only the expressions whose prefixes occur
        table = self._table
        for key, start, _ in occurrences:
            indexes = table[key]
            if indexes is not None:
                for index in indexes:
                    at[index].append(start)
        if at.pop(len(self.patterns), None):  # another decimal digit
            found.update(dict.fromkeys(self._digit_bound))
        size = len(text)
        one_in = self._one_in
        for index, starts in at.items():
            if index not in found:
                if index in self._only_pairs and len(starts) <= size // one_in[index]:
                    starts.sort()
                    found[index] = starts
                elif index in self._lead:
                    starts = self._lead[index].line_starts(text, starts)
                    if starts:
                        found[index] = starts
                else:
                    found[index] = None
        lines = None
        for index, mode in self._line_led:
            if index in found and found[index] is None:
                if mode == TEXT:
                    found[index] = [0]
                    continue
                if lines is None:
                    lines = [0, *(m.end() for m in _NEWLINE.finditer(text))]
                if len(lines) <= size // one_in[index]:
                    found[index] = lines
        return sorted(found.items())

    def matches(self, index: int, text: str, starts: list[int] | None):
        """The matches of expression `index` in `text` (as its finditer gives them), `starts` from scan."""
        return finditer_at(compiled(self.patterns[index]), text, starts, self._not_after[index], self._run[index])


def kept(patterns: list, many_starts: int | None = None) -> bool:
    """Whether the shape cache holds `patterns` (LazyPatterns, as a reader gives them): then an earlier
    process of this Python compiled every one of them (lazy_regex.py)."""
    return shape_cache.load(patterns, _options(many_starts)) is not None


def _options(many_starts: int | None) -> tuple:
    return many_starts, LONGER_SIZES, LONGER_MOST, FAST_SEARCH, SLOW_SEARCH


def _shape(patterns: list[re.Pattern], many_starts: int | None) -> tuple:
    """What AnchorFilter needs to know of its expressions, as plain data (shape_cache.py keeps it)."""
    one_in = [many_starts or (FAST_SEARCH if engine_skips(p) else SLOW_SEARCH) for p in patterns]
    always: list[int] = []
    by_char: dict[str, list[int]] = {}
    lead: dict[int, tuple[frozenset[str], bool]] = {}
    by_pair: dict[str, list[int]] = {}
    only_pairs: set[int] = set()
    digit_bound: list[int] = []
    modes = [line_led(p) for p in patterns]
    for index, pattern in enumerate(patterns):
        # An expression that opens with ^ is tried at line starts; its prefixes say whether at all.
        prefixes_of = line_presence if modes[index] else literal_prefixes
        prefixes = prefixes_of(pattern)
        if prefixes is None or not _pairs_only(prefixes):
            # \d read as 0-9 may list pairs where it listed nothing or single characters
            with_digits = prefixes_of(pattern, ascii_digits=True)
            if with_digits is not None and with_digits != prefixes and (prefixes is None or _pairs_only(with_digits)):
                prefixes = with_digits
                digit_bound.append(index)
        if prefixes is None:
            always.append(index)
            continue
        if _pairs_only(prefixes):
            prefixes = _longer(pattern, prefixes_of, index in digit_bound) or prefixes
        for prefix in sorted(prefixes):
            (by_char if len(prefix) == 1 else by_pair).setdefault(prefix, []).append(index)
        if _pairs_only(prefixes):
            if not modes[index]:
                only_pairs.add(index)
            elif modes[index] == LINE:
                chars = line_lead(pattern)
                if chars is not None and (not chars[1] or "\n" in chars[0]):
                    lead[index] = chars
    entries: dict[str, tuple] = {pair: tuple(indexes) for pair, indexes in by_pair.items()}
    if digit_bound:  # their places go to a list one past the expressions'
        entries.update(dict.fromkeys(other_digits(), (len(patterns),)))
    return (one_in, always, by_char, lead, entries, digit_bound, frozenset(only_pairs),
            [not_after(p) for p in patterns], [lead_run(p) for p in patterns],
            [(index, mode) for index, mode in enumerate(modes) if mode])


def _pairs_only(prefixes: frozenset[str]) -> bool:
    """Whether every prefix is found by the index (two characters or more), none by `in`."""
    return all(len(prefix) >= PREFIX_CHARS for prefix in prefixes)


def _longer(pattern: re.Pattern, prefixes_of, ascii_digits: bool) -> frozenset[str] | None:
    """The prefixes of the longest of LONGER_SIZES characters, all of two or more, when few enough (each
    size has at least as many as the one before, so the first too many ends the search)."""
    best = None
    for size in LONGER_SIZES:
        prefixes = prefixes_of(pattern, ascii_digits=ascii_digits, size=size, most=LONGER_MOST)
        if prefixes is None or len(prefixes) > LONGER_MOST or not _pairs_only(prefixes):
            break
        best = prefixes
    return best


class _Lead:
    """Where a line-led expression can match, from where its words after ^ occur (regex_shape.line_lead)."""

    def __init__(self, chars: frozenset[str], negated: bool):
        self.chars = chars
        self.negated = negated
        # every character but `chars` (a newline among them): the leading items stay on one line
        rest = sorted(chars - {"\n"})
        self._stop = re.compile("[" + "".join(map(re.escape, rest)) + "]") if negated and rest else None
        self._lines = "\n" in chars and not negated

    def line_starts(self, text: str, starts: list[int]) -> list[int]:
        """The line starts L (sorted) at which a match can begin, given the places q (any order) where the
        words after the leading items occur: those with every character of text[L:q] among the leading
        items' characters."""
        found: set[int] = set()
        if self.negated:
            stop = self._stop
            for q in starts:
                line = text.rfind("\n", 0, q) + 1
                if stop is None or stop.search(text, line, q) is None:
                    found.add(line)
            return sorted(found)
        chars = self.chars
        for q in starts:
            i = q
            while i and text[i - 1] in chars:
                i -= 1
            if i == 0 or text[i - 1] == "\n":
                found.add(i)
            if self._lines:  # the leading items may take newlines: every line start in [i, q]
                j = text.find("\n", i, q)
                while j >= 0:
                    found.add(j + 1)
                    j = text.find("\n", j + 1, q)
        return sorted(found)


def finditer_at(pattern: re.Pattern, text: str, starts: list[int] | None, not_after: frozenset[str] = frozenset(),
                run: frozenset[str] = frozenset()):
    """The matches of `pattern.finditer(text)`, given the sorted offsets `starts` outside which no match
    begins (None: anywhere), characters after which none begins (`not_after`, regex_shape.not_after),
    and characters after a failed place at which the next fails too (`run`, regex_shape.lead_run).
    `match(text, pos)` sees the text before `pos` (look-behinds, ^, \\b) as a search does, and the next
    search resumes where a match ended: so these are the same matches."""
    if starts is None:
        return pattern.finditer(text)
    return _at(pattern.match, text, starts, not_after, run)


def _at(match, text: str, starts: list[int], not_after: frozenset[str], run: frozenset[str]):
    end = 0
    failed = -2  # the last place tried (or known) to have no match
    for start in starts:
        if start < end:
            continue
        if start and ((not_after and text[start - 1] in not_after)
                      or (run and failed == start - 1 and text[start - 1] in run)):
            failed = start
            continue
        m = match(text, start)
        if m is None:
            failed = start
        else:
            end = m.end()
            yield m
