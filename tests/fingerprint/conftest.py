"""Fixtures for registered documents: a key, an index with real documents, a config that uses them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.detect.engine import DetectionEngine
from scanner.fingerprint.register import Registrar, open_for_register
from fingerprint_texts import SECOND, SECRET  # tests/fingerprint_texts.py


@pytest.fixture()
def registered(tmp_path: Path):
    """(config, document ids): SECRET (机密) and SECOND (秘密) registered in a fresh index."""
    base = Config()
    config = replace(
        base,
        detect=replace(base.detect, model="", sensitivity_model="", entities=False),
        scan=replace(base.scan, isolate=False, ocr_pictures=False),
        register=replace(base.register, index=str(tmp_path / "fp.sqlite"), key_file=str(tmp_path / "fp.key")),
    )
    index, key, created = open_for_register(config)
    assert created
    registrar = Registrar(index, key)
    ids = [registrar.add_text(SECRET, title="东海联合演训保障方案", level="机密", owner="联合保障部"),
           registrar.add_text(SECOND, title="复合材料阶段总结", level="秘密")]
    index.commit()
    index.close()
    return config, ids


@pytest.fixture()
def engine(registered):
    return DetectionEngine(registered[0])
