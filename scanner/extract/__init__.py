"""Extraction: sniff a file's type from its bytes and read its text with locations."""

from scanner.extract.registry import extract, get_extractor, register, registered_types  # noqa: F401
from scanner.extract.sniff import sniff  # noqa: F401

# Built-in extractors are imported on first use (registry.BUILTIN), and register themselves then,
# the same way a plugin does.
