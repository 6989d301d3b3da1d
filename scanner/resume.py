"""`mijian scan --resume RUN_ID`: the files a run already recorded are taken from it, the rest scanned.

A file is done when the run holds a record of its path with the same content hash and the same
ruleset fingerprint; it is then not read by a detector again, and not recorded again: its stored
results are given back (marked `RecordedTree`) so the output of the completed run is the same as an
uninterrupted scan's. A record of the path with other bytes or other rules (or without a hash: a file
that could not be read) is removed, and the file is scanned and recorded once more.
"""

from __future__ import annotations

import json
import os

from scanner import names
from scanner.errors import IngestError
from scanner.store.db import Store
from scanner.store.runs import forget_file, get_run, recorded_file, recorded_tree


class RecordedTree(list):
    """A file's results that are already in the store: given to the output, not written again.

    `resumed`: recorded by an earlier session of the run (else just now, by a clustered scan's client)."""

    def __init__(self, results=(), resumed: bool = False):
        super().__init__(results)
        self.resumed = resumed


class Resume:
    """The files of one run, looked up by the exact bytes of their name."""

    def __init__(self, store: Store, run_id: int, fingerprint: str):
        self.store = store
        self.run_id = run_id
        self.fingerprint = fingerprint
        self.run = get_run(store, run_id)

    def paths(self) -> list[str]:
        """The paths the run was started with; relative ones only from the folder they were given in."""
        paths = json.loads(self.run["paths"] or "[]")
        cwd = self.run.get("cwd")
        relative = [p for p in paths if not os.path.isabs(p)]
        if relative and cwd and os.path.realpath(cwd) != os.path.realpath(os.getcwd()):
            raise IngestError(f"扫描任务 {self.run_id} 的路径是相对于 {cwd} 给出的，请在该目录中继续 "
                              f"(run {self.run_id} was given relative paths: resume it from {cwd})")
        return paths

    def lookup(self, path_raw: bytes) -> tuple[RecordedTree | None, bool]:
        """(the file's results recorded under the current rules with a content hash, else None;
        whether the run holds another record of it, to be removed when the file is recorded again)."""
        row = recorded_file(self.store, self.run_id, path_raw)
        if row is None:
            return None, False
        if row["fingerprint"] != self.fingerprint or row["sha256"] is None:
            return None, True
        return RecordedTree(recorded_tree(self.store, self.run_id, path_raw, row), resumed=True), False

    def forget(self, path_raw: bytes) -> None:
        forget_file(self.store, self.run_id, path_raw)

    def take(self, path, sha256: str | None) -> RecordedTree | None:
        """The recorded results of a file whose bytes hash to `sha256`; else None, with any stale
        record of it removed (the caller scans and records it)."""
        raw = names.raw(path)
        row = recorded_file(self.store, self.run_id, raw)
        if row is None:
            return None
        if sha256 is not None and row["sha256"] == sha256 and row["fingerprint"] == self.fingerprint:
            return RecordedTree(recorded_tree(self.store, self.run_id, raw, row), resumed=True)
        self.forget(raw)
        return None
