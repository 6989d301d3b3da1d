"""Benchmark of `mijian watch`, the real daemon in a subprocess:

1. latency: a burst of 1,000 ordinary documents (DOCX, PDF, XLSX, text; a tenth of them marked) written
   into the inbox as fast as possible; p50/p95/max seconds from each file's close to its decision, the
   daemon's own complete-to-decision latency (both include the wait in the queue, which in a burst is
   about the file's place in it divided by the throughput), and the decision work alone: the seconds a
   worker spent on the file (`decide_ms` of the log; target: p95 under 1 s);
2. memory: a burst of 10,000 small files; peak RSS of every daemon process (main, workers, fork
   server), sampled with the number of files decided, so a growth with the count shows (flat memory);
3. optionally (--docx N): close-to-decision latency of 1 MB DOCX files dropped one at a time.

Usage: python benchmarks/watch_bench.py [--burst 1000] [--files 10000] [--docx 0] [--workers 2] [--model ""]
The daemon runs with the example config's timings (settle 0.2 s, stability 2 s, poll 0.5 s) and, as the
tests do, `[detect] model = ""` unless --model is given. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import psutil
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

ROOT = Path(__file__).resolve().parent.parent
CLEAN = "会议纪要：今天讨论了食堂菜单和春季运动会的安排，编号 {i}。请各部门于周五前报名，联系人王老师。"
MARKED = "机密★10年\n关于第 {i} 号事项的通知"


def _docx(lines: list[str]) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _pdf(lines: list[str]) -> bytes:
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("STSong-Light", 11)
    y = 800
    for line in lines:
        c.drawString(40, y, line[:40])
        y -= 16
        if y < 60:
            c.showPage()
            c.setFont("STSong-Light", 11)
            y = 800
    c.showPage()
    c.save()
    return buf.getvalue()


def _xlsx(lines: list[str]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row, line in enumerate(lines, 1):
        sheet.cell(row=row, column=1, value=row)
        sheet.cell(row=row, column=2, value=line)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def ordinary_documents(n: int, rng: random.Random) -> dict[str, bytes]:
    """n office documents of a few pages: 40 % DOCX, 20 % PDF, 10 % XLSX, 30 % text; one in ten marked."""
    files = {}
    for i in range(n):
        lines = [CLEAN.format(i=f"{i}-{p}") for p in range(rng.randint(5, 60))]
        if i % 10 == 0:
            lines[0:0] = MARKED.format(i=i).splitlines()
        kind = rng.random()
        if kind < 0.4:
            files[f"doc_{i:04}.docx"] = _docx(lines)
        elif kind < 0.6:
            files[f"doc_{i:04}.pdf"] = _pdf(lines)
        elif kind < 0.7:
            files[f"doc_{i:04}.xlsx"] = _xlsx(lines)
        else:
            files[f"doc_{i:04}.txt"] = "\n".join(lines).encode("utf-8")
    return files


class Daemon:
    """One `mijian watch` over a fresh spool; its JSON log read as it grows."""

    def __init__(self, root: Path, workers: int, model: str):
        self.root, self.inbox, self.log = root, root / "inbox", root / "daemon.log"
        self.inbox.mkdir(parents=True)
        config = root / "watch.toml"
        config.write_text(
            f'[detect]\nmodel = "{model}"\n[watch]\nspool = "{root / "spool"}"\ndb = "{root / "m.db"}"\n'
            f'workers = {workers}\nqueue_size = 200\nstability_seconds = 2.0\nsettle_seconds = 0.2\n'
            f'poll_interval = 0.5\n[[watch.inbox]]\nname = "out"\npath = "{self.inbox}"\n', encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-m", "scanner", "watch", "--config", str(config),
                                      "--log-file", str(self.log)], cwd=ROOT)
        self.offset, self.decided = 0, []
        started = time.monotonic()
        while not any(e["event"] == "ready" for e in self.events()):
            if self.proc.poll() is not None:
                raise SystemExit(f"daemon exited with {self.proc.returncode}")
            time.sleep(0.05)
        self.ready_seconds = time.monotonic() - started

    def events(self) -> list[dict]:
        if not self.log.exists():
            return []
        with open(self.log, "rb") as fh:
            fh.seek(self.offset)
            data = fh.read()
        end = data.rfind(b"\n") + 1
        self.offset += end
        new = [json.loads(line) for line in data[:end].splitlines()]
        self.decided += [e for e in new if e["event"] == "file.decided"]
        return new

    def wait_decided(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.decided) < count:
            self.events()
            if self.proc.poll() is not None:
                raise SystemExit(f"daemon exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                raise SystemExit(f"only {len(self.decided)} of {count} files decided")
            time.sleep(0.1)

    def processes(self) -> list[psutil.Process]:
        main = psutil.Process(self.proc.pid)
        return [main] + main.children(recursive=True)

    def rss(self) -> int:
        total = 0
        for p in self.processes():
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(120)


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _ts(event: dict) -> float:
    return datetime.fromisoformat(event["ts"]).timestamp()


def latency_burst(root: Path, n: int, workers: int, model: str) -> dict:
    files = ordinary_documents(n, random.Random(18))
    daemon = Daemon(root, workers, model)
    try:
        closed = {}
        start = time.time()
        for name, data in files.items():
            with open(daemon.inbox / name, "wb") as fh:
                fh.write(data)
            closed[name] = time.time()
        written = time.time()
        daemon.wait_decided(n, 600)
        end = time.time()
    finally:
        daemon.stop()
    lat = [_ts(e) - closed[e["file"]] for e in daemon.decided]
    own = [e["latency_ms"] / 1000 for e in daemon.decided]
    work = [e["decide_ms"] / 1000 for e in daemon.decided]
    sizes = [len(d) for d in files.values()]
    kinds = {}
    for name in files:
        ext = name.rsplit(".", 1)[1]
        kinds[ext] = kinds.get(ext, 0) + 1
    return {
        "files": n, "kinds": kinds, "median_size_bytes": int(statistics.median(sizes)),
        "write_seconds": round(written - start, 2), "all_decided_seconds": round(end - start, 2),
        "files_per_second": round(n / (end - start), 1),
        "close_to_decision_p50_s": round(_percentile(lat, 0.5), 3),
        "close_to_decision_p95_s": round(_percentile(lat, 0.95), 3),
        "close_to_decision_max_s": round(max(lat), 3),
        "complete_to_decision_p50_s": round(_percentile(own, 0.5), 3),
        "complete_to_decision_p95_s": round(_percentile(own, 0.95), 3),
        "decision_work_p50_s": round(_percentile(work, 0.5), 3),
        "decision_work_p95_s": round(_percentile(work, 0.95), 3),
        "decision_work_max_s": round(max(work), 3),
        "verdicts": {v: sum(1 for e in daemon.decided if e["verdict"] == v) for v in ("allow", "flag", "block")},
    }


def memory_burst(root: Path, n: int, workers: int, model: str) -> dict:
    daemon = Daemon(root, workers, model)
    samples: list[tuple[int, int]] = []  # (files decided, RSS of all daemon processes)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((len(daemon.decided), daemon.rss()))
            time.sleep(0.25)

    try:
        time.sleep(1)
        baseline = daemon.rss()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.time()
        for i in range(n):
            text = (MARKED if i % 10 == 0 else CLEAN).format(i=i)
            (daemon.inbox / f"burst_{i:05}.txt").write_text(text, encoding="utf-8")
        written = time.time()
        daemon.wait_decided(n, 3600)
        end = time.time()
        stop.set()
        sampler.join()
        processes = len(daemon.processes())
    finally:
        daemon.stop()
    mb = 2 ** 20
    by_quarter = {}
    for q in (0.25, 0.5, 0.75, 1.0):
        window = [rss for done, rss in samples if done <= q * n]
        by_quarter[f"peak_rss_mb_until_{int(q * 100)}pct_decided"] = round(max(window) / mb, 1) if window else None
    return {
        "files": n, "daemon_processes": processes, "write_seconds": round(written - start, 1),
        "all_decided_seconds": round(end - start, 1), "files_per_second": round(n / (end - start), 1),
        "rss_mb_ready": round(baseline / mb, 1), "peak_rss_mb": round(max(r for _, r in samples) / mb, 1),
        **by_quarter,
    }


def docx_latency(root: Path, n: int, workers: int, model: str) -> dict:
    daemon = Daemon(root, workers, model)
    try:
        lat = []
        for i in range(n):
            document = docx.Document()
            for p in range(2500):
                document.add_paragraph(CLEAN.format(i=f"{i}-{p}") * 2)
            buf = io.BytesIO()
            document.save(buf)
            with open(daemon.inbox / f"big_{i:03}.docx", "wb") as fh:
                fh.write(buf.getvalue())
            closed = time.time()
            daemon.wait_decided(i + 1, 120)
            lat.append(_ts(daemon.decided[-1]) - closed)
    finally:
        daemon.stop()
    return {"files": n, "size_bytes": len(buf.getvalue()), "close_to_decision_p50_s": round(_percentile(lat, 0.5), 3),
            "close_to_decision_p95_s": round(_percentile(lat, 0.95), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--burst", type=int, default=1000, help="ordinary documents in the latency burst (0: skip)")
    ap.add_argument("--files", type=int, default=10000, help="small files in the memory burst (0: skip)")
    ap.add_argument("--docx", type=int, default=0, help="1 MB DOCX files dropped one at a time (0: skip)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--model", default="")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mijian-watch-bench-"))
    out = {"workers": args.workers, "cpus": os.cpu_count(), "spool": str(root)}
    if args.burst:
        out["latency_burst"] = latency_burst(root / "latency", args.burst, args.workers, args.model)
    if args.files:
        out["memory_burst"] = memory_burst(root / "memory", args.files, args.workers, args.model)
    if args.docx:
        out["docx_1mb"] = docx_latency(root / "docx", args.docx, args.workers, args.model)
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
