"""Writers for the machine formats of the output contract: jsonl, json, csv (and sarif, html, table)."""

from __future__ import annotations

import csv
import importlib
import json
from typing import Callable, TextIO

from scanner.errors import RegistryError
from scanner.model import CATEGORIES, ItemResult

Writer = Callable[[list[ItemResult], TextIO, str], None]
FORMATS: dict[str, Writer] = {}
# Writers in modules of their own, imported the first time their format is asked for: a scan that
# writes JSON Lines loads neither jinja2 (html) nor rich's tables.
_MODULES = {"html": "scanner.report.html", "sarif": "scanner.report.sarif", "table": "scanner.report.table"}


def register(name: str) -> Callable[[Writer], Writer]:
    def decorate(func: Writer) -> Writer:
        if name in FORMATS:
            raise RegistryError(f"report format {name!r} is already registered")
        FORMATS[name] = func
        return func

    return decorate


def all_formats() -> dict[str, Writer]:
    """Every format's writer (each module imported)."""
    for module in _MODULES.values():
        importlib.import_module(module)
    return FORMATS


def write_report(fmt: str, results: list[ItemResult], out: TextIO, lang: str = "zh") -> None:
    if fmt not in FORMATS and fmt in _MODULES:
        importlib.import_module(_MODULES[fmt])
    FORMATS[fmt](results, out, lang)


@register("jsonl")
def write_jsonl(results: list[ItemResult], out: TextIO, lang: str) -> None:
    for result in results:
        out.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")


@register("json")
def write_json(results: list[ItemResult], out: TextIO, lang: str) -> None:
    json.dump([r.to_dict() for r in results], out, ensure_ascii=False, indent=2)
    out.write("\n")


CSV_COLUMNS = (
    ["path", "member", "sha256", "size", "type", "verdict", "reason_codes", "reasons", "markings", "labels"]
    + [f"score_{c}" for c in CATEGORIES]
    + ["findings", "encrypted", "needs_password", "approval_status", "problem"]
)


@register("csv")
def write_csv(results: list[ItemResult], out: TextIO, lang: str) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in results:
        det = r.detection
        messages = [x.message_en if lang == "en" else x.message for x in r.reasons]
        writer.writerow(
            [r.path, r.member or "", r.sha256 or "", "" if r.size is None else r.size, r.type, r.verdict,
             ";".join(x.code for x in r.reasons), "；".join(messages),
             ";".join(m.text for m in det.markings), ";".join(det.labels)]
            + [f"{det.categories.get(c, 0.0):.4f}" for c in CATEGORIES]
            + [len(det.findings), str(r.protection.encrypted).lower(), str(r.protection.needs_password).lower(),
               r.approval.get("status", ""), r.problem["code"] if r.problem else ""]
        )

