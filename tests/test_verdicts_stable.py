"""Every verdict on a fixed corpus stays as recorded: speed work in extraction or detection must not move one.

The corpus is the bundled samples, the test fixtures, part of the precision benchmark's files (every
non-text format, one text in twenty, none over 500 KB) and a few pictures and PDFs made here (a marking in a PNG, plain
text in a JPEG, a PDF with a scanned page among text pages, a PDF with a picture of a marking). It is
scanned through the real CLI; `tests/golden/verdicts_stable.json` holds, per file and member, the
verdict, its reason codes and the markings found. MIJIAN_UPDATE_GOLDEN=1 rewrites it (then justify
every changed line in the commit message).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "verdicts_stable.json"
UPDATE = os.environ.get("MIJIAN_UPDATE_GOLDEN") == "1"
TEXT_SUFFIXES = {".txt", ".md"}
# The few precision files over this size are manuals full of pictures: minutes of OCR, and a verdict that
# hangs on the time limits (so on the machine's load), so they are left out.
MAX_SIZE = 500_000


def _fixed_files() -> list[tuple[Path, str]]:
    """(source, name in the corpus) for the committed files, in a stable order."""
    picked: list[tuple[Path, str]] = []
    for base, prefix in ((ROOT / "samples" / "outbox", "samples"), (ROOT / "tests" / "fixtures", "fixtures")):
        for path in sorted(base.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                picked.append((path, f"{prefix}/{path.relative_to(base).as_posix()}"))
    precision = ROOT / "benchmarks" / "precision" / "files"
    texts = 0
    for path in sorted(precision.rglob("*")):
        if not path.is_file() or path.stat().st_size > MAX_SIZE:
            continue
        if path.suffix in TEXT_SUFFIXES:
            texts += 1
            if texts % 20:
                continue
        picked.append((path, f"precision/{path.relative_to(precision).as_posix()}"))
    return picked


def _made_files(render_text) -> dict[str, bytes]:
    """Pictures of text and PDFs with pictures, made with Pillow and reportlab."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    def encode(image, fmt: str) -> bytes:
        out = io.BytesIO()
        image.save(out, fmt)
        return out.getvalue()

    marked = render_text(["机密★10年", "关于对外合作项目的会议纪要"])
    plain = render_text(["今天下午三点在二楼会议室", "讨论年度培训计划"])
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))

    def pdf(pages: list) -> bytes:
        out = io.BytesIO()
        c = canvas.Canvas(out, pagesize=A4, invariant=1)
        for page in pages:
            if isinstance(page, str):
                c.setFont("STSong-Light", 12)
                c.drawString(72, 760, page)
            else:
                c.drawImage(ImageReader(page), 72, 500, width=380, height=100)
            c.showPage()
        c.save()
        return out.getvalue()

    return {
        "made/marked.png": encode(marked, "PNG"),
        "made/plain.jpg": encode(plain, "JPEG"),
        "made/scanned_among_text.pdf": pdf(["第一页：年度工作总结。", marked, "第三页：附件说明。"]),
        "made/plain_picture.pdf": pdf([plain]),
        "made/text_only.pdf": pdf(["关于召开培训会议的通知", "请各部门按时参加。"]),
    }


def _verdicts(records: list[dict], corpus: Path) -> dict[str, dict]:
    out = {}
    for rec in records:
        key = Path(rec["path"]).relative_to(corpus).as_posix()
        if rec.get("member"):
            key += "::" + rec["member"]
        assert key not in out, f"{key} reported twice"
        out[key] = {"verdict": rec["verdict"],
                    "reasons": sorted({r["code"] for r in rec["reasons"]}),
                    "markings": sorted(m["text"] for m in rec["markings"])}
    return dict(sorted(out.items()))


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, render_text) -> dict[str, dict]:
    corpus = tmp_path_factory.mktemp("verdicts") / "corpus"
    for source, name in _fixed_files():
        target = corpus / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    for name, data in _made_files(render_text).items():
        target = corpus / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    db = corpus.parent / "verdicts.db"
    proc = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", str(corpus), "--db", str(db), "--format", "jsonl",
         "--no-progress", "--fail-on", "never", "-j", "2"],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    return _verdicts([json.loads(line) for line in proc.stdout.splitlines() if line.strip()], corpus)


def test_corpus_covers_every_verdict_and_pictures(scanned):
    verdicts = {v["verdict"] for v in scanned.values()}
    assert verdicts == {"allow", "flag", "block"}
    assert scanned["made/marked.png"]["markings"] == ["机密★10年"]
    assert scanned["made/scanned_among_text.pdf"]["verdict"] == "block"


def test_verdicts_are_unchanged(scanned):
    if UPDATE:
        GOLDEN.write_text(json.dumps(scanned, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert GOLDEN.exists(), f"golden file missing: {GOLDEN} (run with MIJIAN_UPDATE_GOLDEN=1 once)"
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    changed = {k: (golden.get(k), scanned.get(k)) for k in golden.keys() | scanned.keys()
               if golden.get(k) != scanned.get(k)}
    assert not changed, json.dumps(changed, ensure_ascii=False, indent=1)
