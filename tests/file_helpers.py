"""Test helpers importable by name (conftest.py is not: several exist, one per folder):
a Compound File writer and the damage used by the fuzz tests."""

from __future__ import annotations


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A Compound File (CFB v3, MS-CFB) holding `streams` (paths joined with "/"; storages made as
    needed). No installed library writes one; olefile and extract-msg read what this writes."""
    import struct

    sector, mini, cutoff = 512, 64, 4096
    free, end, fat_mark = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    # Directory tree: storage path -> children names.
    entries = [{"name": "Root Entry", "type": 5, "children": [], "data": b""}]
    index = {"": 0}
    for path in sorted(streams):
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key in index:
                continue
            kind = 2 if depth == len(parts) else 1
            entries.append({"name": parts[depth - 1], "type": kind, "children": [],
                            "data": streams[key] if kind == 2 else b""})
            index[key] = len(entries) - 1
            entries[index["/".join(parts[:depth - 1])]]["children"].append(index[key])
    # Small streams go to the mini stream, large ones to their own sectors.
    ministream, minifat = b"", []
    for e in entries:
        if e["type"] == 2 and len(e["data"]) < cutoff:
            count = -(-len(e["data"]) // mini)
            e["start"] = len(ministream) // mini if count else end
            minifat += [len(minifat) + i + 1 for i in range(count - 1)] + ([end] if count else [])
            ministream += e["data"].ljust(count * mini, b"\0")
    big = [e for e in entries if e["type"] == 2 and len(e["data"]) >= cutoff]
    dir_sectors = -(-len(entries) * 128 // sector)
    minifat_sectors = -(-len(minifat) * 4 // sector)
    ministream_sectors = -(-len(ministream) // sector)
    big_sectors = sum(-(-len(e["data"]) // sector) for e in big)
    fat_sectors = 1
    while fat_sectors * (sector // 4) < fat_sectors + dir_sectors + minifat_sectors + ministream_sectors + big_sectors:
        fat_sectors += 1
    fat: list[int] = [fat_mark] * fat_sectors

    def chain(count: int) -> int:
        if not count:
            return end
        start = len(fat)
        fat.extend(range(start + 1, start + count))
        fat.append(end)
        return start

    dir_start = chain(dir_sectors)
    minifat_start = chain(minifat_sectors)
    entries[0]["start"] = chain(ministream_sectors)
    entries[0]["size"] = len(ministream)
    body = b""
    for e in big:
        e["start"] = chain(-(-len(e["data"]) // sector))
    fat += [free] * (fat_sectors * (sector // 4) - len(fat))

    def link(ids: list[int]) -> int:
        """Siblings as a right-leaning chain in CFB order (length, then upper case)."""
        ids = sorted(ids, key=lambda i: (len(entries[i]["name"]), entries[i]["name"].upper()))
        for a, b in zip(ids, ids[1:]):
            entries[a]["right"] = b
        return ids[0] if ids else free

    for e in entries:
        e["child"] = link(e["children"])
    directory = b""
    for e in entries:
        name = e["name"].encode("utf-16-le")
        size = e.get("size", len(e["data"])) if e["type"] != 1 else 0
        directory += struct.pack("<64sHBBIII16sIQQIQ", name.ljust(64, b"\0"), len(name) + 2, e["type"], 1,
                                 e.get("left", free), e.get("right", free), e["child"], b"\0" * 16, 0, 0, 0,
                                 e.get("start", end) if e["type"] != 1 else 0, size)
    directory = directory.ljust(dir_sectors * sector, b"\0")
    for e in big:
        body += e["data"].ljust(-(-len(e["data"]) // sector) * sector, b"\0")
    difat = list(range(fat_sectors)) + [free] * (109 - fat_sectors)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x3E, 3,
                         0xFFFE, 9, 6, b"\0" * 6, 0, fat_sectors, dir_start, 0, cutoff,
                         minifat_start if minifat_sectors else end, minifat_sectors, end, 0)
    header += struct.pack("<109I", *difat)
    return (header + struct.pack(f"<{len(fat)}I", *fat) + directory
            + struct.pack(f"<{len(minifat)}I", *minifat).ljust(minifat_sectors * sector, b"\0")
            + ministream.ljust(ministream_sectors * sector, b"\0") + body)


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
