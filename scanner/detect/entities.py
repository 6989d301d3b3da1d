"""Named entities (people, organisations, places, foreign parties) near a piece of evidence."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from scanner.detect import jieba_cache
from scanner.detect.spacy_import import import_spacy
from scanner.errors import ConfigError
from scanner.resources import data_path

PERSON, ORGANISATION, PLACE = "person", "organisation", "place"
LABELS = (PERSON, ORGANISATION, PLACE)
FOREIGN_FILE = "foreign_names.txt"
MODEL_FOLDER = "ner"

# The model's labels are those of its training corpus (MSRA NER).
_MODEL_LABELS = {"PER": PERSON, "ORG": ORGANISATION, "LOC": PLACE}

# Beyond each window the model also reads this many characters, so that a name crossing
# the window's edge is seen whole (美国国务院, not 国务院) rather than cut.
_MARGIN = 8

SpanLabel = tuple[int, int, str]
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True)
class Entity:
    """A named entity with offsets into the text it was found in."""

    text: str
    label: str  # person | organisation | place
    start: int
    end: int
    foreign: bool = False  # an organisation or place of another country, or an international body

    def __post_init__(self):
        if self.label not in LABELS:
            raise ValueError(f"unknown entity label: {self.label}")
        if not 0 <= self.start < self.end or self.end - self.start != len(self.text):
            raise ValueError(f"bad entity offsets: {self.start}..{self.end} for {self.text!r}")


@dataclass(frozen=True)
class ForeignNames:
    """Names of other countries and international bodies, read from lexicons/foreign_names.txt."""

    names: dict[str, str]  # name -> label it stands for on its own (place or organisation)
    exceptions: tuple[str, ...] = ()

    def is_foreign(self, text: str, label: str, before: str = "") -> bool:
        """Whether an organisation or place named `text` is foreign; `before` is the text just
        before it, where an exception may start (中国驻|美国大使馆 is China's embassy)."""
        if label == PERSON or not any(name in text for name in self.names):
            return False
        return not any(e in (before[-len(e):] + text) for e in self.exceptions)


def read_foreign_names(path: Path) -> ForeignNames:
    names: dict[str, str] = {}
    exceptions: list[str] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("!"):
            exceptions.append(line[1:].strip())
            continue
        name, _, label = line.partition("\t")
        label = label.strip() or PLACE
        if label not in (PLACE, ORGANISATION):
            raise ConfigError(f"外国名称表标签无效 (bad label {label!r} in {path}, line {number})")
        names[name.strip()] = label
    return ForeignNames(names, tuple(exceptions))


@lru_cache(maxsize=4)
def load_ner_model(folder: Path):
    """The spaCy pipeline in `folder`, loaded once per process (spaCy takes 0.4–1 s to import).

    The shipped model segments words with jieba (spaCy's Chinese tokenizer), so both are needed. Its
    tokenizer is given a segmenter of its own whose dictionary loads only as far as the texts need
    (jieba_cache.py), the same words as jieba's; jieba's shared tokenizer is left untouched.
    """
    try:
        jieba = jieba_cache.import_jieba()
        spacy = import_spacy()
    except ImportError as exc:  # a missing dependency is a setup error, not a silent pass
        raise ConfigError(
            "缺少 spaCy 或 jieba 依赖，无法识别命名实体 "
            "(named entities need the spacy and jieba packages: pip install 'mijian[ner]')"
        ) from exc
    jieba.setLogLevel(60)  # jieba announces loading its dictionary on stderr
    if not (folder / "config.cfg").is_file():
        raise ConfigError(f"命名实体模型不存在 (named-entity model not found: {folder})")
    try:
        return _load_with_segmenter(spacy, folder, jieba_cache.segmenter(jieba))
    except (OSError, ValueError, ImportError) as exc:
        raise ConfigError(f"命名实体模型无法加载 (named-entity model cannot be loaded: {folder}: {exc})") from exc


def _load_with_segmenter(spacy, folder: Path, segmenter: jieba_cache.LazySegmenter):
    """spacy.load(folder), its jieba tokenizer built on `segmenter`: spaCy's Chinese tokenizer asks
    `try_jieba_import` for jieba (and cuts a word with it, which would load jieba's whole dictionary)."""
    zh = importlib.import_module("spacy.lang.zh")
    original = getattr(zh, "try_jieba_import", None)
    if original is None:  # another spaCy: jieba's shared tokenizer gets the whole dictionary, from the cache
        shared = segmenter.jieba.dt
        if not shared.initialized:
            with shared.lock:
                shared.FREQ, shared.total = segmenter.load_all(), segmenter.tokenizer.total
                shared.initialized = True
        return spacy.load(folder)
    zh.try_jieba_import = lambda: segmenter
    try:
        return spacy.load(folder)
    finally:
        zh.try_jieba_import = original


class EntityFinder:
    """Finds named entities with the spaCy model in models/ner/, marking foreign parties.

    spaCy, jieba and the model are loaded on first use, so building a finder is cheap.
    """

    def __init__(self, model: Path | None = None, foreign_names: Path | None = None):
        self.model = Path(model) if model is not None else data_path("models") / MODEL_FOLDER
        path = foreign_names if foreign_names is not None else data_path("lexicons") / FOREIGN_FILE
        self.foreign = read_foreign_names(path)

    def find(self, text: str) -> list[Entity]:
        """Every entity in `text`, in order. Meant for short texts: use `near` on documents."""
        return self._entities(text, [(0, len(text))])

    def near(self, text: str, spans: list[tuple[int, int]], width: int = 60) -> list[list[Entity]]:
        """For each (start, end) evidence span, the entities within `width` characters of it.

        Only the windows are read, never the whole text; overlapping windows are read once.
        Each list is in text order, one entity per (text, label): the mention nearest the span.
        """
        if width < 0:
            raise ValueError("width must not be negative")
        windows = [(max(0, s - width), min(len(text), e + width)) for s, e in spans]
        found = self._entities(text, _union(windows))
        out = []
        for (s, e), (lo, hi) in zip(spans, windows):
            nearest: dict[tuple[str, str], Entity] = {}
            for ent in found:
                if ent.end <= lo or ent.start >= hi:
                    continue
                key = (ent.text, ent.label)
                if key not in nearest or _distance(ent, s, e) < _distance(nearest[key], s, e):
                    nearest[key] = ent
            out.append(sorted(nearest.values(), key=lambda x: (x.start, x.end)))
        return out

    def spans(self, texts: list[str]) -> list[list[SpanLabel]]:
        """(start, end, label) of the model's entities in each text.

        Dropped as noise: one character (李 of 李某) and names without a Chinese character (the
        model, trained on news with full-width digits, calls some ASCII numbers places).
        """
        if not any(texts):
            return [[] for _ in texts]
        nlp = load_ner_model(self.model)
        out = []
        for doc in nlp.pipe(texts):
            found = []
            for ent in doc.ents:
                label = _MODEL_LABELS.get(ent.label_)
                if label is None or ent.end_char - ent.start_char < 2 or not _HAN.search(ent.text):
                    continue
                # A listed name is a place or body whatever the model says.
                found.append((ent.start_char, ent.end_char, self.foreign.names.get(ent.text, label)))
            out.append(found)
        return out

    def _entities(self, text: str, windows: list[tuple[int, int]]) -> list[Entity]:
        """Entities of each text[lo:hi], read with a margin; those cut by the margin's edge dropped."""
        windows = [(lo, hi) for lo, hi in windows if hi > lo]
        padded = [(max(0, lo - _MARGIN), min(len(text), hi + _MARGIN)) for lo, hi in windows]
        out = []
        for (lo, hi), (a, b), found in zip(windows, padded, self.spans([text[a:b] for a, b in padded])):
            for s, e, label in found:
                s, e = s + a, e + a
                if e <= lo or s >= hi or (s == a and a > 0) or (e == b and b < len(text)):
                    continue
                name = text[s:e]
                foreign = self.foreign.is_foreign(name, label, text[max(0, s - _MARGIN):s])
                out.append(Entity(name, label, s, e, foreign))
        return out


def spans_within(text_size: int, spans: list[tuple[int, int]], width: int, budget: int) -> int:
    """How many of `spans`, from the first, can be looked at (`near`) reading at most `budget` characters
    of windows (the first one always): the model costs about 30 µs a character (benchmarks/ner_bench.py)."""
    windows: list[tuple[int, int]] = []
    for n, (s, e) in enumerate(spans):
        windows.append((max(0, s - width), min(text_size, e + width)))
        if n and sum(hi - lo for lo, hi in _union(windows)) > budget:
            return n
    return len(spans)


def _union(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for lo, hi in sorted(w for w in windows if w[1] > w[0]):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def _distance(ent: Entity, start: int, end: int) -> int:
    return max(0, start - ent.end, ent.start - end)
