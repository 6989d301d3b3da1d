"""Content streams decoded during the stream check and handed to pypdf (pdf_streams._keep) hold exactly
what pypdf's own decoding gives, and the text read from them is pypdf's text from an unchecked reader."""

from __future__ import annotations

import base64
import io
import random
import zlib
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject, StreamObject

from scanner.extract import extract
from scanner.extract.pdf_streams import check_streams

ROOT = Path(__file__).resolve().parents[2]


def _kept(data: bytes) -> tuple[PdfReader, dict]:
    """Check the streams; the streams pypdf now holds decoded, by (number, generation)."""
    reader = PdfReader(io.BytesIO(data), strict=False)
    check_streams(reader, data)
    kept = {}
    for (generation, number), obj in reader.resolved_objects.items():
        if isinstance(obj, StreamObject) and getattr(obj, "decoded_self", None) is not None:
            kept[(number, generation)] = obj
    return reader, kept


def _same_as_pypdf(data: bytes) -> int:
    """Every kept stream against a fresh reader's get_data (and its dictionary), every page's text too."""
    reader, kept = _kept(data)
    fresh = PdfReader(io.BytesIO(data), strict=False)
    for (number, generation), obj in kept.items():
        other = fresh.get_object(number)
        expected = other.get_data()
        assert obj.decoded_self.get_data() == expected
        assert dict(obj.decoded_self) == dict(other.decoded_self)
    for mine, theirs in zip(reader.pages, fresh.pages):
        assert mine.extract_text() == theirs.extract_text()
    return len(kept)


def _page_with(content: bytes, filters: list[str]) -> bytes:
    """A one-page PDF whose content stream holds `content` (already encoded) under `filters`."""
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    stream = DecodedStreamObject()
    stream.set_data(content)
    stream[NameObject("/Filter")] = ArrayObject(NameObject(f) for f in filters)
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _a85(data: bytes) -> bytes:
    return base64.a85encode(data, adobe=True)[2:]  # PDF's ASCII85 has the end marker, not the start


def test_reportlab_pages_kept_and_read_alike(make_pdf):
    data = make_pdf([["机密★10年", "关于合作项目的报告"], None, ["第三页"] * 30])
    assert _same_as_pypdf(data) == 3  # every page's content stream (ASCII85, then Flate)


def test_precision_pdfs_read_alike():
    """Real files: the reportlab ones are kept, the others (Flate alone, scans) read as before."""
    paths = sorted((ROOT / "benchmarks" / "precision" / "files").rglob("*.pdf"))
    kept = sum(_same_as_pypdf(p.read_bytes()) for p in paths if p.stat().st_size < 200_000)
    assert kept >= 20


def test_damaged_and_odd_streams_read_alike():
    text = b"BT /F1 12 Tf 20 100 Td (secret) Tj ET\n"
    packed = zlib.compress(text)
    rng = random.Random(5)
    cases = [
        _page_with(_a85(packed), ["/ASCII85Decode", "/FlateDecode"]),
        _page_with(_a85(packed[:-6]), ["/ASCII85Decode", "/FlateDecode"]),  # cut short
        _page_with(_a85(packed)[:-2], ["/ASCII85Decode", "/FlateDecode"]),  # no end marker
        _page_with(_a85(packed + b"junk after"), ["/ASCII85Decode", "/FlateDecode"]),
        _page_with(_a85(b"not zlib at all"), ["/ASCII85Decode", "/FlateDecode"]),
        _page_with(b"!!!~>", ["/ASCII85Decode", "/FlateDecode"]),
        _page_with(_a85(packed), ["/ASCII85Decode", "/FlateDecode", "/FlateDecode"]),  # not this chain
        _page_with(packed, ["/FlateDecode"]),
    ]
    for _ in range(20):  # random damage in the middle
        damaged = bytearray(packed)
        damaged[rng.randrange(2, len(damaged))] ^= 1 << rng.randrange(8)
        cases.append(_page_with(_a85(bytes(damaged)), ["/ASCII85Decode", "/FlateDecode"]))
    kept = [_same_as_pypdf(data) for data in cases]
    assert kept[0] == 1 and kept[2] == 1 and kept[3] == 1
    assert kept[6] == 0 and kept[7] == 0


def test_extraction_reads_the_kept_streams_alike(make_pdf):
    """The whole extractor gives the same text as pypdf on a reader that never saw the check."""
    data = make_pdf([["机密★10年", "关于合作项目的报告"], ["第二页正文"]])
    fresh = PdfReader(io.BytesIO(data))
    texts = [s.text for s in extract("pdf", data).segments if s.location.page is not None]
    assert texts == [page.extract_text() for page in fresh.pages]
