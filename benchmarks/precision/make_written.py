"""Write the documents of `written/texts.jsonl` as real files, and their manifest.

Run from anywhere: `python benchmarks/precision/make_written.py [--out DIR]`. The texts were
written for Mijian (fictitious people, units and figures, in the style of real government,
enterprise and research-institute papers); this script only lays them out with the real
libraries: python-docx, reportlab (`STSong-Light`), openpyxl, python-pptx and the e-mail package.

Each line of texts.jsonl is one document:

  id, expect (sensitive | marked), class (sensitive: comma-separated classes; marked: the kind
  of mark: national_secret, work_secret, commercial_secret, foreign), kind, format (docx, pdf,
  xlsx, pptx, eml, txt), title, text, and optionally
  encoding     txt/eml: "gbk" (else UTF-8)
  mark         the marking exactly as printed (marked documents only; never inside `text`,
               except for mark_place "field", where it stands in a form field of the text)
  mark_place   top        first line, top left (own paragraph / line / cell A1 / e-mail body)
               gb         GB/T 9704 head: copy number, mark, urgency on three lines (copyno, urgency)
               inline     on one line after `prefix` (e.g. the copy number)
               header     DOCX section header, or a PDF page header drawn on every page
               split      PDF only: the mark split at its star over separate lines (绝密 / ★ / 启用前),
                          as PDF text layers often give it
               cover      DOCX cover line "密级：<mark>"
               xlsx_header  XLSX print header (left part)
               slide      PPTX text box at the top left of the first slide
               field      already in the text (a form's 密级 row)
               attachment e-mail whose DOCX attachment carries the mark (attachment_place: top | header)
  variant      a short note on what the document tests
  from, to, subject, attachment_title, attachment_text   e-mail fields

The output is deterministic: fixed document properties, fixed zip timestamps, reportlab's
invariant mode, fixed e-mail dates, ids and boundaries. Nothing depends on the clock.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import zipfile
from datetime import datetime
from email.message import EmailMessage
from email.policy import default as email_policy
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
TEXTS = HERE / "written" / "texts.jsonl"
DEFAULT_OUT = HERE / "files" / "written"
MANIFEST = HERE / "manifest-written.tsv"
MANIFEST_HEADER = ["file", "kind", "expect", "class", "source", "licence", "in_repo"]
SOURCE = "written for Mijian"
LICENCE = "Apache-2.0"

FIXED_TIME = datetime(2026, 11, 2, 9, 0, 0)
ZIP_TIME = (2026, 11, 2, 9, 0, 0)
AUTHOR = "办公室"
CID_FONT = "STSong-Light"
W3CDTF = "2026-11-02T09:00:00Z"

EXTENSIONS = {"docx": "docx", "pdf": "pdf", "xlsx": "xlsx", "pptx": "pptx", "eml": "eml", "txt": "txt"}


# --- helpers -------------------------------------------------------------------------


def stable_zip(data: bytes) -> bytes:
    """Rewrite an OOXML zip with fixed timestamps (members and docProps/core.xml)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                for tag in ("dcterms:created", "dcterms:modified"):
                    text = re.sub(rf"(<{tag}[^>]*>)[^<]*(</{tag}>)", rf"\g<1>{W3CDTF}\g<2>", text)
                body = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, body)
    return out.getvalue()


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def body_lines(doc: dict, text: str | None = None) -> tuple[str | None, list[str]]:
    """(heading, paragraphs): the title is the heading, taken off the text if the text repeats it."""
    lines = lines_of(doc["text"] if text is None else text)
    title = doc.get("title")
    if lines and title and lines[0] == title:
        lines = lines[1:]
    return title, lines


def mark_head(doc: dict) -> list[str]:
    """The lines printed above the title for marks on the page (not in a header)."""
    place, mark = doc.get("mark_place"), doc.get("mark")
    if not mark:
        return []
    if place == "top":
        return [mark]
    if place == "gb":
        return [doc.get("copyno", "000001"), mark, doc.get("urgency", "")]
    if place == "inline":
        return [doc.get("prefix", "") + mark]
    if place == "cover":
        return [f"密级：{mark}"]
    if place == "split":
        # 绝密★启用前 -> 绝密 / ★ / 启用前: each part on its own line
        parts = re.split(r"([★☆*＊])", mark)
        return [p.strip() for p in parts if p.strip()]
    return []


# --- DOCX ----------------------------------------------------------------------------


def docx_bytes(doc: dict, text: str | None = None, place: str | None = None, title: str | None = None) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    place = place or doc.get("mark_place")
    heading, lines = body_lines(doc, text)
    if title is not None:
        heading = title
        lines = lines_of(text) if text is not None else lines
        if lines and lines[0] == heading:
            lines = lines[1:]
    document = docx.Document()
    props = document.core_properties
    props.title = heading or ""
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME
    props.revision = 1
    style = document.styles["Normal"]
    style.font.size = Pt(12)
    style.font.name = "SimSun"
    mark = doc.get("mark")
    if mark and place == "header":
        header = document.sections[0].header.paragraphs[0]
        header.text = mark
        header.alignment = WD_ALIGN_PARAGRAPH.LEFT
    elif mark:
        for line in mark_head({**doc, "mark_place": place}):
            para = document.add_paragraph()
            run = para.add_run(line)
            if line == mark or line.endswith(mark):
                run.bold = True
                run.font.size = Pt(14)
    if heading:
        para = document.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(heading)
        run.bold = True
        run.font.size = Pt(18)
    for line in lines:
        para = document.add_paragraph(line)
        if re.match(r"^[一二三四五六七八九十]+、", line):
            para.runs[0].bold = True
    buf = io.BytesIO()
    document.save(buf)
    return stable_zip(buf.getvalue())


# --- PDF -----------------------------------------------------------------------------


def pdf_bytes(doc: dict) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    if CID_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    mark_style = ParagraphStyle("mark", fontName=CID_FONT, fontSize=16, leading=22, wordWrap="CJK")
    heading_style = ParagraphStyle("heading", fontName=CID_FONT, fontSize=18, leading=28, alignment=1,
                                   spaceBefore=12, spaceAfter=14, wordWrap="CJK")
    body_style = ParagraphStyle("body", fontName=CID_FONT, fontSize=12, leading=20, firstLineIndent=24,
                                spaceAfter=6, wordWrap="CJK")
    heading, lines = body_lines(doc)
    story = []
    mark, place = doc.get("mark"), doc.get("mark_place")
    for line in mark_head(doc):
        story.append(Paragraph(escape(line), mark_style))
    if heading:
        story.append(Paragraph(escape(heading), heading_style))
    for line in lines:
        story.append(Paragraph(escape(line), body_style))
        story.append(Spacer(1, 1 * mm))

    def page_header(canvas, _doc):
        if mark and place == "header":
            canvas.saveState()
            canvas.setFont(CID_FONT, 12)
            canvas.drawString(28 * mm, A4[1] - 20 * mm, mark)
            canvas.restoreState()

    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, invariant=1, title=heading or "", author=AUTHOR, creator="make_written.py",
                      leftMargin=28 * mm, rightMargin=26 * mm, topMargin=37 * mm, bottomMargin=35 * mm,
                      ).build(story, onFirstPage=page_header, onLaterPages=page_header)
    return buf.getvalue()


# --- XLSX ----------------------------------------------------------------------------

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def xlsx_bytes(doc: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.properties.creator = AUTHOR
    wb.properties.lastModifiedBy = AUTHOR
    wb.properties.title = doc.get("title", "")
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    ws = wb.active
    ws.title = "Sheet1"
    mark, place = doc.get("mark"), doc.get("mark_place")
    row = 1
    if mark and place == "top":
        ws.cell(row=1, column=1, value=mark).font = Font(bold=True, size=14)
        row = 2
    if mark and place == "xlsx_header":
        ws.oddHeader.left.text = mark
        ws.oddHeader.left.size = 14
    for line in doc["text"].split("\n"):
        if not line.strip():
            continue
        for col, value in enumerate(line.split("\t"), start=1):
            value = value.strip()
            if not value:
                continue
            cell = ws.cell(row=row, column=col, value=(float(value) if "." in value else int(value))
                           if _NUMBER.match(value) else value)
            if row <= 2 and col == 1 and len(line.split("\t")) == 1:
                cell.font = Font(bold=True, size=14)
        row += 1
    for col in range(1, ws.max_column + 1):
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = 16
    buf = io.BytesIO()
    wb.save(buf)
    return stable_zip(buf.getvalue())


# --- PPTX ----------------------------------------------------------------------------


def pptx_bytes(doc: dict) -> bytes:
    from pptx import Presentation
    from pptx.util import Inches, Pt

    prs = Presentation()
    props = prs.core_properties
    props.title = doc.get("title", "")
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.revision = 1
    slides = [lines_of(chunk) for chunk in re.split(r"\n---\n", doc["text"])]
    for number, lines in enumerate(slides):
        if not lines:
            continue
        if number == 0:
            slide = prs.slides.add_slide(prs.slide_layouts[0])
            slide.shapes.title.text = lines[0]
            slide.placeholders[1].text = "\n".join(lines[1:])
            mark = doc.get("mark")
            if mark and doc.get("mark_place") == "slide":
                box = slide.shapes.add_textbox(Inches(0.3), Inches(0.2), Inches(3.0), Inches(0.6))
                para = box.text_frame.paragraphs[0]
                para.text = mark
                para.runs[0].font.size = Pt(18)
                para.runs[0].font.bold = True
        else:
            slide = prs.slides.add_slide(prs.slide_layouts[1])
            slide.shapes.title.text = lines[0]
            frame = slide.placeholders[1].text_frame
            frame.text = lines[1] if len(lines) > 1 else ""
            for line in lines[2:]:
                frame.add_paragraph().text = line
    buf = io.BytesIO()
    prs.save(buf)
    return stable_zip(buf.getvalue())


# --- EML -----------------------------------------------------------------------------


def eml_bytes(doc: dict, number: int) -> bytes:
    msg = EmailMessage(policy=email_policy)
    msg["From"] = doc.get("from", "office@example.cn")
    msg["To"] = doc.get("to", "staff@example.cn")
    msg["Subject"] = doc.get("subject", doc.get("title", ""))
    msg["Date"] = format_datetime(_fixed_date(number))
    msg["Message-ID"] = f"<{doc['id']}.written@mijian.example>"
    body = doc["text"]
    if doc.get("mark") and doc.get("mark_place") == "top":
        body = doc["mark"] + "\n\n" + body
    body = body.replace("\n", "\r\n") + "\r\n"
    charset = "gbk" if doc.get("encoding") == "gbk" else "utf-8"
    msg.set_content(body, charset=charset, cte="base64")
    if doc.get("attachment_text") is not None:
        name = doc.get("attachment_title", "附件.docx")
        place = doc.get("attachment_place") if doc.get("mark_place") == "attachment" else None
        data = docx_bytes(doc if place else {k: v for k, v in doc.items() if k != "mark"},
                          text=doc["attachment_text"], place=place or "none",
                          title=lines_of(doc["attachment_text"])[0])
        msg.add_attachment(data, maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml.document", filename=name)
        msg.set_boundary(f"=_mijian_{doc['id']}_boundary")
    return msg.as_bytes()


def _fixed_date(number: int) -> datetime:
    from datetime import timedelta, timezone

    return datetime(2026, 11, 2, 9, 0, 0, tzinfo=timezone(timedelta(hours=8))) + timedelta(minutes=7 * number)


# --- TXT -----------------------------------------------------------------------------


def txt_bytes(doc: dict) -> bytes:
    text = doc["text"]
    if doc.get("mark") and doc.get("mark_place") == "top":
        text = doc["mark"] + "\n\n" + text
    text += "\n"
    if doc.get("encoding") == "gbk":
        # Written on Windows: GBK with CRLF; it must not also be valid UTF-8.
        data = text.replace("\n", "\r\n").encode("gbk")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return data
        raise AssertionError(f"{doc['id']}: GBK text unexpectedly decodes as UTF-8")
    return text.encode("utf-8")


# --- main ----------------------------------------------------------------------------


def load_texts(path: Path = TEXTS) -> list[dict]:
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    seen = set()
    for doc in docs:
        if doc["id"] in seen:
            raise ValueError(f"duplicate id {doc['id']}")
        seen.add(doc["id"])
        if doc["expect"] not in ("sensitive", "marked"):
            raise ValueError(f"{doc['id']}: expect must be sensitive or marked")
        if doc["format"] not in EXTENSIONS:
            raise ValueError(f"{doc['id']}: unknown format {doc['format']}")
        if doc["expect"] == "marked" and not doc.get("mark"):
            raise ValueError(f"{doc['id']}: a marked document needs its mark")
        if doc["expect"] == "sensitive" and doc.get("mark"):
            raise ValueError(f"{doc['id']}: a sensitive (unmarked) document has no mark")
    return docs


def render(doc: dict, number: int) -> bytes:
    fmt = doc["format"]
    if fmt == "docx":
        return docx_bytes(doc)
    if fmt == "pdf":
        return pdf_bytes(doc)
    if fmt == "xlsx":
        return xlsx_bytes(doc)
    if fmt == "pptx":
        return pptx_bytes(doc)
    if fmt == "eml":
        return eml_bytes(doc, number)
    return txt_bytes(doc)


def make_written(out: Path = DEFAULT_OUT, manifest: Path | None = MANIFEST) -> list[tuple[Path, dict]]:
    docs = load_texts()
    written = []
    rows = ["\t".join(MANIFEST_HEADER)]
    for number, doc in enumerate(docs):
        folder = out / doc["expect"]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{doc['id']}.{EXTENSIONS[doc['format']]}"
        path.write_bytes(render(doc, number))
        written.append((path, doc))
        try:
            rel = path.resolve().relative_to(HERE).as_posix()
            in_repo = "yes"
        except ValueError:
            rel, in_repo = path.resolve().as_posix(), "no"
        rows.append("\t".join([rel, doc["kind"], doc["expect"], doc["class"], SOURCE, LICENCE, in_repo]))
    if manifest is not None:
        manifest.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成自写的敏感/带密级标志文档 / write the written test documents")
    parser.add_argument("--out", metavar="DIR", type=Path, default=DEFAULT_OUT,
                        help=f"输出目录 / output folder (default: {DEFAULT_OUT})")
    parser.add_argument("--no-manifest", action="store_true",
                        help=f"不写清单 / do not (re)write {MANIFEST.name}")
    args = parser.parse_args(argv)
    written = make_written(args.out, None if args.no_manifest else MANIFEST)
    counts: dict[tuple[str, str], int] = {}
    for _, doc in written:
        counts[(doc["expect"], doc["format"])] = counts.get((doc["expect"], doc["format"]), 0) + 1
    for (expect, fmt), n in sorted(counts.items()):
        print(f"{expect:10s} {fmt:5s} {n}")
    print(f"{len(written)} files under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
