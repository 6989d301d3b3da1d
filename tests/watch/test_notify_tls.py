"""SMTP over STARTTLS with certificate checks: a real aiosmtpd relay with a self-signed certificate made here.

Without the CA file the mail is refused before any password is sent (and the failure is recorded);
with it the relay receives the AUTH inside TLS.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import socket
import ssl
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from scanner.errors import ConfigError
from scanner.ingest.notify import Notifier
from scanner.ingest.watch_config import NotifySettings, _parse_notify

EVENT = {"name": "plan.docx", "inbox": "out", "verdict": "block", "target": "/q/out/plan.docx", "sha256": "ab",
         "reasons": [{"code": "marking.national_secret", "message": "检测到国家秘密标志：机密★10年",
                      "message_en": "national-secret marking found"}]}
PASSWORD = "relay-secret-password"


def self_signed(tmp_path):
    """A certificate for 127.0.0.1, signed by its own key; returns (cert PEM path, key PEM path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mijian test relay")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "relay.pem", tmp_path / "relay.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Relay(Message):
    def __init__(self):
        super().__init__()
        self.messages, self.logins = [], []

    def handle_message(self, message):
        self.messages.append(message)

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        # What the relay saw: the credentials, and whether they came inside TLS.
        self.logins.append((auth_data.login.decode(), auth_data.password.decode(), session.ssl is not None))
        return AuthResult(success=auth_data.password.decode() == PASSWORD)


@pytest.fixture
def relay(tmp_path):
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = Relay()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            authenticator=handler.authenticate, auth_require_tls=True)
    controller.start()
    try:
        yield controller, handler, cert
    finally:
        controller.stop()


def send(settings: NotifySettings, monkeypatch) -> list:
    monkeypatch.setenv("MIJIAN_TEST_SMTP_PASSWORD", PASSWORD)
    results = []
    notifier = Notifier(settings, lambda channel, ok: results.append((channel, ok)))
    assert notifier.notify(EVENT)
    deadline = time.monotonic() + 20
    while not results and time.monotonic() < deadline:
        time.sleep(0.05)
    notifier.close()
    return results


def settings(port: int, ca_file: str = "") -> NotifySettings:
    return NotifySettings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=True, smtp_ca_file=ca_file,
                          smtp_user="gateway", smtp_password_env="MIJIAN_TEST_SMTP_PASSWORD",
                          mail_from="gw@example.org", mail_to=("officer@example.org",), retries=0)


def test_an_unknown_certificate_is_refused_and_the_failure_recorded(relay, monkeypatch, caplog):
    controller, handler, _ = relay
    with caplog.at_level(logging.ERROR, logger="mijian.watch"):
        results = send(settings(controller.port), monkeypatch)
    assert results == [("smtp", False)]
    assert handler.logins == [] and handler.messages == []  # no password left the gateway
    failed = [r for r in caplog.records if getattr(r, "event", "") == "notify.failed"]
    assert len(failed) == 1 and "CERTIFICATE_VERIFY_FAILED" in failed[0].error


def test_with_the_ca_file_the_mail_goes_and_the_login_is_inside_tls(relay, monkeypatch):
    controller, handler, cert = relay
    assert send(settings(controller.port, str(cert)), monkeypatch) == [("smtp", True)]
    assert handler.logins == [("gateway", PASSWORD, True)]
    assert len(handler.messages) == 1 and handler.messages[0]["To"] == "officer@example.org"


@pytest.mark.parametrize("raw, key", [
    ({"smtp_host": "relay", "mail_from": "a@b", "mail_to": ["c@d"], "smtp_user": "gw"}, "smtp_user"),
    ({"smtp_host": "relay", "mail_from": "a@b", "mail_to": ["c@d"], "smtp_starttls": True,
      "smtp_ca_file": "/nonexistent/ca.pem"}, "smtp_ca_file"),
])
def test_a_password_in_clear_or_a_missing_ca_file_is_a_config_error(raw, key):
    with pytest.raises(ConfigError, match=key):
        _parse_notify(raw)
