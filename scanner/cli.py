"""The command line: a thin layer over the library; errors become messages and exit codes here."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from scanner import __version__
from scanner.commands import EXIT_FAILED, EXIT_USAGE, add_common_options

# Every command: name -> (module, one-line help). A module is imported only when its command runs
# (or `mijian COMMAND --help` is asked for), so `mijian --help` and a scan do not load the libraries
# of the other commands. A new command is one line here plus scanner/commands/NAME.py with
# add_parser(subparsers) (keep its help= the same as here: tests/test_startup.py checks) and its
# handler; heavy libraries go inside the functions that use them.
COMMANDS: dict[str, tuple[str, str]] = {
    "scan": ("scanner.commands.scan", "扫描文件和文件夹并给出结论 / scan files and folders"),
    "watch": ("scanner.commands.watch", "网关守护进程：判定收件目录中的每个文件 / gateway daemon over inbox folders"),
    "keys": ("scanner.commands.keys", "管理审批签名密钥 / manage the approval signing keys"),
    "approve": ("scanner.commands.approve", "对外提供资料审批记录 / approval records"),
    "package": ("scanner.commands.package", "制作加密移交包并签发审批 / make an encrypted, approved handover package"),
    "lexicon": ("scanner.commands.lexicon", "词表维护 / lexicon maintenance"),
    "train": ("scanner.commands.train", "训练分类模型 / train the topic classifier"),
    "evaluate": ("scanner.commands.evaluate", "评估分类模型 / evaluate a classifier model on a labelled corpus"),
    "review": ("scanner.commands.review", "审查待审和阻断的文件并记录决定 / review flagged and blocked items"),
    "users": ("scanner.commands.users", "管理审查台账号 / manage review-console accounts"),
    "audit": ("scanner.commands.audit", "审计日志 / the audit log of decisions and releases"),
    "report": ("scanner.commands.report", "期间报告：扫描结果与审查决定 / period report with decisions"),
    "register": ("scanner.commands.register", "登记文件与数据的指纹 / registered documents and data (fingerprints)"),
}


def build_parser(load: "set[str] | None" = None) -> argparse.ArgumentParser:
    """The command line. Commands named in `load` (all when None) get their full parser, the others a
    stub with their name and help line, which is all `mijian --help` shows."""
    parser = argparse.ArgumentParser(
        prog="mijian",
        description="密检 Mijian：涉外保密泄密检查 / leak detection for foreign-related confidentiality work",
    )
    parser.add_argument("--version", action="version", version=f"mijian {__version__}")
    add_common_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for name, (module, text) in COMMANDS.items():
        if load is None or name in load:
            importlib.import_module(module).add_parser(commands)
        else:
            commands.add_parser(name, help=text, add_help=False)
    return parser


def parse_args(argv: list[str] | None, early: bool = False) -> argparse.Namespace:
    """Two passes: stubs find the command (or answer --help, --version, a usage error), then only
    that command's module is imported to parse the whole line. `early`: start what the command will
    wait for as soon as the command is known (_start_early)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    first, _ = build_parser(load=set()).parse_known_args(argv)
    if early:
        _start_early(first.command, argv)
    return build_parser(load={first.command}).parse_args(argv)


def _start_early(command: str, argv: list[str]) -> None:
    """A scan reads its files in reader processes that import the extractors and the detectors (0.3 s):
    its first reader starts here (sandbox_server.start_early), and imports them while this process
    imports the command, reads the settings and opens the database. Not for --help, nor a scan on a
    cluster; the scan stops it if it does not use it."""
    if command == "scan" and not {"-h", "--help", "--cluster"} & {arg.split("=")[0] for arg in argv}:
        from scanner import sandbox_server

        try:
            sandbox_server.start_early()
        except Exception:  # a reader is started again when the first file is read, failing closed if it must
            pass


def _configured_lang(args: argparse.Namespace) -> str:
    """`[report] lang` of the settings the command reads, when neither --lang nor MIJIAN_LANG says;
    "zh" if they cannot be read (the command itself then reports why)."""
    if args.lang or os.environ.get("MIJIAN_LANG"):
        return "zh"  # not consulted
    from scanner.config import load_config
    from scanner.errors import MijianError

    try:
        return load_config(getattr(args, "config", None)).report.lang
    except (MijianError, OSError, ValueError):
        return "zh"


def _say_config(args: argparse.Namespace, lang: str) -> None:
    """-v: which settings file the command reads, and how it was found."""
    from scanner.commands import note
    from scanner.config import FOUND_BY, find_config

    path, how = find_config(getattr(args, "config", None))
    zh, en = FOUND_BY[how]
    note(args, f"配置：{path}（{zh}）" if path else f"配置：{zh}",
         f"config: {path} ({en})" if path else f"config: {en}", lang, verbose=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, early=True)
    from rich.console import Console

    from scanner.errors import ConfigError, IngestError, MijianError
    from scanner.i18n import in_lang, resolve_lang, t
    from scanner.report.terminal import printable

    lang = resolve_lang(args.lang, _configured_lang(args))
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if args.quiet and args.verbose:
        err.print(t("error", lang, message=in_lang("-q 与 -v 不能同时使用 (-q and -v exclude each other)", lang)),
                  markup=False)
        return EXIT_USAGE
    if args.verbose:
        _say_config(args, lang)
    try:
        return args.handler(args, lang)
    except (ConfigError, IngestError) as exc:
        err.print(t("error", lang, message=printable(in_lang(str(exc), lang), lines=True)), markup=False)
        return EXIT_USAGE
    except MijianError as exc:
        err.print(t("error", lang, message=printable(in_lang(str(exc), lang), lines=True)), markup=False)
        return EXIT_FAILED
    except KeyboardInterrupt:
        err.print(t("interrupted", lang))
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except OSError as exc:  # e.g. the report file cannot be written
        err.print(t("error", lang, message=printable(in_lang(f"{exc.strerror}: {exc.filename}", lang))), markup=False)
        return EXIT_FAILED
