"""The limits of a reader process: its address space, and how long its parent waits for it."""

from __future__ import annotations

import logging
import resource

log = logging.getLogger("mijian.sandbox")


def hard_seconds(max_seconds: float) -> float:
    """When the parent stops waiting: the soft limit plus a margin for the soft check to fire first."""
    return max_seconds + max(2.0, 0.25 * max_seconds)


def limit_memory(max_bytes: int) -> None:
    """Cap this process's address space (a MemoryError instead of exhausting the gateway)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    value = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
    if soft == value:  # already set (the reader's previous file): no system call per file
        return
    try:
        resource.setrlimit(resource.RLIMIT_AS, (value, hard))
    except (ValueError, OSError) as exc:  # refused by the system: reading goes on, without the cap
        log.warning("cannot limit memory: %s", exc)
