"""The scan's progress bar on a terminal: files and bytes per second, the time left, the verdicts so far.

A scan of millions of files starts at once: the number of files and their bytes are counted by a walk
of its own in a thread that runs ahead of the scan, so the total firms up while the scan goes on.
Until the count is complete the time left is at least the time for the bytes counted so far ("≥").
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn
from rich.text import Text

from scanner.i18n import t
from scanner.ingest.walk import walk

RATE_SECONDS = 10.0  # rates over the last seconds, so a slow start does not weigh for hours

_TEXT = {
    "zh": ("{done}/{total} 个文件", "{rate:.1f} 个/秒", "剩余 {eta}", "放行 {allow} · 待审 {flag} · 阻断 {block}",
           "统计中"),
    "en": ("{done}/{total} files", "{rate:.1f} files/s", "{eta} left", "allow {allow} · flag {flag} · block {block}",
           "counting"),
}


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


class _Count(threading.Thread):
    """Counts the files and bytes under the paths, ahead of the scan."""

    def __init__(self, paths: list[str], follow_symlinks: bool):
        super().__init__(name="mijian-count", daemon=True)
        self.paths, self.follow = paths, follow_symlinks
        self.files = self.bytes = 0
        self.finished = False
        self.stopping = False

    def run(self) -> None:
        try:
            for entry in walk(self.paths, follow_symlinks=self.follow):
                if self.stopping:
                    return
                self.files += 1
                if not entry.problem:
                    try:
                        self.bytes += os.stat(entry.path).st_size
                    except OSError:
                        pass
        except Exception:  # the scan's own walk reports a bad path; the count just stays open
            return
        self.finished = True


class ScanProgress:
    """`with ScanProgress(console, lang, paths) as progress: ... progress.item(result)`."""

    def __init__(self, console: Console, lang: str, paths: list[str], follow_symlinks: bool = False):
        self.lang = lang if lang in _TEXT else "zh"
        self.count = _Count(paths, follow_symlinks)
        self.done = self.bytes = 0
        self.verdicts = {"allow": 0, "flag": 0, "block": 0}
        self.started = time.monotonic()
        self.samples: deque[tuple[float, int, int]] = deque([(self.started, 0, 0)])
        self.progress = Progress(TextColumn(t("progress", lang)), BarColumn(bar_width=16), _Stats(self), console=console,
                                 transient=True)
        self.task = self.progress.add_task("scan", total=None)

    def __enter__(self) -> "ScanProgress":
        self.count.start()
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.count.stopping = True
        self.progress.stop()

    def item(self, result) -> None:
        """One file decided (its own result)."""
        self.done += 1
        self.bytes += result.size or 0
        if result.verdict in self.verdicts:
            self.verdicts[result.verdict] += 1
        total = max(self.count.files, self.done)
        self.progress.update(self.task, completed=self.done, total=total if self.count.finished else None)

    def _rates(self) -> tuple[float, float]:
        now = time.monotonic()
        self.samples.append((now, self.done, self.bytes))
        while len(self.samples) > 2 and now - self.samples[0][0] > RATE_SECONDS:
            self.samples.popleft()
        then, files, size = self.samples[0]
        elapsed = max(now - then, 1e-6)
        return (self.done - files) / elapsed, (self.bytes - size) / elapsed

    def text(self) -> str:
        files_text, rate_text, eta_text, verdict_text, counting = _TEXT[self.lang]
        file_rate, byte_rate = self._rates()
        finished = self.count.finished
        total = str(max(self.count.files, self.done)) + ("" if finished else "+")
        left_bytes = max(self.count.bytes - self.bytes, 0)
        left_files = max(self.count.files - self.done, 0)
        if byte_rate > 0 and self.count.bytes:
            eta = _duration(left_bytes / byte_rate)
        elif file_rate > 0:
            eta = _duration(left_files / file_rate)
        else:
            eta = "?"
        eta = eta if finished else f"≥{eta} ({counting})"
        # Two lines, so an 80-column terminal shows all of it.
        return " · ".join([files_text.format(done=self.done, total=total), rate_text.format(rate=file_rate),
                           f"{_size(byte_rate)}/s", eta_text.format(eta=eta)]) + "\n" \
            + verdict_text.format(**self.verdicts)


class _Stats(ProgressColumn):
    """Computed when the bar is drawn (a few times a second), not once per file."""

    def __init__(self, owner: ScanProgress):
        super().__init__()
        self.owner = owner

    def render(self, task) -> Text:
        return Text(self.owner.text())
