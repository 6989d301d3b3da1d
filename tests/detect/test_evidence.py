"""Tiers of evidence: strong terms flag, weak ones only support, density counts and length does not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.config import Config, DetectSettings
from scanner.detect.engine import DetectionEngine
from scanner.detect.evidence import STRONG, WEAK, Weights, best_evidence
from scanner.detect.lexicon import Hit, Term
from scanner.model import Document, Location, Segment

ENGINE = DetectionEngine(Config(detect=DetectSettings(model="")))
FILLER = "本单位认真贯彻落实各项工作部署，扎实推进各项任务。"  # ordinary words, no term


def labels(text: str) -> list[str]:
    return ENGINE.detect(Document([Segment(text, Location(paragraph=1))])).labels


def value(hits) -> float:
    return best_evidence(hits, Weights())["defense"].value


STRONG_T = Term("作战部署", "defense", 2.0, STRONG)
STRONG_U = Term("兵力部署", "defense", 2.0, STRONG)
WEAK_T = Term("军事", "defense", 1.0, WEAK)


def test_weak_terms_alone_count_for_nothing():
    assert value([Hit(WEAK_T, i * 10, i * 10 + 2) for i in range(30)]) == 0.0


def test_a_weak_term_counts_when_secrecy_context_raised_it():
    assert value([Hit(WEAK_T, 0, 2, 1.5, ("不得外传",))]) == pytest.approx(1.5)
    assert value([Hit(WEAK_T, 0, 2, 1.2, ("涉密",))]) == 0.0  # below raise_min: talk of secrecy only


def test_weak_terms_support_strong_ones_up_to_a_cap():
    alone = value([Hit(STRONG_T, 0, 4)])
    helped = value([Hit(STRONG_T, 0, 4)] + [Hit(Term(f"词{i}", "defense", 1.0), 10 + i * 3, 12 + i * 3) for i in range(20)])
    assert alone == pytest.approx(2.0)
    assert helped == pytest.approx(2.0 + Weights().weak_cap)


def test_repeats_saturate():
    three = value([Hit(STRONG_T, i * 10, i * 10 + 4) for i in range(3)])
    ten = value([Hit(STRONG_T, i * 10, i * 10 + 4) for i in range(10)])
    assert three == ten == pytest.approx(2.0 * (1 + 0.25 * 2))


def test_density_not_length():
    near = value([Hit(STRONG_T, 0, 4), Hit(STRONG_U, 100, 104)])
    far = value([Hit(STRONG_T, 0, 4), Hit(STRONG_U, 5000, 5004)])
    assert near == pytest.approx(4.0) and far == pytest.approx(2.0)


@pytest.mark.parametrize(
    "text",
    [
        # long texts full of topic words (国家安全, 军事, 芯片, 算法, 人工智能, 研发, 样品, 实验结果)
        ("维护国家安全是全社会的共同责任。" + FILLER) * 200,
        ("人工智能算法和芯片研发是科技创新重点，样品检测和实验结果分析由实验室负责。" + FILLER) * 100,
        "军事历史爱好者参观了军事博物馆，了解人民军队的光辉历程。" * 50,
        # the chemistry question of issue 12
        "汽车尾气中的CO和NO在催化剂作用下反应生成CO2和N2，下列说法正确的是（ ）",
    ],
    ids=["security", "technology", "military-history", "chemistry"],
)
def test_ordinary_long_texts_get_no_label(text):
    assert labels(text) == []


@pytest.mark.parametrize(
    "text, label",
    [
        ("王局，线人老李刚报，目标明晚8点在码头交易，抓捕方案按B计划，别外传。", "state_security"),
        ("明天会谈的谈判底线是降价不超过8%，对外口径统一为“仍在磋商”，阅后即焚。", "foreign_affairs"),
        ("三营明早6点前出至集结地域，兵力部署按预案执行，注意保密。", "defense"),
        ("本项目标底为1234.5万元，开标前严格保密，评标专家名单另行通知。", "other"),
        ("今年拟提拔人选名单如下，公示前请勿外传：张明、李华。", "other"),
    ],
    ids=["informant-chat", "negotiation-chat", "deployment-chat", "tender", "appointments"],
)
def test_short_informal_texts_are_judged_too(text, label):
    assert label in labels(text)


@pytest.mark.parametrize(
    "text",
    [
        "本项目不设标底，投标人应按招标文件要求编制投标报价。",
        "现将拟提拔人选名单予以公示，公示期为5个工作日。",
    ],
    ids=["no-base-price", "published-appointments"],
)
def test_public_counterparts_of_the_scope_list_pass(text):
    assert labels(text) == []


def test_an_organisation_extends_the_scope_list(tmp_path):
    scope = tmp_path / "scope.txt"
    scope.write_text("星河项目\t2.0\n", encoding="utf-8")
    engine = DetectionEngine(Config(detect=DetectSettings(model="", other_lexicon=str(scope))))
    out = engine.detect(Document([Segment("星河项目进度汇报", Location(paragraph=1))]))
    assert out.labels == ["other"] and out.evidence["other"]["tier"] == "strong"
    # the shipped list is still there
    shipped = engine.detect(Document([Segment("本项目标底为1234.5万元，开标前请勿外传", Location(paragraph=1))]))
    assert "other" in shipped.labels


# -- the quick total against the full window value ---------------------------------------------

_TERMS = [STRONG_T, STRONG_U, WEAK_T, Term("演习", "defense", 0.7, WEAK), Term("部队", "defense", 0.5, WEAK)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from([0.5, 1.0, 1.3, 1.6, 2.0]), st.sampled_from([(), ("绝密",), ("演习",)])),
                max_size=12),
       st.booleans(), st.integers(0, 6))
def test_window_total_is_the_window_value_without_its_rows(picked, handled, specifics):
    from scanner.detect.evidence import _window_total, _window_value
    hits = [Hit(_TERMS[i], n, n + 2, factor, context) for n, (i, factor, context) in enumerate(picked)]
    assert _window_total(hits, Weights(), handled, specifics) == _window_value(hits, Weights(), handled, specifics)[0]


def test_rows_of_the_best_window_keep_their_lifted_and_dropped_values():
    hits = [Hit(WEAK_T, 0, 2), Hit(Term("演习", "defense", 0.7, WEAK), 5, 7, 1.6, ("绝密",))]
    evidence = best_evidence(hits, Weights())["defense"]
    assert [(t.term, t.value > 0) for t in evidence.terms] == [("军事", False), ("演习", True)]
    assert evidence.value == pytest.approx(0.7 * 1.6)


# -- best_evidence against the straightforward search over every window -------------------------

def _best_by_every_window(hits, weights, signals=()):
    """best_evidence as it was: every candidate window summed in full, none skipped."""
    import bisect

    from scanner.detect.evidence import ClassEvidence, _count, _window_value
    from scanner.model import CATEGORIES
    half = weights.window_chars // 2
    handling = [s for s in signals if s.kind == "handling"]
    handling_starts = [s.start for s in handling]
    specific_starts = [s.start for s in signals if s.kind != "handling"]
    out = {}
    for category in CATEGORIES:
        class_hits = sorted((h for h in hits if h.term.category == category), key=lambda h: h.start)
        best = ClassEvidence(category)
        starts = [h.start for h in class_hits]
        last_strong = last_weak = -weights.window_chars
        for h in class_hits:
            a = h.start
            if h.term.tier == STRONG or h.factor >= weights.raise_min:
                if a - last_strong < 8:
                    continue
                last_strong = a
            else:
                if a - last_weak < 50 or not (_count(handling_starts, a - half, a + half)
                                              or _count(specific_starts, a - half, a + half) >= weights.specifics_min):
                    continue
                last_weak = a
            lo, hi = bisect.bisect_left(starts, a - half), bisect.bisect_left(starts, a + half)
            n_handling = _count(handling_starts, a - half, a + half)
            details = _count(specific_starts, a - half, a + half)
            value, rows = _window_value(class_hits[lo:hi], weights, n_handling > 0, details)
            if value > best.value:
                first = bisect.bisect_left(handling_starts, a - half)
                said = tuple(dict.fromkeys(s.text for s in handling[first:first + n_handling]))
                best = ClassEvidence(category, value, class_hits[lo].start, max(x.end for x in class_hits[lo:hi]), rows,
                                     1.0, said, details if details >= weights.specifics_min else 0)
        out[category] = best
    return out


_ALL_TERMS = _TERMS + [Term("外交", "foreign_affairs", 1.1, STRONG), Term("汇率", "economy", 0.6, WEAK)]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_ALL_TERMS) - 1), st.integers(0, 400),
                          st.sampled_from([0.5, 1.0, 1.3, 1.6, 2.0]), st.sampled_from([(), ("绝密",)])), max_size=40),
       st.lists(st.tuples(st.sampled_from(["handling", "specifics"]), st.integers(0, 400)), max_size=12),
       st.sampled_from([20, 60, 200]))
def test_best_evidence_equals_summing_every_window(picked, marks, window):
    from scanner.detect.signals import Signal
    hits = [Hit(_ALL_TERMS[i], n, n + 2, factor, context) for i, n, factor, context in picked]
    signals = sorted((Signal(kind, n, n + 3, f"{kind}{n}") for kind, n in marks), key=lambda s: s.start)
    weights = Weights(window_chars=window)
    assert best_evidence(hits, weights, signals) == _best_by_every_window(hits, weights, signals)
