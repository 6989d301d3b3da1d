"""A classifier model's arrays, inflated once per user instead of once per process.

weights.npz is zip-deflated: inflating the topic model's 4.5 MB of float32 weights costs about 40 ms of
CPU in every process that loads it (a reader does, for each scan). Its SHA-256 is still checked against
model.json on every load (classifier.TopicModel.load, as before); then its arrays are read from an
uncompressed copy in the user's cache folder named after that SHA-256, so another or an edited model
never reads this one's copy. zipfile checks the CRC-32 of each member it reads, so a damaged copy raises
and is replaced by a fresh one made from weights.npz, as is a missing one; a cache folder that cannot be
written only costs the inflation, every time, as before.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scanner import cache_dir

# Copies are named after the SHA-256 of weights.npz (hex) and this layout's version.
SUFFIX = ".v1.npz"
# Copies kept: the shipped models' and a few others' (an older version's, a retrained model's).
KEEP = 4


def cache_folder() -> Path | None:
    """~/.cache/mijian/models on Linux (platformdirs), made 0700 when first written; None when there is none."""
    return cache_dir.cache_folder("models")


def _read(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def _write(folder: Path, name: str, arrays: dict[str, np.ndarray]) -> None:
    """Write the copy (uncompressed) through a temporary file renamed into place."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    cache_dir.write_replacing(folder / name, lambda fh: np.savez(fh, **arrays))


def load_arrays(weights: Path, sha256: str, folder: Path | None = None) -> dict[str, np.ndarray]:
    """Every array of `weights` (an .npz whose SHA-256 the caller has just checked to be `sha256`),
    from the uncompressed copy in `folder` (default: cache_folder()) when it holds a readable one."""
    folder = cache_folder() if folder is None else folder
    if folder is None:  # no user cache folder to be found: read the model itself
        return _read(weights)
    copy = folder / (sha256 + SUFFIX)
    try:
        return _read(copy)
    except Exception:  # absent, damaged (a member's CRC-32, a bad header) or unreadable: made again below
        pass
    arrays = _read(weights)
    try:
        _write(folder, copy.name, arrays)
    except OSError:  # a read-only or full cache folder: the model is still read, only slower
        pass
    else:
        cache_dir.prune(folder, "*" + SUFFIX, KEEP)
    return arrays
