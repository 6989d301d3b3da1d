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


def _names(requirements: list[str]) -> set[str]:
    import re

    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_training_libraries_are_an_extra_and_opencv_is_headless():
    """A plain install scans with numpy alone and the headless OpenCV (issue 15 item 10): scikit-learn and
    scipy come with mijian[train] (and [test]); nothing names opencv-python or the old rapidocr-onnxruntime,
    which pulled it and refused Python 3.13."""
    project = PROJECT["project"]
    core = _names(project["dependencies"])
    assert not {"scikit-learn", "scipy", "opencv-python", "rapidocr-onnxruntime"} & core
    assert {"opencv-python-headless", "rapidocr", "onnxruntime", "numpy"} <= core
    extras = project["optional-dependencies"]
    assert {"scikit-learn", "scipy"} <= _names(extras["train"])
    assert {"scikit-learn", "scipy"} <= _names(extras["test"])


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## 快速开始 / Set-up", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_set_up_commands_install_into_a_venv_and_match_ci():
    """Stock Debian refuses `pip install` into its Python (PEP 668): both set-up commands make a venv, and
    the test command is the one .ci/run runs, after the same Debian packages (issue 15 item 8)."""
    scan, tests = _readme_commands()
    assert "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/mijian scan samples" in scan
    apt, python = tests.split(" && ", 1)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"\n{python}\n" in ci
    packages = ci.split("APT_PACKAGES=(", 1)[1].split(")", 1)[0].split()
    assert apt.split() == ["apt-get", "install", "-y", *packages]
    for command in (scan, tests):
        assert "python3 -m pip install" not in command and "python3-venv" in command


def test_systemd_units_run_the_venv_in_opt():
    units = sorted((ROOT / "configs").glob("*.service"))
    assert units
    for unit in units:
        text = unit.read_text(encoding="utf-8")
        start = next(line for line in text.splitlines() if line.startswith("ExecStart="))
        assert "/opt/mijian/bin/" in start and "/usr/local/bin" not in start, unit.name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python3 -m venv /opt/mijian && /opt/mijian/bin/pip install ." in readme
