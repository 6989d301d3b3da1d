"""A gateway for the console tests (importable as `console_helpers`): files with sidecars naming sender and
recipient, one deep in folders, decided by a real `mijian watch --once`; two officers and an administrator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from review_helpers import MARKED, WORK, XSS_NAME, Gateway, add_users


def make_mailed(tmp_path: Path, make_docx) -> Gateway:
    """A gateway whose files come with a sidecar naming sender and recipient, one of them deep in folders."""
    inbox = tmp_path / "inbox" / "out"
    deep = inbox / "项目A" / "对外提供" / "2026年第三季度"
    deep.mkdir(parents=True)
    config = tmp_path / "watch.toml"
    config.write_text("\n".join([
        "[detect]", 'model = ""', "[watch]", f'spool = "{(tmp_path / "spool").as_posix()}"',
        f'db = "{(tmp_path / "mijian.db").as_posix()}"', "workers = 1", "stability_seconds = 0.2",
        "settle_seconds = 0.05", "poll_interval = 0.1", "[[watch.inbox]]", 'name = "out"',
        f'path = "{inbox.as_posix()}"', 'recipient_from = "sidecar"', ""]), encoding="utf-8")
    (inbox / XSS_NAME).write_bytes(make_docx(MARKED))
    (deep / "谈判方案.docx").write_bytes(make_docx(WORK))
    (deep / "谈判方案.docx.meta.json").write_text(json.dumps(
        {"sender": "王芳", "recipient": "Acme GmbH", "purpose": "商务谈判"}, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "scanner", "watch", "--once", "--config", str(config)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "MIJIAN_LANG": "zh"})
    assert proc.returncode == 0, proc.stderr
    gw = Gateway(tmp_path, config, tmp_path / "mijian.db", tmp_path / "spool" / "quarantine" / "out",
                 tmp_path / "spool" / "released" / "out")
    add_users(gw.db, ("alice", "officer", "alice-password"), ("carol", "officer", "carol-password"),
              ("bob", "admin", "bob-password"))
    return gw
