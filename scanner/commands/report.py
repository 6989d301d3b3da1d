"""`mijian report --since DATE --html FILE [--pdf FILE]`: the printable period report, with decisions."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from scanner.commands import EXIT_OK, add_common_options, add_db_option, note, open_store
from scanner.errors import ConfigError


def add_parser(subparsers) -> None:
    report = subparsers.add_parser("report", help="期间报告：扫描结果与审查决定 / period report with decisions")
    add_common_options(report)
    add_db_option(report)
    report.add_argument("--since", required=True, metavar="DATE", help="起始日期 YYYY-MM-DD / first day")
    report.add_argument("--until", metavar="DATE", help="截止日期 YYYY-MM-DD（默认今天）/ last day (default: today)")
    report.add_argument("--html", metavar="FILE", help="写入 HTML 报告 / write the HTML report")
    report.add_argument("--pdf", metavar="FILE", help="用本机 chromium 打印为 PDF / print to PDF with a local chromium")
    report.set_defaults(handler=run)


def run(args: argparse.Namespace, lang: str) -> int:
    from scanner.review.report import html_to_pdf, render_period_report
    from scanner.store.review import ReviewStore

    for name in ("since", "until"):
        value = getattr(args, name)
        if value and not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
            raise ConfigError(f"选项 --{name} 应为 YYYY-MM-DD：{value} (--{name} must be YYYY-MM-DD)")
    if not args.html and not args.pdf:
        raise ConfigError("请指定 --html 或 --pdf (give --html or --pdf)")
    review = ReviewStore(open_store(args))
    try:
        html = render_period_report(review, args.since, args.until, lang)
    finally:
        review.store.close()
    if args.html:
        Path(args.html).write_text(html, encoding="utf-8")
        note(args, f"报告已写入：{args.html}", f"report written: {args.html}", lang)
    if args.pdf:
        html_to_pdf(html, Path(args.pdf))
        note(args, f"报告已写入：{args.pdf}", f"report written: {args.pdf}", lang)
    return EXIT_OK
