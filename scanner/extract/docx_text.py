"""A paragraph's and a table cell's text, as python-docx gives it, without its XPath per paragraph and per run.

python-docx's `Paragraph.text` evaluates `w:r | w:hyperlink` and, in each run, `w:br | w:cr |
w:noBreakHyphen | w:ptab | w:t | w:tab` as XPath (compiled on each call): most of the time Mijian spent
reading a DOCX's body. The same children, in document order, are found here by walking the element's
children; each is turned into text by python-docx's own element class (`str(e)`), a `w:t` by its text.
tests/extract/test_docx_text.py compares both on tricky and random paragraphs.
"""

from __future__ import annotations

from docx.oxml.ns import qn

_R, _HYPERLINK, _P, _T = qn("w:r"), qn("w:hyperlink"), qn("w:p"), qn("w:t")
# The run children python-docx reads (its CT_Run.text), other than w:t.
_RUN_PARTS = frozenset(qn(f"w:{name}") for name in ("br", "cr", "noBreakHyphen", "ptab", "tab"))


def _run_text(run) -> str:
    parts = []
    for child in run:
        tag = child.tag
        if tag == _T:
            parts.append(child.text or "")
        elif tag in _RUN_PARTS:
            parts.append(str(child))
    return "".join(parts)


def paragraph_text(p) -> str:
    """python-docx's `Paragraph(p).text` of a `w:p` element."""
    parts = []
    for child in p:
        tag = child.tag
        if tag == _R:
            parts.append(_run_text(child))
        elif tag == _HYPERLINK:
            parts.append("".join(_run_text(r) for r in child if r.tag == _R))
    return "".join(parts)


def cell_text(tc) -> str:
    """python-docx's `_Cell.text` of a `w:tc` element: its own paragraphs, one a line."""
    return "\n".join(paragraph_text(p) for p in tc if p.tag == _P)
