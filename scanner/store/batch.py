"""Scan results written a few files at a time: one transaction (one commit, one sync) per batch.

A commit per file made SQLite sync the disk for every small file. A batch is written when it holds
`size` files or its first file waited `seconds`, and whatever is left when the scan ends or is
interrupted; the write lock is taken only while writing, so other writers (the gateway, the
console) wait milliseconds, not the time spent reading the files. A process killed outright loses
at most one batch, which `scan --resume` reads again.
"""

from __future__ import annotations

import sqlite3
import time

from scanner import names
from scanner.errors import StoreError
from scanner.model import ItemResult

BATCH_FILES = 64
BATCH_SECONDS = 1.0


class TreeBatch:
    """Collects each file's results (the file, then its members) and records them in batches."""

    def __init__(self, store, run_id: int | None, fingerprint: str, size: int = BATCH_FILES,
                 seconds: float = BATCH_SECONDS):
        self.store, self.run_id, self.fingerprint = store, run_id, fingerprint
        self.size, self.seconds = size, seconds
        self.pending: list[list[ItemResult]] = []
        self.since = 0.0

    def add(self, tree: list[ItemResult]) -> None:
        if not self.pending:
            self.since = time.monotonic()
        self.pending.append(tree)
        if len(self.pending) >= self.size or time.monotonic() - self.since >= self.seconds:
            self.flush()

    def flush(self) -> None:
        """Record what is pending, in one transaction."""
        if not self.pending:
            return
        trees, self.pending = self.pending, []
        try:
            with self.store.transaction():
                for tree in trees:
                    self.store.insert_tree(self.run_id, tree, self.fingerprint)
        except sqlite3.Error as exc:
            raise StoreError(f"无法写入扫描结果：{exc} (cannot record the items from "
                             f"{names.readable(trees[0][0].path)})") from exc
