"""Test helpers importable by name (conftest.py is not: several exist, one per folder):
a Compound File writer and the damage used by the fuzz tests."""

from __future__ import annotations

from scanner.extract.cfb import write_cfb as _cfb  # noqa: F401 (the tests build compound files with it)


def mutation_strategy():
    """Hypothesis strategy for damaging a sample: byte overwrites, inserted junk, truncation."""
    from hypothesis import strategies as st

    return st.tuples(
        st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8),
        st.one_of(st.none(), st.floats(0, 1)),
        st.binary(max_size=16),
    )


def mutate(data: bytes, change) -> bytes:
    overwrites, cut, junk = change
    out = bytearray(data)
    for where, value in overwrites:
        out[min(int(where * len(out)), len(out) - 1)] = value
    if junk:
        mid = len(out) // 2
        out[mid:mid] = junk
    if cut is not None:
        out = out[: int(cut * len(out))]
    return bytes(out)


def assert_fuzz_verdict(scan_items, data: bytes, seconds: float = 10.0) -> None:
    """A damaged file ends with a verdict for it and every member, in bounded time, never a crash."""
    import time

    from scanner.model import VERDICTS

    started = time.monotonic()
    results = scan_items(data, "fuzz.bin")
    assert time.monotonic() - started < seconds
    assert results and all(r.verdict in VERDICTS for r in results) and results[0].member is None


def _msg_text(tag: int, value: str) -> tuple[str, bytes]:
    return f"__substg1.0_{tag:04X}001F", value.encode("utf-16-le")


def _msg_streams(subject: str, body: str, attachments=(), html: str | None = None, *, top: bool = True) -> dict:
    """The streams of an Outlook message (MS-OXMSG): properties, attachments, embedded messages."""
    import struct

    streams = dict([_msg_text(0x001A, "IPM.Note"), _msg_text(0x0037, subject), _msg_text(0x1000, body),
                    _msg_text(0x0C1A, "张三"), _msg_text(0x0E04, "partner@example.com")])
    if html is not None:
        streams["__substg1.0_10130102"] = html.encode("utf-8")
    attachments = list(attachments)
    for number, (name, data) in enumerate(attachments):
        storage = f"__attach_version1.0_#{number:08X}/"
        if isinstance(data, dict):  # an embedded message: its streams in a sub-storage
            method = 5
            for path, value in data.items():
                streams[f"{storage}__substg1.0_3701000D/{path}"] = value
        else:
            method = 1
            streams[storage + "__substg1.0_37010102"] = data
        streams.update({storage + k: v for k, v in [_msg_text(0x3707, name), _msg_text(0x3001, name)]})
        streams[storage + "__properties_version1.0"] = b"\0" * 8 + struct.pack("<IIQ", 0x37050003, 6, method)
    count = len(attachments)
    if top:  # the named-property map (empty) that readers require of a message file
        for stream in ("00020102", "00030102", "00040102"):
            streams[f"__nameid_version1.0/__substg1.0_{stream}"] = b""
    head = struct.pack("<8sIIII", b"\0" * 8, 1, count, 0, count) + (b"\0" * 8 if top else b"")
    streams["__properties_version1.0"] = head + struct.pack("<IIQ", 0x0E070003, 6, 0)
    return streams


def build_msg(subject: str, body: str, attachments=(), html: str | None = None, *, streams_only: bool = False):
    """A .msg file; with `streams_only`, the streams to embed as an attachment of another message."""
    streams = _msg_streams(subject, body, attachments, html, top=not streams_only)
    return streams if streams_only else _cfb(streams)
