"""The expressions' shapes kept in the cache folder (shape_cache.py): read back exactly as computed, and
never a damaged file or one computed for other expressions."""

from __future__ import annotations

import re

from scanner.detect import anchors, shape_cache
from scanner.detect.anchors import AnchorFilter
from scanner.detect.public import PublicSigns
from scanner.detect.signals import WindowSignals
from scanner.resources import data_path

LEXICONS = data_path("lexicons")
PATTERNS = [re.compile(p) for p in ("保密(?:啊|哈)", "(?m)^\\s*摘要[:：]", "\\d{1,2}号", "(?:人民法院|人民检察院)", "x*")]


def test_a_kept_shape_is_read_back_as_computed(tmp_path):
    shape = anchors._shape(PATTERNS, None)
    assert shape_cache.load(PATTERNS, None, tmp_path) is None
    shape_cache.store(PATTERNS, None, shape, tmp_path)
    assert shape_cache.load(PATTERNS, None, tmp_path) == shape
    assert shape_cache.load(PATTERNS[:-1], None, tmp_path) is None  # other expressions: another file
    assert shape_cache.load(PATTERNS, 1, tmp_path) is None  # other options too
    assert shape_cache.load([re.compile("保密(?:啊|哈)", re.M), *PATTERNS[1:]], None, tmp_path) is None  # flags


def test_a_damaged_or_foreign_file_is_not_read(tmp_path):
    shape_cache.store(PATTERNS, None, anchors._shape(PATTERNS, None), tmp_path)
    (path,) = tmp_path.iterdir()
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    assert shape_cache.load(PATTERNS, None, tmp_path) is None
    path.write_bytes(b"something else")
    assert shape_cache.load(PATTERNS, None, tmp_path) is None


def test_an_unwritable_folder_is_no_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    shape_cache.store(PATTERNS, None, anchors._shape(PATTERNS, None), blocker / "shapes")
    assert shape_cache.load(PATTERNS, None, blocker / "shapes") is None


def test_the_shipped_signals_and_signs_read_from_the_cache_find_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = "请注意保密，12号公布。\n  摘要：人民法院判决如下。自2020年1月1日起施行\n" * 3
    built = [WindowSignals.from_dir(LEXICONS), PublicSigns.from_dir(LEXICONS)]  # computed, then kept
    assert len(list((tmp_path / "mijian" / "shapes").iterdir())) == 2
    read = [WindowSignals.from_dir(LEXICONS), PublicSigns.from_dir(LEXICONS)]
    for a, b in zip(built, read):
        assert a._filter.scan(text) == b._filter.scan(text)
        assert a._filter.keys() == b._filter.keys()
    assert built[0].find(text) == read[0].find(text) != []
    assert built[1].find(text) == read[1].find(text) != []


def test_a_filter_without_the_cache_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    AnchorFilter(PATTERNS)
    assert not (tmp_path / "mijian").exists()


def test_expressions_read_again_are_compiled_only_when_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = PublicSigns.from_dir(LEXICONS)  # nothing kept yet: every expression compiled as it is read
    assert all(p._compiled is not None for r in first.rules for p in (*r.count, *r.any))
    again = PublicSigns.from_dir(LEXICONS)  # kept: compiled by the first, so none is compiled now
    assert all(p._compiled is None for r in again.rules for p in (*r.count, *r.any))
    text = "第一条 为了保障。\n第二条 本法所称。\n第三条 国家。\n本法自2020年1月1日起施行。\n新华社北京1月1日电"
    assert again.find(text) == first.find(text) != []
    used = [p for r in again.rules for p in (*r.count, *r.any) if p._compiled is not None]
    assert 0 < len(used) < len(again._filter.patterns) // 2


def test_a_bad_expression_is_refused_on_every_reading(tmp_path, monkeypatch):
    import pytest

    from scanner.errors import ConfigError
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "window.toml").write_text('[handling]\npatterns = ["保密", "(?<=a+)b"]\n', encoding="utf-8")
    for _ in range(2):  # a look-behind of no fixed width: refused by the compiler, not the parser
        with pytest.raises(ConfigError, match="window.toml"):
            WindowSignals.from_dir(tmp_path)
    assert not (tmp_path / "cache" / "mijian" / "shapes").exists()


def test_the_folder_keeps_the_most_recent_files_only(tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(shape_cache, "KEEP", 3)
    for n in range(5):
        patterns = [re.compile(f"保密{n}")]
        shape_cache.store(patterns, None, anchors._shape(patterns, None), tmp_path)
        for path in tmp_path.iterdir():  # older files: earlier times
            os.utime(path, (path.stat().st_mtime - 10, path.stat().st_mtime - 10))
    assert len(list(tmp_path.glob("*.shape"))) == 3
    assert shape_cache.load([re.compile("保密4")], None, tmp_path) is not None
    assert shape_cache.load([re.compile("保密0")], None, tmp_path) is None
