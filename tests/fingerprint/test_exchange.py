"""Signed export and import: a gateway gets the office's fingerprints; an edited or foreign file is refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from fingerprint_texts import SECRET
from scanner.detect.engine import DetectionEngine
from scanner.errors import PolicyError
from scanner.fingerprint.exchange import export_bytes, import_payload, verified_payload
from scanner.fingerprint.index import FingerprintIndex
from scanner.fingerprint.keyed import FingerprintKey
from scanner.pipeline import scan_tree
from scanner.policy.keys import init_keys, load_private_key, load_public_key


@pytest.fixture()
def signed_export(registered, tmp_path):
    config, _ = registered
    private_path, public_path = init_keys(tmp_path / "office")
    index = FingerprintIndex(Path(config.register.index))
    raw = export_bytes(index, load_private_key(private_path))
    index.close()
    return config, raw, load_public_key(public_path)


def test_a_gateway_imports_the_export_and_blocks_the_passage(signed_export, tmp_path):
    config, raw, public = signed_export
    gateway = replace(config, register=replace(config.register, index=str(tmp_path / "gw.sqlite")))
    index = FingerprintIndex(tmp_path / "gw.sqlite", writable=True)
    docs, sets = import_payload(index, verified_payload(raw, public),
                                FingerprintKey.load(Path(config.register.key_file)).key_id)
    index.close()
    assert (docs, sets) == (2, 0)
    tree = scan_tree(("转发：" + SECRET[30:150]).encode("utf-8"), path="x.txt", config=gateway,
                     engine=DetectionEngine(gateway))
    assert tree[0].verdict == "block" and tree[0].detection.fingerprints[0]["title"] == "东海联合演训保障方案"


@pytest.mark.parametrize("where", [0, 10, 30, 60, 90, -200, -1])
def test_an_export_edited_by_one_byte_is_refused(signed_export, where):
    _, raw, public = signed_export
    edited = bytearray(raw)
    edited[where] ^= 0x01
    with pytest.raises(PolicyError) as caught:
        verified_payload(bytes(edited), public)
    assert "指纹导出文件被拒绝" in str(caught.value) and "refused" in str(caught.value)


def test_an_export_signed_with_another_key_is_refused(signed_export, registered, tmp_path):
    config, raw, public = signed_export
    other_private, _ = init_keys(tmp_path / "other")
    index = FingerprintIndex(Path(config.register.index))
    forged = export_bytes(index, load_private_key(other_private))
    index.close()
    with pytest.raises(PolicyError) as caught:
        verified_payload(forged, public)
    assert "另一把密钥" in str(caught.value) and "another key" in str(caught.value)


def test_an_export_for_another_fingerprint_key_is_refused(signed_export, tmp_path):
    from fingerprint_texts import other_key

    _, raw, public = signed_export
    index = FingerprintIndex(tmp_path / "gw.sqlite", writable=True)
    with pytest.raises(PolicyError, match="指纹密钥"):
        import_payload(index, verified_payload(raw, public), FingerprintKey.load(other_key(tmp_path)).key_id)
    assert index.documents() == []
    index.close()
