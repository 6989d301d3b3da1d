"""E-mail: headers and body are text; every attachment (and a forwarded message) is its own member."""

import base64
import email
import random
from email.message import EmailMessage

import pytest

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


# Damaged and loosely labelled mail, read as mail clients do (issue 14, item 8).

MARK = "机密★10年"


def _marked(results) -> bool:
    return all(r.verdict == "block" for r in results[:1]) and any(
        MARK in [m.text for m in r.detection.markings] for r in results)


def _with_stray_character(mail: bytes, name: str, seed: int) -> bytes:
    """One stray base64 character (seeded) after the last line of the attachment called `name`."""
    start = mail.index(f'filename="{name}"'.encode())
    body = mail.index(b"\n\n", start) + 2
    end = mail.index(b"\n\n", body)
    stray = random.Random(seed).choice(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    return mail[:end] + bytes([stray]) + mail[end:]


@pytest.mark.parametrize("seed", range(3))
def test_base64_attachment_with_a_stray_last_character_is_decoded(scan_items, make_eml, make_docx, seed):
    # A payload a multiple of 3 bytes long has no padding: one more character leaves 4n+1 of them,
    # which Python's e-mail package gives back undecoded (and the attachment was then read as text).
    filler = "正文"
    doc = make_docx([MARK, filler])
    while len(doc) % 3:
        filler += "。"
        doc = make_docx([MARK, filler])
    mail = _with_stray_character(make_eml("周报", "见附件", [("report.docx", doc)]), "report.docx", seed)
    [member] = extract("eml", mail).members
    assert member.data[:len(doc)] == doc
    results = scan_items(mail, "mail.eml")
    assert results[1].type == "docx" and _marked(results)


def test_base64_body_with_a_stray_last_character_is_decoded(scan_items):
    body = f"{MARK}\n关于召开会议的通知"
    body += " " * (-len(body.encode() + b"\n") % 3) + "\n"  # no padding: a multiple of 3 bytes
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "通知", "a@example.cn", "b@example.com"
    message.set_content(body, cte="base64")
    assert not message.as_bytes().rstrip().endswith(b"=")
    mail = message.as_bytes().rstrip(b"\n") + b"Q\n"
    assert MARK in [s.text for s in extract("eml", mail).segments]
    assert _marked(scan_items(mail, "mail.eml"))


@pytest.mark.parametrize("seed", range(6))
def test_base64_body_damaged_after_the_mark_keeps_its_charset(scan_items, seed):
    # One base64 character lost after the mark's line shifts the rest into noise: the declared
    # charset=utf-8 still reads the mark, as a mail client shows it; GB18030 made it mojibake.
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "通知", "a@example.cn", "b@example.com"
    message.set_content(f"{MARK}\n关于召开年度工作会议的通知\n各部门：定于下周一上午九时在三楼会议室召开。\n" * 2,
                        cte="base64")
    mail = message.as_bytes()
    body = mail.index(b"\n\n") + 2
    cut = body + random.Random(seed).randrange(24, len(mail) - body - 8)
    while mail[cut:cut + 1] in (b"\n", b"="):
        cut += 1
    mail = mail[:cut] + mail[cut + 1:]
    assert MARK in [s.text for s in extract("eml", mail).segments]
    assert _marked(scan_items(mail, "mail.eml"))


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_body_without_a_charset_is_not_read_as_ascii(scan_items, make_eml, encoding):
    mail = make_eml("通知", f"{MARK}\n关于召开会议的通知")
    head, _, _ = mail.partition(b"\n\n")
    head = head.replace(b'; charset="utf-8"', b"").replace(b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: 8bit")
    mail = head + b"\n\n" + f"{MARK}\n关于召开会议的通知\n".encode(encoding)
    assert b"charset" not in mail
    assert MARK in [s.text for s in extract("eml", mail).segments]
    assert _marked(scan_items(mail, "mail.eml"))


def test_raw_gb18030_subject_is_decoded(scan_items, make_eml):
    mail = make_eml("SUBJECT-PLACEHOLDER", "正文")
    mail = mail.replace(b"SUBJECT-PLACEHOLDER", f"{MARK} 关于召开会议的通知".encode("gb18030"))
    texts = {s.location.describe(): s.text for s in extract("eml", mail).segments}
    assert texts["header subject, metadata"] == f"{MARK} 关于召开会议的通知"
    assert _marked(scan_items(mail, "mail.eml"))


def test_base64_body_damaged_right_after_the_mark_keeps_its_charset(scan_items):
    # eml-body/156, 332: noise from the first character after the mark's line (a clean run of 4).
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "通知", "a@example.cn", "b@example.com"
    message.set_content(f"{MARK}\n关于召开年度工作会议的通知\n", cte="base64")
    mail = message.as_bytes()
    body = mail.index(b"\n\n") + 2
    cut = body + 20  # 15 bytes decoded: the mark, its line break and 关
    mail = mail[:cut] + mail[cut + 1:]
    assert MARK in [s.text for s in extract("eml", mail).segments]
    assert _marked(scan_items(mail, "mail.eml"))


def test_base64_body_with_stray_padding_inside_is_read_both_ways(scan_items):
    # eml-body/585: header text copied into the body ("…?= <zhang@…"): its "=" ends a block for one
    # decoder and is skipped by another (the e-mail package's lenient reading, which shows the mark).
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "通知", "a@example.cn", "b@example.com"
    message.set_content(f"{MARK}\n关于召开年度工作会议的通知\n", cte="base64")
    mail = message.as_bytes()
    body = mail.index(b"\n\n") + 2
    mail = mail[:body] + b"QUJDRA=xy\n" + mail[body:]  # "=" after 6 characters, 8 in all
    text = "\n".join(s.text for s in extract("eml", mail).segments)
    assert MARK in text
    assert _marked(scan_items(mail, "mail.eml"))


@pytest.mark.parametrize("first", [b"Froe:", b"Frm:", b"rom:", b"%%%From:", b"From"])
def test_mail_with_a_damaged_first_header_is_still_mail(scan_items, make_eml, first):
    # Mail clients read on past a first header they do not know: the marked attachment is decoded.
    mail = make_eml("通知", "请查收附件。", [("通知.txt", f"{MARK}\n关于召开会议的通知\n".encode())])
    assert mail.startswith(b"From:")
    mail = first + mail[len(b"From:"):]
    assert sniff(mail) == "eml"
    assert _marked(scan_items(mail, "mail.eml"))


def test_mail_whose_from_header_swallowed_the_others_is_still_mail(scan_items):
    # eml-body/86: a chunk of the body copied into the From header, a blank line after MIME-Version.
    body = base64.b64encode(f"{MARK}\n关于召开会议的通知\n".encode()).decode()
    mail = (f"From: =?utf-8?b?5byg5LiJe: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: base64\n"
            f"MIME-Version: 1.0\n\n{body}\nTo: partner@example.com\n").encode()
    assert sniff(mail) == "eml"
    assert _marked(scan_items(mail, "mail.eml"))


def test_text_with_a_colon_on_its_first_line_is_not_mail():
    assert sniff("备注：会议纪要\nTo: 各部门\nSubject: 会议\n正文".encode()) == "text"


def test_inline_text_part_of_another_kind_is_read(scan_items):
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "数据", "a@example.cn", "b@example.com"
    message.set_content("见下表")
    message.add_attachment(f"密级,{MARK}\n项目,数量\n", subtype="csv")
    del message.get_payload()[1]["Content-Disposition"]  # inline, not an attachment
    results = scan_items(message.as_bytes(), "mail.eml")
    assert _marked(results)


# A raw 8-bit byte inside base64 (a mail passed through an 8-bit-unclean relay): mail clients and base64
# decoders skip it as they skip any other character outside the alphabet; the mail was blocked unread.

def _with_byte_in_base64(mail: bytes, after: bytes, byte: bytes, offset: int = 7) -> bytes:
    """`byte` inside the first base64 line after the blank line that follows `after`."""
    body = mail.index(b"\n\n", mail.index(after)) + 2
    return mail[:body + offset] + byte + mail[body + offset:]


@pytest.mark.parametrize("charset", ["utf-8", "gb18030", "iso-8859-1"])
@pytest.mark.parametrize("byte", [b"\xe9", b"\xff\x80\xe9"])
def test_eight_bit_byte_in_a_base64_body_is_skipped(scan_items, charset, byte):
    text = f"{MARK}\n关于召开年度工作会议的通知\n" if charset != "iso-8859-1" else "Confidential: r\xe9union\n"
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "通知", "a@example.cn", "b@example.com"
    message.set_content(text.encode(charset), maintype="text", subtype="plain", cte="base64",
                        params={"charset": charset})
    clean = message.as_bytes()
    # (in GB18030 or Latin-1, 0xE9 and the base64 letter after it are one character to a decoder
    # that reads the body in its charset: the letter must not go with it)
    mail = _with_byte_in_base64(clean, b"Content-Transfer-Encoding: base64", byte)
    body_lines = [s.text for s in extract("eml", mail).segments if s.location.part != "metadata"]
    assert body_lines == [s.text for s in extract("eml", clean).segments if s.location.part != "metadata"]
    assert body_lines == [line for line in text.splitlines() if line]
    results = scan_items(mail, "mail.eml")
    assert not any("UnicodeEncodeError" in r.message for r in results[0].reasons)
    if charset != "iso-8859-1":
        assert _marked(results)


def test_eight_bit_byte_in_a_base64_attachment_is_skipped(scan_items, make_eml, make_docx):
    doc = make_docx([MARK, "关于召开年度工作会议的通知"])
    clean = make_eml("周报", "见附件", [("report.docx", doc)])
    mail = _with_byte_in_base64(clean, b'filename="report.docx"', b"\xe9")
    [member] = extract("eml", mail).members
    assert member.data == doc
    results = scan_items(mail, "mail.eml")
    assert results[1].type == "docx" and _marked(results)
    assert not any("UnicodeEncodeError" in r.message for r in results[0].reasons)


def test_eight_bit_bytes_in_a_quoted_printable_body_are_read(scan_items):
    # Raw UTF-8 in a body labelled quoted-printable (a relay that did not re-encode it): shown as is.
    text = f"{MARK}\n关于召开年度工作会议的通知\n"
    mail = ("From: a@example.cn\nTo: b@example.com\nSubject: x\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
            f"{text}=E5=86=85=E9=83=A8\n").encode()
    assert [s.text for s in extract("eml", mail).segments if s.location.part != "metadata"] == [
        MARK, "关于召开年度工作会议的通知", "内部"]
    assert _marked(scan_items(mail, "mail.eml"))
