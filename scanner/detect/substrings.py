"""Every occurrence of many fixed strings in one pass over a text (Aho-Corasick, compiled to a DFA).

The lexicon's terms and the prefixes of the window signals and public signs share one index
(LexiconDetector): one pass over a text instead of three.

pyahocorasick looks up each character of the text among the children of the root one by one: with the
~350 first characters of the lexicon that was ~140 ns a character, most of the lexicon's time.
ahocorasick_rs (the Rust aho-corasick crate) builds a DFA whose step is one table look-up: ~20 ns a
character here, and a few milliseconds to build. Offsets are in characters, as Python slices them.

The DFA takes about four times as long to build as a contiguous NFA of the same keys (~50 ms against
~12 for the shipped lexicon with its expressions' prefixes), which scans ~17 ns a character slower. A
process that reads one small file never wins that back: texts are searched with the NFA until
SWITCH_CHARS characters have been, and with the DFA from then on (at most about twice the cost of the
better choice made in hindsight). Both give the same occurrences.
"""

from __future__ import annotations

import ahocorasick_rs


SWITCH_CHARS = 2_000_000


class Substrings:
    """All (key index, start, end) occurrences of `keys`, overlapping ones included."""

    def __init__(self, keys: list[str], switch_chars: int = SWITCH_CHARS):
        if any(not key for key in keys):
            raise ValueError("empty key")
        self.keys = list(keys)
        self._switch = switch_chars
        self._scanned = 0  # characters searched with the NFA
        self._nfa = self._dfa = None
        if keys:
            if switch_chars > 0:
                self._nfa = self._build(ahocorasick_rs.Implementation.ContiguousNFA)
            else:
                self._dfa = self._build(ahocorasick_rs.Implementation.DFA)

    def _build(self, implementation):
        return ahocorasick_rs.AhoCorasick(self.keys, matchkind=ahocorasick_rs.MatchKind.Standard,
                                          implementation=implementation)

    def __len__(self) -> int:
        return len(self.keys)

    def table(self, values: dict[str, object]) -> list:
        """Per key of this index (by index), its value in `values`, or None: how a searcher that shares
        the index with others reads the occurrences of its own keys among theirs."""
        return [values.get(key) for key in self.keys]

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """Every occurrence, as (key index, start, end); the order within one end offset is not fixed."""
        if self._dfa is None:
            if self._nfa is None:
                return []
            self._scanned += len(text)
            if self._scanned <= self._switch:
                return self._nfa.find_matches_as_indexes(text, overlapping=True)
            self._dfa = self._build(ahocorasick_rs.Implementation.DFA)
            self._nfa = None
        return self._dfa.find_matches_as_indexes(text, overlapping=True)
