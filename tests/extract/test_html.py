"""HTML: visible text by block, title and meta tags, comments and alt text; scripts and styles dropped."""

import codecs
import random

import pytest
from hypothesis import HealthCheck, given, settings

from file_helpers import assert_fuzz_verdict, mutate, mutation_strategy

from scanner.errors import LimitExceededError
from scanner.extract import extract, sniff

PAGE = """<!DOCTYPE html>
<html><head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<meta name="keywords" content="外事，谈判">
<meta name="密级" content="机密★10年">
<title>对外合作方案</title>
<style>p { color: red } /* 绝密 */</style>
<script>var note = "秘密★5年";</script>
</head>
<body>
<h1>会议纪要</h1>
<p>第一段<b>加粗</b>继续<script>alert("核心商密")</script>脚本之后</p>
<!-- 内部资料 注意保存 -->
<div>第二段<br>换行之后</div>
<img src="x.png" alt="作战部署图">
<noscript>请启用脚本</noscript>
</body></html>"""


def texts(ex) -> list[tuple[str, str]]:
    return [(s.location.describe(), s.text) for s in ex.segments]


def test_visible_text_title_and_meta():
    data = PAGE.encode()
    assert sniff(data) == "html"
    got = texts(extract("html", data))
    assert ("title, metadata", "对外合作方案") in got
    assert ("meta keywords, metadata", "外事，谈判") in got
    assert ("meta 密级, metadata", "机密★10年") in got
    assert ("comment, metadata", "内部资料 注意保存") in got
    assert ("img alt, metadata", "作战部署图") in got
    body = [text for where, text in got if where.startswith("paragraph")]
    assert body == ["会议纪要", "第一段加粗继续脚本之后", "第二段", "换行之后", "请启用脚本"]


def test_scripts_styles_and_tool_meta_are_dropped():
    joined = "\n".join(text for _, text in texts(extract("html", PAGE.encode())))
    for hidden in ("秘密★5年", "核心商密", "color", "绝密", "width=device-width"):
        assert hidden not in joined


@pytest.mark.parametrize("data", [
    '<html><head><meta charset="gbk"><title>标题</title></head><body><p>涉外合作项目</p></body></html>'.encode("gbk"),
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
    '<body><p>涉外合作项目</p></body></html>'.encode("gb2312"),
    codecs.BOM_UTF16_LE + "<html><body><p>涉外合作项目</p></body></html>".encode("utf-16-le"),
    "<?xml version='1.0' encoding='utf-8'?>\n<html xmlns='http://www.w3.org/1999/xhtml'><body><p>涉外合作项目</p>"
    "</body></html>".encode(),
], ids=["meta-gbk", "http-equiv-gb2312", "utf16", "xhtml"])
def test_encodings(data):
    assert sniff(data) == "html"
    assert "涉外合作项目" in [s.text for s in extract("html", data).segments]


@pytest.mark.parametrize("data", [b"<p>just a fragment</p>", "一段普通文字 <b>不是网页</b>".encode(),
                                  b'<?xml version="1.0"?><root><a>1</a></root>', b"a,b\n1,2\n", b"# Title\n\ntext"])
def test_other_text_stays_text(data):
    assert sniff(data) == "text"


def test_nesting_past_the_parser_limit_fails_closed(scan_items):
    # libxml2 stops at 256 levels and keeps only what came before: that must not pass as the whole page.
    data = ("<html><body><p>普通</p>" + "<div>" * 50000 + "机密★10年" + "</div>" * 50000 + "</body></html>").encode()
    with pytest.raises(LimitExceededError):
        extract("html", data)
    [result] = scan_items(data, "deep.html")
    assert result.verdict == "block" and result.problem["code"] == "scan.limit"


def test_marking_in_html_blocks(scan_items):
    [result] = scan_items(PAGE.encode(), "page.html")
    assert result.type == "html" and result.verdict == "block"
    assert "marking.national_secret" in [r.code for r in result.reasons]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation_strategy())
def test_mutated_html_ends_with_a_verdict(scan_items, change):
    assert_fuzz_verdict(scan_items, mutate(PAGE.encode(), change))


@pytest.mark.parametrize("tail", [
    "</body><p>机密★10年</p></html>",  # after </body>
    "</body></html><p>机密★10年</p>",  # after </html>
    "</body></html>\n机密★10年\n",  # bare text after </html>
    "</body></html><html><body><p>机密★10年</p></body></html>",  # a second page appended
], ids=["after-body", "after-html", "text-after-html", "second-page"])
def test_content_after_the_end_of_the_body_is_read(scan_items, tail):
    # Browsers show what follows </body> and </html> as part of the body (HTML5 "after body" modes).
    data = f"<!DOCTYPE html><html><head><title>通知</title></head><body><p>正文</p>{tail}".encode()
    assert "机密★10年" in [s.text for s in extract("html", data).segments]
    [result] = scan_items(data, "page.html")
    assert result.verdict == "block" and "marking.national_secret" in [r.code for r in result.reasons]


@pytest.mark.parametrize("seed", range(4))
def test_a_page_with_a_damaged_doctype_is_still_a_page(scan_items, seed):
    data = bytearray(f"<!DOCTYPE html>\n<html><body>\n<p>机密★10年</p>\n<p>正文</p>\n</body></html>\n".encode())
    data[random.Random(seed).randrange(0, 9)] = 0xCD  # a stray byte in "<!DOCTYPE"
    assert sniff(bytes(data)) == "html"
    [result] = scan_items(bytes(data), "page.html")
    assert result.verdict == "block" and "marking.national_secret" in [r.code for r in result.reasons]


def test_a_title_whose_end_tag_is_damaged_keeps_the_page(scan_items):
    page = "<html><head><meta charset='utf-8'><title>通知</title></head><body>\n<p>机密★10年</p>\n<p>正文</p></body></html>"
    data = page.replace("</title>", "</t\u00eftle>").encode()  # the title swallows the page (RCDATA)
    [result] = scan_items(data, "page.html")
    assert result.verdict == "block" and "marking.national_secret" in [r.code for r in result.reasons]


@pytest.mark.parametrize("damage", ["<d>", "<ead>", "<f/head>", "<foo bar='1'>"])
def test_an_unknown_tag_in_the_head_keeps_the_page(scan_items, damage):
    # A browser leaves the head at a tag it does not know there and shows the body (html/105, 845,
    # 1256); libxml2 puts the body inside that tag, in the head, which the walk used to drop.
    page = ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>通知</title></head>\n<body>\n"
            "<h1>机密★10年</h1>\n<p>正文</p>\n</body></html>\n").replace("</head>", damage)
    texts = [s.text for s in extract("html", page.encode()).segments]
    assert "机密★10年" in texts and texts.count("通知") == 1
    [result] = scan_items(page.encode(), "page.html")
    assert result.verdict == "block" and "marking.national_secret" in [r.code for r in result.reasons]


@pytest.mark.parametrize("damage", [b"\xcf\xcb>\xb5\xf1", b"\xff", b"\x80\x9a"])
def test_a_damaged_meta_charset_does_not_make_the_page_cyrillic(scan_items, damage):
    # html/492: stray bytes in <meta charset>, the page cut short after the mark: detection read the
    # UTF-8 as Cyrillic; a browser's fallback still reads the mark.
    page = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>通知</title></head>\n<body>\n<h1>机密★10年</h1>\n"
    data = page.encode().replace(b"<meta", b"<meta" + damage, 1)
    assert "机密★10年" in [s.text for s in extract("html", data).segments]
    [result] = scan_items(data, "page.html")
    assert result.verdict == "block" and "marking.national_secret" in [r.code for r in result.reasons]
