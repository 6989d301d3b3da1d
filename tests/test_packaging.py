"""The package's metadata: licence in SPDX form with its text, and what a plain install brings."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_licence_is_an_spdx_expression_with_its_text():
    """PEP 639: `license = "Apache-2.0"` and the LICENSE file shipped (issue 15 item 12)."""
    assert PROJECT["project"]["license"] == "Apache-2.0"
    assert PROJECT["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    # hatchling reads PEP 639 fields from 1.27 on
    assert "hatchling>=1.27" in PROJECT["build-system"]["requires"]
