"""PDF: text per page, and whether a password is needed to read it."""

import pytest

from scanner.errors import ExtractionError
from scanner.extract import extract
from scanner.model import Protection

PAGES = [["机密★10年", "关于年度合作项目的报告"], ["第二页：会议纪要"], ["第三页：附件清单"]]


@pytest.fixture(scope="module")
def plain_pdf(make_pdf):
    return make_pdf(PAGES)


def test_text_per_page(plain_pdf):
    ex = extract("pdf", plain_pdf)
    assert ex.type == "pdf"
    assert [s.location.page for s in ex.segments] == [1, 2, 3]
    assert [s.text.split() for s in ex.segments] == PAGES
    assert ex.protection == Protection()
    assert ex.properties["pages"] == 3
    assert ex.unread == []


@pytest.mark.parametrize(
    "algorithm, method",
    [("RC4-40", "pdf-rc4"), ("RC4-128", "pdf-rc4"), ("AES-128", "pdf-aes128"), ("AES-256", "pdf-aes256")],
)
def test_user_password_needs_password(plain_pdf, encrypt_pdf, algorithm, method):
    ex = extract("pdf", encrypt_pdf(plain_pdf, user="s3cret", algorithm=algorithm))
    assert ex.protection == Protection(encrypted=True, method=method, needs_password=True)
    assert ex.segments == []  # nothing can be read without the password


@pytest.mark.parametrize(
    "algorithm, method", [("RC4-128", "pdf-rc4"), ("AES-128", "pdf-aes128"), ("AES-256", "pdf-aes256")],
)
def test_owner_password_only_is_read(plain_pdf, encrypt_pdf, algorithm, method):
    ex = extract("pdf", encrypt_pdf(plain_pdf, user="", algorithm=algorithm))
    assert ex.protection == Protection(encrypted=True, method=method, needs_password=False)
    assert [s.text.split() for s in ex.segments] == PAGES


def test_page_without_text_gives_no_segment(make_pdf):
    ex = extract("pdf", make_pdf([None]))
    assert ex.segments == []
    assert ex.properties["pages"] == 1


def test_mixed_pages_keep_their_numbers(make_pdf):
    ex = extract("pdf", make_pdf([["第一页"], None, ["第三页"]]))
    assert [(s.text.strip(), s.location.page) for s in ex.segments] == [("第一页", 1), ("第三页", 3)]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data[:-40],
        lambda data: data[:200],
        lambda data: b"%PDF-1.7\n" + bytes(range(256)) * 8,
    ],
    ids=["half", "no-trailer", "header-only", "garbage-after-header"],
)
def test_damaged_pdf_raises_extraction_error(plain_pdf, damage):
    with pytest.raises(ExtractionError):
        extract("pdf", damage(plain_pdf))
