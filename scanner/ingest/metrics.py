"""What an operator sees of the daemon: Prometheus metrics, a health document, JSON log lines."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from scanner import names

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """Counters, gauges and one latency histogram, safe to read from the HTTP thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.decided = {"allow": 0, "flag": 0, "block": 0}
        self.outcomes = {"released": 0, "quarantined": 0}
        self.errors: dict[str, int] = {}
        self.notifications: dict[tuple[str, str], int] = {}
        self.buckets = [0] * len(LATENCY_BUCKETS)
        self.latency_sum = 0.0
        self.latency_count = 0
        self.gauges = {"queue_depth": 0, "in_flight": 0, "workers": 0, "workers_ready": 0, "inbox_waiting": 0,
                       "stuck_files": 0}
        self.db_ok = True
        self.started = time.time()
        self.ready_since: float | None = None  # when the first worker could decide

    def mark_ready(self) -> bool:
        """Note that the daemon can decide; True the first time only."""
        with self.lock:
            if self.ready_since is not None:
                return False
            self.ready_since = time.time()
            return True

    def _ready(self) -> bool:
        return self.ready_since is not None and self.gauges["workers_ready"] > 0 and self.db_ok

    def decision(self, verdict: str, outcome: str, seconds: float) -> None:
        with self.lock:
            self.decided[verdict] = self.decided.get(verdict, 0) + 1
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
            for i, bound in enumerate(LATENCY_BUCKETS):
                if seconds <= bound:
                    self.buckets[i] += 1
            self.latency_sum += seconds
            self.latency_count += 1

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def notified(self, channel: str, ok: bool) -> None:
        with self.lock:
            key = (channel, "sent" if ok else "failed")
            self.notifications[key] = self.notifications.get(key, 0) + 1

    def set(self, **gauges) -> None:
        with self.lock:
            self.gauges.update(gauges)

    def prometheus(self) -> str:
        with self.lock:
            out = ["# HELP mijian_watch_files_decided_total Files decided, by verdict.",
                   "# TYPE mijian_watch_files_decided_total counter"]
            out += [f'mijian_watch_files_decided_total{{verdict="{v}"}} {n}' for v, n in sorted(self.decided.items())]
            out += ["# HELP mijian_watch_files_moved_total Files moved out of the spool, by outcome.",
                    "# TYPE mijian_watch_files_moved_total counter"]
            out += [f'mijian_watch_files_moved_total{{outcome="{o}"}} {n}' for o, n in sorted(self.outcomes.items())]
            out += ["# HELP mijian_watch_errors_total Errors, by kind.", "# TYPE mijian_watch_errors_total counter"]
            out += [f'mijian_watch_errors_total{{kind="{k}"}} {n}' for k, n in sorted(self.errors.items())]
            out += ["# HELP mijian_watch_notifications_total Officer notifications, by channel and result.",
                    "# TYPE mijian_watch_notifications_total counter"]
            out += [f'mijian_watch_notifications_total{{channel="{c}",result="{r}"}} {n}'
                    for (c, r), n in sorted(self.notifications.items())]
            out += ["# HELP mijian_watch_decision_seconds Seconds from a file being complete to its decision.",
                    "# TYPE mijian_watch_decision_seconds histogram"]
            out += [f'mijian_watch_decision_seconds_bucket{{le="{b}"}} {n}' for b, n in zip(LATENCY_BUCKETS, self.buckets)]
            out += [f'mijian_watch_decision_seconds_bucket{{le="+Inf"}} {self.latency_count}',
                    f"mijian_watch_decision_seconds_sum {self.latency_sum:.6f}",
                    f"mijian_watch_decision_seconds_count {self.latency_count}"]
            for name, value in sorted(self.gauges.items()):
                out += [f"# TYPE mijian_watch_{name} gauge", f"mijian_watch_{name} {value}"]
            out += ["# TYPE mijian_watch_database_up gauge", f"mijian_watch_database_up {int(self.db_ok)}"]
            out += ["# HELP mijian_watch_ready 1 when a worker can decide and the database is up.",
                    "# TYPE mijian_watch_ready gauge", f"mijian_watch_ready {int(self._ready())}"]
            return "\n".join(out) + "\n"

    def health(self) -> dict:
        """The health document; `status` is "starting" until a worker can decide (HTTP 503 until then)."""
        with self.lock:
            if self.ready_since is None:
                status, zh, en = "starting", "正在启动，检测进程尚未就绪", "starting: no worker can decide yet"
            elif not self.db_ok:
                status, zh, en = "degraded", "数据库不可用，暂停放行", "database unavailable: nothing is released"
            else:
                status, zh, en = "ok", "运行正常", "running"
            return {
                "status": status, "ready": self._ready(), "message": zh, "message_en": en,
                "pid": os.getpid(), "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "uptime_seconds": round(time.time() - self.started, 1), "database": self.db_ok,
                "decided": dict(self.decided), **self.gauges,
            }


def serve_metrics(metrics: Metrics, host: str, port: int) -> ThreadingHTTPServer:
    """/metrics (Prometheus text) and /health (JSON) on a loopback port, from a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path.startswith("/metrics"):
                body, kind, status = metrics.prometheus().encode(), "text/plain; version=0.0.4", 200
            elif self.path.startswith("/health"):
                doc = metrics.health()
                body, kind = json.dumps(doc, ensure_ascii=False).encode(), "application/json"
                status = 200 if doc["status"] == "ok" else 503
            else:
                body, kind, status = b"not found\n", "text/plain", 404
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # requests are not worth a log line each
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="mijian-metrics", daemon=True).start()
    return server


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, event, Chinese message, English message, then details."""

    RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        doc = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
               "level": record.levelname.lower(), "event": getattr(record, "event", record.name),
               "msg": record.getMessage()}
        for key, value in vars(record).items():
            if key not in self.RESERVED and key != "event":
                doc[key] = value
        if record.exc_info:
            doc["traceback"] = self.formatException(record.exc_info)
        text = json.dumps(doc, ensure_ascii=False, default=str)
        if not names.is_clean(text):
            # A name that is not UTF-8 (surrogate escapes) would make the line unwritable: shown readably.
            text = json.dumps(_readable(doc), ensure_ascii=False, default=str)
        return text


def _readable(value):
    if isinstance(value, (str, os.PathLike)):
        return names.readable(value)
    if isinstance(value, dict):
        return {_readable(k): _readable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_readable(v) for v in value]
    return value


def setup_logging(log_file: str, level: str) -> logging.Logger:
    logger = logging.getLogger("mijian.watch")
    # Made before the old handler goes: a log file that cannot be opened is reported through the old one.
    handler = logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger.handlers.clear()
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False
    # Libraries (watchdog) log through the root logger: the same one-object-per-line stream.
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)
    return logger
