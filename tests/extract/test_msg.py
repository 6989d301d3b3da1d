"""Outlook .msg: headers, plain and HTML body, attachments and attached messages as members."""

from hypothesis import HealthCheck, given, settings

from file_helpers import assert_fuzz_verdict, mutate, mutation_strategy

from scanner.extract import extract, sniff
from scanner.extract.members import ContainerExtraction


def texts(ex) -> list[tuple[str, str]]:
    return [(s.location.describe(), s.text) for s in ex.segments]


def test_headers_body_and_html(make_msg):
    data = make_msg("关于机密★10年文件的转交", "请查收附件。\n会议纪要见下。", html="<p>网页<b>正文</b>：作战部署</p>")
    assert sniff(data) == "msg"
    ex = extract("msg", data)
    assert isinstance(ex, ContainerExtraction) and ex.members == []
    got = texts(ex)
    assert ("header subject, metadata", "关于机密★10年文件的转交") in got
    assert ("header from, metadata", "张三") in got
    assert ("body, line 2", "会议纪要见下。") in got
    assert ("html body, paragraph 1", "网页正文：作战部署") in got


def test_attachments_are_members(make_msg, make_docx):
    doc = make_docx(["机密★10年"])
    ex = extract("msg", make_msg("周报", "见附件", [("周报.docx", doc), ("数据.csv", b"a,b\n1,2\n")]))
    assert [(m.name, m.data) for m in ex.members] == [("周报.docx", doc), ("数据.csv", b"a,b\n1,2\n")]
    assert ex.properties["attachments"] == 2


def test_attached_message_with_zip_recurses(make_msg, make_zip, scan_items):
    inner = make_msg("原始邮件", "正文", [("pack.zip", make_zip({"a/secret.txt": "秘密★5年".encode()}))],
                     streams_only=True)
    results = scan_items(make_msg("转发", "请看下面", [("原始邮件", inner)]), "mail.msg")
    members = [r.member for r in results]
    assert members == [None, "原始邮件.msg", "原始邮件.msg/pack.zip", "原始邮件.msg/pack.zip/a/secret.txt"]
    assert results[1].type == "msg"
    assert results[-1].verdict == "block"
    assert results[0].verdict == "block" and results[0].reasons[0].code == "archive.member_blocked"


def test_marking_in_subject_blocks(make_msg, scan_items):
    [result] = scan_items(make_msg("机密★10年 会议纪要", "正文"), "m.msg")
    assert result.type == "msg" and "marking.national_secret" in [r.code for r in result.reasons]


def test_damaged_msg_fails_closed(make_msg, scan_items):
    data = make_msg("主题", "正文" * 2000, [("a.txt", b"x" * 10000)])
    [result] = scan_items(data[: len(data) // 2], "cut.msg")
    assert result.verdict == "block" and result.problem["code"] in ("scan.unreadable", "scan.unsupported")


def test_ole_extractor_hands_a_message_on(make_msg):
    assert extract("ole", make_msg("主题", "正文")).type == "msg"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation_strategy())
def test_mutated_msg_ends_with_a_verdict(make_msg, scan_items, change):
    sample = make_msg("机密★10年", "正文", [("a.txt", "秘密".encode())], html="<p>网页</p>")
    assert_fuzz_verdict(scan_items, mutate(sample, change))


def _inline_msg(picture: bytes, html: str) -> bytes:
    """A message whose HTML body shows a picture kept, as Outlook does, as an attachment with a content id."""
    from file_helpers import _cfb, _msg_streams

    streams = _msg_streams("周报", "见图", [("image001.png", picture)], html=html)
    storage = "__attach_version1.0_#00000000/"
    streams[storage + "__substg1.0_3712001F"] = "image001.png@01DA".encode("utf-16-le")
    streams[storage + "__substg1.0_370E001F"] = "image/png".encode("utf-16-le")
    return _cfb(streams)


def _png(image) -> bytes:
    import io

    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_inline_picture_is_read_as_part_of_the_body_not_a_member(render_text, scan_items):
    html = '<p>签名</p><img src="cid:image001.png@01DA">'
    logo = _png(render_text([]))  # a picture with no text, like a logo
    [message] = scan_items(_inline_msg(logo, html))
    assert message.verdict == "allow"
    marked = _png(render_text(["机密★5年"]))
    results = scan_items(_inline_msg(marked, html))
    assert len(results) == 1  # no member: the picture is part of the message
    assert results[0].verdict == "block"
    [mark] = results[0].detection.markings
    assert mark.text == "机密★5年" and "image001.png" in mark.location
    # Not referenced by the body: an ordinary attachment, decided as a member.
    results = scan_items(_inline_msg(marked, "<p>签名</p>"))
    assert [r.member for r in results[1:]] == ["image001.png"]
