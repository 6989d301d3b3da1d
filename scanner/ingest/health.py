"""Health of the running daemon: readiness, the health file and the metrics endpoint.

A part of the Daemon (watch.py); the counters themselves live in metrics.py.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from scanner.errors import MijianError
from scanner.ingest.metrics import serve_metrics
from scanner.ingest.spool import write_json_atomic

log = logging.getLogger("mijian.watch")


class Health:
    """Uses the Daemon's metrics, pool, settings and next_health."""

    def start_metrics_server(self):
        if not self.settings.metrics_port:
            return None
        host, port = self.settings.metrics_host, self.settings.metrics_port
        try:
            return serve_metrics(self.metrics, host, port)
        except OSError as exc:
            raise MijianError(f"无法在 {host}:{port} 提供指标：{exc.strerror} (cannot serve metrics on {host}:{port})",
                              code="watch.metrics_port") from exc

    def note_ready(self) -> None:
        """Count the workers that can decide; the first one makes the daemon ready (logged once)."""
        ready = sum(1 for w in self.pool.workers if w.ready)
        self.metrics.set(workers_ready=ready)
        if ready and self.metrics.mark_ready():
            log.info("密检网关已就绪，开始判定文件", extra={
                "event": "ready", "en": "gateway ready: files are being decided", "workers_ready": ready,
                "workers": self.settings.workers, "startup_ms": round((time.time() - self.metrics.started) * 1000)})

    def write_health(self, final: bool = False) -> None:
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
