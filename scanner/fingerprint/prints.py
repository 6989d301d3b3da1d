"""A text's fingerprints: content characters, winnowed k-grams, stop list applied, keyed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scanner.fingerprint.keyed import FingerprintKey
from scanner.fingerprint.stoplist import in_stoplist
from scanner.fingerprint.text import ContentText, content_text
from scanner.fingerprint.winnow import winnow


@dataclass(frozen=True)
class Prints:
    """The kept k-grams of one normalised text: start in the content text, keyed hash."""

    content: ContentText
    starts: np.ndarray  # int64 indices into content
    hashes: np.ndarray  # int64 keyed fingerprints


def text_prints(norm_text: str, key: FingerprintKey, k: int, window: int, stop: np.ndarray) -> Prints:
    content = content_text(norm_text)
    grams = winnow(content.codes, k, window)
    keep = ~in_stoplist(stop, grams.h1)
    return Prints(content, grams.starts[keep], key.grams(grams.h1[keep], grams.h2[keep]))
