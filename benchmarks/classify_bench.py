"""Classifier speed: model load time (cold, in a fresh process) and throughput in MB/s of text.

    python benchmarks/classify_bench.py [--model default] [--mb 5]

Throughput is measured the way a scan uses the model: documents of about 20 kB, each cut
into passages and scored (TopicModel.classify), on normalised text.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLD = """
import time
t0 = time.perf_counter()
from scanner.detect.classifier import load_model, model_folder
t1 = time.perf_counter()
load_model(model_folder({model!r}))
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def cold_load(model: str) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", COLD.format(model=model)], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split()
    return float(out[0]), float(out[1])


def documents(megabytes: float) -> list[str]:
    rows = [json.loads(line)["text"] for line in
            (ROOT / "models" / "training" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    docs, current, total = [], [], 0
    target = megabytes * 1_000_000
    i = 0
    while total < target:
        text = rows[i % len(rows)]
        current.append(text)
        total += len(text.encode("utf-8"))
        if sum(map(len, current)) > 7000:  # ~20 kB of UTF-8 Chinese
            docs.append("\n".join(current))
            current = []
        i += 1
    if current:
        docs.append("\n".join(current))
    return docs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--mb", type=float, default=5.0, help="MB of UTF-8 text to classify")
    args = parser.parse_args(argv)
    from scanner.detect.classifier import load_model, model_folder
    from scanner.detect.normalize import normalize

    imports, load = cold_load(args.model)
    folder = model_folder(args.model)
    size = sum(f.stat().st_size for f in folder.iterdir())
    model = load_model(folder)
    docs = [normalize(d).text for d in documents(args.mb)]
    megabytes = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    model.classify(docs[0])  # warm up
    started = time.perf_counter()
    passages = sum(len(model.classify(d).spans) for d in docs)
    elapsed = time.perf_counter() - started
    print(f"model {folder} ({size / 1e6:.2f} MB on disk)")
    print(f"cold start: imports {imports:.2f} s, model load {load:.3f} s")
    print(f"classified {megabytes:.1f} MB in {len(docs)} documents ({passages} passages) in {elapsed:.2f} s: "
          f"{megabytes / elapsed:.2f} MB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
