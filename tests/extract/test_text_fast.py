"""The text decoder's quick checks (text.py) decide as the straightforward ones they replaced, on tricky and
random bytes: GBK, UTF-8 with noise, replacement characters in the bytes themselves, controls, cut-offs."""

from __future__ import annotations

import random
import re

from scanner.extract import text as T

_REPLACED = re.compile("\ufffd+")


# The straightforward versions (the code before issue 17's speed work), kept here as the reference.
def _uncommon_share_ref(text: str) -> float:
    wide = [c for c in text[:T._SAMPLE] if ord(c) > 127]
    if not wide:
        return 0.0
    common = len("".join(wide).encode("gb2312", "ignore")) // 2
    return 1 - common / len(wide)


def _lenient_ref(data: bytes, encoding: str) -> str | None:
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError:
        return None
    damaged = len(_REPLACED.findall(text)) - len(_REPLACED.findall(data.decode(encoding, "ignore")))
    wide = len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")
    if damaged <= 0 or wide >= 2 * damaged and damaged <= wide / 20 + 1:
        return text
    return None


def _noise_ref(data: bytes) -> str | None:
    text = data.decode("utf-8", errors="replace")
    for piece in _REPLACED.split(text):
        if sum(1 for c in piece if ord(c) >= 0x800) >= T._CLEAN_RUN:
            return text
    return None


def _controls_ref(sample: bytes) -> int:
    return sum(sample.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13, 27))


_PIECES = [
    "机密★10年".encode(), "关于合作的报告".encode("gb18030"), "繁體中文".encode("big5"), "日本語".encode("shift_jis"),
    "\ufffd".encode(), "\ufffd\ufffd".encode(), b"\xef\xbf", b"\xbf\xbd", b"abc ", b"\n", b"\r\n", b"\t", b"\x00",
    b"\x01", b"\x1b", b"\x7f", b"\xff", b"\xfe\xff", b"\xe4\xb8", b"\x80", "é".encode(), "ß".encode("latin-1"),
    "ࠀ".encode(), "😀".encode(), "表".encode() * 3, "表格内容".encode() * 2, bytes(range(0x80, 0x90)),
]


def _samples(rng: random.Random, count: int):
    for _ in range(count):
        how = rng.random()
        if how < 0.4:
            yield b"".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 30)))
        elif how < 0.6:
            yield bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
        else:  # mostly one encoding, a few bytes damaged
            text = "".join(rng.choice("机密内部资料合作项目报告，。ab 1\n表格") for _ in range(rng.randint(1, 300)))
            data = bytearray(text.encode(rng.choice(["utf-8", "gb18030"])))
            for _ in range(rng.randint(0, 4)):
                if data:
                    data[rng.randrange(len(data))] = rng.randrange(256)
            yield bytes(data)


def test_quick_checks_decide_as_the_straightforward_ones():
    rng = random.Random(17)
    accepted = {"lenient": 0, "noise": 0}
    for data in _samples(rng, 4000):
        for encoding in ("utf-8", "gb18030", "big5"):
            assert T._lenient(data, encoding) == _lenient_ref(data, encoding)
        lenient = T._lenient(data, "utf-8")
        accepted["lenient"] += lenient is not None
        noise = T._utf8_with_noise(data)
        assert noise == _noise_ref(data)
        accepted["noise"] += noise is not None
        assert T._utf8(data) == (T._strict(data, "utf-8") or _lenient_ref(data, "utf-8") or _noise_ref(data))
        assert T.looks_like_text(data) == (b"\x00" not in data and _controls_ref(data) <= len(data) / 100 and (
            T._strict(data, "utf-8") is not None or _lenient_ref(data, "utf-8") is not None
            or T._chinese(data) is not None))
        for encoding in ("utf-8", "gb18030", "big5"):
            text = data.decode(encoding, "replace")
            assert T._uncommon_share(text) == _uncommon_share_ref(text)
    # Both ways out of each check are taken, many times.
    assert 300 < accepted["lenient"] < 3700 and 300 < accepted["noise"] < 3700


def test_tricky_inputs():
    cases = [b"", b"\xef\xbf\xbd", b"\xef\xbf\xbd" * 5 + b"\xff", "表格内容".encode() + b"\xff" + "表格内容".encode(),
             b"\xff" * 10 + "表格内".encode(), "表\ufffd格内容".encode(), ("a" * 70000 + "表" * 10).encode(),
             "表".encode("gb18030") * 40000, b"\x01" * 3 + b"a" * 297, b"\x01" * 4 + b"a" * 296]
    for data in cases:
        assert T._lenient(data, "utf-8") == _lenient_ref(data, "utf-8")
        assert T._utf8_with_noise(data) == _noise_ref(data)
        assert T._utf8(data) == (T._strict(data, "utf-8") or _lenient_ref(data, "utf-8") or _noise_ref(data))
        text = data.decode("gb18030", "replace")
        assert T._uncommon_share(text) == _uncommon_share_ref(text)
