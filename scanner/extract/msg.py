"""Outlook messages (.msg) with extract-msg: headers, plain/HTML/RTF body, every attachment as a member."""

from __future__ import annotations

import io
import logging

import extract_msg
import olefile
from extract_msg.enums import ErrorBehavior

from scanner.errors import ExtractionError
from scanner.extract import early, pictures
from scanner.extract.html import html_segments
from scanner.extract.members import ContainerExtraction, Member, Place
from scanner.extract.rtf import parse_rtf
from scanner.extract.registry import register
from scanner.extract.text import decode_text
from scanner.model import Segment

# extract-msg logs every oddity of a hostile file; the item's own result reports what matters.
logging.getLogger("extract_msg").setLevel(logging.CRITICAL)

_HEADERS = (("subject", "subject"), ("sender", "from"), ("to", "to"), ("cc", "cc"), ("bcc", "bcc"))


def _body_segments(message) -> list[Segment]:
    segments: list[Segment] = []
    body = message.body or ""
    for line_no, line in enumerate(body.splitlines(), start=1):
        if line.strip():
            segments.append(Segment(line, Place(label="body", line=line_no)))
    html = message.htmlBody
    if html:
        for segment in html_segments(decode_text(html)[0] if isinstance(html, bytes) else html):
            where = segment.location
            segments.append(Segment(segment.text, Place(part=where.part, paragraph=where.paragraph,
                                                        label=f"html body {getattr(where, 'label', None) or ''}".strip())))
    if not segments:
        rtf = message.rtfBody  # some messages keep their body only as compressed RTF
        if rtf:
            content = parse_rtf(rtf)
            segments.extend(Segment(line.strip(), Place(label="rtf body", line=n))
                            for n, line in enumerate(content.body.split("\n"), start=1) if line.strip())
    return segments


def _attachment_member(number: int, attachment) -> Member:
    name = (getattr(attachment, "longFilename", None) or getattr(attachment, "shortFilename", None)
            or getattr(attachment, "name", None) or f"attachment-{number}")
    try:
        data = attachment.data
        if isinstance(data, bytes):
            return Member(name, data=data)
        if hasattr(data, "exportBytes"):  # an attached message: its own .msg bytes, read as an item
            return Member(name if name.lower().endswith(".msg") else f"{name}.msg", data=data.exportBytes())
    except Exception as exc:  # a broken attachment fails closed on its own
        return Member(name, problem=("scan.unreadable",
                                     f"邮件附件无法读取 (attachment cannot be read): {type(exc).__name__}: {exc}"))
    kind = type(data).__name__ if data is not None else "no data"
    return Member(name, problem=("scan.unreadable", f"邮件附件无法读取 (attachment of kind {kind} not read)"))


def _inline_picture(attachment, html: str) -> pictures.Picture | None:
    """An attachment that is a picture shown in the body (a pasted screenshot, a signature logo):
    Outlook keeps it as a hidden attachment with a content id the HTML body refers to (`cid:`)."""
    try:
        cid = (attachment.cid or "").strip("<> ")
        data = attachment.data
    except Exception:
        return None
    if not cid or not isinstance(data, bytes) or f"cid:{cid}" not in html:
        return None
    if not (getattr(attachment, "mimetype", "") or "").startswith("image/") and not getattr(attachment, "hidden", False):
        return None
    name = getattr(attachment, "longFilename", None) or getattr(attachment, "shortFilename", None) or cid
    return pictures.Picture(name, data)


def check_streams(data: bytes) -> None:
    """Every stream reads to its declared size: olefile returns a cut stream short without a word."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            for path in ole.listdir(streams=True, storages=False):
                with ole.openstream(path) as stream:
                    if len(stream.read()) != ole.get_size(path):
                        raise ExtractionError(f"Outlook 邮件被截断：{'/'.join(path)} 不完整 (truncated .msg)")
    except (OSError, ValueError, IndexError) as exc:
        raise ExtractionError(f"Outlook 邮件已损坏：{exc} (damaged .msg)") from exc


@register("msg")
def extract_msg_file(data: bytes) -> ContainerExtraction:
    check_streams(data)
    try:
        # Broken or unknown attachments are loaded as such (and fail closed as members); anything else
        # wrong with the message raises, so no part of it is dropped without a word.
        message = extract_msg.openMsg(data, strict=False, errorBehavior=ErrorBehavior.ATTACH_NOT_IMPLEMENTED
                                      | ErrorBehavior.ATTACH_BROKEN)
    except Exception as exc:
        raise ExtractionError(f"Outlook 邮件无法解析：{type(exc).__name__}: {exc} (cannot parse .msg)") from exc
    with message:
        segments: list[Segment] = []
        for attribute, label in _HEADERS:
            try:
                value = getattr(message, attribute, None)
            except Exception:
                value = None
            if value and str(value).strip():
                segments.append(Segment(str(value), Place(part="metadata", label=f"header {label}")))
        segments.extend(_body_segments(message))
        attachments = list(getattr(message, "attachments", []) or [])
        try:
            html = message.htmlBody or b""
        except Exception:
            html = b""
        html = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
        # Inline pictures are part of the body, read like pictures in a document: a signature logo
        # without text blocks nothing. Real attachments are members, decided on their own.
        inline, members = [], []
        for number, attachment in enumerate(attachments, start=1):
            picture = _inline_picture(attachment, html)
            if picture is not None:
                inline.append(picture)
            else:
                members.append(_attachment_member(number, attachment))
    early.text_so_far(segments)  # looked at before OCR starts, in case a limit stops it
    read = pictures.read_pictures(inline)
    segments.extend(read.segments)
    segments.extend(Segment(m.name, Place(part="metadata", label="attachment names", line=n))
                    for n, m in enumerate(members, start=1))
    return ContainerExtraction(type="msg", segments=segments, members=members, unread=read.unread,
                               properties={"attachments": len(members), **read.properties})
