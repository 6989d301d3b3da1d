"""Legacy Excel (.xls) with xlrd: every sheet and cell, sheet names, encryption told apart, damage."""

import io
import struct

import olefile
import pytest
from hypothesis import HealthCheck, given, settings

from file_helpers import _cfb, assert_fuzz_verdict, mutate, mutation_strategy

from scanner.errors import ExtractionError
from scanner.extract import extract, sniff
from scanner.model import Protection


@pytest.fixture(scope="module")
def workbook() -> bytes:
    import xlwt

    book = xlwt.Workbook()
    budget = book.add_sheet("预算")
    budget.write(0, 0, "机密★10年")
    budget.write(6, 1, "国防预算")
    budget.write(2, 2, 123.5)
    budget.write(3, 2, 42)
    book.add_sheet("附表").write(0, 0, "附表说明")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_every_sheet_and_cell(workbook):
    assert sniff(workbook) == "xls"
    ex = extract("xls", workbook)
    got = [(s.location.describe(), s.text) for s in ex.segments]
    assert got == [("sheet 预算, sheet name, metadata", "预算"), ("sheet 预算!A1", "机密★10年"),
                   ("sheet 预算!C3", "123.5"), ("sheet 预算!C4", "42"), ("sheet 预算!B7", "国防预算"),
                   ("sheet 附表, sheet name, metadata", "附表"), ("sheet 附表!A1", "附表说明")]
    assert ex.properties == {"sheets": 2}
    assert extract("ole", workbook).type == "xls"  # a caller who only knows "ole" gets the same


def test_marking_in_a_cell_blocks(workbook, scan_items):
    [result] = scan_items(workbook, "budget.xls")
    assert result.type == "xls" and result.verdict == "block"
    assert result.detection.markings[0].location == "sheet 预算!A1"


def _with_filepass(workbook: bytes) -> bytes:
    """The workbook with a FILEPASS record (RC4 CryptoAPI header) after its first BOF, as Excel writes it
    for "Encrypt with Password"."""
    ole = olefile.OleFileIO(io.BytesIO(workbook))
    streams = {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}
    book = streams["Workbook"]
    bof_end = 4 + struct.unpack("<H", book[2:4])[0]
    filepass = struct.pack("<HHHHH", 0x002F, 6 + 48, 1, 2, 2) + bytes(48)
    streams["Workbook"] = book[:bof_end] + filepass + book[bof_end:]
    return _cfb(streams)


def test_encrypted_workbook_needs_password(workbook, scan_items):
    data = _with_filepass(workbook)
    assert sniff(data) == "xls"
    ex = extract("xls", data)
    assert ex.protection == Protection(encrypted=True, method="xls-rc4", needs_password=True)
    [result] = scan_items(data, "locked.xls")
    assert result.verdict == "block" and result.protection.needs_password


def test_damaged_workbook_fails_closed(scan_items):
    data = _cfb({"Workbook": b"\x09\x08\x10\x00" + bytes(600)})
    with pytest.raises(ExtractionError):
        extract("xls", data)
    [result] = scan_items(data, "bad.xls")
    assert result.verdict == "block" and result.problem["code"] == "scan.unreadable"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation_strategy())
def test_mutated_xls_ends_with_a_verdict(workbook, scan_items, change):
    assert_fuzz_verdict(scan_items, mutate(workbook, change))
