"""The membership sidecar (scanner/fingerprint/sidecar.py): lookups give the same matches with it and
without it, and a sidecar that does not fit the index as it is now is never used."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np

from fingerprint_texts import ORDINARY, SECOND, SECRET
from scanner.detect.normalize import normalize
from scanner.detect.registry import DetectContext
from scanner.fingerprint.index import FingerprintIndex
from scanner.fingerprint.keyed import FingerprintKey
from scanner.fingerprint.lookup import Matcher
from scanner.fingerprint.register import Registrar
from scanner.fingerprint.sidecar import sidecar_path
from scanner.model import Document, Location, Segment

UNRELATED = "本周五下午三点在三楼会议室召开部门例会，请各位同事准时参加，会后安排体检报名。"


def contexts(texts):
    docs = [Document([Segment(t, Location())]) for t in texts]
    return [DetectContext(d, normalize(d.text)) for d in docs]


def corpus() -> list[str]:
    """Copies of registered passages (whole, cut, reordered, changed, embedded) and ordinary text."""
    out = [SECRET, SECOND, ORDINARY, UNRELATED, SECOND + SECRET, ORDINARY + SECRET[30:160] + UNRELATED]
    for text in (SECRET, SECOND):
        for start in range(0, len(text) - 60, 23):
            piece = text[start:start + 100]
            out.append(UNRELATED + piece + ORDINARY)
            out.append(" ".join(piece))
            out.append("。".join(reversed(piece.split("，"))))
            out.append(piece[:30] + "某某" + piece[32:70] + "某" + piece[71:])
    return out


def stamp_of(config) -> str:
    db = sqlite3.connect(config.register.index)
    try:
        return db.execute("SELECT value FROM meta WHERE name = 'stamp'").fetchone()[0]
    finally:
        db.close()


def stored(config) -> np.ndarray:
    db = sqlite3.connect(config.register.index)
    try:
        return np.array(sorted({h for (h,) in db.execute("SELECT hash FROM prints")}), dtype=np.int64)
    finally:
        db.close()


def matches(matcher, texts, use_sidecar: bool):
    matcher.use_sidecar = use_sidecar
    return [matcher.match(c) for c in contexts(texts)]


def test_registering_writes_the_sidecar_of_every_stored_fingerprint(registered):
    config, _ = registered
    path = sidecar_path(Path(config.register.index), stamp_of(config))
    assert np.array_equal(np.load(path), stored(config))
    assert [p.name for p in Path(config.register.index).parent.glob("*.hashes-*.npy")] == [path.name]


def test_lookups_with_and_without_the_sidecar_are_identical(registered):
    config, ids = registered
    matcher = Matcher(config.register)
    texts = corpus()
    with_sidecar = matches(matcher, texts, True)
    assert matcher._sidecar() is not None  # the sidecar was used, not the fallback
    assert with_sidecar == matches(matcher, texts, False)
    found = {m["id"] for ms in with_sidecar for m in ms}
    assert found == set(ids)  # the corpus does match both registered documents ...
    assert sum(1 for ms in with_sidecar if ms) > len(texts) // 2
    assert with_sidecar[2] == [] and with_sidecar[3] == []  # ... and not the ordinary texts
    # An ordinary text asks SQLite about nothing: none of its fingerprints is stored.
    matcher.use_sidecar = True
    from scanner.fingerprint.prints import text_prints

    ordinary = text_prints(normalize(ORDINARY).text, matcher.key, matcher.k, matcher.window, matcher.stop)
    assert len(ordinary.hashes) and matcher._maybe_stored(ordinary.hashes) == []
    matcher.index.close()


def add_second(config, write_sidecar: bool) -> None:
    index = FingerprintIndex(Path(config.register.index), writable=True)
    Registrar(index, FingerprintKey.load(Path(config.register.key_file))).add_text(
        SECOND + "补充说明：" + SECRET[::-1], title="复合材料阶段总结（二）", level="秘密")
    index.commit()
    if write_sidecar:
        index.close()
    else:  # as if the process stopped between its commit and writing the sidecar
        index.db.close()


def test_a_stale_sidecar_is_ignored(registered, tmp_path):
    config, _ = registered
    old = sidecar_path(Path(config.register.index), stamp_of(config))
    kept = tmp_path / "old.npy"
    shutil.copy(old, kept)
    new_text = ["另附：" + SECRET[::-1][20:140]]  # only the new registration holds this
    matcher = Matcher(config.register)
    assert matches(matcher, new_text, True) == [[]]
    # Registered without a sidecar written for it; the old one is back under its own name.
    add_second(config, write_sidecar=False)
    shutil.copy(kept, old)
    assert not sidecar_path(Path(config.register.index), stamp_of(config)).exists()
    for m in (matcher, Matcher(config.register)):  # one opened before the change, one after
        found = matches(m, new_text, True)
        assert m._sidecar() is None
        assert [x["title"] for x in found[0]] == ["复合材料阶段总结（二）"]
        assert found == matches(m, new_text, False)
        m.index.close()


def test_an_open_matcher_takes_the_new_sidecar_after_a_change(registered):
    config, _ = registered
    matcher = Matcher(config.register)
    before = matcher._sidecar()
    assert before is not None
    add_second(config, write_sidecar=True)
    found = matches(matcher, ["另附：" + SECRET[::-1][20:140]], True)
    assert [x["title"] for x in found[0]] == ["复合材料阶段总结（二）"]
    assert len(matcher._sidecar()) > len(before)
    assert np.array_equal(matcher._sidecar(), stored(config))
    matcher.index.close()
