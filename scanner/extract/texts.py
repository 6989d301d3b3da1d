"""The extracted text of a file and of everything inside it, segment by segment with its location (the review viewer).

The same extractors, limits and member walk as a scan (pipeline.scan_tree), without detecting:
each item's text is joined as the detectors saw it (model.Document), so the offsets a stored
finding carries point into it. Run in a sandbox child (sandbox.Sandbox.texts), never in the
console's own process.
"""

from __future__ import annotations

from scanner import names
from scanner.config import Config
from scanner.errors import LimitExceededError, MijianError
from scanner.extract.limits import Budget, Limits, using
from scanner.extract.members import ContainerExtraction
from scanner.extract.registry import extract
from scanner.extract.sniff import sniff
from scanner.model import Document, Segment


def _join(member: str | None, name: str) -> str:
    name = names.readable(name)
    return name if member is None else f"{member}/{name}"


def _item(member: str | None, kind: str, problem: str | None = None) -> dict:
    return {"member": member, "type": kind, "segments": [], "problem": problem}


def read_texts(data: bytes, config: Config, member: str | None = None, depth: int = 0,
               budget: Budget | None = None) -> list[dict]:
    """One dict per item (the file first, then its members, nested members joined with `/`):
    {"member", "type", "problem", "segments": [{"start", "text", "location"}]}, `start` being the
    segment's offset in the item's joined text."""
    budget = budget or Budget(Limits.from_settings(config.scan))
    try:
        kind = sniff(data)
    except Exception:  # as a scan does: an unknown type is reported, not raised
        kind = "unknown"
    own = _item(member, kind)
    try:
        with using(budget.limits, budget):
            extraction = extract(kind, data)
    except MijianError as exc:
        own["problem"] = str(exc)
        return [own]
    segments = [s if names.is_clean(s.text) else Segment(names.readable(s.text), s.location)
                for s in extraction.segments]
    document = Document(segments)
    own["segments"] = [{"start": start, "text": seg.text, "location": seg.location.describe("en")}
                       for start, seg in zip(document.starts, document.segments)]
    out = [own]
    if not isinstance(extraction, ContainerExtraction):
        return out
    for item in extraction.members:
        name = _join(member, item.name)
        try:
            budget.check_time()
            budget.count_member()
            budget.check_depth(depth + 1)
            if item.data is None and item.open is None:
                out.append(_item(name, "encrypted" if not item.problem else "unknown",
                                 item.problem[1] if item.problem else None))
                continue
            if item.data is not None:
                member_data = budget.take(item.data)
            else:
                with item.open() as stream:
                    member_data = budget.read_stream(stream, compressed=item.compressed)
        except LimitExceededError as exc:
            out.append(_item(name, "unknown", str(exc)))
            break
        except Exception as exc:  # a damaged member: said, and the walk goes on
            out.append(_item(name, "unknown", f"{type(exc).__name__}: {exc}"))
            continue
        out.extend(read_texts(member_data, config, name, depth + 1, budget))
    return out
