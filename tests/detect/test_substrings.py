"""Substrings searches with a contiguous NFA first and a DFA once enough text has been searched: the two
give the same occurrences, on the shipped keys and on random ones."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.config import Config
from scanner.detect.lexicon import LexiconDetector
from scanner.detect.normalize import normalize
from scanner.detect.substrings import Substrings

ROOT = Path(__file__).resolve().parents[2]
TEXTS = sorted(p for p in (ROOT / "benchmarks" / "precision" / "files").rglob("*")
               if p.suffix in (".txt", ".md") and p.is_file())[::7]
KEYS = LexiconDetector(Config()).index.keys


def test_the_nfa_and_the_dfa_find_the_same_on_real_texts():
    nfa, dfa = Substrings(KEYS, switch_chars=10 ** 12), Substrings(KEYS, switch_chars=0)
    assert len(TEXTS) > 50
    for path in TEXTS:
        text = normalize(path.read_text(encoding="utf-8", errors="replace")).text
        assert sorted(nfa.find(text)) == sorted(dfa.find(text))
    assert nfa._dfa is None and dfa._nfa is None


def test_the_dfa_is_built_once_enough_text_has_been_searched():
    index = Substrings(["ab", "b"], switch_chars=10)
    assert sorted(index.find("abab")) == [(0, 0, 2), (0, 2, 4), (1, 1, 2), (1, 3, 4)]
    assert index._dfa is None
    index.find("x" * 6)  # 10 characters: still the NFA
    assert index._dfa is None
    assert sorted(index.find("ab")) == [(0, 0, 2), (1, 1, 2)]  # the 11th: from now on the DFA
    assert index._dfa is not None and index._nfa is None
    assert Substrings([], switch_chars=0).find("ab") == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("ab𠀋中文", min_size=1, max_size=4), min_size=1, max_size=12, unique=True),
       st.text("ab𠀋中文x\n", max_size=60))
def test_the_nfa_and_the_dfa_find_the_same_on_random_keys(keys, text):
    expected = sorted((i, s, s + len(k)) for i, k in enumerate(keys) for s in range(len(text)) if text.startswith(k, s))
    assert sorted(Substrings(keys, switch_chars=10 ** 12).find(text)) == expected
    assert sorted(Substrings(keys, switch_chars=0).find(text)) == expected
