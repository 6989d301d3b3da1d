"""Lexicon.find's fast path (one DFA pass, lazy boundary checks) against the straightforward one it replaced."""

from __future__ import annotations

import bisect
import re
from pathlib import Path

import ahocorasick
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.config import Config
from scanner.detect.allowlist import AllowList, Spans
from scanner.detect.boundaries import cut_through
from scanner.detect.lexicon import ContextWord, Hit, Lexicon, LexiconDetector, Term
from scanner.detect.normalize import normalize
from scanner.detect.public import PublicSigns
from scanner.detect.registry import lexicon_folder
from scanner.detect.signals import WindowSignals
from scanner.detect.substrings import Substrings

TERMS = [Term("兵力", "defense", 1.0), Term("兵力部署", "defense", 2.0, "strong"), Term("力部", "economy", 0.5),
         Term("中校", "defense", 1.2), Term("部署", "defense", 0.8), Term("署", "other", 0.3, "strong"),
         Term("部署", "economy", 0.4), Term("𠀋号", "state_security", 1.0)]
# Equal factors at one start (绝密, 绝密件; 演习, 演习中): which word is named depends on the order.
CONTEXT = [ContextWord("绝密", 2.0), ContextWord("绝", 1.5), ContextWord("绝密件", 2.0), ContextWord("演习中", 0.5), ContextWord("密件", 1.4, frozenset({"defense"})),
           ContextWord("演习", 0.5), ContextWord("部署", 1.3, frozenset({"economy"})),
           ContextWord(r"\d+号", 1.6, None, re.compile(r"\d+号"))]
ALLOW = AllowList(["兵力部", "高中校长"], [re.compile(r"《[^》]{1,8}》")])
ALPHABET = list("兵力部署中校高长绝密件演习号《》 ，。\n3٣𠀋")


def reference_find(lexicon: Lexicon, text: str) -> list[Hit]:
    """Lexicon.find as it was: pyahocorasick, then filters, then the outermost hits."""
    automaton = ahocorasick.Automaton()
    entries: dict[str, list] = {}
    for term in lexicon.terms:
        entries.setdefault(term.term, [[], [], False])[0].append(term)
    for word in lexicon.context:
        entries.setdefault(word.word, [[], [], False])[1].append(word)
    for term in lexicon.allow.terms:
        entries.setdefault(term, [[], [], False])[2] = True
    for key, (ts, cs, allowed) in entries.items():
        automaton.add_word(key, (len(key), tuple(ts), tuple(cs), allowed))
    if not entries:
        return []
    automaton.make_automaton()
    raw, near, allowed = [], [], []
    for end, (length, terms, words, allow) in automaton.iter(text):
        if terms:
            raw.append((end - length + 1, end + 1, terms))
        if words:
            near.append((end - length + 1, end + 1, words))
        if allow:
            allowed.append((end - length + 1, end + 1))
    if not raw:
        return []
    spans = Spans(allowed + lexicon.allow.regex_spans(text))
    if spans:
        raw = [r for r in raw if not spans.covers(r[0], r[1])]
    if lexicon.boundary_chars:
        raw = [r for r in raw if r[1] - r[0] > lexicon.boundary_chars or not cut_through(text, r[0], r[1])]
    raw.sort(key=lambda r: (r[0], -r[1]))
    kept, reach = [], -1
    for r in raw:
        if r[1] > reach:
            kept.append(r)
            reach = r[1]
    if not kept:
        return []
    for word in lexicon.patterns:
        near.extend((m.start(), m.end(), (word,)) for m in word.pattern.finditer(text) if m.end() > m.start())
    if lexicon.patterns:
        near.sort(key=lambda n: n[0])
    starts = [s for s, _, _ in near]
    hits = []
    for start, end, terms in kept:
        k = bisect.bisect_left(starts, start - lexicon.window - 64)
        close = k < len(starts) and starts[k] < end + lexicon.window
        for term in terms:
            if close:
                factor, words = lexicon._factor(term, start, end, near, starts, text)
                hits.append(Hit(term, start, end, factor, words))
            else:
                hits.append(Hit(term, start, end))
    return hits


LEXICONS = [Lexicon(TERMS, CONTEXT, ALLOW, window=6, boundary_chars=3),
            Lexicon(TERMS, CONTEXT, ALLOW, window=6, boundary_chars=0),
            Lexicon(TERMS, CONTEXT[:-1], AllowList(["兵力部"]), window=4, boundary_chars=2)]


@pytest.mark.parametrize("text", [
    "", "兵力部署", "兵力部署兵力部署", "高中校长说兵力部署", "绝密：兵力部署见密件。", "《兵力部署》与兵力部署",
    "演习中的兵力，部署在3号", "绝密件：兵力", "兵力在演习中", "署署署", "𠀋号𠀋号兵力", "兵力部兵力部署", "中校长高中校长中校",
])
@pytest.mark.parametrize("lexicon", LEXICONS)
def test_find_equals_the_straightforward_path(lexicon, text):
    assert lexicon.find(text) == reference_find(lexicon, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=60).map("".join))
def test_find_equals_the_straightforward_path_on_random_text(text):
    for lexicon in LEXICONS:
        assert lexicon.find(text) == reference_find(lexicon, text)


def test_substrings_reports_every_overlapping_occurrence_in_characters():
    index = Substrings(["ab", "b", "abc", "bc", "𠀋"])
    found = sorted(index.find("x𠀋abcab"))
    assert found == [(0, 2, 4), (0, 5, 7), (1, 3, 4), (1, 6, 7), (2, 2, 5), (3, 3, 5), (4, 1, 2)]
    assert Substrings([]).find("abc") == []
    with pytest.raises(ValueError):
        Substrings(["a", ""])


SHIPPED = LexiconDetector(Config())
REAL_TEXTS = sorted(p for p in (Path(__file__).resolve().parents[2] / "benchmarks" / "precision" / "files").rglob("*")
                    if p.suffix in (".txt", ".md") and p.is_file())[::9]


@pytest.mark.parametrize("path", REAL_TEXTS, ids=lambda p: p.name)
def test_one_shared_pass_finds_what_each_part_finds_alone(path):
    """The detector's one index (terms and prefixes together) against each part with an index of its own."""
    text = normalize(path.read_text(encoding="utf-8", errors="replace")).text
    folder = lexicon_folder(Config())
    alone = Lexicon.from_dir(folder, window=SHIPPED.lexicon.window, boundary_chars=SHIPPED.lexicon.boundary_chars)
    signals, public = WindowSignals.from_dir(folder), PublicSigns.from_dir(folder)
    found = SHIPPED.index.find(text)
    assert _plain(SHIPPED.lexicon.find(text, found)) == _plain(alone.find(text))
    around = [(i, i + 300) for i in range(0, len(text), 2000)]
    assert SHIPPED.signals.find(text, None, found) == signals.find(text)
    assert SHIPPED.signals.find(text, around, found) == signals.find(text, around)
    assert SHIPPED.public.find(text, found) == public.find(text)


def _plain(hits: list[Hit]) -> list[tuple]:
    """Hits with their terms as values (Term compares by identity; the two lexicons load their own)."""
    return [(h.term.term, h.term.category, h.term.weight, h.term.tier, h.start, h.end, h.factor, h.context) for h in hits]


def test_enough_real_texts_for_the_shared_pass():
    assert len(REAL_TEXTS) >= 80
