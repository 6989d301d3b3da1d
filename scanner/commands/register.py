"""`mijian register`: documents and data registered at the security office, as keyed fingerprints."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from scanner.commands import EXIT_FAILED, EXIT_OK, add_common_options

HELP = "登记文件与数据的指纹 / registered documents and data (fingerprints)"


def add_parser(subparsers) -> None:
    reg = subparsers.add_parser("register", help=HELP)
    add_common_options(reg)
    actions = reg.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, text: str, handler) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=text)
        add_common_options(sub)
        sub.add_argument("--index", metavar="FILE", help="指纹库（默认 register.index）/ index file")
        sub.add_argument("--key-file", metavar="FILE", help="指纹密钥（默认 register.key_file）/ key file")
        sub.set_defaults(handler=handler)
        return sub

    add = action("add", "登记文件（每个文件一份）/ register files, one document each", run_add)
    add.add_argument("files", nargs="+", metavar="FILE")
    add.add_argument("--level", required=True, help="密级，如 机密 / level, e.g. 机密")
    add.add_argument("--title", default=None, help="标题（默认为文件名）/ title (default: file name)")
    add.add_argument("--owner", default="", help="定密责任单位或人 / owner")

    listing = action("list", "列出登记的文件和数据 / list registered documents and data", run_list)
    listing.add_argument("--format", choices=["table", "json"], default="table")

    remove = action("remove", "撤销一份登记 / remove a registered document (or --data set)", run_remove)
    remove.add_argument("id", type=int, metavar="ID")
    remove.add_argument("--data", action="store_true", help="ID 是数据集 / ID names a data set")

    export = action("export", "导出指纹（用审批私钥签名）/ export, signed with the approvals key", run_export)
    export.add_argument("file", metavar="FILE")
    export.add_argument("--key", metavar="FILE", help="签名私钥（默认 approvals.private_key）/ private key")

    imp = action("import", "导入指纹（验签后替换本机指纹库）/ import a signed export (replaces this index)",
                 run_import)
    imp.add_argument("file", metavar="FILE")

    data = action("data", "登记结构化数据（CSV 的若干列）/ register values of CSV columns", run_data)
    data.add_argument("file", metavar="FILE.csv")
    data.add_argument("--columns", required=True, help="要登记的列，逗号分隔 / columns, comma-separated")
    data.add_argument("--alone", default=None,
                      help="单独出现即报告的列（默认：只有一列时为该列，否则须同一行两列相邻）"
                           " / columns reported on their own (default: the only column; else two of a row together)")
    data.add_argument("--level", required=True, help="密级 / level")
    data.add_argument("--title", default=None, help="标题（默认为文件名）/ title")
    data.add_argument("--owner", default="", help="责任单位 / owner")


def _config(args: argparse.Namespace):
    from scanner.config import load_config

    config = load_config(args.config)
    changes = {}
    if args.index:
        changes["index"] = str(args.index)
    if args.key_file:
        changes["key_file"] = str(args.key_file)
    if changes:
        config = dataclasses.replace(config, register=dataclasses.replace(config.register, **changes))
    return config


def _say(lang: str, zh: str, en: str) -> None:
    print(en if lang == "en" else zh)


def _office(args, lang):
    from scanner.fingerprint.register import open_for_register

    config = _config(args)
    index, key, created = open_for_register(config)
    if created:
        _say(lang, f"已生成指纹密钥（权限 0600，须与指纹库分开保存）：{config.register.key_file}",
             f"fingerprint key created (mode 0600, keep it apart from the index): {config.register.key_file}")
    return config, index, key


def run_add(args: argparse.Namespace, lang: str) -> int:
    from scanner.errors import MijianError
    from scanner.fingerprint.register import FileReader, Registrar, check_level

    check_level(args.level)
    config, index, key = _office(args, lang)
    reader = FileReader(config)
    failed = 0
    try:
        registrar = Registrar(index, key)
        for name in args.files:
            path = Path(name)
            title = args.title or path.name
            if args.title and len(args.files) > 1:
                title = f"{args.title}（{path.name}）"
            try:
                doc_id = registrar.add_text(reader.read(path), title=title, level=args.level, owner=args.owner,
                                            sources=[path.name])
            except MijianError as exc:  # one unreadable file is said and skipped, the others registered
                failed += 1
                print(str(exc))
                continue
            index.commit()
            _say(lang, f"已登记 {doc_id}：《{title}》（{args.level}）", f"registered {doc_id}: {title} ({args.level})")
    finally:
        reader.close()
        index.close()
    return EXIT_FAILED if failed else EXIT_OK


def run_list(args: argparse.Namespace, lang: str) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from scanner.fingerprint.lookup import open_index_and_key
    from scanner.report.terminal import printable

    index, _ = open_index_and_key(_config(args).register)
    try:
        docs = [dataclasses.asdict(d) | {"kind": "document"} for d in index.documents()]
        sets = [dataclasses.asdict(s) | {"kind": "data"} for s in index.datasets()]
    finally:
        index.close()
    if args.format == "json":
        print(json.dumps(docs + sets, ensure_ascii=False, indent=2))
        return EXIT_OK
    zh = lang != "en"
    table = Table(header_style="bold")
    for zh_name, en_name in (("编号", "id"), ("类别", "kind"), ("标题", "title"), ("密级", "level"),
                             ("责任单位", "owner"), ("字数/行数", "chars/rows"), ("登记时间", "registered")):
        table.add_column(zh_name if zh else en_name)
    for row in docs + sets:
        kind = ("文件" if zh else "document") if row["kind"] == "document" else ("数据" if zh else "data")
        size = row["chars"] if row["kind"] == "document" else row["rows"]
        table.add_row(*(Text(printable(str(v))) for v in (row["id"], kind, row["title"], row["level"],
                                                           row["owner"], size, row["registered"])))
    Console(highlight=False).print(table)
    return EXIT_OK


def run_remove(args: argparse.Namespace, lang: str) -> int:
    from scanner.errors import PolicyError
    from scanner.fingerprint.lookup import open_index_and_key

    index, _ = open_index_and_key(_config(args).register)
    index.close()
    index, _ = open_index_and_key(_config(args).register, writable=True)
    try:
        removed = index.remove_dataset(args.id) if args.data else index.remove_document(args.id)
        if not removed:
            raise PolicyError(f"没有编号为 {args.id} 的登记 (nothing registered with id {args.id})")
        index.bump_generation()
        index.commit()
    finally:
        index.close()
    _say(lang, f"已撤销登记 {args.id}", f"removed {args.id}")
    return EXIT_OK


def run_export(args: argparse.Namespace, lang: str) -> int:
    from scanner.commands.approve import private_key
    from scanner.fingerprint.exchange import export_bytes
    from scanner.fingerprint.lookup import open_index_and_key

    config = _config(args)
    signer = private_key(args, config)
    index, _ = open_index_and_key(config.register)
    try:
        raw = export_bytes(index, signer)
        count = len(index.documents()), len(index.datasets())
    finally:
        index.close()
    Path(args.file).write_bytes(raw)
    _say(lang, f"已导出 {count[0]} 份文件、{count[1]} 个数据集的指纹（已签名）：{args.file}",
         f"exported {count[0]} documents and {count[1]} data sets (signed): {args.file}")
    return EXIT_OK


def run_import(args: argparse.Namespace, lang: str) -> int:
    from scanner.commands.approve import public_key
    from scanner.errors import ConfigError, PolicyError
    from scanner.fingerprint.exchange import import_payload, verified_payload
    from scanner.fingerprint.lookup import open_index_and_key

    config = _config(args)
    try:
        raw = Path(args.file).read_bytes()
    except OSError as exc:
        raise PolicyError(f"无法读取 {args.file}：{exc.strerror} (cannot read {args.file})") from exc
    payload = verified_payload(raw, public_key(config))
    if not Path(config.register.key_file or "").is_file():
        raise ConfigError("本机没有指纹密钥（register.key_file），须从保密办另行取得 "
                          "(no fingerprint key here: register.key_file must come from the security office)")
    index, key = open_index_and_key(config.register, writable=True)
    try:
        docs, sets = import_payload(index, payload, key.key_id)
    finally:
        index.close()
    _say(lang, f"已导入 {docs} 份文件、{sets} 个数据集的指纹", f"imported {docs} documents and {sets} data sets")
    return EXIT_OK


def run_data(args: argparse.Namespace, lang: str) -> int:
    from scanner.fingerprint.data import register_data
    from scanner.fingerprint.register import check_level

    check_level(args.level)
    columns = [c.strip() for c in args.columns.split(",") if c.strip()]
    alone = [c.strip() for c in args.alone.split(",") if c.strip()] if args.alone else (
        columns if len(columns) == 1 else [])
    config, index, key = _office(args, lang)
    path = Path(args.file)
    try:
        set_id, rows, values = register_data(index, key, path, columns, alone, title=args.title or path.name,
                                             level=args.level, owner=args.owner,
                                             min_chars=config.register.data_min_chars)
        index.commit()
    finally:
        index.close()
    _say(lang, f"已登记数据集 {set_id}：{rows} 行，{values} 个值", f"registered data set {set_id}: {rows} rows, {values} values")
    return EXIT_OK
