"""ZIP archives: names (UTF-8 and GBK), members, comments and password protection per member."""

import stat
import zipfile

import pytest

from scanner.errors import ExtractionError
from scanner.extract import extract, sniff
from scanner.extract.zip import decode_name
from scanner.model import Protection


def test_members_and_names(make_zip):
    data = make_zip({"报告/机密★10年-方案.txt": "正文".encode(), "空目录/": b"", "b.csv": b"a,b"},
                    comment="内部资料".encode())
    assert sniff(data) == "zip"
    ex = extract("zip", data)
    assert [m.name for m in ex.members] == ["报告/机密★10年-方案.txt", "b.csv"]
    with ex.members[0].open() as fh:
        assert fh.read().decode() == "正文"
    names = [s.text for s in ex.segments]
    assert "报告/机密★10年-方案.txt" in names and "内部资料" in names
    assert ex.protection == Protection()


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8"])
def test_names_without_utf8_flag_are_decoded(raw_zip, encoding):
    name = "涉外合作/会议纪要.txt"
    data = raw_zip([(name.encode(encoding), "机密★10年".encode())])
    assert not zipfile.ZipFile(__import__("io").BytesIO(data)).infolist()[0].flag_bits & 0x800
    ex = extract("zip", data)
    assert [m.name for m in ex.members] == [name]


def test_decode_name_table():
    assert decode_name("机密".encode("gbk"), False) == "机密"
    assert decode_name(b"plain.txt", False) == "plain.txt"
    assert decode_name("文件".encode(), True) == "文件"


def test_aes_member_is_protected_per_member(encrypt_zip):
    ex = extract("zip", encrypt_zip({"secret.txt": "机密★10年"}, plain={"readme.txt": "说明"}))
    assert ex.protection == Protection(encrypted=True, method="zip-aes", needs_password=False)
    by_name = {m.name: m for m in ex.members}
    assert by_name["secret.txt"].protection == Protection(True, "zip-aes", True)
    assert by_name["secret.txt"].open is None  # cannot be read without the password
    assert by_name["readme.txt"].protection == Protection()


def test_fully_aes_encrypted_zip_needs_password_and_lists_no_members(encrypt_zip):
    ex = extract("zip", encrypt_zip({"a.txt": "机密", "b.txt": "绝密"}))
    assert ex.protection == Protection(encrypted=True, method="zip-aes", needs_password=True)
    assert ex.members == []
    assert {"a.txt", "b.txt"} <= {s.text for s in ex.segments}  # names are still visible


def test_zipcrypto_is_reported_as_such(raw_zip):
    data = raw_zip([(b"a.txt", b"x"), (b"b.txt", b"y")], password=b"pw", encrypted=(b"a.txt", b"b.txt"))
    assert extract("zip", data).protection == Protection(encrypted=True, method="zipcrypto", needs_password=True)


def test_symlink_member_is_not_followed(make_zip):
    info = zipfile.ZipInfo("link-to-passwd")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    ex = extract("zip", make_zip([(info, "/etc/passwd"), ("ok.txt", "x")]))
    link = ex.members[0]
    assert link.open is None and link.problem[0] == "scan.unsafe"
    assert "symbolic link" in link.problem[1]


@pytest.mark.parametrize("name", ["../../etc/cron.d/evil", "/etc/passwd", "a/../../b.txt", "C:/Windows/x.txt"])
def test_unsafe_names_are_read_but_marked(make_zip, name):
    [member] = extract("zip", make_zip({name: "内容"})).members
    assert member.open is not None
    assert member.problem[0] == "scan.unsafe"


def test_truncated_zip_raises(make_zip):
    data = make_zip({"a.txt": b"x" * 5000, "b.txt": b"y" * 5000})
    with pytest.raises(ExtractionError):
        extract("zip", data[: len(data) // 2])
