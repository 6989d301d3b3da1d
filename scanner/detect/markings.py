"""Secrecy markings (密级标志): parse them and tell a mark from a mention."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from scanner.config import Config
from scanner.detect.normalize import STAR, NormalizedText
from scanner.detect.registry import DetectContext, DetectorOutput, lexicon_folder, register
from scanner.errors import ConfigError
from scanner.resources import data_path
from scanner.model import Marking


@dataclass(frozen=True)
class ParsedMarking:
    """A marking found in normalised text, before its offsets are mapped back."""

    text: str
    level: str
    kind: str
    period: str | None
    start: int
    end: int
    is_mark: bool


class MarkingParser:
    """Finds national-secret, work-secret and commercial-secret markings in normalised text."""

    def __init__(self, spec: dict):
        try:
            national = spec["national_secret"]
            self.levels: list[str] = list(national["levels"])
            self.default_periods: dict[str, str] = dict(national["default_periods"])
            not_after = "|".join(map(re.escape, national["not_after"]))
            periods = "|".join(f"(?:{p})" for p in national["periods"])
            work_marks = sorted(spec["work_secret"]["marks"], key=len, reverse=True)
            commercial = spec["commercial_secret"]["levels"]
            header = "|".join(f"(?:{t})" for t in spec["layout"]["header_tokens"])
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"密级标志定义缺少字段：{exc} (marking spec is missing {exc})") from exc
        levels = "|".join(map(re.escape, self.levels))
        try:
            self._national = re.compile(
                rf"(?<!{not_after})(?P<level>{levels})(?:\s*{STAR}\s*(?P<period>{periods})?)?"
            )
            self._commercial = re.compile(
                rf"(?P<level>{'|'.join(map(re.escape, commercial))})(?:\s*(?P<star>{STAR})?\s*(?P<period>{periods}))?"
            )
            self._work = re.compile("|".join(map(re.escape, work_marks)))
            self._residue = re.compile(rf"(?:{header})+")
        except re.error as exc:
            raise ConfigError(f"密级标志正则表达式无效：{exc} (invalid marking pattern: {exc})") from exc

    @classmethod
    def from_file(cls, path: Path) -> "MarkingParser":
        try:
            with open(path, "rb") as fh:
                return cls(tomllib.load(fh))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"无法读取密级标志定义 {path}：{exc} (cannot load marking spec {path})") from exc

    def _stands_alone(self, text: str, start: int, end: int, others: list[tuple[int, int]]) -> bool:
        """True when the line holding text[start:end] has nothing else but header tokens and marks."""
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        if line_end == -1:
            line_end = len(text)
        pieces = []
        pos = line_start
        for s, e in sorted(others + [(start, end)]):
            if e <= line_start or s >= line_end:
                continue
            pieces.append(text[pos:max(pos, s)])
            pos = max(pos, e)
        pieces.append(text[pos:line_end])
        residue = self._residue.sub("", "".join(pieces))
        return residue == ""

    def _leads_paragraph(self, text: str, start: int, end: int) -> bool:
        """A bracketed level opening a paragraph, as in （秘密）本段……"""
        line_start = text.rfind("\n", 0, start) + 1
        before = text[line_start:start].strip()
        after = text[end:end + 1]
        return before in ("(", "[", "【", "〔") and after in (")", "]", "】", "〕")

    def parse(self, text: str) -> list[ParsedMarking]:
        found: list[ParsedMarking] = []
        spans: list[tuple[int, int]] = []
        candidates: list[tuple[int, int, str, str, str | None, bool]] = []
        for m in self._work.finditer(text):
            candidates.append((m.start(), m.end(), "work_secret", m.group().replace(" ", ""), None, False))
        for m in self._commercial.finditer(text):
            candidates.append((m.start(), m.end(), "commercial_secret", m.group("level"),
                               m.group("period"), bool(m.group("star"))))
        taken = [(s, e) for s, e, *_ in candidates]
        for m in self._national.finditer(text):
            if any(s <= m.start() < e for s, e in taken):
                continue  # 秘密 inside 工作秘密 is not a national level
            starred = STAR in m.group()
            period = m.group("period")
            candidates.append((m.start(), m.end(), "national_secret", m.group("level"), period, starred))
        spans = [(s, e) for s, e, *_ in candidates]
        for start, end, kind, level, period, starred in sorted(candidates):
            others = [sp for sp in spans if sp != (start, end)]
            alone = self._stands_alone(text, start, end, others)
            is_mark = alone or (kind == "national_secret" and self._leads_paragraph(text, start, end))
            if kind == "national_secret" and starred and not is_mark:
                # A starred mark opening a line (机密★10年 关于……的报告) is a mark too.
                line_start = text.rfind("\n", 0, start) + 1
                is_mark = text[line_start:start].strip() == ""
            if kind == "national_secret" and period is None:
                period = self.default_periods.get(level)
            if period is not None:
                period = re.sub(r"\s+", "", period)
            found.append(ParsedMarking(text[start:end], level, kind, period, start, end, is_mark))
        return found


def parse_markings(parser: MarkingParser, norm: NormalizedText, locate) -> tuple[list[Marking], list[Marking]]:
    """Run the parser over normalised text; return (marks, mentions) with original offsets."""
    marks: list[Marking] = []
    mentions: list[Marking] = []
    for p in parser.parse(norm.text):
        start, end = norm.span_to_original(p.start, p.end)
        marking = Marking(
            text=norm.original[start:end], level=p.level, kind=p.kind, period=p.period,
            start=start, end=end, location=locate(start), is_mark=p.is_mark,
        )
        if p.is_mark:
            marks.append(marking)
        elif p.kind != "work_secret" or p.level == "工作秘密":
            # 内部 in prose is an everyday word, not worth listing as a mention.
            mentions.append(marking)
    return marks, mentions


@register("marking")
class MarkingDetector:
    """Secrecy marks (and mentions of levels) by the grammar in lexicons/markings.toml."""

    def __init__(self, config: Config):
        spec = lexicon_folder(config) / "markings.toml"
        if not spec.is_file():
            spec = data_path("lexicons") / "markings.toml"
        self.parser = MarkingParser.from_file(spec)

    def detect(self, ctx: DetectContext) -> DetectorOutput:
        marks, mentions = parse_markings(self.parser, ctx.norm, ctx.locate)
        return DetectorOutput(markings=marks, mentions=mentions)
