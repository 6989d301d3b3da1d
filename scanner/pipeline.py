"""One item's bytes in, verdicts out: sniff, extract, normalise and detect, decide; containers recurse."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable

from scanner import names
from scanner.config import Config
from scanner.detect.engine import DetectionEngine
from scanner.errors import ExtractionError, LimitExceededError, UnsupportedTypeError
from scanner.extract import early, extract, sniff
from scanner.extract.limits import Budget, Limits, using
from scanner.extract.members import ContainerExtraction, Member
from scanner.model import Detection, Document, Extraction, ItemResult, Marking, Protection, Segment
from scanner.policy.decide import Problem
# Deciding without reading lives in results.py; these names stay importable from here.
from scanner.results import (  # noqa: F401
    ROLLUP_CODES, build_result, redecide, redecide_stored, rollup, unread_result,
)

# Types whose text lives in lines a person typed: blank means empty, not unreadable.
_PLAIN_TYPES = {"text"}


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def limits_from(config: Config) -> Limits:
    """The expansion limits: from the config's [scan] section where it names them, else the defaults."""
    return Limits.from_settings(config.scan)


def _join(member: str | None, name: str) -> str:
    name = names.readable(name)  # a tar member's name may be bytes that are not UTF-8
    return name if member is None else f"{member}/{name}"


def _readable(segment: Segment) -> Segment:
    """Text an extractor left undecoded (a member name's bytes) shown readably: records need valid UTF-8."""
    return segment if names.is_clean(segment.text) else Segment(names.readable(segment.text), segment.location)


_MEMORY = "读取所需内存超过上限 scan.max_memory (reading needs more memory than scan.max_memory)"


def _out_of_memory(exc: BaseException | None) -> bool:
    """Whether a failure was, at bottom, memory running out (the worker's address-space limit)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, MemoryError) or "bad_alloc" in str(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


_EARLY_MARKS: ContextVar[Callable[[list[Marking]], None] | None] = ContextVar("mijian_early_marks", default=None)


@contextmanager
def reporting_marks(send: Callable[[list[Marking]], None]):
    """While items are read, `send(marks)` gets the marks a text layer shows before OCR starts.

    The reader process sends them to its parent: if OCR then runs past the hard time limit and the
    reader is killed, the parent still reports those marks with the limit (sandbox.py).
    """
    token = _EARLY_MARKS.set(send)
    try:
        yield
    finally:
        _EARLY_MARKS.reset(token)


def _looked_at_early(engine: DetectionEngine, found: list[Detection]):
    """The listener for an extractor's text so far (extract/early.py): detect in it, keep the result
    for a read that a limit ends, and pass its marks on to a parent process that listens."""

    def tell(segments) -> None:
        try:
            detection = engine.detect(Document(segments))
        except Exception:  # the full read still runs detection and fails closed if it fails
            return
        found[:] = [detection]
        send = _EARLY_MARKS.get()
        if send is not None and detection.markings:
            send(detection.markings)

    return tell


def _read_item(data: bytes, kind: str, engine: DetectionEngine) -> tuple[Extraction | None, Detection, Problem | None]:
    """Extract and detect one item; every failure becomes a Problem, never an exception.

    An extraction that fails after its text layer was looked at (before OCR) keeps what was found there.
    """
    detection = Detection()
    if kind == "empty":
        return None, detection, Problem("scan.empty")
    early_found: list[Detection] = []
    try:
        with early.listening(_looked_at_early(engine, early_found)):
            extraction = extract(kind, data)
    except UnsupportedTypeError as exc:
        return None, detection, Problem("scan.unsupported", str(exc))
    except ExtractionError as exc:
        detection = early_found[0] if early_found else detection
        if _out_of_memory(exc):
            return None, detection, Problem("scan.limit", f"{_MEMORY}: {exc}")
        return None, detection, Problem(exc.code, str(exc))
    document = Document([_readable(s) for s in extraction.segments])
    container = isinstance(extraction, ContainerExtraction)
    unread = None
    if extraction.unread:
        # Parts left unread because a limit stopped the reading (OCR time, pages, pixels, max_seconds)
        # make it a limit; the text read before still goes to the detectors below.
        code = "scan.limit" if extraction.properties.get("limits") else "scan.unreadable"
        unread = Problem(code, "部分内容无法读取 (part of the file could not be read): "
                         + "; ".join(extraction.unread))
    if extraction.protection.needs_password:
        return extraction, detection, None  # nothing to read without the password; the policy decides
    if not document.text.strip():
        if container:
            # An archive's content is its members; with none at all it is an empty archive.
            return extraction, detection, unread or (None if extraction.members else Problem("scan.empty"))
        return extraction, detection, Problem("scan.empty") if kind in _PLAIN_TYPES else Problem("scan.no_text")
    problem = None
    try:
        detection = engine.detect(document)
    except Exception as exc:  # a detector bug must fail closed, not pass the file
        problem = (Problem("scan.limit", f"{_MEMORY}: {type(exc).__name__}") if _out_of_memory(exc) else
                   Problem("scan.unreadable", f"检测失败 (detection failed): {type(exc).__name__}: {exc}"))
        detection = Detection()
    return extraction, detection, problem or unread


def _scan_one(data, kind, *, path, member, config, engine, approval, extra: Problem | None,
              sha256: str | None = None):
    extraction, detection, problem = _read_item(data, kind, engine)
    if extra is not None and (problem is None or problem.code == "scan.empty"):
        problem = extra
    protection = extraction.protection if extraction is not None else Protection()
    result = build_result(
        config, path=path, member=member, sha256=sha256 or sha256_bytes(data), size=len(data), kind=kind,
        detection=detection, protection=protection, approval=approval or {"status": "missing"}, problem=problem,
    )
    return result, extraction


def scan_bytes(
    data: bytes,
    *,
    path: str,
    config: Config,
    engine: DetectionEngine,
    member: str | None = None,
    approval: dict | None = None,
) -> ItemResult:
    """Decide one item. Never raises for bad input: a file that cannot be read is blocked.

    A container (archive, e-mail) is decided with its members: its verdict is the worst of
    theirs, so a caller that keeps only this one result still never passes a secret member.
    """
    return scan_tree(data, path=path, config=config, engine=engine, member=member, approval=approval)[0]


def scan_tree(
    data: bytes,
    *,
    path: str,
    config: Config,
    engine: DetectionEngine,
    member: str | None = None,
    depth: int = 0,
    budget: Budget | None = None,
    approval: dict | None = None,
    problem: Problem | None = None,
    sha256: str | None = None,
) -> list[ItemResult]:
    """Decide an item and, recursively, everything inside it.

    Returns the item's own result first, then one result per member (`member` is the path
    inside, joined with `/`). The container's verdict is the worst of its own and its members'.
    Limits (size, total bytes, members, depth, ratio, time) are checked as members are read,
    so a bomb is stopped early; every limit passed is a recorded result, never a silent skip.
    """
    if budget is None:
        budget = Budget(limits_from(config))
    try:
        kind = sniff(data)
    except Exception:  # sniffing must not stop a run: an unknown type is blocked as unsupported
        kind = "unknown"
    with using(budget.limits, budget):  # the configured limits and the clock reach the extractors (7z, OCR)
        own, extraction = _scan_one(data, kind, path=path, member=member, config=config, engine=engine,
                                    approval=approval, extra=problem, sha256=sha256)
    if not isinstance(extraction, ContainerExtraction) or not extraction.members:
        return [own]
    results: list[ItemResult] = []
    direct: list[ItemResult] = []
    for item in extraction.members:
        name = _join(member, item.name)
        try:
            budget.check_time()
            budget.add_bytes(0)  # the whole tree's byte budget, spent already by an earlier member?
            budget.count_member()
            budget.check_depth(depth + 1)
        except LimitExceededError as exc:
            # The rest of the container is not read: say so once, on the container.
            results.append(unread_result(config, path=path, member=name, kind="unknown",
                                          problem=Problem(exc.code, str(exc))))
            direct.append(results[-1])
            break
        tree = _scan_member(item, name, path=path, config=config, engine=engine, depth=depth, budget=budget)
        direct.append(tree[0])
        results.extend(tree)
    return [rollup(own, direct)] + results


def _scan_member(item: Member, name: str, *, path, config, engine, depth, budget) -> list[ItemResult]:
    extra = Problem(*item.problem) if item.problem else None
    if item.data is None and item.open is None:
        # Not to be read: encrypted (the protection decides), a link, a device.
        return [unread_result(config, path=path, member=name, kind="unknown" if extra else "encrypted",
                               problem=extra, protection=item.protection, size=item.size)]
    try:
        if item.data is not None:
            data = budget.take(item.data)
        else:
            with item.open() as stream:
                data = budget.read_stream(stream, compressed=item.compressed)
    except LimitExceededError as exc:
        return [unread_result(config, path=path, member=name, kind="unknown", problem=Problem(exc.code, str(exc)),
                               size=item.size)]
    except Exception as exc:  # a damaged or unsupported member (bad CRC, unknown method, truncation)
        return [unread_result(config, path=path, member=name, kind="unknown", size=item.size, problem=Problem(
            "scan.unreadable", f"成员无法读取 (member cannot be read): {type(exc).__name__}: {exc}"))]
    return scan_tree(data, path=path, config=config, engine=engine, member=name, depth=depth + 1,
                     budget=budget, problem=extra)
