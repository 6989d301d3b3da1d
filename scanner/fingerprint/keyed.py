"""The organisation's fingerprint key: its own file (mode 0600), apart from the index.

A chosen k-gram is stored as F(key, h1 || h2), where h1 and h2 are its two public 64-bit hashes
(winnow.py) and F is AES-128 of that 16-byte block under a key derived from the key file with
HMAC-SHA256, truncated to 64 bits. AES-128 is a pseudorandom permutation, so F is a keyed
pseudorandom function, like HMAC-SHA256 truncated; unlike a call to HMAC per k-gram (3-7 µs each
in Python, over 100 ms per MB of text) it runs over all of a text's k-grams in one call. Without
the key the stored values say nothing about the k-grams: a copied index gives back no text.
Data values (data.py) are hashed the same way, under a key derived for them alone, so that a
scan can hash every run of a value's length in a text in one call too.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from scanner.errors import ConfigError

KEY_BYTES = 32


def create_key(path: Path) -> None:
    """Write a new random key, mode 0600 from the start; refuse to overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise ConfigError(f"指纹密钥文件已存在，拒绝覆盖：{path} (fingerprint key exists, not overwriting: {path})") from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(KEY_BYTES).hex().encode() + b"\n")


@dataclass(frozen=True)
class FingerprintKey:
    """The secret and what is derived from it."""

    secret: bytes

    @classmethod
    def load(cls, path: Path) -> "FingerprintKey":
        try:
            raw = path.read_bytes().strip()
            secret = bytes.fromhex(raw.decode("ascii"))
        except OSError as exc:
            raise ConfigError(f"无法读取指纹密钥 {path}：{exc.strerror} (cannot read fingerprint key {path})") from exc
        except (UnicodeDecodeError, ValueError) as exc:
            raise ConfigError(f"指纹密钥文件格式不对：{path} (fingerprint key file is not hex: {path})") from exc
        if len(secret) < 16:
            raise ConfigError(f"指纹密钥太短：{path} (fingerprint key shorter than 16 bytes: {path})")
        if os.name == "posix" and path.stat().st_mode & 0o077:
            raise ConfigError(f"指纹密钥文件权限过宽，应为 0600：{path} (fingerprint key must be mode 0600: {path})")
        return cls(secret)

    def _derived(self, label: bytes) -> bytes:
        return hmac.digest(self.secret, b"mijian-fingerprint/" + label, "sha256")

    @property
    def key_id(self) -> str:
        """A name for the key, stored in the index so that a key that does not belong is noticed."""
        return self._derived(b"key-id")[:8].hex()

    def grams(self, h1: np.ndarray, h2: np.ndarray, purpose: bytes = b"grams") -> np.ndarray:
        """The keyed 64-bit fingerprints (int64, as SQLite stores them) of k-grams given their hashes;
        purpose b"values" for data values."""
        if len(h1) == 0:
            return np.zeros(0, dtype=np.int64)
        block = np.empty((len(h1), 2), dtype="<u8")
        block[:, 0], block[:, 1] = h1, h2
        out = np.frombuffer(self._encryptor(purpose).update(block.tobytes()), dtype="<i8")
        return out[0::2].copy()

    def _encryptor(self, purpose: bytes):
        """AES-128-ECB under the key derived for `purpose`, kept: ECB has no state between blocks."""
        cache = self.__dict__.setdefault("_encryptors", {})
        if purpose not in cache:
            cache[purpose] = Cipher(algorithms.AES(self._derived(purpose)[:16]), modes.ECB()).encryptor()
        return cache[purpose]


def public_digest(text: str) -> str:
    """A hash of text that needs no key (what a signed export names its content by)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
