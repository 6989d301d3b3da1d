"""Signed export and import of the index, so gateways get the fingerprints (never any text).

An export file is a first line `MIJIAN-FINGERPRINTS 1`, a second line of JSON naming the signing
key and carrying the Ed25519 signature (the approvals key, policy/keys.py) of the rest, and the
rest: zlib-compressed JSON of the registered documents and data sets with their keyed hashes.
The signature is checked before anything is decompressed or read, so a file edited by one byte,
or signed with another key, is refused as a whole.
"""

from __future__ import annotations

import base64
import json
import zlib

import numpy as np
from cryptography.exceptions import InvalidSignature

from scanner.errors import PolicyError
from scanner.fingerprint.index import FingerprintIndex
from scanner.policy.keys import key_id

MAGIC = b"MIJIAN-FINGERPRINTS 1\n"
_MAX_PAYLOAD = 16 * 1024 ** 3  # decompressed bytes accepted (a signed file is trusted, not unbounded)


def _pack(rows, dtype="<i8") -> str:
    return base64.b64encode(np.asarray(rows, dtype=dtype).tobytes()).decode("ascii")


def _unpack(text: str, width: int) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<i8").reshape(-1, width)


def export_bytes(index: FingerprintIndex, private_key) -> bytes:
    docs = []
    for d in index.documents():
        docs.append({"id": d.id, "title": d.title, "level": d.level, "owner": d.owner, "chars": d.chars,
                     "sources": d.sources, "registered": d.registered,
                     "prints": _pack(index.document_prints(d.id) or np.zeros((0, 2)))})
    sets = []
    for s in index.datasets():
        sets.append({"id": s.id, "title": s.title, "level": s.level, "owner": s.owner, "columns": s.columns,
                     "alone": s.alone, "rows": s.rows, "lengths": s.lengths, "registered": s.registered,
                     "values": _pack(index.data_values(s.id) or np.zeros((0, 3)))})
    payload = {"key_id": index.meta("key_id"), "k": int(index.meta("k")), "window": int(index.meta("window")),
               "documents": docs, "data_sets": sets}
    body = zlib.compress(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8"), 6)
    header = {"signer": key_id(private_key.public_key()),
              "signature": base64.b64encode(private_key.sign(MAGIC + body)).decode("ascii")}
    return MAGIC + json.dumps(header).encode("ascii") + b"\n" + body


def _refused(why_zh: str, why_en: str) -> PolicyError:
    return PolicyError(f"指纹导出文件被拒绝：{why_zh} (fingerprint export refused: {why_en})")


def verified_payload(raw: bytes, public_key) -> dict:
    """The export's content once its signature checks out; PolicyError otherwise."""
    if not raw.startswith(MAGIC):
        raise _refused("不是密检指纹导出文件", "not a Mijian fingerprint export")
    end = raw.find(b"\n", len(MAGIC))
    try:
        header = json.loads(raw[len(MAGIC):end].decode("ascii"))
        signature = base64.b64decode(header["signature"], validate=True)
        signer = str(header["signer"])
    except (ValueError, KeyError, TypeError) as exc:
        raise _refused("签名行已损坏", "the signature line is damaged") from exc
    body = raw[end + 1:]
    expected = key_id(public_key)
    try:
        public_key.verify(signature, MAGIC + body)
    except InvalidSignature:
        if signer != expected:
            raise _refused(f"由另一把密钥签名（{signer}，本机信任 {expected}）",
                           f"signed with another key ({signer}; this machine trusts {expected})") from None
        raise _refused("签名无效，文件在签名后被改动", "bad signature: the file was changed after signing") from None
    try:
        decompressor = zlib.decompressobj()
        text = decompressor.decompress(body, _MAX_PAYLOAD)
        return json.loads(text.decode("utf-8"))
    except (zlib.error, ValueError) as exc:
        raise _refused("内容无法读取", "content unreadable") from exc


def import_payload(index: FingerprintIndex, payload: dict, key_id_here: str) -> tuple[int, int]:
    """Make the index the export's copy (documents and data sets replaced); (documents, data sets)."""
    if payload.get("key_id") != key_id_here:
        raise _refused("导出文件所用的指纹密钥与本机的不同（需同一把 register.key_file）",
                       "made with another fingerprint key than this machine's register.key_file")
    try:
        index.clear()
        for name in ("key_id", "k", "window"):
            index.set_meta(name, str(payload[name]))
        for d in payload["documents"]:
            rows = _unpack(d["prints"], 2)
            index.add_document(d["title"], d["level"], d["owner"], int(d["chars"]), list(d["sources"]),
                               rows[:, 0], rows[:, 1], doc_id=int(d["id"]), registered=d["registered"])
        for s in payload["data_sets"]:
            rows = _unpack(s["values"], 3)
            index.add_dataset(s["title"], s["level"], s["owner"], list(s["columns"]), list(s["alone"]),
                              [tuple(int(x) for x in r) for r in rows], int(s["rows"]), list(s["lengths"]),
                              set_id=int(s["id"]), registered=s["registered"])
        index.bump_generation()
        index.commit()
    except BaseException:
        index.db.rollback()
        raise
    return len(payload["documents"]), len(payload["data_sets"])
