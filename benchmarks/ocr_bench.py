"""OCR cost per picture: CPU and wall seconds by engine settings and threads, with the text compared (issue 17).

    python benchmarks/ocr_bench.py                           # floor corpus pictures, default variants
    python benchmarks/ocr_bench.py --arrays DIR --repeat 5   # also the .npy pictures in DIR
    python benchmarks/ocr_bench.py --variant 'name={"Global.use_cls": false}' --threads 1 2

Each variant runs in a fresh process (onnxruntime's thread pools are per process): the engine is built
once, every picture is read once to warm up, then `--repeat` times; per picture the median wall time and
the median CPU time of the process (time.process_time: every thread, the inference pool's too). The
first variant is the reference: for every other one the lines read (in reading order, as Mijian keeps
them) must be identical on every picture, else the variant is marked DIFFERS and the pictures named.
The machine's 1-minute load is printed before and after each variant, as other work skews wall times.

    python benchmarks/ocr_bench.py --scan pictures docx --rounds 3   # mijian scan -j1 against -j2

`--scan` instead times `mijian scan -j1` and `-j2` (benchmarks/floor_bench.py's runs: wall, CPU of the
whole process tree) on the named folders of the floor corpus, alternating, and prints the paired
-j1/-j2 wall ratio per round, its median, and each run's CPU utilisation (CPU seconds / wall seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

# name -> RapidOCR settings on top of scanner.extract.ocr's own (the first entry is the reference);
# "spinning": true lets idle inference threads spin, as onnxruntime does by default (Mijian before issue 17).
VARIANTS = {
    "spinning": {"spinning": True},
    "shipped": {},
    "no-cls": {"Global.use_cls": False},
}


def pictures(corpus: Path, arrays: Path | None) -> dict[str, object]:
    """name -> RGB array: the floor corpus's pictures, then the .npy files in `arrays`."""
    import numpy as np
    from PIL import Image

    from floor_corpus import make_corpus

    make_corpus(corpus)
    found = {f"floor/{p.name}": np.array(Image.open(p).convert("RGB"))
             for p in sorted((corpus / "pictures").iterdir())}
    if arrays:
        found.update({f"arrays/{p.stem}": np.load(p) for p in sorted(arrays.glob("*.npy"))})
    return found


def worker(spec: dict) -> dict:
    """Run one variant in this process: per picture the median CPU and wall seconds and the lines read."""
    from scanner.extract import ocr

    found = pictures(Path(spec["corpus"]), Path(spec["arrays"]) if spec["arrays"] else None)
    settings = dict(spec["settings"])
    engine = ocr.build_engine(spec["threads"], settings, spinning=settings.pop("spinning", False))
    out = {}
    for name, array in found.items():
        lines = [text for text, _, _ in ocr.reading_order(engine(array))]  # warm-up, and the text
        cpu, wall, stages = [], [], []
        for _ in range(spec["repeat"]):
            c0, w0 = time.process_time(), time.perf_counter()
            result = engine(array)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
            stages.append(list(getattr(result, "elapse_list", None) or [0, 0, 0]))
        out[name] = {"cpu": statistics.median(cpu), "wall": statistics.median(wall), "lines": lines,
                     "stages": [statistics.median(s[i] or 0 for s in stages) for i in range(3)]}
    return out


def run(name: str, settings: dict, threads: int, args) -> dict:
    spec = {"settings": settings, "threads": threads, "repeat": args.repeat, "corpus": str(args.corpus),
            "arrays": str(args.arrays) if args.arrays else ""}
    load = os.getloadavg()[0]
    proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout.splitlines()[-1])
    return {"name": name, "threads": threads, "load": (load, os.getloadavg()[0]), "pictures": result}


def report(rows: list[dict]) -> None:
    reference = rows[0]["pictures"]
    print(f"{'variant':<22}{'thr':>4}{'load':>12}{'group':>8}{'n':>4}{'CPU s/pic':>11}{'wall s/pic':>11}"
          f"{'CPU/wall':>9}{'det/cls/rec wall':>20}  text")
    for row in rows:
        groups: dict[str, list] = {}
        for name, got in row["pictures"].items():
            groups.setdefault(name.split("/")[0], []).append(got)
        differs = [name for name, got in row["pictures"].items() if got["lines"] != reference[name]["lines"]]
        for group, items in groups.items():
            cpu = sum(i["cpu"] for i in items) / len(items)
            wall = sum(i["wall"] for i in items) / len(items)
            stages = "/".join(f"{sum(i['stages'][k] for i in items) / len(items):.3f}" for k in range(3))
            load = f"{row['load'][0]:.1f}-{row['load'][1]:.1f}"
            text = "same" if not differs else f"DIFFERS on {len(differs)}: {', '.join(differs[:4])}"
            print(f"{row['name']:<22}{row['threads']:>4}{load:>12}{group:>8}{len(items):>4}{cpu:>11.3f}"
                  f"{wall:>11.3f}{cpu / wall:>9.2f}{stages:>20}  {text}")


def scan_jobs(args) -> None:
    """mijian scan -j1 against -j2 on folders of the floor corpus, paired per round."""
    from floor_bench import mijian
    from floor_corpus import make_corpus

    make_corpus(args.corpus)
    folders = [args.corpus / name for name in args.scan]
    files = sum(len(list(f.iterdir())) for f in folders)
    db = Path(tempfile.mkdtemp(prefix="mijian-ocr-bench-")) / "scan.db"
    ratios = []
    print(f"{files} files in {', '.join(args.scan)}")
    print(f"{'round':>5}{'load':>6}{'j1 wall':>9}{'j1 cpu':>8}{'j1 util':>8}{'j2 wall':>9}{'j2 cpu':>8}{'j2 util':>8}"
          f"{'j1/j2':>7}")
    for number in range(args.rounds):
        load = os.getloadavg()[0]
        one, two = mijian(folders, 1, db), mijian(folders, 2, db)
        ratios.append(one["wall"] / two["wall"])
        print(f"{number + 1:>5}{load:>6.1f}{one['wall']:>9.1f}{one['cpu']:>8.1f}{one['cpu'] / one['wall']:>8.2f}"
              f"{two['wall']:>9.1f}{two['cpu']:>8.1f}{two['cpu'] / two['wall']:>8.2f}{ratios[-1]:>7.2f}", flush=True)
    print(f"median -j1/-j2 wall ratio: {statistics.median(ratios):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(tempfile.gettempdir()) / "mijian-floor")
    parser.add_argument("--arrays", type=Path, help="a folder of .npy RGB pictures to read as well")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--variant", action="append", default=[],
                        help='NAME=JSON of RapidOCR settings; replaces the built-in variants')
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--scan", nargs="+", metavar="FOLDER",
                        help="time mijian scan -j1 against -j2 on these folders of the corpus instead")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scan:
        scan_jobs(args)
        return
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    variants = dict(v.split("=", 1) for v in args.variant) if args.variant else None
    variants = {k: json.loads(v) for k, v in variants.items()} if variants else VARIANTS
    rows = [run(name, settings, threads, args) for name, settings in variants.items() for threads in args.threads]
    report(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
