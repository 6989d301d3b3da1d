"""Locate the data folders (lexicons/, configs/, models/) in a checkout or an installed wheel."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    """Return the folder `name` shipped with Mijian.

    An installed wheel carries it under scanner/_data/; a source checkout (and an
    editable install) has it beside the package.
    """
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"Mijian data folder not found: {name}")


def lexicon_dir(setting: str) -> Path:
    """The folder a `detect.lexicon_dir` setting names, else the lexicons shipped with Mijian."""
    return Path(setting) if setting else data_path("lexicons")


def model_dir(setting: str) -> Path | None:
    """The folder a model setting names: "" is off, a bare name is a folder under models/, else a path.

    FileNotFoundError when a bare name is given and Mijian has no models/ folder. Light on purpose:
    the process that only decides (its reader detects) reads these settings without the detectors.
    """
    if not setting:
        return None
    if "/" in setting or "\\" in setting or setting.startswith("."):
        return Path(setting)
    return data_path("models") / setting
