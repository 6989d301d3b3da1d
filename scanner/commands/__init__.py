"""Subcommands of `mijian`, one module each; every module has add_parser(subparsers).

This package holds what the commands share; `scanner.cli` lists the commands, so a command module
importing these helpers never imports itself back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3


def add_common_options(parser: argparse.ArgumentParser, suppress: bool = True) -> None:
    """--config, --lang, -q and -v, accepted before or after the subcommand."""
    default = argparse.SUPPRESS if suppress else None
    flag = argparse.SUPPRESS if suppress else False
    parser.add_argument("--config", metavar="FILE", default=default,
                        help="配置文件 (TOML)；默认依次查找 $MIJIAN_CONFIG、/etc/mijian/mijian.toml、"
                             "用户配置目录下的 mijian.toml，再用内置默认值 / settings file")
    parser.add_argument("--lang", choices=["zh", "en"], default=default,
                        help="界面语言 / language of messages and reports (default: zh)")
    parser.add_argument("-q", "--quiet", action="store_true", default=flag,
                        help="只显示错误（不显示进度、汇总和提示）/ errors only: no progress, summaries or notes")
    parser.add_argument("-v", "--verbose", action="store_true", default=flag,
                        help="显示更多信息（所用的配置文件和数据库）/ more detail: which config and database are used")


def note(args: argparse.Namespace, zh: str, en: str, lang: str | None = None, verbose: bool = False) -> None:
    """A message on stderr for a person: never with -q; with `verbose`, only with -v."""
    if getattr(args, "quiet", False) or (verbose and not getattr(args, "verbose", False)):
        return
    if lang is None:
        from scanner.i18n import resolve_lang

        lang = resolve_lang(getattr(args, "lang", None))
    print(zh if lang == "zh" else en, file=sys.stderr, flush=True)


def add_db_option(parser: argparse.ArgumentParser) -> None:
    from scanner.store.db import default_db_path

    parser.add_argument("--db", metavar="FILE",
                        help=f"SQLite 数据库；默认取配置 [watch] db，再用 {default_db_path()} "
                             f"/ database (default: the config's [watch] db, then {default_db_path()})")


def resolve_db(args: argparse.Namespace, config=None, lang: str | None = None) -> Path:
    """The database of every command that opens one: --db, then the config's `[watch] db` (the config
    from --config, $MIJIAN_CONFIG or the discovered file), then the user data dir. -v says which."""
    from scanner.config import configured_db, load_config
    from scanner.store.db import default_db_path

    given = getattr(args, "db", None)
    if given:
        path, zh, en = Path(given), "--db", "--db"
    else:
        if config is None:
            config = load_config(getattr(args, "config", None))
        configured = configured_db(config)
        if configured:
            path, zh, en = Path(configured), f"配置 {config.source} 的 [watch] db", f"[watch] db of {config.source}"
        else:
            path, zh, en = default_db_path(), "默认位置", "the default location"
    note(args, f"数据库：{path}（{zh}）", f"database: {path} ({en})", lang, verbose=True)
    return path


def open_store(args: argparse.Namespace, config=None, lang: str | None = None):
    """The Store at resolve_db(args, config)."""
    from scanner.store.db import Store

    return Store(resolve_db(args, config, lang))
