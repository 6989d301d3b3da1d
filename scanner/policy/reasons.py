"""Reason codes and their messages, Chinese first with an English twin."""

from __future__ import annotations

from scanner.i18n import english
from scanner.model import CATEGORY_NAMES_ZH, Reason

# code -> (Chinese template, English template)
MESSAGES: dict[str, tuple[str, str]] = {
    "marking.national_secret": ("检测到国家秘密标志：{text}", "national-secret marking found: {text}"),
    "marking.expired": ("检测到已过保密期限的国家秘密标志：{text}（{expires}到期），是否解密须由保密专员决定",
                        "national-secret marking past its period: {text} (ended {expires}); declassification "
                        "is an officer's decision"),
    "marking.commercial_star": ("商业秘密标志使用了★：{text}（规定不得使用）",
                                "a star on a commercial-secret marking: {text} (not allowed)"),
    "marking.work_secret": ("检测到工作秘密/内部标志：{text}，且无有效审批",
                            "work-secret or internal marking without a valid approval: {text}"),
    "marking.commercial_secret": ("检测到商业秘密标志：{text}，且无有效审批",
                                  "commercial-secret marking without a valid approval: {text}"),
    "marking.foreign": ("检测到外国密级标志：{text}，且无有效审批（可能属对外承担保密义务的事项）",
                        "foreign classification marking without a valid approval: {text} (possibly held in "
                        "confidence for a foreign party)"),
    "content.sensitive": ("内容涉及{category_zh}（得分 {score:.2f}），且无有效审批{why_sep}{why}",
                          "content on {category} (score {score:.2f}) without a valid approval{why_en_sep}{why_en}"),
    "protection.missing": ("已审批但{how}，对外传输时应添加密码保护",
                           "approved but {how_en} for an external destination"),
    "approval.hash_mismatch": ("审批记录 {id} 与文件内容不符（文件在审批后被改动）",
                               "approval {id} is for other bytes: the file changed after approval"),
    "approval.bad_signature": ("审批记录签名无效（伪造或被篡改）", "approval record has a bad signature (forged or edited)"),
    "approval.revoked": ("审批记录 {id} 已被撤销", "approval {id} has been revoked"),
    "approval.expired": ("审批记录 {id} 已于 {expires} 过期", "approval {id} expired on {expires}"),
    "approval.wrong_recipient": ("审批记录 {id} 的接收方为 {recipient}，与本次接收方不符",
                                 "approval {id} is for recipient {recipient}, not this one"),
    "protection.unapproved": ("文件已加密（{method}）且无审批，无法检查内容",
                              "password-protected ({method}) without approval: content cannot be inspected"),
    "scan.unreadable": ("文件无法读取，按规定拦截：{detail}", "file cannot be read, blocked (fail closed): {detail}"),
    "scan.unsupported": ("无法检查此类文件，按规定拦截：{detail}", "cannot inspect this kind of file, blocked (fail closed): {detail}"),
    "scan.no_text": ("未能提取到文字（可能为扫描件），按规定拦截",
                     "no text could be extracted (scanned pages?), blocked (fail closed)"),
    "scan.limit": ("超出扫描限制：{detail}", "over a scanning limit: {detail}"),
    "scan.unsafe": ("压缩包成员不安全，按规定拦截：{detail}", "unsafe archive member, blocked (fail closed): {detail}"),
    "scan.empty": ("空文件，无内容", "empty file, nothing to inspect"),
    "archive.member_blocked": ("包含 {count} 个被阻断的成员：{members}", "{count} member(s) inside are blocked: {members}"),
    "fingerprint.match": ("与登记文件《{title}》（{level}，编号 {id}）有 {chars} 字相同，占本项 {item_share:.0%}、"
                          "占该文件 {document_share:.0%}",
                          "shares {chars} characters with registered document \"{title}\" ({level}, id {id}): "
                          "{item_share:.0%} of this item, {document_share:.0%} of the document"),
    "fingerprint.data": ("含有登记数据《{title}》（{level}，编号 {id}）中的值：{columns}",
                         "holds values of registered data \"{title}\" ({level}, id {id}): {columns}"),
    "archive.member_flagged": ("包含 {count} 个待审的成员：{members}", "{count} member(s) inside are flagged: {members}"),
}


def make_reason(code: str, verdict: str, **values) -> Reason:
    zh, en = MESSAGES[code]
    if "category" in values:
        values.setdefault("category_zh", CATEGORY_NAMES_ZH.get(values["category"], values["category"]))
    if code == "content.sensitive":
        values.setdefault("why", "")
        values.setdefault("why_en", "")
        values["why_sep"] = "。依据：" if values["why"] else ""
        values["why_en_sep"] = ". Because: " if values["why_en"] else ""
    # A detail is a bilingual error message: the English message gets its English part alone.
    values_en = {**values, "detail": english(str(values["detail"]))} if "detail" in values else values
    return Reason(code=code, message=zh.format(**values), message_en=en.format(**values_en), verdict=verdict)
