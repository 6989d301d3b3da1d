"""Build models/fingerprint/stop-k11.npy: k-grams common in ordinary documents, never fingerprinted.

Corpus (both may be copied into the project): a third of models/training/train.jsonl (published
laws and judgments, 著作权法 第五条: the laws whose name hashes to 0 mod 3, every version of a law
together, and every third judgment) and every other real
ordinary text document of benchmarks/precision (md, txt, html, tex rows of manifest-ordinary.tsv:
0, 2, 4, ...). The other texts are left for benchmarks/fingerprint_bench.py to register or to test against, so its measure of
false matches is taken on documents the stop list never saw.

    python3 models/fingerprint/build_stoplist.py [--k 11] [--min-docs 3]

A k-gram is common when texts of at least min-docs sources hold it (the versions of one law are one
source).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
from pathlib import Path

import numpy as np

from scanner.extract import extract, sniff
from scanner.fingerprint.stoplist import build_stoplist

ROOT = Path(__file__).resolve().parents[2]
PRECISION = ROOT / "benchmarks" / "precision"


def law_name(source: str) -> str:
    """The law a text comes from, its versions together: 反间谍法(2014-11-01).md, (2023-04-26).md."""
    return re.sub(r"\(\d{4}-\d{2}-\d{2}\)", "", source).rsplit("/", 1)[-1]


def part_of(source: str, index: int) -> int:
    """Which third a text of train.jsonl belongs to: a whole law (every version) goes to one third,
    so texts of one law are never on both sides; judgments are split one by one."""
    if source.startswith("LawRefBook"):
        return int(hashlib.sha256(law_name(source).encode("utf-8")).hexdigest(), 16) % 3
    return index % 3


def laws(part: int) -> list[tuple[str, str]]:
    """(source, text) of the third `part` of train.jsonl (0: the stop list's, 1 and 2: the benchmark's)."""
    rows = (ROOT / "models" / "training" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(rows):
        if line:
            row = json.loads(line)
            if part_of(row["source"], i) == part:
                out.append((law_name(row["source"]) if row["source"].startswith("LawRefBook") else f"{row['source']}:{i}",
                            row["text"]))
    return out


def ordinary_files(part: int) -> list[Path]:
    with open(PRECISION / "manifest-ordinary.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    # Text formats only: reading the PDFs and Office files would run OCR over their pictures.
    rows = [r for r in rows if (r.get("in_repo") or "yes").strip() == "yes"
            and r["file"].rsplit(".", 1)[-1] in ("md", "txt", "html", "tex")]
    return [PRECISION / r["file"] for i, r in enumerate(rows) if i % 2 == part]


def file_text(path: Path) -> str:
    data = path.read_bytes()
    extraction = extract(sniff(data), data)
    return "\n".join(s.text for s in extraction.segments)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=11)
    parser.add_argument("--min-docs", type=int, default=3)
    args = parser.parse_args()
    texts = laws(0) + [(p.name, file_text(p)) for p in ordinary_files(0)]
    stop = build_stoplist(texts, args.k, args.min_docs)
    out = Path(__file__).resolve().parent / f"stop-k{args.k}.npy"
    np.save(out, stop)
    print(f"{len(stop)} k-grams (k={args.k}) in >= {args.min_docs} of {len(texts)} texts -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
