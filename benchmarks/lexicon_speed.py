"""The lexicon detector alone, old tree against new (issue 17): its build CPU in fresh processes, and its
CPU MB/s on detect_parity.py's four groups, the trees run alternately.

    python3 benchmarks/lexicon_speed.py /work/old-tree /work/main            # build, then every group
    python3 benchmarks/lexicon_speed.py /work/old-tree /work/main --rounds 2 --groups floor,labelled

Build: `LexiconDetector(Config())` in a new process with normalize's tables already made (they are the
normaliser's, built by its first call whatever the detector), best and median of --builds processes.
Speed: each text normalised beforehand; each text's best time over --reps passes (the word-boundary
cache emptied before each pass), summed, so that load from other processes weighs on both trees alike.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

_BUILD = r'''
import sys, time
sys.path.insert(0, sys.argv[1])
from scanner.config import Config
from scanner.detect.lexicon import LexiconDetector
from scanner.detect.normalize import normalize
normalize("热身")
config = Config()
start = time.process_time()
LexiconDetector(config)
print(time.process_time() - start)
'''


def build_cpu(root: Path, runs: int) -> list[float]:
    return [float(subprocess.run([sys.executable, "-c", _BUILD, str(root)], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(runs)]


def speed(root: Path, groups: list[str], reps: int) -> None:
    """Run in a child (`--speed-of ROOT`) so that each tree imports its own modules."""
    sys.path.insert(0, str(root))
    sys.path.insert(0, str(root / "benchmarks"))
    import detect_parity as dp
    from scanner.config import Config
    from scanner.detect import boundaries
    from scanner.detect.lexicon import LexiconDetector
    from scanner.detect.normalize import normalize
    from scanner.detect.registry import DetectContext

    data = dp.groups()
    detector = LexiconDetector(Config())
    clock = time.process_time
    for group in groups:
        docs = data[group]
        contexts = []
        for parts in docs:
            doc = dp.document(parts)
            contexts.append(DetectContext(doc, normalize(doc.text)))
        for ctx in contexts:
            detector.detect(ctx)
        best = [float("inf")] * len(contexts)
        for _ in range(reps):
            boundaries._CACHE.clear()
            for i, ctx in enumerate(contexts):
                start = clock()
                detector.detect(ctx)
                best[i] = min(best[i], clock() - start)
        print(f"{root.name:16} {group:9} {dp.megabytes(docs):5.2f} MB {dp.megabytes(docs) / sum(best):6.2f} MB/s",
              flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("roots", nargs="*", type=Path, help="source trees, old first")
    ap.add_argument("--groups", default="floor,ordinary,labelled,marked")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--builds", type=int, default=9)
    ap.add_argument("--speed-of", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.speed_of:
        speed(args.speed_of, args.groups.split(","), args.reps)
        return
    for _ in range(args.rounds):
        for root in args.roots:
            runs = sorted(build_cpu(root, args.builds))
            print(f"{root.name:16} build {runs[0] * 1000:.1f} ms best, {statistics.median(runs) * 1000:.1f} ms median "
                  f"of {len(runs)} processes", flush=True)
    for _ in range(args.rounds):
        for root in args.roots:
            subprocess.run([sys.executable, __file__, "--speed-of", str(root), "--groups", args.groups,
                            "--reps", str(args.reps)], check=True)


if __name__ == "__main__":
    main()
