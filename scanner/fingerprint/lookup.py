"""Scan-time matching against the index: registered documents and data sets an item shares text with."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from scanner.errors import ConfigError
from scanner.fingerprint.index import FingerprintIndex
from scanner.fingerprint.keyed import FingerprintKey
from scanner.fingerprint.match import chains, documents_hit, passage_record, scattered, shared_chars
from scanner.fingerprint.prints import text_prints
from scanner.fingerprint.sidecar import load_sidecar, stored_among
from scanner.fingerprint.stoplist import load_stoplist
from scanner.fingerprint.winnow import gram_hashes

MAX_DATA_LENGTHS = 32  # distinct value lengths looked for
SIDECAR_RETRY_S = 1.0  # how often a missing sidecar of the current stamp is looked for again


def open_index_and_key(settings, writable: bool = False) -> tuple[FingerprintIndex, FingerprintKey]:
    """The configured index and its key, checked to belong together."""
    if not settings.index or not settings.key_file:
        raise ConfigError("未配置指纹库：需要配置项 register.index 和 register.key_file "
                          "(no fingerprint index: set register.index and register.key_file)")
    path = Path(settings.index)
    if not writable and not path.is_file():
        raise ConfigError(f"指纹库文件不存在：{path}（请先 mijian register import）"
                          f" (fingerprint index not found: {path}; run mijian register import first)")
    key = FingerprintKey.load(Path(settings.key_file))
    index = FingerprintIndex(path, writable=writable)
    stored = index.meta("key_id")
    if stored is not None and stored != key.key_id:
        index.close()
        raise ConfigError(f"指纹密钥与指纹库不匹配：{settings.key_file} 不是 {path} 所用的密钥 "
                          f"(the fingerprint key {settings.key_file} is not the one index {path} was made with)")
    return index, key


class Matcher:
    """The index, key and parameters of one gateway, opened on first use."""

    def __init__(self, settings):
        self.settings = settings
        self.index, self.key = open_index_and_key(settings)
        self.k = int(self.index.meta("k") or settings.k)
        self.window = int(self.index.meta("window") or settings.window)
        self.stop = load_stoplist(self.k)
        self.docs = {d.id: d for d in self.index.documents()}
        self.sets = {s.id: s for s in self.index.datasets()}
        self.data_hashes = self.index.all_data_hashes() if self.sets else np.zeros(0, dtype=np.int64)
        self.lengths = sorted({n for s in self.sets.values() for n in s.lengths})[:MAX_DATA_LENGTHS]
        self.use_sidecar = True
        self._sidecar_state: tuple = (None, None, 0.0)  # (stamp, sorted hashes or None, when looked for)

    def match(self, ctx) -> list[dict]:
        prints = text_prints(ctx.norm.text, self.key, self.k, self.window, self.stop)
        found = self._documents(ctx, prints) if self.docs and len(prints.hashes) else []
        if self.lengths:
            found += self._data(ctx, prints.content)
        return found

    def _documents(self, ctx, prints) -> list[dict]:
        s = self.settings
        rows = self.index.lookup(self._maybe_stored(prints.hashes))
        if not rows:
            return []
        at: dict[int, list[int]] = defaultdict(list)  # hash -> its positions in the item
        for h, p in zip(prints.hashes.tolist(), prints.starts.tolist()):
            at[h].append(p)
        out = []
        total = max(1, len(prints.content))
        gap = self.window + 2 * self.k  # one changed character breaks k k-grams, no more
        for doc_id, shared in documents_hit(rows, s.max_doc_freq).items():
            hashes = {(p, doc_pos): h for h, doc_pos in shared for p in at[h]}
            found = chains(list(hashes), gap)
            if not any(len(c[0]) >= s.min_prints for c in found) and not scattered(found, hashes):
                continue
            # Once one passage is certain (two fingerprints in a row, or the pieces of a shuffled
            # one), shorter ones of the same document count too: a copy whose paragraphs were
            # reordered leaves pieces too short for two fingerprints each.
            runs = found
            chars = shared_chars(runs, self.k)
            if chars < s.min_chars:
                continue
            doc = self._document(doc_id)
            if doc is None:
                continue
            runs = sorted(c[0] for c in runs)
            out.append({
                "kind": "document", "id": doc.id, "title": doc.title, "level": doc.level, "owner": doc.owner,
                "chars": chars, "item_share": round(min(1.0, chars / total), 4),
                "document_share": round(min(1.0, chars / max(1, doc.chars)), 4),
                "passages": [dict(passage_record(ctx, prints.content.offsets, c[0], c[-1] + self.k), prints=len(c))
                             for c in runs[:s.max_passages]],
            })
        out.sort(key=lambda m: (-m["chars"], m["id"]))
        return out

    def _sidecar(self):
        """The sorted stored hashes of the index as it is now, or None (then SQLite is asked alone).
        The index's stamp is read for every item: a change (register add/remove/import) renews it,
        and a sidecar is trusted only under the stamp it was written for (sidecar.py)."""
        with self.index.lock:
            stamp = self.index.meta("stamp")
        known, hashes, tried = self._sidecar_state
        if stamp != known or (hashes is None and time.monotonic() - tried > SIDECAR_RETRY_S):
            hashes = load_sidecar(self.index.path, stamp)
            self._sidecar_state = (stamp, hashes, time.monotonic())
        return hashes

    def _maybe_stored(self, hashes: np.ndarray) -> list[int]:
        """The item's distinct fingerprints SQLite must be asked about: with a sidecar, only those
        stored; without, all of them."""
        sidecar = self._sidecar() if self.use_sidecar else None
        if sidecar is None:
            return list(set(hashes.tolist()))
        return list(set(stored_among(sidecar, hashes).tolist()))

    def _document(self, doc_id: int):
        doc = self.docs.get(doc_id)
        if doc is None:  # registered after this gateway opened the index
            self.docs = {d.id: d for d in self.index.documents()}
            doc = self.docs.get(doc_id)
        return doc

    def _data(self, ctx, content) -> list[dict]:
        hits: list[tuple[int, int, int]] = []  # (hash, content position, length)
        for length in self.lengths:
            h1, h2 = gram_hashes(content.codes, length)
            if len(h1) == 0:
                continue
            keyed = self.key.grams(h1, h2, b"values")
            at = np.searchsorted(self.data_hashes, keyed).clip(0, len(self.data_hashes) - 1)
            for pos in np.flatnonzero(self.data_hashes[at] == keyed):
                hits.append((int(keyed[pos]), int(pos), length))
        if not hits:
            return []
        where = defaultdict(list)
        for h, pos, length in hits:
            where[h].append((pos, length))
        per_set: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)  # set -> (pos, len, row, col)
        for h, set_id, row, col in self.index.data_lookup(list(where)):
            for pos, length in where[h]:
                per_set[set_id].append((pos, length, row, col))
        out = []
        for set_id, found in per_set.items():
            record = self._data_record(ctx, content, self.sets.get(set_id), found)
            if record is not None:
                out.append(record)
        return out

    def _data_record(self, ctx, content, dataset, found) -> dict | None:
        if dataset is None:
            return None
        near = self.settings.data_near_chars
        kept: dict[tuple[int, int, int, int], bool] = {}  # (pos, length, row, col) -> found as a pair
        for pos, length, row, col in found:
            if dataset.columns[col] in dataset.alone:
                kept[(pos, length, row, col)] = False
        by_row = defaultdict(list)
        for item in found:
            by_row[item[2]].append(item)
        paired = False
        for items in by_row.values():
            for a in items:
                for b in items:
                    if a[3] < b[3] and abs(a[0] - b[0]) <= near:
                        kept[a] = kept[b] = paired = True
        if not kept:
            return None
        values = []
        for (pos, length, row, col), pair in sorted(kept.items()):
            record = passage_record(ctx, content.offsets, pos, pos + length)
            record.update(column=dataset.columns[col], row=row + 1, pair=pair)
            values.append(record)
        return {"kind": "data", "id": dataset.id, "title": dataset.title, "level": dataset.level,
                "owner": dataset.owner, "pair": paired, "values": values[:self.settings.max_passages]}
