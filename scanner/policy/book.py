"""The approval book a gateway consults: stored records, package hints and sidecar files, all verified."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from scanner.errors import PolicyError
from scanner.policy.approvals import Signed, best_status, verify
from scanner.store.approvals import ApprovalStore

SIDECAR_SUFFIX = ".approval.json"
# `mijian package` writes this into the zip comment, so a package altered after signing is
# recognised as the approved package with other bytes (hash-mismatch), not as an unknown file.
COMMENT_PREFIX = b"mijian-approval:"


def package_hints(data: bytes) -> list[str]:
    """Approval ids named in a zip's end-of-central-directory comment."""
    tail = data[-66000:]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return []
    length = int.from_bytes(tail[at + 20:at + 22], "little")
    comment = tail[at + 22:at + 22 + length]
    if not comment.startswith(COMMENT_PREFIX):
        return []
    return [comment[len(COMMENT_PREFIX):].decode("ascii", "replace").strip()]


def read_signed_file(path: Path) -> tuple[list[Signed], list[Signed]]:
    """Records and revocations from an export or sidecar file: {"approvals": [...], "revocations": [...]}."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PolicyError(f"无法读取审批文件 {path} (cannot read approval file {path}): {exc}") from exc
    if not isinstance(data, dict):
        raise PolicyError(f"审批文件格式错误：{path} (malformed approval file {path})")
    return ([Signed.from_dict(d) for d in data.get("approvals", [])],
            [Signed.from_dict(d) for d in data.get("revocations", [])])


class ApprovalBook:
    """Answers "is there a valid approval for these bytes?" with one of the statuses of approvals.py."""

    def __init__(self, records: ApprovalStore | None, public_key: Ed25519PublicKey | None,
                 recipient: str | None = None, today: date | None = None):
        self.records = records
        self.public_key = public_key
        self.recipient = recipient
        self.today = today
        self.revoked = self._revoked()

    def _revoked(self) -> set[str]:
        revoked = set()
        if self.records is None or self.public_key is None:
            return revoked
        for signed in self.records.revocations():
            # A revocation counts only when the office signed it.
            if signed.verifies(self.public_key):
                revoked.add(str(signed.data().get("revokes")))
        return revoked

    def status(self, sha256: str, hints: list[str] = (), path: Path | None = None) -> dict:
        """The approval status of a file with this hash; `hints` are record ids the file names
        (see package_hints), `path` where to look for a sidecar record."""
        candidates: list[Signed] = []
        if self.records is not None:
            candidates += self.records.by_sha256(sha256)
            candidates += self.records.by_ids(list(hints))
        if path is not None:
            sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
            if sidecar.is_file():
                try:
                    candidates += read_signed_file(sidecar)[0]
                except PolicyError:
                    return {"status": "bad-signature", "source": sidecar.name}
        if not candidates:
            return {"status": "missing"}
        results = [verify(s, self.public_key, sha256, today=self.today, revoked=self.revoked,
                          recipient=self.recipient) for s in candidates]
        status = best_status([s for s, _ in results])
        record = next((r for s, r in results if s == status and r is not None), None)
        out = {"status": status}
        if record is not None:
            out.update(id=record.id, recipient=record.recipient, expires=record.expires, approver=record.approver)
        return out
