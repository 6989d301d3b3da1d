"""E-mail: headers and body are text; every attachment (and a forwarded message) is its own member."""

import email

from scanner.config import Config
from scanner.detect.engine import DetectionEngine
from scanner.extract import extract, sniff
from scanner.pipeline import scan_tree


def test_headers_body_and_html(make_eml):
    data = make_eml("关于机密★10年文件的转交", "请查收附件。\n会议纪要见下。", html="<p>网页<b>正文</b>：作战部署</p>")
    assert sniff(data) == "eml"
    ex = extract("eml", data)
    texts = {s.location.describe(): s.text for s in ex.segments}
    assert texts["header subject, metadata"] == "关于机密★10年文件的转交"
    assert texts["body part 1, line 2"] == "会议纪要见下。"
    assert texts["body part 2, line 1"] == "网页正文：作战部署"
    assert ex.members == []


def test_attachments_are_members(make_eml, make_docx):
    doc = make_docx(["机密★10年"])
    ex = extract("eml", make_eml("周报", "见附件", [("周报.docx", doc), ("数据.csv", b"a,b\n1,2\n")]))
    assert [(m.name, m.data) for m in ex.members] == [("周报.docx", doc), ("数据.csv", b"a,b\n1,2\n")]


def test_forwarded_mail_with_zip_recurses(make_eml, make_zip):
    inner = email.message_from_bytes(
        make_eml("原始邮件", "正文", [("pack.zip", make_zip({"a/secret.txt": "秘密★5年".encode()}))]),
        policy=email.policy.default)
    data = make_eml("转发", "请看下面", [("fwd", inner)])
    config = Config()
    results = scan_tree(data, path="mail.eml", config=config, engine=DetectionEngine(config))
    members = [r.member for r in results]
    assert members[0] is None and members[-1].endswith("pack.zip/a/secret.txt")
    assert results[-1].verdict == "block"
    assert results[0].verdict == "block" and results[0].reasons[0].code == "archive.member_blocked"


def test_plain_text_is_not_mail():
    assert sniff("Subject: 会议\n正文没有其他头".encode()) == "text"
