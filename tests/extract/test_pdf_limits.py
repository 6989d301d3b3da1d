"""PDF streams count against the item's limits as archive members do (issue 14, item 14): a small file
whose streams inflate to gigabytes is stopped early, before pdfium renders a page of it."""

import time

import pytest
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject

from scanner.extract.limits import Budget, Limits
from scanner.pipeline import scan_tree

MiB = 1024 * 1024
MARK = "机密★10年"


@pytest.fixture
def tree(config, engine):
    def run(data: bytes, **kw):
        started = time.monotonic()
        results = scan_tree(data, path="bomb.pdf", config=config, engine=engine, **kw)
        assert time.monotonic() - started < 20, "a PDF bomb must not stall the scan"
        return results

    return run


def _stream(writer, data: bytes, **entries):
    stream = DecodedStreamObject()
    stream.set_data(data)
    for key, value in entries.items():
        stream[NameObject(f"/{key}")] = value
    return writer._add_object(stream.flate_encode(level=9))


def _add_content(writer, data: bytes) -> None:
    page = writer.pages[0]
    page[NameObject("/Contents")] = ArrayObject([page.raw_get("/Contents"), _stream(writer, data)])


def _add_images(writer, count: int, width: int, height: int) -> None:
    """`count` blank grey pictures of width x height, drawn on the first page."""
    page = writer.pages[0]
    resources = page["/Resources"]
    xobjects = DictionaryObject()
    for number in range(count):
        xobjects[NameObject(f"/Blank{number}")] = _stream(
            writer, bytes(width * height), Type=NameObject("/XObject"), Subtype=NameObject("/Image"),
            Width=NumberObject(width), Height=NumberObject(height), ColorSpace=NameObject("/DeviceGray"),
            BitsPerComponent=NumberObject(8))
    resources[NameObject("/XObject")] = xobjects
    _add_content(writer, b"".join(f"q 10 0 0 10 {20 * n} 20 cm /Blank{n} Do Q\n".encode() for n in range(count)))


def _problem(results) -> dict:
    return results[0].problem or {}


def test_a_content_stream_bomb_is_stopped_by_the_ratio(tree, make_pdf, edit_pdf):
    data = edit_pdf(make_pdf([[MARK, "正文"]]), lambda w: _add_content(w, b" " * (16 * MiB)))
    assert len(data) < 64 * 1024
    budget = Budget(Limits())
    results = tree(data, budget=budget)
    assert results[0].verdict == "block"
    assert _problem(results)["code"] == "scan.limit" and "max_ratio" in _problem(results)["detail"]
    assert budget.expanded < 2 * MiB  # stopped a little past ratio_min_bytes, never inflated whole


def test_pictures_inflating_past_max_total_bytes_are_stopped(tree, make_pdf, edit_pdf):
    # Blank pictures inflate a thousandfold with good reason (within their declared size the ratio is
    # not held against them), but together they still count against the item's total.
    data = edit_pdf(make_pdf([[MARK, "正文"]]), lambda w: _add_images(w, 3, 2048, 3072))
    budget = Budget(Limits(max_total_bytes=16 * MiB, ocr_pictures=False))
    results = tree(data, budget=budget)
    assert results[0].verdict == "block"
    assert _problem(results)["code"] == "scan.limit" and "max_total_bytes" in _problem(results)["detail"]
    assert budget.expanded <= 16 * MiB + 256 * 1024


def test_one_stream_past_max_file_size_is_stopped(tree, make_pdf, edit_pdf):
    data = edit_pdf(make_pdf([[MARK]]), lambda w: _add_images(w, 1, 4096, 3072))
    results = tree(data, budget=Budget(Limits(max_file_size=8 * MiB, ocr_pictures=False)))
    assert results[0].verdict == "block"
    assert _problem(results)["code"] == "scan.limit" and "max_file_size" in _problem(results)["detail"]


def test_a_blank_page_sized_picture_is_no_bomb(tree, make_pdf, edit_pdf):
    # An A4 page at 300 dpi, blank: 8.7 MB from a few kilobytes, the ratio of a bomb, the size of a scan.
    data = edit_pdf(make_pdf([[MARK, "正文"]]), lambda w: _add_images(w, 1, 2480, 3508))
    [result] = tree(data, budget=Budget(Limits(ocr_pictures=False)))
    assert result.problem is None
    assert MARK in [m.text for m in result.detection.markings]
