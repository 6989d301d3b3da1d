"""The named-entity model's cost: CPU of a reader's first entity call (loading) and of each later call.

    python3 benchmarks/entity_bench.py [--rounds 5]

Load: each round starts two fresh processes that import what a reader has before its first file
(scanner.sandbox_child) and then find entities in one sentence, timing that first call in CPU seconds:
"now" loads as the code does; "old way" as it did at beab50e (a plain `import jieba`, which imports
pkg_resources; a plain `import spacy`, which imports spacy.cli; jieba's whole dictionary from its own
cache in the shared temporary folder, read with marshal.load on the file). The medians are printed. Per call: every `near` that full detection makes on the flagged texts of
shared/corpus (train.jsonl, dev-extra.jsonl), timed again on the loaded model (best of three passes),
with the time spent in jieba and in spaCy's pipeline beside it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIRST_CALL = """
import importlib, sys, time
sys.path.insert(0, {root!r})
import scanner.sandbox_child  # noqa: F401  (what a reader has imported before its first file)
from scanner.detect import entities
if {old}:
    entities.jieba_cache.import_jieba = lambda: importlib.import_module("jieba")
    entities.jieba_cache.segmenter = lambda jieba: None
    entities.import_spacy = lambda: importlib.import_module("spacy")
    entities._load_with_segmenter = lambda spacy, folder, segmenter: spacy.load(folder)
finder = entities.EntityFinder()
start = time.process_time()
found = finder.find("外交部发言人张明表示，美国国务院将派人来北京。")
print(time.process_time() - start, len(found))
"""


def first_call(old: bool) -> float:
    run = subprocess.run([sys.executable, "-c", FIRST_CALL.format(root=str(ROOT), old=old)],
                         capture_output=True, text=True, timeout=300, check=True)
    seconds, found = run.stdout.split()
    assert int(found) >= 3, run.stdout
    return float(seconds)


def near_calls() -> list[tuple[str, list, int]]:
    """(text, spans, width) of every `near` call that detection makes on the labelled corpus."""
    from scanner.config import Config
    from scanner.detect.engine import DetectionEngine
    from scanner.model import Document, Location, Segment

    engine = DetectionEngine(Config())
    calls = []
    real = engine.entities.near

    def record(text, spans, width=60):
        calls.append((text, list(spans), width))
        return real(text, spans, width)

    engine.entities.near = record
    for name in ("train.jsonl", "dev-extra.jsonl"):
        with open(ROOT.parent / "shared" / "corpus" / name, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    engine.detect(Document([Segment(json.loads(line)["text"], Location(page=1))]))
    return calls


def per_call(calls) -> dict[str, float]:
    from scanner.detect.entities import _MARGIN, EntityFinder, _union, load_ner_model

    finder = EntityFinder()
    nlp = load_ner_model(finder.model)
    jieba = nlp.tokenizer.jieba_seg  # the model's own segmenter (jieba_cache.LazySegmenter)
    texts = []
    for text, spans, width in calls:
        windows = _union([(max(0, s - width), min(len(text), e + width)) for s, e in spans])
        texts.append([text[max(0, lo - _MARGIN):min(len(text), hi + _MARGIN)] for lo, hi in windows])
    runs = {
        "near": lambda: [finder.near(*call) for call in calls],
        "spaCy pipeline": lambda: [list(nlp.pipe(t)) for t in texts],
        "jieba alone": lambda: [list(jieba.cut(x, cut_all=False)) for t in texts for x in t],
    }
    best = {}
    for _ in range(3):
        for name, run in runs.items():
            start = time.process_time()
            run()
            best[name] = min(best.get(name, float("inf")), time.process_time() - start)
    best["chars"] = sum(len(x) for t in texts for x in t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    first_call(False)  # jieba's dictionary written in the user's folder, as any first run does
    now, old = [], []
    for _ in range(args.rounds):
        old.append(first_call(True))
        now.append(first_call(False))
    print(f"first entity call in a reader (CPU s, median of {args.rounds}): "
          f"old way {statistics.median(old):.2f}, now {statistics.median(now):.2f}")
    calls = near_calls()
    cost = per_call(calls)
    n = len(calls)
    print(f"{n} near calls on flagged texts, {cost['chars'] / n:.0f} characters read each: "
          + ", ".join(f"{k} {cost[k] / n * 1000:.1f} ms" for k in ("near", "spaCy pipeline", "jieba alone"))
          + f" a call; {cost['near'] / cost['chars'] * 1e6:.0f} µs a character")


if __name__ == "__main__":
    main()
