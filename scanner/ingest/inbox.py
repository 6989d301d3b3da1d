"""Finding complete files: what each inbox holds, how long each file has stood unchanged, and the
close-after-write events that shorten the wait. Nothing here takes a file or writes the journal."""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from pathlib import Path

from scanner.ingest import sidecars
from scanner.ingest.spool import open_dir_nofollow
from scanner.ingest.watch_config import SIDECAR_SUFFIXES, InboxSettings, WatchSettings

log = logging.getLogger("mijian.watch")


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


def start_observer(watches: list[InboxWatch], wake) -> object | None:
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


def signature(path: Path) -> tuple | None:
    """A file's (size, mtime, inode), not following a link; None if it is gone."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)
