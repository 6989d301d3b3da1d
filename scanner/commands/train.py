"""`mijian train`: fit the topic classifier on a labelled corpus and write the model, its card and label set."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from scanner.commands import EXIT_OK, add_common_options
from scanner.commands.extras import require_extra
from scanner.detect.classifier import CARD_FILE, LABELS, TopicModel
from scanner.detect.corpus import read_corpus, split_holdout
from scanner.detect.evaluation import evaluate
from scanner.detect.features import FeatureSettings
from scanner.detect.training import TrainParams, lexicon_terms, train
from scanner.errors import ConfigError

MESSAGES: dict[str, tuple[str, str]] = {
    "read": ("读取语料 {count} 条，来源 {sources} 个", "read {count} texts from {sources} sources"),
    "problems": ("{count} 个文件无法读取，已跳过：", "{count} files could not be read and were left out:"),
    "heldout": ("留出集（{count} 条）宏平均 F1：{macro}", "held-out split ({count} texts): macro-F1 {macro}"),
    "saved": ("模型已写入：{path}", "model written: {path}"),
    "lexicon": ("词表特征：{count} 个词条，来自 {path}，比例 {scale}",
                "lexicon features: {count} terms from {path}, scale {scale}"),
    "bad_c": ("--svm-c 须为正数：{value}", "--svm-c must be positive: {value}"),
    "bad_scale": ("--lexicon-features 须为非负数：{value}", "--lexicon-features must be zero or more: {value}"),
    "no_lexicon": ("词表文件夹 {path} 中没有可用的类别词表（defense.txt 等）",
                   "lexicon folder {path} has no class lexicons (defense.txt and so on)"),
}


def msg(key: str, lang: str, **values) -> str:
    zh, en = MESSAGES[key]
    return (en if lang == "en" else zh).format(**values)


def _message(key: str, **values) -> str:
    """Chinese first, English in brackets (the form of every ConfigError message)."""
    return f"{msg(key, 'zh', **values)} ({msg(key, 'en', **values)})"


def add_parser(subparsers) -> None:
    cmd = subparsers.add_parser("train", help="训练分类模型 / train the topic classifier")
    add_common_options(cmd)
    cmd.add_argument("corpus", nargs="+", metavar="CORPUS",
                     help="JSON Lines（text 与 label/labels）或按类别分子文件夹的文件夹 / "
                          "JSON Lines (text, label or labels) or a folder with one sub-folder per class")
    cmd.add_argument("-o", "--output", required=True, metavar="DIR", help="模型文件夹 / model folder (e.g. models/NAME)")
    cmd.add_argument("--holdout", type=float, default=0.2, metavar="F",
                     help="留出评估的比例 / fraction held out for the model card's metrics (default: 0.2)")
    cmd.add_argument("--words", action="store_true", help="加入结巴分词特征（较慢）/ add jieba word features (slower)")
    cmd.add_argument("--seed", type=int, default=0, help="随机种子 / random seed (default: 0)")
    cmd.add_argument("--lexicon-features", type=float, default=0.0, metavar="SCALE",
                     help="每类词表命中数作为特征，按此比例（0 为关闭）；词条存入模型 / per-class lexicon "
                          "hits as features at this scale (default: 0, off); the terms are saved with the model")
    cmd.add_argument("--lexicon-dir", metavar="DIR", default=None,
                     help="词表特征所用的词表文件夹（默认：自带 lexicons/）/ lexicon folder for "
                          "--lexicon-features (default: the shipped lexicons/)")
    cmd.add_argument("--svm-c", type=float, default=None, metavar="C",
                     help="线性模型的正则化参数 C（默认 0.5）/ the linear scorer's C (default: 0.5)")
    cmd.add_argument("--balance-sources", action="store_true",
                     help="同一类别中每个来源权重相同 / weigh every source the same within a class")
    cmd.set_defaults(handler=run)


def build(paths: list[Path], holdout: float = 0.2, words: bool = False, seed: int = 0,
          notes: str = "", lexicon_scale: float = 0.0,
          lexicon_dir: Path | None = None, c: float | None = None,
          balance_sources: bool = False) -> tuple[TopicModel, dict, list[str]]:
    """Train on a held-out split for the card's metrics, then on everything for the model itself.

    `lexicon_scale` > 0 adds per-class lexicon-hit columns (FeatureSettings.lexicon_scale) from the
    class lexicons in `lexicon_dir` (default: the shipped lexicons/); the terms are saved with the model.
    """
    if not lexicon_scale >= 0:  # also refuses NaN
        raise ConfigError(_message("bad_scale", value=lexicon_scale))
    examples, problems = read_corpus(paths)
    features = FeatureSettings(words=words, lexicon_scale=float(lexicon_scale))
    params = TrainParams(seed=seed, balance_sources=balance_sources,
                         **({"c": float(c)} if c is not None else {}))
    if not params.c > 0:
        raise ConfigError(_message("bad_c", value=c))
    lexicon = None
    if lexicon_scale:
        lexicon = lexicon_terms(lexicon_dir)
        if not lexicon:
            raise ConfigError(_message("no_lexicon", path=lexicon_dir or "lexicons/"))
    report = None
    if 0 < holdout < 1:
        fit, held = split_holdout(examples, holdout, seed)
        if held:
            report = evaluate(train(fit, features, params, lexicon=lexicon), held)
    model = train(examples, features, params, lexicon=lexicon)
    model.meta["corpus"] = [p.name for p in paths]
    if lexicon:
        model.meta["lexicon"] = {"folder": Path(lexicon_dir).name if lexicon_dir else "lexicons",
                                 "terms": len(model.featurizer.lexicon_terms)}
    model.meta["heldout"] = report
    model.meta["notes"] = notes
    return model, report, problems


def model_card(meta: dict) -> str:
    """MODEL_CARD.md: data, date, code version, settings, held-out metrics (Markdown, Chinese and English)."""
    data = meta["data"]
    lines = [
        f"# 模型说明 / Model card: {meta.get('name', 'model')}",
        "",
        f"- 训练日期 / trained: {meta['created']}",
        f"- 程序版本 / code version: mijian {meta['code_version']} (format {meta['format']} v{meta['format_version']})",
        f"- 类别集 / label set: {', '.join(meta['labels'])}",
        f"- 语料 / corpus files: {', '.join(meta.get('corpus', []))}",
        f"- 特征 / features: {meta['features']}",
    ]
    if meta.get("lexicon"):
        lines.append(f"- 词表特征 / lexicon features: {meta['lexicon']['terms']} terms from "
                     f"`{meta['lexicon']['folder']}/` (saved in the weights)")
    lines += [
        f"- 训练参数 / training: {meta['training']}",
        "",
        "## 数据来源与数量 / Data sources and counts",
        "",
        "| 来源 / source | " + " | ".join(LABELS) + " | 合计 / total |",
        "| --- | " + " | ".join("---:" for _ in LABELS) + " | ---: |",
    ]
    for source, counts in data["sources"].items():
        lines.append(f"| {source} | " + " | ".join(str(counts.get(lb, 0)) for lb in LABELS)
                     + f" | {sum(counts.values())} |")
    lines.append("| 合计 / total | " + " | ".join(str(data["labels"].get(lb, 0)) for lb in LABELS)
                 + f" | {data['count']} |")
    report = meta.get("heldout")
    lines += ["", "## 留出集指标 / Metrics on a held-out split", ""]
    if report:
        lines += [f"留出 {report['count']} 条（按类别与来源分层）/ {report['count']} texts held out "
                  f"(stratified by label and source); the model below was then retrained on everything.", "",
                  "| 类别 / class | precision | recall | F1 | support |", "| --- | ---: | ---: | ---: | ---: |"]
        for label, row in report["per_class"].items():
            lines.append(f"| {label} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {row['support']} |")
        lines += ["", f"宏平均 F1 / macro-F1: **{report['macro_f1']:.3f}**; 准确率 / accuracy: {report['accuracy']:.3f}"]
    else:
        lines.append("未留出数据 / none held out.")
    if meta.get("notes"):
        lines += ["", meta["notes"].rstrip()]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, lang: str) -> int:
    require_extra("train", "训练分类模型", "training a model")  # scikit-learn: mijian[train]
    err = Console(stderr=True, highlight=False, soft_wrap=True, quiet=args.quiet)  # -q: errors only
    out = Path(args.output)
    lexicon_dir = Path(args.lexicon_dir) if args.lexicon_dir else None
    model, report, problems = build([Path(p) for p in args.corpus], args.holdout, args.words, args.seed,
                                    lexicon_scale=args.lexicon_features, lexicon_dir=lexicon_dir,
                                    c=args.svm_c, balance_sources=args.balance_sources)
    model.meta["name"] = out.name
    data = model.meta["data"]
    err.print(msg("read", lang, count=data["count"], sources=len(data["sources"])), markup=False)
    if args.lexicon_features:
        err.print(msg("lexicon", lang, count=len(model.featurizer.lexicon_terms),
                      path=lexicon_dir or "lexicons/", scale=args.lexicon_features), markup=False)
    if problems:
        err.print(msg("problems", lang, count=len(problems)), markup=False)
        for line in problems[:20]:
            err.print(f"  {line}", markup=False)
    if report:
        err.print(msg("heldout", lang, count=report["count"], macro=f"{report['macro_f1']:.3f}"), markup=False)
    model.save(out)
    (out / CARD_FILE).write_text(model_card(model.meta), encoding="utf-8")
    err.print(msg("saved", lang, path=out), markup=False)
    return EXIT_OK
