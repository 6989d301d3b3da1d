"""Plain text: the encoding is found from the bytes, lines keep their numbers."""

import codecs

import pytest

from scanner.extract import extract
from scanner.extract.text import decode_text

PARAGRAPH = (
    "根据《中华人民共和国保守国家秘密法》和有关规定，本单位对外提供资料前，应当按照程序履行审批手续，"
    "明确提供的范围、方式和接收方的保密义务。涉外合作项目中产生的技术资料、试验数据和会议纪要，"
    "由项目负责人会同保密工作机构审查后，方可提交外方。未经审批，任何部门和个人不得擅自对外提供。"
    "工作人员在对外交往中应当增强保密意识，不得在非涉密网络上传输、处理和存储涉及国家秘密的信息，"
    "不得使用个人电子邮箱发送内部资料。对外提供的电子文件，应当添加密码保护，密码另行告知接收方。"
)


@pytest.mark.parametrize(
    "data, encoding",
    [
        (PARAGRAPH.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + PARAGRAPH.encode("utf-8"), "utf-8"),
        (PARAGRAPH.encode("gb18030"), "gb18030"),
        (PARAGRAPH.encode("gbk"), "gb18030"),
        (codecs.BOM_UTF16_LE + PARAGRAPH.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + PARAGRAPH.encode("utf-16-be"), "utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "gb18030", "gbk", "utf16-le", "utf16-be"],
)
def test_decode_exactly(data, encoding):
    assert len(PARAGRAPH) > 200
    text, found = decode_text(data)
    assert text == PARAGRAPH  # no BOM left over, no replacement characters
    assert found == encoding


def test_gb18030_through_the_registry():
    ex = extract("text", PARAGRAPH.encode("gb18030"))
    assert ex.type == "text"
    assert ex.properties["encoding"] == "gb18030"
    assert [s.text for s in ex.segments] == [PARAGRAPH]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_line_locations(newline):
    text = newline.join(["第一行", "", "   ", "第四行 机密★10年", "第五行"])
    ex = extract("text", text.encode("utf-8"))
    # Blank lines are dropped but keep their place in the numbering.
    assert [(s.text, s.location.line) for s in ex.segments] == [
        ("第一行", 1), ("第四行 机密★10年", 4), ("第五行", 5),
    ]
    assert ex.segments[1].location.describe() == "line 4"


def test_bom_is_not_part_of_the_first_line():
    ex = extract("text", codecs.BOM_UTF8 + "机密★10年\n正文".encode("utf-8"))
    assert ex.segments[0].text == "机密★10年"
    assert ex.segments[0].location.line == 1
