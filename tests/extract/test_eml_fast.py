"""Base64 bodies decoded with bytes.translate (eml.py) decode as with the regular expression it replaced, and
an e-mail's headers are read the same when the headers Mijian does not show are left unparsed."""

from __future__ import annotations

import base64
import email
import quopri
import random
import re
from email import policy

from scanner.extract import extract
from scanner.extract.eml import lenient_b64decode, payload_readings

_B64_RUN = re.compile(rb"([A-Za-z0-9+/]*)(=*)")
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/=]")


def _lenient_ref(encoded: bytes) -> bytes:
    blocks: list[bytes] = []
    current = b""
    for chars, padding in _B64_RUN.findall(_B64_JUNK.sub(b"", encoded)):
        current += chars
        if padding and len(current) % 4 in (2, 3):
            blocks.append(current)
            current = b""
    blocks.append(current)
    out = []
    for block in blocks:
        block = block[:len(block) - len(block) % 4] if len(block) % 4 == 1 else block
        out.append(base64.b64decode(block + b"=" * (-len(block) % 4)))
    return b"".join(out)


def _readings_ref(part) -> list[bytes]:
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    raw = part._payload  # 8-bit bytes as surrogates (get_payload(decode=False) replaces them)
    if isinstance(raw, str) and encoding in ("base64", "quoted-printable"):
        raw = raw.encode("ascii", "surrogateescape")
        if encoding != "base64":
            return [quopri.decodestring(raw)]
        first = _lenient_ref(raw)
        stream = _B64_JUNK.sub(b"", raw).replace(b"=", b"")
        other = _lenient_ref(stream) if b"=" in raw.rstrip(b"= \t\r\n") else first
        return [first] if other == first else [first, other]
    return [part.get_payload(decode=True) or b""]


_JUNK = [b"=", b"==", b"!", b" ", b"\r\n", b"\xff", b"-", b"Subject: x", b"\x00"]


def _damaged_base64(rng: random.Random, junk=tuple(_JUNK)) -> bytes:
    text = "".join(rng.choice("机密内部合作项目 abc\n") for _ in range(rng.randint(0, 200))).encode()
    encoded = bytearray(base64.encodebytes(text))
    for _ in range(rng.randint(0, 5)):
        where = rng.randrange(len(encoded) + 1)
        encoded[where:where] = rng.choice(junk)
    return bytes(encoded)


def test_lenient_base64_as_the_regular_expression_decodes():
    rng = random.Random(11)
    for _ in range(3000):
        data = _damaged_base64(rng)
        assert lenient_b64decode(data) == _lenient_ref(data)
    for data in (b"", b"=", b"====", b"QQ", b"QQ=\nQg==", bytes(range(256)), b"\x80\xff" * 10):
        assert lenient_b64decode(data) == _lenient_ref(data)


def test_payload_readings_as_before():
    rng = random.Random(12)
    two = 0
    for _ in range(600):
        body = _damaged_base64(rng).decode("latin-1")
        raw = ("From: a@b.c\nTo: d@e.f\nSubject: x\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
               "Content-Transfer-Encoding: base64\n\n" + body).encode("latin-1")
        message = email.message_from_bytes(raw, policy=policy.default)
        assert payload_readings(message) == _readings_ref(message)
        two += len(payload_readings(message)) == 2
    assert two > 10  # the second reading (a stray "=" inside) is taken too


def test_headers_read_alike_with_damaged_other_headers():
    """A header the e-mail package cannot parse, among those not shown, changes nothing."""
    raw = ("From: =?utf-8?b?5py65a+G?= <a@b.c>\nTo: x@y.z\nSubject: =?gbk?b?u+HS6Q==?=\n"
           "Reply-To: =?utf-8?b?5py6\nX-Odd: =?utf-8?b?5py6\nMessage-ID: <<<\nDate: not a date\n"
           "Content-Type: text/plain; charset=utf-8\n\n正文\n").encode()
    texts = [(s.text, s.location.label) for s in extract("eml", raw).segments]
    assert ("会议", "header subject") in texts
    assert [label for _, label in texts if label.startswith("header")] == [
        "header from", "header to", "header subject", "header reply-to"]
