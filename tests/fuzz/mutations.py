"""Seeded damage for the fuzz target: bit flips, inserted and deleted bytes, truncation, duplicated chunks.

A mutant is named by its format and a seed number: `random.Random("docx/123")` chooses the same
operations on the same seed file every time, so a failing case is reproduced from its name alone
(MIJIAN_FUZZ_REPLAY=docx/123). Each operation also describes itself, for the failure message.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Op:
    """One change: `kind` is flip, insert, delete, truncate or duplicate."""

    kind: str
    at: int
    length: int = 0  # bytes deleted or duplicated
    bit: int = 0  # the bit flipped
    data: bytes = b""  # bytes inserted
    to: int = 0  # where a duplicated chunk goes

    def apply(self, out: bytearray) -> None:
        at = min(self.at, len(out))
        if self.kind == "flip" and at < len(out):
            out[at] ^= 1 << self.bit
        elif self.kind == "insert":
            out[at:at] = self.data
        elif self.kind == "delete":
            del out[at:at + self.length]
        elif self.kind == "truncate":
            del out[at:]
        elif self.kind == "duplicate":
            chunk = bytes(out[at:at + self.length])
            to = min(self.to, len(out))
            out[to:to] = chunk

    def describe(self) -> str:
        if self.kind == "flip":
            return f"flip bit {self.bit} at {self.at}"
        if self.kind == "insert":
            return f"insert {self.data.hex()} at {self.at}"
        if self.kind == "delete":
            return f"delete {self.length} at {self.at}"
        if self.kind == "truncate":
            return f"truncate at {self.at}"
        return f"duplicate {self.length} from {self.at} to {self.to}"


KINDS = ("flip", "flip", "insert", "delete", "duplicate", "truncate")


def plan(name: str, size: int) -> list[Op]:
    """The operations of mutant `name` ("format/seed") on a file of `size` bytes: one to three, a
    truncation only last (later offsets would then fall past the end)."""
    rng = random.Random(name)
    ops = []
    for step in range(rng.choice((1, 1, 1, 2, 2, 3))):
        kind = rng.choice(KINDS[:-1] if step == 0 and rng.random() < 0.5 else KINDS)
        at = rng.randrange(max(size, 1))
        if kind == "flip":
            ops.append(Op("flip", at, bit=rng.randrange(8)))
        elif kind == "insert":
            junk = rng.choice((bytes([rng.randrange(256)]) * rng.randint(1, 8), rng.randbytes(rng.randint(1, 16))))
            ops.append(Op("insert", at, data=junk))
        elif kind == "delete":
            ops.append(Op("delete", at, length=rng.choice((1, 1, 2, 4, rng.randint(1, 64)))))
        elif kind == "duplicate":
            ops.append(Op("duplicate", at, length=rng.randint(1, 256), to=rng.randrange(max(size, 1))))
        else:
            ops.append(Op("truncate", at))
            break
    return ops


def apply(data: bytes, ops: list[Op]) -> bytes:
    out = bytearray(data)
    for op in ops:
        op.apply(out)
    return bytes(out)


def describe(ops: list[Op]) -> str:
    return "; ".join(op.describe() for op in ops)
