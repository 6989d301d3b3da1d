"""Tell the security officer when a file is held: e-mail and/or webhook, from a background thread.

The pipeline only puts a message on a bounded queue and never waits: when the queue is
full the message is dropped and counted, so a dead mail relay never holds a decision up.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import smtplib
import ssl
import threading
import time
import urllib.request
from email.message import EmailMessage
from typing import Callable

from scanner.ingest.watch_config import NotifySettings
from scanner.model import VERDICT_NAMES_ZH

log = logging.getLogger("mijian.watch")


def message_for(event: dict) -> tuple[str, str]:
    """Subject and body of the officer's mail for one held file (Chinese first, then English)."""
    verdict = event["verdict"]
    subject = f"【密检】文件已{VERDICT_NAMES_ZH.get(verdict, verdict)}并隔离：{event['name']} / File held ({verdict}): {event['name']}"
    lines = [
        f"文件 File: {event['name']}",
        f"收件目录 Inbox: {event['inbox']}",
        f"结论 Verdict: {VERDICT_NAMES_ZH.get(verdict, verdict)} ({verdict})",
        f"隔离位置 Quarantined at: {event.get('target', '')}",
        f"发送人 Sender: {event.get('sender') or '-'}    接收方 Recipient: {event.get('recipient') or '-'}",
        f"SHA-256: {event.get('sha256') or '-'}",
        "",
        "原因 Reasons:",
    ]
    for reason in event.get("reasons", []):
        lines.append(f"  - [{reason['code']}] {reason['message']} / {reason.get('message_en', '')}")
    return subject, "\n".join(lines) + "\n"


def tls_context(settings: NotifySettings) -> ssl.SSLContext:
    """Certificates verified and host names checked; `smtp_ca_file` replaces the system's CAs (a private relay's CA)."""
    return ssl.create_default_context(cafile=settings.smtp_ca_file or None)


class Notifier:
    """A background sender with a bounded queue, retries and exponential backoff."""

    def __init__(self, settings: NotifySettings, on_result: Callable[[str, bool], None] | None = None):
        self.settings = settings
        self.queue: queue.Queue = queue.Queue(maxsize=settings.queue_size)
        self.on_result = on_result or (lambda channel, ok: None)
        self.dropped = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mijian-notify", daemon=True)
        if settings.enabled:
            self._thread.start()

    def notify(self, event: dict) -> bool:
        """Queue a message; never blocks. False (and counted) when the queue is full."""
        if not self.settings.enabled:
            return False
        try:
            self.queue.put_nowait(event)
            return True
        except queue.Full:
            self.dropped += 1
            log.warning("通知队列已满，丢弃一条通知", extra={"event": "notify.dropped", "en": "notification queue full, dropped",
                                                      "file": event.get("name")})
            return False

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued (for at most `timeout` seconds), then stop."""
        if not self._thread.is_alive():
            return
        deadline = time.monotonic() + timeout
        while not self.queue.empty() and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stop.set()
        try:
            self.queue.put_nowait(None)  # wakes the sender; a full queue must not block shutdown
        except queue.Full:
            pass
        self._thread.join(max(0.0, deadline - time.monotonic()) + 0.5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                event = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if event is None:
                break
            if self.settings.smtp_host:
                self._with_retries("smtp", lambda: self.send_mail(event), event)
            if self.settings.webhook_url:
                self._with_retries("webhook", lambda: self.post_webhook(event), event)

    def _with_retries(self, channel: str, send: Callable[[], None], event: dict) -> None:
        delay = self.settings.backoff_seconds
        for attempt in range(self.settings.retries + 1):
            try:
                send()
                self.on_result(channel, True)
                return
            except Exception as exc:  # any failure of the relay is retried, then logged, never raised
                if attempt == self.settings.retries or self._stop.is_set():
                    log.error("通知发送失败", extra={"event": "notify.failed", "en": "notification failed",
                                                "channel": channel, "file": event.get("name"), "error": str(exc)})
                    self.on_result(channel, False)
                    return
                time.sleep(delay)
                delay *= 2

    def send_mail(self, event: dict) -> None:
        s = self.settings
        subject, body = message_for(event)
        msg = EmailMessage()
        msg["Subject"], msg["From"], msg["To"] = subject, s.mail_from, ", ".join(s.mail_to)
        msg.set_content(body)
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout_seconds) as smtp:
            if s.smtp_starttls:
                # The relay's certificate and name are checked (the system's CAs, or smtp_ca_file alone):
                # without a context, smtplib on Python 3.11-3.13 would take any certificate.
                smtp.starttls(context=tls_context(s))
            if s.smtp_user:
                smtp.login(s.smtp_user, os.environ.get(s.smtp_password_env, ""))
            smtp.send_message(msg)

    def post_webhook(self, event: dict) -> None:
        subject, body = message_for(event)
        payload = dict(event, subject=subject, text=body)
        request = urllib.request.Request(
            self.settings.webhook_url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"}, method="POST")
        with urllib.request.urlopen(request, timeout=self.settings.timeout_seconds) as response:
            if response.status >= 300:
                raise OSError(f"webhook answered {response.status}")
