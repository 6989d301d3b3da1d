"""The folding tables shipped in scanner/detect/folding_data.py are exactly what the fold function and
OpenCC build (issue 17: a reader no longer builds them at start), and are used only where they apply."""

from __future__ import annotations

import unicodedata

import pytest

from scanner.detect import folding, folding_build, folding_data, normalize

# The tables are generated under one Python's Unicode data (folding_data.UNIDATA_VERSION, Python 3.11's);
# under another they must never be used, and normalize builds its own as before.
SHIPPED_HERE = unicodedata.unidata_version == folding_data.UNIDATA_VERSION


@pytest.fixture
def fresh_tables():
    normalize._traditional.cache_clear()
    normalize._tables.cache_clear()
    yield
    normalize._traditional.cache_clear()
    normalize._tables.cache_clear()


def test_shipped_tables_are_what_the_fold_function_builds():
    """Rebuilt from fold_char and OpenCC here: run `python3 -m scanner.detect.folding_build` (under
    Python 3.11) when this fails. Under another Unicode version the file cannot be rebuilt here, and must
    not be used."""
    if SHIPPED_HERE:
        assert folding_build.TARGET.read_text(encoding="utf-8") == folding_build.render()
    else:
        assert normalize._shipped() is None


def test_normalize_uses_the_shipped_tables_where_they_apply(fresh_tables):
    assert normalize._shipped() is (folding_data if SHIPPED_HERE else None)
    table = normalize.traditional_table(normalize._opencc())
    built = folding.tables(frozenset(table))
    assert normalize._traditional()[1] == table
    shipped = normalize._tables()
    assert [p.pattern for p in shipped] == [p.pattern for p in built]


def test_tables_are_built_afresh_under_another_version(fresh_tables, monkeypatch):
    text = "中華人民共和國 機 密\n★\n10年\u200b，ｆｕｌｌ　ｗｉｄｔｈ①"
    expected = normalize.normalize(text)
    normalize._traditional.cache_clear()
    normalize._tables.cache_clear()
    monkeypatch.setattr(folding_data, "OPENCC_VERSION", "0.0-other")
    assert normalize._shipped() is None
    again = normalize.normalize(text)
    assert (again.text, again._norm_points, again._orig_points) == \
        (expected.text, expected._norm_points, expected._orig_points)
    assert again.text == "中华人民共和国机密\n★10年，full width1"
