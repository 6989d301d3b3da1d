"""Peak memory (the whole process tree), time and the marks of `mijian scan` on one very large text file.

    python benchmarks/large_text_bench.py                  # 200 MB of UTF-8 Chinese text
    python benchmarks/large_text_bench.py --mb 20 --keep /tmp/big.txt

The text repeats real paragraphs (the public-domain laws and judgments of models/training/train.jsonl)
up to the size asked for, with a national-secret mark on the first line and a few marks and lexicon
terms placed at known offsets through the file (one straddles each multiple of a megabyte). It is
scanned with the real CLI (`mijian scan --format jsonl`, classifier and sensitivity model on, the
file-size and time limits raised for the run) while the RSS and PSS of the CLI and every process it
starts are sampled; the marks found and their offsets are checked against the ones placed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
HEAD = "机密★10年"
# (mark on a line of its own, kind) put every `--every` MB; their character offsets are recorded.
PLACED = [("秘密★5年", "national_secret"), ("绝密★启用前", "national_secret")]


def paragraphs() -> list[str]:
    path = ROOT / "models" / "training" / "train.jsonl"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            text = json.loads(line)["text"].replace("\r", "")
            out += [p for p in text.split("\n") if p.strip()]
    return out


def write_text(path: Path, megabytes: float, every: float) -> list[tuple[str, int]]:
    """Write the file; return (mark, character offset) of every mark placed."""
    paras = paragraphs()
    target = int(megabytes * 1_000_000)
    placed = [(HEAD, 0)]
    size = chars = 0
    next_mark = every * 1_000_000
    k = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        def put(line: str) -> None:
            nonlocal size, chars
            out.write(line + "\n")
            size += len(line.encode("utf-8")) + 1
            chars += len(line) + 1

        put(HEAD)
        i = 0
        while size < target:
            if size >= next_mark:
                mark = PLACED[k % len(PLACED)][0]
                placed.append((mark, chars))
                put(mark)
                k += 1
                next_mark += every * 1_000_000
            put(paras[i % len(paras)])
            i += 1
    return placed


def tree_memory(proc: psutil.Process) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) of the process and its descendants: RSS counts the pages the reader
    shares with the process it was forked from twice, PSS shares them out."""
    rss = pss = 0
    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0, 0
    for p in procs:
        try:
            info = p.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return rss, pss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200.0, help="size of the text in MB (default 200)")
    parser.add_argument("--every", type=float, default=25.0, help="a placed mark every this many MB (default 25)")
    parser.add_argument("--keep", type=Path, help="write the text here and keep it (default: a temporary file)")
    parser.add_argument("--config", type=Path, help="extra settings appended to the run's config")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="mijian-large-"))
    path = args.keep or folder / "large.txt"
    started = time.perf_counter()
    placed = write_text(path, args.mb, args.every)
    print(f"wrote {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s; "
          f"{len(placed)} marks placed")
    config = folder / "large.toml"
    limit = path.stat().st_size + 1_000_000
    config.write_text(f"[scan]\nmax_file_size = {limit}\nmax_total_bytes = {limit * 2}\nmax_seconds = 3600.0\n"
                      + (args.config.read_text(encoding="utf-8") if args.config else ""), encoding="utf-8")
    command = [sys.executable, "-m", "scanner", "scan", "--config", str(config), "--db", str(folder / "db.sqlite"),
               "--format", "jsonl", "--no-progress", "--fail-on", "never", "-o", str(folder / "out.jsonl"), str(path)]
    started = time.perf_counter()
    proc = psutil.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = peak_pss = 0
    while proc.poll() is None:
        rss, pss = tree_memory(proc)
        peak, peak_pss = max(peak, rss), max(peak_pss, pss)
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    err = proc.stderr.read().decode("utf-8", "replace")
    print(f"mijian scan: exit {proc.returncode}, {seconds:.1f} s wall; peak of the process tree: RSS "
          f"{peak / 2**20:.0f} MiB ({peak / path.stat().st_size:.2f}× the file), PSS {peak_pss / 2**20:.0f} MiB")
    lines = (folder / "out.jsonl").read_text(encoding="utf-8").splitlines() if (folder / "out.jsonl").exists() else []
    if not lines:
        print("no result written:", err[-2000:])
        sys.exit(1)
    result = json.loads(lines[0])
    found = [(m["text"], m["start"]) for m in result["markings"]]
    print(f"verdict {result['verdict']}, reasons {[r['code'] for r in result['reasons']]}, "
          f"problem {result['problem']}, labels {result['labels']}")
    missing = [p for p in placed if p not in found]
    extra = [f for f in found if f not in placed]
    print(f"marks placed {len(placed)}, found {len(found)}; at the placed offsets: "
          f"{'all' if not missing else f'{len(placed) - len(missing)}, missing {missing[:5]}'}"
          f"{'' if not extra else f'; not placed: {extra[:5]}'}")
    if not args.keep:
        path.unlink()


if __name__ == "__main__":
    main()
