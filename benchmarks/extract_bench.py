"""Extraction throughput per format: generate N files of each format, time extract() (files/s).

Usage: python benchmarks/extract_bench.py [N]   (default 50)
"""

from __future__ import annotations

import io
import sys
import tarfile
import time
import zipfile
from email.message import EmailMessage
from pathlib import Path

from scanner.extract import extract, sniff

PARAGRAPHS = ["机密★10年", "关于年度对外合作项目的报告", "会议纪要：双方就技术资料交换达成一致。" * 5] * 10


def make_docx(i: int) -> bytes:
    import docx

    document = docx.Document()
    for text in PARAGRAPHS:
        document.add_paragraph(f"{text} {i}")
    table = document.add_table(rows=5, cols=4)
    for row in table.rows:
        for cell in row.cells:
            cell.text = "表格内容"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_xlsx(i: int) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for r in range(1, 101):
        for c in range(1, 6):
            sheet.cell(r, c, f"预算项目{r}-{c}-{i}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_pptx(i: int) -> bytes:
    import pptx

    deck = pptx.Presentation()
    for n in range(10):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = f"第{n}页 {i}"
        slide.placeholders[1].text = PARAGRAPHS[2]
        slide.notes_slide.notes_text_frame.text = "讲话要点"
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def make_pdf(i: int) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for page in range(3):
        pdf.setFont("STSong-Light", 12)
        for line in range(30):
            pdf.drawString(40, 800 - 20 * line, f"第{page}页第{line}行 对外合作项目 {i}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def make_zip(i: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in range(20):
            zf.writestr(f"目录/文件{n}.txt", "\n".join(PARAGRAPHS) + str(i))
    return out.getvalue()


def make_tar_gz(i: int) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for n in range(20):
            data = ("\n".join(PARAGRAPHS) + str(i)).encode()
            info = tarfile.TarInfo(f"docs/{n}.txt")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def make_eml(i: int) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.cn", "b@example.com", f"周报 {i}"
    message.set_content("\n".join(PARAGRAPHS))
    message.add_attachment(b"a,b\n1,2\n" * 100, maintype="text", subtype="csv", filename="data.csv")
    return message.as_bytes()


def make_text(i: int) -> bytes:
    return ("\n".join(PARAGRAPHS) + str(i)).encode("gb18030")


LEGACY = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "legacy"


def make_doc(i: int) -> bytes:
    """Legacy Word: the LibreOffice-made fixture (nothing here writes .doc files)."""
    return (LEGACY / "report.doc").read_bytes()


def make_ppt(i: int) -> bytes:
    return (LEGACY / "slides.ppt").read_bytes()


def _picture(i: int, line: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 32)
    except OSError:
        font = ImageFont.load_default()
    image = Image.new("RGB", (480, 80), "white")
    ImageDraw.Draw(image).text((20, 20), f"{line}{i}", font=font, fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def make_docx_pictures(i: int, count: int = 1) -> bytes:
    """A DOCX with `count` distinct pictures of one line of Chinese text each (read by OCR)."""
    import docx

    document = docx.Document()
    document.add_paragraph("关于年度对外合作项目的报告")
    for n in range(count):
        document.add_picture(io.BytesIO(_picture(i * 10 + n, "会议纪要第")))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


FORMATS = {"docx": make_docx, "xlsx": make_xlsx, "pptx": make_pptx, "pdf": make_pdf, "zip": make_zip,
           "tar.gz": make_tar_gz, "eml": make_eml, "text": make_text, "doc": make_doc, "ppt": make_ppt,
           "docx+1pic": make_docx_pictures, "docx+5pic": lambda i: make_docx_pictures(i, 5)}
SLOW = {"docx+1pic", "docx+5pic"}  # OCR: a tenth of the files


def _read_all(extraction) -> None:
    """Containers: also read every member once, and extract it (what scan_tree would do)."""
    for member in getattr(extraction, "members", []):
        data = member.data
        if data is None and member.open is not None:
            with member.open() as stream:
                data = stream.read()
        if data:
            _read_all(extract(sniff(data), data))


def main(n: int = 50) -> None:
    print(f"{'format':10} {'files':>5} {'KB/file':>8} {'files/s':>9}")
    for name, make in FORMATS.items():
        count = max(2, n // 10) if name in SLOW else n
        files = [make(i) for i in range(count)]
        kinds = [sniff(f) for f in files]
        started = time.perf_counter()
        for kind, data in zip(kinds, files):
            _read_all(extract(kind, data))
        elapsed = time.perf_counter() - started
        size = sum(map(len, files)) / count / 1024
        print(f"{name:10} {count:5d} {size:8.1f} {count / elapsed:9.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
