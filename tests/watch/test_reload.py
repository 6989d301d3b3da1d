"""SIGHUP, against the real daemon: lexicons, policy and approvals changed on disk take effect for the next
files, without a restart; a config that no longer parses keeps the old settings."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import date, timedelta

from scanner.policy.keys import init_keys
from watch_helpers import MARKED, outcomes, start, stop, until, wait_for, write_config

LEXICON_TEXT = "关于蓝鲸计划的进展：蓝鲸计划第二阶段已完成。\n"
SENSITIVE = "关于作战部署调整的说明：兵力部署和导弹阵地位置见附件，作战方案另行下发。\n"
FORM = ["--recipient", "慕尼黑工业大学", "--purpose", "学术交流", "--approver", "张三", "--verifier", "李四",
        "--expires", (date.today() + timedelta(days=30)).isoformat()]


def _cli(config, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "scanner", "--config", str(config), *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "MIJIAN_LANG": "zh"})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _verdict(root, name: str) -> dict:
    return json.loads((root / "spool" / "quarantine" / "out" / f"{name}.verdict.json").read_text(encoding="utf-8"))


def test_sighup_reloads_lexicons_policy_and_approvals(tmp_path):
    private, public = init_keys(tmp_path / "keys")
    lexicon = tmp_path / "scope.txt"
    lexicon.write_text("无关的词语\t2.0\tstrong\n", encoding="utf-8")
    extra = (f'other_lexicon = "{lexicon.as_posix()}"\n[approvals]\npublic_key = "{public.as_posix()}"\n'
             f'private_key = "{private.as_posix()}"')
    config = write_config(tmp_path, extra=extra, inbox_extra='destination = "internal"')
    inbox = tmp_path / "inbox" / "out"
    db = str(tmp_path / "mijian.db")
    source = tmp_path / "brief.txt"
    source.write_text(SENSITIVE, encoding="utf-8")
    record = _cli(config, "approve", "add", str(source), "--db", db, *FORM)
    log = tmp_path / "daemon.log"
    proc = start(config, log=log)
    try:
        (inbox / "scope_1.txt").write_text(LEXICON_TEXT, encoding="utf-8")
        (inbox / "brief_1.txt").write_bytes(source.read_bytes())
        (inbox / "marked_1.txt").write_text(MARKED.format(i=1), encoding="utf-8")
        got = wait_for(tmp_path, 3, proc=proc)
        assert got == {"scope_1.txt": ["released"], "brief_1.txt": ["released"], "marked_1.txt": ["quarantine"]}
        assert _verdict(tmp_path, "marked_1.txt")["verdict"] == "block"

        # On disk: a term in the secret-scope lexicon, a policy row, the approval revoked.
        lexicon.write_text("蓝鲸计划\t2.0\tstrong\n", encoding="utf-8")
        config.write_text(config.read_text(encoding="utf-8").replace(
            "[watch]", '[policy.rules]\n"marking.national_secret" = "flag"\n[watch]'), encoding="utf-8")
        _cli(config, "approve", "revoke", record, "--reason", "接收方变更", "--db", db)
        proc.send_signal(signal.SIGHUP)
        until(lambda: '"reloaded"' in log.read_text(encoding="utf-8"), 30)

        (inbox / "scope_2.txt").write_text(LEXICON_TEXT, encoding="utf-8")
        (inbox / "brief_2.txt").write_bytes(source.read_bytes())
        (inbox / "marked_2.txt").write_text(MARKED.format(i=2), encoding="utf-8")
        got = wait_for(tmp_path, 6, proc=proc)

        # A config that no longer parses: the old settings stay, the daemon goes on.
        good = config.read_text(encoding="utf-8")
        config.write_text(good + "\n[watch.nonsense\n", encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        until(lambda: '"reload.failed"' in log.read_text(encoding="utf-8"), 30)
        (inbox / "marked_3.txt").write_text(MARKED.format(i=3), encoding="utf-8")
        got = wait_for(tmp_path, 7, proc=proc)
    finally:
        assert stop(proc) == 0
    assert got["scope_2.txt"] == ["quarantine"] and got["brief_2.txt"] == ["quarantine"]
    assert got["marked_2.txt"] == ["quarantine"] and got["marked_3.txt"] == ["quarantine"]
    scope = _verdict(tmp_path, "scope_2.txt")
    assert scope["verdict"] == "flag" and "other" in scope["labels"]
    brief = _verdict(tmp_path, "brief_2.txt")
    assert brief["approval"]["status"] == "revoked" and "approval.revoked" in [r["code"] for r in brief["reasons"]]
    assert _verdict(tmp_path, "marked_2.txt")["verdict"] == "flag"  # the policy row now says flag
    assert _verdict(tmp_path, "marked_3.txt")["verdict"] == "flag"  # still the reloaded policy
    assert outcomes(tmp_path)["brief_1.txt"] == ["released"]
