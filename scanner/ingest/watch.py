"""The gateway daemon behind `mijian watch`: take complete files from inboxes, decide each, move it on.

One main process owns the spool and the database; worker processes only decide. The main
process records every verdict (Store item + journal row, one transaction) before the file is
moved, so a crash at any moment leaves the journal and the folders able to finish the job.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import stat
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from multiprocessing.connection import wait
from pathlib import Path

from scanner import __version__, names
from scanner.config import Config, load_config
from scanner.errors import MijianError, StoreError
from scanner.ingest import sidecars
from scanner.ingest.entries import sha256_of, special_reason
from scanner.ingest.fatal import SpoolLocked
from scanner.ingest.metrics import Metrics, serve_metrics
from scanner.ingest.notify import Notifier
from scanner.ingest.spool import Spool, name_parts, open_dir_nofollow, write_json_atomic
from scanner.ingest.watch_config import (META_SUFFIX, SIDECAR_SUFFIXES, InboxSettings, WatchSettings, inbox_config,
                                         parse_watch)
from scanner.ingest.walk import Entry
from scanner.model import ItemResult
from scanner.store.approvals import ApprovalStore
from scanner.store.db import Store, utcnow
from scanner.store.journal import DECIDED, QUARANTINED, RELEASED, STUCK, VANISHED, Job, Journal

log = logging.getLogger("mijian.watch")
MAX_DEPTH = 16  # sub-folder levels below an inbox decided as usual; a file deeper is quarantined (scan.limit)
# Files taken ahead per worker. Taking a file costs the main process several fsyncs; taken in small
# batches between collecting results, that I/O overlaps the workers' detection instead of idling them.
CLAIM_AHEAD = 4


# ---- worker processes ---------------------------------------------------------------------------

class ScannerFactory:
    """One Scanner per inbox, built once per process; per-recipient copies share its detection engine."""

    def __init__(self, config: Config, settings: WatchSettings, store: Store | None):
        from scanner.scan import Scanner

        self.config, self.settings, self.store = config, settings, store
        self.inboxes = {box.name: box for box in settings.inboxes}
        # The worker is itself the killable process (decision_timeout): no reader process inside it.
        self.base = {box.name: Scanner(inbox_config(config, box), store, isolate=False)
                     for box in settings.inboxes}
        for scanner in self.base.values():
            scanner.engine  # built here, so that per-recipient copies share it
        self.variants: dict[tuple[str, str], object] = {}

    def get(self, inbox: str, recipient: str):
        from scanner.scan import make_book, ruleset_fingerprint

        base = self.base[inbox]
        if recipient == base.config.approvals.recipient:
            return base
        key = (inbox, recipient)
        if key not in self.variants:
            if len(self.variants) > 256:
                self.variants.clear()
            variant = object.__new__(type(base))
            variant.__dict__.update(base.__dict__)
            variant.config = inbox_config(self.config, self.inboxes[inbox], recipient)
            variant.fingerprint = ruleset_fingerprint(variant.config)
            variant.book = make_book(variant.config, self.store)
            self.variants[key] = variant
        return self.variants[key]


def _worker_main(conn, config: Config, settings: WatchSettings, db_path: str) -> None:
    # The main process decides when workers stop (after their file), and a killed main closes the pipe.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    try:
        _serve(conn, config, settings, db_path)
    except BaseException as exc:  # told to the main process (which logs it as JSON), never a raw traceback
        try:
            conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        except Exception:
            pass


def _serve(conn, config: Config, settings: WatchSettings, db_path: str) -> None:
    try:
        from scanner.sandbox import limit_memory

        limit_memory(config.scan.max_memory)
        store = Store(db_path)
        factory = ScannerFactory(config, settings, store)
    except Exception as exc:  # told to the main process, which logs it (as JSON) and starts another worker
        conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready",))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg[0] == "stop":
            return
        if msg[0] == "reload":
            factory = ScannerFactory(msg[1], msg[2], store)
            continue
        _, job_id, inbox, path, display, recipient = msg
        try:
            scanner = factory.get(inbox, recipient)
            p = Path(path)
            problem = "符号链接未跟随 (symbolic link not followed)" if p.is_symlink() else special_reason(p)
            tree = scanner.scan_entry_tree(Entry(p, names.readable(display), problem))
            for result in tree:
                result.path_raw = names.raw(display)  # the name in its inbox, not in processing/
            reply = ("done", job_id, tree, scanner.fingerprint)
        except Exception as exc:  # reported to the main process, which fails the file closed
            reply = ("error", job_id, f"{type(exc).__name__}: {exc}", "")
        try:
            conn.send(reply)
        except OSError:
            return


@dataclass
class Worker:
    process: object
    conn: object
    job: "Pending | None" = None
    started: float = 0.0
    ready: bool = False  # scanners built: only then is a file handed over (and counted as an attempt)


class WorkerPool:
    """Worker processes fed one file at a time; a worker that hangs past the timeout is killed."""

    def __init__(self, size: int, config: Config, settings: WatchSettings, db_path: str):
        # Workers fork from a server that imported the scanner once, so a worker (re)starts in
        # milliseconds, and the main process never forks itself (it runs threads).
        self.ctx = get_context("forkserver")
        self.ctx.set_forkserver_preload(["scanner.scan"])
        self.config, self.settings, self.db_path = config, settings, db_path
        self.workers = [self._spawn() for _ in range(size)]
        self.last_spawn = time.monotonic()

    def _spawn(self) -> Worker:
        parent, child = self.ctx.Pipe()
        process = self.ctx.Process(target=_worker_main, args=(child, self.config, self.settings, self.db_path),
                                   name="mijian-watch-worker", daemon=True)
        process.start()
        child.close()
        return Worker(process, parent)

    def replace(self, worker: Worker) -> None:
        try:
            worker.process.kill()
            worker.process.join(5)
        except (OSError, ValueError):
            pass
        worker.conn.close()
        self.workers[self.workers.index(worker)] = self._spawn()

    def idle(self) -> list[Worker]:
        return [w for w in self.workers if w.job is None and w.ready and w.process.is_alive()]

    def busy(self) -> list[Worker]:
        return [w for w in self.workers if w.job is not None]

    def reload(self, config: Config, settings: WatchSettings) -> None:
        self.config, self.settings = config, settings
        for worker in self.workers:
            try:
                worker.conn.send(("reload", config, settings))
            except OSError:
                pass  # a dead worker is replaced (with the new config) when it is noticed

    def stop(self, timeout: float = 5.0) -> None:
        for worker in self.workers:
            try:
                worker.conn.send(("stop",))
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(1)


# ---- inboxes: which files are complete --------------------------------------------------------

class InboxWatch:
    """Files in one inbox (and its sub-folders) and how long each has stood unchanged; close-after-write
    events shorten the wait. A file's name is its path relative to the inbox, `/` separated."""

    def __init__(self, box: InboxSettings, settings: WatchSettings):
        self.box, self.settings = box, settings
        self.seen: dict[str, tuple[tuple, float]] = {}
        self.closed: dict[str, float] = {}  # name -> wall time of the last close-after-write event
        self.folders: dict[str, tuple[tuple, float]] = {}  # sub-folder -> (signature, unchanged since)
        self.emptied: set[str] = set()  # sub-folders a file was taken from: removed once empty and unchanged
        self.reported: set[str] = set()  # sub-folders already logged as unreadable / not entered
        self.lock = threading.Lock()

    def on_closed(self, name: str) -> None:
        with self.lock:
            self.closed[name] = time.time()

    def _problem(self, folder: str, event: str, zh: str, en: str, error: str = "") -> None:
        if folder not in self.reported:  # once, not at every listing
            self.reported.add(folder)
            log.error(zh, extra={"event": event, "en": en, "inbox": self.box.name, "folder": folder, "error": error})

    def _walk(self):
        """Every file and sub-folder under the inbox, without following symbolic links; None if the inbox
        itself cannot be listed.

        Returns (files, sidecars, folders): name -> stat, and sub-folder -> (signature, has content,
        sub-folders). Ignore patterns apply to every component; an ignored or unreadable entry is
        content, so its folder is never removed.
        """
        files: dict[str, os.stat_result] = {}
        side: dict[str, os.stat_result] = {}
        folders: dict[str, tuple[tuple, bool, list[str]]] = {}
        root = self.box.path
        try:
            root_st = os.stat(root)
        except OSError as exc:
            log.error("无法列出收件目录", extra={"event": "inbox.unreadable", "en": "cannot list inbox",
                                          "inbox": self.box.name, "error": str(exc)})
            return None
        visited = {(root_st.st_dev, root_st.st_ino)}
        stack: list[tuple[str, os.stat_result]] = [("", root_st)]
        while stack:
            rel, folder_st = stack.pop()
            content, children = False, []
            try:
                fd = open_dir_nofollow(root, rel.split("/") if rel else ())
                try:
                    with os.scandir(fd) as it:
                        # Stat through the open folder: a component swapped for a link meanwhile is not followed.
                        entries = [(entry.name, _lstat(entry)) for entry in it]
                finally:
                    os.close(fd)
            except OSError as exc:
                if not rel:
                    log.error("无法列出收件目录", extra={"event": "inbox.unreadable", "en": "cannot list inbox",
                                                  "inbox": self.box.name, "error": str(exc)})
                    return None
                self._problem(rel, "inbox.unreadable", "无法列出收件子目录", "cannot list an inbox sub-folder", str(exc))
                folders[rel] = ((folder_st.st_mtime_ns, folder_st.st_ino, folder_st.st_ctime_ns), True, [])
                continue
            self.reported.discard(rel)
            for name, st in entries:
                path = f"{rel}/{name}" if rel else name
                if self.settings.ignored(name) or st is None:
                    content = True
                    continue
                content = content or not stat.S_ISDIR(st.st_mode)
                if stat.S_ISDIR(st.st_mode):
                    if st.st_dev != root_st.st_dev or (st.st_dev, st.st_ino) in visited:
                        # Another filesystem (moves would not be atomic) or a folder seen twice (a bind mount).
                        self._problem(path, "inbox.folder_skipped", "收件子目录在另一文件系统上或重复出现，未进入",
                                      "inbox sub-folder on another filesystem or seen twice: not entered")
                        content = True
                        continue
                    visited.add((st.st_dev, st.st_ino))
                    children.append(path)
                    stack.append((path, st))
                    continue
                # A symbolic link (to a file or a folder) is taken as itself and fails closed in the worker.
                (side if name.endswith(SIDECAR_SUFFIXES) else files)[path] = st
            folders[rel] = ((folder_st.st_mtime_ns, folder_st.st_ino, folder_st.st_ctime_ns), content, children)
        return files, side, folders

    def scan(self) -> list[tuple[str, list[str], float]]:
        """Complete files: (name, sidecar names, monotonic time they became complete), oldest first."""
        walked = self._walk()
        if walked is None:
            return []
        files, found, folders = walked
        # A sidecar named after a file (in the same folder) is not a file of its own, and it must be complete too.
        own = sidecars.pair(files, found)
        now = time.monotonic()
        ready = []
        with self.lock:
            closed = dict(self.closed)
        seen = {}
        for name, st in files.items():
            sig = (st.st_size, st.st_mtime_ns, st.st_ino) + tuple(
                (s, found[s].st_size, found[s].st_mtime_ns) for s in sorted(own.get(name, [])))
            prev = self.seen.get(name)
            since = prev[1] if prev and prev[0] == sig else now
            seen[name] = (sig, since)
            closed_after_write = closed.get(name, 0.0) * 1e9 >= st.st_mtime_ns - 1e6
            wait_for = self.settings.settle_seconds if closed_after_write else self.settings.stability_seconds
            if name.endswith(SIDECAR_SUFFIXES):
                # A lone sidecar waits long for its file (written first, as it should be) before it is
                # decided as a file of its own.
                wait_for = self.settings.stability_seconds * 5
            if now - since >= wait_for:
                ready.append((name, sorted(own.get(name, [])), since))
        self.seen = seen
        with self.lock:
            for name in list(self.closed):
                if name not in seen:
                    del self.closed[name]
        self._remove_emptied(folders, now)
        ready.sort(key=lambda r: r[2])
        return ready

    def _remove_emptied(self, folders: dict[str, tuple[tuple, bool, list[str]]], now: float) -> None:
        """Remove the sub-folders files were taken from, once empty (or holding only such folders) and
        unchanged for the stability time: a person may still be copying into them. Deepest first, by
        rmdir (which never removes a folder with anything in it), never through a symbolic link."""
        states = {}
        for rel, (sig, _, _) in folders.items():
            if rel:
                prev = self.folders.get(rel)
                states[rel] = (sig, prev[1] if prev and prev[0] == sig else now)
        self.folders = states
        self.emptied &= set(states)
        removable: dict[str, bool] = {}
        order = sorted(states, key=lambda r: r.count("/"), reverse=True)
        for rel in order:
            _, content, children = folders[rel]
            removable[rel] = (rel in self.emptied and not content and all(removable.get(c) for c in children)
                              and now - states[rel][1] >= self.settings.stability_seconds)
        for rel in order:
            if not removable[rel]:
                continue
            parts = rel.split("/")
            try:
                fd = open_dir_nofollow(self.box.path, parts[:-1])
            except OSError:
                continue
            try:
                os.rmdir(parts[-1], dir_fd=fd)
            except OSError:
                continue  # something arrived meanwhile: it is a folder with content again
            finally:
                os.close(fd)
            self.emptied.discard(rel)
            self.folders.pop(rel, None)
            log.debug("已删除空的收件子目录", extra={"event": "inbox.folder_removed", "en": "empty inbox sub-folder removed",
                                             "inbox": self.box.name, "folder": rel})

    def taken(self, name: str) -> None:
        self.seen.pop(name, None)
        with self.lock:
            self.closed.pop(name, None)
        parts = name.split("/")
        for depth in range(1, len(parts)):
            self.emptied.add("/".join(parts[:depth]))


def _lstat(entry: os.DirEntry) -> os.stat_result | None:
    try:
        return entry.stat(follow_symlinks=False)
    except OSError:
        return None


def _start_observer(watches: list[InboxWatch], wake) -> object | None:
    """inotify (or the platform's) events through watchdog: they wake the loop and mark closed files."""
    try:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
    except ImportError:
        return None

    class Handler(FileSystemEventHandler):
        def __init__(self, watch: InboxWatch):
            self.watch = watch

        def on_any_event(self, event):
            if event.is_directory:
                return
            if event.event_type == "closed":
                rel = os.path.relpath(os.fsdecode(event.src_path), self.watch.box.path)
                if not rel.startswith(".."):
                    self.watch.on_closed(rel.replace(os.sep, "/"))
            wake()

    observer = Observer()
    for watch in watches:
        observer.schedule(Handler(watch), str(watch.box.path), recursive=True)
    observer.daemon = True
    observer.start()
    return observer


# ---- the daemon ---------------------------------------------------------------------------------

@dataclass
class Pending:
    job: Job
    ready_at: float
    result: ItemResult | None = None
    members: list[ItemResult] = field(default_factory=list, repr=False)  # what was found inside the file
    fingerprint: str = ""
    forced: bool = False  # a crash, a timeout, a bad sidecar: quarantine whatever the policy says
    retry_at: float = 0.0
    verdict_doc: dict | None = field(default=None, repr=False)
    worked: float = 0.0  # seconds a worker spent deciding it (the rest of its latency is waiting)


class Daemon:
    def __init__(self, config: Config, settings: WatchSettings, *, config_path: str | None, db_path: str,
                 once: bool = False):
        self.config, self.settings, self.config_path, self.db_path, self.once = config, settings, config_path, db_path, once
        self.inboxes = {box.name: box for box in settings.inboxes}
        self.spool = Spool(settings)
        self.metrics = Metrics()
        self.watches = [InboxWatch(box, settings) for box in settings.inboxes]
        self.queue: deque[Pending] = deque()
        self.open: dict[int, Pending] = {}
        # (inbox, name) -> the file's (size, mtime, inode) when it could not be moved out of the inbox
        self.stuck: dict[tuple[str, str], tuple] = {}
        self.to_record: list[Pending] = []
        self.to_deliver: list[Pending] = []
        self.stopping = self.forced_stop = self.reload_requested = False
        self.stop_deadline = float("inf")
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        self.next_scan = 0.0
        self.backlog: dict[str, list[tuple[str, list[str], float]]] = {}  # inbox -> complete files not yet taken
        self.next_health = 0.0
        self.db_retry_at = 0.0

    # -- lifecycle

    def wake(self) -> None:
        try:
            os.write(self.wake_w, b"x")
        except (BlockingIOError, OSError):
            pass

    def _lock(self) -> None:
        self.lock_fh = open(self.settings.spool / ".mijian-watch.lock", "w")
        try:
            fcntl.flock(self.lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SpoolLocked(f"另一个 mijian watch 正在使用暂存目录 {self.settings.spool} "
                              f"(another mijian watch is using the spool {self.settings.spool})") from None

    def run(self) -> int:
        self._lock()
        self.store = Store(self.db_path)
        self.journal = Journal(self.store)
        ApprovalStore(self.store)  # its tables exist before workers open the database (no race to create them)
        self.run_id = self.store.start_run([str(b.path) for b in self.settings.inboxes], __version__,
                                           self.config.fingerprint(), self.config.source)
        self.notifier = Notifier(self.settings.notify, self.metrics.notified)
        self.pool = WorkerPool(self.settings.workers, self.config, self.settings, self.db_path)
        server = observer = None
        try:
            self._signals()
            server = self._serve_metrics()
            self.recover()
            observer = _start_observer(self.watches, self.wake) if self.settings.events else None
            log.info("密检网关已启动，检测进程启动中", extra={
                "event": "started", "en": "gateway started, workers starting", "pid": os.getpid(),
                "inboxes": [b.name for b in self.settings.inboxes], "workers": self.settings.workers,
                "events": observer is not None})
            self.loop()
        finally:
            if observer is not None:
                observer.stop()
            self.pool.stop()
            self.notifier.close()
            counts = dict(self.metrics.decided)
            try:
                self.store.finish_run(self.run_id, counts)
            except StoreError:
                pass
            self._write_health(final=True)
            if server is not None:
                server.shutdown()
            log.info("密检网关已停止", extra={"event": "stopped", "en": "gateway stopped", "decided": counts,
                                        "left_in_processing": len(self.open)})
        return 0

    def loop(self) -> None:
        while not self.forced_stop:
            if self.stopping:
                if not self.pool.busy() and not self.to_record and not self.to_deliver:
                    break
                if time.monotonic() >= self.stop_deadline:
                    # Bounded: what is unfinished stays in processing/ with its journal row, and is
                    # finished by recovery at the next start, exactly as after kill -9.
                    log.warning("停止超时，未完成的文件留在处理目录中，重启后恢复", extra={
                        "event": "stop.timeout", "en": "stop timed out: unfinished files stay in processing/ "
                                                       "and are recovered at the next start",
                        "stop_timeout": self.settings.stop_timeout, "unfinished": len(self.open)})
                    break
            self.step()
            if self.once and not self.open and not any(
                    (w.box.name, name) not in self.stuck for w in self.watches for name in w.seen):
                break  # everything decided (a file that cannot be moved stays, reported)

    def _serve_metrics(self):
        if not self.settings.metrics_port:
            return None
        host, port = self.settings.metrics_host, self.settings.metrics_port
        try:
            return serve_metrics(self.metrics, host, port)
        except OSError as exc:
            raise MijianError(f"无法在 {host}:{port} 提供指标：{exc.strerror} (cannot serve metrics on {host}:{port})",
                              code="watch.metrics_port") from exc

    def _note_ready(self) -> None:
        """Count the workers that can decide; the first one makes the daemon ready (logged once)."""
        ready = sum(1 for w in self.pool.workers if w.ready)
        self.metrics.set(workers_ready=ready)
        if ready and self.metrics.mark_ready():
            log.info("密检网关已就绪，开始判定文件", extra={
                "event": "ready", "en": "gateway ready: files are being decided", "workers_ready": ready,
                "workers": self.settings.workers, "startup_ms": round((time.time() - self.metrics.started) * 1000)})

    def _signals(self) -> None:
        def stop(signum, frame):
            if self.stopping:
                self.forced_stop = True
            else:
                self.stop_deadline = time.monotonic() + self.settings.stop_timeout
            self.stopping = True
            log.info("收到停止信号，处理完进行中的文件后退出", extra={"event": "stopping", "en": "stopping after in-flight files",
                                                        "signal": signum, "stop_timeout": self.settings.stop_timeout})
            self.wake()

        def reload(signum, frame):
            self.reload_requested = True
            self.wake()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, reload)

    def reload(self) -> None:
        self.reload_requested = False
        try:
            config = load_config(self.config_path)
            settings = parse_watch(config)
        except MijianError as exc:
            log.error("重新加载配置失败，继续使用原配置", extra={"event": "reload.failed", "en": "reload failed, old settings kept",
                                                   "error": str(exc)})
            self.metrics.error("reload")
            return
        if [(b.name, b.path) for b in settings.inboxes] != [(b.name, b.path) for b in self.settings.inboxes]:
            log.warning("收件目录的变更需重启后生效", extra={"event": "reload.restart_needed",
                                                 "en": "inbox changes take effect after a restart"})
            settings = replace(settings, inboxes=self.settings.inboxes)
        self.config = config
        self.settings = replace(self.settings, release_flagged=settings.release_flagged,
                                decision_timeout=settings.decision_timeout)
        self.inboxes = {box.name: box for box in settings.inboxes}
        self.pool.reload(config, settings)
        log.info("已重新加载词库、策略和审批", extra={"event": "reloaded", "en": "lexicons, policy and approvals reloaded"})

    # -- one turn of the loop

    def step(self) -> None:
        if self.reload_requested:
            self.reload()
        now = time.monotonic()
        if not self.stopping and now >= self.next_scan:
            self.scan_inboxes()
        if not self.stopping:
            self.claim_backlog()
            self.dispatch()
        timeout = max(0.0, min(self.next_scan - time.monotonic(), 0.5))
        if self.to_record or self.to_deliver:
            timeout = min(timeout, 0.2)
        self.collect(timeout)
        self.check_timeouts()
        self.record()
        self.deliver()
        if time.monotonic() >= self.next_health:
            self._write_health()

    def scan_inboxes(self) -> None:
        interval = self.settings.poll_interval
        room = self.settings.queue_size - len(self.open)
        if room < self.settings.queue_size // 4 and any(w.seen for w in self.watches):
            # The queue is (nearly) full and files are waiting: listing a crowded inbox again now
            # would only cost CPU; list it when there is room for a batch.
            self.next_scan = time.monotonic() + min(interval, 0.1)
            return
        for watch in self.watches:
            self.backlog[watch.box.name] = watch.scan()
            if watch.seen:
                interval = min(interval, self.settings.settle_seconds / 2)
        self.next_scan = time.monotonic() + interval
        self.metrics.set(inbox_waiting=sum(len(w.seen) for w in self.watches), stuck_files=len(self.stuck))

    def claim_backlog(self) -> None:
        """Take complete files from the last listing, a few per worker ahead of the queue, oldest first."""
        room = min(self.settings.queue_size - len(self.open), CLAIM_AHEAD * len(self.pool.workers) - len(self.queue))
        for watch in self.watches:
            ready = self.backlog.get(watch.box.name)
            if room <= 0 or not ready:
                continue
            batch, self.backlog[watch.box.name] = ready[:room], ready[room:]
            room -= self.claim(watch, batch)

    def claim(self, watch: InboxWatch, ready: list[tuple[str, list[str], float]]) -> int:
        box = watch.box
        claims, stamps = [], []
        for name, own, since in ready:
            key = (box.name, name)
            if key in self.stuck:
                if self.stuck[key] == _signature(box.path / name):
                    continue  # still the same file that could not be moved: reported once already
                del self.stuck[key]
            meta_name = next((s for s in own if s.endswith(META_SUFFIX)), None)
            meta = sidecars.read_meta(box.path / meta_name) if meta_name else {}
            problem = sidecars.check(box.path, own)
            if problem:
                meta = {**meta, "_invalid": problem}
            if name.count("/") > MAX_DEPTH:
                meta = {**meta, "_invalid": f"文件位于第 {name.count('/')} 层子目录，超过 {MAX_DEPTH} 层 "
                                            f"(file is {name.count('/')} sub-folders deep, more than {MAX_DEPTH})",
                        "_code": "scan.limit"}
            recipient = box.recipient_for(meta if "_invalid" not in meta else None)
            claims.append((box.name, name, str(box.path / name), own, meta, recipient))
            stamps.append(since)
        try:
            jobs = self.journal.claim(claims)
        except StoreError as exc:
            self._db_down(exc)
            return 0
        self._db_up()
        taken = 0
        for job, since in zip(jobs, stamps):
            watch.taken(job.name)
            try:
                present = self.spool.take(job)
            except (OSError, ValueError) as exc:
                present = False
                source = Path(job.source)
                if os.path.lexists(source):
                    # It is there but cannot be moved: not decided, and said so once (log, health, journal).
                    self.stuck[(job.inbox, job.name)] = _signature(source)
                    self.metrics.error("take")
                    log.error("无法移入处理目录，文件留在收件目录中未判定", extra={
                        "event": "take.failed", "en": "cannot move into processing: the file stays undecided",
                        "file": job.name, "inbox": job.inbox, "error": str(exc)})
                    try:
                        self.journal.finish([(job, STUCK, f"无法移出收件目录 (cannot be moved out of the inbox): {exc}")])
                    except StoreError as db_exc:
                        self._db_down(db_exc)
                    continue
                log.error("无法移入处理目录", extra={"event": "take.failed", "en": "cannot move into processing",
                                              "file": job.name, "error": str(exc)})
            if not present:
                self._finish_quietly(job, VANISHED, "文件在取走前消失 (file disappeared before it was taken)")
                continue
            pending = Pending(job, since)
            self.open[job.id] = pending
            taken += 1
            self._queue_or_fail(pending)
        return taken

    def _queue_or_fail(self, pending: Pending) -> None:
        """Queue a taken file for a worker, unless it is already known to fail closed: a bad sidecar,
        too deep, or not a regular file (a FIFO, socket or device is moved by lstat and never opened)."""
        job = pending.job
        special = special_reason(self.spool.job_file(job))
        if special:
            self.fail_closed(pending, special, code="scan.unsupported")
        elif "_invalid" in job.meta:
            self.fail_closed(pending, job.meta["_invalid"], code=job.meta.get("_code", "scan.unreadable"))
        else:
            self.queue.append(pending)

    def dispatch(self) -> None:
        started = []
        for worker in self.pool.idle():
            if not self.queue:
                break
            pending = self.queue.popleft()
            job = pending.job
            display = f"{job.inbox}/{job.name}"
            try:
                worker.conn.send(("job", job.id, job.inbox, str(self.spool.job_file(job)), display, job.recipient))
            except OSError:
                self.queue.appendleft(pending)
                self.pool.replace(worker)
                continue
            worker.job, worker.started = pending, time.monotonic()
            started.append(job.id)
        try:
            self.journal.attempted(started)
        except StoreError as exc:
            self._db_down(exc)
        self.metrics.set(queue_depth=len(self.queue), in_flight=len(self.pool.busy()),
                         workers=sum(w.process.is_alive() for w in self.pool.workers))

    def collect(self, timeout: float) -> None:
        waitables = [w.conn for w in self.pool.workers if w.job is not None or not w.ready] + [w.process.sentinel for w in self.pool.workers] + [self.wake_r]
        try:
            ready = set(wait(waitables, timeout))
        except InterruptedError:
            ready = set()
        if self.wake_r in ready:
            try:
                while os.read(self.wake_r, 4096):
                    pass
            except BlockingIOError:
                pass
            if not self.stopping:
                self.next_scan = min(self.next_scan, time.monotonic() + min(0.05, self.settings.settle_seconds))
        for worker in list(self.pool.workers):
            if worker.conn in ready:
                try:
                    reply = worker.conn.recv()
                except (EOFError, OSError):
                    reply = None
                if reply is not None and reply[0] == "ready":
                    worker.ready = True
                    self._note_ready()
                    continue
                if reply is not None and reply[0] == "fatal":
                    log.error("检测进程无法启动", extra={"event": "worker.failed", "en": "worker could not start",
                                                  "error": reply[1]})
                    self.metrics.error("worker_start")
                    reply = None
                if reply is not None and worker.job is not None:
                    pending, worker.job = worker.job, None
                    pending.worked = time.monotonic() - worker.started
                    if reply[0] == "done":
                        pending.result, pending.members, pending.fingerprint = reply[2][0], reply[2][1:], reply[3]
                        self.to_record.append(pending)
                    else:
                        self.metrics.error("worker")
                        self.fail_closed(pending, f"检测出错 (detection failed): {reply[2]}")
                    continue
            if worker.process.sentinel in ready or not worker.process.is_alive():
                code = worker.process.exitcode
                if worker.job is not None:
                    self.metrics.error("worker_crash")
                    self.fail_closed(worker.job, f"检测进程崩溃，退出码 {code} (worker crashed, exit code {code})")
                    worker.job = None
                if time.monotonic() - self.pool.last_spawn < 1.0:
                    time.sleep(0.2)  # a worker that cannot start must not spin the loop
                log.error("检测进程退出，已重启", extra={"event": "worker.restarted", "en": "worker exited, restarted",
                                                "exitcode": code})
                self.pool.replace(worker)
                self.pool.last_spawn = time.monotonic()
                self._note_ready()

    def check_timeouts(self) -> None:
        limit = self.settings.decision_timeout
        for worker in self.pool.busy():
            if time.monotonic() - worker.started > limit:
                pending, worker.job = worker.job, None
                pending.worked = time.monotonic() - worker.started
                self.metrics.error("timeout")
                self.fail_closed(pending, f"检测超时（超过 {limit:g} 秒）(decision timed out after {limit:g} s)",
                                 code="scan.limit")
                self.pool.replace(worker)
                self._note_ready()

    def fail_closed(self, pending: Pending, detail: str, code: str = "scan.unreadable") -> None:
        """A file that could not be decided: blocked with the reason, and quarantined whatever the policy says."""
        from scanner.pipeline import unread_result  # the main process loads the detectors only if it must
        from scanner.policy.decide import Problem

        job = pending.job
        sha256, size = sha256_of(self.spool.job_file(job))  # never opens what is not a regular file
        config = inbox_config(self.config, self.inboxes[job.inbox], job.recipient)
        display = f"{job.inbox}/{job.name}"
        pending.result = unread_result(config, path=names.readable(display), sha256=sha256, size=size,
                                       problem=Problem(code, detail))
        pending.result.path_raw = names.raw(display)
        pending.fingerprint, pending.forced = "", True
        log.warning("文件无法判定，按规定隔离", extra={"event": "file.failed_closed", "en": "file could not be decided: quarantined",
                                              "file": job.name, "inbox": job.inbox, "detail": detail})
        self.to_record.append(pending)

    # -- record, then move

    def outcome(self, pending: Pending) -> str:
        verdict = pending.result.verdict
        if pending.forced or verdict == "block" or (verdict == "flag" and not self.settings.release_flagged):
            return QUARANTINED
        return RELEASED

    def record(self) -> None:
        if not self.to_record or time.monotonic() < self.db_retry_at:
            return
        batch, self.to_record = self.to_record, []
        decisions = []
        for pending in batch:
            outcome = self.outcome(pending)
            target = pending.job.target if pending.job.target else str(self.spool.choose_target(pending.job, outcome))
            decisions.append((pending.job, [pending.result] + pending.members, pending.fingerprint, self.run_id,
                              outcome, target))
        try:
            self.journal.decide(decisions)
        except StoreError as exc:
            for pending in batch:
                self.spool.reserved.discard(Path(decisions[batch.index(pending)][5]))
            self.to_record = batch + self.to_record
            self._db_down(exc)
            return
        self._db_up()
        for pending in batch:
            if pending.job.outcome == QUARANTINED:
                pending.verdict_doc = sidecars.verdict_document(pending.job, pending.result.to_dict())
            self.to_deliver.append(pending)

    def deliver(self) -> None:
        if not self.to_deliver:
            return
        batch, self.to_deliver = self.to_deliver, []
        done = []
        now = time.monotonic()
        for pending in batch:
            if pending.retry_at > now:
                self.to_deliver.append(pending)
                continue
            job = pending.job
            try:
                moved = self.spool.deliver(job, pending.verdict_doc)
            except FileExistsError:
                # The chosen name was taken meanwhile (by a person): choose again, record, retry.
                try:
                    self.journal.retarget(job, str(self.spool.choose_target(job, job.outcome)))
                except StoreError as exc:
                    self._db_down(exc)
                pending.retry_at = now
                self.to_deliver.append(pending)
                continue
            except OSError as exc:
                self.metrics.error("move")
                log.error("无法移动文件，稍后重试", extra={"event": "move.failed", "en": "cannot move file, will retry",
                                                 "file": job.name, "error": str(exc)})
                pending.retry_at = now + 1.0
                self.to_deliver.append(pending)
                continue
            done.append((pending, job.outcome if moved else VANISHED))
        if not done:
            return
        try:
            self.journal.finish([(p.job, state, None if state != VANISHED else "文件在判定后消失 (file disappeared)")
                                 for p, state in done])
        except StoreError as exc:
            self._db_down(exc)  # the files stand where the journal's target says: recovery finishes the row
        for pending, state in done:
            self.open.pop(pending.job.id, None)
            self._announce(pending, state)

    def _announce(self, pending: Pending, state: str) -> None:
        job, result = pending.job, pending.result
        latency = max(0.0, time.monotonic() - pending.ready_at)
        self.metrics.decision(result.verdict, state, latency)
        log.info("文件已判定", extra={"event": "file.decided", "en": "file decided", "job": job.id, "inbox": job.inbox,
                                 "file": job.name, "verdict": result.verdict, "outcome": state, "target": job.target,
                                 "reasons": [r.code for r in result.reasons], "latency_ms": round(latency * 1000, 1),
                                 "decide_ms": round(pending.worked * 1000, 1)})
        wanted = result.verdict == "block" or (self.settings.notify.include_flagged and result.verdict == "flag")
        if state == QUARANTINED and wanted:
            self.notifier.notify({
                "event": "quarantined", "name": names.readable(job.name), "inbox": job.inbox, "verdict": result.verdict,
                "target": names.readable(job.target), "sha256": result.sha256, "sender": job.meta.get("sender"),
                "recipient": job.recipient, "purpose": job.meta.get("purpose"),
                "reasons": [r.to_dict() for r in result.reasons], "time": utcnow()})

    def _finish_quietly(self, job: Job, state: str, error: str) -> None:
        log.warning(error, extra={"event": "file.vanished", "en": "file vanished", "file": job.name, "inbox": job.inbox})
        try:
            self.journal.finish([(job, state, error)])
        except StoreError as exc:
            self._db_down(exc)

    def _db_down(self, exc: Exception) -> None:
        if self.metrics.db_ok:
            log.error("数据库不可用：暂停放行，稍后重试", extra={"event": "db.unavailable",
                                                  "en": "database unavailable: nothing is released until it is back",
                                                  "error": str(exc)})
        self.metrics.db_ok = False
        self.metrics.error("database")
        self.db_retry_at = time.monotonic() + 1.0

    def _db_up(self) -> None:
        if not self.metrics.db_ok:
            log.info("数据库已恢复", extra={"event": "db.available", "en": "database available again"})
        self.metrics.db_ok = True

    # -- after a crash

    def recover(self) -> None:
        """Finish or redo every job the journal holds open: a take, a decision, or a move cut short."""
        jobs = self.journal.open_jobs()
        requeued = delivered = 0
        for job in jobs:
            if job.inbox not in self.inboxes:
                log.error("日志中的收件目录已不在配置中", extra={"event": "recover.unknown_inbox",
                                                     "en": "journal names an inbox no longer configured",
                                                     "inbox": job.inbox, "file": job.name})
                continue
            try:
                name_parts(job.name)
            except ValueError as exc:
                log.error("日志中的文件名不安全，未处理", extra={"event": "recover.unsafe_name", "en": "unsafe name in the journal: left alone",
                                                     "inbox": job.inbox, "file": job.name, "error": str(exc)})
                continue
            for watch in self.watches:
                if watch.box.name == job.inbox:
                    watch.taken(job.name)  # its sub-folders are removed once empty
            pending = Pending(job, time.monotonic())
            if job.state == DECIDED:
                self.spool.reserved.add(Path(job.target))
                if job.outcome == QUARANTINED:
                    row = self.store.db["items"].get(job.item_id)
                    pending.verdict_doc = sidecars.verdict_document(job, json.loads(row["result"]))
                pending.result = ItemResult.from_dict(json.loads(self.store.db["items"].get(job.item_id)["result"]))
                self.open[job.id] = pending
                self.to_deliver.append(pending)
                delivered += 1
                continue
            if not self.spool.take(job):
                self._finish_quietly(job, VANISHED, "文件在判定前消失 (file disappeared before it was decided)")
                continue
            self.open[job.id] = pending
            if job.attempts >= self.settings.max_attempts:
                self.fail_closed(pending, f"多次尝试仍未判定（{job.attempts} 次）(not decided after {job.attempts} attempts)")
            else:
                self._queue_or_fail(pending)
            requeued += 1
        if jobs:
            log.info("已恢复中断的文件", extra={"event": "recovered", "en": "interrupted files recovered",
                                         "redo": requeued, "finish_move": delivered})
        self.deliver()

    def _write_health(self, final: bool = False) -> None:
        self.next_health = time.monotonic() + 1.0
        if not self.settings.health_file:
            return
        doc = self.metrics.health()
        if final:
            doc["status"] = "stopped"
        try:
            write_json_atomic(Path(self.settings.health_file), doc)
        except OSError:
            self.metrics.error("health_file")


def _signature(path: Path) -> tuple | None:
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def run_watch(config: Config, settings: WatchSettings, *, config_path: str | None, db_path: str,
              once: bool = False) -> int:
    """The library call behind `mijian watch`."""
    return Daemon(config, settings, config_path=config_path, db_path=db_path, once=once).run()
