"""Subcommands of `mijian`, one module each; every module has add_parser(subparsers).

This package holds what the commands share; `scanner.cli` lists the commands, so a command module
importing these helpers never imports itself back."""

from __future__ import annotations

import argparse

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3


def add_common_options(parser: argparse.ArgumentParser, suppress: bool = True) -> None:
    """--config and --lang, accepted before or after the subcommand."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--config", metavar="FILE", default=default,
                        help="配置文件 (TOML)；默认读取 $MIJIAN_CONFIG，再用内置默认值 / settings file")
    parser.add_argument("--lang", choices=["zh", "en"], default=default,
                        help="界面语言 / language of messages and reports (default: zh)")


def add_db_option(parser: argparse.ArgumentParser) -> None:
    from scanner.store.db import default_db_path

    parser.add_argument("--db", metavar="FILE", help=f"SQLite 数据库 / database (default: {default_db_path()})")


def open_store(args: argparse.Namespace):
    from pathlib import Path

    from scanner.store.db import Store, default_db_path

    return Store(Path(args.db) if getattr(args, "db", None) else default_db_path())

