"""Detection over bounded windows (scanner/detect/windows.py): a long text gives the marks, mentions,
lexicon findings, labels and verdict of one detection over the whole text, with offsets into the
whole text, and a mark straddling a window's cut is found once."""

import json
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.detect.engine import DetectionEngine
from scanner.detect.windows import cuts
from scanner.model import Document, Location, Segment
from scanner.pipeline import scan_bytes

ROOT = Path(__file__).resolve().parents[2]
MARKS = ["秘密★5年", "绝密★启用前", "机密"]
TERMS = "据悉，该部队的兵力部署和作战部署已调整，导弹阵地坐标另行通知。"


def paragraphs() -> list[str]:
    path = ROOT / "models" / "training" / "train.jsonl"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines()[:400]:
        out += [p for p in json.loads(line)["text"].replace("\r", "").split("\n") if p.strip()]
    return out


def long_text(chars: int, every: int) -> tuple[str, list[tuple[str, int]]]:
    """Real paragraphs up to `chars`, a mark on the first line and a mark or a line of terms every
    `every` characters; returns the text and (mark, offset) of the marks."""
    paras, lines, placed, size, k, i = paragraphs(), ["机密★10年"], [("机密★10年", 0)], 7, 0, 0
    next_at = every
    while size < chars:
        if size >= next_at:
            line = MARKS[k % len(MARKS)] if k % 2 == 0 else TERMS
            if k % 2 == 0:
                placed.append((line, size))
            lines.append(line)
            size += len(line) + 1
            k += 1
            next_at += every
        lines.append(paras[i % len(paras)])
        size += len(lines[-1]) + 1
        i += 1
    return "\n".join(lines), placed


def document(text: str) -> Document:
    return Document([Segment(line, Location(line=n)) for n, line in enumerate(text.split("\n"), 1)])


def marks(detection) -> list[tuple]:
    return [(m.text, m.start, m.end, m.kind, m.level, m.period, m.position, m.location) for m in detection.markings]


def test_cuts_own_every_character_once_and_cut_after_line_breaks():
    text = ("一二三四五六七八九十\n" * 50)[:-1]
    spans = cuts(text, 100, 20)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    assert all(text[end - 1] == "\n" for _, end in spans[:-1])
    assert cuts("短", 100, 20) == [(0, 1)]


def test_windowed_detection_equals_one_detection_of_the_whole_text():
    text, placed = long_text(600_000, 25_000)
    whole = DetectionEngine(Config())
    whole.window_chars = 10 ** 9
    windowed = DetectionEngine(Config())
    windowed.window_chars, windowed.window_overlap = 100_000, 3_000
    one, many = whole.detect(document(text)), windowed.detect(document(text))
    assert len(one.markings) == len(placed) >= 10
    assert [(m.text, m.start) for m in many.markings] == placed
    assert marks(many) == marks(one)
    assert [(m.text, m.start) for m in many.mentions] == [(m.text, m.start) for m in one.mentions]
    lexicon = [(f.rule, f.text, f.start, f.end, f.location, f.tier) for f in one.findings if f.rule.startswith("lexicon")]
    assert len(lexicon) >= 10
    assert [(f.rule, f.text, f.start, f.end, f.location, f.tier)
            for f in many.findings if f.rule.startswith("lexicon")] == lexicon
    assert many.labels == one.labels and many.topics == one.topics
    for category in many.labels:
        window = many.evidence[category]["window"]
        assert text[window["start"]:window["end"]] in text


def test_a_mark_straddling_a_cut_is_found_once_where_it_stands():
    filler = "本条例自公布之日起施行，有关部门应当依照本条例履行职责。\n"
    before = filler * 40
    text = before + "秘密★5年\n" + filler * 40
    at = len(before)
    engine = DetectionEngine(Config())
    for cut in range(at - 3, at + 8):  # the cut falls before, inside and after the mark
        engine.window_chars, engine.window_overlap = cut, 60
        found = [(m.text, m.start, m.end) for m in engine.detect(document(text)).markings]
        assert found == [("秘密★5年", at, at + 5)], cut


def test_a_20_mb_text_scanned_in_windows_keeps_every_mark_and_its_offset():
    text, placed = long_text(7_000_000, 700_000)  # about 20 MB of UTF-8
    data = text.encode("utf-8")
    assert len(data) > 19_000_000
    config = Config()
    config = type(config)(**{**config.__dict__, "scan": type(config.scan)(
        **{**config.scan.__dict__, "max_file_size": 64 << 20, "max_seconds": 3600.0})})
    result = scan_bytes(data, path="large.txt", config=config, engine=DetectionEngine(config))
    assert result.problem is None
    assert [(m.text, m.start) for m in result.detection.markings] == placed
    assert result.verdict == "block"
    assert "marking.national_secret" in {r.code for r in result.reasons}
    assert "defense" in result.detection.labels  # the lines of 兵力部署 and 作战部署, in every window
