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
