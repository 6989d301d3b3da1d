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


def test_builtin_table_names_the_module_that_registers_each_type():
    """registry.BUILTIN is what lazy loading trusts: every built-in module's types are in it, and no
    other module claims them."""
    import importlib
    import pkgutil

    import scanner.extract as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"scanner.extract.{info.name}")
    registered = {kind: func.__module__ for kind, func in registry._EXTRACTORS.items() if kind != "test-scratch"}
    assert registered == registry.BUILTIN


def test_a_plugin_cannot_take_a_builtin_type_before_it_loads():
    with pytest.raises(RegistryError):
        register("xz")(lambda data: Extraction(type="xz"))


def test_reading_text_loads_no_other_reader():
    """Extractors are imported when their type is first read: a text file loads neither pypdf nor
    openpyxl, python-docx, extract_msg, py7zr or the OCR engine (start-up, issue 15 item 9)."""
    import json
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "from scanner.extract import extract, sniff\n"
        "data = '机密★10年 关于试验的通知'.encode('gb18030')\n"
        "assert sniff(data) == 'text', sniff(data)\n"
        "assert any('机密' in s.text for s in extract('text', data).segments)\n"
        "heavy = ['pypdf', 'pypdfium2', 'openpyxl', 'docx', 'pptx', 'extract_msg', 'py7zr', 'xlrd',\n"
        "         'rapidocr', 'rapidocr_onnxruntime', 'onnxruntime', 'cv2', 'olefile', 'rarfile']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []
