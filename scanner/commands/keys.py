"""`mijian keys init`: the security office's signing key pair for approval records."""

from __future__ import annotations

import argparse
from pathlib import Path

import platformdirs
from rich.console import Console

from scanner.commands import EXIT_OK, add_common_options
from scanner.policy.keys import init_keys


def add_parser(subparsers) -> None:
    keys = subparsers.add_parser("keys", help="管理审批签名密钥 / manage the approval signing keys")
    add_common_options(keys)
    actions = keys.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="生成签名密钥对（不覆盖已有密钥）/ create a key pair (never overwrites)")
    add_common_options(init)
    init.add_argument("--dir", metavar="DIR", default=None,
                      help="密钥目录 / key folder (default: the user's config dir, e.g. ~/.config/mijian)")
    init.set_defaults(handler=run_init)


def run_init(args: argparse.Namespace, lang: str) -> int:
    folder = Path(args.dir) if args.dir else Path(platformdirs.user_config_dir("mijian"))
    private_path, public_path = init_keys(folder)
    out = Console(highlight=False, soft_wrap=True)
    if lang == "en":
        out.print(f"private key (keep it at the security office, mode 0600): {private_path}")
        out.print(f"public key (give it to the gateways: approvals.public_key): {public_path}")
    else:
        out.print(f"私钥（仅保存在保密办，权限 0600）：{private_path}")
        out.print(f"公钥（分发给各网关，配置项 approvals.public_key）：{public_path}")
    return EXIT_OK
