"""Writing a Compound File (MS-CFB): an object embedded in a legacy Office file is a storage inside
the document, and the readers (olefile through doc.py, ppt.py, xls.py) need it as a file of its own."""

from __future__ import annotations

import struct


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """A Compound File (CFB v3, MS-CFB) holding `streams` (paths joined with "/"; storages made as
    needed). No installed library writes one; olefile and extract-msg read what this writes.
    The FAT is addressed from the header only (109 sectors): about 7 MB at most, else ValueError."""

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
    if fat_sectors > 109:
        raise ValueError("compound file too large for a header-only FAT (about 7 MB)")
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
