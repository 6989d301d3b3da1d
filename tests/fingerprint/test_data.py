"""Exact data matching: values of registered CSV columns found in an item, alone or as a row's pair."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.detect.engine import DetectionEngine
from scanner.errors import ConfigError
from scanner.fingerprint.data import register_data
from scanner.fingerprint.index import FingerprintIndex
from scanner.fingerprint.keyed import FingerprintKey
from scanner.pipeline import scan_tree

CSV = ("代号,姓名,身份证号,经费\n"
       "天穹-7,王建国,110101198003071234,3.2亿元\n"
       "海燕工程,李秀英,32010619850612002X,8600万元\n")


@pytest.fixture()
def with_data(registered, tmp_path):
    config, _ = registered
    path = tmp_path / "名单.csv"
    path.write_text(CSV, encoding="utf-8")
    index = FingerprintIndex(Path(config.register.index), writable=True)
    key = FingerprintKey.load(Path(config.register.key_file))
    set_id, rows, values = register_data(index, key, path, ["代号", "姓名", "身份证号"], ["代号", "身份证号"],
                                         title="重点项目人员名单", level="机密", owner="", min_chars=2)
    index.commit()
    index.close()
    assert (rows, values) == (2, 6)
    return config, set_id, DetectionEngine(config)


def data_match(config, engine, text: str):
    tree = scan_tree(text.encode("utf-8"), path="m.txt", config=config, engine=engine)
    return tree[0], [m for m in tree[0].detection.fingerprints if m["kind"] == "data"]


@pytest.mark.parametrize("text, column", [
    ("下周讨论天穹７号的进度。", None),  # 天穹-7 is 天穹7 once normalised: 天穹７号 holds it
    ("请核对身份证 1101 0119 8003 0712 34 的信息。", "身份证号"),
    ("海燕工程 的经费已经到位。", "代号"),
])
def test_a_value_of_a_column_reported_alone(with_data, text, column):
    config, set_id, engine = with_data
    result, found = data_match(config, engine, text)
    assert result.verdict == "block" and found and found[0]["id"] == set_id
    assert any(r.code == "fingerprint.data" and "重点项目人员名单" in r.message for r in result.reasons)
    if column:
        assert column in [v["column"] for v in found[0]["values"]]


def test_a_name_alone_is_not_reported_but_beside_its_row_is(with_data):
    config, _, engine = with_data
    assert not data_match(config, engine, "王建国同志今天请假。")[1]
    _, found = data_match(config, engine, "王建国和李秀英今天请假。")  # two names of different rows
    assert not found
    result, found = data_match(config, engine, "请王建国同志（天穹７）于周一报到。")
    assert found and found[0]["pair"]
    assert {v["column"] for v in found[0]["values"]} >= {"姓名", "代号"}


def test_two_values_of_different_rows_far_apart_are_not_a_pair(with_data):
    config, _, engine = with_data
    text = "李秀英" + "。今天天气很好，大家按时上班。" * 10 + "王建国"
    assert not data_match(config, engine, text)[1]


def test_unknown_columns_are_refused(registered, tmp_path):
    config, _ = registered
    path = tmp_path / "x.csv"
    path.write_text(CSV, encoding="utf-8")
    index = FingerprintIndex(Path(config.register.index), writable=True)
    with pytest.raises(ConfigError, match="没有这些列"):
        register_data(index, FingerprintKey.load(Path(config.register.key_file)), path, ["单位"], [],
                      title="t", level="机密", owner="", min_chars=2)
    index.close()
