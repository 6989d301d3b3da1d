"""k-gram hashes and winnowing (Schleimer, Wilkerson, Aiken 2003), vectorised with numpy.

Two public polynomial hashes of each k-gram (64 bits each) are computed in k passes over the
text. Winnowing keeps, of every window of `window` consecutive k-grams, the one with the least
(mixed) hash. Any passage of at least window + k - 1 characters shared by two texts therefore shares
at least one chosen k-gram. The public hashes never leave the process: what is stored is their
keyed hash (keyed.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_B1 = np.uint64(0x100000001B3)  # FNV prime: odd, large
_B2 = np.uint64(0x9E3779B97F4A7C15)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_X2 = np.uint64(0x5BD1E995)  # the second hash's code points are xor-ed with this


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: uniform order for winnowing whatever the polynomial's structure."""
    x = x ^ (x >> _S30)  # a new array; the rest in place
    x *= _C1
    x ^= x >> _S27
    x *= _C2
    x ^= x >> _S31
    return x


@dataclass(frozen=True)
class Grams:
    """Chosen k-grams: their start in the content text and their two public hashes."""

    starts: np.ndarray  # int64
    h1: np.ndarray  # uint64
    h2: np.ndarray  # uint64

    def __len__(self) -> int:
        return len(self.starts)


def gram_hashes(codes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Both public hashes of every k-gram of `codes` (empty when it is shorter than k)."""
    n = len(codes) - k + 1
    if n <= 0:
        empty = np.zeros(0, dtype=np.uint64)
        return empty, empty
    p1, p2 = _powers(k)
    codes = np.ascontiguousarray(codes, dtype=np.uint64)
    # Row j of each view is codes[j:j + k]: a strided view over the same memory, no copy. Built
    # with np.ndarray directly: sliding_window_view's checks cost more than the hashing of a
    # short item.
    grams = np.ndarray((n, k), dtype=np.uint64, buffer=codes, strides=(8, 8))
    mixed = codes ^ _X2
    grams2 = np.ndarray((n, k), dtype=np.uint64, buffer=mixed, strides=(8, 8))
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64, as intended
        return grams @ p1, grams2 @ p2


@lru_cache(maxsize=16)
def _powers(k: int) -> tuple[np.ndarray, np.ndarray]:
    """B**(k-1), ..., B, 1 for both bases, modulo 2**64."""
    out = []
    for base in (_B1, _B2):
        powers = np.ones(k, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(k - 2, -1, -1):
                powers[j] = powers[j + 1] * base
        out.append(powers)
    return out[0], out[1]


def _sliding(values: np.ndarray, width: int, op) -> np.ndarray:
    """op (np.minimum or np.maximum) over each run of `width` values: len(values) - width + 1 results,
    in log2(width) passes (a sparse table) rather than width."""
    out = values
    span = 1
    while span * 2 <= width:
        out = op(out[:-span], out[span:])
        span *= 2
    if span < width:
        rest = width - span
        out = op(out[:-rest] if rest else out, out[rest:])
    return out


def winnow(codes: np.ndarray, k: int, window: int) -> Grams:
    """The k-grams chosen by winnowing (all k-grams of a text shorter than one window)."""
    h1, h2 = gram_hashes(codes, k)
    n = len(h1)
    if n == 0:
        return Grams(np.zeros(0, dtype=np.int64), h1, h2)
    with np.errstate(over="ignore"):
        order = _mix(h1)
    if n <= window:
        chosen = np.array([int(np.argmin(order))], dtype=np.int64)
    else:
        least = _sliding(order, window, np.minimum)  # least of window j = [j, j + window)
        # A k-gram is chosen when it is the least of some window holding it. Every such window's
        # least is <= it, so it is chosen exactly when the greatest of those leasts equals it.
        m = len(least)
        padded = np.empty(m + 2 * (window - 1), dtype=np.uint64)
        padded[:window - 1] = least[0]
        padded[window - 1:window - 1 + m] = least
        padded[window - 1 + m:] = least[-1]
        best = _sliding(padded, window, np.maximum)[:n]
        chosen = np.nonzero(order == best)[0]
    return Grams(chosen, h1[chosen], h2[chosen])
