"""Rebuild the sensitivity model models/sensitivity: concrete unpublished facts against ordinary text.

    python models/training/train_sensitivity.py [--extra ../shared/corpus/dev-extra.jsonl] [--out DIR]
                                                [--without NAME ...]

Sensitive (label `sensitive`):
  - models/training/sensitivity/*.jsonl rows labelled sensitive: memos, e-mails, chats and formal
    documents written for Mijian (Apache-2.0), none of them marked;
  - benchmarks/precision/written/texts.jsonl and the held-out set 1 (benchmarks/precision/files/holdout),
    sensitive unmarked documents written for Mijian.
Ordinary (label `ordinary`):
  - models/training/sensitivity/*.jsonl rows labelled ordinary (everyday chats and mails, office
    documents, hard cases on the same topics as the sensitive ones);
  - the real ordinary documents kept in the repository (benchmarks/precision/manifest-ordinary.tsv,
    in_repo = yes), read with Mijian's own extractors;
  - published laws and judgments from models/training/train.jsonl (public domain), whatever their topic:
    a published law on defence is not a secret;
  - headlines and abstracts of ../shared/corpus/dev-extra.jsonl when present (no stated licence: they may
    train the model, their texts are never copied here).

Held out, never trained on: benchmarks/precision held-out set 2 (the development set the thresholds were
set on) and the real ordinary documents outside the repository (in_repo = no): the model card reports both.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from scanner.detect.classifier import CARD_FILE, SENSITIVITY_LABELS  # noqa: E402
from scanner.detect.corpus import Example  # noqa: E402
from scanner.detect.evaluation import document_scores  # noqa: E402
from scanner.detect.features import FeatureSettings  # noqa: E402
from scanner.detect.training import TrainParams, train  # noqa: E402

PRECISION = ROOT / "benchmarks" / "precision"
LAWS = 400  # laws and judgments sampled from train.jsonl (2,501 paragraphs in all)
EXTRA = 600  # headlines and abstracts sampled from dev-extra.jsonl
SEED = 0


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _manifest(name: str) -> list[dict]:
    with open(PRECISION / name, encoding="utf-8", newline="") as fh:
        return [row for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
                if row.get("file") and not row["file"].startswith("#")]


def _extract(path: Path) -> str:
    from scanner.extract import extract, sniff
    from scanner.model import Document

    data = path.read_bytes()
    return Document(extract(sniff(data), data).segments).text


def written(without: set[str]) -> list[Example]:
    out = []
    for path in sorted((HERE / "sensitivity").glob("*.jsonl")):
        if path.stem in without:
            continue
        for row in _jsonl(path):
            if row["label"] in SENSITIVITY_LABELS:
                out.append(Example(row["text"], (row["label"],), f"written:{path.stem}"))
    for row in _jsonl(PRECISION / "written" / "texts.jsonl"):
        if row["expect"] == "sensitive":
            out.append(Example(row["text"], ("sensitive",), "written:precision"))
    for row in _manifest("manifest-holdout.tsv"):
        if row["expect"] == "sensitive":
            out.append(Example((PRECISION / row["file"]).read_text(encoding="utf-8"), ("sensitive",),
                               "written:holdout1"))
    return out


def real_ordinary(in_repo: bool) -> list[tuple[str, Example]]:
    out = []
    for row in _manifest("manifest-ordinary.tsv"):
        if (row.get("in_repo", "yes").strip().lower() == "yes") != in_repo:
            continue
        path = PRECISION / row["file"] if in_repo else Path("/work/eval-corpus") / row["file"]
        if not path.is_file():
            continue
        try:
            text = _extract(path)
        except Exception as exc:  # a file that cannot be read trains nothing
            print(f"skipped {row['file']}: {exc}", file=sys.stderr)
            continue
        if text.strip():
            out.append((row["file"], Example(text, ("ordinary",), "real")))
    return out


def public_texts(extra: Path | None, rng: random.Random) -> list[Example]:
    laws = _jsonl(HERE / "train.jsonl")
    rng.shuffle(laws)
    out = [Example(row["text"], ("ordinary",), "laws") for row in laws[:LAWS]]
    if extra is not None and extra.is_file():
        rows = _jsonl(extra)
        rng.shuffle(rows)
        out += [Example(row["text"], ("ordinary",), "dev-extra") for row in rows[:EXTRA]]
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", type=Path, default=ROOT.parent / "shared" / "corpus" / "dev-extra.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "sensitivity")
    parser.add_argument("--c", type=float, default=0.5)
    parser.add_argument("--without", action="append", default=[], help="leave out sensitivity/NAME.jsonl")
    args = parser.parse_args(argv)
    rng = random.Random(SEED)
    examples = written(set(args.without)) + [ex for _, ex in real_ordinary(True)] + public_texts(args.extra, rng)
    model = train(examples, FeatureSettings(), TrainParams(c=args.c), labels=SENSITIVITY_LABELS)
    model.meta["name"] = "sensitivity"
    model.meta["corpus"] = sorted({ex.source for ex in examples})
    # What the model never saw: the development set and the real documents outside the repository.
    dev = [row for row in _manifest("manifest-holdout2.tsv")]
    dev_texts = [(PRECISION / row["file"]).read_text(encoding="utf-8") for row in dev]
    outside = real_ordinary(False)
    scores = document_scores(model, dev_texts + [ex.text for _, ex in outside])[:, 0]
    held = {}
    for threshold in (0.7, 0.8, 0.9):
        sens = [s >= threshold for s, row in zip(scores, dev) if row["expect"] == "sensitive"]
        plain = [s >= threshold for s, row in zip(scores, dev) if row["expect"] != "sensitive"]
        real = [s >= threshold for s in scores[len(dev):]]
        held[str(threshold)] = {
            "dev_sensitive_caught": f"{sum(sens)}/{len(sens)}",
            "dev_written_ordinary_over": f"{sum(plain)}/{len(plain)}",
            "real_ordinary_outside_repo_over": f"{sum(real)}/{len(real)}",
        }
    model.meta["held_out"] = held
    model.save(args.out)
    (args.out / CARD_FILE).write_text(card(model.meta), encoding="utf-8")
    print(json.dumps(held, ensure_ascii=False, indent=1))
    return 0


def card(meta: dict) -> str:
    data = meta["data"]
    lines = [
        "# 模型说明 / Model card: sensitivity",
        "",
        "判断一段文字是否像未公开的、具体的敏感事实（部署、底线、未发布数据、线人、考题、标底……），",
        "而不是已公开或日常的文字。它是证据的一层（`detect.sensitivity_min`, `detect.sensitivity_weight`），",
        "由主题模型与词表决定类别；已公开迹象（法律、新闻来源、考后试卷）照常降低其分量。",
        "/ Does a passage read as a concrete, unpublished fact of the protected kinds, or as public or everyday",
        "text? One tier of evidence; the class comes from the lexicon and the topic model; public signs lower it.",
        "",
        f"- 训练日期 / trained: {meta['created']}",
        f"- 程序版本 / code version: mijian {meta['code_version']} (format {meta['format']} v{meta['format_version']})",
        f"- 类别集 / label set: {', '.join(meta['labels'])}",
        f"- 特征 / features: {meta['features']}; training {meta['training']}",
        f"- 数据 / data: {data['count']} texts, {data['labels']}",
        "",
        "| 来源 / source | sensitive | ordinary |",
        "| --- | ---: | ---: |",
    ]
    for source, counts in data["sources"].items():
        lines.append(f"| {source} | {counts.get('sensitive', 0)} | {counts.get('ordinary', 0)} |")
    lines += [
        "",
        "来源说明 / sources: `written:*` were written for Mijian (Apache-2.0); `real` are the real ordinary",
        "documents kept in benchmarks/precision (licences in its manifest); `laws` is models/training/train.jsonl",
        "(public domain); `dev-extra` is ../shared/corpus/dev-extra.jsonl (toutiao/TNEWS headlines, CSLDCP",
        "abstracts; no stated licence: trained on, never copied here).",
        "",
        "## 留出 / Held out (never trained on)",
        "",
        "| 阈值 / threshold | 开发集敏感文本检出 / dev sensitive caught | 开发集普通文本超阈 / dev ordinary over | 仓库外真实普通文档超阈 / real ordinary outside the repo over |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for threshold, row in meta["held_out"].items():
        lines.append(f"| {threshold} | {row['dev_sensitive_caught']} | {row['dev_written_ordinary_over']} | "
                     f"{row['real_ordinary_outside_repo_over']} |")
    lines += [
        "",
        "局限 / limits: the sensitive texts are written, not real leaks; the model reads character n-grams, not",
        "meaning, so an everyday message full of figures and names can still score high. It never decides alone",
        "on a text with public signs, and an officer reviews every flag.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
