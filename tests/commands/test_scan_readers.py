"""When `mijian scan` starts its reader processes (issue 17): the fork server as soon as the command is
known, a reader only when a file must be read, so a scan whose every file is stored starts none."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from scanner.commands.scan import _early_readers
from scanner.config import parse_config
from scanner.scan import scan_paths
from scanner.store.db import Store

CONFIG = parse_config('[detect]\nmodel = ""\n')


def _reader_after(argv: list[str], early: bool = True) -> bool:
    """Whether a fresh interpreter has forked a reader ahead after parsing `mijian ARGV`."""
    code = (
        "import contextlib, io\n"
        "import scanner.cli\n"
        "from scanner import sandbox_server\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        scanner.cli.parse_args({argv!r}, early={early!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sandbox_server._early is not None and sandbox_server._early[0].is_alive())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().lower())


def test_the_first_reader_starts_as_soon_as_the_command_is_a_scan():
    assert _reader_after(["scan", "a.txt", "--format", "jsonl"]) is True
    assert _reader_after(["--lang", "en", "scan", "a.txt"]) is True
    assert _reader_after(["scan", "a.txt"], early=False) is False  # parse_args alone starts nothing
    assert _reader_after(["scan", "--help"]) is False
    assert _reader_after(["scan", "a.txt", "--cluster", "local:1"]) is False
    assert _reader_after(["review", "list"]) is False


def test_the_early_reader_reads_the_first_file_of_a_one_reader_scan():
    """Forked from the command (not from the fork server), taken by the pool's sandbox, it reads and
    detects like any reader; with --jobs 2 it is stopped and the readers come from the fork server."""
    code = (
        "import json, threading\n"
        "from scanner import sandbox_server\n"
        "from scanner.config import parse_config\n"
        "from scanner.sandbox import SandboxPool\n"
        "sandbox_server.start_early()\n"
        "early = sandbox_server._early[0]\n"
        "config = parse_config('[detect]\\nmodel = \"\"\\n')\n"
        "pool = SandboxPool(1)\n"
        "[result] = pool.read(config, '机密★10年\\n会议通知\\n'.encode(), 'a.txt', '0' * 64)\n"
        "adopted = pool.all[0].process is early\n"
        "pool.close()\n"
        "sandbox_server.start_early()\n"
        "second = sandbox_server._early[0]\n"
        "sandbox_server.drop_early()\n"
        "dropped = not second.is_alive() and sandbox_server._early is None\n"
        "stop = threading.Event()\n"
        "threading.Thread(target=stop.wait).start()\n"
        "sandbox_server.start_early()  # another thread runs: no fork, the fork server instead\n"
        "threaded = sandbox_server._early is None\n"
        "stop.set()\n"
        "print(json.dumps([adopted, early.is_alive(), result.verdict, dropped, threaded]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert json.loads(proc.stdout.splitlines()[-1]) == [True, False, "block", True, True], proc.stderr


def test_a_scan_whose_every_file_is_stored_starts_no_reader(tmp_path):
    (tmp_path / "a.txt").write_text("机密★10年\n关于装备试验安排的通知\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("普通会议通知\n", encoding="utf-8")
    args = argparse.Namespace(cluster=None)
    store = Store(tmp_path / "m.db")
    try:
        readers = _early_readers(args, CONFIG, 1)
        try:
            first = scan_paths([str(tmp_path / "a.txt")], CONFIG, store=store, readers=readers)
            [box] = readers.all
            assert box.process is not None  # a new file: read by a reader
        finally:
            readers.close()
        readers = _early_readers(args, CONFIG, 1)
        try:
            again = scan_paths([str(tmp_path / "a.txt")], CONFIG, store=store, readers=readers)
            [box] = readers.all
            assert box.process is None and box._starting is None  # stored: no reader was started
            third = scan_paths([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], CONFIG, store=store,
                               readers=readers)
            assert box.process is not None  # b.txt is new
        finally:
            readers.close()
    finally:
        store.close()
    assert [r.verdict for r in first.files] == [r.verdict for r in again.files] == ["block"]
    assert again.files[0].cached and not first.files[0].cached
    assert [(r.verdict, r.cached) for r in third.files] == [("block", True), ("allow", False)]
    assert _early_readers(argparse.Namespace(cluster="local:1"), CONFIG, 1) is None
    assert _early_readers(args, parse_config("[scan]\nisolate = false\n"), 1) is None


def test_a_resumed_run_whose_every_file_is_recorded_starts_no_reader_and_imports_no_sqlite_utils(tmp_path):
    (tmp_path / "a.txt").write_text("机密★10年\n关于装备试验安排的通知\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("普通会议通知\n", encoding="utf-8")
    first = subprocess.run([sys.executable, "-m", "scanner", "scan", "a.txt", "b.txt", "--db", "m.db",
                            "--format", "jsonl"], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert first.returncode == 1, first.stderr
    code = (
        "import contextlib, io, json, sys\n"
        "from scanner import sandbox\n"
        "started = []\n"
        "start = sandbox.Sandbox._start\n"
        "sandbox.Sandbox._start = lambda self: (started.append(1), start(self))[1]\n"
        "from scanner.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    rc = main(['scan', '--resume', '1', '--db', 'm.db', '--format', 'jsonl'])\n"
        "print(json.dumps({'rc': rc, 'started': len(started), 'sqlite_utils': 'sqlite_utils' in sys.modules,\n"
        "                  'verdicts': sorted(json.loads(l)['verdict'] for l in out.getvalue().splitlines())}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert json.loads(proc.stdout.splitlines()[-1]) == {"rc": 1, "started": 0, "sqlite_utils": False,
                                                        "verdicts": ["allow", "block"]}, proc.stderr
