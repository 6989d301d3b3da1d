"""The detector registry: one detector per rule family, registered by id, duplicates refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from scanner.config import Config
from scanner.detect.normalize import NormalizedText
from scanner.errors import RegistryError
from scanner.model import Document, Finding, Marking
from scanner.resources import lexicon_dir


@dataclass
class DetectContext:
    """What a detector sees: the document, its normalised text, and how to name a place."""

    document: Document
    norm: NormalizedText

    def locate(self, offset: int) -> str:
        return self.document.locate(offset).describe("en")


@dataclass
class DetectorOutput:
    findings: list[Finding] = field(default_factory=list)
    markings: list[Marking] = field(default_factory=list)
    mentions: list[Marking] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    # The lexicon's evidence per class (evidence.ClassEvidence) and the public signs it saw.
    evidence: dict = field(default_factory=dict)
    public: list = field(default_factory=list)
    signals: list = field(default_factory=list)  # handling instructions and concrete details (signals.py)
    # The sensitivity model's best passage: (probability, start, end) in normalised text.
    sensitive: tuple[float, int, int] | None = None
    # True when the public signs were looked for (the lexicon looks only where a class could flag).
    public_checked: bool = False
    # Registered documents and data matched (scanner/fingerprint/detector.py).
    fingerprints: list = field(default_factory=list)


class Detector(Protocol):
    def detect(self, ctx: DetectContext) -> DetectorOutput: ...


DetectorFactory = Callable[[Config], Detector]
_DETECTORS: dict[str, DetectorFactory] = {}


def register(rule_id: str) -> Callable[[DetectorFactory], DetectorFactory]:
    def decorate(factory: DetectorFactory) -> DetectorFactory:
        if rule_id in _DETECTORS:
            raise RegistryError(f"detector {rule_id!r} is already registered")
        _DETECTORS[rule_id] = factory
        return factory

    return decorate


def registered_detectors() -> list[str]:
    return list(_DETECTORS)


def build_detectors(config: Config) -> dict[str, Detector]:
    return {rule_id: factory(config) for rule_id, factory in _DETECTORS.items()}


def lexicon_folder(config: Config) -> Path:
    """The configured lexicon folder, else the one shipped with Mijian."""
    return lexicon_dir(config.detect.lexicon_dir)
