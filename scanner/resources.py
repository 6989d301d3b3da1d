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
