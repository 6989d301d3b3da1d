"""Labelled corpora for the classifiers: examples read from JSONL files or from one folder per label,
described for the model card, and split for held-out metrics."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from scanner.detect.classifier import LABELS, message
from scanner.errors import ConfigError, MijianError
from scanner.model import Document


@dataclass(frozen=True)
class Example:
    """One labelled text; its first label decides class balance and the held-out strata."""

    text: str
    labels: tuple[str, ...]
    source: str = ""


def describe_data(examples: list[Example]) -> dict:
    by_source: dict[str, Counter] = defaultdict(Counter)
    for ex in examples:
        by_source[ex.source or "-"][ex.labels[0]] += 1
    return {
        "count": len(examples),
        "labels": dict(sorted(Counter(ex.labels[0] for ex in examples).items())),
        "sources": {s: dict(sorted(c.items())) for s, c in sorted(by_source.items())},
    }


def split_holdout(examples: list[Example], fraction: float = 0.2, seed: int = 0) -> tuple[list[Example], list[Example]]:
    """A stratified (label, source) held-out split for the model card's metrics."""
    cells: dict[tuple, list[Example]] = defaultdict(list)
    for ex in examples:
        cells[(ex.labels[0], ex.source)].append(ex)
    rng = random.Random(seed)
    fit, held = [], []
    for key in sorted(cells):
        items = cells[key][:]
        rng.shuffle(items)
        k = int(round(len(items) * fraction)) if len(items) > 1 else 0
        held.extend(items[:k])
        fit.extend(items[k:])
    return fit, held


def _labels_of(row: dict, source: str, line: int) -> tuple[str, ...]:
    raw = row.get("labels", row.get("label"))
    labels = (raw,) if isinstance(raw, str) else tuple(raw) if isinstance(raw, list) else ()
    if not labels:
        raise ConfigError(message("bad_corpus", source=source, line=line, detail="no label"))
    for label in labels:
        if label not in LABELS:
            raise ConfigError(message("unknown_label", source=source, label=label, known=", ".join(LABELS)))
    return labels


def read_jsonl(path: Path) -> list[Example]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = row["text"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ConfigError(message("bad_corpus", source=path, line=number, detail=exc)) from exc
        source = str(row.get("source") or path.name).split(":")[0]
        examples.append(Example(str(text), _labels_of(row, str(path), number), source))
    return examples


def read_folder(path: Path) -> tuple[list[Example], list[str]]:
    """One sub-folder per label; files read with Mijian's own extractors. Returns examples and problems."""
    from scanner.extract import extract, sniff  # the extractors only when a folder is read

    examples, problems = [], []
    for sub in sorted(p for p in path.iterdir() if p.is_dir()):
        if sub.name not in LABELS:
            raise ConfigError(message("unknown_label", source=path, label=sub.name, known=", ".join(LABELS)))
        for file in sorted(f for f in sub.rglob("*") if f.is_file()):
            try:
                data = file.read_bytes()
                text = Document(extract(sniff(data), data).segments).text
            except (MijianError, OSError) as exc:
                problems.append(f"{file}: {exc}")
                continue
            if text.strip():
                examples.append(Example(text, (sub.name,), path.name))
            else:
                problems.append(f"{file}: no text")
    return examples, problems


def read_corpus(paths: list[Path]) -> tuple[list[Example], list[str]]:
    examples, problems = [], []
    for path in paths:
        if path.is_dir():
            found, bad = read_folder(path)
            examples.extend(found)
            problems.extend(bad)
        elif path.is_file():
            examples.extend(read_jsonl(path))
        else:
            raise ConfigError(message("no_corpus", path=path))
    if not examples:
        raise ConfigError(message("empty_corpus"))
    return examples, problems
