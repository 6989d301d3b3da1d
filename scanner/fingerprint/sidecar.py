"""The index's membership sidecar: every stored fingerprint once, sorted, in a numpy file next to it.

Most items share no fingerprint with any registered document. Asking SQLite about each item's
fingerprints costs more than computing them; a binary search in a sorted array of all stored
hashes (np.searchsorted on a memory-mapped file) answers "is any of them stored" first, and SQLite
is asked only about those that are. It holds the same keyed hashes as the index, nothing more.

The file is named after the index's `stamp` (a random value that `register add/remove/import/data`
renews on every change, index.py `bump_generation`): `<index>.hashes-<stamp>.npy`. A gateway
opens the file named by the stamp it reads in the index, so a sidecar left from before a change is
never used; when that file is missing (not written yet, deleted, an index made before sidecars),
every lookup goes to SQLite alone, with the same result.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

_GLOB = ".hashes-*.npy"


def sidecar_path(index_path: Path, stamp: str) -> Path:
    return index_path.with_name(f"{index_path.name}.hashes-{stamp}.npy")


def write_sidecar(db, index_path: Path, stamp: str) -> Path:
    """Write the sidecar of the index as `db` sees it (atomically), and remove any older one."""
    hashes = np.fromiter((h for (h,) in db.execute("SELECT DISTINCT hash FROM prints")), dtype=np.int64)
    target = sidecar_path(index_path, stamp)
    fd, tmp = tempfile.mkstemp(prefix=f".{index_path.name}.", suffix=".tmp", dir=index_path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, np.sort(hashes), allow_pickle=False)  # DISTINCT on the key is sorted; sort is cheap
        os.chmod(tmp, index_path.stat().st_mode & 0o777)  # readable by whoever reads the index
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for old in index_path.parent.glob(index_path.name + _GLOB):
        if old != target:
            old.unlink(missing_ok=True)
    return target


def load_sidecar(index_path: Path, stamp: str | None) -> np.ndarray | None:
    """The sorted stored hashes (memory-mapped) when the sidecar of this stamp exists, else None."""
    if not stamp:
        return None
    try:
        hashes = np.load(sidecar_path(index_path, stamp), mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None
    if hashes.dtype != np.int64 or hashes.ndim != 1:
        return None
    return hashes.view(np.ndarray)  # still mapped; a plain array skips np.memmap's per-operation wrapping


def stored_among(sidecar: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """The values of `hashes` found in the sorted `sidecar` (in no particular order)."""
    if len(sidecar) == 0 or len(hashes) == 0:
        return hashes[:0]
    if len(hashes) > 64:  # numpy starts each search of sorted needles where the last one ended:
        hashes = np.sort(hashes)  # half the cache misses on a large sidecar, measured
    at = np.searchsorted(sidecar, hashes)
    np.minimum(at, len(sidecar) - 1, out=at)
    return hashes[sidecar[at] == hashes]
