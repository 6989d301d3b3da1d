"""Optional parts of the install: a command that needs one says which pip extra brings it."""

from __future__ import annotations

import importlib.util

from scanner.errors import ConfigError

# extra -> the modules it brings, by import name and package name (pyproject.toml's
# [project.optional-dependencies])
EXTRAS: dict[str, dict[str, str]] = {"train": {"sklearn": "scikit-learn", "scipy": "scipy"}}


def require_extra(extra: str, what_zh: str, what_en: str) -> None:
    """Raise a ConfigError (exit 2) naming `mijian[extra]` when one of its modules is missing."""
    missing = [package for module, package in EXTRAS[extra].items() if _absent(module)]
    if missing:
        raise ConfigError(
            f"{what_zh}需要 {', '.join(missing)}，请安装可选组件：pip install 'mijian[{extra}]' "
            f"({what_en} needs {', '.join(missing)}: install the extra with pip install 'mijian[{extra}]')",
            code="install.missing_extra")


def _absent(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is None
    except (ImportError, ValueError):  # a module set to None in sys.modules, or a broken package
        return True
