"""The library call behind `mijian scan`: walk paths, decide every file, record and return the results."""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from scanner import __version__, names
from scanner.config import Config
from scanner.errors import ConfigError, PolicyError
from scanner.ingest.walk import Entry, walk
from scanner.model import ItemResult
from scanner.results import redecide, rollup, unread_result
from scanner.sandbox import SandboxPool
from scanner.policy.book import ApprovalBook, package_hints
from scanner.policy.decide import Problem
from scanner.policy.keys import load_public_key
from scanner.resume import RecordedTree, Resume
from scanner.ruleset import ruleset_fingerprint
from scanner.store.approvals import ApprovalStore
from scanner.store.batch import TreeBatch
from scanner.store.db import Store
from scanner.store.runs import run_counts

if TYPE_CHECKING:
    from scanner.detect.engine import DetectionEngine

_HASH_CHUNK = 1 << 20


@dataclass
class ScanRun:
    run_id: int | None
    results: list[ItemResult] = field(default_factory=list)
    # Verdicts of the files scanned, counted as they come (also when results are not kept).
    tally: Counter = field(default_factory=Counter)
    resumed: int = 0  # files taken as recorded by an earlier session of the run (--resume)

    @property
    def files(self) -> list[ItemResult]:
        """The files scanned (not what was found inside them), if the results were kept."""
        return [r for r in self.results if r.member is None]

    @property
    def total(self) -> int:
        return sum(self.tally.values())

    @property
    def counts(self) -> dict[str, int]:
        return {v: self.tally.get(v, 0) for v in ("allow", "flag", "block")}


def _hash_file(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_HASH_CHUNK):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


class Scanner:
    """Decides files one by one under one config, reusing stored results for unchanged bytes."""

    def __init__(self, config: Config, store: Store | None = None, rescan: bool = False,
                 isolate: bool | None = None, readers: SandboxPool | None = None):
        """`isolate` (default: `scan.isolate`) reads each file in a child process that is killed when
        it passes the time or memory limit; `readers` shares such children between scanners."""
        self.config = config
        self.store = store
        self.rescan = rescan
        self._engine: DetectionEngine | None = None
        self.fingerprint = ruleset_fingerprint(config)
        self.book = make_book(config, store)
        if readers is None and (config.scan.isolate if isolate is None else isolate):
            readers = SandboxPool(1)
            self._own_readers = True
        else:
            self._own_readers = False
        self.readers = readers
        self.resume: Resume | None = None  # set by scan_paths(resume=RUN_ID)

    @property
    def engine(self) -> DetectionEngine:
        """Built on first use: an isolated scanner leaves detection to its reader process (and never
        imports the detectors: they are the reader's)."""
        if self._engine is None:
            from scanner.detect.engine import DetectionEngine

            self._engine = DetectionEngine(self.config)
        return self._engine

    def close(self) -> None:
        """Stop the reader process this scanner started (if any)."""
        if self._own_readers and self.readers is not None:
            self.readers.close()

    def __enter__(self) -> "Scanner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def unreadable(self, display: str, detail: str, *, code: str = "scan.unreadable",
                   sha256: str | None = None, size: int | None = None, kind: str = "unknown") -> ItemResult:
        return unread_result(self.config, path=display, sha256=sha256, size=size, kind=kind,
                             problem=Problem(code, detail))

    def read_entry(self, entry: Entry) -> tuple[bytes, ItemResult | None]:
        """The file's bytes, or the fail-closed result when it cannot (or may not) be read."""
        if entry.problem:
            return b"", self.unreadable(entry.display, entry.problem)
        try:
            size = entry.path.stat().st_size
        except OSError as exc:
            return b"", self.unreadable(entry.display, f"{exc.strerror}")
        limit = self.config.scan.max_file_size
        if size > limit:
            return b"", self.unreadable(
                entry.display, f"文件大小 {size} 字节超过上限 {limit} 字节 (scan.max_file_size)",
                code="scan.limit", sha256=_hash_file(entry.path), size=size,
            )
        try:
            return entry.path.read_bytes(), None
        except OSError as exc:
            return b"", self.unreadable(entry.display, f"{exc.strerror}", size=size)

    def scan_entry_tree(self, entry: Entry) -> list[ItemResult]:
        """The file's result first (its verdict final), then one result per member inside it."""
        data, result = self.read_entry(entry)
        sha256 = hashlib.sha256(data).hexdigest() if result is None else None
        done = self.resumed(entry, sha256)
        if done is not None:
            return done
        tree = [result] if result is not None else self.scan_data(data, entry.display, sha256)
        return _named(self.approve(tree, package_hints(data), entry.path), entry.path)

    def resumed(self, entry: Entry, sha256: str | None) -> RecordedTree | None:
        """The file's results as the resumed run recorded them, if its bytes and the rules are the same."""
        return self.resume.take(entry.path, sha256) if self.resume is not None else None

    def scan_entry(self, entry: Entry) -> ItemResult:
        """The file's own result, with what its members contributed already folded in."""
        return self.scan_entry_tree(entry)[0]

    def scan_data(self, data: bytes, display: str, sha256: str | None = None) -> list[ItemResult]:
        sha256 = sha256 or hashlib.sha256(data).hexdigest()  # hashed once, for reuse and the record
        reused = self.reuse(sha256, display)
        if reused is not None:
            return [reused]
        if self.readers is not None:
            return self.readers.read(self.config, data, display, sha256)
        from scanner.pipeline import scan_tree

        return scan_tree(data, path=display, config=self.config, engine=self.engine, sha256=sha256)

    def reuse(self, sha256: str, display: str) -> ItemResult | None:
        """The stored detection for these bytes under these rules, decided afresh; None if there is none.

        Only files without members are reused: a container is always read again, so what is
        inside it is reported (and decided) every time.
        """
        if self.store is None or self.rescan:
            return None
        stored = self.store.cached_result(sha256, self.fingerprint)
        if stored is None:
            return None
        old = ItemResult.from_dict(stored)
        old.path, old.member, old.cached = display, None, True
        return redecide(self.config, old, {"status": "missing"})

    def approve(self, tree: list[ItemResult], hints: list[str], path: Path | None) -> list[ItemResult]:
        """Decide again with the approval status of the file's bytes (only the parent holds the book).

        A valid approval covers the exact bytes of the file, and so everything inside it.
        """
        own = tree[0]
        if self.book is None or own.sha256 is None:
            return tree
        approval = self.book.status(own.sha256, hints, path)
        if approval["status"] != "valid" or len(tree) == 1:
            return [redecide(self.config, own, approval)] + tree[1:]
        members = [redecide(self.config, m, approval, keep_rollup=False) for m in tree[1:]]
        return [rollup(redecide(self.config, own, approval, keep_rollup=False), members)] + members


def make_book(config: Config, store: Store | None) -> ApprovalBook | None:
    """The approval book of this gateway: stored records verified with the office's public key."""
    if store is None:
        return None
    public_key = None
    if config.approvals.public_key:
        try:
            public_key = load_public_key(Path(config.approvals.public_key))
        except PolicyError as exc:
            raise ConfigError(f"配置项 approvals.public_key：{exc}") from exc
    return ApprovalBook(ApprovalStore(store), public_key, config.approvals.recipient or None)


def _parallel(scanner: Scanner, entries: list[Entry], jobs: int,
              readers: SandboxPool | None = None) -> Iterator[list[ItemResult]]:
    """Decide entries on `jobs` reader processes (`readers` when the caller started them), yielding
    results in the walk's order.

    The parent reads, hashes and answers from the store; only new bytes go to a reader,
    and at most a few items per reader are in flight, so memory stays bounded.
    """
    window = jobs * 4
    own = readers is None
    if own:
        readers = SandboxPool(jobs)
    readers.prepare(scanner.config)  # every reader builds its engine while the first files are read
    try:
        with ThreadPoolExecutor(jobs, thread_name_prefix="mijian-scan") as pool:
            pending: deque[tuple[str, Future | list[ItemResult], list[str], Path]] = deque()
            for entry in entries:
                data, result = scanner.read_entry(entry)
                sha256 = hashlib.sha256(data).hexdigest() if result is None else None
                if (done := scanner.resumed(entry, sha256)) is not None:
                    result = done
                elif result is None:
                    result = scanner.reuse(sha256, entry.display)
                if result is None:
                    result = pool.submit(readers.read, scanner.config, data, entry.display, sha256)
                if isinstance(result, ItemResult):
                    result = [result]
                pending.append((entry.display, result, package_hints(data), entry.path))
                while pending and (len(pending) > window or _ready(pending[0][1])):
                    yield _resolve(*pending.popleft(), scanner)
            while pending:
                yield _resolve(*pending.popleft(), scanner)
    finally:
        if own:
            readers.close()


def _ready(item: Future | list[ItemResult]) -> bool:
    return not isinstance(item, Future) or item.done()


def _resolve(display: str, item: Future | list[ItemResult], hints: list[str], path: Path,
             scanner: Scanner) -> list[ItemResult]:
    if isinstance(item, RecordedTree):
        return item
    if isinstance(item, Future):
        try:
            item = item.result()
        except Exception as exc:  # a crashed worker must fail closed, never lose the file
            item = [scanner.unreadable(display, f"扫描进程失败 (worker failed): {type(exc).__name__}: {exc}")]
            return _named(item, path)
    return _named(scanner.approve(item, hints, path), path)


def _named(tree: list[ItemResult], path: Path) -> list[ItemResult]:
    """The file's results carry the exact bytes of its name, for the store (`path` is shown readably)."""
    raw = names.raw(path)
    for result in tree:
        result.path_raw = raw
    return tree


def scan_paths(
    paths: list[str],
    config: Config,
    *,
    store: Store | None = None,
    rescan: bool = False,
    jobs: int = 1,
    record: bool = True,
    on_run: Callable[[int | None], None] | None = None,
    on_item: Callable[[ItemResult], None] | None = None,
    on_tree: Callable[[list[ItemResult]], None] | None = None,
    keep: bool = True,
    resume: int | None = None,
    backend: Callable[..., Iterator[list[ItemResult]]] | None = None,
    readers: SandboxPool | None = None,
) -> ScanRun:
    """Scan files and folders; every file found yields exactly one recorded result.

    With `record=False` (simulation) the store is only read: stored results and approvals
    are consulted, nothing is written. `on_tree` receives each file's results (the file, then its
    members) as soon as they are recorded; with `keep=False` they are not also kept in the run,
    so memory stays flat over any number of files (only the verdicts are counted).

    `resume` continues run RUN_ID (resume.py: its paths when none are given; recorded files are not
    scanned again). `backend(scanner, entries, store, run_id)`, when given, decides the files instead
    (scanner/cluster/: on Dask workers); it yields each file's results in the walk's order, as a
    RecordedTree when it recorded them itself.

    `readers`: reader processes the caller started ahead (SandboxPool.prepare, so that they build
    their engines while this walks and opens the store) and closes itself, used instead of those the
    scan would start (when `scan.isolate` asks for them, and always for `jobs` > 1).
    """
    if resume is not None and (store is None or not record):
        raise ConfigError("继续扫描任务需要数据库，不能与 --simulate 同用 (--resume needs the database, not --simulate)")
    resumed = Resume(store, resume, ruleset_fingerprint(config)) if resume is not None else None
    paths = paths or (resumed.paths() if resumed else [])
    # A stream: millions of files are never listed in memory at once (a missing path fails here).
    entries = walk(paths, follow_symlinks=config.scan.follow_symlinks)
    head = list(itertools.islice(entries, 2))
    entries = itertools.chain(head, entries)
    parallel = jobs > 1 and len(head) > 1 and backend is None
    # In parallel the readers belong to the run (one per job), on a cluster to the workers; alone,
    # the scanner keeps its own.
    if parallel or backend:
        scanner = Scanner(config, store, rescan, isolate=False)
    else:
        scanner = Scanner(config, store, rescan, readers=readers)
    scanner.resume = resumed
    if not record:
        store = None
    run_id = resume if resume is not None else (
        store.start_run(paths, __version__, scanner.fingerprint, config.source) if store else None)
    run = ScanRun(run_id)
    if on_run:
        on_run(run_id)
    if backend is not None:
        trees = backend(scanner, entries, store, run_id)
    elif parallel:
        trees = _parallel(scanner, entries, jobs, readers)
    else:
        trees = (scanner.scan_entry_tree(entry) for entry in entries)
    batch = TreeBatch(store, run_id, scanner.fingerprint) if store is not None else None
    try:
        for tree in trees:
            if isinstance(tree, RecordedTree):
                run.resumed += tree.resumed
            elif batch is not None:
                batch.add(tree)  # recorded a batch at a time (store/batch.py)
            run.tally[tree[0].verdict] += 1
            if keep:
                run.results.extend(tree)
            if on_tree:
                on_tree(tree)
            if on_item:
                on_item(tree[0])
    finally:
        try:
            if batch is not None:
                batch.flush()  # also when interrupted: what was read stays recorded
        finally:
            scanner.close()
    if store is not None:
        store.finish_run(run_id, run_counts(store, run_id) if resume is not None else run.counts)
    return run
