"""Each reader's OCR engine gets its share of the cores: `-j N` readers run cores ÷ N inference threads
each (or `[scan] ocr_threads`), instead of every reader starting a thread per core."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from scanner.config import parse_config
from scanner.errors import ConfigError
from scanner.extract import ocr
from scanner.sandbox import SandboxPool

# A reader's loop, run in the main thread of a fresh process with a real pipe: one picture, then stop.
CHILD = r"""
import sys, threading
from multiprocessing import Pipe
from scanner.config import parse_config
from scanner.extract import ocr
from scanner.sandbox import _child

readers, configured = int(sys.argv[2]), int(sys.argv[3])
config = parse_config(f"[scan]\nocr_threads = {configured}\n")
data = open(sys.argv[1], "rb").read()
parent, child = Pipe()
replies = []

def talk():
    parent.recv()  # ready
    parent.send(("scan", config, data, "p.png", "0" * 64))
    while True:
        kind, payload = parent.recv()
        if kind != "partial":
            replies.append((kind, payload))
            break
    parent.send(("stop",))

thread = threading.Thread(target=talk)
thread.start()
_child(child, readers)
thread.join()
kind, payload = replies[0]
assert kind == "done", payload
print(ocr._built_threads, payload[0].verdict)
"""


@pytest.fixture(scope="module")
def marked_png(render_text, tmp_path_factory):
    path = tmp_path_factory.mktemp("ocr") / "marked.png"
    out = io.BytesIO()
    render_text(["机密★10年"]).save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("readers, configured, expected", [
    (1, 0, ocr.cpu_count()),
    (ocr.cpu_count(), 0, 1),
    (1, 1, 1),
])
def test_a_reader_builds_its_engine_with_its_share_of_the_cores(marked_png, readers, configured, expected):
    proc = subprocess.run([sys.executable, "-c", CHILD, str(marked_png), str(readers), str(configured)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(expected), "block"]


def test_the_readers_of_a_pool_know_how_many_share_the_cores():
    pool = SandboxPool(3)
    try:
        assert [box.readers for box in pool.all] == [3, 3, 3]
    finally:
        pool.close()


def test_negative_thread_count_is_refused():
    with pytest.raises(ConfigError, match="ocr_threads"):
        parse_config("[scan]\nocr_threads = -1\n")
