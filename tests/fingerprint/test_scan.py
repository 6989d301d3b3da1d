"""Scanning against registered documents: copied passages blocked in every layout, ordinary text not."""

from __future__ import annotations

import io
import json
import zipfile
from email.message import EmailMessage

import opencc
import pytest

from fingerprint_texts import ORDINARY, SECOND, SECRET
from scanner.pipeline import scan_tree
from scanner.report.writers import write_report

UNRELATED = "本周五下午三点在三楼会议室召开部门例会，请各位同事准时参加，会后安排体检报名。"
PASSAGE = SECRET[40:140]  # 100 characters of the registered report


def scan(config, engine, data: bytes, name: str = "out.txt"):
    return scan_tree(data, path=name, config=config, engine=engine)


def fingerprint_reasons(tree):
    return [r for item in tree for r in item.reasons if r.code.startswith("fingerprint.")]


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text).replace("，", "， ")


def changed(text: str) -> str:
    chars = list(text)
    for i in (10, 45, 80):
        chars[i] = "某"
    return "".join(chars)


def reordered(text: str) -> str:
    """Two paragraphs of about 50 characters, the second put first."""
    middle = min((i for i, c in enumerate(text) if c == "，"), key=lambda i: abs(i - len(text) // 2))
    return text[middle + 1:] + "\n" + text[:middle + 1]


@pytest.mark.parametrize("how", [
    lambda t: t,
    lambda t: " ".join(t),
    lambda t: "\n".join(t[i:i + 9] for i in range(0, len(t), 9)),
    lambda t: opencc.OpenCC("s2t").convert(t),
    fullwidth,
    changed,
    reordered,
], ids=["plain", "spaces", "breaks", "traditional", "fullwidth", "changed", "reordered"])
def test_reformatted_passage_in_unrelated_text_is_blocked(registered, engine, how):
    config, ids = registered
    tree = scan(config, engine, (UNRELATED + how(PASSAGE) + UNRELATED).encode("utf-8"))
    assert tree[0].verdict == "block"
    (reason,) = fingerprint_reasons(tree)
    assert reason.code == "fingerprint.match"
    assert "东海联合演训保障方案" in reason.message and "机密" in reason.message
    match = tree[0].detection.fingerprints[0]
    assert match["id"] == ids[0] and match["level"] == "机密" and match["owner"] == "联合保障部"
    assert 50 <= match["chars"] <= 100 and 0 < match["document_share"] < 1 and 0 < match["item_share"] < 1


def test_passage_location_points_into_the_item(registered, engine):
    config, _ = registered
    text = UNRELATED + PASSAGE + UNRELATED
    tree = scan(config, engine, text.encode("utf-8"))
    (passage,) = tree[0].detection.fingerprints[0]["passages"]
    assert text[passage["start"]:passage["end"]] == passage["text"]
    assert passage["start"] >= len(UNRELATED) - 2 and passage["end"] <= len(UNRELATED) + len(PASSAGE) + 2
    assert passage["location"]


def test_two_registered_documents_in_one_item(registered, engine):
    config, ids = registered
    tree = scan(config, engine, (SECRET[:120] + "\n" + UNRELATED + "\n" + SECOND[10:130]).encode("utf-8"))
    assert sorted(m["id"] for m in tree[0].detection.fingerprints) == sorted(ids)
    assert len(fingerprint_reasons(tree)) == 2


@pytest.mark.parametrize("text", [ORDINARY, UNRELATED * 4, SECRET[:40] + UNRELATED * 2])
def test_ordinary_text_and_short_quotes_are_not_matched(registered, engine, text):
    config, _ = registered
    tree = scan(config, engine, text.encode("utf-8"))
    assert not tree[0].detection.fingerprints and not fingerprint_reasons(tree)


def test_docx_pdf_xlsx_zip_and_mail(registered, engine, make_docx, make_pdf):
    import openpyxl

    config, _ = registered
    docx = make_docx([UNRELATED, PASSAGE[:50], PASSAGE[50:], UNRELATED])
    pdf = make_pdf([[UNRELATED[:30], PASSAGE[:35], PASSAGE[35:70], PASSAGE[70:]]])
    book = openpyxl.Workbook()
    book.active["A1"], book.active["A2"] = PASSAGE[:60], PASSAGE[60:]
    xlsx = io.BytesIO()
    book.save(xlsx)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("材料/报告.docx", docx)
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "a@example.cn", "b@example.com", "材料"
    mail.set_content("材料见附件。")
    mail.add_attachment(pdf, maintype="application", subtype="pdf", filename="报告.pdf")
    for name, data in [("a.docx", docx), ("a.pdf", pdf), ("a.xlsx", xlsx.getvalue()), ("a.zip", archive.getvalue()),
                       ("a.eml", bytes(mail))]:
        tree = scan(config, engine, data, name)
        assert tree[0].verdict == "block", name
        assert any(item.detection.fingerprints for item in tree), name


def test_reports_show_the_match_but_never_registered_text(registered, engine):
    config, _ = registered
    tree = scan(config, engine, (UNRELATED + PASSAGE).encode("utf-8"))
    for fmt in ("json", "html", "table", "csv"):
        out = io.StringIO()
        write_report(fmt, tree, out, "zh")
        text = out.getvalue()
        assert "fingerprint.match" in text or "东海联合演训保障方案" in text, fmt
        assert SECRET[150:190] not in text  # registered text the item does not hold is never shown
    record = json.loads(json.dumps(tree[0].to_dict()))
    assert record["fingerprints"][0]["title"] == "东海联合演训保障方案"
    assert "fingerprints" not in scan(config, engine, ORDINARY.encode("utf-8"))[0].to_dict()


def test_with_a_valid_approval_a_national_secret_still_blocks(registered):
    from scanner.model import Detection, Protection
    from scanner.policy.decide import decide

    config, _ = registered
    match = {"kind": "document", "id": 1, "title": "t", "level": "机密", "chars": 100,
             "item_share": 0.5, "document_share": 0.2}
    verdict, reasons = decide(config.policy, Detection(fingerprints=[match]), Protection(encrypted=True, method="aes",
                              needs_password=True), "valid")
    assert verdict == "block" and reasons[0].code == "fingerprint.match"
    verdict, reasons = decide(config.policy, Detection(fingerprints=[dict(match, level="工作秘密")]),
                              Protection(encrypted=True, method="aes", needs_password=True), "valid")
    assert not [r for r in reasons if r.code == "fingerprint.match"]


def test_a_configured_index_whose_key_is_missing_fails_closed(registered, engine, tmp_path):
    from dataclasses import replace

    from scanner.detect.engine import DetectionEngine

    config, _ = registered
    broken = replace(config, register=replace(config.register, key_file=str(tmp_path / "missing.key")))
    tree = scan(broken, DetectionEngine(broken), (UNRELATED + PASSAGE).encode("utf-8"))
    assert tree[0].verdict == "block" and tree[0].problem["code"] == "scan.unreadable"
    assert "指纹密钥" in tree[0].problem["detail"]


def test_short_reordered_pieces_count_once_one_passage_is_certain(registered, engine):
    """A copy cut into clauses and shuffled: the clauses are too short for two fingerprints each, but
    beside one certain passage of the same document they are counted too."""
    config, ids = registered
    clauses = [c + "，" for c in SECRET[:SECRET.index("指挥所")].split("，") if c]
    shuffled = [SECRET[SECRET.index("指挥所"):SECRET.index("指挥所") + 45]] + clauses[::-2] + clauses[-2::-2]
    text = UNRELATED + "\n".join(shuffled) + UNRELATED
    tree = scan(config, engine, text.encode("utf-8"))
    match = tree[0].detection.fingerprints[0]
    assert match["id"] == ids[0]
    assert match["chars"] > 60 and len(match["passages"]) > 3


def test_a_long_text_read_in_windows_gives_offsets_into_the_whole_text(registered, engine):
    from scanner.model import Document, Location, Segment

    config, ids = registered
    text = UNRELATED * 120 + "\n" + PASSAGE + "\n" + UNRELATED * 20
    engine.window_chars, engine.window_overlap = 2000, 300  # windows as a text over a million characters gets
    detection = engine.detect(Document([Segment(text, Location())]))
    assert detection.fingerprints and detection.fingerprints[0]["id"] == ids[0]
    for match in detection.fingerprints:
        for passage in match["passages"]:
            assert text[passage["start"]:passage["end"]] == passage["text"]
