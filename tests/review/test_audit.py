"""The audit chain: intact after real appends; `mijian audit verify` names the first broken link after tampering."""

from __future__ import annotations

import sqlite3

import pytest

from scanner.cli import main
from scanner.review.audit import verify_chain
from scanner.store.db import Store
from scanner.store.review import GENESIS, ReviewStore


@pytest.fixture
def chain(tmp_path):
    db = tmp_path / "m.db"
    review = ReviewStore(Store(db))
    for i in range(1, 6):
        review.append_audit("alice", "decision.keep_blocked", i, f"{i:064x}", {"reason": f"第{i}条理由"})
    review.store.close()
    return db


def verify(db, capsys) -> tuple[int, str]:
    code = main(["audit", "verify", "--db", str(db)])
    return code, capsys.readouterr().out.strip()


def test_an_untouched_chain_verifies(chain, capsys):
    code, out = verify(chain, capsys)
    assert code == 0
    assert out.startswith("审计链完整：共 5 条，末条哈希 ")
    entries = ReviewStore(Store(chain)).audit_entries()
    assert entries[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(entries, entries[1:]))


def test_an_edited_row_is_the_first_broken_link(chain, capsys):
    con = sqlite3.connect(chain)
    con.execute("""update audit set detail = '{"reason":"改过的理由"}' where seq = 3""")
    con.commit()
    con.close()
    code, out = verify(chain, capsys)
    assert code == 1
    assert out == "审计链在第 3 条（第 3 个位置）断开：内容与其哈希不符（条目被修改）"


def test_a_deleted_row_breaks_the_next_link(chain, capsys):
    con = sqlite3.connect(chain)
    con.execute("delete from audit where seq = 2")
    con.commit()
    con.close()
    code, out = verify(chain, capsys)
    assert code == 1
    assert out == "审计链在第 3 条（第 2 个位置）断开：前一条的哈希不符（之前的条目被删除、插入或调换）"


def test_reordered_rows_are_detected(chain, capsys):
    # Swap the contents of rows 2 and 4, each keeping its own hashes: the order of events changes.
    con = sqlite3.connect(chain)
    con.row_factory = sqlite3.Row
    rows = {r["seq"]: dict(r) for r in con.execute("select * from audit")}
    con.execute("delete from audit where seq in (2, 4)")
    for seq, source in ((2, 4), (4, 2)):
        row = dict(rows[source], seq=seq)
        con.execute(f"insert into audit ({', '.join(row)}) values ({', '.join('?' * len(row))})", list(row.values()))
    con.commit()
    con.close()
    code, out = verify(chain, capsys)
    assert code == 1
    assert out.startswith("审计链在第 2 条")


def test_a_reorder_with_rehashed_rows_still_breaks_the_links(chain):
    """Even a tamperer who recomputes each moved row's own hash cannot keep the links."""
    from scanner.store.review import entry_hash

    review = ReviewStore(Store(chain))
    entries = review.audit_entries()
    entries[1], entries[2] = dict(entries[2], seq=2), dict(entries[1], seq=3)
    for e in entries[1:3]:
        e["hash"] = entry_hash(e)
    broken = verify_chain(entries)
    assert (broken.seq, broken.problem) == (2, "link")
    assert "broken at entry 2" in broken.message("en")


def test_an_empty_log_verifies_in_english(tmp_path, capsys):
    code = main(["--lang", "en", "audit", "verify", "--db", str(tmp_path / "m.db")])
    assert code == 0
    assert capsys.readouterr().out.splitlines() == ["audit chain intact: 0 entries, head hash -",
                                                    "decisions: 0, each confirmed by the audit chain"]
