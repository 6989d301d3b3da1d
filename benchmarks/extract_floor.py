"""Mijian's extraction alone against the bare-library floor, per format, in one process (issue 17).

    python benchmarks/extract_floor.py [DIR]                      # CPU per format, Mijian / floor
    python benchmarks/extract_floor.py DIR --rounds 3 --profile pdf   # cProfile of Mijian's pdf extraction
    python benchmarks/extract_floor.py DIR tests/data --dump out.jsonl  # everything read, for --compare
    python benchmarks/extract_floor.py DIR tests/data --compare old.jsonl

Mijian's side is what a reader does before detection: sniff, extract, and the same for every member
(a zip's, an e-mail's attachments, an embedded file), read as the pipeline reads them; the floor's is
benchmarks/floor_read.py's function for the file's extension. Both run on the same bytes (read once,
before timing), alternately file by file, with pictures left out unless --pictures. CPU is
time.process_time.

--dump writes (without OCR of pictures in documents and without the time limit), per file, its sniffed type and everything read from it and its members (each segment's
text and location, unread parts, protection, properties, member names and problems); --compare reads
such a dump (made by another checkout of the code) and lists every file whose reading differs.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import floor_read  # noqa: E402

from scanner.extract import extract, sniff  # noqa: E402
from scanner.extract.limits import Budget, Limits, using  # noqa: E402
from scanner.extract.members import ContainerExtraction  # noqa: E402

# Dumps are read without the clock and without OCR of pictures inside documents: a read that a time
# limit cuts short depends on the machine's load, not on the code. (Pages without text are still OCR'd.)
_DUMP_LIMITS = Limits(max_seconds=3600.0, ocr_pictures=False)
PICTURES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"}


def _location(location) -> dict:
    out = {"class": type(location).__name__}
    for f in dataclasses.fields(location):
        value = getattr(location, f.name)
        if value is not None:
            out[f.name] = value.tolist() if hasattr(value, "tolist") else value
    return out


def read_tree(data: bytes, budget: Budget, depth: int = 0, record: bool = True) -> dict:
    """Sniff and extract one item and, recursively, its members, the pipeline's way (pipeline.scan_tree);
    with `record` False (timing), nothing is converted for the dump."""
    try:
        kind = sniff(data)
    except Exception as exc:  # noqa: BLE001 - recorded, compared
        return {"sniff_error": f"{type(exc).__name__}: {exc}"}
    out: dict = {"kind": kind}
    if kind == "empty":
        return out
    try:
        with using(budget.limits, budget):
            extraction = extract(kind, data)
    except Exception as exc:  # noqa: BLE001
        out["error"] = f"{type(exc).__name__}: {getattr(exc, 'code', '')}: {exc}"
        return out
    if not record:
        out["extraction"] = extraction
    else:
        out["segments"] = [[s.text, _location(s.location)] for s in extraction.segments]
        out["unread"] = list(extraction.unread)
        out["protection"] = dataclasses.asdict(extraction.protection)
        out["properties"] = json.loads(json.dumps(extraction.properties, default=str, sort_keys=True))
    if isinstance(extraction, ContainerExtraction):
        members = []
        for item in extraction.members:
            entry: dict = {"name": str(item.name), "problem": item.problem}
            if depth < 10 and (item.data is not None or item.open is not None):
                try:
                    if item.data is not None:
                        member = item.data
                    else:
                        with item.open() as stream:
                            member = stream.read()
                    entry["read"] = read_tree(member, budget, depth + 1, record)
                except Exception as exc:  # noqa: BLE001
                    entry["error"] = f"{type(exc).__name__}: {exc}"
            members.append(entry)
        out["members"] = members
    return out


def files_of(folders: list[str], pictures: bool) -> list[Path]:
    found = []
    for folder in folders:
        root = Path(folder)
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            if path.name == "manifest.json" or (not pictures and path.suffix.lower() in PICTURES):
                continue
            found.append(path)
    return found


def kind_of(path: Path, top: list[str]) -> str:
    return path.parent.name


def measure(paths: list[Path], rounds: int, profile: str | None) -> None:
    blobs = [(p, p.read_bytes()) for p in paths]
    floor_cpu: dict[str, float] = defaultdict(float)
    ours_cpu: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    profiler = cProfile.Profile() if profile else None
    limits = Limits()
    for path, data in blobs[:20]:  # imports and first-call set-up out of the timing, both sides
        floor_read.read_by_name(path.name, data)
        read_tree(data, Budget(limits), record=False)
    for _ in range(rounds):
        for path, data in blobs:
            kind = path.parent.name
            start = time.process_time()
            floor_read.read_by_name(path.name, data)
            mid = time.process_time()
            if profiler is not None and kind == profile:
                profiler.enable()
            read_tree(data, Budget(limits), record=False)
            if profiler is not None and kind == profile:
                profiler.disable()
            end = time.process_time()
            floor_cpu[kind] += mid - start
            ours_cpu[kind] += end - mid
            counts[kind] += 1
    print(f"{'format':<10}{'files':>7}{'floor s':>10}{'mijian s':>10}{'ratio':>7}")
    for kind in sorted(counts):
        print(f"{kind:<10}{counts[kind] // rounds:>7}{floor_cpu[kind]:>10.2f}{ours_cpu[kind]:>10.2f}"
              f"{ours_cpu[kind] / max(floor_cpu[kind], 1e-9):>7.2f}")
    f, o = sum(floor_cpu.values()), sum(ours_cpu.values())
    print(f"{'all':<10}{sum(counts.values()) // rounds:>7}{f:>10.2f}{o:>10.2f}{o / max(f, 1e-9):>7.2f}")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def dump(paths: list[Path], out: Path) -> None:
    with out.open("w", encoding="utf-8") as fh:
        for path in paths:
            record = read_tree(path.read_bytes(), Budget(_DUMP_LIMITS))
            fh.write(json.dumps({"path": str(path), "read": record}, ensure_ascii=False, sort_keys=True) + "\n")


def compare(paths: list[Path], old: Path) -> int:
    before = {}
    for line in old.read_text(encoding="utf-8").split("\n"):
        if not line:
            continue
        record = json.loads(line)
        before[record["path"]] = record["read"]
    differ = 0
    for path in paths:
        now = json.loads(json.dumps(read_tree(path.read_bytes(), Budget(_DUMP_LIMITS)), ensure_ascii=False,
                                    sort_keys=True))
        if str(path) not in before:
            print(f"not in the dump: {path}")
            differ += 1
        elif now != before[str(path)]:
            print(f"differs: {path}")
            differ += 1
    print(f"{len(paths)} files compared, {differ} differ")
    return differ


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", default=["/work/scratch/floorcorpus"])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--pictures", action="store_true", help="also the pictures (OCR)")
    parser.add_argument("--profile", help="cProfile Mijian's side on this format folder (pdf, docx, ...)")
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args()
    paths = files_of(args.folders, args.pictures)
    if args.dump:
        dump(paths, args.dump)
        return 0
    if args.compare:
        return 1 if compare(paths, args.compare) else 0
    measure(paths, args.rounds, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
