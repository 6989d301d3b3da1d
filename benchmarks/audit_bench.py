"""Audit-chain checks at scale: `audit verify` (chain and decisions) and one item's decision history.

    python benchmarks/audit_bench.py [--decisions 20000]

A database with N decisions (each with its audit entry) is made in a temporary folder. The whole
check reads and rehashes every entry; an item's history (review show, the console's item page)
checks the chain's tail from that item's earliest decision to the head, so a recent item costs
little and the oldest costs about as much as the whole check.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.review.audit import confirmed_history, record_problems  # noqa: E402
from scanner.store.db import Store  # noqa: E402
from scanner.store.review import ReviewStore  # noqa: E402


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mijian-audit-bench-") as tmp:
        review = ReviewStore(Store(Path(tmp) / "bench.db"))
        with review.transaction():
            for i in range(args.decisions):
                review.record_decision({
                    "item_id": i + 1, "item_sha256": f"{i:064x}", "action": "keep_blocked", "reason": "含国家秘密标志，不得外发",
                    "officer": "alice", "at": "2026-01-01T00:00:00+00:00", "job_id": None, "moved_from": None,
                    "moved_to": None}, {"reason": "含国家秘密标志，不得外发"})
        whole, (_, broken, problems) = timed(lambda: record_problems(review))
        assert broken is None and not problems
        for label, item in (("newest", args.decisions), ("middle", args.decisions // 2), ("oldest", 1)):
            seconds, history = timed(lambda: confirmed_history(review, review.decisions(item_id=item)))
            assert history and all(d["verified"] for d in history)
            print(f"item history, {label} item: {seconds * 1000:.1f} ms")
        print(f"audit verify (chain + decisions), {args.decisions} decisions: {whole:.2f} s")
        review.store.close()


if __name__ == "__main__":
    main()
