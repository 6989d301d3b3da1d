"""Word boundaries: whether a Chinese word segmentation cuts through a short lexicon hit."""

from __future__ import annotations

from functools import lru_cache

from scanner.errors import ConfigError

# Characters of text segmented on each side of a hit: enough for the words that may straddle it.
PAD = 6


@lru_cache(maxsize=1)
def _tokenize():
    """rjieba (jieba's dictionary and algorithm in Rust): 2.8 µs a window against jieba's 45 µs
    (benchmarks/README.md). Imported on first use, so start-up does not pay for it."""
    try:
        import rjieba
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ConfigError("词边界检查需要 rjieba 包，请安装或将 detect.word_boundaries 设为 false "
                          "(word boundaries need the rjieba package; install it or set "
                          "detect.word_boundaries = false)") from exc
    return rjieba.tokenize


_CACHE: dict[str, frozenset[int]] = {}
_CACHE_SIZE = 65536


def _starts(window: str) -> frozenset[int]:
    """Offsets in `window` where a word starts (and its end): the places a segmentation allows a cut."""
    starts = _CACHE.get(window)
    if starts is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        starts = _CACHE[window] = frozenset([0] + [end for _, _, end in _tokenize()(window)])
    return starts


def cut_through(text: str, start: int, end: int) -> bool:
    """True when a word of the segmentation around [start, end) crosses one of its ends.

    高中校长 is 高中|校长: the hit 中校 (a rank) starts and ends inside words, so it is cut. The
    segmentation is computed only over a small window around the hit, so cost does not grow with
    the document, and identical windows are segmented once.
    """
    lo = start - PAD if start > PAD else 0
    starts = _CACHE.get(text[lo:end + PAD]) or _starts(text[lo:end + PAD])
    return (start - lo) not in starts or (end - lo) not in starts
