"""The review viewer's re-reading (extract/texts.py): every item of a file with its segments and locations,
at the offsets the scan's findings carry; and the same read in a sandbox child (Sandbox.texts)."""

from __future__ import annotations

from scanner.extract.texts import read_texts
from scanner.pipeline import scan_tree
from scanner.sandbox import Sandbox


def _archive(make_zip, make_xlsx, make_docx) -> bytes:
    sheet = make_xlsx({"报价": {"A1": "项目", "B2": "本次谈判底线为每吨三百美元", "C3": "作战部署调整"}})
    inner = make_zip({"附件/会谈.docx": make_docx(("机密★10年", "关于外交会谈的口径"))})
    return make_zip({"报价单.xlsx": sheet, "内层.zip": inner, "说明.txt": "普通说明文字"})


def test_members_segments_and_locations(make_zip, make_xlsx, make_docx, config):
    texts = read_texts(_archive(make_zip, make_xlsx, make_docx), config)
    by_member = {t["member"]: t for t in texts}
    assert set(by_member) == {None, "报价单.xlsx", "内层.zip", "内层.zip/附件/会谈.docx", "说明.txt"}
    cells = {s["location"]: s["text"] for s in by_member["报价单.xlsx"]["segments"]}
    assert cells["sheet 报价!B2"] == "本次谈判底线为每吨三百美元"
    assert by_member["内层.zip/附件/会谈.docx"]["segments"][0] == {"start": 0, "text": "机密★10年",
                                                                "location": "paragraph 1"}


def test_findings_stand_at_their_offsets_in_the_text_read_again(make_zip, make_xlsx, make_docx, config, engine):
    data = _archive(make_zip, make_xlsx, make_docx)
    joined = {t["member"]: "\n".join(s["text"] for s in t["segments"]) for t in read_texts(data, config)}
    results = scan_tree(data, path="a.zip", config=config, engine=engine)
    checked = 0
    for result in results:
        for f in result.detection.findings + result.detection.markings:
            assert joined[result.member][f.start:f.end] == f.text
            checked += 1
    assert checked >= 3


def test_read_in_a_sandbox_child(make_docx, config):
    box = Sandbox()
    try:
        texts = box.texts(config, make_docx(("机密★10年", "正文")))
        pid = box.process.pid
    finally:
        box.close()
    assert pid and [s["text"] for s in texts[0]["segments"]] == ["机密★10年", "正文"]
