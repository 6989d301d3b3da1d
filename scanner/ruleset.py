"""The ruleset fingerprint: one hash of everything that decides a verdict for given bytes.

Code version, every verdict-changing setting, the lexicons (the configured folder and the shipped
one, which holds the marking patterns and foreign names), the lists the config names, and the models
the config uses. The same fingerprint means the same verdict for the same bytes: stored results are
reused under it, and `mijian scan --resume` skips a file recorded under it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from scanner import __version__
from scanner.config import Config
from scanner.detect.entities import MODEL_FOLDER as NER_FOLDER
from scanner.resources import data_path, lexicon_dir, model_dir

_CHUNK = 1 << 20
# (path, size, mtime_ns) -> digest: a model of megabytes is read once per process, not once per run.
_DIGESTS: dict[tuple[str, int, int], str] = {}


def _file_digest(path: Path) -> str:
    try:
        info = path.stat()
        key = (str(path), info.st_size, info.st_mtime_ns)
        if key not in _DIGESTS:
            h = hashlib.sha256()
            with open(path, "rb") as fh:
                while chunk := fh.read(_CHUNK):
                    h.update(chunk)
            _DIGESTS[key] = h.hexdigest()
        return _DIGESTS[key]
    except OSError:
        return "<unreadable>"


def _files(source: Path) -> list[tuple[str, Path]]:
    """(name relative to `source`, path) of a file or of every file under a folder, sorted."""
    if source.is_file():
        return [(source.name, source)]
    if not source.is_dir():
        return [(source.name, source)]  # missing: hashed as unreadable, so it still counts
    found = []
    for dirpath, dirnames, filenames in os.walk(source):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in filenames:
            path = Path(dirpath) / name
            found.append((str(path.relative_to(source)), path))
    return sorted(found)


def _lexicon_folder(config: Config) -> Path:
    """The configured lexicon folder, read as the detectors read it (resources.lexicon_dir)."""
    return lexicon_dir(config.detect.lexicon_dir)


def _model_folder(setting: str) -> Path | None:
    """The folder a model setting names (resources.model_dir, as the classifier reads it); a missing
    models/ folder gives the setting itself: the engine reports it, the fingerprint names it."""
    try:
        return model_dir(setting)
    except FileNotFoundError:
        return Path(setting)


def _sources(config: Config) -> list[tuple[str, Path]]:
    detect = config.detect
    sources = [("lexicons", _lexicon_folder(config))]
    shipped = data_path("lexicons")
    if sources[0][1].resolve() != shipped.resolve():
        sources.append(("shipped-lexicons", shipped))
    for label, setting in (("other_lexicon", detect.other_lexicon), ("allow_list", detect.allow_list)):
        if setting:
            sources.append((label, Path(setting)))
    for label, setting in (("model", detect.model), ("sensitivity_model", detect.sensitivity_model)):
        folder = _model_folder(setting)  # a missing model: the engine reports it; the fingerprint names it
        if folder is not None:
            sources.append((label, folder))
    if detect.entities:
        try:
            sources.append(("ner", data_path("models") / NER_FOLDER))
        except FileNotFoundError:
            pass
    return sources


def ruleset_fingerprint(config: Config) -> str:
    """Same fingerprint, same verdict for the same bytes: code version, settings, lexicons and models."""
    h = hashlib.sha256()
    h.update(__version__.encode())
    h.update(config.fingerprint().encode())
    for label, source in _sources(config):
        h.update(b"\0" + label.encode())
        for name, path in _files(source):
            h.update(b"\0" + name.encode("utf-8", "surrogateescape") + b"\0")
            h.update(_file_digest(path).encode())
    if config.register.index:  # registered documents: a new registration must not reuse old verdicts
        from scanner.fingerprint.index import index_state

        h.update(b"\0register\0" + index_state(Path(config.register.index)).encode())
    return h.hexdigest()
