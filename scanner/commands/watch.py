"""`mijian watch`: run the gateway daemon over the inboxes of the config's [watch] table."""

from __future__ import annotations

import argparse
from dataclasses import replace

from scanner.commands import EXIT_OK, add_common_options, add_db_option, note, resolve_db
from scanner.config import find_config, load_config
from scanner.errors import ConfigError


def add_parser(subparsers) -> None:
    watch = subparsers.add_parser(
        "watch", help="网关守护进程：判定收件目录中的每个文件 / gateway daemon over inbox folders",
        epilog="退出码 / exit codes: 0 已停止 stopped, 2 配置错误 config error, 3 运行错误 runtime error, "
               "4 数据库错误 database error（致命错误均记为一行 JSON 日志 / every fatal error is one JSON log line）")
    add_common_options(watch)
    add_db_option(watch)
    watch.add_argument("--workers", type=int, metavar="N", help="检测进程数（覆盖 watch.workers）/ worker processes")
    watch.add_argument("--health-file", metavar="FILE",
                       help="健康状态文件，每秒更新（覆盖 watch.health_file）/ health file, rewritten every second")
    watch.add_argument("--metrics-port", type=int, metavar="PORT",
                       help="在本机回环端口提供 /metrics 和 /health（覆盖 watch.metrics_port）/ loopback port for metrics")
    watch.add_argument("--log-file", metavar="FILE", help="JSON 日志写入文件，默认标准错误 / JSON log file (default: stderr)")
    watch.add_argument("--once", action="store_true",
                       help="处理完收件目录中现有的文件后退出 / exit once the inboxes are empty")
    watch.add_argument("--check", action="store_true", help="只检查配置并退出 / check the config and exit")
    watch.set_defaults(handler=run)


def run(args: argparse.Namespace, lang: str) -> int:
    """`--check` answers a person (messages, exit 2 on a bad config); the daemon logs every fatal error
    as one JSON line with a code and exits 2 (config), 3 (runtime) or 4 (database): scanner/ingest/fatal.py."""
    if args.check:
        config_path, config, settings, _ = _settings(args)
        note(args, f"配置有效：{len(settings.inboxes)} 个收件目录，暂存目录 {settings.spool}",
             f"config is valid: {len(settings.inboxes)} inboxes, spool {settings.spool}", lang)
        return EXIT_OK
    from scanner.ingest.fatal import guarded
    from scanner.ingest.metrics import setup_logging

    setup_logging("", "info")  # an error before the config (or the log file) is read is a JSON line too
    return guarded(lambda: _start(args))


def _start(args: argparse.Namespace) -> int:
    from scanner.ingest.metrics import setup_logging
    from scanner.ingest.watch import run_watch

    config_path, config, settings, db_path = _settings(args)
    setup_logging(settings.log_file, settings.log_level)
    return run_watch(config, settings, config_path=config_path, db_path=db_path, once=args.once)


def _settings(args: argparse.Namespace):
    from scanner.ingest.watch_config import parse_watch

    config_path, _ = find_config(getattr(args, "config", None))
    if config_path is None:
        raise ConfigError("mijian watch 需要配置文件（--config、$MIJIAN_CONFIG、/etc/mijian/mijian.toml 或用户配置目录）"
                          "(mijian watch needs a config file: --config, $MIJIAN_CONFIG, /etc/mijian/mijian.toml "
                          "or the user config dir)")
    config_path = str(config_path)
    config = load_config(config_path)
    settings = parse_watch(config)
    overrides = {key: value for key, value in (("workers", args.workers), ("health_file", args.health_file),
                                               ("metrics_port", args.metrics_port), ("log_file", args.log_file))
                 if value is not None}
    if "workers" in overrides and overrides["workers"] < 1:
        raise ConfigError("选项 --workers 必须至少为 1 (--workers must be at least 1)")
    if "metrics_port" in overrides and not 0 <= overrides["metrics_port"] <= 65535:
        raise ConfigError("选项 --metrics-port 应在 0–65535 之间 (--metrics-port must be 0-65535)")
    if getattr(args, "quiet", False):
        overrides["log_level"] = "error"
    elif getattr(args, "verbose", False):
        overrides["log_level"] = "debug"
    settings = replace(settings, **overrides)
    db_path = str(resolve_db(args, config))
    return config_path, config, settings, db_path
