"""A damaged PDF whose text pypdf garbles while other readers still show it (issue 14, item 9): pdfium's
text is used where pypdf's reads wrong, and a page neither decodes is unread, never passed."""

import io
import random
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from scanner.extract import extract, sniff

MARK = "机密★10年"


@pytest.fixture(scope="module")
def notice(make_pdf) -> bytes:
    """One page in STSong-Light, a CID font whose width array (/W) reportlab writes out."""
    return make_pdf([[MARK, "关于召开会议的通知"]])


def _pypdf_text(data: bytes) -> str:
    try:
        return PdfReader(io.BytesIO(data)).pages[0].extract_text()
    except Exception:
        return ""


def _width_array_damage(data: bytes, seed: int) -> bytes:
    """One byte of the CID font's /W array changed (seeded)."""
    rnd = random.Random(seed)
    start = data.index(b"/W [")
    end = data.index(b"] ]", start) + 3
    out = bytearray(data)
    out[rnd.randrange(start, end)] = rnd.choice(b"[]()<>/ 0x")
    return bytes(out)


def test_one_changed_byte_in_the_width_array(notice, scan_items):
    garbled = [seed for seed in range(16) if MARK not in _pypdf_text(_width_array_damage(notice, seed))]
    assert len(garbled) >= 8  # pypdf loses the font for most such edits, silently
    results = {seed: scan_items(_width_array_damage(notice, seed), "notice.pdf")[0] for seed in garbled}
    # pdfium's text has the mark; where pdfium garbles the page as well (and OCR reads back only the
    # garbage the broken font draws), the page is unread: blocked either way, never allowed.
    assert all(r.verdict == "block" for r in results.values())
    marked = [seed for seed, r in results.items() if MARK in [m.text for m in r.detection.markings]]
    assert all(results[seed].problem["code"] == "scan.unreadable" for seed in set(results) - set(marked))
    assert len(marked) >= len(garbled) / 2


def test_text_taken_from_pdfium_is_named(notice):
    damaged = next(d for d in (_width_array_damage(notice, seed) for seed in range(40))
                   if "\ufffd" in _pypdf_text(d))
    extraction = extract("pdf", damaged)
    assert MARK in "\n".join(s.text for s in extraction.segments)
    assert extraction.properties["pdfium_pages"] == [1]


def test_a_healthy_file_is_read_once(notice):
    assert "pdfium_pages" not in extract("pdf", notice).properties


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is the reference reader")
def test_no_damaged_copy_is_allowed_while_pdftotext_shows_the_mark(notice, scan_items):
    passed = []
    for seed in range(80):
        rnd = random.Random(seed)
        damaged = bytearray(notice)
        for _ in range(rnd.choice([1, 2])):
            damaged[rnd.randrange(len(damaged))] = rnd.randrange(256)
        shown = subprocess.run(["pdftotext", "-", "-"], input=bytes(damaged), capture_output=True, timeout=30)
        if MARK in shown.stdout.decode("utf-8", "replace"):
            [result] = scan_items(bytes(damaged), "notice.pdf")[:1]
            if result.verdict != "block":
                passed.append(seed)
    assert passed == []


@pytest.mark.parametrize("seed", range(3))
def test_a_pdf_with_a_damaged_header_is_still_a_pdf(notice, scan_items, seed):
    # poppler opens a file whose "%PDF-" is damaged; sniffing took it for text and passed it.
    rnd = random.Random(seed)
    damaged = bytearray(notice)
    damaged[rnd.randrange(1, 5)] = rnd.randrange(128, 256)
    assert sniff(bytes(damaged)) == "pdf"
    [result] = scan_items(bytes(damaged), "notice.pdf")[:1]
    assert result.verdict == "block" and MARK in [m.text for m in result.detection.markings]


@pytest.mark.parametrize("damage", ["blanked", "dictionary cut"])
def test_a_two_byte_font_whose_encoding_is_lost_is_read_in_two_bytes(notice, scan_items, damage):
    # pdf/415, 601, 929: the Type0 font's /Encoding /UniGB-UCS2-H lost; pypdf and pdfium give each byte of
    # the UCS-2 codes as a Latin or control character (机密 as `g:[˘`), too few of them to count as garbled.
    entry = b"/Encoding /UniGB-UCS2-H"
    assert entry in notice
    if damage == "blanked":
        data = notice.replace(entry, b" " * len(entry))
    else:  # the font dictionary ends in a stray token before its encoding, as in the fuzz mutants
        data = notice.replace(b">> ] " + entry, b">> ] /ID " + b" " * (len(entry) - 4))
    text = _pypdf_text(data)
    assert MARK not in text and "g:" in text
    assert MARK in "\n".join(s.text for s in extract("pdf", data).segments)
    [result] = scan_items(data, "notice.pdf")
    assert result.verdict == "block" and "marking.national_secret" in [r.code for r in result.reasons]


def test_a_healthy_two_byte_page_has_no_second_reading(notice):
    assert "\n".join(s.text for s in extract("pdf", notice).segments).count(MARK) == 1
