"""The literal-prefix prefilter (detect/anchors.py) skips only expressions that cannot match: window signals
and public signs found with it are exactly those found by running every expression, on real texts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.detect.anchors import AnchorFilter, literal_prefixes
from scanner.detect.normalize import normalize
from scanner.detect.public import PublicSigns
from scanner.detect.signals import HANDLING, Signal, WindowSignals
from scanner.resources import data_path

ROOT = Path(__file__).resolve().parents[2]
TEXTS = sorted(p for p in (ROOT / "benchmarks" / "precision" / "files").rglob("*")
               if p.suffix in (".txt", ".md") and p.is_file())[::3]
LEXICONS = data_path("lexicons")
SIGNALS = WindowSignals.from_dir(LEXICONS)
PUBLIC = PublicSigns.from_dir(LEXICONS)


@pytest.mark.parametrize("pattern, prefixes", [
    ("保密(?:啊|哈)", {"保密"}),
    ("(?:不得|别)(?:外传|说)", {"不得", "别外", "别说"}),
    ("(?<![\\d.])第\\d+旅", {"第"}),
    ("(?m)^[ \\t]*第[一二]条", {" ", "\t", "第一", "第二"}),
    ("[（(]\\s*\\d分", {"（", "("}),
    ("周[一二](?:上午)?公布", {"周一", "周二"}),
    ("\\d+(?:公里|吨)", None),  # \d: any decimal digit of Unicode, not listed
    ("(?m)^[^\\n]{0,40}公报$", None),  # starts with any character
    ("(?:保密)?", None),  # matches the empty string
    ("(?i)abc", None),
])
def test_literal_prefixes(pattern, prefixes):
    found = literal_prefixes(re.compile(pattern))
    assert (None if found is None else set(found)) == prefixes


def test_filter_keeps_the_order_and_drops_only_what_cannot_match():
    patterns = [re.compile(p) for p in ("保密", "\\d+吨", "不得外传", "周[一二]")]
    flt = AnchorFilter(patterns)
    assert flt.candidates("请注意保密，周二见") == [0, 1, 3]
    assert flt.candidates("没有别的") == [1]


def _signals_by_every_expression(text: str, around) -> list[Signal]:
    """WindowSignals.find as it was before the prefilter: every expression over every part."""
    from scanner.detect.signals import _spans
    found = []
    for lo, hi in _spans(around, len(text)):
        part = text[lo:hi]
        for kind, patterns in SIGNALS.patterns.items():
            for pattern in patterns:
                for m in pattern.finditer(part):
                    start = lo + m.start()
                    if m.end() > m.start() and not (kind == HANDLING and start and text[start - 1:start + 1] in SIGNALS.not_inside):
                        found.append(Signal(kind, start, lo + m.end(), m.group()))
    found.sort(key=lambda s: s.start)
    return found


def _public_by_every_expression(text: str) -> list:
    """The public signs that hold, every expression run."""
    everything = set(range(sum(len(r.count) + len(r.any) for r in PUBLIC.rules)))
    signs = (PUBLIC._holds(rule, text, everything) for rule in PUBLIC.rules)
    return [s for s in signs if s is not None]


def test_enough_real_texts():
    assert len(TEXTS) >= 250


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_same_signals_and_signs_as_every_expression(path):
    text = normalize(path.read_text(encoding="utf-8", errors="replace")).text
    around = [(i, i + 200) for i in range(0, len(text), 1500)]
    assert SIGNALS.find(text) == _signals_by_every_expression(text, None)
    assert SIGNALS.find(text, around) == _signals_by_every_expression(text, around)
    assert PUBLIC.find(text) == _public_by_every_expression(text)
