"""Named entities as tables: people, organisations, places, foreign parties, windows, empty input."""

from __future__ import annotations

import sys

import pytest

from scanner.detect import entities as entities_module
from scanner.detect.entities import Entity, EntityFinder, load_ner_model, read_foreign_names
from scanner.errors import ConfigError
from scanner.resources import data_path

import spacy  # noqa: F401  (a dependency of the package: a missing one fails the tests, never skips them)

P, O, L = "person", "organisation", "place"
FOREIGN, HOME = True, False


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    return EntityFinder()


def found(entities: list[Entity]) -> list[tuple[str, str, bool]]:
    return [(e.text, e.label, e.foreign) for e in entities]


# (text, entities that must be found, as (text, label, foreign)); checked as a subset, in order.
MUST_FIND: list[tuple[str, list[tuple[str, str, bool]]]] = [
    # -- people -------------------------------------------------------------------------
    ("外交部发言人张明表示将继续谈判。", [("张明", P, HOME)]),
    ("中国科学院院长白春礼出席了会议。", [("白春礼", P, HOME)]),
    ("欧盟委员会主席冯德莱恩发表讲话。", [("冯德莱恩", P, HOME)]),
    # -- organisations ------------------------------------------------------------------
    ("外交部发言人张明表示将继续谈判。", [("外交部", O, HOME)]),
    ("中国科学院院长白春礼出席了会议。", [("中国科学院", O, HOME)]),
    ("双方在新华社的报道中确认了日期。", [("新华社", O, HOME)]),
    # -- places -------------------------------------------------------------------------
    ("代表团将于下周访问北京和上海。", [("北京", L, HOME), ("上海", L, HOME)]),
    ("延边朝鲜族自治州的代表参加了会议。", [("延边朝鲜族自治州", L, HOME)]),  # 朝鲜 inside, not foreign
    # -- foreign parties ----------------------------------------------------------------
    ("美国国务院和日本外务省的代表将来访。", [("美国国务院", O, FOREIGN), ("日本外务省", O, FOREIGN)]),
    ("欧盟委员会主席冯德莱恩发表讲话。", [("欧盟委员会", O, FOREIGN)]),
    ("俄罗斯总统将在莫斯科会见代表团。", [("俄罗斯", L, FOREIGN), ("莫斯科", L, FOREIGN)]),  # jieba.posseg: 莫斯科 a person
    ("联合国秘书长呼吁各方保持克制。", [("联合国", O, FOREIGN)]),
    ("美国驻华大使馆发表声明。", [("美国驻华大使馆", O, FOREIGN)]),
    ("中国驻美国大使馆发表声明。", [("中国驻美国大使馆", O, HOME)]),  # China's embassy: an exception
]


@pytest.mark.parametrize("text,expected", MUST_FIND)
def test_find(finder, text, expected):
    got = found(finder.find(text))
    assert [g for g in got if g in expected] == expected, got


# (text, texts that must NOT be reported as entities): words that are not names.
MUST_NOT_FIND = [
    ("会议讨论了预算和计划。", []),
    ("这份文件应当加密存储。", []),  # jieba.posseg tags 加密 as a place
    ("申请人应当陈述理由，查明事实后依法作出许可决定。", []),  # and 陈述, 查明, 许可 as names
    ("依照本法第10条、第11条和第12条的规定处理。", []),  # the model alone calls 10 a place
    ("被告人李某于当日离开。", [("李某", P, HOME)]),  # never the surname alone
]


@pytest.mark.parametrize("text,expected", MUST_NOT_FIND)
def test_no_entities(finder, text, expected):
    assert found(finder.find(text)) == expected


@pytest.mark.parametrize("text", ["外交部发言人张明表示，美国国务院将派人来北京。", "俄罗斯和日本的代表在莫斯科会面。"])
def test_offsets_point_into_the_text(finder, text):
    ents = finder.find(text)
    assert ents
    for e in ents:
        assert text[e.start:e.end] == e.text


# -- windows around evidence ------------------------------------------------------------

FILLER = "会议讨论了预算和计划，" * 200  # 2,200 characters without a name
DOC = FILLER + "外交部发言人张明表示，" + "机密文件" + "，此前已由美国国务院转交。" + FILLER
EVIDENCE = DOC.index("机密文件")


# (width, entities near the evidence span): a narrow window sees only what is close.
# 张明 ends 3 characters before the span, 美国国务院 starts 5 after it, 外交部 ends 8 before it.
WINDOWS = [
    (0, []),
    (3, []),
    (4, [("张明", P, HOME)]),
    (6, [("张明", P, HOME), ("美国国务院", O, FOREIGN)]),
    (8, [("张明", P, HOME), ("美国国务院", O, FOREIGN)]),
    (9, [("外交部", O, HOME), ("张明", P, HOME), ("美国国务院", O, FOREIGN)]),
    (60, [("外交部", O, HOME), ("张明", P, HOME), ("美国国务院", O, FOREIGN)]),
]


@pytest.mark.parametrize("width,expected", WINDOWS)
def test_near_width(finder, width, expected):
    (got,) = finder.near(DOC, [(EVIDENCE, EVIDENCE + 4)], width=width)
    assert found(got) == expected
    for e in got:
        assert DOC[e.start:e.end] == e.text


def test_near_reads_only_windows(finder, monkeypatch):
    read: list[str] = []
    real = EntityFinder.spans

    def spy(self, texts):
        read.extend(texts)
        return real(self, texts)

    monkeypatch.setattr(EntityFinder, "spans", spy)
    far = len(FILLER) // 2
    result = finder.near(DOC, [(EVIDENCE, EVIDENCE + 4), (EVIDENCE + 1, EVIDENCE + 3), (far, far + 2)], width=20)
    assert len(result) == 3
    assert found(result[2]) == []
    # Two overlapping windows are read once; nothing near the whole 4,400-character document.
    assert len(read) == 2
    assert sum(map(len, read)) <= 2 * (4 + 2 * 20 + 2 * entities_module._MARGIN)


def test_near_sees_a_name_cut_by_the_window_edge(finder):
    text = FILLER + "由美国国务院转交" + FILLER
    start = text.index("国务院")  # the window ends inside 美国国务院
    (got,) = finder.near(text, [(start + 6, start + 8)], width=6)
    assert ("美国国务院", O, FOREIGN) in found(got)


def test_near_one_entity_per_name_the_nearest(finder):
    text = "张明说：" + "会议讨论了预算和计划，" * 2 + "机密" + "会议讨论了计划，张明同意。"
    evidence = text.index("机密")
    (got,) = finder.near(text, [(evidence, evidence + 2)], width=60)
    people = [e for e in got if e.text == "张明"]
    assert len(people) == 1
    assert people[0].start == text.rindex("张明")  # 10 characters away, not 24


# -- empty input --------------------------------------------------------------------------

@pytest.mark.parametrize("text,spans,expected", [
    ("", [], []),
    ("", [(0, 0)], [[]]),
    (DOC, [], []),
    ("外交部发言人张明", [(3, 3)], [[("外交部", O, HOME), ("张明", P, HOME)]]),
])
def test_near_empty(finder, text, spans, expected):
    assert [found(x) for x in finder.near(text, spans)] == expected


def test_find_empty(finder):
    assert finder.find("") == []
    assert finder.spans(["", ""]) == [[], []]


def test_negative_width(finder):
    with pytest.raises(ValueError):
        finder.near("张明", [(0, 1)], width=-1)


# -- records and data ---------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("张明", "people", 0, 2),  # unknown label
    ("张明", "person", 2, 2),  # empty
    ("张明", "person", 0, 3),  # length does not match the text
])
def test_entity_validates(args):
    with pytest.raises(ValueError):
        Entity(*args)


def test_foreign_names_file(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("# comment\n\n!某某族\n!本国驻\n甲国\n乙盟\torganisation\n", encoding="utf-8")
    names = read_foreign_names(path)
    assert names.names == {"甲国": "place", "乙盟": "organisation"}
    assert names.is_foreign("甲国外交部", "organisation")
    assert not names.is_foreign("甲国某某族自治州", "place")
    assert not names.is_foreign("甲国大使馆", "organisation", before="会见了本国驻")  # exception just before
    assert names.is_foreign("甲国大使馆", "organisation", before="本国驻地的")
    assert not names.is_foreign("甲国", "person")
    assert not names.is_foreign("丙国外交部", "organisation")
    finder = EntityFinder(foreign_names=path)
    assert ("美国国务院", O, HOME) in found(finder.find("美国国务院发表声明。"))  # not on this list


def test_shipped_model_is_small():
    folder = data_path("models") / "ner"
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    assert 0 < size < 8_000_000


def test_foreign_names_bad_label(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("甲国\tcountry\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 1"):
        read_foreign_names(path)


def test_missing_spacy_is_a_clear_error(monkeypatch):
    load_ner_model.cache_clear()
    monkeypatch.setitem(sys.modules, "spacy", None)
    try:
        finder = EntityFinder()  # building a finder needs no spaCy
        with pytest.raises(ConfigError, match="spacy"):
            finder.find("外交部发言人张明")
        assert finder.find("") == []  # nothing to read: nothing loaded
    finally:
        load_ner_model.cache_clear()


def test_missing_model_is_a_clear_error(tmp_path):
    finder = EntityFinder(model=tmp_path / "absent")
    with pytest.raises(ConfigError, match="not found"):
        finder.near("外交部发言人张明", [(0, 3)])


@pytest.mark.parametrize("spans, budget, expected", [
    ([(100, 110), (500, 510), (900, 910)], 1_000, 3),
    ([(100, 110), (500, 510), (900, 910)], 200, 1),  # each window is 10 + 2 * 60 = 130 characters
    ([(100, 110), (500, 510), (900, 910)], 260, 2),
    ([(100, 110), (105, 115), (900, 910)], 140, 2),  # overlapping windows are read once
    ([(100, 110)], 10, 1),  # the first span is always looked at
    ([], 100, 0),
])
def test_spans_within_a_budget(spans, budget, expected):
    from scanner.detect.entities import spans_within
    assert spans_within(2_000, spans, 60, budget) == expected
