"""The records that flow through the pipeline: items, extractions, findings, verdicts."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

CATEGORIES: tuple[str, ...] = (
    "defense",
    "foreign_affairs",
    "economy",
    "science_technology",
    "state_security",
    "other",
)

CATEGORY_NAMES_ZH = {
    "defense": "国防建设和武装力量活动",
    "foreign_affairs": "外交和外事活动",
    "economy": "国民经济和社会发展",
    "science_technology": "科学技术",
    "state_security": "维护国家安全和追查刑事犯罪",
    "other": "本单位保密事项范围",
}

VERDICTS: tuple[str, ...] = ("allow", "flag", "block")
VERDICT_NAMES_ZH = {"allow": "放行", "flag": "待审", "block": "阻断"}

# Encryption that a password cracker defeats in minutes (DESIGN.md: counted as unprotected by default).
WEAK_METHODS = frozenset({"zipcrypto", "pdf-rc4"})

MARKING_KINDS = ("national_secret", "work_secret", "commercial_secret", "foreign")


def worst(verdicts) -> str:
    """The most severe of the given verdicts (allow < flag < block)."""
    return max(verdicts, key=VERDICTS.index, default="allow")


@dataclass(frozen=True)
class Location:
    """Where a piece of text stands in its file, in terms a person understands."""

    part: str = "body"  # body, header, footer, table, metadata
    page: int | None = None
    paragraph: int | None = None
    table: int | None = None
    row: int | None = None
    column: int | None = None
    line: int | None = None
    section: int | None = None

    def describe(self, lang: str = "en") -> str:
        zh = lang == "zh"
        bits: list[str] = []
        if self.section is not None and self.part in ("header", "footer"):
            bits.append(f"第{self.section}节" if zh else f"section {self.section}")
        if self.part in ("header", "footer", "metadata"):
            bits.append({"header": "页眉", "footer": "页脚", "metadata": "文档属性"}[self.part] if zh else self.part)
        if self.page is not None:
            bits.append(f"第{self.page}页" if zh else f"page {self.page}")
        if self.table is not None:
            bits.append(f"表格{self.table}" if zh else f"table {self.table}")
            if self.row is not None:
                bits.append(f"第{self.row}行第{self.column}列" if zh else f"row {self.row}, column {self.column}")
        if self.paragraph is not None:
            bits.append(f"第{self.paragraph}段" if zh else f"paragraph {self.paragraph}")
        if self.line is not None:
            bits.append(f"第{self.line}行" if zh else f"line {self.line}")
        return ("，" if zh else ", ").join(bits) or ("正文" if zh else "body")


@dataclass(frozen=True, eq=False)
class LineBlock(Location):
    """Where a block of consecutive lines of a large text stands: each line's offset in the block's
    text and its line number in the file (numpy arrays, a few bytes a line instead of a Segment each)."""

    offsets: Any = None
    numbers: Any = None

    def at(self, offset: int) -> Location:
        k = max(0, int(self.offsets.searchsorted(offset, side="right")) - 1)
        return Location(part=self.part, line=int(self.numbers[k]))


@dataclass(frozen=True)
class Segment:
    """One run of extracted text (a paragraph, a cell, a page) and where it stands."""

    text: str
    location: Location


@dataclass(frozen=True)
class Protection:
    """Whether a password is needed to read the file (DESIGN.md: owner-only passwords do not count)."""

    encrypted: bool = False
    method: str | None = None
    needs_password: bool = False

    def to_dict(self) -> dict:
        out = {"encrypted": self.encrypted}
        if self.method is not None:
            out["method"] = self.method
            if self.method in WEAK_METHODS:
                out["weak"] = True
        out["needs_password"] = self.needs_password
        return out


@dataclass
class Extraction:
    """What an extractor read from one file: its text segments and its protection."""

    type: str
    segments: list[Segment] = field(default_factory=list)
    protection: Protection = field(default_factory=Protection)
    # Parts that could not be read (a page, a part): the item then fails closed.
    unread: list[str] = field(default_factory=list)
    properties: dict = field(default_factory=dict)


class Document:
    """The segments of an extraction joined into one text, with offsets back to each segment.

    Segments are joined with a newline, so a marking never spans two cells by accident.
    """

    def __init__(self, segments: list[Segment]):
        self.segments = [s for s in segments if s.text]
        self.starts: list[int] = []
        parts: list[str] = []
        pos = 0
        for seg in self.segments:
            self.starts.append(pos)
            parts.append(seg.text)
            pos += len(seg.text) + 1
        self.text = "\n".join(parts)

    def segment_at(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def locate(self, offset: int) -> Location:
        if not self.segments:
            return Location()
        k = self.segment_at(offset)
        location = self.segments[k].location
        return location.at(offset - self.starts[k]) if isinstance(location, LineBlock) else location

    def snippet(self, start: int, end: int, width: int = 30) -> tuple[str, str, str]:
        """Text before, the match itself, and text after (for evidence in context)."""
        before = self.text[max(0, start - width):start]
        after = self.text[end:end + width]
        return before, self.text[start:end], after


@dataclass(frozen=True)
class Marking:
    """A secrecy marking found in the text; `is_mark` False means it was only mentioned."""

    text: str
    level: str
    kind: str
    period: str | None
    start: int
    end: int
    location: str = ""
    is_mark: bool = True
    # Optional detail, written to the contract only when known:
    position: str | None = None  # head, header, footer, paragraph, body, metadata
    owner: str | None = None  # the owner named before a commercial-secret level
    star: bool = False  # a ★ on a commercial-secret mark (forbidden by the rules)
    expires: str | None = None  # ISO date the period ends, when it can be computed
    expired: bool | None = None  # True when the period ended before today

    def __post_init__(self):
        if self.kind not in MARKING_KINDS:
            raise ValueError(f"unknown marking kind: {self.kind}")

    def to_dict(self) -> dict:
        out = {
            "text": self.text,
            "level": self.level,
            "kind": self.kind,
            "period": self.period,
            "location": self.location,
            "start": self.start,
            "end": self.end,
        }
        for key in ("position", "owner", "expires", "expired"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.star:
            out["star"] = True
        return out

    @classmethod
    def from_dict(cls, d: dict, is_mark: bool) -> "Marking":
        return cls(d["text"], d["level"], d["kind"], d["period"], d["start"], d["end"], d["location"], is_mark,
                   d.get("position"), d.get("owner"), bool(d.get("star", False)), d.get("expires"), d.get("expired"))


@dataclass(frozen=True)
class Finding:
    """One piece of evidence: a rule that matched, with offsets into the extracted text."""

    rule: str
    category: str | None
    text: str
    start: int
    end: int
    location: str = ""
    score: float = 1.0
    context: tuple[str, str, str] | None = None
    tier: str | None = None  # lexicon findings: "strong" (evidence alone) or "weak" (a topic)
    # Named entities near this evidence (flagged classes only): {"text", "label", "foreign"}.
    entities: tuple = ()

    def __post_init__(self):
        if self.category is not None and self.category not in CATEGORIES:
            raise ValueError(f"unknown category: {self.category}")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score out of range: {self.score}")
        if self.tier not in (None, "strong", "weak"):
            raise ValueError(f"unknown tier: {self.tier}")

    def to_dict(self) -> dict:
        out = {
            "rule": self.rule,
            "category": self.category,
            "text": self.text,
            "location": self.location,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
        }
        if self.context is not None:
            out["context"] = {"before": self.context[0], "after": self.context[2]}
        if self.tier is not None:
            out["tier"] = self.tier
        if self.entities:
            out["entities"] = [dict(e) for e in self.entities]
        return out


@dataclass
class Detection:
    """Everything the detectors found in one document."""

    markings: list[Marking] = field(default_factory=list)
    mentions: list[Marking] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    categories: dict[str, float] = field(default_factory=lambda: {c: 0.0 for c in CATEGORIES})
    labels: list[str] = field(default_factory=list)
    # The classes the topic classifier is confident about, and its scores: for sorting, never a flag.
    topics: list[str] = field(default_factory=list)
    topic_scores: dict[str, float] = field(default_factory=dict)
    # Per labelled class, why it scored: tiers of evidence, context, public signs (EVIDENCE_KEYS).
    evidence: dict[str, dict] = field(default_factory=dict)
    # Signs that the text is already public, each {"id", "name", "name_en", "factor", "text"}.
    public: list[dict] = field(default_factory=list)
    # Registered documents and data the text shares passages or values with (scanner/fingerprint/).
    fingerprints: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Reason:
    """Why a verdict was reached: a stable code, a Chinese message and its English twin."""

    code: str
    message: str
    message_en: str
    verdict: str = "allow"

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "message_en": self.message_en, "verdict": self.verdict}


@dataclass
class ItemResult:
    """The decision on one item, in the shape of DESIGN.md's output contract."""

    path: str
    member: str | None
    sha256: str | None
    size: int | None
    type: str
    verdict: str
    reasons: list[Reason]
    detection: Detection
    protection: Protection
    approval: dict
    # Why the item could not be (fully) read: {"code": "scan.*", "detail": "..."}, or None.
    problem: dict | None = None
    cached: bool = False
    # The exact bytes of the file's name when `path` is shown readably (scanner/names.py); kept in
    # the store, never in the output contract (JSON cannot hold bytes).
    path_raw: bytes | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict: {self.verdict}")

    def to_dict(self) -> dict:
        det = self.detection
        out = {
            "path": self.path,
            "member": self.member,
            "sha256": self.sha256,
            "size": self.size,
            "type": self.type,
            "verdict": self.verdict,
            "reasons": [r.to_dict() for r in self.reasons],
            "markings": [m.to_dict() for m in det.markings],
            "mentions": [m.to_dict() for m in det.mentions],
            "categories": {c: round(det.categories.get(c, 0.0), 4) for c in CATEGORIES},
            "labels": list(det.labels),
            "topics": list(det.topics),
            "topic_scores": {c: round(v, 4) for c, v in det.topic_scores.items()},
            "evidence": {c: dict(v) for c, v in det.evidence.items()},
            "public": [dict(p) for p in det.public],
            "findings": [f.to_dict() for f in det.findings],
            "protection": self.protection.to_dict(),
            "approval": dict(self.approval),
            "problem": dict(self.problem) if self.problem else None,
            "cached": self.cached,
        }
        if det.fingerprints:  # only when there are some: earlier outputs stay byte for byte
            out["fingerprints"] = [dict(m) for m in det.fingerprints]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "ItemResult":
        """Rebuild a result from its contract form (used for results reused from the store)."""

        def marking(d: dict, is_mark: bool) -> Marking:
            return Marking.from_dict(d, is_mark)

        def finding(d: dict) -> Finding:
            ctx = d.get("context")
            return Finding(
                d["rule"], d["category"], d["text"], d["start"], d["end"], d["location"], d["score"],
                (ctx["before"], d["text"], ctx["after"]) if ctx else None, d.get("tier"),
                tuple(dict(e) for e in d.get("entities", [])),
            )

        det = Detection(
            markings=[marking(m, True) for m in data["markings"]],
            mentions=[marking(m, False) for m in data.get("mentions", [])],
            findings=[finding(f) for f in data["findings"]],
            categories=dict(data["categories"]),
            labels=list(data["labels"]),
            topics=list(data.get("topics", [])),
            topic_scores=dict(data.get("topic_scores", {})),
            evidence={c: dict(v) for c, v in data.get("evidence", {}).items()},
            public=[dict(p) for p in data.get("public", [])],
            fingerprints=[dict(m) for m in data.get("fingerprints", [])],
        )
        prot = data["protection"]
        return cls(
            path=data["path"],
            member=data["member"],
            sha256=data["sha256"],
            size=data.get("size"),
            type=data["type"],
            verdict=data["verdict"],
            reasons=[Reason(r["code"], r["message"], r.get("message_en", ""), r.get("verdict", "allow")) for r in data["reasons"]],
            detection=det,
            protection=Protection(prot["encrypted"], prot.get("method"), prot.get("needs_password", False)),
            approval=dict(data["approval"]),
            problem=dict(data["problem"]) if data.get("problem") else None,
            cached=data.get("cached", False),
        )

