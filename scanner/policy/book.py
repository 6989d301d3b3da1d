"""The approval book a gateway consults: stored records, package hints and sidecar files, all verified."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.errors import PolicyError
from scanner.policy.approvals import Signed, best_status, json_kind, revoked_id, verify
from scanner.store.approvals import ApprovalStore

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SIDECAR_SUFFIX = ".approval.json"
# `mijian package` writes this into the zip comment, so a package altered after signing is
# recognised as the approved package with other bytes (hash-mismatch), not as an unknown file.
COMMENT_PREFIX = b"mijian-approval:"
# A sidecar holds a record or a few; the sender controls it, so a bigger one is refused unread.
SIDECAR_MAX_BYTES = 1 << 20


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


@dataclass(frozen=True)
class SignedEntry:
    """One signed record of a file, with its place there (`approvals[2]`) for messages."""

    where: str
    signed: Signed


@dataclass
class SignedFile:
    """What an export or sidecar file holds; `refused` says why each malformed entry was left out
    (`approvals[2]: ...`, Chinese first, English in parentheses)."""

    approval_entries: list[SignedEntry] = field(default_factory=list)
    revocation_entries: list[SignedEntry] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def approvals(self) -> list[Signed]:
        return [e.signed for e in self.approval_entries]

    @property
    def revocations(self) -> list[Signed]:
        return [e.signed for e in self.revocation_entries]

    @property
    def entries(self) -> int:
        return len(self.approval_entries) + len(self.revocation_entries) + len(self.refused)


def read_signed_file(path: Path, max_bytes: int | None = None) -> SignedFile:
    """Records and revocations from an export or sidecar file: {"approvals": [...], "revocations": [...]}.

    A file that cannot be read as such an object is a PolicyError; a malformed entry in it is refused
    on its own, with its reason, and the others are kept.
    """
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            raise PolicyError(f"审批文件 {path} 超过 {max_bytes} 字节 (approval file {path} is over {max_bytes} bytes)")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise PolicyError(f"无法读取审批文件 {path}：{exc} (cannot read approval file {path})") from exc
    if not isinstance(data, dict):
        kind = json_kind(data)
        raise PolicyError(f"审批文件格式错误：{path} 应为 JSON 对象，实为 {kind} "
                          f"(malformed approval file {path}: a JSON object is needed, not {kind})")
    found = SignedFile()
    for key, kept in (("approvals", found.approval_entries), ("revocations", found.revocation_entries)):
        entries = data.get(key, [])
        if not isinstance(entries, list):
            kind = json_kind(entries)
            found.refused.append(f"{key}: 应为数组，实为 {kind} (must be an array, not {kind})")
            continue
        for number, entry in enumerate(entries):
            try:
                kept.append(SignedEntry(f"{key}[{number}]", Signed.from_dict(entry)))
            except PolicyError as exc:
                found.refused.append(f"{key}[{number}]: {exc}")
    return found


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # ENAMETOOLONG, EACCES: a file that cannot be opened by that name
        return False


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
                try:
                    revoked.add(revoked_id(signed))
                except PolicyError:
                    continue
        return revoked

    def status(self, sha256: str, hints: list[str] = (), path: Path | None = None) -> dict:
        """The approval status of a file with this hash; `hints` are record ids the file names
        (see package_hints), `path` where to look for a sidecar record."""
        candidates: list[Signed] = []
        refused: list[str] = []  # malformed sidecar entries: each counts as a record with a bad signature
        source = None
        if self.records is not None:
            candidates += self.records.by_sha256(sha256)
            candidates += self.records.by_ids(list(hints))
        if path is not None:
            sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
            if _is_file(sidecar):
                try:
                    found = read_signed_file(sidecar, SIDECAR_MAX_BYTES)
                except PolicyError as exc:
                    found = SignedFile(refused=[str(exc)])
                candidates += found.approvals
                refused = found.refused
                source = sidecar.name if refused else None
        if not candidates and not refused:
            return {"status": "missing"}
        results = [verify(s, self.public_key, sha256, today=self.today, revoked=self.revoked,
                          recipient=self.recipient) for s in candidates]
        status = best_status([s for s, _ in results] + ["bad-signature"] * len(refused))
        record = next((r for s, r in results if s == status and r is not None), None)
        out = {"status": status}
        if record is not None:
            out.update(id=record.id, recipient=record.recipient, expires=record.expires, approver=record.approver)
        if refused:
            out.update(source=source, refused=refused)
        return out
