"""The extractor registry: explicit keys, duplicates refused, library failures made typed."""

import pytest

from scanner.errors import ExtractionError, RegistryError, UnsupportedTypeError
from scanner.extract import extract, get_extractor, register, registered_types
from scanner.extract import registry
from scanner.model import Extraction


@pytest.fixture
def scratch_type():
    """A type name registered only for one test, removed afterwards."""
    name = "test-scratch"
    yield name
    registry._EXTRACTORS.pop(name, None)


def test_builtins_are_registered():
    assert {"docx", "pdf", "text"} <= set(registered_types())
    assert registered_types() == sorted(registered_types())


def test_duplicate_key_is_refused():
    with pytest.raises(RegistryError):
        register("pdf")(lambda data: Extraction(type="pdf"))
    assert get_extractor("pdf").__module__ == "scanner.extract.pdf"


@pytest.mark.parametrize("kind", ["binary", "elf", "exe", "no-such-type"])
def test_unknown_type_is_unsupported(kind):
    with pytest.raises(UnsupportedTypeError) as info:
        extract(kind, b"data")
    assert info.value.code == "scan.unsupported"
    assert isinstance(info.value, ExtractionError)


def test_library_failure_becomes_extraction_error(scratch_type):
    @register(scratch_type)
    def broken(data: bytes) -> Extraction:
        raise KeyError("word/document.xml")

    with pytest.raises(ExtractionError) as info:
        extract(scratch_type, b"x")
    assert info.value.code == "scan.unreadable"
    assert "KeyError" in str(info.value)


def test_plugin_registers_like_a_builtin(scratch_type):
    @register(scratch_type)
    def reader(data: bytes) -> Extraction:
        return Extraction(type=scratch_type)

    assert scratch_type in registered_types()
    assert extract(scratch_type, b"x").type == scratch_type
