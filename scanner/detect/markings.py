"""Secrecy markings (密级标志): parse them, tell a mark from a mention, and date their expiry."""

from __future__ import annotations

import bisect
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from scanner.config import Config
from scanner.detect.allowlist import Spans
from scanner.detect.expiry import canonical_period, find_document_date, period_end
from scanner.detect.marking_lines import (
    damaged_head, end_of_head, line_around, next_line, opens_line, previous_line,
)
from scanner.detect.marking_scan import AnchoredPattern, literal_anchors, needed_literals, tail_anchors
from scanner.detect.normalize import STAR, NormalizedText
from scanner.detect.registry import DetectContext, DetectorOutput, lexicon_folder, register
from scanner.errors import ConfigError
from scanner.model import Finding, Marking
from scanner.resources import data_path

_LEVEL_GAPS = re.compile(r"[\s,，、]")  # inside a work mark (内部资料，注意保存)
_SPACES = re.compile(r"\s+")

# No candidate is longer than this (a level, a star, a period, a caveat): bounds the line search.
_LONGEST = 80


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
    position: str | None = None
    owner: str | None = None
    star: bool = False
    expires: date | None = None
    expired: bool | None = None


@dataclass
class _Candidate:
    start: int
    end: int
    kind: str
    level: str
    period: str | None
    star: bool
    spaced: bool = False  # the level's characters were split by punctuation (机·密)
    owner: str | None = None
    owner_start: int | None = None


def _expand(template: str, pieces: dict[str, str]) -> str:
    for _ in range(5):  # pieces may refer to pieces
        for name, value in pieces.items():
            template = template.replace("{" + name + "}", value)
    return template


class MarkingParser:
    """Finds national-secret, work-secret, commercial-secret and foreign markings in normalised text."""

    def __init__(self, spec: dict):
        try:
            pieces = dict(spec["pieces"])
            national, work, commercial = spec["national_secret"], spec["work_secret"], spec["commercial_secret"]
            foreign, layout, dated = spec["foreign"], spec["layout"], spec["document_date"]
            self.levels: list[str] = list(national["levels"])
            self.default_periods: dict[str, str] = dict(national["default_periods"])
            self.not_after: list[str] = list(national["not_after"])
            self._not_after = tuple(self.not_after)
            self.work_mentions = set(work["mention"])
            self.head_lines = int(layout["head_lines"])
            p = {k: _expand(v, pieces) for k, v in pieces.items()}
            sep, period = p["sep"], p["period"]
            short_period = _expand(r"(?:{number}[ \t]*年|{number}[ \t]*个?月|长期)", p)
            level_res = [re.escape(lv[0]) + "".join(f"(?:{sep})?" + re.escape(ch) for ch in lv[1:])
                         for lv in self.levels]
            level_alt = "|".join(level_res)
            compile_ = re.compile
            self._national = compile_(
                rf"(?P<level>{level_alt})(?:[ \t]*(?P<star>{STAR})[ \t]*(?P<period>{period})?"
                rf"|[ \t]*(?P<bare>{short_period})(?![\u4e00-\u9fff]))?"
            )
            self._work = compile_(rf"(?P<level>{'|'.join(work['marks'])})(?:[ \t]*(?P<period>{short_period}))?")
            self._commercial = compile_(
                rf"(?P<level>{'|'.join(map(re.escape, commercial['levels']))})"
                rf"(?:[ \t]*(?P<star>{STAR}))?[ \t]*(?P<period>{period})?"
            )
            # Found from the literals every match holds (密 of 机·密, 内部 of 内部资料), not by a regex scan.
            self._national_scan = AnchoredPattern(
                self._national, tail_anchors([(r, lv[-1]) for r, lv in zip(level_res, self.levels)]),
                frozenset(lv[0] for lv in self.levels))
            self._work_scan = AnchoredPattern(self._work, literal_anchors(list(work["marks"])))
            self._commercial_scan = AnchoredPattern(
                self._commercial, literal_anchors([re.escape(lv) for lv in commercial["levels"]]))
            self._owner = compile_(rf"[ \t]*(?P<owner>{commercial['owner']})[ \t]*$")
            levels_en = "|".join(re.escape(lv).replace(r"\ ", r"[ \t]+") for lv in foreign["levels"])
            prefixes = "|".join(re.escape(x).replace(r"\ ", r"[ \t]+") for x in foreign["prefixes"])
            # The regex is slow to scan with (a look-behind at every offset): look for a word first.
            self._foreign_keys = sorted({lv.split()[-1] for lv in foreign["levels"]})
            self._needed = needed_literals([self._national_scan, self._work_scan, self._commercial_scan],
                                           self._foreign_keys)
            self._foreign = compile_(
                rf"(?<![A-Za-z])(?:(?:{prefixes})[ \t]+)?(?P<level>{levels_en}){foreign['caveat']}(?![A-Za-z])"
            )
            self._residue = compile_(rf"(?:{'|'.join(_expand(t, p) for t in layout['header_tokens'])})+")
            self._period_label = compile_(rf"{layout['period_label']}(?P<period>{period})")
            # The rest of a mark broken over lines (a PDF text layer, OCR): blank lines, then a line that
            # holds nothing but a period, after a star (on its own line or the period's) or a label.
            self._continuation = compile_(
                rf"(?:[ \t]*\n)+[ \t]*(?:(?P<star>{STAR})[ \t]*(?:\n[ \t]*)*|(?P<label>{layout['period_label']}))?"
                rf"(?P<period>{period})[ \t]*(?=\n|\Z)"
            )
            self._quotes = compile_(layout["quotes"])
            self._open = compile_(layout["paragraph_open"])
            self._close = compile_(layout["paragraph_close"])
            date_line = rf"[ \t]*{dated['label']}(?P<date>{p['date']}){dated['trailer']}[ \t]*$"
            self._date_line = compile_("^" + date_line, re.M)
            self._date_next_line = compile_("\n" + date_line, re.M)  # found from line break to line break
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"密级标志定义缺少字段或格式错误：{exc} (marking spec is missing or malformed: {exc})") from exc
        except re.error as exc:
            raise ConfigError(f"密级标志正则表达式无效：{exc} (invalid marking pattern: {exc})") from exc

    @classmethod
    def from_file(cls, path: Path) -> "MarkingParser":
        try:
            with open(path, "rb") as fh:
                return cls(tomllib.load(fh))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"无法读取密级标志定义 {path}：{exc} (cannot load marking spec {path})") from exc

    # -- candidates -------------------------------------------------------------------------

    def _candidates(self, text: str) -> list[_Candidate]:
        if self._needed is not None:
            for literal in self._needed:
                if literal[0] in text and literal in text:  # one character is found far faster than two
                    break
            else:
                return []  # most texts: no 密, no 内部, no banner word
        found: list[_Candidate] = []
        for m in self._work_scan.finditer(text):
            level = _LEVEL_GAPS.sub("", m.group("level"))
            found.append(_Candidate(m.start(), m.end(), "work_secret", level, m.group("period"), False))
        for m in self._commercial_scan.finditer(text):
            found.append(_Candidate(m.start(), m.end(), "commercial_secret", m.group("level"),
                                    m.group("period"), bool(m.group("star"))))
        taken = Spans([(c.start, c.end) for c in found]) if found else None
        not_after = self._not_after
        for m in self._national_scan.finditer(text):
            start = m.start()
            if taken and taken.covers(start, start + 1):
                continue  # 秘密 inside 工作秘密 is not a national level
            # (Only what stands before, text[:start]: a document whose last line ends in 工作 must not
            # lose the mark on its first line.)
            if text.endswith(not_after, 0, start):
                continue  # 国家秘密, 商业秘密: a term of its own
            raw = m.group("level")
            level = raw[0] + raw[-1]
            period = m.group("period") or m.group("bare")
            found.append(_Candidate(start, m.end(), "national_secret", level, period, bool(m.group("star")),
                                    spaced=len(raw) > 2))
        for key in self._foreign_keys:
            if key in text:
                for m in self._foreign.finditer(text):
                    found.append(_Candidate(m.start(), m.end(), "foreign", _SPACES.sub(" ", m.group("level")),
                                            None, False))
                break
        found.sort(key=lambda c: (c.start, -c.end))
        return found

    # -- mark or mention --------------------------------------------------------------------

    def _alone(self, text: str, cand: _Candidate, line: tuple[int, int], others: list[_Candidate]) -> bool:
        """True when the mark's line holds nothing else but header tokens and other marks."""
        ls, le = line
        if le - ls > 200:
            return False  # a mark's line is short; a long one is prose (and costly to inspect)
        pieces, pos = [], ls
        cut = sorted([(c.start, c.end) for c in others if c.start < le and c.end > ls] + [(cand.start, cand.end)])
        if cand.owner_start is not None:
            cut.append((cand.owner_start, cand.start))
            cut.sort()
        for s, e in cut:
            pieces.append(text[pos:max(pos, s)])
            pos = max(pos, e)
        pieces.append(text[pos:le])
        rest = self._period_label.sub("", "".join(pieces))
        return self._residue.sub("", rest) == ""

    def _quoted(self, text: str, cand: _Candidate) -> bool:
        before = text[cand.start - 1:cand.start]
        return bool(before) and self._quotes.fullmatch(before) is not None

    def _paragraph_level(self, text: str, cand: _Candidate, line_start: int) -> bool:
        """A bracketed level opening a paragraph, as in （秘密）本段……"""
        if cand.start - line_start > 8:
            return False
        before = text[line_start:cand.start].strip()
        after = text[cand.end:cand.end + 1]
        return (len(before) == 1 and self._open.fullmatch(before) is not None
                and after != "" and self._close.fullmatch(after) is not None)

    def _level_list(self, text: str, cand: _Candidate, line: tuple[int, int], on_line: list[_Candidate]) -> bool:
        """Several different levels on a line, or on neighbouring lines of their own: a list, not a mark."""
        levels = {c.level for c in on_line if c.kind == cand.kind}
        if len(levels) > 1:
            return True
        for neighbour in (previous_line(text, line[0]), next_line(text, line[1])):
            stripped = neighbour.strip(" ()（）[]【】:：、,，.。;；0123456789")
            if stripped in self.levels and stripped != cand.level or stripped in ("TOP SECRET", "SECRET",
                                                                                  "CONFIDENTIAL", "RESTRICTED"):
                if stripped != cand.level:
                    return True
        return False

    def _continued(self, text: str, cand: _Candidate, line_end: int) -> re.Match | None:
        """The period of a mark that ends its line, found on the next lines (绝密 / ★ / 考试结束前).

        A PDF text layer or OCR may put the level, the star and the period on lines of their own.
        Only a line holding nothing but a period is taken, and only after a star or a period label
        (密级：机密 / 保密期限：5年): a bare number of years under a level (机密 / 10年) may be the first
        line of the text, and a guessed period could wrongly date the mark as expired.
        """
        if cand.kind not in ("national_secret", "commercial_secret") or text[cand.end:line_end].strip(" \t" + STAR):
            return None
        m = self._continuation.match(text, line_end)
        if m is None or not (cand.star or m.group("star") or m.group("label") or STAR in text[cand.end:line_end]):
            return None
        return m

    def _decide(self, text: str, cand: _Candidate, all_cands: list[_Candidate],
                starts: list[int]) -> tuple[bool, str | None]:
        """(is_mark, position) for one candidate."""
        line = line_around(text, cand.start, cand.end)
        on_line: list[_Candidate] = []
        if line[1] - line[0] <= 200:  # longer lines are prose: never alone, and costly to list
            lo = bisect.bisect_left(starts, line[0] - _LONGEST)
            hi = bisect.bisect_right(starts, line[1])
            on_line = [c for c in all_cands[lo:hi] if c is not cand and c.start < line[1] and c.end > line[0]]
        if cand.kind == "commercial_secret":
            m = self._owner.search(text, line[0], cand.start)
            if m and m.start() == line[0] + (len(text[line[0]:cand.start]) - len(text[line[0]:cand.start].lstrip())):
                cand.owner, cand.owner_start = m.group("owner"), m.start("owner")
        starred = cand.kind in ("national_secret", "commercial_secret") and cand.star
        if starred and damaged_head(text, cand.start, cand.end, cand.period, line):
            return True, "body"
        if self._quoted(text, cand):
            return False, None
        if cand.kind == "national_secret" and self._paragraph_level(text, cand, line[0]):
            return True, "paragraph"
        alone = self._alone(text, cand, line, on_line)
        if alone and self._level_list(text, cand, line, on_line):
            return False, None
        if alone:
            return True, "body"
        if starred and opens_line(text, cand.start, cand.end, line[0]):
            return True, "body"
        return False, None

    # -- the parse --------------------------------------------------------------------------

    def parse(self, text: str, today: date | None = None) -> list[ParsedMarking]:
        """Marks and mentions in normalised `text`; expiry is judged against `today`."""
        cands = self._candidates(text)
        if not cands:
            return []
        today = today or date.today()
        made = None
        head_end = None
        found: list[ParsedMarking] = []
        starts = [c.start for c in cands]
        for cand in cands:
            is_mark, position = self._decide(text, cand, cands, starts)
            if not is_mark:
                if cand.spaced or (cand.kind == "work_secret" and cand.level not in self.work_mentions):
                    continue  # 机·密 in prose is noise; 内部 in prose is an everyday word
                found.append(ParsedMarking(text[cand.start:cand.end], cand.level, cand.kind,
                                           canonical_period(cand.period) if cand.period else None,
                                           cand.start, cand.end, False))
                continue
            end = cand.end
            period = cand.period
            if period is None and cand.kind != "foreign":
                line_end = line_around(text, cand.start, cand.end)[1]
                labelled = self._period_label.search(text, cand.end, line_end)
                continued = None if labelled else self._continued(text, cand, line_end)
                if labelled:
                    period = labelled.group("period")
                elif continued:
                    period, end = continued.group("period"), continued.end("period")
            if period is not None:
                period = canonical_period(period)
            elif cand.kind == "national_secret":
                period = self.default_periods.get(cand.level)
            if position == "body":
                if head_end is None:
                    head_end = end_of_head(text, self.head_lines)
                if cand.start < head_end:
                    position = "head"
            expires = expired = None
            if cand.kind != "foreign":
                if made is None:
                    made = find_document_date(text, self._date_line, self._date_next_line) or False
                ends = period_end(period, made or None)
                if ends is not None:
                    expires, expired = ends, ends < today
                elif period == "长期":
                    expired = False
            found.append(ParsedMarking(text[cand.start:end], cand.level, cand.kind, period, cand.start, end, True,
                                       position, cand.owner, cand.star and cand.kind == "commercial_secret",
                                       expires, expired))
        return found


def parse_markings(parser: MarkingParser, norm: NormalizedText, locate, part_of=None,
                   today: date | None = None) -> tuple[list[Marking], list[Marking]]:
    """Run the parser over normalised text; return (marks, mentions) with original offsets.

    `part_of(offset)` names the part of the file (header, footer, metadata) an offset is in.
    """
    marks: list[Marking] = []
    mentions: list[Marking] = []
    for p in parser.parse(norm.text, today):
        start, end = norm.span_to_original(p.start, p.end)
        position = p.position
        if p.is_mark and part_of is not None and part_of(start) in ("header", "footer", "metadata"):
            position = part_of(start)
        marking = Marking(
            text=norm.original[start:end], level=p.level, kind=p.kind, period=p.period,
            start=start, end=end, location=locate(start), is_mark=p.is_mark, position=position,
            owner=p.owner, star=p.star, expires=p.expires.isoformat() if p.expires else None, expired=p.expired,
        )
        (marks if p.is_mark else mentions).append(marking)
    return marks, mentions


def star_findings(marks: list[Marking]) -> list[Finding]:
    """A ★ on a commercial-secret mark is itself a finding: the star belongs to national secrets."""
    return [Finding(rule="marking.commercial_star", category=None, text=m.text, start=m.start, end=m.end,
                    location=m.location) for m in marks if m.kind == "commercial_secret" and m.star]


@register("marking")
class MarkingDetector:
    """Secrecy marks (and mentions of levels) by the grammar in lexicons/markings.toml."""

    def __init__(self, config: Config):
        spec = lexicon_folder(config) / "markings.toml"
        if not spec.is_file():
            spec = data_path("lexicons") / "markings.toml"
        self.parser = MarkingParser.from_file(spec)

    def detect(self, ctx: DetectContext) -> DetectorOutput:
        marks, mentions = parse_markings(self.parser, ctx.norm, ctx.locate,
                                         lambda offset: ctx.document.locate(offset).part)
        return DetectorOutput(markings=marks, mentions=mentions, findings=star_findings(marks))
