"""The page visitor (pdf._visitors) hands each of its three visitors exactly the operators it looked at when it
was handed every operator: a picture's `Do`, the text-showing operators, an inline image."""

from __future__ import annotations

import io

from pypdf import PdfReader

from scanner.extract.pdf import _visitors

_OPERATORS = [b"Do", b"Tj", b"TJ", b"'", b'"', b"INLINE IMAGE", b"BT", b"ET", b"Tf", b"cm", b"re", b"f", b"q",
              b"Q", b"Td", b"sh", b"BI", b"ID", b"EI", b"Tz", b"d0", b""]


def _recorder(name: str, calls: list, wanted):
    def visit(operator, operands, cm, tm):
        if wanted(operator):  # what each real visitor acts on; it ignores everything else
            calls.append((name, operator))
    return visit


def test_each_visitor_gets_what_it_acts_on(make_pdf):
    by_all: list = []
    by_one: list = []
    wanted = {"drawn": lambda op: op == b"Do", "shown": lambda op: op in (b"Tj", b"TJ", b"'", b'"'),
              "inline": lambda op: op == b"INLINE IMAGE"}

    def every(calls):
        return [_recorder(name, calls, test) for name, test in wanted.items()]

    one = _visitors(*every(by_one))
    for operator in _OPERATORS * 3:
        for visitor in every(by_all):
            visitor(operator, [b"x"], None, None)
        one(operator, [b"x"], None, None)
    assert by_one == by_all and len(by_all) == 3 * 6
    # Without a picture visitor (the page's resources could not be read), the others still get theirs.
    none_calls: list = []
    _visitors(None, *every(none_calls)[1:])(b"Tj", [b"x"], None, None)
    _visitors(None, *every(none_calls)[1:])(b"Do", [b"/Im1"], None, None)
    assert none_calls == [("shown", b"Tj")]


def test_real_page_operators(make_pdf):
    """On a real page: the operators pypdf shows the visitor reach the text visitor as before."""
    data = make_pdf([["机密★10年", "关于合作项目的报告"], None])
    reader = PdfReader(io.BytesIO(data))
    seen_all: list = []
    seen_one: list = []
    for page in reader.pages:
        page.extract_text(visitor_operand_before=lambda op, *rest: seen_all.append(op))
        page.extract_text(visitor_operand_before=_visitors(None, lambda op, *rest: seen_one.append(op),
                                                           lambda op, *rest: seen_one.append(op)))
    assert seen_one == [op for op in seen_all if op in (b"Tj", b"TJ", b"'", b'"', b"INLINE IMAGE")]
    assert b"Tj" in seen_one or b"TJ" in seen_one
