"""E-mail (RFC 822 / MIME .eml): headers, every text body part, inline pictures by OCR, every attachment as a member."""

from __future__ import annotations

import email
import re
from email import policy

from lxml import html as lxml_html

from scanner.extract import early, pictures
from scanner.extract.members import ContainerExtraction, Member, Place
from scanner.extract.registry import register
from scanner.model import Segment

_HEADERS = ("subject", "from", "to", "cc", "bcc", "reply-to")
_MAIL_HEADER = re.compile(rb"^(received|from|to|subject|date|mime-version|message-id|return-path|cc|content-type):",
                          re.IGNORECASE | re.MULTILINE)


def looks_like_mail(head: bytes) -> bool:
    """Three or more RFC 822 headers before the first blank line, the first line among them."""
    block = head.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    return bool(_MAIL_HEADER.match(block)) and len(set(m.lower() for m in _MAIL_HEADER.findall(block))) >= 3


def _html_text(source: str) -> str:
    try:
        return lxml_html.fromstring(source).text_content()
    except Exception:  # lxml refuses empty or odd documents: fall back to dropping tags
        return re.sub(r"<[^>]+>", " ", source)


def _part_text(part) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):  # unknown charset: decode leniently
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("gb18030", errors="replace")
    return content if isinstance(content, str) else ""


@register("eml")
def extract_eml(data: bytes) -> ContainerExtraction:
    message = email.message_from_bytes(data, policy=policy.default)
    segments: list[Segment] = []
    for name in _HEADERS:
        value = message.get(name)
        if value is not None and str(value).strip():
            segments.append(Segment(str(value), Place(part="metadata", label=f"header {name}")))
    members: list[Member] = []
    inline: list[pictures.Picture] = []
    body = 0
    for number, part in enumerate(message.walk(), start=1):
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if part.is_attachment() or ctype == "message/rfc822" or not ctype.startswith(("text/", "image/")):
            name = part.get_filename() or f"attachment-{number}"
            payload = part.get_payload(decode=True)
            if payload is None and ctype == "message/rfc822":
                inner = part.get_payload()
                payload = inner[0].as_bytes() if isinstance(inner, list) and inner else b""
            members.append(Member(name, data=payload or b""))
        elif ctype in ("text/plain", "text/html"):
            text = _part_text(part)
            if ctype == "text/html":
                text = _html_text(text)
            body += 1
            for line_no, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    segments.append(Segment(line, Place(label=f"body part {body}", line=line_no)))
        elif ctype.startswith("image/"):
            # An inline picture (a pasted screenshot, a signature logo) is part of the body, not an
            # attachment: read like a picture in a document, so a logo without text blocks nothing.
            name = part.get_filename() or (part.get("content-id") or "").strip("<> ") or f"inline-{number}"
            inline.append(pictures.Picture(name, part.get_payload(decode=True) or b""))
    early.text_so_far(segments)  # looked at before OCR starts, in case a limit stops it
    read = pictures.read_pictures(inline)
    segments.extend(read.segments)
    return ContainerExtraction(type="eml", segments=segments, members=members, unread=read.unread,
                               properties={"attachments": len(members), **read.properties})
