"""The mixed corpus of benchmarks/floor_bench.py: office files, PDFs, text, e-mail, zips and pictures of text.

Texts are real Chinese laws and judgments (shared/corpus/train.jsonl, public domain), cut into
paragraphs and dealt out by a seeded generator, so the same seed gives the same texts. Layout:
`DIR/<format>/...` for the files without pictures and `DIR/pictures/` for the pictures of text.
"""

from __future__ import annotations

import email.message
import io
import json
import random
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ROOT.parent / "shared" / "corpus" / "train.jsonl"
FALLBACK = ROOT / "models" / "training" / "train.jsonl"
CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
CID_FONT = "STSong-Light"

# Files per format (580 without pictures) and the UTF-8 bytes of text in each, on average.
PLAN = {"docx": 120, "pdf": 100, "xlsx": 60, "pptx": 60, "utf8": 80, "gbk": 60, "eml": 50, "zip": 50}
PICTURES = 20
TEXT_BYTES = 18_000
MARKS = ("机密★10年", "秘密★5年", "内部资料 注意保存")


def paragraphs_source() -> list[str]:
    path = TEXTS if TEXTS.exists() else FALLBACK
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            out.extend(p.strip() for p in json.loads(line)["text"].split("\n") if len(p.strip()) > 20)
    return out


class Texts:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.pool = paragraphs_source()

    def paragraphs(self, target: int) -> list[str]:
        out, size = [], 0
        while size < target:
            p = self.rng.choice(self.pool)
            out.append(p)
            size += len(p.encode())
        if self.rng.random() < 0.1:
            out.insert(0, self.rng.choice(MARKS))
        return out

    def size(self) -> int:
        return int(TEXT_BYTES * self.rng.uniform(0.4, 1.6))


def write_docx(paras: list[str]) -> bytes:
    import docx

    doc = docx.Document()
    doc.sections[0].header.paragraphs[0].text = paras[0][:30]
    body, table_rows = paras[:-6], paras[-6:]
    for p in body:
        doc.add_paragraph(p)
    table = doc.add_table(rows=len(table_rows), cols=2)
    for row, p in zip(table.rows, table_rows):
        row.cells[0].text, row.cells[1].text = p[: len(p) // 2], p[len(p) // 2:]
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def write_pdf(paras: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    if CID_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    style = ParagraphStyle("b", fontName=CID_FONT, fontSize=11, leading=17, wordWrap="CJK")
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, invariant=1).build([Paragraph(p, style) for p in paras])
    return out.getvalue()


def write_xlsx(paras: list[str]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for number, p in enumerate(paras, start=1):
        sheet.cell(number, 1, number)
        for column, start in enumerate(range(0, len(p), 60), start=2):
            sheet.cell(number, column, p[start:start + 60])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_pptx(paras: list[str]) -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    for start in range(0, len(paras), 4):
        slide = deck.slides.add_slide(deck.slide_layouts[5])
        slide.shapes.title.text = paras[start][:20]
        box = slide.shapes.add_textbox(Inches(0.5), Inches(1.5), Inches(9), Inches(5)).text_frame
        box.text = paras[start]
        for p in paras[start + 1:start + 4]:
            box.add_paragraph().text = p
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def write_eml(paras: list[str], attachment: bytes) -> bytes:
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "王芳 <wf@example.cn>", "li@example.org", paras[0][:20]
    msg.set_content("\n".join(paras[: len(paras) // 2]))
    msg.add_attachment(attachment, maintype="application",
                       subtype="vnd.openxmlformats-officedocument.wordprocessingml.document", filename="附件.docx")
    msg.add_attachment("\n".join(paras[len(paras) // 2:]).encode(), maintype="text", subtype="plain",
                       filename="说明.txt")
    return msg.as_bytes()


def write_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def write_picture(lines: list[str], fmt: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(CJK_FONT, 32)
    image = Image.new("RGB", (1000, 60 + 56 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((30, 30 + 56 * number), line, font=font, fill="black")
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def make_corpus(folder: Path, seed: int = 17) -> dict[str, int]:
    """Write the corpus under `folder` (skipped when its manifest is there); files per format."""
    manifest = folder / "manifest.json"
    if manifest.exists():
        return json.loads(manifest.read_text())
    texts = Texts(seed)
    counts = {}
    for kind, count in PLAN.items():
        sub = folder / kind
        sub.mkdir(parents=True, exist_ok=True)
        for n in range(count):
            paras = texts.paragraphs(texts.size())
            if kind == "docx":
                path, data = sub / f"{n:03}.docx", write_docx(paras)
            elif kind == "pdf":
                path, data = sub / f"{n:03}.pdf", write_pdf(paras)
            elif kind == "xlsx":
                path, data = sub / f"{n:03}.xlsx", write_xlsx(paras)
            elif kind == "pptx":
                path, data = sub / f"{n:03}.pptx", write_pptx(paras)
            elif kind == "utf8":
                path, data = sub / f"{n:03}.txt", "\n".join(paras).encode("utf-8")
            elif kind == "gbk":
                path, data = sub / f"{n:03}.txt", "\n".join(paras).encode("gbk", errors="replace")
            elif kind == "eml":
                path, data = sub / f"{n:03}.eml", write_eml(paras, write_docx(texts.paragraphs(4000)))
            else:
                half = len(paras) // 2
                path, data = sub / f"{n:03}.zip", write_zip({
                    "正文.docx": write_docx(paras[:half]), "说明.txt": "\n".join(paras[half:]).encode(),
                    "表格.xlsx": write_xlsx(texts.paragraphs(3000))})
            path.write_bytes(data)
        counts[kind] = count
    sub = folder / "pictures"
    sub.mkdir(parents=True, exist_ok=True)
    for n in range(PICTURES):
        lines = [p[:28] for p in texts.paragraphs(400)][:6]
        fmt, suffix = ("PNG", "png") if n % 2 else ("JPEG", "jpg")
        (sub / f"{n:03}.{suffix}").write_bytes(write_picture(lines, fmt))
    counts["pictures"] = PICTURES
    manifest.write_text(json.dumps(counts))
    return counts
