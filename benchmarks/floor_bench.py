"""Mijian against the bare extraction libraries on one mixed corpus, in one run (issue 17).

    python benchmarks/floor_bench.py                       # 3 rounds, corpus in /tmp/mijian-floor
    python benchmarks/floor_bench.py --rounds 5 --corpus DIR --per-format

The corpus (benchmarks/floor_corpus.py): 580 files without pictures (DOCX with tables and headers,
text PDFs from reportlab, XLSX, PPTX, UTF-8 and GBK text, e-mail with attachments, zips), about
21 MB and 10 MB of text, and 20 pictures of text. Each round runs, one after the other: the floor
(benchmarks/floor_read.py: the same libraries, no detection, isolation or database), then
`mijian scan -j1` and `-j2`, first without pictures, then with them. Runs are interleaved so that a
busy machine slows all of them alike; the figures are medians over the rounds. Per run: wall time,
files/s, CPU seconds of the whole process tree, and peak memory (the sum of the resident sizes of
the process and every descendant, the readers too, sampled every 50 ms).

`--per-format` also times each format alone: the floor's own seconds per format against Mijian's
wall time on that folder less its start-up (a scan of one small text file).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from floor_corpus import PLAN, make_corpus  # noqa: E402

FLOOR = Path(__file__).resolve().parent / "floor_read.py"


def measure(argv: list[str]) -> dict:
    """Run a command; wall seconds, CPU seconds of its tree and its tree's peak resident memory.

    CPU is sampled per process too (the last reading of each): the readers are children of a fork
    server, which the operating system's accounting of waited-for children does not reach."""
    start = time.perf_counter()
    proc = psutil.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0]
    cpu: dict[int, float] = {}
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                tree = [proc] + proc.children(recursive=True)
                total = 0
                for p in tree:
                    try:
                        with p.oneshot():
                            total += p.memory_info().rss
                            times = p.cpu_times()
                            cpu[p.pid] = times.user + times.system
                    except psutil.Error:
                        pass
                peak[0] = max(peak[0], total)
            except psutil.Error:
                pass
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{argv[:4]} exit {proc.returncode}: {err.decode(errors='replace')[-2000:]}")
    return {"wall": wall, "cpu": sum(cpu.values()), "peak": peak[0], "stdout": out.decode(errors="replace")}


def mijian(folders: list[Path], jobs: int, db: Path) -> dict:
    if db.exists():
        db.unlink()
    return measure([sys.executable, "-m", "scanner", "scan", *map(str, folders), "--db", str(db),
                    "--format", "jsonl", "-o", os.devnull, "--no-progress", "--fail-on", "never",
                    "--rescan", "-j", str(jobs)])


def floor(folders: list[Path]) -> dict:
    run = measure([sys.executable, str(FLOOR), *map(str, folders)])
    run["detail"] = json.loads(run.pop("stdout"))
    return run


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(tempfile.gettempdir()) / "mijian-floor")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-format", action="store_true")
    parser.add_argument("--no-pictures", action="store_true", help="only the runs without pictures")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    counts = make_corpus(args.corpus)
    plain = [args.corpus / kind for kind in PLAN]
    every = plain + [args.corpus / "pictures"]
    n_plain, n_all = sum(counts[k] for k in PLAN), sum(counts.values())
    db = args.corpus.parent / "mijian-floor.db"
    names = ("floor", "j1", "j2")
    kinds = ("plain",) if args.no_pictures else ("plain", "all")
    runs: dict[str, list[dict]] = {f"{n} {w}": [] for w in kinds for n in names}
    for number in range(args.rounds):
        for which, folders in (("plain", plain), ("all", every))[:1 if args.no_pictures else 2]:
            runs[f"floor {which}"].append(floor(folders))
            runs[f"j1 {which}"].append(mijian(folders, 1, db))
            runs[f"j2 {which}"].append(mijian(folders, 2, db))
        print(f"round {number + 1}: " + ", ".join(f"{k} {v[-1]['wall']:.1f}s" for k, v in runs.items()),
              file=sys.stderr)
    figures = {}
    print(f"{'run':<22}{'files':>7}{'wall s':>9}{'files/s':>9}{'cpu s':>8}{'peak MB':>9}")
    for key, got in runs.items():
        files = n_plain if key.endswith("plain") else n_all
        wall = median(got, "wall")
        figures[key] = {"files": files, "wall": wall, "files_per_s": files / wall, "cpu": median(got, "cpu"),
                        "peak_mb": median(got, "peak") / 2 ** 20}
        print(f"{key:<22}{files:>7}{wall:>9.1f}{files / wall:>9.1f}{figures[key]['cpu']:>8.1f}"
              f"{figures[key]['peak_mb']:>9.0f}")
    ratios = {}
    for which in kinds:
        ratios[f"j1/floor {which} (wall)"] = figures[f"j1 {which}"]["wall"] / figures[f"floor {which}"]["wall"]
        ratios[f"j1/floor {which} (cpu)"] = figures[f"j1 {which}"]["cpu"] / figures[f"floor {which}"]["cpu"]
        ratios[f"j1/j2 {which} (speed-up)"] = figures[f"j1 {which}"]["wall"] / figures[f"j2 {which}"]["wall"]
        # Paired per round, then the median: less noisy than a ratio of medians on a shared machine.
        for a, b, key in (("j1", "floor", "j1/floor"), ("j1", "j2", "j1/j2")):
            ratios[f"paired {key} {which} (wall)"] = statistics.median(
                x["wall"] / y["wall"] for x, y in zip(runs[f"{a} {which}"], runs[f"{b} {which}"]))
    for key, value in ratios.items():
        print(f"{key:<32}{value:>6.2f}")
    figures["ratios"] = ratios
    if args.per_format:
        figures["per_format"] = per_format(args.corpus, db)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


def per_format(corpus: Path, db: Path) -> dict:
    """Each format alone: the floor's seconds for it against Mijian's -j1 wall time less its start-up."""
    tiny = corpus.parent / "mijian-floor-tiny"
    tiny.mkdir(exist_ok=True)
    (tiny / "a.txt").write_text("会议通知\n", encoding="utf-8")
    start_up = statistics.median(mijian([tiny], 1, db)["wall"] for _ in range(3))
    out = {"start_up_s": start_up}
    print(f"\nper format (Mijian -j1 less {start_up:.1f}s start-up, against the floor's own seconds)")
    print(f"{'format':<10}{'floor s':>9}{'mijian s':>10}{'ratio':>7}")
    for kind in [*PLAN, "pictures"]:
        folder = corpus / kind
        floor_s = sum(floor([folder])["detail"]["seconds"].values())
        mijian_s = max(mijian([folder], 1, db)["wall"] - start_up, 0.0)
        out[kind] = {"floor_s": floor_s, "mijian_s": mijian_s, "ratio": mijian_s / max(floor_s, 1e-6)}
        print(f"{kind:<10}{floor_s:>9.2f}{mijian_s:>10.2f}{out[kind]['ratio']:>7.2f}")
    return out


if __name__ == "__main__":
    main()
