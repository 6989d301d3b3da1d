"""A file the gateway cannot move out of its inbox stays there undecided: reported once (log, journal,
health file), not claimed again until it changes, and `--once` still finishes."""

from __future__ import annotations

import json
import subprocess

from watch_helpers import journal, outcomes, start, write_config


def test_an_immovable_file_is_reported_once_and_not_claimed_again(tmp_path):
    health = tmp_path / "health.json"
    config = write_config(tmp_path, watch_extra=f'health_file = "{health.as_posix()}"')
    inbox = tmp_path / "inbox" / "out"
    stuck = inbox / "locked.txt"
    stuck.write_text("普通通知\n", encoding="utf-8")
    (inbox / "fine.txt").write_text("普通通知二\n", encoding="utf-8")
    # An immutable file cannot be renamed, even by root (as on a read-only share).
    subprocess.run(["chattr", "+i", str(stuck)], check=True)
    try:
        proc = start(config, "--once", log=tmp_path / "daemon.log")
        assert proc.wait(60) == 0  # --once finishes: the immovable file does not keep it waiting
        assert outcomes(tmp_path) == {"fine.txt": ["released"]}
        assert stuck.exists()
        rows = [(r["name"], r["state"]) for r in journal(tmp_path)]
        assert rows.count(("locked.txt", "stuck")) == 1
        log = (tmp_path / "daemon.log").read_text(encoding="utf-8")
        assert log.count('"take.failed"') == 1 and "stays undecided" in log
        assert json.loads(health.read_text(encoding="utf-8"))["stuck_files"] == 1
    finally:
        subprocess.run(["chattr", "-i", str(stuck)], check=True)
    # Movable again: decided on the next run.
    proc = start(config, "--once", log=tmp_path / "daemon.log")
    assert proc.wait(60) == 0
    assert outcomes(tmp_path) == {"fine.txt": ["released"], "locked.txt": ["released"]}
