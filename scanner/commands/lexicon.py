"""`mijian lexicon check`: find duplicate, malformed and always-allowed terms in the lexicons."""

from __future__ import annotations

import argparse
from pathlib import Path

from scanner.commands import EXIT_FOUND, EXIT_OK, add_common_options
from scanner.config import load_config
from scanner.detect.lexicon_check import check_lexicons
from scanner.detect.registry import lexicon_folder


def add_parser(subparsers) -> None:
    lexicon = subparsers.add_parser("lexicon", help="词表维护 / lexicon maintenance")
    add_common_options(lexicon)
    actions = lexicon.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="检查词表 / check the lexicons")
    add_common_options(check)
    check.add_argument("folder", nargs="?", help="词表目录（默认取配置）/ lexicon folder (default: configured)")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace, lang: str) -> int:
    config = load_config(args.config)
    folder = Path(args.folder) if args.folder else lexicon_folder(config)
    other = Path(config.detect.other_lexicon) if config.detect.other_lexicon else None
    allow = Path(config.detect.allow_list) if config.detect.allow_list else None
    problems = check_lexicons(folder, other, allow)
    for problem in problems:
        print(f"{problem.code} {problem}")
    print(f"{len(problems)} 个问题 ({folder})" if lang != "en" else f"{len(problems)} problems ({folder})")
    return EXIT_FOUND if problems else EXIT_OK
