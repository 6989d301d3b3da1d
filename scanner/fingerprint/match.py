"""From fingerprint hits to what a report says: passages of the item, characters, shares.

A copied passage keeps its fingerprints in order: each hit's registered position minus its
position in the item (its diagonal) stays the same, give or take the characters added or dropped
on the way. Hits are chained along one diagonal, so that two common phrases that happen to stand
near each other in an item, but far apart in the registered document, never add up to a passage.

A copy whose sentences or lines were shuffled loses its diagonals: a registered text wrapped by
hand (a line break every 30 characters) and cut at each line and sentence leaves pieces that hold
one fingerprint each. Such pieces still lie within one passage on both sides, the item's and the
registered document's, and are each a different fingerprint: `scattered` finds them.
"""

from __future__ import annotations

from collections import Counter, defaultdict

_PASSAGE_CHARS = 200  # of an item's own text shown per passage
DRIFT = 8  # characters a diagonal may drift inside one passage (insertions, deletions)
# A shuffled passage: at least SCATTER_PIECES pieces (chains), holding as many different fingerprints,
# within SCATTER_SPAN content characters of each other in the item and in the registered document.
# Chosen by measurement (benchmarks/README.md): ordinary documents reach 2 (a phrase a law repeats).
SCATTER_PIECES = 3
SCATTER_SPAN = 250


def chains(pairs: list[tuple[int, int]], gap: int) -> list[tuple[list[int], list[int]]]:
    """(item positions, registered positions) of hits grouped into passages: along one diagonal
    (within DRIFT), consecutive hits at most `gap` apart in the item."""
    open_chains: list[list] = []  # [diagonal, last item position, item positions, registered positions]
    done: list[tuple[list[int], list[int]]] = []
    for item_pos, doc_pos in sorted(pairs):
        diagonal = doc_pos - item_pos
        for chain in open_chains:
            if item_pos - chain[1] <= gap and abs(diagonal - chain[0]) <= DRIFT:
                chain[0], chain[1] = diagonal, item_pos
                if chain[2][-1] != item_pos:
                    chain[2].append(item_pos)
                    chain[3].append(doc_pos)
                break
        else:
            open_chains.append([diagonal, item_pos, [item_pos], [doc_pos]])
        done += [(c[2], c[3]) for c in open_chains if item_pos - c[1] > gap]
        open_chains = [c for c in open_chains if item_pos - c[1] <= gap]
    return done + [(c[2], c[3]) for c in open_chains]


def scattered(found: list[tuple[list[int], list[int]]], hashes: dict[tuple[int, int], int],
              span: int = SCATTER_SPAN, pieces: int = SCATTER_PIECES) -> bool:
    """Whether `pieces` of the chains `found`, holding `pieces` different fingerprints (`hashes`:
    (item position, registered position) -> fingerprint), lie within `span` characters of each other
    both in the item and in the registered document: the pieces of one shuffled passage. A phrase
    the item or the document repeats is one fingerprint, however many chains it makes."""
    if len(found) < pieces:
        return False
    units = sorted((min(item), max(item), min(doc), max(doc), frozenset(hashes[p] for p in zip(item, doc)))
                   for item, doc in found)
    if len(frozenset().union(*(u[4] for u in units))) < pieces:
        return False
    for i, first in enumerate(units):
        near = []
        for u in units[i:]:  # sorted by item start: stop at the first one out of reach
            if u[0] - first[0] >= span:
                break
            if u[1] - first[0] < span:
                near.append(u)
        near.sort(key=lambda u: u[2])
        if len(near) < pieces:
            continue
        for j, low in enumerate(near):
            group = [u for u in near[j:] if u[3] - low[2] < span]
            if len(group) >= pieces and len(Counter(h for u in group for h in u[4])) >= pieces:
                return True
    return False


def covered(runs: list[list[int]], k: int) -> int:
    """Characters inside the passages, [least hit, greatest hit + k) each, overlaps counted once."""
    total, reach = 0, -1
    for start, end in sorted((min(run), max(run) + k) for run in runs):
        start = max(start, reach)
        total += max(0, end - start)
        reach = max(reach, end)
    return total


def shared_chars(runs: list[tuple[list[int], list[int]]], k: int) -> int:
    """Characters in common: of the item's passages and of the registered document's, the fewer, so
    that a phrase an item repeats six times counts once."""
    return min(covered([r[0] for r in runs], k), covered([r[1] for r in runs], k))


def documents_hit(rows, max_doc_freq: int) -> dict[int, list[tuple[int, int]]]:
    """doc -> its (hash, registered position) rows, leaving out hashes shared by more than
    `max_doc_freq` registered documents (what many of them share is common text, not a secret)."""
    docs_of: dict[int, set[int]] = defaultdict(set)
    for h, doc, _pos in rows:
        docs_of[h].add(doc)
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for h, doc, pos in rows:
        if len(docs_of[h]) <= max_doc_freq:
            out[doc].append((h, pos))
    return out


def passage_record(ctx, offsets, start: int, end: int) -> dict:
    """A passage of the item (content positions [start, end)) where a person can find it."""
    o_start, o_end = ctx.norm.span_to_original(int(offsets[start]), int(offsets[end - 1]) + 1)
    text = ctx.document.text[o_start:o_end]
    if len(text) > _PASSAGE_CHARS:
        text = text[:_PASSAGE_CHARS] + "…"
    return {"text": text, "start": o_start, "end": o_end, "chars": end - start,
            "location": ctx.locate(o_start)}


def shifted(matches: list[dict], by: int) -> list[dict]:
    """Matches found in a window of a long text, their passages' offsets made the whole text's."""
    out = []
    for match in matches:
        key = "passages" if "passages" in match else "values"
        places = [dict(p, start=p["start"] + by, end=p["end"] + by) for p in match.get(key, [])]
        out.append(dict(match, **{key: places}))
    return out
