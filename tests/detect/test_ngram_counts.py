"""The fast n-gram counts (detect/ngram_counts.py) equal the straightforward path (hashing.py, itself
checked against scikit-learn in test_hashing.py) on real texts, odd texts, many texts at once, and with
a cold, warm or crowded bucket cache."""

import numpy as np
import pytest
from sklearn.utils import murmurhash3_32

from scanner.detect import hashing, ngram_counts
from scanner.detect.features import split_passages

from tests.detect.test_hashing import ODD, real_texts

N_FEATURES = 2 ** 18
# Characters beyond the BMP, a lone surrogate, two-byte letters, empty texts between others.
ODDER = ODD + ["", "a\ud800b\udfffc", "😀", "ÄÖÜ ßé ăő", "\n", "𠀀𠀁𠀂𠀃 机密", "", "ab"]


def reference(texts, ngram_min, ngram_max, n_features=N_FEATURES):
    rows, buckets = hashing.char_ngram_buckets(texts, ngram_min, ngram_max, n_features)
    return hashing.count(rows, buckets, n_features)


def fast(texts, ngram_min, ngram_max, n_features=N_FEATURES, cache=None):
    return ngram_counts.char_ngram_counts([hashing.prepare(t) for t in texts], ngram_min, ngram_max,
                                          n_features, cache)


def assert_same(got, want):
    assert got is not None
    for g, w in zip(got, want):
        assert np.array_equal(g, w)


@pytest.fixture(params=["few keys in C", "numpy"])
def hashing_path(request, monkeypatch):
    """Unseen keys hashed one by one with murmurhash, or all with numpy's arithmetic."""
    assert ngram_counts._murmur_bytes is not None
    monkeypatch.setattr(ngram_counts, "FEW_KEYS", 10 ** 9 if request.param == "few keys in C" else 0)
    return request.param


def batches():
    texts = real_texts(120)
    passages = [[t[s:e] for s, e in split_passages(t, 400)] for t in texts[:40]]
    return [texts, ODDER, *passages, [t for t in texts if len(t) > 200][:1], ["x"], [""], []]


@pytest.mark.parametrize("ngrams", [(1, 3), (1, 2), (2, 3), (1, 1), (3, 3), (2, 2)])
def test_counts_equal_the_straightforward_path(ngrams, hashing_path):
    for texts in batches():
        assert_same(fast(texts, *ngrams), reference(texts, *ngrams))


def test_a_crowded_cache_gives_the_same_counts(hashing_path):
    # 2**6 slots: nearly every key displaces another, and keys of one batch displace each other.
    tiny = ngram_counts.BucketCache(64, slot_bits=7)
    for texts in batches()[:6] * 2:
        assert_same(fast(texts, 1, 3, 64, tiny), reference(texts, 1, 3, 64))


def test_a_cold_and_a_warm_cache_agree():
    cold = ngram_counts.BucketCache(N_FEATURES)
    texts = real_texts(60)
    first = fast(texts, 1, 3, cache=cold)
    second = fast(texts, 1, 3, cache=cold)
    assert_same(first, reference(texts, 1, 3))
    assert_same(second, first)


def test_many_texts_are_counted_in_chunks(monkeypatch):
    monkeypatch.setattr(ngram_counts, "CHUNK_CHARS", 500)
    texts = real_texts(80) + ODDER
    assert_same(fast(texts, 1, 3), reference(texts, 1, 3))


@pytest.mark.parametrize("n_features", [2 ** 18, 1000, 2 ** 20])
def test_any_number_of_features(n_features):
    texts = real_texts(30) + ODDER
    assert_same(fast(texts, 1, 3, n_features), reference(texts, 1, 3, n_features))


def test_longer_ngrams_are_left_to_the_straightforward_path():
    assert ngram_counts.char_ngram_counts(["abcd"], 2, 4, N_FEATURES) is None


def test_murmur_of_keys_is_murmur3_of_the_utf8_bytes(hashing_path):
    grams = ["a", "机", "机密", "机密文", "😀", "a😀𠀀", "\ud800x", "é", "éé", "ab"]
    keys = np.array([sum((ord(c) + 1) << (ngram_counts.KEY_BITS * (len(g) - 1 - i)) for i, c in enumerate(g))
                     for g in grams], dtype=np.int64)
    want = [murmurhash3_32(g.encode("utf-8", "surrogatepass"), 0) for g in grams]
    assert ngram_counts.murmur_of_keys(keys).tolist() == want


def test_murmur_of_keys_on_every_mix_of_utf8_lengths(hashing_path):
    rng = np.random.default_rng(17)
    pools = [(0x20, 0x7F), (0x80, 0x800), (0x800, 0xD800), (0xE000, 0x10000), (0x10000, 0x110000)]
    grams = []
    for n in (1, 2, 3):
        for _ in range(300):
            grams.append("".join(chr(int(rng.integers(*pools[rng.integers(len(pools))]))) for _ in range(n)))
    keys = np.array([sum((ord(c) + 1) << (ngram_counts.KEY_BITS * (len(g) - 1 - i)) for i, c in enumerate(g))
                     for g in grams], dtype=np.int64)
    assert ngram_counts.murmur_of_keys(keys).tolist() == [murmurhash3_32(g.encode("utf-8"), 0) for g in grams]


def test_the_character_table_is_filled_as_characters_are_met():
    """Single characters are hashed when first met: a text of known and new characters, repeated
    characters among the new ones, and a text of characters all known give every character's bucket."""
    cache = ngram_counts.BucketCache(N_FEATURES)
    texts = ["机密文件", "机密 and 新的字字字 é", "", "文件机密机密", "\ud800ab\u3000"]
    for text in texts:
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        want = [murmurhash3_32(c.encode("utf-8", "surrogatepass"), 0, positive=False) for c in text]
        want = [abs(h) % N_FEATURES for h in want]
        assert cache.char_buckets(points).tolist() == want
    filled = (cache._chars >= 0).sum()
    assert filled == len(set("".join(texts)))  # only the characters met, not the whole BMP
