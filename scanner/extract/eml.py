"""E-mail (RFC 822 / MIME .eml): headers, every text body part, inline pictures by OCR, every attachment as a member."""

from __future__ import annotations

import base64
import binascii
import email
import quopri
import re
from email import policy

from scanner.errors import ExtractionError
from scanner.extract import early, pictures
from scanner.extract.html import html_segments
from scanner.extract.members import ContainerExtraction, Member, Place
from scanner.extract.registry import register
from scanner.extract.text import decode_text
from scanner.model import Segment

_HEADERS = ("subject", "from", "to", "cc", "bcc", "reply-to")

_B64_RUN = re.compile(rb"([A-Za-z0-9+/]*)(=*)")
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/=]")
# The same bytes, for bytes.translate: every byte outside the alphabet and "=".
_B64_JUNK_BYTES = bytes(b for b in range(256) if _B64_JUNK.match(bytes([b])) is not None)
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def lenient_b64decode(encoded: bytes) -> bytes:
    """Base64 decoded as mail clients do: characters outside the alphabet skipped, a stray last
    character dropped, padding added where missing, blocks joined after padding decoded in turn.

    Python's e-mail package returns the payload undecoded when one stray character is left over.
    """
    blocks: list[bytes] = []
    current = b""
    for chars, padding in _B64_RUN.findall(encoded.translate(None, _B64_JUNK_BYTES)):
        current += chars
        if padding and len(current) % 4 in (2, 3):  # padding that ends a block where padding belongs
            blocks.append(current)
            current = b""
    blocks.append(current)
    out = []
    for block in blocks:
        block = block[:len(block) - len(block) % 4] if len(block) % 4 == 1 else block
        out.append(base64.b64decode(block + b"=" * (-len(block) % 4)))
    return b"".join(out)


def payload_bytes(part) -> bytes:
    """A leaf part's content, transfer encoding undone leniently."""
    return payload_readings(part)[0]


def payload_readings(part) -> list[bytes]:
    """A leaf part's content as decoders differ on it: base64 with a stray "=" inside (header text
    copied into the body) ends a block there for some and is skipped by others, which then read
    on in step. The first reading is payload_bytes'."""
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    # The body as parsed, 8-bit bytes kept as surrogates. get_payload(decode=False) decodes those in
    # the part's charset with replacement (U+FFFD, or 0xE9 and the base64 letter after it as one
    # GB18030 character), which is not ASCII any more: the mail was blocked as unreadable.
    raw = part._payload  # the only access to the undecoded body that the package offers
    if isinstance(raw, str) and encoding in ("base64", "quoted-printable"):
        raw = raw.encode("ascii", "surrogateescape")  # 8-bit bytes: skipped by base64 like other junk
        if encoding != "base64":
            return [quopri.decodestring(raw)]
        first = lenient_b64decode(raw)
        if b"=" not in raw.rstrip(b"= \t\r\n"):
            return [first]
        other = lenient_b64decode(raw.translate(None, _B64_JUNK_BYTES).replace(b"=", b""))
        return [first] if other == first else [first, other]
    return [part.get_payload(decode=True) or b""]


def _decoded(data: bytes, charset: str | None) -> str:
    """Text in the declared charset unless it gives mojibake, else UTF-8, GB18030, detection (text.py)."""
    try:
        return decode_text(data, declared=charset)[0]
    except ExtractionError:  # nothing fits: show it as a mail client would, replacement characters and all
        return data.decode("gb18030", errors="replace")


def _word(match: re.Match) -> str:
    charset, kind, text = match.groups()
    raw = text.encode("ascii", "surrogateescape")
    try:
        data = lenient_b64decode(raw) if kind in "bB" else quopri.decodestring(raw, header=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return _decoded(data, charset.split("*")[0])


def header_text(parsed: str, raw: str) -> str:
    """A header as a mail client shows it. Python decodes raw 8-bit bytes (GBK from old clients) and
    encoded words in a wrong charset into replacement characters: those are decoded again leniently."""
    if "\ufffd" not in parsed and not any("\udc80" <= c <= "\udcff" for c in parsed):
        return parsed
    unfolded = re.sub(r"\r?\n[ \t]", " ", raw)
    if any("\udc80" <= c <= "\udcff" for c in unfolded):
        return _decoded(unfolded.encode("ascii", "surrogateescape"), None)
    return _ENCODED_WORD.sub(_word, unfolded)


def _parsed_header(message, name: str, raw: str) -> str:
    """The header as the e-mail package parses it; a replacement character where its parser fails on
    a damaged value (an address header holding half of an encoded word raises AttributeError), so
    that header_text reads the raw value leniently."""
    try:
        return str(message.policy.header_fetch_parse(name, raw))
    except Exception:  # noqa: BLE001 - any parser bug on hostile input: the raw value is still read
        return "\ufffd"


def _part_text(part) -> str:
    charset = part.get_content_charset()
    return "\n".join(_decoded(data, charset) for data in payload_readings(part))


@register("eml")
def extract_eml(data: bytes) -> ContainerExtraction:
    message = email.message_from_bytes(data, policy=policy.default)
    segments: list[Segment] = []
    for name, raw in message.raw_items():
        if name.lower() in _HEADERS:  # only these are read: the others are not parsed at all
            value = header_text(_parsed_header(message, name, raw), raw)
            if value.strip():
                segments.append(Segment(value, Place(part="metadata", label=f"header {name.lower()}")))
    members: list[Member] = []
    inline: list[pictures.Picture] = []
    body = 0
    for number, part in enumerate(message.walk(), start=1):
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        # Text parts other than plain and HTML (csv, calendar, rtf, xml) are read as files of their own:
        # a mail client offers them as attachments or shows them as text.
        if part.is_attachment() or ctype not in ("text/plain", "text/html") and not ctype.startswith("image/"):
            name = part.get_filename() or f"attachment-{number}"
            payload = None if ctype == "message/rfc822" else payload_bytes(part)
            if payload is None and ctype == "message/rfc822":
                inner = part.get_payload()
                payload = inner[0].as_bytes() if isinstance(inner, list) and inner else b""
            members.append(Member(name, data=payload or b""))
        elif ctype in ("text/plain", "text/html"):
            text = _part_text(part)
            if ctype == "text/html":
                text = "\n".join(segment.text for segment in html_segments(text))
            body += 1
            for line_no, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    segments.append(Segment(line, Place(label=f"body part {body}", line=line_no)))
        elif ctype.startswith("image/"):
            # An inline picture (a pasted screenshot, a signature logo) is part of the body, not an
            # attachment: read like a picture in a document, so a logo without text blocks nothing.
            name = part.get_filename() or (part.get("content-id") or "").strip("<> ") or f"inline-{number}"
            inline.append(pictures.Picture(name, payload_bytes(part)))
    early.text_so_far(segments)  # looked at before OCR starts, in case a limit stops it
    read = pictures.read_pictures(inline)
    segments.extend(read.segments)
    return ContainerExtraction(type="eml", segments=segments, members=members, unread=read.unread,
                               properties={"attachments": len(members), **read.properties})
