"""`mijian approve`: issue, list, move and revoke signed approval records (对外提供资料审批)."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanner.commands import EXIT_FAILED, EXIT_OK, add_common_options, add_db_option, open_store
from scanner.config import Config, load_config
from scanner.errors import ConfigError, PolicyError
from scanner.policy.approvals import ApprovalRecord, record_from, revoked_id, sign_record, sign_revocation, verify
from scanner.policy.book import SIDECAR_SUFFIX, read_signed_file
from scanner.policy.keys import load_private_key, load_public_key
from scanner.report.terminal import printable
from scanner.store.approvals import ApprovalStore


def add_record_options(parser: argparse.ArgumentParser) -> None:
    """The fields of an approval form, shared with `mijian package`."""
    parser.add_argument("--recipient", required=True, help="接收方单位 / recipient organisation")
    parser.add_argument("--country", default="", help="接收方国家或地区 / recipient country")
    parser.add_argument("--purpose", required=True, help="提供目的 / purpose")
    parser.add_argument("--approver", required=True, help="部门负责人 / approving department head")
    parser.add_argument("--verifier", required=True, help="保密办审核人 / security-office verifier")
    parser.add_argument("--expires", required=True, help="有效期至 YYYY-MM-DD / expiry date")
    parser.add_argument("--title", default=None, help="资料名称（默认为文件名）/ title (default: file name)")
    parser.add_argument("--applicant", default="", help="申请人 / applicant")
    parser.add_argument("--department", default="", help="申请部门 / department")
    parser.add_argument("--sensitivity", default="", help="敏感程度说明 / sensitivity")
    parser.add_argument("--key", metavar="FILE", help="签名私钥（默认 approvals.private_key）/ private key")


def add_parser(subparsers) -> None:
    approve = subparsers.add_parser("approve", help="对外提供资料审批记录 / approval records")
    add_common_options(approve)
    actions = approve.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="为一个文件签发审批记录 / sign an approval for one file")
    add_common_options(add)
    add_db_option(add)
    add.add_argument("file", metavar="FILE")
    add_record_options(add)
    add.add_argument("--sidecar", action="store_true",
                     help=f"同时在文件旁写出 FILE{SIDECAR_SUFFIX} / also write the record beside the file")
    add.set_defaults(handler=run_add)

    listing = actions.add_parser("list", help="列出审批记录 / list approval records")
    add_common_options(listing)
    add_db_option(listing)
    listing.add_argument("--format", choices=["table", "json"], default="table")
    listing.set_defaults(handler=run_list)

    export = actions.add_parser("export", help="导出审批与撤销记录 / export records to a file")
    add_common_options(export)
    add_db_option(export)
    export.add_argument("-o", "--output", required=True, metavar="FILE")
    export.set_defaults(handler=run_export)

    imp = actions.add_parser("import", help="导入审批文件（逐条验签）/ import records (each verified)")
    add_common_options(imp)
    add_db_option(imp)
    imp.add_argument("file", metavar="FILE")
    imp.set_defaults(handler=run_import)

    revoke = actions.add_parser("revoke", help="撤销审批记录（签名）/ revoke a record (signed)")
    add_common_options(revoke)
    add_db_option(revoke)
    revoke.add_argument("id", metavar="ID")
    revoke.add_argument("--reason", required=True, help="撤销理由 / reason")
    revoke.add_argument("--by", default="", help="撤销人 / revoked by")
    revoke.add_argument("--key", metavar="FILE", help="签名私钥 / private key")
    revoke.set_defaults(handler=run_revoke)


def private_key(args: argparse.Namespace, config: Config):
    path = args.key or config.approvals.private_key
    if not path:
        raise ConfigError("需要签名私钥：--key 或配置项 approvals.private_key "
                          "(a private key is needed: --key or approvals.private_key)")
    return load_private_key(Path(path))


def public_key(config: Config):
    if not config.approvals.public_key:
        raise ConfigError("需要验签公钥：配置项 approvals.public_key (approvals.public_key is not set)")
    return load_public_key(Path(config.approvals.public_key))


def make_record(args: argparse.Namespace, sha256: str, title: str, **extra) -> ApprovalRecord:
    return ApprovalRecord(
        sha256=sha256, title=args.title or title, recipient=args.recipient, recipient_country=args.country,
        purpose=args.purpose, approver=args.approver, verifier=args.verifier, expires=args.expires,
        applicant=args.applicant, department=args.department, sensitivity=args.sensitivity, **extra,
    )


def run_add(args: argparse.Namespace, lang: str) -> int:
    config = load_config(args.config)
    path = Path(args.file)
    try:
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise PolicyError(f"无法读取文件 {path}：{exc.strerror} (cannot read {path})") from exc
    signed = sign_record(make_record(args, sha256, path.name), private_key(args, config))
    store = open_store(args)
    try:
        record_id = ApprovalStore(store).add(signed)
    finally:
        store.close()
    if args.sidecar:
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        sidecar.write_text(json.dumps({"approvals": [signed.to_dict()]}, ensure_ascii=False, indent=2),
                           encoding="utf-8")
    print(record_id)
    return EXIT_OK


def run_list(args: argparse.Namespace, lang: str) -> int:
    config = load_config(args.config)
    key = load_public_key(Path(config.approvals.public_key)) if config.approvals.public_key else None
    store = open_store(args)
    try:
        records = ApprovalStore(store)
        revoked = {str(s.data().get("revokes")) for s in records.revocations() if key and s.verifies(key)}
        rows = []
        for signed in records.all():
            record = record_from(signed)
            status, _ = verify(signed, key, record.sha256, revoked=revoked)
            rows.append({"id": record.id, "sha256": record.sha256, "title": record.title,
                         "recipient": record.recipient, "expires": record.expires, "status": status})
    finally:
        store.close()
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    zh = lang != "en"
    table = Table(header_style="bold")
    for zh_name, en_name in (("编号", "id"), ("SHA-256", "SHA-256"), ("资料名称", "title"),
                             ("接收方", "recipient"), ("有效期至", "expires"), ("状态", "status")):
        table.add_column(zh_name if zh else en_name)
    for row in rows:
        # Text, not markup, with control characters escaped: titles are file names by default.
        table.add_row(*(Text(printable(row[k][:12] if k == "sha256" else row[k]))
                        for k in ("id", "sha256", "title", "recipient", "expires", "status")))
    Console().print(table)
    return EXIT_OK


def run_export(args: argparse.Namespace, lang: str) -> int:
    store = open_store(args)
    try:
        records = ApprovalStore(store)
        data = {"approvals": [s.to_dict() for s in records.all()],
                "revocations": [s.to_dict() for s in records.revocations()],
                "exported": date.today().isoformat()}
    finally:
        store.close()
    Path(args.output).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"{len(data['approvals'])} {'条审批记录，' if lang != 'en' else 'approvals, '}"
          f"{len(data['revocations'])} {'条撤销记录已导出' if lang != 'en' else 'revocations exported'}")
    return EXIT_OK


def run_import(args: argparse.Namespace, lang: str) -> int:
    """Every entry is checked on its own: a malformed or unsigned one is refused with its reason,
    the others are imported; any refusal makes the exit code nonzero."""
    config = load_config(args.config)
    key = public_key(config)
    path = Path(args.file)
    found = read_signed_file(path)
    if not found.entries:
        raise PolicyError(f"审批文件 {path} 中没有审批或撤销记录 (no approval or revocation records in {path})")
    refused = list(found.refused)  # malformed: not a signed record, or a signed payload of the wrong shape
    bad = 0  # well-formed, but the office did not sign it
    imported = {"approvals": 0, "revocations": 0}
    store = open_store(args)
    try:
        records = ApprovalStore(store)
        for kind, entries, check, add in (
                ("approvals", found.approval_entries, record_from, records.add),
                ("revocations", found.revocation_entries, revoked_id, records.add_revocation)):
            for entry in entries:
                if not entry.signed.verifies(key):
                    bad += 1
                    continue
                try:
                    check(entry.signed)
                except PolicyError as exc:
                    refused.append(f"{entry.where}: {exc}")
                    continue
                add(entry.signed)
                imported[kind] += 1
    finally:
        store.close()
    for reason in refused:
        print(printable(f"拒绝 (refused) {reason}"), file=sys.stderr)
    good_a, good_r = imported["approvals"], imported["revocations"]
    if lang == "en":
        print(f"imported {good_a} approvals and {good_r} revocations; refused {bad} with bad signatures"
              + (f" and {len(refused)} malformed" if refused else ""))
    else:
        print(f"已导入 {good_a} 条审批记录、{good_r} 条撤销记录；拒绝 {bad} 条签名无效的记录"
              + (f"、{len(refused)} 条格式错误的记录" if refused else ""))
    return EXIT_FAILED if bad or refused else EXIT_OK


def run_revoke(args: argparse.Namespace, lang: str) -> int:
    config = load_config(args.config)
    signed = sign_revocation(args.id, args.reason, args.by, private_key(args, config))
    store = open_store(args)
    try:
        records = ApprovalStore(store)
        if not records.by_ids([args.id]):
            raise PolicyError(f"没有编号为 {args.id} 的审批记录 (no approval with id {args.id})")
        records.add_revocation(signed)
    finally:
        store.close()
    print(f"已撤销 {args.id}" if lang != "en" else f"revoked {args.id}")
    return EXIT_OK
