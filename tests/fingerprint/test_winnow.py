"""Winnowing's guarantee and the content characters fingerprints are taken from."""

from __future__ import annotations

import random

import numpy as np
import pytest

from scanner.detect.normalize import normalize
from scanner.fingerprint.text import content_string, content_text
from scanner.fingerprint.winnow import gram_hashes, winnow

ALPHABET = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所"


@pytest.mark.parametrize("text, kept", [
    ("机密，文件。", "机密文件"),
    ("ＡＢＣ１２３ 测 试", "abc123测试"),
    ("第 三 季 度\n在舟山", "第三季度在舟山"),
    ("軍事演習", "军事演习"),  # 繁→简 comes from the shared normalisation
])
def test_content_characters(text, kept):
    assert content_string(text) == kept


def test_offsets_point_into_the_normalised_text():
    norm = normalize("甲，乙 丙。Ab")
    content = content_text(norm.text)
    assert "".join(norm.text[i] for i in content.offsets).lower() == content_string("甲，乙 丙。Ab")


@pytest.mark.parametrize("k, window", [(11, 16), (13, 24), (10, 20), (5, 4)])
def test_any_shared_passage_of_the_guaranteed_length_shares_a_fingerprint(k, window):
    """Two unrelated texts sharing one passage of window + k - 1 characters anywhere share a k-gram
    chosen in both (the winnowing guarantee), whatever surrounds the passage."""
    rng = random.Random(k * 100 + window)
    t = window + k - 1
    for _ in range(60):
        shared = "".join(rng.choices(ALPHABET, k=t))
        a = "".join(rng.choices(ALPHABET, k=rng.randint(0, 80))) + shared + "".join(rng.choices(ALPHABET, k=rng.randint(0, 80)))
        b = "".join(rng.choices(ALPHABET, k=rng.randint(0, 80))) + shared + "".join(rng.choices(ALPHABET, k=rng.randint(0, 80)))
        ga, gb = winnow(content_text(a).codes, k, window), winnow(content_text(b).codes, k, window)
        assert set(ga.h1.tolist()) & set(gb.h1.tolist())


def test_one_shorter_than_the_guarantee_may_share_none():
    """The guarantee is tight: some passages one character shorter share no chosen k-gram."""
    rng = random.Random(5)
    k, window = 13, 24
    misses = 0
    for _ in range(300):
        shared = "".join(rng.choices(ALPHABET, k=k + 3))
        a = "".join(rng.choices(ALPHABET, k=60)) + shared + "".join(rng.choices(ALPHABET, k=60))
        b = "".join(rng.choices(ALPHABET, k=60)) + shared + "".join(rng.choices(ALPHABET, k=60))
        ga, gb = winnow(content_text(a).codes, k, window), winnow(content_text(b).codes, k, window)
        misses += not (set(ga.h1.tolist()) & set(gb.h1.tolist()))
    assert misses > 0


def test_every_window_has_its_least_chosen():
    rng = np.random.default_rng(3)
    codes = rng.integers(0x4E00, 0x9FFF, size=500).astype(np.uint64)
    k, window = 13, 24
    h1, _ = gram_hashes(codes, k)
    chosen = set(winnow(codes, k, window).starts.tolist())
    from scanner.fingerprint.winnow import _mix

    with np.errstate(over="ignore"):
        order = _mix(h1)
    for j in range(len(h1) - window + 1):
        assert j + int(np.argmin(order[j:j + window])) in chosen
    assert len(chosen) < len(h1) / 5  # about 2 / (window + 1) of the k-grams


def reference_hashes(codes: list[int], k: int) -> tuple[list[int], list[int]]:
    """The two public k-gram hashes by their definition (winnow.py), in plain integers: stored
    indexes depend on them, so a faster computation must give exactly these."""
    mask = 2 ** 64 - 1
    out1, out2 = [], []
    for i in range(len(codes) - k + 1):
        h1 = h2 = 0
        for c in codes[i:i + k]:
            h1 = (h1 * 0x100000001B3 + c) & mask
            h2 = (h2 * 0x9E3779B97F4A7C15 + (c ^ 0x5BD1E995)) & mask
        out1.append(h1)
        out2.append(h2)
    return out1, out2


def reference_mix(x: int) -> int:
    mask = 2 ** 64 - 1
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & mask
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & mask
    return x ^ (x >> 31)


@pytest.mark.parametrize("k", [2, 11, 13])
def test_gram_hashes_and_their_order_are_those_of_the_definition(k):
    rng = np.random.default_rng(k)
    wide = rng.integers(0x30, 0x3134F, size=240).astype(np.uint64)
    for codes in (wide, wide[::2], wide[5:k + 5], wide[:k - 1]):  # strided, one k-gram, none
        h1, h2 = gram_hashes(codes, k)
        r1, r2 = reference_hashes([int(c) for c in codes], k)
        assert h1.tolist() == r1 and h2.tolist() == r2
    from scanner.fingerprint.winnow import _mix

    h1, _ = gram_hashes(wide, k)
    with np.errstate(over="ignore"):
        assert _mix(h1).tolist() == [reference_mix(h) for h in h1.tolist()]
    assert h1.tolist() == reference_hashes([int(c) for c in wide], k)[0]  # _mix left its input alone
