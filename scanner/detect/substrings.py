"""Every occurrence of many fixed strings in one pass over a text (Aho-Corasick, compiled to a DFA).

The lexicon's terms and the prefixes of the window signals and public signs share one index
(LexiconDetector): one pass over a text instead of three.

pyahocorasick looks up each character of the text among the children of the root one by one: with the
~350 first characters of the lexicon that was ~140 ns a character, most of the lexicon's time.
ahocorasick_rs (the Rust aho-corasick crate) builds a DFA whose step is one table look-up: ~20 ns a
character here, and a few milliseconds to build. Offsets are in characters, as Python slices them.
"""

from __future__ import annotations

import ahocorasick_rs


class Substrings:
    """All (key index, start, end) occurrences of `keys`, overlapping ones included."""

    def __init__(self, keys: list[str]):
        if any(not key for key in keys):
            raise ValueError("empty key")
        self.keys = list(keys)
        self._dfa = ahocorasick_rs.AhoCorasick(self.keys, matchkind=ahocorasick_rs.MatchKind.Standard,
                                               implementation=ahocorasick_rs.Implementation.DFA) if keys else None

    def __len__(self) -> int:
        return len(self.keys)

    def table(self, values: dict[str, object]) -> list:
        """Per key of this index (by index), its value in `values`, or None: how a searcher that shares
        the index with others reads the occurrences of its own keys among theirs."""
        return [values.get(key) for key in self.keys]

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """Every occurrence, as (key index, start, end); the order within one end offset is not fixed."""
        if self._dfa is None:
            return []
        return self._dfa.find_matches_as_indexes(text, overlapping=True)
