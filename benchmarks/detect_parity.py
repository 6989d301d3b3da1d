"""Detection output and speed on fixed real texts, to check that a speed change alters nothing (issue 17).

    python3 benchmarks/detect_parity.py --dump /tmp/before.jsonl         # every Detection, one JSON line a text
    python3 benchmarks/detect_parity.py --compare /tmp/before.jsonl      # the same texts again, differences listed
    python3 benchmarks/detect_parity.py --speed                          # CPU MB/s per group and per detector

Texts (all real, nothing written by us):
- floor:    120 documents of ~18 KB dealt from shared/corpus/train.jsonl paragraphs as floor_corpus.py does
            (public-domain laws and judgments: ordinary text, the bulk of what a gateway sees);
- ordinary: the Markdown, text, HTML and LaTeX files of benchmarks/precision/files/ordinary (read raw);
- labelled: every text of shared/corpus train.jsonl and dev-extra.jsonl (sensitive ones included, so
            flagged documents, named entities and the sensitivity model all run);
- marked:   300 documents of three segments made of labelled texts, a third opening with a secrecy mark.
The dump is `dataclasses.asdict(Detection)` with floats rounded to 10 places.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scanner.config import Config  # noqa: E402
from scanner.detect.engine import DetectionEngine  # noqa: E402
from scanner.detect.normalize import normalize  # noqa: E402
from scanner.detect.registry import DetectContext  # noqa: E402
from scanner.model import Document, Location, Segment  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
ORDINARY = ROOT / "benchmarks" / "precision" / "files" / "ordinary"
MARKS = ("机密★10年", "秘密★5年", "内部资料 注意保存", "绝密★启用前", "机 密☆十年")


def groups() -> dict[str, list[list[str]]]:
    """name -> documents, each a list of segment texts."""
    import floor_corpus

    texts = floor_corpus.Texts(1)
    floor = [["\n".join(texts.paragraphs(18_000))] for _ in range(120)]
    ordinary = [[p.read_text(encoding="utf-8", errors="replace")] for p in sorted(ORDINARY.rglob("*"))
                if p.is_file() and p.suffix in (".md", ".txt", ".html", ".tex")]
    labelled = []
    for name in ("train.jsonl", "dev-extra.jsonl"):
        with open(CORPUS / name, encoding="utf-8") as fh:
            labelled += [json.loads(line)["text"] for line in fh if line.strip()]
    rng = random.Random(17)
    marked = []
    for i in range(300):
        parts = [rng.choice(labelled) for _ in range(3)]
        if i % 3 == 0:
            parts[0] = rng.choice(MARKS) + "\n" + parts[0]
        marked.append(parts)
    return {"floor": floor, "ordinary": ordinary, "labelled": [[t] for t in labelled], "marked": marked}


def document(parts: list[str]) -> Document:
    return Document([Segment(t, Location(page=i + 1)) for i, t in enumerate(parts)])


def _round(value):
    if isinstance(value, float):
        return round(value, 10)
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round(v) for v in value]
    return value


def dump_line(group: str, index: int, detection) -> str:
    return json.dumps({"group": group, "i": index, "d": _round(asdict(detection))}, ensure_ascii=False,
                      sort_keys=True)


def megabytes(docs: list[list[str]]) -> float:
    return sum(len(t.encode()) for parts in docs for t in parts) / 1e6


def run_all(engine: DetectionEngine, data: dict) -> tuple[list[str], dict]:
    lines, speed = [], {}
    for group, docs in data.items():
        start = time.process_time()
        for i, parts in enumerate(docs):
            lines.append(dump_line(group, i, engine.detect(document(parts))))
        seconds = time.process_time() - start
        speed[group] = (megabytes(docs), seconds)
    return lines, speed


def per_detector(engine: DetectionEngine, data: dict) -> None:
    for group, docs in data.items():
        mb = megabytes(docs)
        start = time.process_time()
        norms = []
        for parts in docs:
            doc = document(parts)
            norms.append((doc, normalize(doc.text)))
        cost = {"normalize": time.process_time() - start}
        for rule_id, detector in engine.detectors.items():
            start = time.process_time()
            for doc, norm in norms:
                detector.detect(DetectContext(doc, norm))
            cost[rule_id] = time.process_time() - start
        print(f"  {group:9} " + "  ".join(f"{k} {mb / v if v else float('inf'):6.1f}" for k, v in cost.items())
              + "  MB/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dump", type=Path, help="write every Detection here")
    ap.add_argument("--compare", type=Path, help="compare with an earlier dump")
    ap.add_argument("--speed", action="store_true", help="also time each detector alone")
    args = ap.parse_args()
    data = groups()
    engine = DetectionEngine(Config())
    engine.detect(document(["机密★10年 热身"]))
    if engine.entities is not None:  # load the entity model outside the timing
        engine.entities.find("美国国务院在北京")
    lines, speed = run_all(engine, data)
    total_mb = sum(mb for mb, _ in speed.values())
    total_s = sum(s for _, s in speed.values())
    for group, (mb, seconds) in speed.items():
        print(f"{group:9} {len(data[group]):5} docs {mb:6.2f} MB  full detection {mb / seconds:6.2f} MB/s (CPU)")
    print(f"{'all':9} {sum(len(d) for d in data.values()):5} docs {total_mb:6.2f} MB  full detection "
          f"{total_mb / total_s:6.2f} MB/s (CPU)")
    if args.speed:
        per_detector(engine, data)
    if args.dump:
        args.dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {len(lines)} detections to {args.dump}")
    if args.compare:
        old = args.compare.read_text(encoding="utf-8").splitlines()
        if len(old) != len(lines):
            sys.exit(f"different number of texts: {len(old)} before, {len(lines)} now")
        diffs = [(a, b) for a, b in zip(old, lines) if a != b]
        print(f"{len(lines) - len(diffs)} of {len(lines)} detections identical; {len(diffs)} differ")
        for a, b in diffs[:5]:
            ja, jb = json.loads(a), json.loads(b)
            keys = [k for k in ja["d"] if ja["d"][k] != jb["d"].get(k)]
            print(f"  {ja['group']} #{ja['i']}: differs in {keys}")
            for k in keys[:2]:
                print(f"    before {json.dumps(ja['d'][k], ensure_ascii=False)[:300]}")
                print(f"    now    {json.dumps(jb['d'][k], ensure_ascii=False)[:300]}")
        if diffs:
            sys.exit(1)


if __name__ == "__main__":
    main()
