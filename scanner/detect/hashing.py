"""Hashed character n-gram counts with numpy alone, index for index what scikit-learn's
HashingVectorizer(analyzer="char", lowercase=True, alternate_sign=False) gives, so a scan needs
neither scikit-learn nor scipy (training still uses them; tests/detect/test_hashing.py checks both
agree on real texts)."""

from __future__ import annotations

import re

import numpy as np

# scikit-learn's _VectorizerMixin._white_spaces: a run of two or more white spaces becomes one space
# (a single newline or tab stays as it is).
_WHITE_SPACES = re.compile(r"\s\s+")
_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)
_M5, _N = np.uint32(5), np.uint32(0xE6546B64)
_F1, _F2 = np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def murmur3_32(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """MurmurHash3 x86 32-bit (seed 0) of buffer[start:start+length] for each key, as signed int32;
    `buffer` (uint8) must have at least 4 bytes of padding after its last key."""
    words = np.ndarray(shape=(len(buffer) - 3,), dtype="<u4", buffer=buffer, strides=(1,))
    starts = starts.astype(np.int64, copy=False)
    lengths = lengths.astype(np.int64, copy=False)
    h = np.zeros(len(starts), dtype=np.uint32)
    blocks = lengths >> 2
    for k in range(int(blocks.max(initial=0))):
        which = np.flatnonzero(blocks > k)
        full = len(which) == len(h)
        k1 = words[starts + 4 * k] if full else words[starts[which] + 4 * k]
        k1 = _rotl(k1 * _C1, 15) * _C2
        hk = (h if full else h[which]) ^ k1
        hk = _rotl(hk, 13) * _M5 + _N
        if full:
            h = hk
        else:
            h[which] = hk
    tail = lengths & 3
    # The tail's bytes, little-endian; a key with no tail reads 0, which leaves h unchanged.
    mask = ((np.uint64(1) << (tail.astype(np.uint64) * np.uint64(8))) - np.uint64(1)).astype(np.uint32)
    k1 = words[starts + 4 * blocks] & mask
    h ^= _rotl(k1 * _C1, 15) * _C2
    h ^= lengths.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= _F1
    h ^= h >> np.uint32(13)
    h *= _F2
    h ^= h >> np.uint32(16)
    return h.view(np.int32)


def bucket(hashes: np.ndarray, n_features: int) -> np.ndarray:
    """scikit-learn's index of a signed hash: abs(h) % n_features (abs(-2**31) taken as 2**31)."""
    return (np.abs(hashes.astype(np.int64)) % n_features).astype(np.int64)


def prepare(text: str, lowercase: bool = True) -> str:
    """A text as scikit-learn's char analyzer reads it: lowercased, white-space runs made one space."""
    return _WHITE_SPACES.sub(" ", text.lower() if lowercase else text)


def char_ngram_buckets(texts: list[str], ngram_min: int, ngram_max: int, n_features: int,
                       lowercase: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(row, bucket) of every character n-gram of every text, in no particular order."""
    prepared = [prepare(t, lowercase) for t in texts]
    joined = "".join(prepared)
    if not joined:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    lengths = np.fromiter((len(t) for t in prepared), dtype=np.int64, count=len(prepared))
    ends = np.cumsum(lengths)
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    size = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)
    offsets = np.zeros(len(points) + 1, dtype=np.int64)
    np.cumsum(size, out=offsets[1:])
    raw = joined.encode("utf-8", "surrogatepass")
    buffer = np.zeros(len(raw) + 16, dtype=np.uint8)
    buffer[:len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    # Each character's row and the end of its row, so no n-gram spans two texts.
    row_of = np.repeat(np.arange(len(prepared), dtype=np.int64), lengths)
    row_end = ends[row_of]
    positions = np.arange(len(points), dtype=np.int64)
    rows, buckets = [], []
    for n in range(ngram_min, ngram_max + 1):
        start = positions[positions + n <= row_end] if n > 1 else positions
        if not len(start):
            continue
        hashes = murmur3_32(buffer, offsets[start], offsets[start + n] - offsets[start])
        rows.append(row_of[start])
        buckets.append(bucket(hashes, n_features))
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(rows), np.concatenate(buckets)


def token_buckets(token_lists: list[list[str]], n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, bucket) of every token (e.g. jieba words) of every row."""
    rows = np.repeat(np.arange(len(token_lists), dtype=np.int64), [len(t) for t in token_lists])
    tokens = [t.encode("utf-8", "surrogatepass") for ts in token_lists for t in ts]
    if not tokens:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
    starts = np.zeros(len(tokens), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    raw = b"".join(tokens)
    buffer = np.zeros(len(raw) + 16, dtype=np.uint8)
    buffer[:len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    return rows, bucket(murmur3_32(buffer, starts, lengths), n_features)


def count(rows: np.ndarray, buckets: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (row, bucket) pairs sorted by row then bucket, with how often each occurs."""
    keys = np.unique(rows * width + buckets, return_counts=True)
    return keys[0] // width, keys[0] % width, keys[1]
