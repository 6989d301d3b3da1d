"""The client's loop of a clustered scan: walk lazily, send batches, record each batch as it arrives,
give the results back in the walk's order.

Memory stays bounded whatever the number of files: at most `window` batches are in flight, and at most
`ahead` files lie between the oldest one not yet given back and the newest one sent (results that
arrived early wait for the earlier ones there). Each arriving batch is recorded in one transaction, so a
killed client loses at most the batches in flight; `--resume` finds the rest recorded.

A worker that dies takes its batch with it; the scheduler sends the batch to another worker (Dask's
`allowed-failures`). A batch that kills its workers every time ends in KilledWorker: its files are
sent again one by one, and a file that still kills its worker is recorded as unreadable (fail closed).
Results are keyed by their place in the walk, so none is recorded or given back twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from concurrent import futures
from dataclasses import dataclass
from typing import Iterator

from scanner import names
from scanner.cluster.settings import ClusterSettings
from scanner.cluster.worker import can_see, scan_batch
from scanner.errors import ClusterError
from scanner.ingest.walk import Entry
from scanner.model import ItemResult
from scanner.resume import RecordedTree
from scanner.store.db import Store

AHEAD_PER_SLOT = 4  # files waiting to be given back, per file that may be in flight


@dataclass
class Pending:
    """One file sent to the cluster."""

    seq: int
    entry: Entry
    raw: bytes  # the exact bytes of its name on the client
    stored: RecordedTree | None = None  # its results in the resumed run (the worker checks the bytes)
    stale: bool = False  # the resumed run holds an out-of-date record of it, removed when it is recorded


class BatchLoop:
    def __init__(self, client, scanner, store: Store | None, run_id: int | None, settings: ClusterSettings):
        self.client = client
        self.scanner = scanner
        self.store = store
        self.run_id = run_id
        self.settings = settings
        self.ready: dict[int, list[ItemResult]] = {}
        self.inflight: dict = {}  # future -> list[Pending]
        self.batches = 0
        self.next_out = 0  # the first file not yet given back
        self.completed = None  # distributed.as_completed over the batches in flight
        self.window = self._window()

    def _window(self) -> int:
        threads = sum(self.client.nthreads().values()) or 1
        return max(2, threads * self.settings.batches_per_worker)

    # --- feeding ------------------------------------------------------------------------------------

    def _pending(self, seq: int, entry: Entry) -> Pending | None:
        """The file as sent to a worker; None when it is decided here (the walk could not open it)."""
        if entry.problem:
            tree = self.scanner.scan_entry_tree(entry)  # a fail-closed result; stale records removed
            self._record([(None, tree)])
            self.ready[seq] = RecordedTree(tree) if self.store is not None else tree
            return None
        pending = Pending(seq, entry, names.raw(entry.path))
        if self.scanner.resume is not None:
            pending.stored, pending.stale = self.scanner.resume.lookup(pending.raw)
        return pending

    def _submit(self, batch: list[Pending]) -> None:
        items = [(p.seq, self.settings.worker_path(os.fsencode(os.path.abspath(p.raw))), p.entry.display,
                  p.stored[0].sha256 if p.stored else None) for p in batch]
        if not self.batches:
            self._check_visible(items[0][1])
        self.batches += 1
        key = f"mijian-{self.run_id}-{self.batches}-{hashlib.sha1(os.urandom(8)).hexdigest()[:8]}"
        future = self.client.submit(scan_batch, self.scanner.config, items, key=key, pure=False, retries=1)
        self.inflight[future] = batch
        self.completed.add(future)

    def _check_visible(self, path: bytes) -> None:
        """Every worker must see the files (shared storage, [cluster] path_map): a wrong mount is one
        clear error before the run, not a run of unreadable files."""
        missing = [worker for worker, lost in self.client.run(can_see, [path]).items() if lost]
        if missing:
            shown = names.readable(os.fsdecode(path))
            raise ClusterError(f"工作节点 {missing[0]} 找不到 {shown}，请检查共享存储和配置项 cluster.path_map "
                               f"(worker {missing[0]} cannot see {shown}: check the shared storage and cluster.path_map)")

    # --- collecting ---------------------------------------------------------------------------------

    def _record(self, trees: list[tuple[Pending | None, list[ItemResult]]]) -> None:
        """One transaction for the batch: stale records of the resumed run out, the new results in."""
        if self.store is None:
            return
        fingerprint = self.scanner.fingerprint
        with self.store.db.atomic():
            for pending, tree in trees:
                if pending is not None and (pending.stale or pending.stored is not None):
                    self.scanner.resume.forget(pending.raw)
                self.store.record_tree(self.run_id, tree, fingerprint)

    def _finish(self, pending: Pending, tree: list[ItemResult], hints: list[str], read: bool) -> list[ItemResult]:
        """What the local Scanner adds to a reader's results: reuse of a stored result, approvals, the name."""
        scanner = self.scanner
        if read and tree[0].sha256:
            reused = scanner.reuse(tree[0].sha256, pending.entry.display)
            if reused is not None:
                tree = [reused]
        tree = scanner.approve(tree, hints, pending.entry.path)
        for result in tree:
            result.path_raw = pending.raw
        return tree

    def _failed(self, pending: Pending, detail: str) -> list[ItemResult]:
        result = self.scanner.unreadable(pending.entry.display, detail)
        result.path_raw = pending.raw
        return [result]

    def _collect(self, future) -> None:
        batch = self.inflight.pop(future)
        if future.status == "finished":
            reply = future.result()
            self._check_worker(reply)
            by_seq = {p.seq: p for p in batch}
            done, new = [], []
            for seq, status, tree, hints, read in reply["outcomes"]:
                pending = by_seq.pop(seq)
                if seq < self.next_out or seq in self.ready:
                    continue  # decided already (a batch sent twice): never recorded or given back twice
                if status == "same" and pending.stored is not None:
                    done.append((seq, pending.stored))
                else:
                    new.append((pending, self._finish(pending, tree, hints, read)))
            if by_seq:  # never expected: a reply without some of its files must not lose them
                raise ClusterError(f"工作节点的回复缺少 {len(by_seq)} 个文件 (a worker's reply lacks {len(by_seq)} files)")
            self._keep(done, new)
            return
        if future.status == "lost":
            # Its worker died after computing it and before this client took the result: the scheduler
            # computes it again (this client still holds the future), so wait for it once more.
            self.inflight[future] = batch
            self.completed.add(future)
            return
        if future.status == "cancelled":
            raise ClusterError("与调度器的连接已断开，任务被取消 (lost the scheduler: the batches were cancelled)")
        exc = future.exception()
        from distributed import KilledWorker

        if isinstance(exc, KilledWorker) and len(batch) > 1:
            for pending in batch:  # find the file that kills its worker: each on its own
                self._submit([pending])
            return
        if isinstance(exc, KilledWorker):
            detail = "扫描节点读取此文件时反复退出 (the worker process died each time it read this file)"
        else:
            detail = f"扫描节点失败 (worker failed): {type(exc).__name__}: {exc}"
        self._keep([], [(p, self._failed(p, detail)) for p in batch])

    def _keep(self, done: list[tuple[int, RecordedTree]], new: list[tuple[Pending, list[ItemResult]]]) -> None:
        self._record(new)
        for seq, tree in done:
            self.ready[seq] = tree
        for pending, tree in new:
            self.ready[pending.seq] = RecordedTree(tree) if self.store is not None else tree

    def _check_worker(self, reply: dict) -> None:
        """A worker with other code, settings, lexicons or models would decide otherwise: stop."""
        if reply["fingerprint"] != self.scanner.fingerprint:
            raise ClusterError(
                "工作节点的规则指纹与本机不同（程序版本、配置、词表或模型不一致），请在各节点安装相同版本 "
                f"(a worker's ruleset fingerprint {reply['fingerprint'][:12]} differs from the client's "
                f"{self.scanner.fingerprint[:12]}: install the same Mijian, config, lexicons and models everywhere)")

    # --- the loop -------------------------------------------------------------------------------------

    def run(self, entries: Iterator[Entry]) -> Iterator[list[ItemResult]]:
        """The files' results in the walk's order; a lost scheduler or connection is a ClusterError
        (what was recorded stays: `--resume` goes on from there)."""
        try:
            yield from self._run(entries)
        except (OSError, TimeoutError, asyncio.CancelledError, futures.CancelledError) as exc:
            raise ClusterError(f"与调度器的连接已断开 (lost the connection to the scheduler): "
                               f"{type(exc).__name__}: {exc}") from exc

    def _run(self, entries: Iterator[Entry]) -> Iterator[list[ItemResult]]:
        from distributed import as_completed

        self.completed = as_completed()
        entries = iter(entries)
        size = self.settings.batch_size
        next_seq = 0
        exhausted = False
        while True:
            ahead = self.window * size * AHEAD_PER_SLOT
            while not exhausted and len(self.inflight) < self.window and next_seq - self.next_out < ahead:
                batch: list[Pending] = []
                while len(batch) < size:
                    entry = next(entries, None)
                    if entry is None:
                        exhausted = True
                        break
                    pending = self._pending(next_seq, entry)
                    next_seq += 1
                    if pending is not None:
                        batch.append(pending)
                if batch:
                    self._submit(batch)
            while self.next_out in self.ready:
                yield self.ready.pop(self.next_out)
                self.next_out += 1
            if not self.inflight:
                if exhausted and self.next_out == next_seq:
                    return
                continue
            self._collect(next(self.completed))
            if self.batches % 64 == 0:
                self.window = self._window()  # workers may have joined or left
