"""Mutated sample files never crash or hang the pipeline: every input ends with a verdict."""

import io
import tarfile
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from file_helpers import mutate
from scanner.config import Config
from scanner.detect.engine import DetectionEngine
from scanner.model import VERDICTS
from scanner.pipeline import scan_tree


@pytest.fixture(scope="module")
def samples(make_docx, make_xlsx, make_pptx, make_zip, make_pdf, make_eml):
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w:gz") as archive:
        info = tarfile.TarInfo("a.txt")
        info.size = 12
        archive.addfile(info, io.BytesIO("机密★10年".encode()[:12]))
    docx = make_docx(["机密★10年", "正文"])
    return [
        docx,
        make_xlsx({"表": {"B7": "机密★10年"}}),
        make_pptx([("机密★10年", "正文", "备注")]),
        make_zip({"a.txt": "机密".encode(), "b.docx": docx}),
        make_pdf([["机密★10年"]]),
        make_eml("主题", "正文", [("a.zip", make_zip({"x.txt": b"x"}))]),
        tar.getvalue(),
    ]


@pytest.fixture(scope="module")
def scanner():
    config = Config()
    engine = DetectionEngine(config)
    return lambda data: scan_tree(data, path="fuzz.bin", config=config, engine=engine)


mutation = st.tuples(
    st.integers(0, 6),  # which sample
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8),  # byte overwrites
    st.one_of(st.none(), st.floats(0, 1)),  # truncation point
    st.binary(max_size=16),  # junk inserted in the middle
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation)
def test_mutated_files_end_with_a_verdict(samples, scanner, change):
    index, *damage = change
    data = mutate(samples[index], damage)
    started = time.monotonic()
    results = scanner(data)
    assert time.monotonic() - started < 10
    assert results and all(r.verdict in VERDICTS for r in results)
    assert results[0].member is None
