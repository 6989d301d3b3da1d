"""Reading files in worker processes that can be killed: a file that hangs a library or eats memory
is stopped and blocked, and the scan goes on.

The limits in `[scan]` are checked as an item is read (between members, OCR pages), but a library
stuck inside one call (a pathological PDF, a decoder in a loop) never returns to be checked. Here the
whole item is read in a child process with an address-space limit (`max_memory`); the parent waits
for at most `hard_seconds(max_seconds)` and then kills the child, records the item as blocked
(`scan.limit`) and starts a fresh child for the next file.

Children fork from a server that imported the extractors and detectors once (sandbox_server.py,
sandbox_child.py), so a restart costs the detection engine's build, not the imports; this module
itself imports neither, so neither does the parent. Each child keeps one detection engine per
configuration. `prepare` starts a child in the background and has it build its engine while the
parent is still busy (its imports, the database, the walk); `mijian scan` forks its first reader
before it has even parsed its line (sandbox_server.start_early). The child only reads and detects (`pipeline.scan_tree`); reusing
stored results and approvals stay with the parent's `scan.Scanner`, which is why this module never
imports `scan`.

Before slow OCR starts, a child sends the marks its text layer shows (("partial", marks)); a file
then stopped at the hard limit is blocked with the limit and with those marks, so a slow picture
never hides a mark on page 1.
"""

from __future__ import annotations

import signal
import threading
import time

from scanner import sandbox_server as server
from scanner.config import Config
from scanner.errors import ExtractionError, LimitExceededError
from scanner.model import ItemResult, Marking
from scanner.policy.decide import Problem
from scanner.results import unread_result
from scanner.sandbox_limits import hard_seconds, limit_memory  # noqa: F401  (imported from here elsewhere)

START_SECONDS = 120.0  # a child must be ready (engine built) within this


def _child(conn, readers: int = 1) -> None:
    """The reader's loop (sandbox_child.py), imported in the child: the fork server has it loaded already."""
    from scanner.sandbox_child import serve

    serve(conn, readers)


class Sandbox:
    """One child process that reads one file at a time for the parent, replaced when it must be killed."""

    def __init__(self, readers: int = 1):
        self.process = None
        self.conn = None
        self.lock = threading.Lock()
        self.readers = readers  # children of the same pool, which share the cores
        self._starting: threading.Thread | None = None

    def prepare(self, config: Config | None = None) -> None:
        """Start the child now, in a background thread, and have it build the engine for `config`, so
        the first file does not wait for either. A start that fails here is tried again by `read`,
        which fails the file closed if the child still cannot start."""
        if self._starting is not None or self.process is not None:
            return

        def start() -> None:
            with self.lock:
                if self.process is not None:
                    return
                try:
                    self._start()
                    if config is not None:
                        self.conn.send(("warm", config))
                except Exception:
                    self._kill()

        self._starting = threading.Thread(target=start, name="mijian-reader-start", daemon=True)
        self._starting.start()

    def _start(self) -> None:
        early = server.take_early() if self.readers == 1 else None  # forked when `scan` was named (cli.py)
        if early is not None:
            process, parent = early
        else:
            ctx = server.context()
            parent, child = ctx.Pipe()
            process = ctx.Process(target=_child, args=(child, self.readers), name="mijian-reader", daemon=True)
            process.start()
            child.close()
        if not parent.poll(START_SECONDS):
            process.kill()
            raise RuntimeError("读取进程未能启动 (reader process did not start)")
        parent.recv()
        self.process, self.conn = process, parent

    def _kill(self) -> None:
        if self.process is not None:
            try:
                self.process.kill()
                self.process.join(5)
            except (OSError, ValueError):
                pass
        if self.conn is not None:
            self.conn.close()
        self.process = self.conn = None

    def close(self) -> None:
        if self._starting is not None:
            self._starting.join()  # a child still starting is then stopped like any other
        if self.conn is not None:
            try:
                self.conn.send(("stop",))
                self.process.join(2)
            except (OSError, ValueError):
                pass
        self._kill()

    def read(self, config: Config, data: bytes, display: str, sha256: str) -> list[ItemResult]:
        """The item's results as `Scanner.scan_data` gives them; never raises for the file's sake."""
        with self.lock:
            try:
                if self.process is None or not self.process.is_alive():
                    self._kill()
                    self._start()
                self.conn.send(("scan", config, data, display, sha256))
            except Exception as exc:
                self._kill()
                return [_failed(config, display, sha256, len(data), "scan.unreadable",
                                f"读取进程失败 (reader process failed): {type(exc).__name__}: {exc}")]
            limit = hard_seconds(config.scan.max_seconds)
            deadline = time.monotonic() + limit
            marks: list[Marking] = []  # found in the text layer before OCR: kept whatever happens next

            def failed(code: str, detail: str) -> list[ItemResult]:
                return [_failed(config, display, sha256, len(data), code, detail, marks)]

            while True:
                if not self.conn.poll(max(0.0, deadline - time.monotonic())):
                    self._kill()
                    return failed("scan.limit",
                                  f"读取超过 {limit:g} 秒仍未完成，已终止 (reading still running after {limit:g} s: "
                                  f"stopped; scan.max_seconds = {config.scan.max_seconds:g})")
                try:
                    kind, payload = self.conn.recv()
                except (EOFError, OSError):
                    self.process.join(1)
                    code = self.process.exitcode
                    self._kill()
                    how = f"signal {-code}" if code is not None and code < 0 else f"exit {code}"
                    # Killed from outside (the kernel's OOM killer sends SIGKILL): a limit, not damage.
                    return failed("scan.limit" if code == -signal.SIGKILL else "scan.unreadable",
                                  f"读取进程意外退出（{how}，可能内存不足）(reader process died: {how}, "
                                  f"possibly out of memory; scan.max_memory = {config.scan.max_memory})")
                except Exception as exc:  # a message that cannot be unpickled: the file is still decided
                    self._kill()
                    return failed("scan.unreadable", f"读取进程的回复无法读取 (reader's reply unreadable): "
                                                     f"{type(exc).__name__}: {exc}")
                if kind != "partial":
                    break
                marks = _merged(marks, payload)
            if kind == "done":
                return payload
            if kind == "memory":
                # Memory is not handed back reliably after a MemoryError: start afresh for the next file.
                self._kill()
                return failed("scan.limit", f"读取所需内存超过上限 {config.scan.max_memory} 字节 "
                                            f"(reading needs more memory than scan.max_memory)")
            return failed("scan.unreadable", f"读取失败 (reading failed): {payload}")


    def texts(self, config: Config, data: bytes) -> list[dict]:
        """A file's extracted text and its members' (extract/texts.py), read in the child under the
        scan's limits; ExtractionError when the reading fails, runs out of memory or over time."""
        with self.lock:
            try:
                if self.process is None or not self.process.is_alive():
                    self._kill()
                    self._start()
                self.conn.send(("texts", config, data))
                limit = hard_seconds(config.scan.max_seconds)
                if not self.conn.poll(limit):
                    self._kill()
                    raise LimitExceededError(f"读取超过 {limit:g} 秒仍未完成，已终止 (reading still running after "
                                             f"{limit:g} s: stopped)")
                kind, payload = self.conn.recv()
            except (EOFError, OSError, RuntimeError) as exc:
                self._kill()
                raise ExtractionError(f"读取进程失败 (reader process failed): {type(exc).__name__}: {exc}") from exc
            if kind == "memory":
                self._kill()
                raise LimitExceededError("读取所需内存超过上限 scan.max_memory (reading needs more memory than scan.max_memory)")
        if kind != "done":
            raise ExtractionError(f"读取失败 (reading failed): {payload}")
        return payload


def _merged(marks: list[Marking], more) -> list[Marking]:
    """Marks told so far and the newly told ones, each once (a text layer is told again with OCR'd pages)."""
    seen = {(m.kind, m.text, m.location) for m in marks}
    out = list(marks)
    for mark in more if isinstance(more, list) else []:
        if isinstance(mark, Marking) and (mark.kind, mark.text, mark.location) not in seen:
            seen.add((mark.kind, mark.text, mark.location))
            out.append(mark)
    return out


def _failed(config: Config, display: str, sha256: str, size: int, code: str, detail: str,
            marks: list[Marking] = ()) -> ItemResult:
    return unread_result(config, path=display, sha256=sha256, size=size, problem=Problem(code, detail),
                         markings=marks)


class SandboxPool:
    """A few sandboxes shared by the threads of one scan (`--jobs N`)."""

    def __init__(self, size: int):
        import queue

        self.all = [Sandbox(max(1, size)) for _ in range(max(1, size))]
        self.free: "queue.Queue[Sandbox]" = queue.Queue()
        for box in self.all:
            self.free.put(box)

    def prepare(self, config: Config | None = None, count: int | None = None) -> None:
        """Start `count` children (all by default) in the background (Sandbox.prepare)."""
        for box in self.all[:count]:
            box.prepare(config)

    def read(self, config: Config, data: bytes, display: str, sha256: str) -> list[ItemResult]:
        box = self.free.get()
        try:
            return box.read(config, data, display, sha256)
        finally:
            self.free.put(box)

    def close(self) -> None:
        for box in self.all:
            box.close()
