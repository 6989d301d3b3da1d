"""The terminal table (rich): one row per item, verdict first; names and messages shown, never obeyed."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanner.i18n import t
from scanner.model import ItemResult
from scanner.report.terminal import printable
from scanner.report.writers import register

_STYLES = {"allow": "green", "flag": "yellow", "block": "bold red"}


def render_table(results: list[ItemResult], console: Console, lang: str) -> None:
    table = Table(show_lines=False, header_style="bold")
    table.add_column(t("col.verdict", lang), no_wrap=True)
    table.add_column(t("col.path", lang), overflow="fold")
    table.add_column(t("col.type", lang), no_wrap=True)
    table.add_column(t("col.reasons", lang), overflow="fold")
    for r in results:
        verdict = Text(t(f"verdict.{r.verdict}", lang), style=_STYLES[r.verdict])
        path = printable(r.path) + (f" › {printable(r.member)}" if r.member else "")
        reasons = "\n".join(
            f"{x.code} {printable(x.message_en if lang == 'en' else x.message)}" for x in r.reasons
        ) or t("no_reason", lang)
        # Text, not markup: a name like "[bold]x.txt" is shown as it is.
        table.add_row(verdict, Text(path), Text(r.type), Text(reasons))
    console.print(table)
    files = [r for r in results if r.member is None]  # members are reported, files are counted
    counts = {v: sum(1 for r in files if r.verdict == v) for v in ("allow", "flag", "block")}
    console.print(t("summary", lang, total=len(files), **counts))


@register("table")
def write_table(results: list[ItemResult], out: TextIO, lang: str) -> None:
    render_table(results, Console(file=out, soft_wrap=False), lang)
