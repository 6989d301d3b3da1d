"""The command line: a thin layer over the library; errors become messages and exit codes here."""

from __future__ import annotations

import argparse
import os
import sys

from rich.console import Console

from scanner import __version__
from scanner.commands import EXIT_FAILED, EXIT_USAGE, add_common_options
from scanner.commands import approve, audit, evaluate, keys, lexicon, package, report, review, scan, train, users, watch
from scanner.errors import ConfigError, IngestError, MijianError
from scanner.i18n import resolve_lang, t
from scanner.report.terminal import printable

COMMANDS = [scan, watch, keys, approve, package, lexicon, train, evaluate, review, users, audit, report]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mijian",
        description="密检 Mijian：涉外保密泄密检查 / leak detection for foreign-related confidentiality work",
    )
    parser.add_argument("--version", action="version", version=f"mijian {__version__}")
    add_common_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for module in COMMANDS:
        module.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    lang = resolve_lang(args.lang)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        return args.handler(args, lang)
    except (ConfigError, IngestError) as exc:
        err.print(t("error", lang, message=printable(exc, lines=True)), markup=False)
        return EXIT_USAGE
    except MijianError as exc:
        err.print(t("error", lang, message=printable(exc, lines=True)), markup=False)
        return EXIT_FAILED
    except KeyboardInterrupt:
        err.print(t("interrupted", lang))
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except OSError as exc:  # e.g. the report file cannot be written
        err.print(t("error", lang, message=printable(f"{exc.strerror}: {exc.filename}")), markup=False)
        return EXIT_FAILED
