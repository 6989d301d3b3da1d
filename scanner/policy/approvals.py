"""Approval records (对外提供资料审批): signed by the security office, verified by gateways."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date

from typing import TYPE_CHECKING

from scanner.errors import PolicyError
from scanner.policy.keys import key_id

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT_VERSION = 1
STATUSES = ("valid", "missing", "expired", "revoked", "hash-mismatch", "bad-signature", "wrong-recipient")
_TEXT_FIELDS = ("sha256", "title", "recipient", "purpose", "approver", "verifier", "expires", "applicant",
                "department", "recipient_country", "sensitivity", "issued", "id")


def json_kind(value: object) -> str:
    """The JSON name of a value's type, for messages about malformed records."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _not_text(name: str, value: object) -> PolicyError:
    kind = json_kind(value)
    return PolicyError(f"字段 {name} 应为字符串，实为 {kind} (field {name} must be a string, not {kind})")


@dataclass(frozen=True)
class ApprovalRecord:
    """What the security office approved: these exact bytes, to this recipient, for this purpose, until then."""

    sha256: str
    title: str
    recipient: str
    purpose: str
    approver: str
    verifier: str
    expires: str
    applicant: str = ""
    department: str = ""
    recipient_country: str = ""
    sensitivity: str = ""
    issued: str = field(default_factory=lambda: date.today().isoformat())
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    contents: tuple = ()  # for packages: ({"name", "sha256", "verdict"}, ...) at packaging time
    version: int = FORMAT_VERSION

    def __post_init__(self):
        # Records come from JSON that travels: every field is checked for its type before it is used.
        for name in _TEXT_FIELDS:
            if not isinstance(getattr(self, name), str):
                raise _not_text(name, getattr(self, name))
        if not isinstance(self.contents, tuple) or not all(isinstance(c, dict) for c in self.contents):
            raise PolicyError(f"字段 contents 应为对象数组，实为 {json_kind(self.contents)} "
                              f"(field contents must be an array of objects)")
        if len(self.sha256) != 64 or any(c not in "0123456789abcdef" for c in self.sha256):
            raise PolicyError(f"审批记录的 SHA-256 无效 (invalid sha256 in approval {self.id})")
        for name in ("recipient", "purpose", "approver", "verifier", "title"):
            if not str(getattr(self, name)).strip():
                raise PolicyError(f"审批记录缺少 {name} (approval record needs {name})")
        try:
            if date.fromisoformat(self.expires) < date.fromisoformat(self.issued):
                raise PolicyError("审批有效期早于签发日期 (approval expires before it is issued)")
        except ValueError as exc:
            raise PolicyError(f"审批日期格式应为 YYYY-MM-DD (dates must be YYYY-MM-DD): {exc}") from exc

    def canonical(self) -> bytes:
        data = asdict(self)
        data["contents"] = list(self.contents)
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Signed:
    """A payload (approval or revocation) as signed JSON: exactly the signed bytes are kept."""

    payload: bytes
    signature: str
    key_id: str

    def __post_init__(self):
        if not isinstance(self.payload, bytes):
            raise PolicyError(f"字段 payload 应为字节串 (payload must be bytes, not {json_kind(self.payload)})")
        for name in ("signature", "key_id"):
            if not isinstance(getattr(self, name), str):
                raise _not_text(name, getattr(self, name))

    def to_dict(self) -> dict:
        return {"payload": self.payload.decode("utf-8"), "signature": self.signature, "key_id": self.key_id}

    @classmethod
    def from_dict(cls, data: object) -> "Signed":
        """A signed record from its JSON form; PolicyError names what is wrong with it."""
        if not isinstance(data, dict):
            kind = json_kind(data)
            raise PolicyError(f"记录应为 JSON 对象，实为 {kind} (a record must be a JSON object, not {kind})")
        for name in ("payload", "signature", "key_id"):
            if name not in data:
                raise PolicyError(f"记录缺少字段 {name} (the record has no {name})")
            if not isinstance(data[name], str):
                raise _not_text(name, data[name])
        try:
            payload = data["payload"].encode("utf-8")
        except UnicodeEncodeError as exc:
            raise PolicyError("字段 payload 不是有效的 UTF-8 文本 (payload is not valid UTF-8 text)") from exc
        return cls(payload, data["signature"], data["key_id"])

    def data(self) -> dict:
        try:
            value = json.loads(self.payload)
        except json.JSONDecodeError as exc:
            raise PolicyError(f"审批记录不是有效的 JSON (record is not JSON): {exc}") from exc
        if not isinstance(value, dict):
            raise PolicyError("审批记录格式错误 (record is not an object)")
        return value

    def verifies(self, public_key: Ed25519PublicKey) -> bool:
        from cryptography.exceptions import InvalidSignature

        try:
            public_key.verify(base64.b64decode(self.signature, validate=True), self.payload)
        except (InvalidSignature, ValueError):
            return False
        return self.key_id == key_id(public_key)


def sign(payload: bytes, private_key: Ed25519PrivateKey) -> Signed:
    return Signed(payload, base64.b64encode(private_key.sign(payload)).decode("ascii"), key_id(private_key.public_key()))


def sign_record(record: ApprovalRecord, private_key: Ed25519PrivateKey) -> Signed:
    return sign(record.canonical(), private_key)


def sign_revocation(record_id: str, reason: str, revoked_by: str, private_key: Ed25519PrivateKey) -> Signed:
    if not reason.strip():
        raise PolicyError("撤销审批必须说明理由 (a revocation needs a reason)")
    payload = {"revokes": record_id, "reason": reason, "revoked_by": revoked_by,
               "revoked_at": date.today().isoformat(), "version": FORMAT_VERSION}
    return sign(json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(), private_key)


def record_from(signed: Signed) -> ApprovalRecord:
    """The approval a signed payload holds; PolicyError when it is not a well-formed approval."""
    data = signed.data()
    if data.get("version") != FORMAT_VERSION:
        raise PolicyError(f"不支持的审批记录版本 {data.get('version')} (unsupported record version)")
    contents = data.get("contents", [])
    if not isinstance(contents, list):
        raise PolicyError(f"字段 contents 应为对象数组，实为 {json_kind(contents)} "
                          f"(field contents must be an array of objects)")
    data["contents"] = tuple(contents)
    try:
        return ApprovalRecord(**data)
    except TypeError as exc:  # a field missing or unknown
        raise PolicyError(f"审批记录字段错误 (unexpected fields in record): {exc}") from exc


def revoked_id(signed: Signed) -> str:
    """The id of the approval a signed revocation revokes; PolicyError when it names none."""
    revokes = signed.data().get("revokes")
    if not isinstance(revokes, str) or not revokes.strip():
        raise PolicyError(f"撤销记录缺少字段 revokes (the revocation names no approval: revokes is "
                          f"{json_kind(revokes)})")
    return revokes


def verify(
    signed: Signed,
    public_key: Ed25519PublicKey | None,
    sha256: str,
    *,
    today: date | None = None,
    revoked: set[str] = frozenset(),
    recipient: str | None = None,
) -> tuple[str, ApprovalRecord | None]:
    """The status of one signed record for a file with this hash. Order matters: an unsigned
    or tampered record says nothing about the file, so the signature is checked first."""
    if public_key is None or not signed.verifies(public_key):
        return "bad-signature", None
    try:
        record = record_from(signed)
    except PolicyError:
        return "bad-signature", None
    if record.sha256 != sha256:
        return "hash-mismatch", record
    if record.id in revoked:
        return "revoked", record
    if date.fromisoformat(record.expires) < (today or date.today()):
        return "expired", record
    if recipient and record.recipient != recipient:
        return "wrong-recipient", record
    return "valid", record


# When several records speak of one file, the best answer wins: valid over the reasons it is not.
_PREFERENCE = ("valid", "wrong-recipient", "expired", "revoked", "hash-mismatch", "bad-signature", "missing")


def best_status(statuses: list[str]) -> str:
    return min(statuses, key=_PREFERENCE.index, default="missing")
