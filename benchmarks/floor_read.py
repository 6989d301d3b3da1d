"""The floor of benchmarks/floor_bench.py: the same files read with the bare libraries Mijian uses, and nothing else.

    python benchmarks/floor_read.py DIR...     # prints {"seconds": {format: s}, "files": {format: n}, "chars": n}

python-docx (body, tables, headers), pypdf (the text of each page, as Mijian's primary reader),
openpyxl (read-only values), python-pptx (every text frame), the text decoded (UTF-8, else GB18030),
email (every part, attachments read by their type), zipfile (members read by their type), and OCR of
pictures with the same RapidOCR engine and models as Mijian, on every core. No sniffing, detection,
isolation or database. Seconds per format are summed per file, after the imports.
"""

from __future__ import annotations

import email
import email.policy
import io
import json
import sys
import time
import zipfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import docx  # noqa: E402
import openpyxl  # noqa: E402
from pptx import Presentation  # noqa: E402
from pypdf import PdfReader  # noqa: E402

_ocr = None


def read_docx(data: bytes) -> str:
    doc = docx.Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in doc.sections:
        parts.extend(p.text for p in section.header.paragraphs)
    return "\n".join(parts)


def read_pdf(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def read_xlsx(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row
           if v is not None]
    book.close()
    return "\n".join(out)


def read_pptx(data: bytes) -> str:
    deck = Presentation(io.BytesIO(data))
    return "\n".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes
                     if shape.has_text_frame)


def read_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def read_picture(data: bytes) -> str:
    global _ocr
    import numpy as np
    from PIL import Image

    if _ocr is None:
        from scanner.extract.ocr import build_engine

        _ocr = build_engine(0)
    result = _ocr(np.array(Image.open(io.BytesIO(data)).convert("RGB")))
    return "\n".join(result.txts or ())


def read_eml(data: bytes) -> str:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    out = [str(msg["Subject"] or "")]
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        out.append(read_by_name(name, payload) if name else read_text(payload))
    return "\n".join(out)


def read_zip(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "\n".join(read_by_name(info.filename, zf.read(info)) for info in zf.infolist() if not info.is_dir())


READERS = {".docx": read_docx, ".pdf": read_pdf, ".xlsx": read_xlsx, ".pptx": read_pptx, ".txt": read_text,
           ".eml": read_eml, ".zip": read_zip, ".png": read_picture, ".jpg": read_picture}


def read_by_name(name: str, data: bytes) -> str:
    return READERS.get(Path(name).suffix.lower(), read_text)(data)


def main(folders: list[str]) -> dict:
    seconds: dict[str, float] = defaultdict(float)
    files: dict[str, int] = defaultdict(int)
    chars = 0
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if not path.is_file() or path.name == "manifest.json":
                continue
            kind = path.parent.name
            start = time.perf_counter()
            chars += len(read_by_name(path.name, path.read_bytes()))
            seconds[kind] += time.perf_counter() - start
            files[kind] += 1
    return {"seconds": dict(seconds), "files": dict(files), "chars": chars}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
