"""A slide paragraph's runs read without python-pptx's run objects (pptx.runs_text) give python-pptx's text."""

from __future__ import annotations

import random

import pytest
from pptx.exc import InvalidXmlError
from pptx.oxml import parse_xml
from pptx.text.text import _Paragraph

from scanner.extract.pptx import runs_text

_NS = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
_CHILDREN = [
    "<a:r><a:t>机密</a:t></a:r>", "<a:r><a:rPr lang=\"zh-CN\"/><a:t> ★ </a:t></a:r>", "<a:r><a:t/></a:r>",
    "<a:r><a:t>a&amp;b</a:t><a:t>second t</a:t></a:r>", "<a:br/>", "<a:fld id=\"x\" type=\"slidenum\"><a:t>3</a:t></a:fld>",
    "<a:pPr algn=\"ctr\"/>", "<a:endParaRPr/>", "<!-- c -->", "<a:r><a:rPr/><!-- c --><a:t>注释后</a:t></a:r>",
]


def _reference(p) -> str:
    return "".join(run.text for run in _Paragraph(p, None).runs)


def test_random_paragraphs_read_as_python_pptx_reads_them():
    rng = random.Random(9)
    texts = set()
    for _ in range(2000):
        xml = "".join(rng.choice(_CHILDREN) for _ in range(rng.randint(0, 8)))
        p = parse_xml(f"<a:p {_NS}>{xml}</a:p>")
        assert runs_text(p) == _reference(p)
        texts.add(runs_text(p))
    assert len(texts) > 200


def test_a_run_without_text_fails_as_in_python_pptx():
    p = parse_xml(f"<a:p {_NS}><a:r><a:t>x</a:t></a:r><a:r><a:rPr/></a:r></a:p>")
    with pytest.raises(InvalidXmlError):
        _reference(p)
    with pytest.raises(InvalidXmlError):
        runs_text(p)
