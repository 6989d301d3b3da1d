"""Excel workbooks: every sheet and cell with its `Sheet!B7` location, comments, headers and properties."""

import pytest
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty

from scanner.errors import ExtractionError
from scanner.extract import extract, sniff


def _texts(data: bytes) -> dict[str, str]:
    ex = extract("xlsx", data)
    assert ex.type == "xlsx"
    return {s.location.describe(): s.text for s in ex.segments}


def test_every_sheet_and_cell_with_its_coordinate(make_xlsx):
    data = make_xlsx({"预算": {"A1": "项目", "B7": "机密★10年", "C2": 12345}, "附表": {"D4": "合作方名单"}})
    assert sniff(data) == "xlsx"
    texts = _texts(data)
    assert texts["sheet 预算!B7"] == "机密★10年"
    assert texts["sheet 预算!A1"] == "项目"
    assert texts["sheet 预算!C2"] == "12345"
    assert texts["sheet 附表!D4"] == "合作方名单"


def test_sheet_names_are_text(make_xlsx):
    texts = _texts(make_xlsx({"绝密★启用前": {"A1": "x"}}))
    assert "绝密★启用前" in texts.values()


def test_hidden_sheet_is_read(make_xlsx):
    def setup(book):
        book["隐藏"].sheet_state = "hidden"

    texts = _texts(make_xlsx({"正常": {"A1": "x"}, "隐藏": {"B2": "作战部署"}}, setup))
    assert texts["sheet 隐藏!B2"] == "作战部署"
    assert any("hidden" in where for where in texts)


def test_comments_headers_and_formulas(make_xlsx):
    def setup(book):
        sheet = book["表"]
        sheet["C3"].comment = Comment("内部资料 注意保存", "审核人")
        sheet.oddHeader.center.text = "秘密★5年"

    texts = _texts(make_xlsx({"表": {"A1": '="机密"&"★10年"'}}, setup))
    assert texts["sheet 表!C3, comment"] == "内部资料 注意保存"
    assert texts["sheet 表, header"] == "秘密★5年"
    assert "机密" in texts["sheet 表!A1"]


def test_document_and_custom_properties(make_xlsx):
    def setup(book):
        book.properties.title = "年度预算（草案）"
        book.properties.keywords = "对外 合作"
        book.custom_doc_props.append(StringProperty(name="密级", value="机密"))

    texts = _texts(make_xlsx({"表": {"A1": "x"}}, setup))
    assert texts["property title, metadata"] == "年度预算（草案）"
    assert texts["property keywords, metadata"] == "对外 合作"
    assert texts["property 密级, metadata"] == "密级：机密"


def test_location_in_chinese(make_xlsx):
    ex = extract("xlsx", make_xlsx({"预算": {"B7": "机密"}}))
    [cell] = [s for s in ex.segments if s.text == "机密"]
    assert cell.location.describe("zh") == "工作表 预算!B7"


@pytest.mark.parametrize("cut", [0.5, 0.9], ids=["half", "tail"])
def test_truncated_workbook_raises(make_xlsx, cut):
    data = make_xlsx({"表": {"A1": "机密"}})
    with pytest.raises(ExtractionError):
        extract("xlsx", data[: int(len(data) * cut)])
