"""Benchmark of clustered scans (issue 16): local --jobs 1 and 2 against --cluster local:2 on the same files,
Dask's overhead per file, the client's database write rate, a projection for N machines, and the client's
memory over a long run.

    python benchmarks/cluster_bench.py                         # 5,000 mixed files, then 100,000 tiny ones
    python benchmarks/cluster_bench.py --files 1000 --rss-files 20000 --out /tmp/corpus

The mixed corpus is scan_bench.py's generator with smaller texts (0.5-4 KB: DOCX, PDF, UTF-8 and GBK
text), plus zips of three such files and one-sheet XLSX workbooks. Every run starts from an empty
database (no stored result reused). The client's memory run scans tiny text files through
`python -m scanner scan --cluster local:2 --format jsonl -o /dev/null -q` and samples that process's RSS
(psutil) once a second: the walk, the batches in flight and LocalCluster's scheduler live there.
Prints a Markdown report; the machine's load average is printed with it (the rates depend on it).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scan_bench import DEFENSE_TERMS, MARKINGS, paragraphs, write_docx, write_pdf, write_text  # noqa: E402

from scanner.config import parse_config  # noqa: E402
from scanner.scan import scan_paths  # noqa: E402
from scanner.store.db import Store  # noqa: E402

CONFIG = '[cluster]\nbatch_size = 32\nbatches_per_worker = 3\n'
KINDS = (("docx", 30), ("pdf", 20), ("txt-utf8", 25), ("txt-gbk", 10), ("zip", 8), ("xlsx", 7))


def make_mixed(out: Path, files: int, seed: int) -> int:
    """Write `files` small documents; about 1 in 10 with defence terms, 1 in 25 marked. Returns bytes."""
    import openpyxl

    rng = random.Random(seed)
    kinds, weights = [k for k, _ in KINDS], [w for _, w in KINDS]
    for number in range(files):
        folder = out / f"d{number // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        kind = rng.choices(kinds, weights)[0]
        sensitive, marked = rng.random() < 0.10, rng.random() < 0.04
        title = f"关于第{number}项工作的通知"
        head = [rng.choice(MARKINGS), title] if marked else [title]
        paras = paragraphs(rng, rng.randint(500, 4_000), sensitive)
        stem = folder / f"doc{number:05d}"
        if kind == "docx":
            write_docx(stem.with_suffix(".docx"), head, paras)
        elif kind == "pdf":
            write_pdf(stem.with_suffix(".pdf"), head, paras)
        elif kind.startswith("txt"):
            write_text(stem.with_suffix(".txt"), head, paras, "utf-8" if kind == "txt-utf8" else "gbk")
        elif kind == "zip":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                for i in range(3):
                    zf.writestr(f"part{i}.txt", "\n".join(head + paragraphs(rng, 800, sensitive)))
            stem.with_suffix(".zip").write_bytes(buf.getvalue())
        else:
            book = openpyxl.Workbook()
            sheet = book.active
            for row, text in enumerate(head + paras[:20], start=1):
                sheet.cell(row=row, column=1, value=text[:200])
                sheet.cell(row=row, column=2, value=rng.randint(1, 10_000))
            if sensitive:
                sheet.cell(row=1, column=3, value=rng.choice(DEFENSE_TERMS))
            book.save(stem.with_suffix(".xlsx"))
    return sum(p.stat().st_size for p in out.rglob("*") if p.is_file())


def timed_scan(corpus: Path, db: Path, *, jobs: int = 1, backend=None) -> tuple[float, object]:
    config = parse_config(CONFIG)
    store = Store(db)
    try:
        started = time.perf_counter()
        run = scan_paths([str(corpus)], config, store=store, jobs=jobs, backend=backend, keep=False)
        return time.perf_counter() - started, run
    finally:
        store.close()


def _echo(items):
    """A batch that does no work: what is left of a task's time is Dask's (and the client's) overhead."""
    return [(seq, "scanned", None, [], False) for seq, *_ in items]


def dask_overhead(client, files: int, batch: int, window: int) -> float:
    """Seconds of scheduling, transfer and collection per file, with the scan's batching and window."""
    from distributed import as_completed

    items = [(i, b"/nonexistent/x", "x", None) for i in range(batch)]
    started = time.perf_counter()
    done = 0
    pending = as_completed()
    submitted = 0
    while done < files:
        while submitted < files and pending.count() < window:
            pending.add(client.submit(_echo, items, pure=False))
            submitted += batch
        next(pending).result()
        done += batch
    return (time.perf_counter() - started) / done


def db_write_rate(source_db: Path, target: Path, batch: int) -> float:
    """Files per second the client records: the run's own rows replayed into a new database, one
    transaction per batch, as the clustered client writes them."""
    import json

    from scanner.model import ItemResult

    src = Store(source_db)
    trees, tree = [], []
    for row in src.db.query("select result, member, path_raw, members from items order by id"):
        result = ItemResult.from_dict(json.loads(row["result"]))
        result.path_raw = row["path_raw"]
        if row["member"] is None and tree:
            trees.append(tree)
            tree = []
        tree.append(result)
    trees.append(tree)
    src.close()
    store = Store(target)
    run_id = store.start_run(["bench"], "bench", "f" * 64, "bench")
    started = time.perf_counter()
    for i in range(0, len(trees), batch):
        with store.db.atomic():
            for tree in trees[i:i + batch]:
                store.record_tree(run_id, tree, "f" * 64)
    elapsed = time.perf_counter() - started
    store.close()
    return len(trees) / elapsed


def client_memory(folder: Path, files: int, db: Path) -> list[tuple[float, int, float]]:
    """(seconds, files recorded, client RSS MB) once a second over a clustered CLI scan of tiny files."""
    for number in range(files):
        sub = folder / f"t{number // 1000:03d}"
        if number % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{number:06d}.txt").write_text(f"第{number}号通知：会议正常进行。\n", encoding="utf-8")
    config = folder.parent / "rss.toml"
    config.write_text(CONFIG + '[detect]\nmodel = ""\nsensitivity_model = ""\nentities = false\n', encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "scanner", "scan", str(folder), "--cluster", "local:2",
                             "--db", str(db), "--config", str(config), "--format", "jsonl", "-o", os.devnull, "-q",
                             "--fail-on", "never"], env=env, start_new_session=True)
    samples = []
    me = psutil.Process(proc.pid)
    started = time.perf_counter()
    import sqlite3

    try:
        while proc.poll() is None:
            try:
                rss = me.memory_info().rss / 2**20
            except psutil.Error:
                break
            recorded = 0
            try:
                con = sqlite3.connect(db, timeout=1)
                recorded = con.execute("select count(*) from items").fetchone()[0]
                con.close()
            except sqlite3.Error:
                pass
            samples.append((time.perf_counter() - started, recorded, rss))
            time.sleep(1.0)
    finally:
        if proc.poll() is None:
            proc.kill()
        try:
            os.killpg(proc.pid, 9)  # its LocalCluster's processes, if any are left
        except ProcessLookupError:
            pass
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="密检集群扫描基准 / benchmark of clustered scans")
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--rss-files", type=int, default=100_000, help="tiny files for the memory run (0: skip)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="keep the work folder here")
    parser.add_argument("--skip", action="append", default=[], choices=["jobs1", "jobs2", "cluster"])
    args = parser.parse_args(argv)
    work = args.out or Path(tempfile.mkdtemp(prefix="mijian-cluster-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "mixed"
    try:
        if not corpus.exists():
            started = time.perf_counter()
            size = make_mixed(corpus, args.files, args.seed)
            print(f"corpus: {args.files} files, {size / 2**20:.1f} MB, made in {time.perf_counter() - started:.0f} s")
        size = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())
        print(f"load average before: {os.getloadavg()}  cores: {os.cpu_count()}")
        rows = []
        for name, jobs in (("jobs1", 1), ("jobs2", 2)):
            if name in args.skip:
                continue
            db = work / f"{name}.db"
            db.unlink(missing_ok=True)
            wall, run = timed_scan(corpus, db, jobs=jobs)
            rows.append((f"local --jobs {jobs}", wall, run.total, os.getloadavg()[0]))
            print(rows[-1], flush=True)
        overhead = None
        if "cluster" not in args.skip:
            from scanner.cluster.client import ClusterBackend

            db = work / "cluster.db"
            db.unlink(missing_ok=True)
            with ClusterBackend("local:2", parse_config(CONFIG)) as backend:
                wall, run = timed_scan(corpus, db, backend=backend)
                rows.append(("--cluster local:2", wall, run.total, os.getloadavg()[0]))
                print(rows[-1], flush=True)
                overhead = dask_overhead(backend.client, 20_000, 32, 6)
            write_rate = db_write_rate(db, work / "replay.db", 32)
        print("\n| run | wall s | files | files/s | MB/s | load (1 min) after |\n| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, wall, total, load in rows:
            print(f"| {name} | {wall:.1f} | {total} | {total / wall:.1f} | {size / 2**20 / wall:.2f} | {load:.1f} |")
        if overhead is not None:
            per_worker = dict((n, t / w) for n, w, t, _ in rows).get("--cluster local:2", 0) / 2
            print(f"\nDask overhead per file (no-op batches of 32, 6 in flight, LocalCluster): {overhead * 1e3:.2f} ms "
                  f"-> the scheduler path alone carries {1 / overhead:.0f} files/s")
            print(f"client database writes (batches of 32 per transaction): {write_rate:.0f} files/s")
            print(f"measured per worker process: {per_worker:.1f} files/s; mean file {size / args.files / 1024:.1f} KB")
            for machines in (1, 4, 16, 64):
                workers = machines * 8
                demand = workers * per_worker
                limit = min((demand, "workers"), (1 / overhead, "scheduler/client round trips"),
                            (write_rate, "client SQLite writes"))
                print(f"  {machines:>3} machines x 8 workers: {limit[0]:.0f} files/s "
                      f"(workers alone {demand:.0f}; bound by {limit[1]}; storage reads "
                      f"{limit[0] * size / args.files / 2**20:.1f} MB/s)")
        if args.rss_files:
            samples = client_memory(work / "tiny", args.rss_files, work / "rss.db")
            print(f"\nclient RSS over {args.rss_files} tiny files (--cluster local:2): seconds, rows recorded, MB")
            step = max(1, len(samples) // 12)
            for t, recorded, rss in samples[::step] + samples[-1:]:
                print(f"  {t:7.0f} s  {recorded:>7}  {rss:7.1f} MB")
            print(f"load average after: {os.getloadavg()}")
    finally:
        if not args.out:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
