"""`mijian package`: scan files, pack them in an AES-256 zip, and sign an approval for the package."""

from __future__ import annotations

import argparse
import getpass
import hashlib
import os
import sys
import uuid
from pathlib import Path

import pyzipper

from scanner.commands import EXIT_FOUND, EXIT_OK, add_common_options, add_db_option, open_store
from scanner.commands.approve import add_record_options, make_record, private_key
from scanner.config import load_config
from scanner.errors import ConfigError, PolicyError
from scanner.policy.approvals import sign_record
from scanner.policy.book import COMMENT_PREFIX
from scanner.report.terminal import printable
from scanner.scan import scan_paths
from scanner.store.approvals import ApprovalStore

MIN_PASSWORD = 8


def add_parser(subparsers) -> None:
    package = subparsers.add_parser("package", help="制作加密移交包并签发审批 / make an encrypted, approved handover package")
    add_common_options(package)
    add_db_option(package)
    package.add_argument("files", nargs="+", metavar="FILE")
    package.add_argument("-o", "--output", required=True, metavar="OUT.zip", help="移交包 / the package to write")
    package.add_argument("--password-file", metavar="F",
                         help="从文件首行读取密码（否则在终端输入，不回显）/ read the password from F's first line")
    add_record_options(package)
    package.set_defaults(handler=run)


def read_password(path: str | None) -> str:
    """The package password: from a file, or typed twice without echo. It is never stored or logged."""
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"无法读取密码文件 {path} (cannot read the password file)") from exc
        password = lines[0].strip() if lines else ""
    else:
        if not sys.stdin.isatty():
            raise ConfigError("需要 --password-file，或在终端中输入密码 (give --password-file, or run in a terminal)")
        password = getpass.getpass("密码 / password: ")
        if getpass.getpass("再次输入 / again: ") != password:
            raise ConfigError("两次输入的密码不一致 (the passwords differ)")
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"密码至少 {MIN_PASSWORD} 个字符 (the password needs at least {MIN_PASSWORD} characters)")
    return password


def _arcnames(paths: list[Path]) -> list[str]:
    names, seen = [], set()
    for path in paths:
        name, n = path.name, 1
        while name in seen:
            n += 1
            name = f"{path.stem}({n}){path.suffix}"
        seen.add(name)
        names.append(name)
    return names


def run(args: argparse.Namespace, lang: str) -> int:
    config = load_config(args.config)
    key = private_key(args, config)  # fail before any work when the office key is missing
    paths = [Path(f) for f in args.files]
    for path in paths:
        if not path.is_file():
            raise ConfigError(f"不是文件：{path} (not a file: {path})")
    password = read_password(args.password_file)
    results = scan_paths([str(p) for p in paths], config).results
    blocked = [r for r in results if r.verdict == "block"]
    if blocked:
        for r in blocked:
            reason = r.reasons[0]
            print(printable(f"拒绝打包 {r.path}：{reason.message}" if lang != "en"
                            else f"refusing to package {r.path}: {reason.message_en}"), file=sys.stderr)
        return EXIT_FOUND
    record_id = uuid.uuid4().hex
    out = Path(args.output)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with pyzipper.AESZipFile(tmp, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
            zf.setpassword(password.encode("utf-8"))
            zf.setencryption(pyzipper.WZ_AES, nbits=256)
            for path, name in zip(paths, _arcnames(paths)):
                zf.write(path, name)
            zf.comment = COMMENT_PREFIX + record_id.encode("ascii")
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PolicyError(f"无法写出移交包 {out}：{exc.strerror} (cannot write the package)") from exc
    contents = tuple({"name": name, "sha256": r.sha256, "verdict": r.verdict}
                     for name, r in zip(_arcnames(paths), results))
    sha256 = hashlib.sha256(out.read_bytes()).hexdigest()
    signed = sign_record(make_record(args, sha256, out.name, id=record_id, contents=contents), key)
    store = open_store(args)
    try:
        ApprovalStore(store).add(signed)
    finally:
        store.close()
    if lang == "en":
        print(f"package {out} ({len(paths)} files, AES-256), approval {record_id}")
    else:
        print(f"已生成移交包 {out}（{len(paths)} 个文件，AES-256 加密），审批记录 {record_id}")
    return EXIT_OK
