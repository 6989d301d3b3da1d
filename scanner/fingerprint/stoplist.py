"""The stop list: k-grams of ordinary documents (boilerplate, common legal phrases) never fingerprinted.

It holds the public hash h1 (winnow.py) of every k-gram found in at least `min_docs` documents
(of different sources) of a corpus of ordinary texts, built once and shipped (models/fingerprint/). It needs no key: the
phrases it stands for are public, and it says nothing about what an organisation registered.
Registering drops chosen k-grams found in it; scanning skips them before the lookup.

Build it again (after changing k or the corpus):
    python3 -m scanner.fingerprint.stoplist OUT.npy FILE.jsonl... [--k 11] [--min-docs 3]
"""

from __future__ import annotations

import argparse
import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from scanner.detect.normalize import normalize
from scanner.fingerprint.text import content_text
from scanner.fingerprint.winnow import gram_hashes
from scanner.resources import data_path


def stoplist_path(k: int) -> Path | None:
    try:
        path = data_path("models") / "fingerprint" / f"stop-k{k}.npy"
    except FileNotFoundError:
        return None
    return path if path.is_file() else None


@lru_cache(maxsize=4)
def load_stoplist(k: int) -> np.ndarray:
    """The shipped stop list for k-grams of k characters, sorted; empty when none is shipped for k."""
    path = stoplist_path(k)
    if path is None:
        return np.zeros(0, dtype=np.uint64)
    return np.sort(np.load(path, allow_pickle=False).astype(np.uint64))


def in_stoplist(stop: np.ndarray, h1: np.ndarray) -> np.ndarray:
    """A mask of the hashes found in the (sorted) stop list."""
    if len(stop) == 0 or len(h1) == 0:
        return np.zeros(len(h1), dtype=bool)
    at = np.searchsorted(stop, h1)
    np.minimum(at, len(stop) - 1, out=at)
    return stop[at] == h1


def build_stoplist(texts, k: int, min_docs: int = 3) -> np.ndarray:
    """Hashes of the k-grams found in at least `min_docs` of `texts`, a list of (group, text).

    Texts of one group (versions of one law, parts of one document) count once: a passage a
    corpus holds twice is one document's text, not a phrase common to many."""
    groups: dict[str, list[np.ndarray]] = {}
    for group, text in texts:
        h1, _ = gram_hashes(content_text(normalize(text).text).codes, k)
        groups.setdefault(group, []).append(h1)
    if not groups:
        return np.zeros(0, dtype=np.uint64)
    seen = [np.unique(np.concatenate(parts)) for parts in groups.values()]
    values, counts = np.unique(np.concatenate(seen), return_counts=True)
    return values[counts >= min_docs]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="build the fingerprint stop list from ordinary texts")
    parser.add_argument("out")
    parser.add_argument("files", nargs="+", help="JSON lines with a 'text' field, or plain text files")
    parser.add_argument("--k", type=int, default=11)
    parser.add_argument("--min-docs", type=int, default=3)
    args = parser.parse_args(argv)
    texts = []
    for name in args.files:
        path = Path(name)
        if path.suffix == ".jsonl":
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
                if line:
                    row = json.loads(line)
                    texts.append((str(row.get("source") or f"{name}:{n}"), row["text"]))
        else:
            texts.append((name, path.read_text(encoding="utf-8", errors="replace")))
    stop = build_stoplist(texts, args.k, args.min_docs)
    np.save(args.out, stop)
    print(f"{len(stop)} hashes from {len(texts)} texts -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
