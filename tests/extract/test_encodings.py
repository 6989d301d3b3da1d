"""Text encodings a reader gets right and detection alone gets wrong (issue 14, item 10): short GB18030,
UTF-8 cut short or with a damaged byte, a declared charset kept, never an encoding that gives mojibake."""

import random

import pytest

from scanner.extract import extract, sniff
from scanner.extract.text import decode_text

MARK = "机密★10年"
NOTICE = f"{MARK}\n关于召开会议的通知\n"
LETTER = f"{MARK}\n关于召开会议的通知\n各单位：定于下周召开工作会议，请准时参加。\n"


def blocked_for_the_mark(results) -> bool:
    return results[0].verdict == "block" and MARK in [m.text for m in results[0].detection.markings]


def test_short_gb18030_is_text_read_as_chinese(scan_items):
    data = NOTICE.encode("gb18030")
    assert sniff(data) == "text"
    assert decode_text(data) == (NOTICE, "gb18030")
    assert blocked_for_the_mark(scan_items(data, "notice.txt"))


@pytest.mark.parametrize("cut", [1, 2])
def test_utf8_with_its_last_character_cut_off(scan_items, cut):
    data = f"{MARK}\n正文".encode()[:-cut]
    text, encoding = decode_text(data)
    assert encoding == "utf-8" and text.startswith(f"{MARK}\n")
    assert blocked_for_the_mark(scan_items(data, "cut.txt"))


def _damaged(data: bytes, seed: int, after: int) -> bytes:
    """One byte after `after` overwritten, cut off or inserted (seeded), never inside the mark."""
    rnd = random.Random(seed)
    out = bytearray(data)
    where = rnd.randrange(after, len(out))
    kind = seed % 3
    if kind == 0:
        out[where] = rnd.randrange(128, 256)
    elif kind == 1:
        del out[max(where, after + 1):]
    else:
        out[where:where] = bytes([rnd.randrange(128, 256)])
    return bytes(out)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_seeded_damage_after_the_mark_never_hides_it(scan_items, encoding):
    data = LETTER.encode(encoding)
    after = len(MARK.encode(encoding))
    missed = [seed for seed in range(60)
              if not blocked_for_the_mark(scan_items(_damaged(data, seed, after), "letter.txt"))]
    assert missed == []


def _page(charset: str, body: str = LETTER) -> str:
    paragraphs = "".join(f"<p>{line}</p>\n" for line in body.splitlines())
    return f'<!DOCTYPE html>\n<html><head><meta charset="{charset}"><title>通知</title></head>\n<body>\n{paragraphs}</body></html>\n'


def test_html_declared_utf8_with_one_bad_byte(scan_items):
    data = bytearray(_page("utf-8").encode())
    data[data.index("通知</p>".encode())] = 0xFF  # one damaged character in the second paragraph
    texts = [s.text for s in extract("html", bytes(data)).segments]
    assert MARK in texts and "各单位：定于下周召开工作会议，请准时参加。" in texts
    assert blocked_for_the_mark(scan_items(bytes(data), "page.html"))


@pytest.mark.parametrize("charset", ["iso-8859-1", "gbk"])
def test_a_declared_charset_that_gives_mojibake_is_not_taken(scan_items, charset):
    # UTF-8 bytes labelled Latin-1 or GBK: both decode without an error, into mojibake.
    data = _page(charset).encode()
    assert MARK in [s.text for s in extract("html", data).segments]
    assert blocked_for_the_mark(scan_items(data, "page.html"))


def test_xml_declaration_names_the_charset():
    data = f'<?xml version="1.0" encoding="GB2312"?>\n<doc><p>{MARK}</p><p>关于召开会议的通知</p></doc>\n'
    assert decode_text(data.encode("gb2312")) == (data, "gb18030")


@pytest.mark.parametrize("text, encoding", [
    ("機密文書の取り扱いについて、関係者以外には見せないでください。", "shift_jis"),
    ("根據《中華人民共和國保守國家秘密法》和有關規定，本單位對外提供資料前，應當履行審批手續。", "big5"),
])
def test_other_east_asian_encodings_are_not_read_as_gb18030(text, encoding):
    assert decode_text(text.encode(encoding))[0] == text


@pytest.mark.parametrize("seed", range(8))
def test_declared_utf8_with_garbage_after_the_mark_is_kept(seed):
    # Damaged base64 decodes to the right bytes, then noise (issue 14, eml-body/0): every single byte
    # reading takes the noise for Chinese in GB18030, where a mail client or browser keeps UTF-8.
    rnd = random.Random(seed)
    data = LETTER.encode() + rnd.randbytes(rnd.randint(60, 300))
    text, encoding = decode_text(data, declared="utf-8")
    assert encoding == "utf-8" and text.startswith(LETTER)


def test_gbk_labelled_utf8_is_still_read_as_gbk():
    assert decode_text(LETTER.encode("gbk"), declared="utf-8") == (LETTER, "gb18030")


@pytest.mark.parametrize("seed", range(8))
def test_undeclared_utf8_with_noise_after_the_mark_is_utf8(seed):
    rnd = random.Random(seed)
    data = LETTER.encode() + rnd.randbytes(rnd.randint(60, 300))
    text, encoding = decode_text(data)
    assert encoding == "utf-8" and text.startswith(LETTER)
