"""Precision and recall of the whole pipeline over labelled real documents (benchmarks/precision/).

    python benchmarks/precision_bench.py
    python benchmarks/precision_bench.py --show flagged          # what fires on ordinary documents
    python benchmarks/precision_bench.py --show missed           # sensitive / marked documents let through
    python benchmarks/precision_bench.py --config my.toml --jobs 2 --json /tmp/precision.json

Every `benchmarks/precision/manifest*.tsv` is read (header: file, kind, expect, class, source,
licence, in_repo). A row's file is relative to benchmarks/precision/ when in_repo is "yes", else
to --external-root; rows whose file is missing are counted and listed, not fatal.

Each file goes through the real pipeline in this process: `scan_tree(data, config, engine)` with
a `DetectionEngine` built from the config that `mijian --config` would load (scanner.config.load_config,
so $MIJIAN_CONFIG applies when --config is not given). No store and no approvals: every file is
decided as if it were going out unapproved. The file's own (top-level) verdict is scored; for a
container (an e-mail with its attachment, an archive) the evidence may come from a member, whose
reasons are then looked at too (the container itself carries archive.member_blocked/flagged).

Scores:
  ordinary   flagged or blocked, and separately blocked because unreadable (scan.*): those are
             extraction problems, not false positives; "false pos." excludes them.
  marked     blocked with a marking.* reason (recall of marks).
  sensitive  flagged or blocked with a content.* or fingerprint.* reason (recall of content), per
             class (a document of two classes counts in both); "right class" = a label among its classes.

Speed: extraction (scanner.extract.extract, wrapped for timing) and detection
(DetectionEngine.detect) are timed separately; text MB is the UTF-8 size of every document passed to
detect. With --jobs N the per-stage seconds are summed over the workers (CPU-side throughput), while
files/s is over the wall clock.
"""

from __future__ import annotations

import argparse
import csv
import glob
import json
import os
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# Measure the working tree this script sits in, not whichever copy of `scanner` is installed.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner import pipeline  # noqa: E402
from scanner.config import Config, load_config  # noqa: E402
from scanner.detect.engine import DetectionEngine  # noqa: E402
from scanner.model import CATEGORIES, Document, ItemResult, Location, Segment  # noqa: E402

PRECISION = ROOT / "benchmarks" / "precision"
DEFAULT_MANIFESTS = str(PRECISION / "manifest*.tsv")
DEFAULT_EXTERNAL = "/work/eval-corpus"
HEADER = ["file", "kind", "expect", "class", "source", "licence", "in_repo"]
ORDINARY = ("ordinary", "allow", "clean")
ROLLUP = ("archive.member_blocked", "archive.member_flagged")
TOP_FINDINGS = 5


# --- timing ----------------------------------------------------------------------------


class Clock:
    """Seconds and text volume spent in the two stages, accumulated in this process."""

    def __init__(self) -> None:
        self.extract_s = 0.0
        self.detect_s = 0.0
        self.text_bytes = 0
        self.documents = 0


CLOCK = Clock()


class TimedEngine(DetectionEngine):
    """The project's engine, with the time and text volume of each detect() call counted."""

    def detect(self, document):
        start = time.perf_counter()
        try:
            return super().detect(document)
        finally:
            CLOCK.detect_s += time.perf_counter() - start
            CLOCK.text_bytes += len(document.text.encode("utf-8", "surrogatepass"))
            CLOCK.documents += 1


def _timed_extract(real):
    def extract(kind, data, *args, **kwargs):
        start = time.perf_counter()
        try:
            return real(kind, data, *args, **kwargs)
        finally:
            CLOCK.extract_s += time.perf_counter() - start
    return extract


# --- manifests ---------------------------------------------------------------------------


def read_manifests(pattern: str, external_root: Path) -> list[dict]:
    rows: list[dict] = []
    paths = sorted(glob.glob(pattern))
    if not paths:
        raise SystemExit(f"no manifest matches {pattern}")
    for manifest in paths:
        with open(manifest, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            missing_cols = [c for c in ("file", "expect") if c not in (reader.fieldnames or [])]
            if missing_cols:
                raise SystemExit(f"{manifest}: header lacks {', '.join(missing_cols)} (expected {' '.join(HEADER)})")
            for number, row in enumerate(reader, start=2):
                if not row.get("file") or row["file"].startswith("#"):
                    continue
                in_repo = (row.get("in_repo") or "yes").strip().lower() in ("yes", "y", "true", "1")
                base = Path(manifest).resolve().parent if in_repo else external_root
                rows.append({
                    "file": row["file"].strip(),
                    "path": str(base / row["file"].strip()),
                    "manifest": os.path.basename(manifest),
                    "line": number,
                    "kind": (row.get("kind") or "").strip() or "-",
                    "expect": (row.get("expect") or "").strip(),
                    "class": (row.get("class") or "").strip(),
                    "in_repo": in_repo,
                })
    return rows


# --- scanning ----------------------------------------------------------------------------

_WORKER: dict = {}


def setup(config_path: str | None) -> float:
    """Build the config and engine of this process; returns the seconds it took (model loading)."""
    start = time.perf_counter()
    config = load_config(config_path)
    _WORKER["config"] = config
    engine = TimedEngine(config)
    # One throw-away document first: lazy set-up inside the detectors is start-up, not detection speed.
    engine.detect(Document([Segment("预热文本：关于召开年度工作会议的通知。部队兵力部署和导弹试验情况，谈判底线，国家安全机关侦查案件，统计数据发布前，考试试题。", Location())]))
    CLOCK.__init__()
    _WORKER["engine"] = engine
    if not getattr(pipeline.extract, "_mijian_timed", False):
        timed = _timed_extract(pipeline.extract)
        timed._mijian_timed = True
        pipeline.extract = timed
    return time.perf_counter() - start


def evidence(tree: list[ItemResult]) -> list[dict]:
    """The reasons that moved the file or a member off `allow` (container roll-up reasons left out)."""
    out = []
    for result in tree:
        for reason in result.reasons:
            if reason.verdict != "allow" and reason.code not in ROLLUP:
                out.append({"code": reason.code, "verdict": reason.verdict, "message": reason.message,
                            "member": result.member})
    return out


def top_findings(tree: list[ItemResult], limit: int = TOP_FINDINGS) -> list[dict]:
    found = []
    for result in tree:
        for f in result.detection.findings:
            found.append({"rule": f.rule, "category": f.category, "text": f.text, "score": round(f.score, 3),
                          "location": f.location, "member": result.member,
                          "context": "".join(f.context) if f.context else None})
    found.sort(key=lambda f: -f["score"])
    return found[:limit]


def judge(row: dict, record: dict) -> None:
    """Add the scoring fields to a scanned record."""
    codes = [e["code"] for e in record["evidence"]]
    unreadable = any(e["code"].startswith("scan.") and e["verdict"] == "block" for e in record["evidence"])
    detected = [c for c in codes if not c.startswith("scan.")]
    verdict = record["verdict"]
    record["unreadable"] = unreadable
    record["via_member"] = bool(record["evidence"]) and all(e["member"] for e in record["evidence"])
    expect = row["expect"]
    if expect in ORDINARY:
        record["caught"] = None
        record["false_positive"] = verdict != "allow" and bool(detected)
    elif expect == "marked":
        record["caught"] = verdict == "block" and any(c.startswith("marking.") for c in detected)
    elif expect == "sensitive":
        record["caught"] = verdict in ("flag", "block") and any(
            c.startswith(("content.", "fingerprint.")) for c in detected)
        classes = [c.strip() for c in row["class"].split(",") if c.strip()]
        record["right_class"] = bool(set(classes) & set(record["labels"]))
    else:
        record["caught"] = None


def scan_row(row: dict) -> dict:
    config: Config = _WORKER["config"]
    engine: TimedEngine = _WORKER["engine"]
    record = {k: row[k] for k in ("file", "manifest", "kind", "expect", "class")}
    path = Path(row["path"])
    try:
        data = path.read_bytes()
    except OSError as exc:
        record.update(missing=True, error=f"{exc.strerror}")
        return record
    ext0, det0, bytes0 = CLOCK.extract_s, CLOCK.detect_s, CLOCK.text_bytes
    start = time.perf_counter()
    tree = pipeline.scan_tree(data, path=row["file"], config=config, engine=engine)
    seconds = time.perf_counter() - start
    own = tree[0]
    record.update(
        missing=False,
        size=len(data),
        type=own.type,
        verdict=own.verdict,
        reasons=[r.code for r in own.reasons],
        evidence=evidence(tree),
        labels=sorted({label for r in tree for label in r.detection.labels}),
        categories={c: round(max(r.detection.categories.get(c, 0.0) for r in tree), 3) for c in CATEGORIES},
        markings=[m.text for r in tree for m in r.detection.markings],
        findings=top_findings(tree),
        members=len(tree) - 1,
        problem=own.problem,
        seconds=round(seconds, 4),
        extract_s=round(CLOCK.extract_s - ext0, 4),
        detect_s=round(CLOCK.detect_s - det0, 4),
        text_bytes=CLOCK.text_bytes - bytes0,
    )
    judge(row, record)
    return record


def _pool_init(config_path: str | None) -> None:
    setup(config_path)


def run(rows: list[dict], config_path: str | None, jobs: int) -> tuple[list[dict], float, float]:
    """(records in manifest order, wall seconds of the scanning, setup seconds)."""
    if jobs <= 1:
        setup_s = setup(config_path)
        start = time.perf_counter()
        records = [scan_row(row) for row in rows]
        return records, time.perf_counter() - start, setup_s
    start = time.perf_counter()
    with ProcessPoolExecutor(jobs, initializer=_pool_init, initargs=(config_path,)) as pool:
        records = list(pool.map(scan_row, rows, chunksize=4))
    return records, time.perf_counter() - start, float("nan")


# --- report ------------------------------------------------------------------------------


def pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:5.1f}%" if d else "    -"


def table(title: str, header: list[str], lines: list[list]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines)] if lines else [len(h) for h in header]
    print(f"\n{title}")
    for line in [header] + lines:
        cells = (str(x).ljust(w) if i == 0 else str(x).rjust(w) for i, (x, w) in enumerate(zip(line, widths)))
        print("  " + "  ".join(cells))


def group(records: list[dict], key) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        for k in key(r):
            groups[k].append(r)
    return dict(sorted(groups.items()))


def ordinary_lines(groups: dict[str, list[dict]]) -> list[list]:
    lines = []
    for name, rs in groups.items():
        flag = sum(r["verdict"] == "flag" for r in rs)
        block = sum(r["verdict"] == "block" for r in rs)
        unread = sum(r["unreadable"] for r in rs)
        fp = sum(r["false_positive"] for r in rs)
        lines.append([name, len(rs), flag, block, pct(flag + block, len(rs)), unread, fp, pct(fp, len(rs))])
    return lines


ORDINARY_HEADER = ["", "n", "flag", "block", "flag+block", "unreadable", "false pos.", "FP rate"]


def recall_lines(groups: dict[str, list[dict]], with_class: bool = False) -> list[list]:
    lines = []
    for name, rs in groups.items():
        caught = sum(bool(r["caught"]) for r in rs)
        other = sum(r["verdict"] != "allow" and not r["caught"] for r in rs)
        line = [name, len(rs), caught, pct(caught, len(rs)), other, sum(r["verdict"] == "allow" for r in rs)]
        if with_class:
            right = sum(r.get("right_class", False) for r in rs)
            line.append(pct(right, len(rs)))
        lines.append(line)
    return lines


RECALL_HEADER = ["", "n", "caught", "recall", "other reason", "allowed"]


def report(records: list[dict], missing: list[dict], wall: float, setup_s: float, jobs: int, config: Config) -> dict:
    scanned = [r for r in records if not r.get("missing")]
    by_expect = group(scanned, lambda r: [("ordinary" if r["expect"] in ORDINARY else r["expect"]) or "?"])
    print(f"精度/召回基准 / precision benchmark — {len(scanned)} files scanned, {len(missing)} missing "
          f"(config: {getattr(config, 'source', None) or 'built-in defaults'})")
    summary: dict = {"files": len(scanned), "missing": len(missing)}

    ordinary = by_expect.get("ordinary", [])
    if ordinary:
        table("普通文档（应放行）/ ordinary documents (should be allowed), by kind", ORDINARY_HEADER,
              ordinary_lines(group(ordinary, lambda r: [r["kind"]])) + ordinary_lines({"ALL": ordinary}))
        fp = sum(r["false_positive"] for r in ordinary)
        summary["ordinary"] = {"n": len(ordinary), "flagged_or_blocked": sum(r["verdict"] != "allow" for r in ordinary),
                               "unreadable": sum(r["unreadable"] for r in ordinary), "false_positives": fp}

    marked = by_expect.get("marked", [])
    if marked:
        table("带密级标志（应以 marking.* 阻断）/ marked documents (should be blocked for a marking), by kind",
              RECALL_HEADER, recall_lines(group(marked, lambda r: [r["kind"]])) + recall_lines({"ALL": marked}))
        table("  … by mark kind", RECALL_HEADER, recall_lines(group(marked, lambda r: [r["class"] or "?"])))
        table("  … by file type", RECALL_HEADER, recall_lines(group(marked, lambda r: [r.get("type", "?")])))
        summary["marked"] = {"n": len(marked), "caught": sum(bool(r["caught"]) for r in marked)}

    sensitive = by_expect.get("sensitive", [])
    if sensitive:
        table("敏感无标志（应以 content.* 待审或阻断）/ sensitive unmarked (should be flagged for content), by kind",
              RECALL_HEADER + ["right class"],
              recall_lines(group(sensitive, lambda r: [r["kind"]]), True) + recall_lines({"ALL": sensitive}, True))
        table("  … by class (a document counts in each of its classes)", RECALL_HEADER + ["right class"],
              recall_lines(group(sensitive, lambda r: [c.strip() for c in r["class"].split(",") if c.strip()]), True))
        table("  … by file type", RECALL_HEADER + ["right class"],
              recall_lines(group(sensitive, lambda r: [r.get("type", "?")]), True))
        per_class = group(sensitive, lambda r: [c.strip() for c in r["class"].split(",") if c.strip()])
        summary["sensitive"] = {"n": len(sensitive), "caught": sum(bool(r["caught"]) for r in sensitive),
                                "by_class": {c: {"n": len(rs), "caught": sum(bool(r["caught"]) for r in rs)}
                                             for c, rs in per_class.items()}}

    others = {k: v for k, v in by_expect.items() if k not in ("ordinary", "marked", "sensitive")}
    for name, rs in others.items():
        print(f"\nexpect={name!r}: {len(rs)} files, verdicts {dict(Counter(r['verdict'] for r in rs))}")

    if missing:
        print(f"\n缺失文件 / missing files: {len(missing)}")
        for r in missing[:20]:
            print(f"  {r['manifest']}: {r['file']} ({r.get('error', '')})")
        if len(missing) > 20:
            print(f"  … {len(missing) - 20} more")

    extract_s = sum(r["extract_s"] for r in scanned)
    detect_s = sum(r["detect_s"] for r in scanned)
    text_mb = sum(r["text_bytes"] for r in scanned) / 1e6
    input_mb = sum(r["size"] for r in scanned) / 1e6
    print("\n速度 / speed")
    print(f"  files {len(scanned)}, input {input_mb:.2f} MB, extracted text {text_mb:.2f} MB (UTF-8), jobs {jobs}")
    if setup_s == setup_s:  # not NaN
        print(f"  engine setup {setup_s:.2f} s, with one warm-up document (not counted below)")
    print(f"  extraction {extract_s:.2f} s ({input_mb / extract_s if extract_s else 0:.2f} MB/s of input)")
    print(f"  detection  {detect_s:.2f} s ({text_mb / detect_s if detect_s else 0:.2f} MB/s of text, "
          "DetectionEngine.detect only)")
    print(f"  wall {wall:.2f} s, {len(scanned) / wall if wall else 0:.1f} files/s overall")
    summary["speed"] = {"input_mb": round(input_mb, 3), "text_mb": round(text_mb, 3), "extract_s": round(extract_s, 3),
                        "detect_s": round(detect_s, 3), "wall_s": round(wall, 3), "jobs": jobs,
                        "detect_mb_s": round(text_mb / detect_s, 3) if detect_s else None,
                        "files_s": round(len(scanned) / wall, 2) if wall else None}
    return summary


def describe(r: dict) -> None:
    codes = ", ".join(sorted({e["code"] + (f"@{e['member']}" if e["member"] else "") for e in r["evidence"]})) or "-"
    high = ", ".join(f"{c} {s:.2f}" for c, s in sorted(r["categories"].items(), key=lambda kv: -kv[1])[:3] if s > 0)
    print(f"\n  {r['file']}  [{r['expect']}/{r['kind']}{'/' + r['class'] if r['class'] else ''}]  "
          f"{r['type']} → {r['verdict']}")
    print(f"    reasons: {codes}")
    print(f"    labels: {', '.join(r['labels']) or '-'}   top scores: {high or '-'}")
    if r["markings"]:
        print(f"    markings: {'、'.join(r['markings'][:5])}")
    if r.get("problem"):
        print(f"    problem: {r['problem'].get('code')} {r['problem'].get('detail', '')[:120]}")
    for f in r["findings"]:
        where = f" @{f['member']}" if f["member"] else ""
        context = f"  …{flat(f['context'], 70)}…" if f.get("context") else ""
        print(f"    - {f['rule']} [{f['category'] or '-'}] “{flat(f['text'], 50)}” {f['score']:.2f} "
              f"{f['location']}{where}{context}")


def flat(text: str, width: int) -> str:
    """One line of at most `width` characters (evidence shown in a terminal)."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def show(records: list[dict], what: str) -> None:
    scanned = [r for r in records if not r.get("missing")]
    if what in ("flagged", "all"):
        hits = [r for r in scanned if r["expect"] in ORDINARY and r["verdict"] != "allow"]
        print(f"\n=== 被待审/阻断的普通文档 / ordinary documents flagged or blocked: {len(hits)} ===")
        for r in hits:
            describe(r)
    if what in ("missed", "all"):
        misses = [r for r in scanned if r["expect"] in ("marked", "sensitive") and not r["caught"]]
        print(f"\n=== 漏检 / sensitive or marked documents not caught: {len(misses)} ===")
        for r in misses:
            describe(r)
    if what == "all":
        caught = [r for r in scanned if r["expect"] in ("marked", "sensitive") and r["caught"]]
        print(f"\n=== 检出 / caught: {len(caught)} ===")
        for r in caught:
            describe(r)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="精度/召回基准 / precision and recall over benchmarks/precision/")
    parser.add_argument("--manifest", metavar="GLOB", default=DEFAULT_MANIFESTS,
                        help=f"清单文件 / manifest files (default: {DEFAULT_MANIFESTS})")
    parser.add_argument("--external-root", metavar="DIR", type=Path, default=Path(DEFAULT_EXTERNAL),
                        help=f"in_repo=no 的文件所在目录 / root of files not in the repo (default: {DEFAULT_EXTERNAL})")
    parser.add_argument("--config", metavar="FILE", help="配置文件 (TOML)，同 mijian --config / settings file")
    parser.add_argument("--show", choices=["flagged", "missed", "all"],
                        help="列出误报/漏检的文件及其证据 / list flagged ordinary or missed documents with evidence")
    parser.add_argument("--json", metavar="OUT", type=Path, help="逐个文件的结果写为 JSON / write per-file results")
    parser.add_argument("--jobs", type=int, default=1, help="并行进程数 / worker processes (default: 1)")
    args = parser.parse_args(argv)

    rows = read_manifests(args.manifest, args.external_root)
    missing = [dict(r, error="not found") for r in rows if not Path(r["path"]).is_file()]
    present = [r for r in rows if Path(r["path"]).is_file()]
    config = load_config(args.config)
    records, wall, setup_s = run(present, args.config, max(1, args.jobs))
    missing += [r for r in records if r.get("missing")]
    summary = report(records, missing, wall, setup_s, max(1, args.jobs), config)
    if args.show:
        show(records, args.show)
    if args.json:
        out = {"summary": summary,
               "missing": [{k: r.get(k) for k in ("file", "manifest", "kind", "expect", "class", "error")}
                           for r in missing],
               "files": [r for r in records if not r.get("missing")]}
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nper-file results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
