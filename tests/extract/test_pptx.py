"""PowerPoint: slide text, tables and groups, speaker notes, masters, properties."""

import pytest
from pptx.util import Inches

from scanner.errors import ExtractionError
from scanner.extract import extract, sniff


def _texts(data: bytes) -> list[tuple[str, str]]:
    ex = extract("pptx", data)
    assert ex.type == "pptx"
    return [(s.text, s.location.describe()) for s in ex.segments]


def test_slides_and_notes(make_pptx):
    data = make_pptx([("机密★10年", "合作项目汇报", "讲话要点：作战部署"), ("第二页", "会议纪要", None)])
    assert sniff(data) == "pptx"
    texts = _texts(data)
    assert ("机密★10年", "slide 1, paragraph 1") in texts
    assert ("合作项目汇报", "slide 1, paragraph 2") in texts
    assert ("讲话要点：作战部署", "slide 1, notes, paragraph 1") in texts
    assert ("会议纪要", "slide 2, paragraph 2") in texts


def test_tables_and_groups(make_pptx):
    def setup(deck):
        slide = deck.slides.add_slide(deck.slide_layouts[5])
        table = slide.shapes.add_table(2, 2, Inches(1), Inches(1), Inches(4), Inches(2)).table
        table.cell(1, 1).text = "内部资料"
        group = slide.shapes.add_group_shape()
        group.shapes.add_textbox(Inches(1), Inches(4), Inches(2), Inches(1)).text_frame.text = "组内文字"

    texts = _texts(make_pptx([], setup))
    assert ("内部资料", "slide 1, table 1, row 2, column 2") in texts
    assert ("组内文字", "slide 1, paragraph 1") in texts


def test_master_prompts_are_not_text(make_pptx):
    texts = [t for t, _ in _texts(make_pptx([("标题", "正文", None)]))]
    assert not any("Click to edit" in t for t in texts)


def test_properties(make_pptx):
    def setup(deck):
        deck.core_properties.title = "对外合作方案"
        deck.core_properties.subject = "秘密★5年"

    texts = _texts(make_pptx([("a", "b", None)], setup))
    assert ("秘密★5年", "property subject, metadata") in texts


def test_truncated_deck_raises(make_pptx):
    data = make_pptx([("机密", "x", None)])
    with pytest.raises(ExtractionError):
        extract("pptx", data[: len(data) // 2])
