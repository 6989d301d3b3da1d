"""Pictures inside DOCX, PPTX, XLSX and e-mail are read by OCR: a mark pasted as a screenshot is found.

OCR takes about a second a picture, so the pictures are small and few (about ten OCR calls in all).
"""

import io
import struct
import zipfile
from pathlib import Path
from email.message import EmailMessage

import pytest

from scanner.config import parse_config
from scanner.extract import extract, ocr, pictures
from scanner.i18n import location_text
from scanner.pipeline import scan_tree

MARK = "机密★5年"
LINES = [MARK, "关于对外合作项目的会议纪要"]


def png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def marked(render_text):
    return png(render_text(LINES, size=(600, 0)))


@pytest.fixture(scope="module")
def blank():
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 90), "white")
    ImageDraw.Draw(image).ellipse((20, 10, 140, 80), fill="navy")  # a logo without a word
    return png(image)


def add_files(package: bytes, files: dict) -> bytes:
    """The package with more parts added (what python-docx will not write: EMF, damaged pictures)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        for name, data in files.items():
            dst.writestr(name, data)
    return out.getvalue()


def docx_with(make_docx, *pictures: bytes, text="会议通知") -> bytes:
    def setup(document):
        for data in pictures:
            document.add_picture(io.BytesIO(data))

    return make_docx([text], setup=setup)


def scan(data: bytes, path: str, engine, toml: str):
    return scan_tree(data, path=path, config=parse_config(toml), engine=engine)


def assert_marked_at(result, where: str):
    assert result.verdict == "block"
    assert "marking.national_secret" in [r.code for r in result.reasons]
    [marking] = [m for m in result.detection.markings if m.text == MARK]
    assert marking.location == where


def test_marking_in_a_word_picture_blocks(make_docx, marked, scan_items):
    data = docx_with(make_docx, marked)
    ex = extract("docx", data)
    found = [(s.text, s.location.describe()) for s in ex.segments if "picture" in s.location.describe()]
    assert found == [(MARK, "picture image1.png, line 1"), (LINES[1], "picture image1.png, line 2")]
    assert ex.properties["pictures"] == {"found": 1, "ocr": 1, "repeated": 0, "skipped": []}
    assert ex.unread == []
    [result] = scan_items(data, "notice.docx")
    assert_marked_at(result, "picture image1.png, line 1")
    assert location_text(result.detection.markings[0].location, "zh") == "图片 image1.png，第1行"


def test_marking_in_a_slide_picture_names_the_slide(make_pptx, marked, scan_items):
    from pptx.util import Inches

    data = make_pptx([("第一页", "正文", None), ("第二页", "正文", None)],
                     setup=lambda deck: deck.slides[1].shapes.add_picture(io.BytesIO(marked), Inches(1), Inches(4)))
    [result] = scan_items(data, "deck.pptx")
    assert_marked_at(result, "slide 2, picture image1.png, line 1")
    assert location_text("slide 2, picture image1.png, line 1", "zh") == "第2张幻灯片，图片 image1.png，第1行"


def test_transparent_stamp_in_a_sheet_names_sheet_and_cell(make_xlsx, render_text, scan_items):
    from openpyxl.drawing.image import Image as SheetImage

    # Black text on a transparent background: flattened onto black it would vanish.
    stamp = render_text([MARK], size=(300, 0)).convert("L").point(lambda v: 255 - v)
    picture = render_text([MARK], size=(300, 0)).convert("RGBA")
    picture.putalpha(stamp)
    data = make_xlsx({"汇总": {"A1": "季度数据"}},
                     setup=lambda book: book["汇总"].add_image(SheetImage(io.BytesIO(png(picture))), "C4"))
    [result] = scan_items(data, "book.xlsx")
    assert_marked_at(result, "sheet 汇总!C4, picture image1.png, line 1")


def test_pictures_without_text_are_harmless(make_docx, blank, scan_items):
    from PIL import Image

    tiny = png(Image.new("RGB", (16, 16), "red"))
    # An EMF header record (bounds, frame, " EMF", version, sizes, device) and EMR_EOF; a bare WMF header.
    emf = struct.pack("<II4i4i4sIIIHHIIIiiii", 1, 88, 0, 0, 99, 49, 0, 0, 2646, 1323, b" EMF", 0x10000,
                      108, 2, 1, 0, 0, 0, 0, 1920, 1080, 508, 285) + struct.pack("<5I", 14, 20, 0, 16, 20)
    wmf = struct.pack("<HHHIHIH", 1, 9, 0x300, 12, 0, 3, 0) + struct.pack("<IH", 3, 0)
    data = add_files(docx_with(make_docx, blank, tiny),
                     {"word/media/image9.emf": emf, "word/media/image10.wmf": wmf,
                      "word/media/clip.mp4": b"\x00\x00\x00\x18ftypmp42" + bytes(40)})
    ex = extract("docx", data)
    assert ex.unread == []
    assert ex.properties["pictures"] == {"found": 5, "ocr": 1, "repeated": 0, "skipped": [
        "word/media/image2.png: too small", "word/media/image9.emf: vector", "word/media/image10.wmf: vector",
        "word/media/clip.mp4: not a picture"]}
    [result] = scan_items(data, "plain.docx")
    assert result.verdict == "allow" and result.problem is None


def test_damaged_or_misnamed_pictures(make_docx, marked, scan_items):
    data = add_files(make_docx(["会议通知"]), {"word/media/image1.png": marked[: len(marked) // 2]})
    [result] = scan_items(data, "cut.docx")
    assert result.verdict == "block" and result.problem["code"] == "scan.unreadable"
    assert "word/media/image1.png" in result.problem["detail"]
    # A screenshot under a vector picture's name is judged by its content, and read.
    ex = extract("docx", add_files(make_docx(["会议通知"]), {"word/media/image1.emf": marked}))
    assert [s.location.describe() for s in ex.segments if s.text == MARK] == ["picture image1.emf, line 1"]


def test_switched_off_in_the_config(make_docx, marked, engine):
    data = docx_with(make_docx, marked)
    [result] = scan(data, "notice.docx", engine, toml="[scan]\nocr_pictures = false\n")
    assert result.verdict == "allow" and result.detection.markings == []


def test_the_same_picture_on_five_slides_is_read_once(make_pptx, marked, scan_items):
    from pptx.util import Inches

    def setup(deck):
        for slide in deck.slides:
            slide.shapes.add_picture(io.BytesIO(marked), Inches(1), Inches(4))

    data = make_pptx([(f"第{n}页", "正文", None) for n in range(1, 6)], setup=setup)
    # A copy under another part name is the same picture too.
    data = add_files(data, {"ppt/media/copy.png": marked})
    ex = extract("pptx", data)
    assert ex.properties["pictures"] == {"found": 6, "ocr": 1, "repeated": 5, "skipped": []}
    assert [s.location.slide for s in ex.segments if s.text == MARK] == [1]


def test_pictures_over_max_pages_are_unread(make_docx, marked, blank, engine):
    data = docx_with(make_docx, blank, marked)
    [result] = scan(data, "two.docx", engine, toml="[scan]\nocr_max_pages = 1\n")
    # A limit stopped the reading (issue 12): the problem says so, as for any other limit.
    assert result.verdict == "block" and result.problem["code"] == "scan.limit"
    assert "word/media/image2.png" in result.problem["detail"]
    assert "pictures over OCR max_pages" in result.problem["detail"]


def test_without_ocr_pictures_are_reported_unread(make_docx, marked, scan_items, monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    data = docx_with(make_docx, marked, text="正文可读")
    ex = extract("docx", data)
    assert [s.text for s in ex.segments][:1] == ["正文可读"]
    assert len(ex.unread) == 1 and "not OCR'd" in ex.unread[0]
    [result] = scan_items(data, "notice.docx")
    assert result.verdict == "block" and result.problem["code"] == "scan.unreadable"


def test_mail_pictures_inline_and_attached(marked, render_text, scan_items):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.cn", "b@example.com", "材料"
    message.set_content("请查收。")
    message.add_alternative('<p>请查收。</p><img src="cid:shot1">', subtype="html")
    message.get_payload()[1].add_related(marked, maintype="image", subtype="png", cid="<shot1>")
    attached = png(render_text(["秘密★10年"], size=(300, 0)))
    message.add_attachment(attached, maintype="image", subtype="png", filename="扫描件.png")
    results = scan_items(message.as_bytes(), "mail.eml")
    mail, attachment = results
    assert [m.location for m in mail.detection.markings if m.text == MARK] == ["picture shot1, line 1"]
    assert attachment.member == "扫描件.png" and attachment.type == "png"
    assert [m.text for m in attachment.detection.markings] == ["秘密★10年"]
    assert mail.verdict == "block" and attachment.verdict == "block"


@pytest.mark.parametrize("shape, padded", [((80, 420, 3), (420, 420, 3)), ((80, 2000, 3), (736, 2000, 3)),
                                           ((900, 120, 3), (900, 736, 3)), ((800, 800, 3), (800, 800, 3))])
def test_strips_are_padded_for_the_detector(shape, padded):
    import numpy as np

    out = pictures._pad_short_side(np.zeros(shape, dtype=np.uint8))
    assert out.shape == padded and (out[:shape[0], :shape[1]] == 0).all()
    assert (out == 255).sum() == out.size - np.prod(shape)  # white below or to the right


EMF = Path(__file__).resolve().parents[1] / "fixtures" / "pictures" / "chart.emf"


def _with_media(docx_bytes: bytes, name: str, data: bytes) -> bytes:
    """The DOCX with one more file in word/media (Word keeps pasted pictures there)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr(name, data)
    return out.getvalue()


def test_text_drawn_by_an_emf_picture_is_read_from_its_records(make_docx, scan_items):
    from scanner.extract.pictures import emf_lines

    emf = EMF.read_bytes()
    assert emf_lines(emf) == ["机密★5年", "关于合作项目的会议纪要图表"]  # three runs joined by baseline
    data = _with_media(make_docx(["会议材料见附图。"]), "word/media/image9.emf", emf)
    [result] = scan_items(data, "memo.docx")
    assert result.verdict == "block"
    [mark] = result.detection.markings
    assert mark.text == "机密★5年" and mark.location == "picture image9.emf, line 1"


def test_damaged_emf_records_end_the_walk_without_error():
    from scanner.extract.pictures import emf_lines

    emf = bytearray(EMF.read_bytes())
    emf[len(emf) // 2:len(emf) // 2 + 8] = b"\xff" * 8  # a record whose size runs past the end
    assert isinstance(emf_lines(bytes(emf)), list)
    assert emf_lines(bytes(emf[:100])) == []
    assert emf_lines(b"\x1f\x8b" + b"\0" * 50) == []  # a damaged EMZ


def test_text_drawn_by_a_wmf_picture_is_decoded_in_its_fonts_code_page(make_docx, scan_items):
    from scanner.extract.pictures import wmf_lines

    wmf = (EMF.parent / "chart.wmf").read_bytes()
    assert wmf_lines(wmf) == ["机密★5年", "关于合作项目的会议纪要图表"]
    assert wmf_lines(wmf[:40]) == [] and wmf_lines(b"\x01\x00\x09\x00" + b"\xff" * 30) == []
    [result] = scan_items(_with_media(make_docx(["见附图。"]), "word/media/image3.wmf", wmf), "memo.docx")
    assert result.verdict == "block"
    assert [(m.text, m.location) for m in result.detection.markings] == [("机密★5年", "picture image3.wmf, line 1")]



def test_a_vector_picture_sent_on_its_own_is_read_or_fails_closed(scan_items):
    emf = EMF.read_bytes()
    [alone] = scan_items(emf, "chart.emf")
    assert alone.type == "emf" and alone.verdict == "block"
    assert [(m.text, m.location) for m in alone.detection.markings] == [("机密★5年", "picture, line 1")]
    [wmf] = scan_items((EMF.parent / "chart.wmf").read_bytes(), "chart.wmf")
    assert wmf.type == "wmf" and [m.text for m in wmf.detection.markings] == ["机密★5年"]
    # The same picture without its text records (header, then end of file): nothing to check.
    header = emf[:struct.unpack_from("<I", emf, 4)[0]]
    [blank] = scan_items(header + struct.pack("<IIIII", 14, 20, 0, 0, 20), "blank.emf")
    assert blank.type == "emf" and blank.verdict == "block" and blank.problem["code"] == "scan.no_text"


def _pdf_with_picture(render_text, lines) -> bytes:
    """A reportlab PDF with a line of text and a picture placed on the same page."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setFont("STSong-Light", 14)
    page.drawString(72, 760, "会议纪要：见下方签批页。")
    page.drawImage(ImageReader(render_text(lines)), 72, 560, width=380, height=90)
    page.showPage()
    page.save()
    return out.getvalue()


def test_pictures_on_pdf_pages_with_text_are_read(render_text, scan_items):
    [marked] = scan_items(_pdf_with_picture(render_text, ["机密★5年"]), "minutes.pdf")
    assert marked.verdict == "block"
    [mark] = marked.detection.markings
    assert mark.text == "机密★5年" and mark.location.startswith("picture ") and "page 1" in mark.location
    [plain] = scan_items(_pdf_with_picture(render_text, []), "minutes.pdf")  # a picture with no text
    assert plain.verdict == "allow"


# -- issue 12: limits keep the marks found; figures beyond the OCR budget ---------------------------


def test_a_time_limit_before_the_pictures_keeps_the_marks_of_the_text(make_docx, blank, engine):
    data = docx_with(make_docx, blank, text="机密★10年")
    [result] = scan(data, "notice.docx", engine, toml="[scan]\nmax_seconds = 0.001\n")
    assert result.verdict == "block" and result.problem["code"] == "scan.limit"
    assert "max_seconds" in result.problem["detail"] and "image1.png" in result.problem["detail"]
    assert {"scan.limit", "marking.national_secret"} <= {r.code for r in result.reasons}


# A page of text (well over FULL_PAGE_TEXT characters) that holds nothing sensitive.
BODY = ["本页为年度例行会议的纪要正文，记录了议程安排与出席人员。"] * 5


def _logo(colour: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 90), "white")
    ImageDraw.Draw(image).ellipse((20, 10, 140, 80), fill=colour)
    return png(image)


def _pdf_pages(pages) -> bytes:
    """A reportlab PDF: each page is (lines of text, [(png bytes, x, y, width, height)])."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, invariant=1)  # A4 is 595 × 842 points
    for lines, images in pages:
        pdf.setFont("STSong-Light", 14)
        for i, line in enumerate(lines):
            pdf.drawString(60, 780 - 20 * i, line)
        for data, x, y, width, height in images:
            pdf.drawImage(ImageReader(io.BytesIO(data)), x, y, width=width, height=height)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_figures_beyond_the_ocr_budget_on_pages_with_text_are_skipped_not_unread(engine):
    from scanner.extract.limits import Limits, using

    data = _pdf_pages([(BODY, [(_logo("navy"), 60, 500, 120, 70)]), (BODY, [(_logo("maroon"), 60, 500, 120, 70)])])
    [result] = scan(data, "minutes.pdf", engine, toml="[scan]\nocr_max_pages = 1\n")
    assert result.verdict == "allow" and result.problem is None
    with using(Limits(ocr_max_pages=1)):
        ex = extract("pdf", data)
    assert ex.unread == [] and "limits" not in ex.properties
    counts = ex.properties["pictures"]
    assert counts["ocr"] == 1 and len(counts["skipped"]) == 1
    assert "over OCR max_pages, its page has a text layer" in counts["skipped"][0]


@pytest.mark.parametrize("page2", [
    (["图2"], [(b"maroon", 60, 500, 120, 70)]),  # next to no text: the picture may be the page
    (BODY, [(b"maroon", 40, 60, 500, 400)]),  # a picture over a third of the page
], ids=["near-empty text layer", "large picture"])
def test_a_picture_that_may_hold_what_the_text_layer_lacks_still_fails_closed(engine, page2):
    lines, [(colour, *box)] = page2
    data = _pdf_pages([(BODY, [(_logo("navy"), 60, 500, 120, 70)]), (lines, [(_logo(colour.decode()), *box)])])
    [result] = scan(data, "minutes.pdf", engine, toml="[scan]\nocr_max_pages = 1\n")
    assert result.verdict == "block" and result.problem["code"] == "scan.limit"
    assert "pictures over OCR max_pages" in result.problem["detail"]
