"""Build lexicons/<class>.txt from curated terms plus terms mined from ../shared/corpus/train.jsonl.

Reproducible: the same corpus, curated lists and stop-terms give the same files.

    python lexicons/build_lexicons.py                 # write lexicons/<class>.txt
    python lexicons/build_lexicons.py --evaluate      # also print per-class precision/recall
                                                      # of the lexicon alone on train and dev-extra

A mined term is a word (jieba, at build time only: the hot path uses Aho-Corasick) that
- occurs in at least MIN_DOCS texts of its class, from at least two laws (or in MIN_DOCS_ONE_SOURCE
  texts of a single source),
- has class precision (texts of its class / texts containing it) of at least MIN_PRECISION,
- never occurs in a `negative` text of train.jsonl nor in the seed policy texts (ordinary
  office and policy language), and is not listed in stopterms.txt.
dev-extra.jsonl is read only by --evaluate; its texts are never written anywhere.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"
CLASSES = ("defense", "foreign_affairs", "economy", "science_technology", "state_security")
HEADERS = {
    "defense": "国防建设和武装力量活动中的秘密事项 (defense)",
    "foreign_affairs": "外交和外事活动中的秘密事项以及对外承担保密义务的秘密事项 (foreign_affairs)",
    "economy": "国民经济和社会发展中的秘密事项 (economy)",
    "science_technology": "科学技术中的秘密事项 (science_technology)",
    "state_security": "维护国家安全活动和追查刑事犯罪中的秘密事项 (state_security)",
}
MIN_DOCS = 4
MIN_DOCS_ONE_SOURCE = 12
MIN_PRECISION = 0.9
MAX_MINED = 300
_WORD = re.compile(r"^[\u4e00-\u9fff]{2,8}$")
# Words that say nothing of a topic: counts and dates (二百元, 七年), anonymised names (张某).
_NOT_A_TERM = re.compile(r"^[一二三四五六七八九十百千万两几数]|某")
# Everyday words (jieba dictionary frequency above this) are left to the curated lists.
MAX_EVERYDAY_FREQ = 3000


def load(name: str) -> list[dict]:
    path = SHARED / "corpus" / name
    if not path.is_file():
        sys.exit(f"corpus not found: {path}")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_terms(path: Path) -> dict[str, tuple[float, str]]:
    """term -> (weight, tier) of a curated file (`term<TAB>weight<TAB>tier`; tier defaults to weak)."""
    terms: dict[str, tuple[float, str]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                parts = line.split("\t")
                weight = float(parts[1]) if len(parts) > 1 and parts[1].strip() else 1.0
                tier = parts[2].strip() if len(parts) > 2 and parts[2].strip() else "weak"
                terms[parts[0].strip()] = (weight, tier)
    return terms


def mine(rows: list[dict], seeds: str, stop: set[str]) -> dict[str, dict[str, float]]:
    import jieba  # build time only

    jieba.setLogLevel(60)
    jieba.initialize()
    docs: dict[str, Counter] = defaultdict(Counter)  # word -> class -> texts
    sources: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        words = {w for w in jieba.lcut(row["text"]) if _WORD.match(w)}
        for w in words:
            docs[w][row["label"]] += 1
            sources[w][row["label"]].add(row["source"].split("(")[0])
    seed_words = {w for w in jieba.lcut(seeds) if _WORD.match(w)}
    mined: dict[str, dict[str, float]] = {c: {} for c in CLASSES}
    for word, by_class in docs.items():
        if word in stop or word in seed_words or by_class["negative"] or _NOT_A_TERM.search(word):
            continue
        if jieba.dt.FREQ.get(word, 0) > MAX_EVERYDAY_FREQ:
            continue
        total = sum(by_class.values())
        for c in CLASSES:
            n = by_class[c]
            precision = n / (total + 1)
            spread = len(sources[word][c])
            if precision < MIN_PRECISION or not (n >= MIN_DOCS and spread >= 2 or n >= MIN_DOCS_ONE_SOURCE):
                continue
            # Weight: 0.5 for a word seen a few times, up to 1.5 for one seen widely and only here.
            weight = 0.5 + min(1.0, math.log(n / MIN_DOCS + 1, 8)) * (precision - 0.8) / 0.2
            mined[c][word] = round(min(1.5, weight) * 2) / 2 or 0.5
    for c in CLASSES:
        best = sorted(mined[c], key=lambda w: (-docs[w][c], w))[:MAX_MINED]
        mined[c] = {w: mined[c][w] for w in best}
    return mined


def build(with_mined: bool = False) -> None:
    """Write the class files from the curated lists; with `with_mined`, add the mined words.

    The shipped files have no mined words since issue 12: they are the vocabulary of statutes and
    court facts (抓获, 被害人, 刑法), which public judgments are full of, and weak topics at best;
    they made every court text a dense window of state_security topics and tripled the hits to
    score (detection speed). `--mine` brings them back for an organisation that wants them.
    """
    stop = set(read_terms(HERE / "stopterms.txt"))
    mined: dict[str, dict[str, float]] = {c: {} for c in CLASSES}
    if with_mined:
        rows = load("train.jsonl")
        seeds = "\n".join(p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("*.txt")))
        mined = mine(rows, seeds, stop)
    for c in CLASSES:
        curated = read_terms(HERE / "curated" / f"{c}.txt")
        lines = [f"# {HEADERS[c]}",
                 "# Generated by lexicons/build_lexicons.py: edit curated/<class>.txt or stopterms.txt, then rebuild.",
                 "# Curated terms"]
        lines += [f"{t}\t{w}\t{tier}" for t, (w, tier) in curated.items() if t not in stop]
        # Mined words are frequent in one class of laws and judgments: topics, never evidence alone.
        lines.append("# Mined from ../shared/corpus/train.jsonl (weak: topics)")
        lines += [f"{t}\t{min(w, 1.0)}\tweak" for t, w in sorted(mined[c].items()) if t not in curated]
        (HERE / f"{c}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{c}: {len(curated)} curated, {len([t for t in mined[c] if t not in curated])} mined")
    # Class other (the default secret-scope list) is curated only: no public corpus has it.
    curated = read_terms(HERE / "curated" / "other.txt")
    lines = ["# 其他经国家保密行政管理部门确定应当保守的国家秘密事项 (other)",
             "# Generated by lexicons/build_lexicons.py from curated/other.txt: edit that file, then rebuild.",
             "# A default secret-scope list; organisations add their own with detect.other_lexicon."]
    lines += [f"{t}\t{w}\t{tier}" for t, (w, tier) in curated.items()]
    (HERE / "other.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"other: {len(curated)} curated")


def evaluate() -> None:
    sys.path.insert(0, str(ROOT))
    from scanner.config import Config
    from scanner.detect.lexicon import LexiconDetector
    from scanner.detect.normalize import normalize

    config = Config()
    detector = LexiconDetector(config)
    for name in ("train.jsonl", "dev-extra.jsonl"):
        rows = load(name)
        tp, fp, gold = Counter(), Counter(), Counter()
        for row in rows:
            scores = _scores(detector, normalize(row["text"]).text)
            predicted = {c for c in CLASSES if scores[c] >= config.detect.thresholds[c]}
            gold[row["label"]] += 1
            for c in predicted:
                (tp if c == row["label"] else fp)[c] += 1
        print(f"\n{name}  (label = class score >= threshold {config.detect.thresholds['defense']})")
        print(f"{'class':20} {'precision':>9} {'recall':>7} {'tp':>5} {'fp':>5} {'gold':>5}")
        for c in CLASSES:
            p = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else float("nan")
            r = tp[c] / gold[c] if gold[c] else float("nan")
            print(f"{c:20} {p:9.3f} {r:7.3f} {tp[c]:5} {fp[c]:5} {gold[c]:5}")
        flagged_negative = sum(1 for row in rows if row["label"] == "negative"
                               and any(_scores(detector, normalize(row["text"]).text)[c] >= 0.5 for c in CLASSES))
        print(f"negative texts given any label: {flagged_negative} of {gold['negative']}")


def _scores(detector, text: str) -> dict[str, float]:
    from scanner.detect.lexicon import score

    return score(detector.lexicon.find(text), detector.scale, detector.weights)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluate", action="store_true", help="print precision/recall on the corpus")
    parser.add_argument("--no-build", action="store_true", help="only evaluate the current files")
    parser.add_argument("--mine", action="store_true", help="also add words mined from train.jsonl (weak tier)")
    args = parser.parse_args()
    if not args.no_build:
        build(args.mine)
    if args.evaluate:
        evaluate()


if __name__ == "__main__":
    main()
