"""The security office's Ed25519 key pair: created once, private key kept 0600, public key shared."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.errors import PolicyError

if TYPE_CHECKING:  # cryptography is imported where a key is read or made: a scan without one does without
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PRIVATE_NAME = "approval_signing.key"
PUBLIC_NAME = "approval_signing.pub"


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable name for a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def init_keys(folder: Path) -> tuple[Path, Path]:
    """Create a key pair in `folder`; refuse to overwrite an existing key."""
    folder.mkdir(parents=True, exist_ok=True)
    private_path, public_path = folder / PRIVATE_NAME, folder / PUBLIC_NAME
    for path in (private_path, public_path):
        if path.exists():
            raise PolicyError(f"密钥文件已存在，拒绝覆盖：{path} (key file exists, not overwriting: {path})")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Created with 0600 from the start: the key is never readable by others, not even briefly.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_pem)
    public_path.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return private_path, public_path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise PolicyError(f"无法读取签名私钥 {path} (cannot load private key {path}): {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise PolicyError(f"签名私钥不是 Ed25519 密钥：{path} (not an Ed25519 key: {path})")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise PolicyError(f"无法读取验签公钥 {path} (cannot load public key {path}): {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise PolicyError(f"验签公钥不是 Ed25519 密钥：{path} (not an Ed25519 key: {path})")
    return key
