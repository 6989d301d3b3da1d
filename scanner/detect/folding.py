"""What one character folds to in normalisation, and the character classes that let a regex skip
the text that folding leaves unchanged (so only the rest is walked character by character)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

# Characters dropped outright: zero-width and format characters used to split words.
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
                      "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u034f")

# Look-alikes of the star in a secrecy mark (after NFKC, which folds ＊ to *).
STARS = frozenset("☆✱✲✳✴✵✶✷✸✹✺✻✼✽✾✿❀❁❂❃❄❅❆❇❈❉❊❋*⭐✩✪✫✬✭✮✯✰⋆🌟✦✧⁎⁑∗")
STAR = "★"

# Text that needs no change: common CJK ideographs, ASCII letters and digits and the everyday
# punctuation of Chinese text. Full-width Chinese punctuation (，；：（）) is kept as it is: folding
# it would cost a map point per comma and changes nothing a detector looks at.
PLAIN_CLASS = (r"\u4e00-\u9fff0-9A-Za-z.,;:!?()\[\]'\"/\-_%+=#@&<>|~`^$"
               r"\u3001\u3002\u201c\u201d\u2018\u2019\u300a\u300b\u3008\u3009\u300c\u300d\u3010\u3011"
               r"\u3014\u3015\u2014\u2026\u00b7\u00d7\u00f7\uff0c\uff1b\uff1a\uff08\uff09\uff01\uff1f★")
CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff★"  # the characters between which a space is an evasion


def fold_char(ch: str) -> str:
    """One character's normal form: '' to drop it, ' ' for any space, '\\n' for any line break."""
    if ch in INVISIBLE:
        return ""
    out = unicodedata.normalize("NFKC", ch)
    if len(out) == 1:
        if out in STARS:
            return STAR
        if out == "\n":
            return "\n"
        cat = unicodedata.category(out)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn") and out != "\t":
            return "\n" if out in "\r\x0b\x0c\x1c\x1d\x1e\x85" else ""
        if cat in ("Zs", "Zl", "Zp") or out == "\t":
            return "\n" if cat in ("Zl", "Zp") else " "
    return out


_FOLDED: dict[str, str] = {}


def fold(ch: str) -> str:
    """`fold_char`, memoised: it is hot."""
    out = _FOLDED.get(ch)
    if out is None:
        out = fold_char(ch)
        if len(_FOLDED) < 65536:  # bounded, whatever the input
            _FOLDED[ch] = out
    return out


def folding_cache() -> dict[str, str]:
    """The memo behind `fold` (a dict lookup is cheaper than a call in the hot loop; misses call `fold`)."""
    return _FOLDED


class Tables(NamedTuple):
    special: re.Pattern  # runs that `normalize` must walk character by character (see `tables`)
    spaces: re.Pattern  # a run of BMP characters that fold to ' ' or ''
    droppable: re.Pattern  # a character that may fold to '' or '\n' (every non-BMP one counts)


def _class_of_mask(mask: bytearray, beyond: bool = False) -> str:
    """A regex character-class body for the BMP code points set in `mask` and, if `beyond`, every one
    past the BMP; as ranges, found by the regex engine as runs of set bytes (not a loop per code point)."""
    out = ["\U00010000-\U0010ffff"] if beyond else []
    for m in re.finditer(b"\x01+", mask):
        lo, hi = m.span()
        out.append(_ESCAPED.get(lo) or chr(lo))
        if hi - lo > 1:
            out.append("-")
            out.append(_ESCAPED.get(hi - 1) or chr(hi - 1))
    return "".join(out)


# What must be escaped inside a class (all of ASCII's punctuation, to be safe from set-operation warnings).
_ESCAPED = {c: re.escape(chr(c)) for c in range(128) if re.escape(chr(c)) != chr(c)}


# A run that starts with one of these is flagged (see `tables`): traditional characters are among them,
# and compatibility ideographs, which fold to others.
HAN_FLAG = "\u3400-\u9fff\uf900-\ufaff"
_HAN_RANGES = ((0x3400, 0xA000), (0xF900, 0xFB00))
_FLIP = bytes.maketrans(b"\x00\x01", b"\x01\x00")


@lru_cache(maxsize=1)
def _classes() -> tuple[bytearray, bytearray, bytearray]:
    """Masks over the BMP of the characters that are safe, that fold to ' ' or '', and that fold to ''
    or '\n' (past the BMP, nothing is safe and anything may fold to anything): from `fold_char`, bar
    the ideographs of the plain class, Extension A and the Hangul syllables, which NFKC keeps."""
    known = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xAC00, 0xD7A4))
    safe, spaces, droppable = bytearray(0x10000), bytearray(0x10000), bytearray(0x10000)
    for lo, hi in known:
        safe[lo:hi] = b"\x01" * (hi - lo)
    everything = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000 and not safe[c])
    for ch in re.findall(f"[{PLAIN_CLASS}]", everything):
        safe[ord(ch)] = 1
    for ch in everything:
        out = fold_char(ch)
        code = ord(ch)
        if out == ch:
            safe[code] = 1
        elif out in (" ", ""):
            spaces[code] = 1
        if out in ("", "\n"):
            droppable[code] = 1
    safe[ord(" ")] = safe[ord("\n")] = 0
    spaces[ord(" ")] = 1
    spaces[0xD800:0xE000] = droppable[0xD800:0xE000] = b"\x01" * 0x800  # lone surrogates fold to ''
    return safe, spaces, droppable


@lru_cache(maxsize=2)
def tables(flagged: frozenset[int] = frozenset()) -> Tables:
    """Built from `fold_char` itself, so they can never disagree with it (see `table_sources`)."""
    return compile_tables(table_sources(flagged))


def compile_tables(sources: tuple[str, str, str]) -> Tables:
    """The tables from their patterns' sources (`table_sources`, or the copy shipped in folding_data.py)."""
    special, spaces, droppable = sources
    return Tables(special=re.compile(special), spaces=re.compile(spaces), droppable=re.compile(droppable))


def table_sources(flagged: frozenset[int] = frozenset()) -> tuple[str, str, str]:
    """The patterns of `tables`, as source text: special, spaces, droppable.

    Safe, copied as is by `normalize`: the plain class, and every other BMP character that folds to
    itself, bar the space and the line break. A run starts at any other character, except
    - a space between two safe characters that are not both CJK (机 密 is an evasion), and
    - a line break after a safe character that is neither CJK nor a digit, or after a line of more than
      12 characters, or that ends a blank line after such a character: `normalize` joins a line break
      only after a short line of one CJK character or a few digits (a mark written down the page);
    and goes on over every character that is not safe (after one that is not, no space or line break
    is one of those exceptions). Skips over spaces and line breaks never cross a safe character, so
    walking the runs alone gives exactly what walking every character would.

    A `flagged` character (normalize's traditional ones), or a compatibility ideograph, starts a run
    of its own with group 1 set: one pass both finds the runs and tells whether the text must be
    converted first. On text without them, the runs are the same as with none flagged.
    """
    safe, spaces, droppable = _classes()
    # Classes are written with as few code points as they can (the compiler walks every one): the
    # unsafe ones are the fewer, so "safe" is written [^unsafe].
    unsafe = safe.translate(_FLIP)
    start, first, rest = bytearray(unsafe), bytearray(unsafe), bytearray(unsafe)
    for code in flagged:
        start[code] = 1
    for lo, hi in _HAN_RANGES:
        first[lo:hi] = rest[lo:hi] = bytes(hi - lo)
    first[ord(" ")] = first[ord("\n")] = 0
    other = bytearray(safe)  # safe, and neither CJK, nor a digit, nor a space: what a short line is not
    for lo, hi in ((0x3400, 0x4DC0), (0x4E00, 0xA000)):
        other[lo:hi] = bytes(hi - lo)
    for ch in re.findall(rf"[{CJK_CLASS}\d\s]", "".join(map(chr, range(0x10000)))):
        other[ord(ch)] = 0
    u, o = _class_of_mask(unsafe, beyond=True), _class_of_mask(other)
    s, cjk = f"[^{u}]", f"[{CJK_CLASS}]"
    checks = (rf"(?<=[{_class_of_mask(first, beyond=True)}])"
              rf"|(?<= )(?:(?!{s})|(?<!{s} )|(?<={cjk} )(?={cjk}))"
              rf"|(?<=\n)(?<![{o}]\n)(?<![{o}]\n\n)(?<![\s\S][^\n]{{11}}{s}\n)"
              rf"|(?<=[{HAN_FLAG}])()")
    return (f"[{_class_of_mask(start, True)}](?:{checks})[{_class_of_mask(rest, True)}]*",
            f"[{_class_of_mask(spaces)}]*",
            f"[{_class_of_mask(droppable, beyond=True)}]")
