"""Short stems for names too long for their companions: deterministic, within 255 bytes, never cutting a
character, keeping the extension; names that fit are left alone."""

from __future__ import annotations

import hashlib
import os

import pytest

from scanner.ingest.fitnames import NAME_MAX, STEM_MAX, companion, fit, short_stem


@pytest.mark.parametrize("name", ["plan.docx", "方案.txt", "长" * 79 + ".txt", "a" * 241])
def test_names_whose_companions_fit_are_kept(name):
    assert len(os.fsencode(name)) <= STEM_MAX
    assert short_stem(name) == name and fit(name) == name
    assert companion(name, ".approval.json") == name + ".approval.json"


@pytest.mark.parametrize("name", [
    "长" * 83 + "ab.txt",                      # 255 bytes of UTF-8
    "密" * 80 + "x.txt",                       # 245 bytes
    "a" * 242,                                 # no extension
    os.fsdecode("方案".encode("gbk") * 61 + b".doc"),  # 248 bytes, not UTF-8
])
def test_long_names_get_a_deterministic_short_stem(name):
    stem = short_stem(name)
    data, short = os.fsencode(name), os.fsencode(stem)
    assert stem == short_stem(name)  # the same every time
    assert len(short) <= STEM_MAX and len(os.fsencode(companion(name, ".approval.json"))) <= NAME_MAX
    assert f"~{hashlib.sha256(data).hexdigest()[:8]}" in stem
    ext = os.path.splitext(name)[1]
    assert stem.endswith(ext)
    if name.isprintable() and "\udcb7" not in name:
        short.decode("utf-8")  # a UTF-8 name is cut between characters
        assert name.startswith(stem.split("~")[0])


def test_numbered_names_that_grow_too_long_are_fitted():
    name = "长" * 83 + "ab (1).txt"  # 259 bytes
    fitted = fit(name)
    assert len(os.fsencode(fitted)) <= NAME_MAX and fitted.endswith(".txt")
    assert fit("长" * 83 + "ab (2).txt") != fitted
