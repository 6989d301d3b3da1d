"""Whether a text file is an e-mail or an HTML page, from its first bytes: the tests sniff.py makes on
every text file, kept apart from eml.py and html.py so that sniffing loads neither the e-mail package
nor lxml (they are imported when such a file is read)."""

from __future__ import annotations

import codecs
import re

_MAIL_HEADER = re.compile(rb"^(received|from|to|subject|date|mime-version|message-id|return-path|cc|content-type"
                          rb"|content-transfer-encoding):", re.IGNORECASE | re.MULTILINE)
# Any RFC 5322 field name (printable ASCII but the colon): a first header damaged to `Froe:` or
# `%%%From:` is still a header to a mail client, which reads on. An mbox "From " line (or a From
# header that lost its colon) is taken as the envelope line, and the headers follow it.
_FIELD = re.compile(rb"From |[\x21-\x39\x3b-\x7e]+:")


def looks_like_mail(head: bytes) -> bool:
    """Three or more RFC 822 headers before the first blank line, the first line a header too."""
    block = head.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    return bool(_FIELD.match(block)) and len(set(m.lower() for m in _MAIL_HEADER.findall(block))) >= 3


_HTML_START = re.compile(r"^(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta[\s>]|<title[\s>])", re.I)
# A page whose first tag is damaged (<!D\xf8CTYPE html>, a stray byte before it) still opens as a
# page in a browser: markup within the first few characters, and an HTML element near the start.
_HTML_TAG = re.compile(r"<(?:html|head|body|meta|title)[\s>]", re.I)
_STRAY = 16  # characters before the first tag: a stray byte, a damaged "<!DOCTYPE html>"
_SKIP_PROLOGUE = re.compile(r"^(?:\s+|<\?xml[^>]*\?>|<!--.*?-->)+", re.S)


def looks_like_html(sample: bytes) -> bool:
    """The first tag after any XML declaration and comments is an HTML one (or, damaged, the text
    starts with markup and holds an HTML element near the start)."""
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if sample.startswith(bom):
            head = sample[len(bom):len(bom) + 4096].decode(encoding, errors="ignore")
            break
    else:
        head = sample[:4096].decode("utf-8", errors="ignore").lstrip("\ufeff")
    head = _SKIP_PROLOGUE.sub("", head, count=1)
    if _HTML_START.match(head):
        return True
    first = head.find("<")
    return 0 <= first <= _STRAY and bool(_HTML_TAG.search(head, first, first + 1024))
