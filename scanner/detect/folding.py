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


def class_of(codes: list[int]) -> str:
    """A regex character-class body for sorted code points, as ranges."""
    out, k = [], 0
    while k < len(codes):
        j = k
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        out.append(re.escape(chr(codes[k])) + ("-" + re.escape(chr(codes[j])) if j > k else ""))
        k = j + 1
    return "".join(out)


# A run that starts with one of these is flagged (see `tables`): traditional characters are among them,
# and compatibility ideographs, which fold to others.
HAN_FLAG = "\u3400-\u9fff\uf900-\ufaff"


@lru_cache(maxsize=1)
def _classes() -> tuple[frozenset[int], list[int], list[int]]:
    """(safe, folding to ' ' or '', folding to '' or '\n'): from `fold_char` over the BMP, bar the
    ideographs of the plain class and the Hangul syllables, which NFKC leaves as they are."""
    known = set(range(0x4E00, 0xA000)) | set(range(0xAC00, 0xD7A4))
    everything = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000 and c not in known)
    safe = {ord(ch) for ch in re.findall(f"[{PLAIN_CLASS}]", everything)} | known
    spaces, droppable = [], []
    for ch in everything:
        out = fold_char(ch)
        if out == ch and ord(ch) not in safe:
            safe.add(ord(ch))
        if out in (" ", ""):
            spaces.append(ord(ch))
        if out in ("", "\n"):
            droppable.append(ord(ch))
    return frozenset(safe - {ord(" "), ord("\n")}), spaces, droppable


@lru_cache(maxsize=2)
def tables(flagged: frozenset[int] = frozenset()) -> Tables:
    """Built from `fold_char` itself, so they can never disagree with it.

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
    short = re.compile(rf"[{CJK_CLASS}\d\s]")  # what a short line may hold (see normalize._SHORT_LINE)
    other = class_of(sorted(c for c in safe if not short.match(chr(c))))
    cls = class_of(sorted(safe))
    start = class_of(sorted(safe - flagged)) if flagged else cls
    s, cjk = f"[{cls}]", f"[{CJK_CLASS}]"
    checks = (rf"(?<=[^{cls}{HAN_FLAG} \n])"
              rf"|(?<= )(?:(?!{s})|(?<!{s} )|(?<={cjk} )(?={cjk}))"
              rf"|(?<=\n)(?<![{other}]\n)(?<![{other}]\n\n)(?<![\s\S][^\n]{{11}}{s}\n)"
              rf"|(?<=[{HAN_FLAG}])()")
    return Tables(
        special=re.compile(f"[^{start}](?:{checks})[^{cls}{HAN_FLAG}]*"),
        spaces=re.compile(f"[{class_of(spaces)}]*"),
        droppable=re.compile(f"[{class_of(droppable)}\ud800-\udfff\U00010000-\U0010ffff]"),
    )
