"""One item's bytes in, one verdict out: sniff, extract, normalise and detect, decide."""

from __future__ import annotations

import hashlib

from scanner.config import Config
from scanner.detect.engine import DetectionEngine
from scanner.errors import ExtractionError, UnsupportedTypeError
from scanner.extract import extract, sniff
from scanner.model import Detection, Document, ItemResult, Protection
from scanner.policy.decide import Problem, decide

# Types whose text lives in lines a person typed: blank means empty, not unreadable.
_PLAIN_TYPES = {"text"}


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_result(
    config: Config,
    *,
    path: str,
    member: str | None,
    sha256: str | None,
    size: int | None,
    kind: str,
    detection: Detection,
    protection: Protection,
    approval: dict,
    problem: Problem | None,
    cached: bool = False,
) -> ItemResult:
    """Apply the policy and assemble the record (also used to re-decide a stored result)."""
    verdict, reasons = decide(config.policy, detection, protection, approval.get("status", "missing"), problem)
    return ItemResult(
        path=path, member=member, sha256=sha256, size=size, type=kind, verdict=verdict, reasons=reasons,
        detection=detection, protection=protection, approval=approval,
        problem={"code": problem.code, "detail": problem.detail} if problem else None, cached=cached,
    )


def scan_bytes(
    data: bytes,
    *,
    path: str,
    config: Config,
    engine: DetectionEngine,
    member: str | None = None,
    approval: dict | None = None,
) -> ItemResult:
    """Decide one item. Never raises for bad input: a file that cannot be read is blocked."""
    kind = sniff(data)
    detection = Detection()
    protection = Protection()
    problem: Problem | None = None
    if kind == "empty":
        problem = Problem("scan.empty")
    else:
        try:
            extraction = extract(kind, data)
        except UnsupportedTypeError:
            problem = Problem("scan.unsupported", kind)
        except ExtractionError as exc:
            problem = Problem(exc.code, str(exc))
        else:
            protection = extraction.protection
            document = Document(extraction.segments)
            if protection.needs_password:
                pass  # nothing to read without the password; the policy decides on that
            elif not document.text.strip():
                problem = Problem("scan.empty") if kind in _PLAIN_TYPES else Problem("scan.no_text")
            else:
                try:
                    detection = engine.detect(document)
                except Exception as exc:  # a detector bug must fail closed, not pass the file
                    problem = Problem("scan.unreadable", f"检测失败 (detection failed): {type(exc).__name__}: {exc}")
                    detection = Detection()
                if extraction.unread and problem is None:
                    problem = Problem("scan.unreadable", "部分内容无法读取 (part of the file could not be read): "
                                      + "; ".join(extraction.unread))
    return build_result(
        config, path=path, member=member, sha256=sha256_bytes(data), size=len(data), kind=kind,
        detection=detection, protection=protection, approval=approval or {"status": "missing"}, problem=problem,
    )
