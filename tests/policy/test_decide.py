"""The decision table: each row of DESIGN.md as a case, and the rows' verdicts configurable."""

import pytest

from scanner.config import Config, parse_config
from scanner.model import CATEGORIES, Detection, Marking, Protection
from scanner.policy.decide import Problem, decide

EXTERNAL = Config().policy


def mark(kind, text="机密★10年", level="机密"):
    return Marking(text=text, level=level, kind=kind, period=None, start=0, end=len(text))


def detection(markings=(), labels=()):
    det = Detection(markings=list(markings))
    for label in labels:
        det.categories[label] = 0.9
    det.labels = list(labels)
    return det


PROTECTED = Protection(encrypted=True, method="zip-aes", needs_password=True)
OWNER_ONLY = Protection(encrypted=True, method="pdf-aes256", needs_password=False)


@pytest.mark.parametrize(
    "det, protection, approval, problem, verdict, codes",
    [
        (detection(), Protection(), "missing", None, "allow", []),
        (detection([mark("national_secret")]), Protection(), "missing", None, "block", ["marking.national_secret"]),
        # Secrets never leave through an ordinary gateway, even approved and protected.
        (detection([mark("national_secret")]), PROTECTED, "valid", None, "block", ["marking.national_secret"]),
        (detection([mark("work_secret", "工作秘密", "工作秘密")]), Protection(), "missing", None, "block",
         ["marking.work_secret"]),
        (detection([mark("work_secret", "工作秘密", "工作秘密")]), PROTECTED, "valid", None, "allow", []),
        (detection([mark("commercial_secret", "核心商密★5年", "核心商密")]), Protection(), "missing", None, "block",
         ["marking.commercial_secret"]),
        # A foreign classification goes to an officer (issue 12: it was allowed before).
        (detection([mark("foreign", "CONFIDENTIAL", "CONFIDENTIAL")]), Protection(), "missing", None, "flag",
         ["marking.foreign"]),
        (detection([mark("foreign", "CONFIDENTIAL", "CONFIDENTIAL")]), PROTECTED, "valid", None, "allow", []),
        (detection(labels=["defense"]), Protection(), "missing", None, "flag", ["content.sensitive"]),
        (detection(labels=["defense", "economy"]), Protection(), "missing", None, "flag",
         ["content.sensitive", "content.sensitive"]),
        (detection(labels=["defense"]), Protection(), "valid", None, "block", ["protection.missing"]),
        (detection(labels=["defense"]), OWNER_ONLY, "valid", None, "block", ["protection.missing"]),
        (detection(labels=["defense"]), PROTECTED, "valid", None, "allow", []),
        (detection(), PROTECTED, "missing", None, "block", ["protection.unapproved"]),
        (detection(), PROTECTED, "expired", None, "block", ["protection.unapproved", "approval.expired"]),
        (detection(labels=["defense"]), Protection(), "expired", None, "flag",
         ["approval.expired", "content.sensitive"]),
        (detection(), PROTECTED, "hash-mismatch", None, "block", ["approval.hash_mismatch", "protection.unapproved"]),
        (detection(), Protection(), "bad-signature", None, "block", ["approval.bad_signature"]),
        (detection(), Protection(), "revoked", None, "block", ["approval.revoked"]),
        (detection(), Protection(), "wrong-recipient", None, "block", ["approval.wrong_recipient"]),
        # Weak encryption is not protection for external transfer, unless the policy says so.
        (detection(), Protection(True, "zipcrypto", True), "valid", None, "block", ["protection.missing"]),
        (detection(), Protection(), "missing", Problem("scan.unreadable", "bad xref"), "block", ["scan.unreadable"]),
        (detection(), Protection(), "missing", Problem("scan.unsupported", "exe"), "block", ["scan.unsupported"]),
        (detection(), Protection(), "missing", Problem("scan.no_text"), "block", ["scan.no_text"]),
        (detection(), Protection(), "missing", Problem("scan.limit", "size"), "block", ["scan.limit"]),
        (detection(), Protection(), "missing", Problem("scan.empty"), "allow", ["scan.empty"]),
    ],
)
def test_decision_table(det, protection, approval, problem, verdict, codes):
    got, reasons = decide(EXTERNAL, det, protection, approval, problem)
    assert got == verdict
    assert [r.code for r in reasons] == codes


def test_reasons_sorted_by_severity_and_all_listed():
    det = detection([mark("national_secret")], labels=["defense"])
    verdict, reasons = decide(EXTERNAL, det, Protection(), "missing")
    assert verdict == "block"
    assert [(r.code, r.verdict) for r in reasons] == [
        ("marking.national_secret", "block"), ("content.sensitive", "flag")]
    assert reasons[0].message == "检测到国家秘密标志：机密★10年"
    assert reasons[0].message_en == "national-secret marking found: 机密★10年"
    assert "国防建设和武装力量活动" in reasons[1].message and "0.90" in reasons[1].message


def test_same_marking_twice_gives_one_reason():
    det = detection([mark("national_secret"), mark("national_secret")])
    _, reasons = decide(EXTERNAL, det, Protection(), "missing")
    assert [r.code for r in reasons] == ["marking.national_secret"]


def test_rows_are_configurable():
    policy = parse_config('[policy.rules]\n"content.sensitive" = "block"\n"marking.work_secret" = "flag"\n').policy
    assert decide(policy, detection(labels=["economy"]), Protection(), "missing")[0] == "block"
    assert decide(policy, detection([mark("work_secret", "内部", "内部")]), Protection(), "missing")[0] == "flag"


def test_internal_destination_needs_no_protection_when_approved():
    policy = parse_config('[policy]\ndestination = "internal"\n').policy
    assert decide(policy, detection(labels=["defense"]), Protection(), "valid") == ("allow", [])


def test_every_category_has_a_message():
    for category in CATEGORIES:
        _, reasons = decide(EXTERNAL, detection(labels=[category]), Protection(), "missing")
        assert reasons[0].message.startswith("内容涉及") and category in reasons[0].message_en


def test_weak_encryption_can_be_accepted_by_policy():
    policy = parse_config("[policy]\nweak_encryption_protects = true\n").policy
    assert decide(policy, detection(), Protection(True, "zipcrypto", True), "valid") == ("allow", [])


def test_approval_reasons_name_the_record():
    approval = {"status": "expired", "id": "abc123", "expires": "2026-01-31"}
    _, reasons = decide(EXTERNAL, detection(), Protection(), approval)
    assert reasons[0].message == "审批记录 abc123 已于 2026-01-31 过期"
    _, reasons = decide(EXTERNAL, detection(), Protection(True, "pdf-rc4", True), "valid")
    assert reasons[0].message == "已审批但仅弱加密（pdf-rc4），对外传输时应添加密码保护"


def test_expired_national_mark_has_its_own_row():
    expired = Marking("机密★1年", "机密", "national_secret", "1年", 0, 6, expires="2021-03-05", expired=True)
    verdict, reasons = decide(EXTERNAL, detection([expired]), Protection(), "missing")
    assert verdict == "block" and [r.code for r in reasons] == ["marking.expired"]
    assert "2021-03-05" in reasons[0].message
    lenient = parse_config('[policy.rules]\n"marking.expired" = "flag"\n').policy
    assert decide(lenient, detection([expired]), Protection(), "missing")[0] == "flag"


def test_star_on_a_commercial_mark_is_a_reason_even_when_approved():
    starred = Marking("核心商密★5年", "核心商密", "commercial_secret", "5年", 0, 8, star=True)
    _, reasons = decide(EXTERNAL, detection([starred]), Protection(), "missing")
    assert [r.code for r in reasons] == ["marking.commercial_secret", "marking.commercial_star"]
    verdict, reasons = decide(EXTERNAL, detection([starred]), Protection(True, "zip-aes", True), "valid")
    assert (verdict, [r.code for r in reasons]) == ("flag", ["marking.commercial_star"])
