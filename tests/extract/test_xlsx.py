"""Excel workbooks: every sheet and cell with its `Sheet!B7` location, comments, headers and properties."""

import io
import zipfile

import pytest
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty

from scanner.errors import ExtractionError
from scanner.extract import extract, sniff


def _texts(data: bytes) -> dict[str, str]:
    ex = extract("xlsx", data)
    assert ex.type == "xlsx"
    return {s.location.describe(): s.text for s in ex.segments}


def test_every_sheet_and_cell_with_its_coordinate(make_xlsx):
    data = make_xlsx({"预算": {"A1": "项目", "B7": "机密★10年", "C2": 12345}, "附表": {"D4": "合作方名单"}})
    assert sniff(data) == "xlsx"
    texts = _texts(data)
    assert texts["sheet 预算!B7"] == "机密★10年"
    assert texts["sheet 预算!A1"] == "项目"
    assert texts["sheet 预算!C2"] == "12345"
    assert texts["sheet 附表!D4"] == "合作方名单"


def test_sheet_names_are_text(make_xlsx):
    texts = _texts(make_xlsx({"绝密★启用前": {"A1": "x"}}))
    assert "绝密★启用前" in texts.values()


def test_hidden_sheet_is_read(make_xlsx):
    def setup(book):
        book["隐藏"].sheet_state = "hidden"

    texts = _texts(make_xlsx({"正常": {"A1": "x"}, "隐藏": {"B2": "作战部署"}}, setup))
    assert texts["sheet 隐藏!B2"] == "作战部署"
    assert any("hidden" in where for where in texts)


def test_comments_headers_and_formulas(make_xlsx):
    def setup(book):
        sheet = book["表"]
        sheet["C3"].comment = Comment("内部资料 注意保存", "审核人")
        sheet.oddHeader.center.text = "秘密★5年"

    texts = _texts(make_xlsx({"表": {"A1": '="机密"&"★10年"'}}, setup))
    assert texts["sheet 表!C3, comment"] == "内部资料 注意保存"
    assert texts["sheet 表, header"] == "秘密★5年"
    assert "机密" in texts["sheet 表!A1"]


def test_document_and_custom_properties(make_xlsx):
    def setup(book):
        book.properties.title = "年度预算（草案）"
        book.properties.keywords = "对外 合作"
        book.custom_doc_props.append(StringProperty(name="密级", value="机密"))

    texts = _texts(make_xlsx({"表": {"A1": "x"}}, setup))
    assert texts["property title, metadata"] == "年度预算（草案）"
    assert texts["property keywords, metadata"] == "对外 合作"
    assert texts["property 密级, metadata"] == "密级：机密"


def test_location_in_chinese(make_xlsx):
    ex = extract("xlsx", make_xlsx({"预算": {"B7": "机密"}}))
    [cell] = [s for s in ex.segments if s.text == "机密"]
    assert cell.location.describe("zh") == "工作表 预算!B7"


@pytest.mark.parametrize("cut", [0.5, 0.9], ids=["half", "tail"])
def test_truncated_workbook_raises(make_xlsx, cut):
    data = make_xlsx({"表": {"A1": "机密"}})
    with pytest.raises(ExtractionError):
        extract("xlsx", data[: int(len(data) * cut)])


# The child's own high-water mark (VmHWM): ru_maxrss survives exec on Linux, so a child of a
# pytest process that has grown to 1.4 GB would report 1.4 GB before reading anything.
_READ_IN_CHILD = """
import json, sys, time
from scanner.extract import extract

def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0

data = open(sys.argv[1], "rb").read()
start = time.monotonic()
ex = extract("xlsx", data)
print(json.dumps({"seconds": time.monotonic() - start,
                  "peak_mb": peak_mb(),
                  "texts": {s.location.describe(): s.text for s in ex.segments}}, ensure_ascii=False))
"""


def _read_in_child(path, seconds: float = 60) -> dict:
    """Extract in a child process, so a read that runs away fails this test instead of the machine."""
    import json
    import subprocess
    import sys

    try:
        proc = subprocess.run([sys.executable, "-c", _READ_IN_CHILD, str(path)], capture_output=True, text=True,
                              timeout=seconds)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading took over {seconds} s")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_a_far_cell_costs_only_the_cells_that_exist(make_xlsx, tmp_path):
    # 5 KB on disk, dimension A1:XFD1048576: visiting every coordinate up to the last cell is 17 billion
    # cells (issue 14.13: 140 s and 3.8 GB, then scan.limit).
    data = make_xlsx({"预算": {"A1": "机密★10年", "B2": "关于召开会议的通知", "XFD1048576": "末格"}})
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert b'<dimension ref="A1:XFD1048576"/>' in package.read("xl/worksheets/sheet1.xml")
    assert len(data) < 8000
    path = tmp_path / "far.xlsx"
    path.write_bytes(data)
    found = _read_in_child(path)
    assert found["texts"]["sheet 预算!A1"] == "机密★10年"
    assert found["texts"]["sheet 预算!XFD1048576"] == "末格"
    assert found["seconds"] < 10
    assert found["peak_mb"] < 1000  # the interpreter with the extractors loaded is a few hundred MB


def _with_merge(data: bytes, ref: str) -> bytes:
    """The workbook with a merged range added to its first sheet, as another writer would store it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"</sheetData>",
                                    f'</sheetData><mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'.encode())
            target.writestr(info.filename, body)
    return out.getvalue()


@pytest.mark.parametrize("ref", ["C3:XFD1048576", "D1:D1048576"], ids=["whole sheet", "whole column"])
def test_a_huge_merged_range_costs_nothing(make_xlsx, tmp_path, ref):
    # openpyxl makes an object for every merged cell as it loads: a 5 KB file would need billions.
    data = _with_merge(make_xlsx({"预算": {"A1": "机密★10年", "B2": "通知"}}), ref)
    path = tmp_path / "merged.xlsx"
    path.write_bytes(data)
    found = _read_in_child(path)
    assert found["texts"]["sheet 预算!A1"] == "机密★10年"
    assert found["seconds"] < 10
    assert found["peak_mb"] < 1000


def test_a_small_merged_range_is_read_as_it_is(make_xlsx):
    data = _with_merge(make_xlsx({"表": {"A1": "合并标题", "C3": "机密★10年"}}), "A1:B2")
    texts = _texts(data)
    assert texts["sheet 表!A1"] == "合并标题" and texts["sheet 表!C3"] == "机密★10年"
