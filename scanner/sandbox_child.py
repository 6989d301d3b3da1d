"""The reader process's side of sandbox.py: read and detect each item the parent sends, reply with results.

A fork server imports this module once (with the extractors and the detection engine), and every
reader forks from it; the parent imports only sandbox.py, so it loads no detector itself.
"""

from __future__ import annotations

import os
import signal

from scanner.config import Config
from scanner.detect.engine import DetectionEngine
from scanner.pipeline import reporting_marks, scan_tree
from scanner.sandbox_limits import limit_memory

_ENGINES_KEPT = 8


def serve(conn, readers: int = 1) -> None:
    """The child's loop: (config, data, display, sha256) in; ("partial", marks) any number of times,
    then ("done", results) or ("error", text) out. ("warm", config) builds that config's engine ahead
    of the first file, with no reply. `readers`: how many children share the cores (OCR)."""
    from scanner.extract import ocr

    # The parent decides when a child stops; Ctrl-C in a terminal must not kill it mid-file.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def send_marks(marks) -> None:
        try:
            conn.send(("partial", list(marks)))
        except (OSError, ValueError):  # the parent has gone: the read ends when it next sends
            pass

    engines = _Engines()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg[0] == "stop":
            return
        if msg[0] == "texts":  # the review viewer's re-reading: text and locations, no detection
            _send_texts(conn, msg[1], msg[2])
            continue
        if msg[0] == "warm":
            try:
                limit_memory(msg[1].scan.max_memory)
                engines.get(msg[1])
            except Exception:  # the file that follows builds it again, and fails closed if it must
                pass
            continue
        _, config, data, display, sha256 = msg
        try:
            limit_memory(config.scan.max_memory)  # the engine, too, is built under the limit
            ocr.set_threads(config.scan.ocr_threads or ocr.auto_threads(readers))
            engine = engines.get(config)
            with reporting_marks(send_marks):
                reply = ("done", scan_tree(data, path=display, config=config, engine=engine, sha256=sha256))
        except MemoryError:
            reply = ("memory", "")
        except Exception as exc:  # reported; the parent fails the file closed
            reply = ("error", f"{type(exc).__name__}: {exc}")
        del data
        try:
            conn.send(reply)
        except OSError:
            return
        except MemoryError:  # the results themselves could not be pickled within the limit
            conn.send(("memory", ""))


class _Engines:
    """One detection engine per configuration a file came with (at most _ENGINES_KEPT)."""

    def __init__(self):
        self.keys = _EngineKeys()
        self.built: dict[str, DetectionEngine] = {}

    def get(self, config: Config) -> DetectionEngine:
        key = self.keys.key(config)
        engine = self.built.get(key)
        if engine is None:
            if len(self.built) >= _ENGINES_KEPT:
                self.built.clear()
            engine = self.built[key] = DetectionEngine(config)
        return engine


class _EngineKeys:
    """The engine key (settings fingerprint and source) of the config each file comes with. Every message
    brings its own unpickled copy of the scan's config, so the key of the last one is kept and reused
    when the next is equal: comparing takes about 10 us, the fingerprint (JSON and SHA-256) 0.6-1.5 ms."""

    def __init__(self):
        self.last: tuple[Config, str] | None = None

    def key(self, config: Config) -> str:
        if self.last is None or self.last[0] != config:
            self.last = (config, config.fingerprint() + "\0" + str(config.source))
        return self.last[1]


def _send_texts(conn, config: Config, data: bytes) -> None:
    from scanner.extract.texts import read_texts

    try:
        limit_memory(config.scan.max_memory)
        reply = ("done", read_texts(data, config))
    except MemoryError:
        reply = ("memory", "")
    except Exception as exc:
        reply = ("error", f"{type(exc).__name__}: {exc}")
    try:
        conn.send(reply)
    except (OSError, MemoryError):
        pass
