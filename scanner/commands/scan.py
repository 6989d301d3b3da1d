"""`mijian scan`: decide every file under the given paths, record the run, print or write the report."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from scanner.commands import EXIT_FOUND, EXIT_OK, add_common_options
from scanner.config import load_config
from scanner.i18n import t
from scanner.report import write_report
from scanner.report.terminal import printable
from scanner.scan import scan_paths
from scanner.store.db import Store, default_db_path


def add_parser(subparsers) -> None:
    scan = subparsers.add_parser("scan", help="扫描文件和文件夹并给出结论 / scan files and folders")
    add_common_options(scan)
    scan.add_argument("paths", nargs="+", metavar="PATH", help="要扫描的文件或文件夹 / files or folders")
    scan.add_argument("--db", metavar="FILE", help=f"SQLite 数据库 / database (default: {default_db_path()})")
    scan.add_argument("--rescan", action="store_true",
                      help="不沿用未变文件的历史结果 / do not reuse stored results for unchanged files")
    scan.add_argument("--format", choices=["table", "jsonl", "json", "csv", "sarif"], default="table",
                      help="输出格式 / output format (default: table)")
    scan.add_argument("-o", "--output", metavar="FILE", help="输出写入文件 / write the output to FILE")
    scan.add_argument("--html", metavar="FILE", help="另存 HTML 报告 / also write a self-contained HTML report")
    scan.add_argument("--fail-on", choices=["flag", "block", "never"], default="flag",
                      help="何种结论使退出码为 1 / which verdicts make the exit code 1 (default: flag)")
    scan.add_argument("--destination", choices=["external", "internal"],
                      help="去向（默认取配置 policy.destination）/ where the files go (default: policy.destination)")
    scan.add_argument("--recipient", help="接收方，用于核对审批 / recipient, checked against approvals")
    scan.add_argument("--simulate", action="store_true",
                      help="模拟：按策略评估但不写数据库 / evaluate the policy without recording anything")
    scan.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                      help="并行进程数 / worker processes (default: 1; 0 = one per CPU core)")
    scan.add_argument("--no-progress", action="store_true", help="不显示进度条 / hide the progress bar")
    scan.set_defaults(handler=run)


def _exit_code(counts: dict[str, int], fail_on: str) -> int:
    if fail_on == "never":
        return EXIT_OK
    if counts["block"] or (fail_on == "flag" and counts["flag"]):
        return EXIT_FOUND
    return EXIT_OK


def run(args: argparse.Namespace, lang: str) -> int:
    config = load_config(args.config)
    if args.destination:
        config = replace(config, policy=replace(config.policy, destination=args.destination))
    if args.recipient:
        config = replace(config, approvals=replace(config.approvals, recipient=args.recipient))
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    db_path = Path(args.db) if args.db else default_db_path()
    show_progress = not args.no_progress and sys.stderr.isatty()
    with ExitStack() as stack:
        store = Store(db_path)
        stack.callback(store.close)
        progress = None
        task = None
        if show_progress:
            progress = stack.enter_context(Progress(
                TextColumn(t("progress", lang)), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                console=err, transient=True,
            ))

        def on_start(total: int) -> None:
            nonlocal task
            if progress is not None:
                task = progress.add_task("scan", total=total)

        def on_item(_result) -> None:
            if progress is not None:
                progress.advance(task)

        jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 1)
        # JSON Lines without an HTML report is written as each file is decided: a script reading the
        # output sees results at once, and memory stays flat over any number of files.
        stream = args.format == "jsonl" and not args.html
        out = None
        if stream:
            out = stack.enter_context(open(args.output, "w", encoding="utf-8", newline="")) if args.output \
                else sys.stdout

        def on_tree(tree) -> None:
            write_report("jsonl", tree, out, lang)
            out.flush()

        run = scan_paths(args.paths, config, store=store, rescan=args.rescan, jobs=jobs,
                         record=not args.simulate, on_start=on_start, on_item=on_item,
                         on_tree=on_tree if stream else None, keep=not stream)
    results = run.results
    if stream:
        if args.output:
            err.print(t("written", lang, path=printable(args.output)), markup=False)
    elif args.output:
        bom = args.format == "csv" and config.report.csv_bom  # Excel reads a CSV as UTF-8 only with one
        with open(args.output, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            write_report(args.format, results, fh, lang)
        err.print(t("written", lang, path=printable(args.output)), markup=False)
    else:
        write_report(args.format, results, sys.stdout, lang)
    if args.html:
        with open(args.html, "w", encoding="utf-8") as fh:
            write_report("html", results, fh, lang)
        err.print(t("written", lang, path=printable(args.html)), markup=False)
    if args.format != "table" or args.output:
        counts = run.counts
        err.print(t("summary", lang, total=run.total, **counts))
    return _exit_code(run.counts, args.fail_on)
