"""Officer notifications: a real SMTP server (aiosmtpd) and a webhook on loopback, retries, never blocking."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

import aiosmtpd.controller as aiosmtpd  # the [test] extra
from aiosmtpd.handlers import Message

from scanner.ingest.notify import Notifier  # noqa: E402
from scanner.ingest.watch_config import NotifySettings  # noqa: E402

EVENT = {"name": "plan.docx", "inbox": "out", "verdict": "block", "target": "/q/out/plan.docx", "sha256": "ab",
         "sender": "张三", "recipient": "acme", "reasons": [
             {"code": "marking.national_secret", "message": "检测到国家秘密标志：机密★10年",
              "message_en": "national-secret marking found", "verdict": "block"}]}


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp_server():
    handler = Inbox()
    with socket.socket() as probe:  # a free loopback port (aiosmtpd checks readiness by connecting to it)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = aiosmtpd.Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def _wait(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_mail_reaches_a_real_smtp_server(smtp_server):
    controller, handler = smtp_server
    port = controller.port
    results = []
    notifier = Notifier(NotifySettings(smtp_host="127.0.0.1", smtp_port=port, mail_from="gw@example.org",
                                       mail_to=("officer@example.org",)), lambda c, ok: results.append((c, ok)))
    assert notifier.notify(EVENT)
    assert _wait(lambda: handler.messages)
    notifier.close()
    msg = handler.messages[0]
    assert msg["To"] == "officer@example.org"
    body = msg.get_payload(decode=True).decode("utf-8")
    assert "plan.docx" in body and "marking.national_secret" in body and "张三" in body
    assert results == [("smtp", True)]


class _Hook(BaseHTTPRequestHandler):
    calls: list = []
    fail_first = 0

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Hook.calls.append(body)
        status = 500 if len(_Hook.calls) <= _Hook.fail_first else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_is_retried_with_backoff():
    _Hook.calls, _Hook.fail_first = [], 2
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    results = []
    try:
        notifier = Notifier(NotifySettings(webhook_url=f"http://127.0.0.1:{server.server_port}/hook", retries=3,
                                           backoff_seconds=0.05), lambda c, ok: results.append((c, ok)))
        notifier.notify(EVENT)
        assert _wait(lambda: results)
        notifier.close()
    finally:
        server.shutdown()
    assert len(_Hook.calls) == 3 and results == [("webhook", True)]
    assert _Hook.calls[-1]["name"] == "plan.docx" and "隔离" in _Hook.calls[-1]["subject"]


def test_a_dead_relay_never_blocks_and_a_full_queue_drops():
    # Port 9 on loopback: nothing listens, every attempt fails.
    notifier = Notifier(NotifySettings(webhook_url="http://127.0.0.1:9/", retries=1, backoff_seconds=0.5,
                                       queue_size=2, timeout_seconds=1))
    started = time.monotonic()
    accepted = [notifier.notify(EVENT) for _ in range(10)]
    assert time.monotonic() - started < 0.1
    assert accepted.count(False) >= 7 and notifier.dropped >= 7
    notifier.close(timeout=0.1)
