"""OLE compound files: a password-encrypted Office file needs its password; "restrict editing" does not."""

import io

import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from scanner.config import Config
from scanner.detect.engine import DetectionEngine
from scanner.errors import ExtractionError
from scanner.extract import extract, sniff
from scanner.extract.ole import method_from_version
from scanner.model import Protection
from scanner.pipeline import scan_tree


def _encrypt(data: bytes, password: str = "s3cret") -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


@pytest.fixture(scope="module")
def locked_docx(make_docx):
    return _encrypt(make_docx(["机密★10年"]))


def test_encrypted_docx_needs_password(locked_docx):
    assert sniff(locked_docx) == "ole"
    ex = extract("ole", locked_docx)
    assert ex.protection == Protection(encrypted=True, method="ooxml-agile", needs_password=True)
    assert ex.segments == []


def test_encrypted_xlsx_needs_password(make_xlsx):
    ex = extract("ole", _encrypt(make_xlsx({"表": {"A1": "机密"}})))
    assert ex.protection.needs_password and ex.protection.method == "ooxml-agile"


@pytest.mark.parametrize("version, method", [((4, 4), "ooxml-agile"), ((3, 2), "ooxml-standard"),
                                             ((4, 2), "ooxml-standard"), ((4, 3), "ooxml-extensible")])
def test_encryption_version_table(version, method):
    assert method_from_version(*version) == method


def test_restrict_editing_is_not_protection(make_docx):
    from docx.oxml import parse_xml

    def setup(document):
        document.settings.element.append(parse_xml(
            '<w:documentProtection xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
            'w:edit="readOnly" w:enforcement="1"/>'))

    ex = extract("docx", make_docx(["机密★10年"], setup))
    assert ex.protection == Protection()
    assert ex.segments[0].text == "机密★10年"


def test_encrypted_docx_is_blocked_unless_approved(locked_docx):
    config = Config()
    engine = DetectionEngine(config)
    [result] = scan_tree(locked_docx, path="locked.docx", config=config, engine=engine)
    assert [r.code for r in result.reasons] == ["protection.unapproved"]
    [approved] = scan_tree(locked_docx, path="locked.docx", config=config, engine=engine,
                           approval={"status": "valid"})
    assert approved.verdict == "allow"


def test_damaged_ole_is_a_typed_error():
    with pytest.raises(ExtractionError) as info:
        extract("ole", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert info.value.code == "scan.unreadable"


def test_truncated_encrypted_docx_is_a_typed_error(locked_docx):
    with pytest.raises(ExtractionError):
        extract("ole", locked_docx[:2000])
