"""`mijian lexicon check`: find duplicate, malformed and always-allowed terms in the lexicons."""

from __future__ import annotations

import argparse
from pathlib import Path

from scanner.commands import EXIT_FOUND, EXIT_OK, add_common_options
from scanner.config import load_config
from scanner.detect.lexicon import ALLOW_FILE, CONTEXT_FILE
from scanner.detect.lexicon_check import check_lexicons
from scanner.detect.public import PUBLIC_FILE
from scanner.detect.registry import lexicon_folder
from scanner.detect.signals import WINDOW_FILE
from scanner.errors import ConfigError
from scanner.model import CATEGORIES

# Every file check_lexicons reads in a folder: a folder with none of them was not checked at all.
_CHECKED = tuple(f"{c}.txt" for c in CATEGORIES) + (CONTEXT_FILE, ALLOW_FILE, PUBLIC_FILE, WINDOW_FILE)


def add_parser(subparsers) -> None:
    lexicon = subparsers.add_parser("lexicon", help="词表维护 / lexicon maintenance")
    add_common_options(lexicon)
    actions = lexicon.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="检查词表 / check the lexicons")
    add_common_options(check)
    check.add_argument("folder", nargs="?", help="词表目录（默认取配置）/ lexicon folder (default: configured)")
    check.set_defaults(handler=run_check)


def checked_paths(folder: Path, other: Path | None, allow: Path | None) -> None:
    """Refuse what would otherwise be checked as nothing and reported as "0 problems": a missing
    folder, a file given as the folder, a configured list that is missing, a folder with no lexicon."""
    if not folder.exists():
        raise ConfigError(f"词表目录不存在：{folder} (lexicon folder not found: {folder})")
    if not folder.is_dir():
        raise ConfigError(f"不是目录：{folder}（请给出词表所在的文件夹）(not a folder: {folder}; "
                          f"give the folder that holds the lexicons)")
    if other is not None and not other.is_file():
        raise ConfigError(f"保密事项范围词表不存在：{other} (secret-scope list not found: {other})")
    if allow is not None and not allow.is_file():
        raise ConfigError(f"允许列表不存在：{allow} (allow-list not found: {allow})")
    if other is None and not any((folder / name).is_file() for name in _CHECKED):
        raise ConfigError(f"目录中没有词表文件：{folder} "
                          f"(no lexicon files such as defense.txt in: {folder})")


def run_check(args: argparse.Namespace, lang: str) -> int:
    config = load_config(args.config)
    folder = Path(args.folder) if args.folder else lexicon_folder(config)
    other = Path(config.detect.other_lexicon) if config.detect.other_lexicon else None
    allow = Path(config.detect.allow_list) if config.detect.allow_list else None
    checked_paths(folder, other, allow)
    problems = check_lexicons(folder, other, allow)
    for problem in problems:
        print(f"{problem.code} {problem}")
    print(f"{len(problems)} 个问题 ({folder})" if lang != "en" else f"{len(problems)} problems ({folder})")
    return EXIT_FOUND if problems else EXIT_OK
