"""`mijian review list/show/decide/serve`: the officer's queue on the command line, and the web console."""

from __future__ import annotations

import argparse
import json
import sys

from scanner.commands import EXIT_OK, add_common_options, add_db_option, note, resolve_db
from scanner.report.terminal import printable


def add_parser(subparsers) -> None:
    review = subparsers.add_parser("review", help="审查待审和阻断的文件并记录决定 / review flagged and blocked items")
    add_common_options(review)
    actions = review.add_subparsers(dest="review_command", metavar="ACTION")
    actions.required = True

    def common(p: argparse.ArgumentParser) -> None:
        add_common_options(p)
        add_db_option(p)

    ls = actions.add_parser("list", help="列出待审队列 / list the queue")
    common(ls)
    ls.add_argument("--verdict", choices=["flag", "block"], help="按结论筛选 / only this verdict")
    ls.add_argument("--category", metavar="CLASS", help="按类别筛选（如 defense）/ only this class")
    ls.add_argument("--inbox", help="按网关收件目录筛选 / only this gateway inbox")
    ls.add_argument("--status", choices=["all", "decided", "open", "released", "kept_blocked", "approval_requested"],
                    help="按处理状态筛选（默认 open 待处理；all 为全部，decided 为已有决定）/ only this "
                                         "status (default: open; all: every item; decided: any decision)")
    ls.add_argument("--search", metavar="TEXT", default="",
                    help="在文件名、发件人和接收方中查找（不区分大小写）/ find in file name, sender and recipient "
                         "(case-insensitive)")
    ls.add_argument("--since", metavar="DATE", help="扫描日期不早于 YYYY-MM-DD / scanned on or after")
    ls.add_argument("--until", metavar="DATE", help="扫描日期不晚于 YYYY-MM-DD / scanned on or before")
    ls.add_argument("--sort", choices=["time", "verdict", "path", "inbox", "status", "id"], default="time",
                    help="排序字段 / sort by (default: time)")
    ls.add_argument("--asc", action="store_true", help="升序（默认降序）/ ascending order (default: descending)")
    ls.add_argument("--limit", type=int, default=50, metavar="N", help="最多显示条数 / at most N rows (default: 50)")
    ls.add_argument("--json", action="store_true", help="输出 JSON 行 / print JSON lines")
    ls.set_defaults(handler=run_list)

    show = actions.add_parser("show", help="显示一个条目的结论、证据和决定 / show one item")
    common(show)
    show.add_argument("item", type=int, metavar="ITEM", help="条目编号 / item id")
    show.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    show.set_defaults(handler=run_show)

    dec = actions.add_parser("decide", help="记录决定：放行、维持阻断、要求审批 / record a decision")
    common(dec)
    dec.add_argument("item", type=int, metavar="ITEM", help="条目编号 / item id")
    dec.add_argument("--action", required=True, choices=["release", "keep-blocked", "request-approval"],
                     help="决定 / the decision")
    dec.add_argument("--reason", required=True, help="书面理由（记入审计日志）/ written reason (audited)")
    dec.add_argument("--officer", required=True, metavar="USER", help="作出决定的保密专员账号 / the officer's account")
    dec.add_argument("--replaces", type=int, default=0, metavar="DECISION",
                     help="再次决定时，所替代的最新决定编号（review show 所示）；省略时条目须尚未决定 / when deciding "
                          "again, the id of the latest decision it replaces (from review show); without it the item "
                          "must be undecided")
    dec.add_argument("--password-stdin", action="store_true",
                     help="从标准输入读取专员密码（默认交互输入）/ read the officer's password from stdin "
                          "(default: asked for)")
    dec.set_defaults(handler=run_decide)

    serve = actions.add_parser("serve", help="启动网页审查台 / start the web console")
    common(serve)
    serve.add_argument("--host", default="127.0.0.1", help="监听地址 / address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="端口 / port (default: 8765)")
    serve.set_defaults(handler=run_serve)


def _open(args):
    """The review store and, when the config has a [watch] table, the gateway's spool."""
    from pathlib import Path

    from scanner.config import load_config
    from scanner.ingest.spool import Spool
    from scanner.ingest.watch_config import parse_watch
    from scanner.store.db import Store
    from scanner.store.review import ReviewStore

    config = load_config(getattr(args, "config", None))
    settings = parse_watch(config) if config.watch else None
    db_path = str(resolve_db(args, config))
    store = Store(Path(db_path))
    return ReviewStore(store), (Spool(settings) if settings else None), db_path


def run_list(args: argparse.Namespace, lang: str) -> int:
    from scanner.review.queue import DEFAULT_STATUS, Filters, list_items
    from scanner.review.text import category_name, translator

    review, _, _ = _open(args)
    try:
        filters = Filters(verdict=args.verdict or "", category=args.category or "", inbox=args.inbox or "",
                          status=args.status or DEFAULT_STATUS, q=args.search, since=args.since or "",
                          until=args.until or "", sort=args.sort, order="asc" if args.asc else "desc",
                          per_page=max(1, min(args.limit, 200)))
        page = list_items(review, filters)
    finally:
        review.store.close()
    _ = translator(lang)
    for row in page.rows:
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
            continue
        labels = "、".join(category_name(c, lang) for c in (row["labels"] or "").split(",") if c)
        print(f"{row['id']:>6}  {_('verdict.' + row['verdict'])}  {_('status.' + row['status'])}  "
              f"{row['scanned_at'][:16].replace('T', ' ')}  {row['inbox'] or '-'}  {printable(row['path'])}  {labels}")
    if not args.json:
        page_line = _("page", page=1, pages=page.pages, total=page.total)
        note(args, page_line, page_line, lang)
    return EXIT_OK


def run_show(args: argparse.Namespace, lang: str) -> int:
    from scanner.i18n import location_text
    from scanner.review.audit import confirmed_history
    from scanner.review.queue import get_item
    from scanner.review.text import category_name, translator

    review, _, _ = _open(args)
    try:
        row, _result, doc = get_item(review, args.item)
        history = confirmed_history(review, review.decisions(item_id=args.item))
    finally:
        review.store.close()
    if args.json:
        print(json.dumps({"item": row, "result": doc, "decisions": history}, ensure_ascii=False, indent=2))
        return EXIT_OK
    _ = translator(lang)
    print(f"{row['id']}  {_('verdict.' + row['verdict'])}  {printable(row['path'])}")
    print(f"SHA-256 {row['sha256']}  {_('status')}: {_('status.' + row['status'])}  {_('inbox')}: {row['inbox'] or '-'}")
    for r in doc["reasons"]:
        print(f"  {r['code']}  {printable(r['message_en'] if lang == 'en' else r['message'])}")
    for m in doc["markings"]:
        print(f"  {_('markings')}: {printable(m['text'])}  ({printable(location_text(m['location'], lang))})")
    for f in doc["findings"][:20]:
        ctx = f.get("context") or {}
        where = location_text(f["location"], lang)
        print(printable(f"  {_('evidence')}: …{ctx.get('before', '')}【{f['text']}】{ctx.get('after', '')}…  "
                        f"({where}; {category_name(f['category'], lang) if f['category'] else '-'})".replace("\n", " ")))
    print(f"  {_('approval')}: {_('approval.' + (doc['approval'].get('status') or 'missing'))}  "
          f"{_('protection')}: {_('encrypted') if doc['protection'].get('encrypted') else _('not_encrypted')}")
    print(f"  {_('version')}: {row['last_decision'] or 0}")
    for d in history:
        mark = "" if d["verified"] else f"[{_('unverified')}] "
        print(printable(f"  {mark}{d['at']}  {d['officer']}  {_('action.' + d['action'])}  {d['reason']}"
                        + (f"  → {d['moved_to']}" if d["moved_to"] else "")))
    return EXIT_OK


def _sign_in(review, args: argparse.Namespace) -> None:
    """The officer proves who they are with their password, as in the console: a shell on the
    gateway is not enough to decide in somebody else's name. At most CLI_TRIES tries (one per line
    with --password-stdin), each wrong one audited and counted towards the account's lock."""
    import getpass
    import os
    import sys

    from scanner.review.errors import PermissionDenied
    from scanner.review.signin import CLI_TRIES, refusal_message, sign_in

    client = f"cli:{os.environ.get('USER') or getpass.getuser()}"
    result = None
    for attempt in range(CLI_TRIES):
        if args.password_stdin:
            line = sys.stdin.readline()
            if not line:
                break  # no more tries on stdin
            password = line.rstrip("\n")
        else:
            password = getpass.getpass(f"{args.officer} 的密码 / password: ")
        result = sign_in(review, args.officer, password, client)
        if result.user is not None:
            return
        if result.refusal != "login_failed":
            break  # locked: further tries would only be refused
        if attempt < CLI_TRIES - 1:
            print(refusal_message(result.refusal, args.officer), file=sys.stderr)
    raise PermissionDenied(refusal_message(result.refusal if result else "login_failed", args.officer))


def run_decide(args: argparse.Namespace, lang: str) -> int:
    from scanner.review.decisions import decide
    from scanner.review.text import translator

    review, spool, _ = _open(args)
    try:
        _sign_in(review, args)
        row = decide(review, args.item, args.action, args.reason, args.officer, spool, expected=args.replaces)
    finally:
        review.store.close()
    _ = translator(lang)
    print(f"{_('decided')}: {row['item_id']} {_('action.' + row['action'])}"
          + (f" → {row['moved_to']}" if row["moved_to"] else "") + f" (audit #{row['audit_seq']})")
    return EXIT_OK


def run_serve(args: argparse.Namespace, lang: str) -> int:
    import uvicorn

    from scanner.review.app import create_app

    review, spool, db_path = _open(args)
    review.store.close()
    from scanner.config import load_config

    # The config reads a file again (text viewer) under the same limits and OCR settings as the scan.
    app = create_app(db_path, spool, config=load_config(getattr(args, "config", None)))
    note(args, f"审查台：http://{args.host}:{args.port}/", f"review console: http://{args.host}:{args.port}/", lang)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print("警告：审查台未加密（HTTP）；对本机以外开放时请置于 TLS 反向代理之后 "
              "(warning: plain HTTP; put a TLS reverse proxy in front when serving beyond this machine)",
              file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK
