"""spaCy imported without its command-line package, which a reader never uses.

`import spacy` imports `spacy.cli` (typer, rich, jinja2, requests, httpx, weasel) only to name
`spacy.info`: about half of the 0.7 s of CPU that spaCy's import costs in a reader process. While spaCy
is imported here, `spacy.cli` and `spacy.cli.info` are stand-ins whose `info` imports the real one when
called; the stand-ins are taken out of `sys.modules` again, so a later `import spacy.cli` gets the real
package. spaCy 3.8 (the version pinned) imports `spacy.cli` from nowhere else; should another version
fail to import this way, it is imported again the ordinary way.
"""

from __future__ import annotations

import importlib
import sys
import types


def _info(*args, **kwargs):
    """spacy.info, imported when called."""
    return importlib.import_module("spacy.cli.info").info(*args, **kwargs)


def import_spacy():
    """The spacy module; imported without spacy.cli unless something imported spaCy already."""
    if "spacy" in sys.modules:
        return importlib.import_module("spacy")
    cli, info = types.ModuleType("spacy.cli"), types.ModuleType("spacy.cli.info")
    cli.__path__ = []  # a package, so that spacy.cli.info may be imported from it
    info.info = _info
    stand_ins = {"spacy.cli": cli, "spacy.cli.info": info}
    sys.modules.update(stand_ins)
    try:
        import spacy
    except Exception:  # another spaCy: forget the half-imported one and import it as it comes
        _forget(lambda name: name == "spacy" or name.startswith("spacy."))
        import spacy
    finally:
        _forget(lambda name: name in stand_ins and sys.modules[name] is stand_ins[name])
    if getattr(spacy, "cli", None) is cli:
        del spacy.cli
    return spacy


def _forget(which) -> None:
    for name in [n for n in sys.modules if which(n)]:
        del sys.modules[name]
