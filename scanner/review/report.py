"""The printable period report: what was scanned and decided between two dates, and the audit chain's state."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from scanner import __version__
from scanner.i18n import location_text
from scanner.model import CATEGORIES
from scanner.review.audit import record_message, record_problems
from scanner.review.errors import ReviewError
from scanner.review.queue import STATUS_OF_ACTION
from scanner.review.text import category_name, translator
from scanner.store.review import ReviewStore

_ENV = Environment(loader=PackageLoader("scanner.review", "templates"), autoescape=select_autoescape(["html", "j2"]),
                   trim_blocks=True, lstrip_blocks=True)
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def period_data(review: ReviewStore, since: str, until: str | None) -> dict:
    db = review.db
    params = [since] + ([until] if until else [])
    clause = "substr(scanned_at, 1, 10) >= ?" + (" and substr(scanned_at, 1, 10) <= ?" if until else "")
    items = [dict(r) for r in db.query(f"select id, path, verdict, sha256, labels, reason_codes, scanned_at, result "
                                       f"from items where member is null and {clause} order by id", params)]
    counts = Counter(r["verdict"] for r in items)
    entries, broken, problems = record_problems(review)
    bad = {p.decision_id for p in problems if p.problem != "deleted"}
    decisions = [dict(d, verified=d["id"] not in bad) for d in review.decisions(since=since, until=until)]
    latest = {}
    for d in review.decisions():
        if d["id"] not in bad:  # an unconfirmed decision does not settle an item's status
            latest[d["item_id"]] = d
    reviewable = []
    for r in items:
        if r["verdict"] == "allow":
            continue
        doc = json.loads(r["result"])
        last = latest.get(r["id"])
        reviewable.append(dict(r, doc=doc, status=STATUS_OF_ACTION[last["action"]] if last else "open"))
    return {"items": items, "counts": counts, "decisions": decisions, "reviewable": reviewable,
            "audit_total": len(entries), "audit_head": entries[-1]["hash"] if entries else "",
            "broken": broken, "problems": problems,
            "by_class": Counter(c for r in reviewable for c in (r["labels"] or "").split(",") if c)}


def render_period_report(review: ReviewStore, since: str, until: str | None, lang: str = "zh",
                         generated_at: datetime | None = None) -> str:
    data = period_data(review, since, until)
    broken, problems = data.pop("broken"), data.pop("problems")
    generated_at = generated_at or datetime.now(timezone.utc)
    return _ENV.get_template("period_report.html.j2").render(
        _=translator(lang), lang=lang, since=since, until=until or generated_at.date().isoformat(),
        generated_at=generated_at.isoformat(timespec="seconds"), version=__version__, categories=CATEGORIES,
        cat=lambda c: category_name(c, lang), where=lambda loc: location_text(loc or "", lang),
        broken=record_message(broken, problems, lang), **data)


def find_chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def html_to_pdf(html: str, pdf_path: Path, timeout: float = 120) -> None:
    """Print the HTML to PDF with a local headless Chromium; nothing is fetched from the network."""
    chromium = find_chromium()
    if chromium is None:
        raise ReviewError("生成 PDF 需要本机安装 chromium (a local chromium is needed to write PDF)")
    with tempfile.TemporaryDirectory(prefix="mijian-pdf-") as tmp:
        source = Path(tmp) / "report.html"
        source.write_text(html, encoding="utf-8")
        out = Path(tmp) / "report.pdf"
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--no-pdf-header-footer",
               f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={out}", source.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env={**os.environ, "HOME": tmp})
        if not out.exists() or out.stat().st_size == 0:
            raise ReviewError(f"chromium 未能生成 PDF（退出码 {proc.returncode}）(chromium wrote no PDF)："
                              f"{proc.stderr.decode(errors='replace')[-500:]}")
        shutil.copyfile(out, pdf_path)
