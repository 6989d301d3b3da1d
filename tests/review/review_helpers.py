"""Helpers for the review tests (importable as `review_helpers`)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

XSS_NAME = "<img src=x onerror=alert(1)>.docx"
MARKED = ("机密★10年", "关于作战部署和武器装备的通知，<script>alert(1)</script> 请各单位研究。")
WORK = ("内部资料", "本次谈判底线和外交会谈的口径如下：对方的报价不得超过。")


@dataclass
class Gateway:
    root: Path
    config: Path
    db: Path
    quarantine: Path
    released: Path

    def item_id(self, name: str) -> int:
        con = sqlite3.connect(self.db)
        try:
            return con.execute("select item_id from spool_jobs where name = ?", [name]).fetchone()[0]
        finally:
            con.close()


def write_config(root: Path) -> Path:
    inbox = root / "inbox" / "out"
    inbox.mkdir(parents=True, exist_ok=True)
    text = "\n".join([
        "[detect]", 'model = ""', "[watch]", f'spool = "{(root / "spool").as_posix()}"',
        f'db = "{(root / "mijian.db").as_posix()}"', "workers = 1", "stability_seconds = 0.2", "settle_seconds = 0.05",
        "poll_interval = 0.1", "[[watch.inbox]]", 'name = "out"', f'path = "{inbox.as_posix()}"', ""])
    path = root / "watch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def add_users(db: Path, *users: tuple[str, str, str]) -> None:
    from scanner.review.auth import add_user
    from scanner.store.db import Store
    from scanner.store.review import ReviewStore

    review = ReviewStore(Store(db))
    try:
        for name, role, password in users:
            add_user(review, name, role, password, "test")
    finally:
        review.store.close()
