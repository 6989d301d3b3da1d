"""Hashed character n-gram counts of many texts in one numpy pass: the (row, bucket, count) triples of
hashing.count(*hashing.char_ngram_buckets(...)), with most n-grams looked up rather than hashed.

An n-gram of up to three characters is keyed by its code points packed in an int64. A per-process,
direct-mapped cache (BucketCache) keeps the bucket of each key already seen; only the distinct keys
it does not hold are hashed (MurmurHash3 of their UTF-8 bytes, hashing.murmur3_32). Single characters
of the Basic Multilingual Plane read a table of all 65,536. One sort of (row, bucket) then gives
each row's distinct buckets and their counts (n-grams that share a bucket added up, as
scikit-learn does).
"""

from __future__ import annotations

import threading

import numpy as np

from scanner.detect import hashing

# A key: each character as its code point + 1 (so no field is 0) in 21 bits, first character highest.
KEY_BITS = 21
MAX_N = 3  # three characters fill 63 bits; longer n-grams take hashing's path
_FIELD = (1 << KEY_BITS) - 1
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # odd: multiplying by it is a bijection of the 64-bit keys
# Characters counted in one pass: bounds the per-position arrays (about 80 bytes a character).
CHUNK_CHARS = 1 << 20
_BMP = 0x10000


def run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values begins (values not empty)."""
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return keep.nonzero()[0]


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.sort and a comparison: np.unique is several times slower here)."""
    values = np.sort(values)
    return values[run_starts(values)] if len(values) > 1 else values


try:  # spaCy's own dependency: MurmurHash3 in C, one key a call
    from murmurhash.mrmr import hash_bytes as _murmur_bytes
except ImportError:  # pragma: no cover - numpy alone then
    _murmur_bytes = None
# Up to this many unseen keys are hashed one by one in C: quicker than numpy's fixed cost per call.
FEW_KEYS = 200
_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)
_TAIL_MASKS = np.array([0, 0xFF, 0xFFFF, 0xFFFFFF], dtype=np.uint32)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _gram(key: int) -> str:
    """The n-gram a key stands for (fields that are 0 hold no character)."""
    first, second = key >> (2 * KEY_BITS), (key >> KEY_BITS) & _FIELD
    if first:
        return chr(first - 1) + chr(second - 1) + chr((key & _FIELD) - 1)
    if second:
        return chr(second - 1) + chr((key & _FIELD) - 1)
    return chr(key - 1)


def murmur_of_keys(keys: np.ndarray) -> np.ndarray:
    """MurmurHash3 x86 32-bit, seed 0 (signed int32), of the UTF-8 bytes of the n-grams that keys stand
    for. A few keys go one by one to murmurhash's C function; many keys take hashing.murmur3_32's
    arithmetic for keys of at most 12 bytes, in fewer numpy calls (each key's bytes in a 16-byte row,
    the four words of all keys mixed at once, then chained)."""
    if _murmur_bytes is not None and len(keys) <= FEW_KEYS:
        return np.array([_murmur_bytes(_gram(key).encode("utf-8", "surrogatepass")) for key in keys.tolist()],
                        dtype=np.int32)
    fields = np.stack([keys >> (2 * KEY_BITS), (keys >> KEY_BITS) & _FIELD, keys & _FIELD], axis=1)
    present = fields > 0
    points = (fields[present] - 1).astype(np.uint32)  # row-major: each n-gram's characters in order
    raw = np.frombuffer(points.tobytes().decode("utf-32-le", "surrogatepass").encode("utf-8", "surrogatepass"),
                        dtype=np.uint8)
    sizes = 1 + (points >= 0x80).astype(np.int64) + (points >= 0x800) + (points >= 0x10000)
    ends = np.zeros(len(keys) + 1, dtype=np.int64)
    ends[1:] = sizes.cumsum()[present.sum(axis=1).cumsum() - 1]
    lengths = ends[1:] - ends[:-1]
    # Byte j of key i goes to row i, column j of a zeroed 16-byte row per key.
    owner = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
    rows = np.zeros((len(keys), 16), dtype=np.uint8)
    rows.reshape(-1)[owner * 16 + np.arange(len(raw)) - ends[owner]] = raw
    words = rows.view("<u4").T.copy()  # (4, keys): words 0-2 are whole blocks or the tail, word 3 is 0
    blocks = lengths >> 2
    # The tail word in place of word 3 (its bytes masked), then every word's k1 in one pass.
    words[3] = words[blocks, np.arange(len(keys))] & _TAIL_MASKS[lengths & 3]
    words *= _C1
    words = _rotl(words, 15)
    words *= _C2
    h = np.zeros(len(keys), dtype=np.uint32)
    for k in range(3):
        mixed = _rotl(h ^ words[k], 13) * np.uint32(5) + np.uint32(0xE6546B64)
        h = np.where(blocks > k, mixed, h)
    h ^= words[3]
    h ^= lengths.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h.view(np.int32)


class BucketCache:
    """The bucket (for one n_features) of n-gram keys already seen: a two-way set-associative table.

    A key's set is the top bits of key × an odd constant (a bijection), so the other bits of that
    product identify the key within its set; they are stored beside the bucket in one uint64. A
    lookup reads the set's first slot, and its second only when the first holds another key; a new
    key takes the first slot and moves what was there to the second (so the n-grams of one document
    rarely push each other out). The table holds only values of a pure function of the key, so its
    contents never change a result, only its speed; a lock keeps each lookup-and-store whole across
    threads."""

    def __init__(self, n_features: int, slot_bits: int = 21):
        self.n_features = n_features
        self.feature_bits = max(1, (n_features - 1).bit_length())
        self.slot_bits = max(slot_bits, self.feature_bits + 2)
        set_bits = self.slot_bits - 1
        self._shift = np.uint64(64 - set_bits)
        self._low = np.uint64((1 << (64 - set_bits)) - 1)
        self._fbits = np.uint64(self.feature_bits)
        self._fmask = np.uint64((1 << self.feature_bits) - 1)
        self._table: np.ndarray | None = None  # 8 bytes a slot, made on first use
        self._chars: np.ndarray | None = None
        self._lock = threading.Lock()

    def _tags(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each key's first slot (its set's) and its tag (the product's other bits, then a 1)."""
        mixed = keys.view(np.uint64) * _GOLDEN
        return ((mixed >> self._shift) << np.uint64(1)).view(np.int64), \
            ((mixed & self._low) << np.uint64(1)) | np.uint64(1)

    def buckets(self, keys: np.ndarray) -> np.ndarray:
        """The bucket of each key (int64 array of keys, repeats allowed)."""
        slots, tags = self._tags(keys)
        with self._lock:
            if self._table is None:
                self._table = np.zeros(1 << self.slot_bits, dtype=np.uint64)
            entries = self._table[slots]
            out = (entries & self._fmask).view(np.int64)
            hit = (entries >> self._fbits) == tags
            if hit.all():
                return out
            second = (~hit).nonzero()[0]
            entries = self._table[slots[second] + 1]
            hit = (entries >> self._fbits) == tags[second]
            out[second[hit]] = (entries[hit] & self._fmask).view(np.int64)
            missing = second[~hit]
            if not len(missing):
                return out
            wanted = keys[missing]
            new = _distinct(wanted)
            found = hashing.bucket(murmur_of_keys(new), self.n_features)
            new_slots, new_tags = self._tags(new)
            self._table[new_slots + 1] = self._table[new_slots]
            self._table[new_slots] = (new_tags << self._fbits) | found.view(np.uint64)
            out[missing] = found[np.searchsorted(new, wanted)]
            return out

    def char_buckets(self, points: np.ndarray) -> np.ndarray:
        """The bucket of each single character (uint32 code points, all below 0x10000), from a table of
        the BMP filled as characters are first met (-1: not yet hashed; a short text hashes the few
        hundred characters it holds, not all 65,536)."""
        if self._chars is None:
            with self._lock:
                if self._chars is None:
                    self._chars = np.full(_BMP, -1, dtype=np.int64)
        out = self._chars[points]
        if len(out) and out.min() < 0:
            missing = (out < 0).nonzero()[0]
            new = _distinct(points[missing])
            found = hashing.bucket(murmur_of_keys(new.astype(np.int64) + 1), self.n_features)  # 1-gram keys
            with self._lock:
                self._chars[new] = found
            out[missing] = found[np.searchsorted(new, points[missing])]
        return out


_CACHES: dict[int, BucketCache] = {}


def cache_for(n_features: int) -> BucketCache:
    if n_features not in _CACHES:
        _CACHES.setdefault(n_features, BucketCache(n_features))
    return _CACHES[n_features]


_EMPTY = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))


def _counts_chunk(prepared: list[str], ngram_min: int, ngram_max: int,
                  cache: BucketCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    joined = "".join(prepared)
    total = len(joined)
    if total < ngram_min:
        return _EMPTY
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    codes = points.astype(np.int64) + 1
    fbits = cache.feature_bits
    many = len(prepared) > 1
    dtype = np.int32 if (len(prepared) + 1) << fbits < 1 << 31 else np.int64
    if many:
        lengths = np.fromiter(map(len, prepared), dtype=np.int64, count=len(prepared))
        row = np.repeat(np.arange(len(prepared), dtype=np.int64), lengths)
        room = np.cumsum(lengths)[row] - np.arange(total)  # characters left in the position's own text
        row <<= fbits
        sentinel = len(prepared) << fbits  # n-grams across two texts: sorted last, then dropped
    parts = []
    if ngram_min == 1:
        ones = cache.char_buckets(points) if int(points.max()) < _BMP else cache.buckets(codes)
        parts.append(ones | row if many else ones)
    keys, longer, size = codes, [], []
    for n in range(2, ngram_max + 1):
        keys = (keys[:-1] << KEY_BITS) | codes[n - 1:]
        if n >= ngram_min and len(keys):
            longer.append(keys)
            size.append(n)
    if longer:
        found = cache.buckets(np.concatenate(longer) if len(longer) > 1 else longer[0])
        if many:
            at = 0
            for n, k in zip(size, longer):
                part = found[at:at + len(k)]
                at += len(k)
                parts.append(np.where(room[:len(k)] >= n, row[:len(k)] | part, sentinel))
        else:
            parts.append(found)
    if not parts:
        return _EMPTY
    pairs = (np.concatenate(parts) if len(parts) > 1 else parts[0]).astype(dtype)
    pairs.sort()
    starts = run_starts(pairs)
    counts = np.empty(len(starts), dtype=np.int64)
    counts[:-1] = starts[1:] - starts[:-1]
    counts[-1] = len(pairs) - starts[-1]
    pairs = pairs[starts].astype(np.int64)
    if many and pairs[-1] == sentinel:
        pairs, counts = pairs[:-1], counts[:-1]
    return pairs >> fbits, pairs & ((1 << fbits) - 1), counts


def char_ngram_counts(prepared: list[str], ngram_min: int, ngram_max: int, n_features: int,
                      cache: BucketCache | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Distinct (row, bucket) pairs of the texts' character n-grams, sorted by row then bucket, with
    their counts, equal to hashing.count(*hashing.char_ngram_buckets(...)); `prepared` already
    lowercased and with white-space runs collapsed. None when n-grams are too long to key (> MAX_N)."""
    if ngram_max > MAX_N or ngram_min < 1:
        return None
    cache = cache or cache_for(n_features)
    rows_per_chunk = max(1, (1 << (62 - cache.feature_bits)) - 1)
    out = []
    start = 0
    while start < len(prepared):
        stop, chars = start, 0
        while stop < len(prepared) and stop - start < rows_per_chunk and (chars < CHUNK_CHARS or stop == start):
            chars += len(prepared[stop])
            stop += 1
        rows, buckets, counts = _counts_chunk(prepared[start:stop], ngram_min, ngram_max, cache)
        out.append((rows + start, buckets, counts))
        start = stop
    if len(out) == 1:
        return out[0]
    if not out:
        return _EMPTY
    return tuple(np.concatenate(column) for column in zip(*out))
