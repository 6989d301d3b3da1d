"""The index file alone gives back no registered text: without the key, known passages find nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from fingerprint_texts import SECOND, SECRET, other_key
from scanner.detect.normalize import normalize
from scanner.fingerprint.index import FingerprintIndex
from scanner.fingerprint.keyed import FingerprintKey
from scanner.fingerprint.prints import text_prints
from scanner.fingerprint.stoplist import load_stoplist
from scanner.fingerprint.text import content_text
from scanner.fingerprint.winnow import gram_hashes


def stored_hashes(path: Path) -> set[int]:
    db = sqlite3.connect(path)
    try:
        return {h for (h,) in db.execute("SELECT hash FROM prints")}
    finally:
        db.close()


def test_known_passages_do_not_match_without_the_key(registered, tmp_path):
    config, _ = registered
    stored = stored_hashes(Path(config.register.index))
    assert stored
    index = FingerprintIndex(Path(config.register.index))
    right = FingerprintKey.load(Path(config.register.key_file))
    wrong = FingerprintKey.load(other_key(tmp_path))
    for text in (SECRET, SECOND):
        norm = normalize(text).text
        # With the key the passage is found: the test would notice an index that holds nothing.
        assert index.lookup(set(text_prints(norm, right, 11, 16, load_stoplist(11)).hashes.tolist()))
        # An attacker holding the index and the text, but not the key: another key finds nothing ...
        assert not index.lookup(set(text_prints(norm, wrong, 11, 16, load_stoplist(11)).hashes.tolist()))
        # ... and neither do the public hashes of every k-gram, of any length, nor their halves.
        codes = content_text(norm).codes
        for k in range(2, 40):
            h1, h2 = gram_hashes(codes, k)
            for public in (h1, h2, h1 ^ h2):
                values = set(public.astype(np.int64).tolist()) | set((public >> np.uint64(1)).astype(np.int64).tolist())
                assert not values & stored
    index.close()


def test_the_index_file_holds_no_registered_text(registered):
    config, _ = registered
    raw = Path(config.register.index).read_bytes()
    for text in (SECRET, SECOND):
        content = normalize(text).text
        for i in range(0, len(content) - 4, 4):
            chunk = content[i:i + 4]
            if chunk in "东海联合演训保障方案 复合材料阶段总结 联合保障部":  # the stored title and owner
                continue
            for encoding in ("utf-8", "utf-16-le", "gb18030"):
                assert chunk.encode(encoding) not in raw
    assert "东海联合演训保障方案".encode() in raw  # the title is stored, by design, and shown in reports


def test_the_sidecar_holds_the_same_keyed_hashes_and_no_text(registered, tmp_path):
    """The membership sidecar next to the index (sidecar.py) holds the stored keyed hashes, nothing
    else: no public hash of any k-gram of the registered texts, no text."""
    config, _ = registered
    index_path = Path(config.register.index)
    (path,) = index_path.parent.glob(index_path.name + ".hashes-*.npy")
    sidecar = np.load(path, allow_pickle=False)
    assert set(sidecar.tolist()) == stored_hashes(index_path)
    wrong = FingerprintKey.load(other_key(tmp_path))
    raw = path.read_bytes()
    for text in (SECRET, SECOND):
        norm = normalize(text).text
        assert not set(text_prints(norm, wrong, 11, 16, load_stoplist(11)).hashes.tolist()) & set(sidecar.tolist())
        codes = content_text(norm).codes
        for k in range(2, 40):
            h1, h2 = gram_hashes(codes, k)
            for public in (h1, h2, h1 ^ h2):
                assert not set(public.astype(np.int64).tolist()) & set(sidecar.tolist())
        for i in range(0, len(norm) - 4, 4):
            for encoding in ("utf-8", "utf-16-le", "gb18030"):
                assert norm[i:i + 4].encode(encoding) not in raw


def test_the_key_file_is_private(registered):
    config, _ = registered
    assert Path(config.register.key_file).stat().st_mode & 0o777 == 0o600


def test_a_new_registration_changes_the_ruleset_so_old_verdicts_are_not_reused(registered):
    from scanner.fingerprint.index import FingerprintIndex
    from scanner.fingerprint.register import Registrar
    from scanner.ruleset import ruleset_fingerprint

    config, _ = registered
    before = ruleset_fingerprint(config)
    assert ruleset_fingerprint(config) == before
    index = FingerprintIndex(Path(config.register.index), writable=True)
    Registrar(index, FingerprintKey.load(Path(config.register.key_file))).add_text(
        SECOND + SECRET, title="合订本", level="秘密")
    index.commit()
    index.close()
    assert ruleset_fingerprint(config) != before
