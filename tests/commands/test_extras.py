"""Training needs the `mijian[train]` extra (scikit-learn, scipy); without it the command says so."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

CHINESE = re.compile(r"[\u3400-\u9fff]")


def _train_without(module: str, *args: str, tmp_path) -> subprocess.CompletedProcess:
    # Setting a module to None in sys.modules is how Python itself makes its import fail.
    code = (f"import sys; sys.modules[{module!r}] = None\n"
            "from scanner.cli import main\n"
            f"sys.exit(main({list(args)!r}))\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)


@pytest.mark.parametrize("module, package", [("sklearn", "scikit-learn"), ("scipy", "scipy")])
def test_train_without_the_extra_names_it(tmp_path, module, package):
    (tmp_path / "corpus.jsonl").write_text('{"text": "装备", "label": "defense"}\n', encoding="utf-8")
    proc = _train_without(module, "train", "corpus.jsonl", "-o", "model", tmp_path=tmp_path)
    assert proc.returncode == 2
    assert "mijian[train]" in proc.stderr and package in proc.stderr and "训练" in proc.stderr
    assert not (tmp_path / "model").exists()
    proc = _train_without(module, "--lang", "en", "train", "corpus.jsonl", "-o", "model", tmp_path=tmp_path)
    assert proc.returncode == 2 and "install the extra with pip install 'mijian[train]'" in proc.stderr
    assert not CHINESE.search(proc.stderr)
