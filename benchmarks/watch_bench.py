"""Benchmark of `mijian watch`: throughput and peak memory under a burst, close-to-decision latency of 1 MB DOCX.

Usage: python benchmarks/watch_bench.py [--files 10000] [--docx 20]
Runs the real daemon in a subprocess with `[detect] model = ""` (as the tests do) unless --model is given.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import docx
import psutil

CLEAN = "会议纪要：今天讨论了食堂菜单和春季运动会的安排，编号 {i}。\n"
MARKED = "机密★10年\n关于第 {i} 号事项的通知\n"


def _docx_1mb(i: int) -> bytes:
    document = docx.Document()
    for p in range(2500):
        document.add_paragraph(CLEAN.format(i=f"{i}-{p}") * 3)
    buf = io.BytesIO()
    document.save(buf)
    data = buf.getvalue()
    return data


def _peak_rss(proc: psutil.Process, stop: threading.Event, out: list) -> None:
    peak = 0
    while not stop.is_set():
        try:
            procs = [proc] + proc.children(recursive=True)
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.2)
    out.append(peak)


def _decided(log: Path) -> list[dict]:
    out = []
    for line in log.read_text(encoding="utf-8").splitlines():
        if '"file.decided"' in line:
            out.append(json.loads(line))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--docx", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--model", default="")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mijian-watch-bench-"))
    inbox = root / "inbox"
    inbox.mkdir()
    config = root / "watch.toml"
    config.write_text(f'[detect]\nmodel = "{args.model}"\n[watch]\nspool = "{root / "spool"}"\ndb = "{root / "m.db"}"\n'
                      f'workers = {args.workers}\nqueue_size = 200\nstability_seconds = 1.0\nsettle_seconds = 0.1\n'
                      f'poll_interval = 0.2\n[[watch.inbox]]\nname = "out"\npath = "{inbox}"\n', encoding="utf-8")
    log = root / "daemon.log"
    proc = subprocess.Popen([sys.executable, "-m", "scanner", "watch", "--config", str(config), "--log-file", str(log)])
    try:
        while not (log.exists() and '"started"' in log.read_text(encoding="utf-8")):
            time.sleep(0.1)
        time.sleep(3)  # let the workers finish starting
        stop, peak = threading.Event(), []
        sampler = threading.Thread(target=_peak_rss, args=(psutil.Process(proc.pid), stop, peak))
        sampler.start()

        # 1. latency from close to decision, 1 MB DOCX files dropped one at a time
        blobs = [_docx_1mb(i) for i in range(args.docx)]
        closed = {}
        for i, data in enumerate(blobs):
            name = f"doc_{i:03}.docx"
            with open(inbox / name, "wb") as fh:
                fh.write(data)
            closed[name] = time.time()
            deadline = time.monotonic() + 30
            while len(_decided(log)) < i + 1 and time.monotonic() < deadline:
                time.sleep(0.01)
        from datetime import datetime
        lat = []
        for d in _decided(log):
            if d["file"] in closed:
                lat.append(datetime.fromisoformat(d["ts"]).timestamp() - closed[d["file"]])
        lat.sort()

        # 2. a burst of small files
        start = time.time()
        for i in range(args.files):
            (inbox / f"burst_{i:05}.txt").write_text((MARKED if i % 10 == 0 else CLEAN).format(i=i), encoding="utf-8")
        written = time.time()
        total = args.docx + args.files
        while len(_decided(log)) < total:
            time.sleep(0.5)
            if proc.poll() is not None:
                raise SystemExit("daemon exited")
        end = time.time()
        stop.set()
        sampler.join()
    finally:
        proc.terminate()
        proc.wait(60)
    p50 = statistics.median(lat)
    p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
    print(json.dumps({
        "docx_files": len(lat), "docx_size_bytes": len(blobs[0]),
        "docx_close_to_decision_p50_s": round(p50, 3), "docx_close_to_decision_p95_s": round(p95, 3),
        "burst_files": args.files, "burst_write_seconds": round(written - start, 1),
        "burst_files_per_second": round(args.files / (end - start), 1),
        "peak_rss_mb_daemon_and_workers": round(peak[0] / 2**20, 1), "workers": args.workers,
        "spool": str(root),
    }, indent=2))


if __name__ == "__main__":
    main()
