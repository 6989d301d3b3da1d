"""Build models/fingerprint/stop-k13.npy: k-grams common in ordinary documents, never fingerprinted.

Corpus (both may be copied into the project): every third text of models/training/train.jsonl
(published laws and judgments, 著作权法 第五条; indices 0, 3, 6, ...) and every other real
ordinary text document of benchmarks/precision (md, txt, html, tex rows of manifest-ordinary.tsv:
0, 2, 4, ...). The other texts are left for benchmarks/fingerprint_bench.py to register or to test against, so its measure of
false matches is taken on documents the stop list never saw.

    python3 models/fingerprint/build_stoplist.py [--k 13] [--min-docs 3]

A k-gram is common when texts of at least min-docs sources hold it (the versions of one law are one
source).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

import numpy as np

from scanner.extract import extract, sniff
from scanner.fingerprint.stoplist import build_stoplist

ROOT = Path(__file__).resolve().parents[2]
PRECISION = ROOT / "benchmarks" / "precision"


def laws(part: int) -> list[tuple[str, str]]:
    """(law, text): the versions of one law, 反间谍法(2014-11-01).md and (2023-04-26).md, are one law."""
    rows = (ROOT / "models" / "training" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(rows):
        if line and i % 3 == part:
            row = json.loads(line)
            law = re.sub(r"\(\d{4}-\d{2}-\d{2}\)", "", row["source"]).rsplit("/", 1)[-1]
            out.append((law if row["source"].startswith("LawRefBook") else f"{row['source']}:{i}", row["text"]))
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
    parser.add_argument("--k", type=int, default=13)
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
