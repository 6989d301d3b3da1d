"""Reference readers: does a common reader still show the mark in a damaged file?

Each answers with the name of the reader that shows it, or None. They are as forgiving as the readers
people use: bsdtar (libarchive) for archives and the parts of zip-based documents, GNU tar as well for
tar, pdftotext (poppler) for PDF, the e-mail package with lenient base64 for mail, plain decoding
(with replacement) for text and for HTML with its tags removed.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import html
import re
import subprocess
from email.header import decode_header, make_header
from pathlib import Path

SECONDS = 30  # a reference reader stuck on a mutant says nothing

_ENCODINGS = ("utf-8", "gb18030", "utf-16")


def _decodings(data: bytes, declared: str | None = None) -> list[str]:
    names = ([declared] if declared else []) + list(_ENCODINGS)
    out = []
    for name in names:
        try:
            out.append(data.decode(name, errors="replace"))
        except LookupError:
            continue
    return out


def _run(command: list[str]) -> bytes:
    try:
        return subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=SECONDS).stdout
    except subprocess.TimeoutExpired as exc:
        return exc.stdout or b""


def text_shows(data: bytes, mark: str) -> str | None:
    for text in _decodings(data):
        if mark in text:
            return "plain decoding"
    return None


_DECLARED = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_HIDDEN = re.compile(r"<!--.*?-->|<script\b.*?</script\s*>|<style\b.*?</style\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")


def html_shows(data: bytes, mark: str) -> str | None:
    """What a browser shows, roughly: the text outside tags, comments, scripts and styles."""
    found = _DECLARED.search(data[:4096])
    declared = found.group(1).decode("ascii") if found else None
    for text in _decodings(data, declared):
        if mark in html.unescape(_TAG.sub("", _HIDDEN.sub("", text))):
            return "HTML text (tags removed)"
    return None


def _lenient_base64(text: str) -> bytes:
    """Base64 as mail clients decode it: stray characters dropped, a cut-off last group ignored."""
    clean = re.sub(r"[^A-Za-z0-9+/]", "", text)
    clean = clean[: len(clean) - len(clean) % 4] if len(clean) % 4 == 1 else clean
    try:
        return base64.b64decode(clean + "=" * (-len(clean) % 4))
    except (binascii.Error, ValueError):
        return b""


def eml_shows(data: bytes, mark: str) -> str | None:
    """The e-mail package's reading (compat32: lenient, never raises on defects), with base64 decoded
    leniently, every part's text in its declared charset or the usual ones."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    try:
        subject = str(make_header(decode_header(message.get("Subject", ""))))
    except Exception:  # a damaged encoded word: the raw header is what a client shows
        subject = str(message.get("Subject", ""))
    if mark in subject:
        return "e-mail package (subject)"
    for part in message.walk():
        if part.is_multipart():
            continue
        raw = part.get_payload(decode=False)
        if not isinstance(raw, str):
            continue
        encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
        if encoding == "base64":
            body = _lenient_base64(raw)
        else:
            body = part.get_payload(decode=True) or b""
        try:
            declared = part.get_content_charset()
        except Exception:
            declared = None
        for text in _decodings(body, declared):
            if mark in text:
                return "e-mail package (lenient base64)"
    return None


def pdf_shows(path: Path, mark: str) -> str | None:
    return "pdftotext" if mark in _run(["pdftotext", "-q", str(path), "-"]).decode("utf-8", "replace") else None


def archive_shows(path: Path, mark: str) -> str | None:
    """bsdtar extracting every member it can find to standard output."""
    out = _run(["bsdtar", "-xOf", str(path)])
    return "bsdtar -xO" if any(mark in text for text in _decodings(out)) else None


def tar_shows(path: Path, mark: str) -> str | None:
    """GNU tar (it skips a damaged header and goes on to the next) or bsdtar."""
    out = _run(["tar", "-xOf", str(path)])
    if any(mark in text for text in _decodings(out)):
        return "GNU tar -xO"
    return archive_shows(path, mark)


def ooxml_shows(path: Path, mark: str) -> str | None:
    """The parts of a zip-based document (DOCX, XLSX, PPTX, OFD) as bsdtar extracts them, in the text
    between their XML tags."""
    out = _run(["bsdtar", "-xOf", str(path)]).decode("utf-8", "replace")
    return "bsdtar -xO (XML text)" if mark in html.unescape(_TAG.sub("", out)) else None


def shows_mark(reference: str, path: Path, mark: str) -> str | None:
    """The reader named `reference` (a Seed's) on the mutant at `path`."""
    if reference in ("text", "html", "eml"):
        data = path.read_bytes()
        return {"text": text_shows, "html": html_shows, "eml": eml_shows}[reference](data, mark)
    return {"pdf": pdf_shows, "archive": archive_shows, "tar": tar_shows, "ooxml": ooxml_shows}[reference](path, mark)
