"""What runs on a Dask worker: read a batch of files from shared storage and decide each one.

Each worker process keeps one `Scanner` per configuration for its lifetime (module-level cache): with
`scan.isolate` (the default) it owns reader processes (sandbox.py) that keep their detection engine
from file to file, and each file is read in such a killable child under `max_memory`/`max_seconds`,
as in a local scan; without isolation the scanner's own engine is kept. The store, approvals and
stored-result reuse stay with the client (client.py): a worker never opens the database.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from pathlib import Path

from scanner.config import Config
from scanner.ingest.walk import Entry
from scanner.policy.book import package_hints
from scanner.sandbox import SandboxPool
from scanner.scan import Scanner

_KEPT = 4  # configurations a worker keeps a scanner for
_SCANNERS: dict[str, tuple[Scanner, SandboxPool | None]] = {}
_LOCK = threading.Lock()

# Per file: (seq, status, results, approval hints, read) — status "same" (bytes as the resumed run
# recorded: no results) or "scanned"; `read` is whether the bytes were read (so a stored result may
# stand in for them, as Scanner.reuse does in a local scan).
Outcome = tuple[int, str, list | None, list[str], bool]


def _threads() -> int:
    try:
        from distributed import get_worker

        return max(1, get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):  # not inside a worker (called directly)
        return 1


def _allow_readers() -> None:
    """A Dask nanny starts its worker as a daemonic process, and multiprocessing refuses children to
    those. The readers must be children (killable, memory-capped): they end by themselves when this
    process goes (their pipe closes), which is what the refusal guards against, so lift it here."""
    process = multiprocessing.current_process()
    if process.daemon:
        process.daemon = False


def worker_scanner(config: Config) -> Scanner:
    """This process's scanner for `config`, built on first use and kept."""
    _allow_readers()
    key = config.fingerprint() + "\0" + str(config.source)
    with _LOCK:
        if key not in _SCANNERS:
            if len(_SCANNERS) >= _KEPT:
                for _, readers in _SCANNERS.values():
                    if readers is not None:
                        readers.close()
                _SCANNERS.clear()
            # One reader process per worker thread, as `--jobs N` has one per job.
            readers = SandboxPool(_threads()) if config.scan.isolate else None
            _SCANNERS[key] = (Scanner(config, store=None, isolate=False, readers=readers), readers)
        return _SCANNERS[key][0]


def scan_batch(config: Config, items: list[tuple[int, bytes, str, str | None]]) -> dict:
    """Decide each (seq, path on this worker, display name, recorded sha256 or None) of a batch.

    Never raises for a file's sake: what cannot be read is a fail-closed result, as in a local scan.
    Returns {"fingerprint": this worker's ruleset fingerprint, "pid": ..., "outcomes": [Outcome...]}.
    """
    scanner = worker_scanner(config)
    outcomes: list[Outcome] = []
    for seq, path, display, recorded in items:
        entry = Entry(Path(os.fsdecode(path)), display)
        data, result = scanner.read_entry(entry)
        if result is not None:
            outcomes.append((seq, "scanned", [result], [], False))
            continue
        sha256 = hashlib.sha256(data).hexdigest()
        if recorded is not None and sha256 == recorded:
            outcomes.append((seq, "same", None, [], True))
            continue
        tree = scanner.scan_data(data, display, sha256)
        outcomes.append((seq, "scanned", tree, package_hints(data), True))
        del data
    return {"fingerprint": scanner.fingerprint, "pid": os.getpid(), "outcomes": outcomes}


def can_see(paths: list[bytes]) -> list[bytes]:
    """The paths this worker cannot find (shared storage not mounted, or path_map wrong)."""
    return [p for p in paths if not os.path.lexists(os.fsdecode(p))]
