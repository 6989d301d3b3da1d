"""The classifier detector's speed and load, and how fast its feature scheme can run in numpy (issue 17).

    python3 benchmarks/classifier_speed.py [--rounds 3]        # the detector alone: CPU MB/s per group
    python3 benchmarks/classifier_speed.py --root ../old-tree   # the same, with another tree's code
    python3 benchmarks/classifier_speed.py --load [--runs 5]   # building it, in fresh processes
    python3 benchmarks/classifier_speed.py --bound             # the scheme alone, 1-3- and 1-2-grams

The groups are detect_parity.py's (floor, ordinary, labelled, marked), normalised beforehand; each
text is scored once before the timed rounds (the n-gram cache warm, as in a reader that has scanned a
while) and the best round is kept. A digest of every output, floats to the last bit (float.hex), is
printed so two trees can be compared: equal digests, identical findings, scores and sensitive passages.

--load times `ClassifierDetector(Config())` and its first short text (CPU, fresh process, imports
excluded), with an empty cache folder (XDG_CACHE_HOME in a new temporary folder: the first scan as a
user) and then with the one that run filled.

--bound runs only the numpy pipeline (prepare, n-gram counts, joint scores, calibration) on all of a
group's Chinese passages in batches of --batch, without narrowing or per-document work: the fastest
this scheme (character n-grams hashed into 2^18 buckets, sublinear tf-idf, two linear models) runs
here, for 1-3-grams (the shipped models) and for 1-2-grams (the same weights read at other buckets:
the speed of a 1-2-gram model, not its scores).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LOAD = """
import sys, time
sys.path.insert(0, {root!r})
from scanner.config import Config
from scanner.detect.classifier import ClassifierDetector
from scanner.detect.normalize import normalize
from scanner.detect.registry import DetectContext
from scanner.model import Document, Location, Segment
config = Config()
doc = Document([Segment("国防科技工业的保密管理规定，适用于本单位的全部涉密人员。", Location(page=1))])
norm = normalize(doc.text)
start = time.process_time()
detector = ClassifierDetector(config)
built = time.process_time()
detector.detect(DetectContext(doc, norm))
print(built - start, time.process_time() - start)
"""


def setup(root: Path):
    sys.path.insert(0, str(root))
    sys.path.insert(0, str(root / "benchmarks"))


def digest(outputs) -> str:
    h = hashlib.sha256()
    for out in outputs:
        h.update(repr(([(f.rule, f.text, f.start, f.end, float(f.score).hex()) for f in out.findings],
                       sorted((k, float(v).hex()) for k, v in out.scores.items()),
                       out.sensitive and (float(out.sensitive[0]).hex(), *out.sensitive[1:]))).encode())
    return h.hexdigest()[:16]


def detector_speed(rounds: int) -> None:
    import detect_parity
    from scanner.config import Config
    from scanner.detect.classifier import ClassifierDetector
    from scanner.detect.normalize import normalize
    from scanner.detect.registry import DetectContext

    detector = ClassifierDetector(Config())
    data = detect_parity.groups()
    items = {g: [(d, normalize(d.text)) for d in map(detect_parity.document, docs)] for g, docs in data.items()}
    outputs = [detector.detect(DetectContext(d, n)) for its in items.values() for d, n in its]
    best = {}
    for _ in range(rounds):
        for group, its in items.items():
            start = time.process_time()
            for d, n in its:
                detector.detect(DetectContext(d, n))
            best[group] = min(best.get(group, float("inf")), time.process_time() - start)
    print("  ".join(f"{g} {detect_parity.megabytes(data[g]) / best[g]:.2f}" for g in data), "MB/s (CPU, best round)")
    print("digest", digest(outputs))


def load_cost(root: Path, runs: int) -> None:
    code = LOAD.format(root=str(root))
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, XDG_CACHE_HOME=home)
        for label in ["empty cache folder"] + ["filled"] * runs:
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            built, first = map(float, out.stdout.split())
            print(f"{label:18} build {built * 1000:6.1f} ms  with the first short text {first * 1000:6.1f} ms (CPU)")


def bound(batch: int, rounds: int) -> None:
    from dataclasses import replace

    import detect_parity
    from scanner.config import Config
    from scanner.detect.classifier import ClassifierDetector
    from scanner.detect.features import Featurizer
    from scanner.detect.normalize import normalize
    from scanner.detect.passages import TextIndex

    detector = ClassifierDetector(Config())
    model, sensitivity, joint = detector.model, detector.sensitivity, detector.joint
    data = detect_parity.groups()
    for ngram_max in (3, 2):
        featurizer = Featurizer(replace(model.featurizer.settings, ngram_max=ngram_max), model.featurizer.idf)
        cells = []
        for group, docs in data.items():
            passages = []
            for parts in docs:
                text = normalize(detect_parity.document(parts).text).text
                passages += [text[s:e] for s, e in TextIndex(text).chinese_passages(model.passage_chars)]
            batches = [passages[i:i + batch] for i in range(0, len(passages), batch)]
            for b in batches:  # the bucket cache warm, as in the detector's timing
                featurizer.hashed(b)
            counting = scoring = float("inf")
            for _ in range(rounds):
                start = time.process_time()
                counts = [featurizer.hashed(b) for b in batches]
                middle = time.process_time()
                for c in counts:
                    for m, d in zip((model, sensitivity), joint.decisions(c)):
                        m._probabilities(d)
                counting = min(counting, middle - start)
                scoring = min(scoring, time.process_time() - middle)
            mb = detect_parity.megabytes(docs)
            cells.append(f"{group} {mb / (counting + scoring):6.1f} (counts {mb / counting:5.1f}, "
                         f"scores {mb / scoring:5.1f})")
        print(f"1-{ngram_max}-grams, MB/s of the group's text (CPU): " + "; ".join(cells))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=ROOT, help="the tree whose code is measured")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--load", action="store_true", help="time building the detector in fresh processes")
    ap.add_argument("--runs", type=int, default=5, help="--load: processes with the cache filled")
    ap.add_argument("--bound", action="store_true", help="time the feature scheme alone in large batches")
    ap.add_argument("--batch", type=int, default=4096, help="--bound: passages a batch")
    args = ap.parse_args()
    root = args.root.resolve()
    if args.load:
        load_cost(root, args.runs)
        return
    setup(root)
    if args.bound:
        bound(args.batch, args.rounds)
    else:
        detector_speed(args.rounds)


if __name__ == "__main__":
    main()
