"""HTML pages: the visible text by block, the title and meta tags, comments; scripts and styles dropped."""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from scanner.errors import LimitExceededError
from scanner.extract.members import Place
from scanner.extract.registry import register
from scanner.extract.text import decode_text
from scanner.model import Extraction, Location, Segment

# Browsers read on after </body> and </html> as if still in the body (HTML5 "after body" modes);
# libxml2 keeps what follows </body> outside the body and drops what follows </html>.
_END_TAGS = re.compile(r"</(?:body|html)\s*>", re.I)
# A title whose end tag is damaged swallows the page as its text (RCDATA): markup in it is the page.
_MARKUP = re.compile(r"</?[a-z][a-z0-9]*[\s>/]", re.I)

# Code and presentation, not text a reader sees.
_DROPPED = {"script", "style", "template"}
# The head is walked, not dropped: at a tag it does not know there (a damaged <ead> or </head>), a
# browser leaves the head and shows the rest as the body, where libxml2 keeps it inside the head.
# What belongs in a head is read as metadata (_meta_segments) or holds no text.
_HEAD_ONLY = {"title", "meta", "link", "base", "noscript"}
_BLOCKS = {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset", "figcaption",
           "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
           "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul", "option", "caption", "title", "body"}
# Meta tags written by tools or browsers, not by the author.
_META_SKIP = {"viewport", "generator", "robots", "referrer", "theme-color", "format-detection", "progid",
              "originator", "color-scheme"}
# Attributes whose text a reader sees (tool tips, alternative text, placeholders, filled-in values).
_TEXT_ATTRIBUTES = ("alt", "title", "placeholder", "value")


def _in_head(element) -> bool:
    parent = element.getparent()
    return parent is not None and isinstance(parent.tag, str) and parent.tag.lower() == "head"


def _lines(root) -> list[str]:
    """Text with a line break at every block boundary, skipping dropped elements but not their tails.

    Walked without recursion: hostile pages nest elements thousands deep.
    """
    parts: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, element in walker:
        if event in ("comment", "pi"):
            parts.append(element.tail or "")
            continue
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _DROPPED or tag in _HEAD_ONLY and _in_head(element):
                walker.skip_subtree()
                continue
            if tag in _BLOCKS:
                parts.append("\n")
            parts.append(element.text or "")
        else:
            if tag in _BLOCKS:
                parts.append("\n")
            if element is not root:
                parts.append(element.tail or "")
    return "".join(parts).split("\n")


def _meta_segments(root) -> list[Segment]:
    segments = []
    for title in root.iter("title"):
        text = title.text_content().strip()
        if text:
            segments.append(Segment(text, Place(part="metadata", label="title")))
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or meta.get("http-equiv") or "").strip()
        content = (meta.get("content") or "").strip()
        if name and content and name.lower() not in _META_SKIP and name.lower() != "content-type":
            segments.append(Segment(content, Place(part="metadata", label=f"meta {name}")))
    for comment in root.iter(etree.Comment):
        if comment.text and comment.text.strip():
            segments.append(Segment(comment.text.strip(), Place(part="metadata", label="comment")))
    for attribute in _TEXT_ATTRIBUTES:
        for element in root.iter():
            if not isinstance(element.tag, str) or element.tag in _DROPPED or element.tag == "meta":
                continue
            value = (element.get(attribute) or "").strip()
            if value:
                segments.append(Segment(value, Place(part="metadata", label=f"{element.tag} {attribute}")))
    return segments


def _parse(source: str):
    """The document tree (None for an empty one); a page past libxml2's nesting limit is refused."""
    parser = lxml_html.HTMLParser()
    try:
        root = lxml_html.document_fromstring(_END_TAGS.sub("", source), parser=parser)
    except (etree.ParserError, ValueError):
        return None
    for error in parser.error_log:
        # libxml2 stops reading past its nesting limit and keeps what it had: never pass that silently.
        if error.type_name == "ERR_RESOURCE_LIMIT":
            raise LimitExceededError(f"HTML 嵌套过深，无法完整读取：{error.message} (HTML nested too deep)")
    return root


def _swallowed(root) -> list[str]:
    """The lines of page markup that a title with a damaged end tag holds as its text."""
    lines: list[str] = []
    for title in root.iter("title"):
        text = title.text_content()
        inner = _parse(text) if _MARKUP.search(text) else None
        if inner is not None:
            lines.extend(_lines(inner))
    return lines


def html_segments(source: str) -> list[Segment]:
    """Segments of an HTML document given as text (also used for HTML bodies of e-mails and MSG files)."""
    source = re.sub(r"^\s*<\?xml[^>]*\?>", "", source)  # lxml refuses a declaration in a str
    if not source.strip():
        return []
    root = _parse(source)
    if root is None:
        return []
    # From the root, not the body: content after the body (a frameset's <noframes>, text after
    # </body>) is shown too; the head is dropped in the walk and read for its title and meta tags.
    lines = [line.strip() for line in _lines(root) + _swallowed(root) if line.strip()]
    segments = [Segment(line, Location(paragraph=number)) for number, line in enumerate(lines, start=1)]
    return _meta_segments(root) + segments


@register("html")
def extract_html(data: bytes) -> Extraction:
    return Extraction(type="html", segments=html_segments(decode_text(data)[0]))
