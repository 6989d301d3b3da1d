"""OCR: Chinese text in pictures and scanned PDF pages is read offline; what cannot be read fails closed."""

import io

import pytest

from scanner.errors import ExtractionError, LimitExceededError
from scanner.extract import extract, ocr, sniff
from scanner.extract.ocr import OcrLimits, extract_image

LINES = ["机密★5年", "关于对外合作项目的会议纪要"]


def encode(image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def picture(render_text):
    return render_text(LINES)


def test_ocr_engine_runs_offline_from_its_package():
    assert ocr.available(), ocr.unavailable_reason()


def test_marking_in_a_png_is_found_and_blocks(picture, scan_items):
    data = encode(picture, "PNG")
    assert sniff(data) == "png"
    ex = extract("png", data)
    assert [s.text for s in ex.segments] == LINES
    assert ex.segments[0].location.describe() == "OCR, line 1"
    assert ex.properties["ocr"] is True
    [result] = scan_items(data, "photo.png")
    assert result.verdict == "block"
    assert [m.text for m in result.detection.markings] == ["机密★5年"]


@pytest.mark.parametrize("fmt, kind, options", [("JPEG", "jpeg", {"quality": 90}), ("BMP", "bmp", {}),
                                                ("GIF", "gif", {}), ("TIFF", "tiff", {"compression": "tiff_lzw"})])
def test_other_image_formats(picture, fmt, kind, options):
    data = encode(picture, fmt, **options)
    assert sniff(data) == kind
    assert "机密★5年" in [s.text for s in extract(kind, data).segments]


def test_every_tiff_page_is_read(render_text):
    first, second = render_text(["第一页"]), render_text(["秘密★10年"])
    data = encode(first, "TIFF", save_all=True, append_images=[second])
    ex = extract("tiff", data)
    assert [(s.location.page, s.text) for s in ex.segments] == [(1, "第一页"), (2, "秘密★10年")]
    limited = extract_image(data, OcrLimits(max_pages=1))
    assert [s.text for s in limited.segments] == ["第一页"]
    assert limited.unread and "over OCR max_pages" in limited.unread[0]


def test_scanned_page_among_text_pages_is_read(picture, scan_items):
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, invariant=1)
    pdf.setFont("STSong-Light", 14)
    pdf.drawString(72, 750, "第一页：正文")
    pdf.showPage()
    pdf.drawImage(ImageReader(picture), 40, 500, width=picture.width * 0.7, height=picture.height * 0.7)
    pdf.showPage()
    pdf.save()
    data = out.getvalue()
    ex = extract("pdf", data)
    assert ex.properties["textless_pages"] == [2] and ex.unread == []
    assert [(s.location.page, s.text.strip()) for s in ex.segments] == [(1, "第一页：正文"), (2, LINES[0]), (2, LINES[1])]
    [result] = scan_items(data, "scan.pdf")
    assert result.verdict == "block" and "marking.national_secret" in [r.code for r in result.reasons]
    assert result.problem is None


def test_without_ocr_an_image_fails_closed(picture, scan_items, monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    [result] = scan_items(encode(picture, "PNG"), "photo.png")
    assert result.verdict == "block" and result.problem["code"] == "scan.no_text"


def test_picture_over_the_pixel_limit_is_refused(picture):
    with pytest.raises(LimitExceededError, match="max_pixels"):
        extract_image(encode(picture, "PNG"), OcrLimits(max_pixels=10_000))


def test_page_over_the_time_limit_is_refused(picture):
    with pytest.raises(LimitExceededError, match="page_seconds"):
        extract_image(encode(picture, "PNG"), OcrLimits(page_seconds=0.001))


def test_damaged_image_is_unreadable(picture, scan_items):
    data = encode(picture, "PNG")
    with pytest.raises(ExtractionError):
        extract("png", data[: len(data) // 3])
    [result] = scan_items(b"\x89PNG\r\n\x1a\n" + bytes(64), "x.png")
    assert result.verdict == "block" and result.problem["code"] == "scan.unreadable"


OFFLINE_SCRIPT = r"""
import socket, sys
def refuse(*args, **kwargs):
    raise RuntimeError("network used")
socket.socket.connect = socket.socket.connect_ex = socket.create_connection = refuse
import rapidocr.utils.download_file as download_file
download_file.DownloadFile.run = classmethod(lambda cls, *a, **k: refuse())
from PIL import Image
import numpy as np
from scanner.extract import ocr
ocr.set_threads(1)
lines = ocr.recognise(np.array(Image.open(sys.argv[1]).convert("RGB")))
print("|".join(text for text, _, _ in lines))
"""


def test_ocr_reads_with_the_shipped_models_and_no_network(picture, tmp_path):
    """In a fresh process where any connection or RapidOCR download raises, 机密★10年 is still read, from
    the model files in models/ocr."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from scanner.resources import data_path

    folder = data_path("models") / "ocr"
    assert {Path(p).parent for p in ocr.model_paths().values()} == {folder}
    assert all(Path(p).stat().st_size > 500_000 for p in ocr.model_paths().values())
    image = tmp_path / "marked.png"
    image.write_bytes(encode(picture, "PNG"))
    proc = subprocess.run([sys.executable, "-c", OFFLINE_SCRIPT, str(image)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9",
                                            "HTTP_PROXY": "http://127.0.0.1:9"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "|".join(LINES)


def test_engine_threads_follow_the_share_of_cores():
    import numpy as np

    assert ocr.auto_threads(1) == ocr.cpu_count()
    assert ocr.auto_threads(ocr.cpu_count() * 4) == 1
    try:
        ocr.set_threads(1)
        engine = ocr._load()
        engine(np.full((64, 64, 3), 255, dtype="uint8"))  # loads the detection model
        assert engine.text_det.session.session.get_session_options().intra_op_num_threads == 1
        ocr.set_threads(0)
        assert ocr._load() is not engine  # built again for the new share
    finally:
        ocr.set_threads(0)


def test_idle_inference_threads_sleep_and_the_text_is_the_same(picture):
    """Every stage runs on the session Mijian made, whose idle threads do not spin (issue 17: spinning
    cost 2-thread OCR about a quarter more CPU); spinning or not, the lines read are the same."""
    import numpy as np

    array = np.array(picture.convert("RGB"))
    read = {}
    for spinning in (False, True):
        engine = ocr.build_engine(2, spinning=spinning)
        read[spinning] = [text for text, _, _ in ocr.reading_order(engine(array))]
        for stage, loaded in (("Det", engine.text_det), ("Cls", engine.text_cls), ("Rec", engine.text_rec)):
            session = loaded.session.session
            assert session is engine.cfg[stage].session
            options = session.get_session_options()
            assert options.get_session_config_entry("session.intra_op.allow_spinning") == str(int(spinning))
            assert options.intra_op_num_threads == 2
    assert read[False] == read[True] == LINES
