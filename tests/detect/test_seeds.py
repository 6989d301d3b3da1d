"""The seed policy texts (../shared/seeds/) mention levels on every page and are marked nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.config import Config
from scanner.detect.engine import DetectionEngine
from scanner.model import Document, Location, Segment

# shared/ stands beside the repository root (/work/main and /work/shared; CI clones the same way).
SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


def seed_files() -> list[Path]:
    if not SEEDS.is_dir():
        return []
    return sorted(SEEDS.glob("*.txt"))


def test_seed_folder_is_present():
    assert SEEDS.is_dir(), f"seed texts not found at {SEEDS}: shared/ must stand beside the repository"
    assert seed_files(), f"no *.txt seed texts in {SEEDS}"


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    return DetectionEngine(Config())


def detect_seed(engine: DetectionEngine, path: Path):
    assert path.is_file(), f"seed texts not found at {SEEDS}"
    text = path.read_text(encoding="utf-8")
    return engine.detect(Document([Segment(line, Location(line=n)) for n, line in enumerate(text.splitlines(), 1)]))


@pytest.mark.parametrize("path", seed_files() or [SEEDS / "missing"], ids=lambda p: p.name)
def test_seed_text_has_mentions_but_no_mark(engine, path):
    detection = detect_seed(engine, path)
    assert detection.markings == [], [m.text for m in detection.markings]
    assert not [f for f in detection.findings if f.rule.startswith("marking.")]
    assert detection.mentions, "the seeds talk about secrecy levels: their mentions should be seen"


@pytest.mark.parametrize("path", seed_files() or [SEEDS / "missing"], ids=lambda p: p.name)
def test_seed_text_gets_no_flag(engine, path):
    # Rules about secrecy talk of secrets: they are not secret content (issue 12).
    detection = detect_seed(engine, path)
    assert detection.labels == [], detection.evidence
