"""spaCy imported without its command-line package: the model loads, and spacy.info / spacy.cli still work."""

from __future__ import annotations

import json
import subprocess
import sys

CODE = """
import json, sys
from scanner.detect.spacy_import import import_spacy
from scanner.detect.entities import EntityFinder
spacy = import_spacy()
after_import = "spacy.cli" in sys.modules
found = [[e.text, e.label] for e in EntityFinder().find("外交部发言人张明表示，美国国务院将派人来北京。")]
after_model = "spacy.cli" in sys.modules
info = spacy.info(silent=True)
import spacy.cli
print(json.dumps({"after_import": after_import, "after_model": after_model, "found": found,
                  "info_version": info.get("spacy_version"), "version": spacy.__version__,
                  "download": callable(getattr(spacy.cli, "download", None))}, ensure_ascii=False))
"""


def test_spacy_without_cli_in_a_fresh_process():
    run = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    assert got["after_import"] is False and got["after_model"] is False  # the CLI was never imported
    assert ["张明", "person"] in got["found"] and ["美国国务院", "organisation"] in got["found"]
    assert got["info_version"] == got["version"]  # spacy.info imports the real one when called
    assert got["download"] is True  # and a later import of spacy.cli gets the real package


def test_spacy_already_imported_is_returned_as_it_is():
    import spacy

    from scanner.detect.spacy_import import import_spacy

    assert import_spacy() is spacy
