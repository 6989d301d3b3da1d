"""Sub-folders of an inbox, against the real daemon: every file in them decided, the tree mirrored in
released/ and quarantine/, temporary names ignored at any depth, emptied folders removed, SIGKILL survived."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import sys
import time
from pathlib import Path

from watch_helpers import (CLEAN, MARKED, items, journal, leftovers, start, start_and_kill, stop, tree_outcomes,
                           until, wait_for_tree, write_config)



def _write(path: Path, text: str) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path.read_bytes()


def _folders(path: Path) -> list[str]:
    # os.walk ignores a folder that the daemon removes while it is being listed (rglob raised
    # FileNotFoundError in that race); the caller polls until the listing settles.
    return sorted(Path(top, name).relative_to(path).as_posix()
                  for top, dirs, _files in os.walk(path) for name in dirs)


def test_a_nested_tree_is_decided_mirrored_and_its_folders_removed(tmp_path):
    config = write_config(tmp_path)
    inbox = tmp_path / "inbox" / "out"
    released = tmp_path / "spool" / "released" / "out"
    quarantine = tmp_path / "spool" / "quarantine" / "out"
    deep = "/".join(f"层{i}" for i in range(17)) + "/深处.txt"  # 17 sub-folders: more than the limit of 16
    expected = {
        "顶层.txt": "released",
        "项目A/纪要.txt": "released",
        "项目A/附件/清单.txt": "released",
        "项目A/附件/机密/通知.txt": "quarantine",
        deep: "quarantine",
    }
    proc = start(config, log=tmp_path / "daemon.log")
    try:
        payloads = {}
        _write(inbox / "项目A/附件/清单.txt.meta.json", json.dumps({"sender": "张三"}, ensure_ascii=False))
        _write(inbox / "项目A/附件/~$草稿.docx", "office lock file")  # a temporary name, inside a sub-folder
        _write(inbox / "项目A/.隐藏/x.txt", CLEAN.format(i=9))  # a hidden folder: ignored with all it holds
        for i, name in enumerate(expected):
            text = MARKED if expected[name] == "quarantine" and name != deep else CLEAN
            payloads[name] = _write(inbox / name, text.format(i=i))
        got = wait_for_tree(tmp_path, len(expected), proc=proc)
        time.sleep(0.5)
        got = tree_outcomes(tmp_path)
        assert got == {name: [place] for name, place in expected.items()}
        # Sidecars and verdicts beside their file, in the mirrored folder.
        assert json.loads((released / "项目A/附件/清单.txt.meta.json").read_text(encoding="utf-8")) == {"sender": "张三"}
        verdict = json.loads((quarantine / "项目A/附件/机密/通知.txt.verdict.json").read_text(encoding="utf-8"))
        assert verdict["verdict"] == "block" and verdict["original_name"] == "项目A/附件/机密/通知.txt"
        assert verdict["file"] == "通知.txt"
        too_deep = json.loads((quarantine / (deep + ".verdict.json")).read_text(encoding="utf-8"))
        assert too_deep["problem"]["code"] == "scan.limit" and "more than 16" in too_deep["problem"]["detail"]
        # The emptied folders go once unchanged; the ones with something in them stay.
        until(lambda: _folders(inbox) == ["项目A", "项目A/.隐藏", "项目A/附件"])
        assert sorted(p.name for p in (inbox / "项目A/附件").iterdir()) == ["~$草稿.docx"]
        (inbox / "项目A/附件/~$草稿.docx").unlink()
        until(lambda: _folders(inbox) == ["项目A", "项目A/.隐藏"])
        time.sleep(1.5)  # never a folder with something in it, even a hidden one
        assert (inbox / "项目A/.隐藏/x.txt").exists()
    finally:
        assert stop(proc) == 0
    assert leftovers(tmp_path) == [] and list((tmp_path / "spool" / "processing").iterdir()) == []
    rows = journal(tmp_path)
    stored = items(tmp_path)
    assert sorted(r["name"] for r in rows) == sorted(expected)
    for row in rows:
        assert row["state"] == ("released" if expected[row["name"]] == "released" else "quarantined")
        assert row["sha256"] == hashlib.sha256(payloads[row["name"]]).hexdigest()
        assert stored[row["item_id"]]["path"] == f"out/{row['name']}"
        assert row["target"] == str((released if row["state"] == "released" else quarantine) / row["name"])
    by_name = {r["name"]: r for r in rows}
    assert json.loads(by_name["项目A/附件/清单.txt"]["sidecars"]) == ["项目A/附件/清单.txt.meta.json"]
    assert json.loads(by_name["项目A/附件/清单.txt"]["meta"])["sender"] == "张三"

    # An officer releases the quarantined file: it lands at the mirrored path.
    from scanner.cli import main
    from scanner.review.auth import add_user
    from scanner.store.db import Store
    from scanner.store.review import ReviewStore

    review = ReviewStore(Store(tmp_path / "mijian.db"))
    try:
        add_user(review, "alice", "officer", "alice-password", "test")
    finally:
        review.store.close()
    item = by_name["项目A/附件/机密/通知.txt"]["item_id"]
    saved = sys.stdin
    sys.stdin = io.StringIO("alice-password\n")
    try:
        assert main(["review", "decide", str(item), "--action", "release", "--reason", "经核实可以放行",
                     "--officer", "alice", "--password-stdin", "--config", str(config)]) == 0
    finally:
        sys.stdin = saved
    assert (released / "项目A/附件/机密/通知.txt").read_bytes() == payloads["项目A/附件/机密/通知.txt"]
    assert not (quarantine / "项目A/附件/机密/通知.txt").exists()
    assert [r["state"] for r in journal(tmp_path) if r["item_id"] == item] == ["released"]


def test_a_name_taken_in_a_sub_folder_is_numbered_in_that_folder(tmp_path):
    config = write_config(tmp_path)
    inbox = tmp_path / "inbox" / "out"
    released = tmp_path / "spool" / "released" / "out"
    proc = start(config, log=tmp_path / "daemon.log")
    try:
        _write(inbox / "项目A/报告.txt", CLEAN.format(i=1))
        _write(inbox / "报告.txt", CLEAN.format(i=2))  # the same name at the top is no collision
        wait_for_tree(tmp_path, 2, proc=proc)
        _write(inbox / "项目A/报告.txt", CLEAN.format(i=3))
        got = wait_for_tree(tmp_path, 3, proc=proc)
    finally:
        assert stop(proc) == 0
    assert got == {"报告.txt": ["released"], "项目A/报告.txt": ["released"], "项目A/报告 (1).txt": ["released"]}
    assert (released / "项目A/报告.txt").read_text(encoding="utf-8") == CLEAN.format(i=1)
    assert (released / "项目A/报告 (1).txt").read_text(encoding="utf-8") == CLEAN.format(i=3)
    assert sorted(r["name"] for r in journal(tmp_path)) == ["报告.txt", "项目A/报告.txt", "项目A/报告.txt"]


def test_a_file_standing_where_a_folder_is_mirrored_gets_a_numbered_folder(tmp_path):
    config = write_config(tmp_path)
    inbox = tmp_path / "inbox" / "out"
    released = tmp_path / "spool" / "released" / "out"
    released.mkdir(parents=True)
    (released / "项目A").write_text("a file of that name", encoding="utf-8")
    _write(inbox / "项目A/纪要.txt", CLEAN.format(i=1))
    proc = start(config, log=tmp_path / "daemon.log")
    try:
        got = wait_for_tree(tmp_path, 2, proc=proc)
    finally:
        assert stop(proc) == 0
    assert got == {"项目A": ["released"], "项目A (1)/纪要.txt": ["released"]}



def test_sigkill_while_sub_folder_files_are_in_flight_loses_and_duplicates_nothing(tmp_path):
    """90 files in sub-folders 1 to 3 deep, 15 dropped per round; the daemon is killed with SIGKILL at a
    random moment in each of 6 rounds; a last run must finish everything, each file exactly once."""
    rng = random.Random(7)
    config = write_config(tmp_path, watch_extra="max_attempts = 20")
    inbox = tmp_path / "inbox" / "out"
    folders = ["甲", "甲/乙", "甲/乙/丙", "丁", "丁/戊"]
    expected, payloads = {}, {}
    for i in range(90):
        marked = i % 3 == 0
        name = f"{folders[i % len(folders)]}/文件_{i:03}.txt"
        payloads[name] = ((MARKED if marked else CLEAN).format(i=i) * (1 + (i % 5) * 300)).encode()
        expected[name] = "quarantine" if marked else "released"
    names = list(payloads)
    log = tmp_path / "daemon.log"
    for round_ in range(6):
        for name in names[round_ * 15:(round_ + 1) * 15]:
            (inbox / name).parent.mkdir(parents=True, exist_ok=True)
            (inbox / name).write_bytes(payloads[name])
        start_and_kill(config, log, rng, 0.6)
    proc = start(config, log=log)
    try:
        wait_for_tree(tmp_path, 90, proc=proc)
        time.sleep(0.5)  # anything decided twice would show up now
        got = tree_outcomes(tmp_path)
        until(lambda: list(inbox.iterdir()) == [])  # the emptied sub-folders go too
    finally:
        assert stop(proc) == 0
    assert log.read_text(encoding="utf-8").count('"recovered"') >= 1
    assert got == {name: [place] for name, place in expected.items()}
    assert leftovers(tmp_path) == [] and list((tmp_path / "spool" / "processing").iterdir()) == []
    rows = journal(tmp_path)
    assert all(r["state"] in ("released", "quarantined") for r in rows)
    assert sorted(r["name"] for r in rows) == sorted(expected)
    stored = items(tmp_path)
    for row in rows:
        assert stored[row["item_id"]]["verdict"] == row["verdict"]
        assert row["sha256"] == hashlib.sha256(payloads[row["name"]]).hexdigest()
