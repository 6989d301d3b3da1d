"""`mijian users add/passwd/disable/enable/list`: the console's accounts (officers decide, administrators manage)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from scanner.commands import EXIT_OK, add_common_options, add_db_option, open_store


def add_parser(subparsers) -> None:
    users = subparsers.add_parser("users", help="管理审查台账号 / manage review-console accounts")
    add_common_options(users)
    actions = users.add_subparsers(dest="users_command", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="添加账号 / add an account")
    add.add_argument("username", metavar="NAME")
    add.add_argument("--role", choices=["officer", "admin"], required=True,
                     help="officer 保密专员（可作决定）或 admin 管理员（管理账号）/ role")
    add.add_argument("--password-stdin", action="store_true",
                     help="从标准输入读取密码（默认交互输入两次）/ read the password from stdin")
    passwd = actions.add_parser("passwd", help="设置新密码，并结束该账号的所有会话 / set a new password, ending "
                                                "every session of the account")
    passwd.add_argument("username", metavar="NAME")
    passwd.add_argument("--password-stdin", action="store_true",
                        help="从标准输入读取新密码（默认交互输入两次）/ read the new password from stdin")
    passwd.set_defaults(handler=run_passwd)
    for name, text in (("disable", "停用账号（并结束其所有会话）/ disable an account (ending its sessions)"),
                       ("enable", "重新启用账号 / enable an account")):
        p = actions.add_parser(name, help=text)
        p.add_argument("username", metavar="NAME")
        p.set_defaults(handler=run_toggle, disabled=name == "disable")
    ls = actions.add_parser("list", help="列出账号 / list accounts")
    for p in (add, passwd, ls, actions.choices["disable"], actions.choices["enable"]):
        add_common_options(p)
        add_db_option(p)
    add.set_defaults(handler=run_add)
    ls.set_defaults(handler=run_list)


def _actor() -> str:
    return f"cli:{os.environ.get('USER') or getpass.getuser()}"


def _review(args):
    from scanner.store.review import ReviewStore

    return ReviewStore(open_store(args))


def _new_password(args) -> str:
    from scanner.review.errors import ReviewError

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("密码 / password: ")
    if getpass.getpass("再输入一次 / again: ") != password:
        raise ReviewError("两次输入的密码不一致 (the passwords differ)")
    return password


def run_add(args: argparse.Namespace, lang: str) -> int:
    from scanner.review.auth import add_user

    password = _new_password(args)
    review = _review(args)
    try:
        user = add_user(review, args.username, args.role, password, _actor())
    finally:
        review.store.close()
    print(f"已添加 {user.username}（{user.role}）" if lang == "zh" else f"added {user.username} ({user.role})")
    return EXIT_OK


def run_passwd(args: argparse.Namespace, lang: str) -> int:
    from scanner.review.auth import change_password

    password = _new_password(args)
    review = _review(args)
    try:
        change_password(review, args.username, password, _actor())
    finally:
        review.store.close()
    print(f"已为 {args.username} 设置新密码，其会话均已结束" if lang == "zh"
          else f"new password set for {args.username}; its sessions are ended")
    return EXIT_OK


def run_toggle(args: argparse.Namespace, lang: str) -> int:
    review = _review(args)
    try:
        review.set_disabled(args.username, args.disabled, _actor())
    finally:
        review.store.close()
    zh, en = ("已停用", "disabled") if args.disabled else ("已启用", "enabled")
    print(f"{zh} {args.username}" if lang == "zh" else f"{en} {args.username}")
    return EXIT_OK


def run_list(args: argparse.Namespace, lang: str) -> int:
    review = _review(args)
    try:
        for user in review.users():
            state = ("已停用" if lang == "zh" else "disabled") if user.disabled else ("在用" if lang == "zh" else "active")
            print(f"{user.username}\t{user.role}\t{state}\t{user.created_at}")
    finally:
        review.store.close()
    return EXIT_OK
