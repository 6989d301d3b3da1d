"""The small files that travel with a file (NAME.meta.json, NAME.approval.json) and the verdict file
written beside a quarantined one.

A sidecar is found by name in the same folder: `NAME + suffix`, or for a name longer than 241
bytes its short stem's (scanner/ingest/fitnames.py). Sidecars are read only when they are
regular files, never through a link, and only up to their size limit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from scanner import names
from scanner.ingest.entries import read_small
from scanner.ingest.fitnames import companion, short_stem
from scanner.ingest.spool import VERDICT_SUFFIX
from scanner.ingest.watch_config import META_SUFFIX, SIDECAR_SUFFIXES
from scanner.store.db import utcnow
from scanner.store.journal import Job

META_LIMIT = 64 * 1024
APPROVAL_LIMIT = 1024 * 1024


def pair(files: dict, sidecars: dict) -> dict[str, list[str]]:
    """Sidecar names by the file they belong to (names relative to the inbox, `/` separated).

    A sidecar whose file is not there is moved into `files`: an orphan is decided like any other file.
    """
    stems = {}
    for name in files:
        folder, _, base = name.rpartition("/")
        stem = short_stem(base)
        if stem != base:
            stems[f"{folder}/{stem}" if folder else stem] = name
    own: dict[str, list[str]] = {}
    for name in list(sidecars):
        for suffix in SIDECAR_SUFFIXES:
            if name.endswith(suffix):
                base = name[: -len(suffix)]
                owner = base if base in files else stems.get(base)
                if owner is not None:
                    own.setdefault(owner, []).append(name)
                    break
        else:
            files[name] = sidecars[name]
    return own


def suffix_of(sidecar: str) -> str:
    return next(s for s in SIDECAR_SUFFIXES if sidecar.endswith(s))


def _is_text(value) -> bool:
    """A string SQLite and JSON can hold: JSON escapes may carry lone surrogates, which they cannot."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_meta(path: Path) -> dict:
    """The text fields of a NAME.meta.json; {} when it cannot be read."""
    try:
        data = json.loads(read_small(path, META_LIMIT).decode("utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if _is_text(k) and _is_text(v)} if isinstance(data, dict) else {}


def check(folder: Path, sidecars: list[str]) -> str | None:
    """Sidecars travel with their file, so they must be what they claim: small JSON objects in
    regular files. Anything else could carry text past the scanner, and fails the file closed."""
    for sidecar in sidecars:
        limit = META_LIMIT if sidecar.endswith(META_SUFFIX) else APPROVAL_LIMIT
        shown = names.readable(sidecar)
        try:
            data = json.loads(read_small(folder / sidecar, limit).decode("utf-8"))
        except OSError:
            return f"附属文件 {shown} 不是可读的普通文件 (sidecar {shown} is not a readable regular file)"
        except ValueError as exc:
            if str(exc).startswith("larger than"):
                return f"附属文件 {shown} 超过 {limit} 字节 (sidecar {shown} is larger than {limit} bytes)"
            return f"附属文件 {shown} 不是有效的 JSON (sidecar {shown} is not valid JSON)"
        if not isinstance(data, dict):
            return f"附属文件 {shown} 应为 JSON 对象 (sidecar {shown} must be a JSON object)"
        if sidecar.endswith(META_SUFFIX) and not all(
                _is_text(k) and _is_text(v) and len(v) <= 1000 for k, v in data.items()):
            return f"附属文件 {shown} 只能含简短文本字段 (sidecar {shown} may hold short text fields only)"
    return None


def verdict_document(job: Job, result: dict) -> dict:
    """What stands beside a quarantined file: who sent it, where to, the verdict and every reason.

    Names are readable text; a name that is not UTF-8 also has its exact bytes in hex, and a name
    too long for companions says the short stem its verdict file is named after.
    """
    target = os.path.basename(job.target)
    doc = {
        "file": names.readable(target), "original_name": names.readable(job.name),
        "verdict_file": names.readable(companion(target, VERDICT_SUFFIX)),
        "inbox": job.inbox, "journal_id": job.id,
        "item_id": job.item_id, "verdict": result["verdict"], "reasons": result["reasons"],
        "sha256": result["sha256"], "size": result["size"], "type": result["type"],
        "markings": result.get("markings", []), "labels": result.get("labels", []),
        "problem": result.get("problem"), "approval": result.get("approval"),
        "sender": job.meta.get("sender"), "recipient": job.recipient, "purpose": job.meta.get("purpose"),
        "decided_at": utcnow(),
    }
    if short_stem(target) != target:
        doc["short_name"] = names.readable(short_stem(target))
    if not names.is_clean(job.name):
        doc["original_name_bytes"] = names.raw(job.name).hex()
    return doc
