"""Run the real `mijian watch` daemon in a subprocess over a temporary spool, and read where files ended.

Every config here sets `[detect] model = ""`: the classifier's load time would otherwise
dominate these tests (each daemon start builds one Scanner per inbox in every worker).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

SIDE = (".verdict.json", ".meta.json", ".approval.json")
CLEAN = "会议纪要：今天讨论了食堂菜单和春季运动会的安排，编号 {i}。\nhello world {i}\n"
MARKED = "机密★10年\n关于第 {i} 号事项的通知\n"


def write_config(root: Path, *, extra: str = "", watch_extra: str = "", inbox_extra: str = "",
                 inboxes: tuple[str, ...] = ("out",)) -> Path:
    lines = ['[detect]', 'model = ""', extra, '[watch]', f'spool = "{(root / "spool").as_posix()}"',
             f'db = "{(root / "mijian.db").as_posix()}"', 'workers = 2', 'queue_size = 64',
             'stability_seconds = 1.0', 'settle_seconds = 0.1', 'poll_interval = 0.2', watch_extra]
    for name in inboxes:
        (root / "inbox" / name).mkdir(parents=True, exist_ok=True)
        lines += ['[[watch.inbox]]', f'name = "{name}"', f'path = "{(root / "inbox" / name).as_posix()}"',
                  inbox_extra]
    path = root / "watch.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start(config: Path, *args: str, log: Path | None = None) -> subprocess.Popen:
    err = open(log, "ab") if log else subprocess.DEVNULL
    return subprocess.Popen([sys.executable, "-m", "scanner", "watch", "--config", str(config), *args],
                            stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, "MIJIAN_LANG": "zh"})


def stop(proc: subprocess.Popen, timeout: float = 30) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout)


def outcomes(root: Path, inbox: str = "out") -> dict[str, list[str]]:
    """Decided file name -> the places it stands ("released" / "quarantine")."""
    found: dict[str, list[str]] = {}
    for place in ("released", "quarantine"):
        folder = root / "spool" / place / inbox
        if folder.is_dir():
            for p in folder.iterdir():
                if not p.name.endswith(SIDE) and not p.name.startswith("."):
                    found.setdefault(p.name, []).append(place)
    return found


def wait_for(root: Path, count: int, timeout: float = 90, inbox: str = "out", proc=None) -> dict[str, list[str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = outcomes(root, inbox)
        if sum(len(v) for v in got.values()) >= count:
            return got
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"daemon exited with {proc.returncode}")
        time.sleep(0.1)
    raise AssertionError(f"only {sum(len(v) for v in outcomes(root, inbox).values())} of {count} files decided")


def journal(root: Path) -> list[dict]:
    con = sqlite3.connect(root / "mijian.db")
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("select * from spool_jobs order by id")]
    finally:
        con.close()


def items(root: Path) -> dict[int, dict]:
    con = sqlite3.connect(root / "mijian.db")
    con.row_factory = sqlite3.Row
    try:
        return {r["id"]: dict(r) for r in con.execute("select id, path, member, verdict, sha256 from items")}
    finally:
        con.close()


def leftovers(root: Path) -> list[Path]:
    """Files still in processing/ (there should be none once everything is decided)."""
    return [p for p in (root / "spool" / "processing").rglob("*") if p.is_file()]


def tree_outcomes(root: Path, inbox: str = "out") -> dict[str, list[str]]:
    """Like `outcomes`, through sub-folders: decided path relative to the outbox (`/` separated) -> places."""
    found: dict[str, list[str]] = {}
    for place in ("released", "quarantine"):
        folder = root / "spool" / place / inbox
        if folder.is_dir():
            for p in folder.rglob("*"):
                if p.is_file() and not p.name.endswith(SIDE) and not p.name.startswith("."):
                    found.setdefault(p.relative_to(folder).as_posix(), []).append(place)
    return found


def wait_for_tree(root: Path, count: int, timeout: float = 90, inbox: str = "out", proc=None) -> dict[str, list[str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = tree_outcomes(root, inbox)
        if sum(len(v) for v in got.values()) >= count:
            return got
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"daemon exited with {proc.returncode}")
        time.sleep(0.1)
    raise AssertionError(f"only {sum(len(v) for v in tree_outcomes(root, inbox).values())} of {count} files decided")


def until(predicate, timeout: float = 60) -> None:
    """Wait until `predicate()` holds, polling; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def decided_lines(log: Path) -> int:
    return log.read_text(encoding="utf-8").count('"file.decided"') if log.exists() else 0


def start_and_kill(config: Path, log: Path, rng, spread: float) -> None:
    """Start the daemon, wait until it decides a file, then SIGKILL it somewhere in the next `spread`
    seconds: in the middle of taking, deciding, recording or moving."""
    before = decided_lines(log)
    proc = start(config, log=log)
    deadline = time.monotonic() + 30
    while decided_lines(log) == before and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, spread))
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)

