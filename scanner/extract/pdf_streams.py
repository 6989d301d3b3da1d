"""What a PDF's streams expand to, counted against the item's limits before any reader expands them.

pypdf stops one stream at 75 MB, but pdfium (pages rendered for OCR, the text cross-check) inflates
whatever a page asks for: a 1 MB file holding a 1 GiB FlateDecode stream took 2.3 GB. Each stream is
inflated here once, in chunks with the output thrown away, and counted as an archive member would
be: max_file_size per stream, the ratio once past ratio_min_bytes, max_total_bytes for the item and
everything else read with it.
"""

from __future__ import annotations

import re
import zlib

from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.filters import ASCII85Decode, ASCIIHexDecode, BrotliDecode, FlateDecode, LZWDecode, RunLengthDecode
from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, EncodedStreamObject, IndirectObject,
                           StreamObject, read_object)

from scanner.errors import LimitExceededError
from scanner.extract import limits as item_limits

_CHUNK = 256 * 1024
_FLATE = {"/FlateDecode", "/Fl"}
# Filters whose output is no larger than their input.
_SHRINKING = {"/ASCII85Decode": ASCII85Decode, "/A85": ASCII85Decode,
              "/ASCIIHexDecode": ASCIIHexDecode, "/AHx": ASCIIHexDecode}
# Filters pypdf decodes whole, with an output limit of its own (lowered here to what is left).
_WHOLE = {"/LZWDecode": (LZWDecode, "lzw_maximum_output_length"), "/LZW": (LZWDecode, "lzw_maximum_output_length"),
          "/RunLengthDecode": (RunLengthDecode, "run_length_maximum_output_length"),
          "/RL": (RunLengthDecode, "run_length_maximum_output_length"),
          "/BrotliDecode": (BrotliDecode, "brotli_maximum_output_length")}
# A page's content stream encoded with these alone (reportlab writes ASCII85 then Flate), and no larger
# than _KEEP_MAX once decoded, is decoded here once for pypdf (see _keep): its ASCII85 step, in pure
# Python, was a third of this check's time and was then done again by pypdf's text extraction.
_KEPT_FILTERS = ["/ASCII85Decode", "/FlateDecode"]
_KEEP_MAX = 8 * 1024 * 1024
# Image codecs (DCT, JPX, CCITT, JBIG2) end the count: their pixels are bounded where pictures are
# decoded (ocr_max_pixels), and a scanned book of JPEG pages is no bomb.


def _filters(stream: StreamObject) -> list[str]:
    value = stream.get("/Filter")
    if value is None:
        return []
    value = value.get_object()
    return [str(f.get_object()) for f in value] if isinstance(value, ArrayObject) else [str(value)]


def _declared_pixels(stream: StreamObject) -> int:
    """The most bytes an image's declared size can fill (4 samples a pixel, a predictor byte a row);
    0 for anything but an image. A blank page-sized picture or soft mask inflates a thousandfold
    with good reason: up to this size the ratio is not held against it."""
    try:
        if stream.get("/Subtype") != "/Image":
            return 0
        width, height = int(stream.get("/Width", 0)), int(stream.get("/Height", 0))
        bits = max(int(stream.get("/BitsPerComponent", 8)), 8)
    except (TypeError, ValueError):
        return 0
    return max(width, 0) * max(height, 0) * 4 * bits // 8 + max(height, 0)


class _Count:
    """One stream's expanded bytes, checked against the limits as they come."""

    def __init__(self, budget: item_limits.Budget, number: int, compressed: int, pixels: int):
        self.budget, self.number, self.compressed, self.pixels = budget, number, compressed, pixels
        self.size = 0

    def add(self, count: int) -> None:
        limits = self.budget.limits
        self.size += count
        if self.size > limits.max_file_size:
            raise LimitExceededError(
                f"PDF 数据流（对象 {self.number}）解压后超过上限 {limits.max_file_size} 字节 "
                f"(PDF stream, object {self.number}, expands past max_file_size)")
        self.budget.add_bytes(count)
        if self.size > self.pixels:
            self.budget.check_ratio(self.size, self.compressed, f"PDF 数据流（对象 {self.number}）",
                                    f"PDF stream, object {self.number}:")
        # No clock here: the byte limits bound this work, and a time limit passed now would stop the
        # file before its text layer is looked at (its marks reported with the limit).


def _inflate(data: bytes, count: _Count, keep: bool = False) -> bytes:
    """Inflate in chunks, counting; the output is kept only for a filter that follows."""
    inflater = zlib.decompressobj()
    kept: list[bytes] = []
    for start in range(0, len(data), _CHUNK):
        block = data[start:start + _CHUNK]
        while block and not inflater.eof:
            try:
                out = inflater.decompress(block, _CHUNK)
            except zlib.error:  # damaged: readers stop here too, or repair no more than pypdf's limits allow
                return b"".join(kept)
            count.add(len(out))
            if keep:
                kept.append(out)
            block = inflater.unconsumed_tail
        if inflater.eof:
            break
    return b"".join(kept)


def _keep(stream: StreamObject, shrunk: bytes) -> None:
    """Hand pypdf a content stream's decoded data, decoded as its `get_data` decodes it: the ASCII85
    step done here already (the same pypdf function on the same bytes), the rest by pypdf's filters;
    pypdf keeps it in `decoded_self`, and its text extraction then does not decode the stream again.
    `shrunk` is the data after the ASCII85 step. tests/extract/test_pdf_streams_kept.py compares the
    data with pypdf's own on every stream of real and made files."""
    data = FlateDecode.decode(shrunk, DictionaryObject())
    decoded = DecodedStreamObject()
    decoded.set_data(data)
    for key, value in stream.items():
        if key not in ("/Length", "/Filter", "/DecodeParms"):
            decoded[key] = value
    stream.decoded_self = decoded


def _keepable(stream: StreamObject, filters: list[str]) -> bool:
    return (isinstance(stream, EncodedStreamObject) and stream.decoded_self is None and bool(stream._data)
            and filters == _KEPT_FILTERS and "/DecodeParms" not in stream)


def _expand(stream: StreamObject, count: _Count, content: bool = False) -> None:
    data = stream._data  # as stored (decrypted by pypdf), before any filter
    filters = _filters(stream)
    keep = content and _keepable(stream, filters)
    for position, name in enumerate(filters):
        if name in _FLATE:
            last = position == len(filters) - 1
            before = data
            data = _inflate(data, count, keep=not last)
            if last and keep and count.size <= _KEEP_MAX:
                try:
                    _keep(stream, before)
                except Exception:  # pypdf's own decoding fails the same way later, where it always did
                    pass
        elif name in _SHRINKING:
            data = _SHRINKING[name].decode(data)
        elif name in _WHOLE:
            decoder, setting = _WHOLE[name]
            left = count.budget.limits.max_file_size - count.size
            try:
                # pypdf's own limit set to what is left, for this check only (a context variable).
                with apply_configuration(**{setting: left + 1}):
                    data = decoder.decode(data, stream.get("/DecodeParms"))
            except LimitReachedError:
                count.add(left + 1)  # past max_file_size: raises with that reason
            count.add(len(data))
        else:
            return  # an image codec or an unknown filter: not expanded here


_OBJ = re.compile(rb"obj\b")
_NUMBERS_BEFORE = re.compile(rb"(?<![0-9])([0-9]{1,10})\s+([0-9]{1,5})\s+$")


def _headers(data: bytes):
    """(number, generation, offset after the keyword) of every `n g obj` in the bytes."""
    for match in _OBJ.finditer(data):
        numbers = _NUMBERS_BEFORE.search(data, max(0, match.start() - 24), match.start())
        if numbers:
            start = match.end()
            while start < len(data) and data[start] in b" \t\r\n\f\0":
                start += 1
            yield int(numbers.group(1)), int(numbers.group(2)), start


def _streams(reader: PdfReader, data: bytes):
    """Every stream the cross-reference table lists, and every one an `n g obj` header in the bytes
    starts: a damaged table is rebuilt by readers from those headers (pypdf then lists nothing, and
    looks each object up by searching the whole file)."""
    listed = {(number, generation) for generation, objects in reader.xref.items() for number in objects}
    for number, generation in sorted(listed):
        try:
            yield number, reader.get_object(IndirectObject(number, generation, reader))
        except LimitExceededError:
            raise
        except Exception:  # a damaged object: the readers fail on it as well, and report it there
            continue
    if reader.is_encrypted:
        return  # objects outside the table would need decrypting: pypdf's own limits stand for them
    for number, generation, offset in _headers(data):
        if (number, generation) in listed:
            continue
        try:
            reader.stream.seek(offset)
            yield number, read_object(reader.stream, reader)
        except LimitExceededError:
            raise
        except Exception:
            continue


def _content_streams(reader: PdfReader) -> set[int]:
    """The object numbers of the pages' content streams (as the cross-reference table lists them)."""
    found: set[int] = set()
    try:
        for page in reader.pages:
            contents = page.raw_get("/Contents") if "/Contents" in page else None
            if isinstance(contents, IndirectObject) and isinstance(contents.get_object(), ArrayObject):
                contents = contents.get_object()  # an array of streams, itself an object
            for ref in contents if isinstance(contents, ArrayObject) else [contents]:
                if isinstance(ref, IndirectObject):
                    found.add(ref.idnum)
    except Exception:  # cannot tell: no stream is decoded ahead
        return set()
    return found


def check_streams(reader: PdfReader, data: bytes) -> int:
    """Expand every stream of the file, counting as it goes; raises LimitExceededError at the first
    limit passed. Returns the bytes the streams expand to."""
    budget = item_limits.budget()
    total = 0
    contents = _content_streams(reader)
    for number, stream in _streams(reader, data):
        if not isinstance(stream, StreamObject) or not hasattr(stream, "_data"):
            continue
        count = _Count(budget, number, len(stream._data), _declared_pixels(stream))
        try:
            _expand(stream, count, content=number in contents)
        except LimitExceededError:
            raise
        except Exception:  # a filter that fails on damaged data expands no further
            pass
        total += count.size
    return total
