"""Inbox entries that used to stop the gateway (issue 18), against the real daemon: a GBK file name, names of
242–255 bytes, a FIFO, a socket and a device file. Each is decided, or quarantined unopened, and the
daemon goes on deciding the next file."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess

from watch_helpers import CLEAN, MARKED, items, journal, leftovers, start, stop, wait_for, write_config


def _names(folder) -> set[bytes]:
    return set(os.listdir(os.fsencode(folder)))


def _stop_or_kill(proc: subprocess.Popen) -> int:
    try:
        return stop(proc, timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
        raise AssertionError("the daemon did not stop on SIGTERM") from None


def _log_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().decode("utf-8").splitlines()]


def test_a_gbk_file_name_is_decided_and_delivered_under_its_own_bytes(tmp_path):
    config = write_config(tmp_path)
    inbox = os.fsencode(tmp_path / "inbox" / "out")
    clean = "方案".encode("gbk") + b".txt"  # b'\xb7\xbd\xb0\xb8.txt': not UTF-8
    marked = "机密通知".encode("gbk") + b".txt"
    bad_meta = "附件".encode("gbk") + b".txt"
    files = {clean: CLEAN.format(i=1), marked: MARKED.format(i=2), bad_meta: CLEAN.format(i=3),
             marked + b".meta.json": json.dumps({"sender": "张三"}), bad_meta + b".meta.json": "not json"}
    for name, text in files.items():
        with open(os.path.join(inbox, name), "wb") as fh:
            fh.write(text.encode("utf-8"))
    log = tmp_path / "daemon.log"
    proc = start(config, log=log)
    try:
        wait_for(tmp_path, 3, proc=proc)
        (tmp_path / "inbox" / "out" / "after.txt").write_text(CLEAN.format(i=4), encoding="utf-8")
        wait_for(tmp_path, 4, proc=proc)  # the daemon is still deciding
    finally:
        assert _stop_or_kill(proc) == 0
    released, quarantine = tmp_path / "spool" / "released" / "out", tmp_path / "spool" / "quarantine" / "out"
    assert _names(released) == {clean, b"after.txt"}
    assert _names(quarantine) == {marked, marked + b".meta.json", marked + b".verdict.json",
                                  bad_meta, bad_meta + b".meta.json", bad_meta + b".verdict.json"}
    with open(os.path.join(os.fsencode(released), clean), "rb") as fh:
        assert fh.read() == CLEAN.format(i=1).encode("utf-8")
    with open(os.path.join(os.fsencode(quarantine), marked + b".verdict.json"), "rb") as fh:
        verdict = json.loads(fh.read())
    assert verdict["original_name"] == "机密通知.txt" and verdict["original_name_bytes"] == marked.hex()
    assert verdict["verdict"] == "block" and verdict["sender"] == "张三"
    with open(os.path.join(os.fsencode(quarantine), bad_meta + b".verdict.json"), "rb") as fh:
        verdict = json.loads(fh.read())
    assert "附件.txt.meta.json" in verdict["problem"]["detail"]
    # The journal keeps readable text and the exact bytes; the store the readable path.
    rows = {r["name"]: r for r in journal(tmp_path)}
    assert rows["方案.txt"]["name_raw"] == clean and rows["方案.txt"]["state"] == "released"
    assert rows["机密通知.txt"]["state"] == "quarantined"
    assert os.fsencode(os.path.basename(rows["方案.txt"]["target"])) != clean  # readable text ...
    assert rows["方案.txt"]["target_raw"].endswith(b"/" + clean)  # ... and the bytes it was delivered under
    assert "out/方案.txt" in {i["path"] for i in items(tmp_path).values()}
    decided = [line for line in _log_lines(log) if line["event"] == "file.decided"]
    assert {line["file"] for line in decided} == {"方案.txt", "机密通知.txt", "附件.txt", "after.txt"}


def test_names_of_242_to_255_bytes_are_decided_and_once_ends(tmp_path):
    config = write_config(tmp_path)
    inbox = tmp_path / "inbox" / "out"
    released = tmp_path / "spool" / "released" / "out"
    longest = "长" * 83 + "ab.txt"  # 255 bytes
    marked = "密" * 80 + "x.txt"  # 245 bytes: NAME.verdict.json would be 258
    assert len(os.fsencode(longest)) == 255 and len(os.fsencode(marked)) == 245
    (inbox / longest).write_text(CLEAN.format(i=1), encoding="utf-8")
    (inbox / marked).write_text(MARKED.format(i=2), encoding="utf-8")
    released.mkdir(parents=True)
    (released / longest).write_text("已在放行目录中", encoding="utf-8")  # so the new one is numbered: 259 bytes
    proc = start(config, "--once", log=tmp_path / "daemon.log")
    try:
        assert proc.wait(90) == 0  # --once ends: every file decided and moved
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert list(inbox.iterdir()) == [] and leftovers(tmp_path) == []
    names = sorted(os.listdir(released))
    assert len(names) == 2 and longest in names
    numbered = next(n for n in names if n != longest)
    assert len(os.fsencode(numbered)) <= 255 and numbered.endswith(".txt") and "~" in numbered
    assert (released / numbered).read_text(encoding="utf-8") == CLEAN.format(i=1)
    quarantine = tmp_path / "spool" / "quarantine" / "out"
    verdicts = [p for p in quarantine.iterdir() if p.name.endswith(".verdict.json")]
    assert [p.name for p in quarantine.iterdir() if p not in verdicts] == [marked]
    [verdict_file] = verdicts
    assert len(os.fsencode(verdict_file.name)) <= 255
    doc = json.loads(verdict_file.read_text(encoding="utf-8"))
    assert doc["original_name"] == marked and doc["file"] == marked and doc["verdict"] == "block"
    assert doc["verdict_file"] == verdict_file.name and verdict_file.name == doc["short_name"] + ".verdict.json"
    rows = {r["name"]: r for r in journal(tmp_path)}
    assert rows[marked]["state"] == "quarantined" and rows[marked]["short_name"] == doc["short_name"]
    assert rows[longest]["state"] == "released"


def test_the_sidecars_of_a_long_name_are_found_under_its_short_stem(tmp_path):
    from scanner.ingest.fitnames import companion, short_stem

    config = write_config(tmp_path)
    inbox = tmp_path / "inbox" / "out"
    name = "附件" * 40 + "报告.docx.txt"  # 255 bytes
    stem = short_stem(name)
    assert len(os.fsencode(name)) == 255 and stem != name and len(os.fsencode(stem + ".approval.json")) <= 255
    (inbox / companion(name, ".meta.json")).write_text(json.dumps({"sender": "王五"}), encoding="utf-8")
    (inbox / name).write_text(CLEAN.format(i=1), encoding="utf-8")
    proc = start(config, "--once", log=tmp_path / "daemon.log")
    try:
        assert proc.wait(90) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    released = tmp_path / "spool" / "released" / "out"
    assert sorted(os.listdir(released)) == sorted([name, stem + ".meta.json"])
    [row] = journal(tmp_path)
    assert json.loads(row["meta"]) == {"sender": "王五"} and row["state"] == "released"


def test_a_fifo_a_socket_and_a_device_are_quarantined_unopened_and_the_daemon_goes_on(tmp_path):
    config = write_config(tmp_path, watch_extra="decision_timeout = 2")
    inbox = tmp_path / "inbox" / "out"
    os.mkfifo(inbox / "pipe.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(inbox / "sock"))
    os.mknod(inbox / "null.dev", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    (inbox / "real.txt").write_text(CLEAN.format(i=1), encoding="utf-8")
    (inbox / "piped.txt").write_text(CLEAN.format(i=2), encoding="utf-8")
    os.mkfifo(inbox / "piped.txt.meta.json")  # a sidecar that is a FIFO
    proc = start(config, log=tmp_path / "daemon.log")
    try:
        wait_for(tmp_path, 5, proc=proc)
        (inbox / "after.txt").write_text(CLEAN.format(i=3), encoding="utf-8")
        got = wait_for(tmp_path, 6, proc=proc)
    finally:
        server.close()
        assert _stop_or_kill(proc) == 0
    assert got == {"pipe.txt": ["quarantine"], "sock": ["quarantine"], "null.dev": ["quarantine"],
                   "piped.txt": ["quarantine"], "real.txt": ["released"], "after.txt": ["released"]}
    quarantine = tmp_path / "spool" / "quarantine" / "out"
    assert stat.S_ISFIFO(os.lstat(quarantine / "pipe.txt").st_mode)  # moved as it is, never opened
    assert stat.S_ISCHR(os.lstat(quarantine / "null.dev").st_mode)
    for name, kind in (("pipe.txt", "FIFO"), ("sock", "socket"), ("null.dev", "character device")):
        doc = json.loads((quarantine / f"{name}.verdict.json").read_text(encoding="utf-8"))
        assert doc["verdict"] == "block" and doc["problem"]["code"] == "scan.unsupported", name
        assert f"not a regular file: {kind}" in doc["problem"]["detail"] and doc["sha256"] is None
    doc = json.loads((quarantine / "piped.txt.verdict.json").read_text(encoding="utf-8"))
    assert "piped.txt.meta.json" in doc["problem"]["detail"] and doc["verdict"] == "block"
