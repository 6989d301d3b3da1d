"""Acceptance of issue 6, against the real daemon in a subprocess: a mixed burst, and SIGKILL at random moments."""

from __future__ import annotations

import hashlib
import io
import random
import threading
import time
from pathlib import Path

import docx
from reportlab.pdfgen import canvas

from watch_helpers import (CLEAN, MARKED, items, journal, leftovers, outcomes, start, start_and_kill, stop, wait_for,
                           write_config)


def _docx(text: str) -> bytes:
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _pdf(text: str) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def _write_slowly(path: Path, data: bytes, chunks: int, pause: float) -> None:
    """One open handle, flushed chunk by chunk: no close-after-write until the last byte."""
    step = len(data) // chunks + 1
    with open(path, "wb") as fh:
        for i in range(0, len(data), step):
            fh.write(data[i:i + step])
            fh.flush()
            time.sleep(pause)


def _mixed_files(rng: random.Random) -> dict[str, tuple[bytes, str]]:
    """500 files: name -> (bytes, expected place)."""
    files: dict[str, tuple[bytes, str]] = {}
    for i in range(300):
        files[f"clean_{i:03}.txt"] = (CLEAN.format(i=i).encode(), "released")
    for i in range(150):
        files[f"marked_{i:03}.txt"] = (MARKED.format(i=i).encode(), "quarantine")
    for i in range(20):
        files[f"corrupt_{i:02}.docx"] = (rng.randbytes(3000), "quarantine")
    for i in range(10):
        files[f"truncated_{i:02}.pdf"] = (_pdf(f"Meeting notes {i}")[:300], "quarantine")
    for i in range(5):
        files[f"notes_{i}.docx"] = (_docx(CLEAN.format(i=i)), "released")
        files[f"order_{i}.docx"] = (_docx(MARKED.format(i=i)), "quarantine")
        files[f"minutes_{i}.pdf"] = (_pdf(f"Minutes of the sports day meeting {i}"), "released")
    assert len(files) == 495
    return files


def test_burst_of_500_mixed_files_each_ends_in_exactly_one_place(tmp_path):
    rng = random.Random(6)
    config = write_config(tmp_path)
    inbox = tmp_path / "inbox" / "out"
    files = _mixed_files(rng)
    # Five large files written slowly; two carry their marking in the last chunk, so a file taken
    # before it is complete would be released by mistake.
    slow: dict[str, tuple[bytes, str]] = {}
    for i in range(3):
        slow[f"large_clean_{i}.txt"] = ((CLEAN.format(i=i) * 20000).encode(), "released")
    for i in range(2):
        slow[f"large_marked_{i}.txt"] = ((CLEAN.format(i=i) * 20000 + MARKED.format(i=i)).encode(), "quarantine")
    expected = {name: place for name, (_, place) in {**files, **slow}.items()}
    assert len(expected) == 500

    proc = start(config, log=tmp_path / "daemon.log")
    try:
        writers = [threading.Thread(target=_write_slowly, args=(inbox / name, data, 25, 0.1))
                   for name, (data, _) in slow.items()]
        for w in writers:
            w.start()
        for name, (data, _) in files.items():
            if rng.random() < 0.1:  # some arrive under a temporary name and are renamed when done
                (inbox / (name + ".part")).write_bytes(data)
                (inbox / (name + ".part")).rename(inbox / name)
            else:
                (inbox / name).write_bytes(data)
        for w in writers:
            w.join()
        got = wait_for(tmp_path, 500, proc=proc)
    finally:
        assert stop(proc) == 0

    assert {name: places for name, places in got.items()} == {name: [place] for name, place in expected.items()}
    assert list(inbox.iterdir()) == [] and leftovers(tmp_path) == []
    rows = journal(tmp_path)
    stored = items(tmp_path)
    assert len(rows) == 500 and {r["state"] for r in rows} <= {"released", "quarantined"}
    for row in rows:
        item = stored[row["item_id"]]
        assert item["verdict"] == row["verdict"]
        assert (row["state"] == "released") == (expected[row["name"]] == "released")
    # The slowly written files were decided on their complete bytes.
    by_name = {r["name"]: r for r in rows}
    for name, (data, _) in slow.items():
        assert by_name[name]["sha256"] == hashlib.sha256(data).hexdigest()
        assert by_name[name]["size"] == len(data)
    # A quarantined file has its verdict and reasons beside it.
    verdict = (tmp_path / "spool" / "quarantine" / "out" / "marked_000.txt.verdict.json").read_text(encoding="utf-8")
    assert '"block"' in verdict and "marking.national_secret" in verdict



def test_sigkill_at_random_moments_loses_and_duplicates_nothing(tmp_path):
    """200 files, 20 dropped per round; in each of 10 rounds the daemon is killed with SIGKILL at a random
    moment after it has begun deciding; a last restart must finish everything, each file exactly once."""
    rng = random.Random(42)
    config = write_config(tmp_path, watch_extra="max_attempts = 20")
    inbox = tmp_path / "inbox" / "out"
    expected, payloads = {}, {}
    for i in range(200):
        marked = i % 3 == 0
        text = (MARKED if marked else CLEAN).format(i=i) * (1 + (i % 7) * 300)  # up to ~150 KB
        payloads[f"f_{i:03}.txt"] = text.encode()
        expected[f"f_{i:03}.txt"] = "quarantine" if marked else "released"
    names = list(payloads)
    log = tmp_path / "daemon.log"
    rounds = 0
    for rounds in range(1, 11):
        for name in names[(rounds - 1) * 20:rounds * 20]:
            (inbox / name).write_bytes(payloads[name])
        start_and_kill(config, log, rng, 1.0)
    proc = start(config, log=log)
    try:
        wait_for(tmp_path, 200, proc=proc)
        time.sleep(0.5)  # anything decided twice would show up now
        got = outcomes(tmp_path)
    finally:
        assert stop(proc) == 0
    assert rounds == 10
    assert log.read_text(encoding="utf-8").count('"recovered"') >= 1
    assert got == {name: [place] for name, place in expected.items()}
    assert list(inbox.iterdir()) == [] and leftovers(tmp_path) == []
    rows = journal(tmp_path)
    final = [r for r in rows if r["state"] in ("released", "quarantined")]
    assert sorted(r["name"] for r in final) == sorted(expected)
    assert all(r["state"] in ("released", "quarantined") for r in rows)
    stored = items(tmp_path)
    for row in final:
        assert stored[row["item_id"]]["verdict"] == row["verdict"]
        assert row["sha256"] == hashlib.sha256(payloads[row["name"]]).hexdigest()
