"""`mijian evaluate`: per-class precision, recall, F1, macro-F1 and a confusion matrix of a model on a corpus."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scanner.commands import EXIT_OK, add_common_options
from scanner.detect.classifier import load_model, model_folder
from scanner.detect.corpus import read_corpus
from scanner.detect.evaluation import evaluate

HEAD = {"zh": ("类别", "精确率", "召回率", "F1", "样本数"), "en": ("class", "precision", "recall", "F1", "support")}
MESSAGES: dict[str, tuple[str, str]] = {
    "title": ("模型 {model} 在 {count} 条文本上的评估", "model {model} evaluated on {count} texts"),
    "macro": ("宏平均 F1：{macro:.4f}    准确率：{accuracy:.4f}", "macro-F1: {macro:.4f}    accuracy: {accuracy:.4f}"),
    "confusion": ("混淆矩阵（行：标注类别，列：预测类别）", "confusion matrix (rows: gold label, columns: predicted)"),
    "skipped": ("{count} 个文件无法读取，已跳过", "{count} files could not be read and were left out"),
}


def msg(key: str, lang: str, **values) -> str:
    zh, en = MESSAGES[key]
    return (en if lang == "en" else zh).format(**values)


def add_parser(subparsers) -> None:
    cmd = subparsers.add_parser("evaluate", help="评估分类模型 / evaluate a classifier model on a labelled corpus")
    add_common_options(cmd)
    cmd.add_argument("corpus", nargs="+", metavar="CORPUS", help="JSON Lines 或按类别分子文件夹的文件夹 / JSON Lines or class folders")
    cmd.add_argument("--model", default="default", metavar="PATH",
                     help="模型文件夹或 models/ 下的名称 / model folder, or a name under models/ (default: default)")
    cmd.add_argument("--format", choices=["text", "json"], default="text", help="输出格式 / output format")
    cmd.set_defaults(handler=run)


def render_text(report: dict, lang: str) -> str:
    head = HEAD[lang]
    lines = [msg("title", lang, model=report["model"], count=report["count"]), ""]
    lines.append(f"{head[0]:<20}{head[1]:>10}{head[2]:>10}{head[3]:>10}{head[4]:>10}")
    for label, row in report["per_class"].items():
        lines.append(f"{label:<20}{row['precision']:>10.4f}{row['recall']:>10.4f}{row['f1']:>10.4f}{row['support']:>10}")
    lines += ["", msg("macro", lang, macro=report["macro_f1"], accuracy=report["accuracy"]), "",
              msg("confusion", lang)]
    labels = report["confusion"]["labels"]
    short = [label[:8] for label in labels]
    lines.append(" " * 20 + "".join(f"{s:>10}" for s in short))
    for label, row in zip(labels, report["confusion"]["matrix"]):
        lines.append(f"{label:<20}" + "".join(f"{n:>10}" for n in row))
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, lang: str) -> int:
    folder = model_folder(args.model)
    if folder is None:
        from scanner.detect.classifier import ModelError, message
        raise ModelError(message("missing", path='""'))
    model = load_model(folder)
    examples, problems = read_corpus([Path(p) for p in args.corpus])
    report = {"model": str(folder), "corpus": list(args.corpus), **evaluate(model, examples),
              "skipped": len(problems)}
    if args.format == "json":
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2, sort_keys=False) + "\n")
    else:
        text = render_text(report, lang)
        if problems:
            text += "\n" + msg("skipped", lang, count=len(problems)) + "\n"
        sys.stdout.write(text)
    return EXIT_OK
