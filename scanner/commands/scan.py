"""`mijian scan`: decide every file under the given paths, record the run, print or write the report."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from dataclasses import replace

from scanner.commands import EXIT_FOUND, EXIT_OK, add_common_options, add_db_option, resolve_db
from scanner.config import Config, load_config
from scanner.errors import ConfigError, MijianError
from scanner.i18n import t
from scanner.report.terminal import printable


def add_parser(subparsers) -> None:
    scan = subparsers.add_parser("scan", help="扫描文件和文件夹并给出结论 / scan files and folders")
    add_common_options(scan)
    scan.add_argument("paths", nargs="*", metavar="PATH",
                      help="要扫描的文件或文件夹（--resume 时可省略）/ files or folders (optional with --resume)")
    add_db_option(scan)
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
    scan.add_argument("--resume", type=int, metavar="RUN_ID",
                      help="继续未完成的扫描任务：已记录且未变的文件不再扫描 / continue a run: files recorded "
                           "with the same bytes and rules are not scanned again")
    scan.add_argument("--cluster", metavar="ADDRESS",
                      help="在 Dask 集群上扫描：tcp://主机:8786 或 local:N / scan on a Dask cluster: "
                           "a scheduler's tcp://host:8786, or local:N worker processes here")
    scan.set_defaults(handler=run)


def _exit_code(counts: dict[str, int], fail_on: str) -> int:
    if fail_on == "never":
        return EXIT_OK
    if counts["block"] or (fail_on == "flag" and counts["flag"]):
        return EXIT_FOUND
    return EXIT_OK


def _check_usage(args: argparse.Namespace) -> None:
    if not args.paths and args.resume is None:
        raise ConfigError("请给出要扫描的路径，或用 --resume RUN_ID 继续扫描任务 "
                          "(give the paths to scan, or --resume RUN_ID to continue a run)")
    if args.paths and args.resume is not None:
        raise ConfigError("--resume 沿用该任务的路径，不能另给路径 (--resume scans the run's own paths: give no PATH)")
    if args.cluster and args.jobs != 1:
        raise ConfigError("--cluster 与 --jobs 不能同用：并行数由集群的工作进程决定 "
                          "(--cluster and --jobs exclude each other: the cluster's workers set the parallelism)")


def _run_paths(store, run_id: int) -> list[str]:
    """The paths of a run to resume, for the progress bar's count (scan_paths checks them)."""
    from scanner.store.runs import get_run

    try:
        return json.loads(get_run(store, run_id)["paths"] or "[]")
    except MijianError:
        return []


def _early_readers(args: argparse.Namespace, config: Config, jobs: int):
    """The reader processes of the scan, None when files are read in this process or on a cluster.

    The first reader was forked before the line was even parsed (cli.py, sandbox_server.start_early),
    and imports the extractors and detectors meanwhile; it is sent the first file that is not stored
    already, and builds its engine then. So a scan whose every file is stored builds no engine. With
    --jobs N, the N readers fork from the fork server and build their engines at once (scan._parallel);
    the early one, which counted on reading alone, is stopped."""
    from scanner import sandbox_server

    if args.cluster or not config.scan.isolate or jobs != 1:
        sandbox_server.drop_early()
    if args.cluster or not config.scan.isolate:
        return None
    from scanner.sandbox import SandboxPool

    return SandboxPool(jobs)


def run(args: argparse.Namespace, lang: str) -> int:
    config = load_config(args.config)
    if args.destination:
        config = replace(config, policy=replace(config.policy, destination=args.destination))
    if args.recipient:
        config = replace(config, approvals=replace(config.approvals, recipient=args.recipient))
    db_path = resolve_db(args, config, lang)
    _check_usage(args)
    jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 1)
    show_progress = not (args.no_progress or args.quiet) and sys.stderr.isatty()
    with ExitStack() as stack:
        readers = _early_readers(args, config, jobs)
        if readers is not None:
            stack.callback(readers.close)
        from rich.console import Console

        from scanner.report import write_report
        from scanner.scan import scan_paths
        from scanner.store.db import Store

        err = Console(stderr=True, highlight=False, soft_wrap=True, quiet=args.quiet)  # -q: errors only (cli.py)
        store = Store(db_path)
        stack.callback(store.close)
        backend = None
        if args.cluster:
            from scanner.cluster.client import ClusterBackend  # dask is imported only for --cluster

            backend = stack.enter_context(ClusterBackend(args.cluster, config))
        progress = None
        if show_progress:
            from scanner.commands.progress import ScanProgress

            paths = args.paths or (_run_paths(store, args.resume) if args.resume else [])
            progress = stack.enter_context(ScanProgress(err, lang, paths, config.scan.follow_symlinks))
        run_id = None

        def on_run(started: int | None) -> None:
            nonlocal run_id
            run_id = started

        def on_item(result) -> None:
            if progress is not None:
                progress.item(result)

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

        try:
            run = scan_paths(args.paths, config, store=store, rescan=args.rescan, jobs=jobs,
                             record=not args.simulate, on_run=on_run, on_item=on_item,
                             on_tree=on_tree if stream else None, keep=not stream, resume=args.resume,
                             backend=backend, readers=readers)
        except (KeyboardInterrupt, MijianError):
            if run_id is not None:  # what was recorded stays: say how to go on
                err.print(t("resume_hint", lang, run=run_id), markup=False)
            raise
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
    if run.resumed and not args.quiet:
        err.print(t("resumed", lang, run=run.run_id, count=run.resumed), markup=False)
    if (args.format != "table" or args.output) and not args.quiet:
        counts = run.counts
        err.print(t("summary", lang, total=run.total, **counts))
    return _exit_code(run.counts, args.fail_on)
