"""SARIF 2.1.0 output: one result per flagging or blocking reason, with rules, levels and locations."""

from __future__ import annotations

import json

from cli_helpers import make_inbox, pinned_config
from scanner.cli import main


def test_scan_writes_sarif_for_ci(tmp_path, monkeypatch, capsys, make_zip):
    monkeypatch.delenv("MIJIAN_CONFIG", raising=False)
    inbox = make_inbox(tmp_path)
    (inbox / "f_bundle.zip").write_bytes(make_zip({"内部/密件.txt": "秘密★5年\n材料".encode()}))
    code = main(["--config", str(pinned_config(tmp_path)), "scan", str(inbox), "--format", "sarif",
                 "--db", str(tmp_path / "m.db")])
    assert code == 1
    log = json.loads(capsys.readouterr().out)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    [run] = log["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == sorted(set(rules))
    by_file = {}
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        where = result["locations"][0]
        name = where["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1]
        member = where.get("logicalLocations", [{}])[0].get("fullyQualifiedName")
        by_file.setdefault((name, member), set()).add((result["ruleId"], result["level"]))
    assert ("marking.national_secret", "error") in by_file[("a_marked.txt", None)]
    assert ("content.sensitive", "warning") in by_file[("b_plan.txt", None)]
    assert ("scan.unsupported", "error") in by_file[("e_garbage.bin", None)] or \
        ("scan.unreadable", "error") in by_file[("e_garbage.bin", None)]
    # The member inside the zip is located as a logical location of the archive.
    assert ("marking.national_secret", "error") in by_file[("f_bundle.zip", "内部/密件.txt")]
    assert ("archive.member_blocked", "error") in by_file[("f_bundle.zip", None)]
    # Allowed files produce no result; the run's properties still count them.
    assert ("c_notice.txt", None) not in by_file
    assert run["properties"]["verdicts"]["allow"] >= 1
    marked = next(r for r in run["results"] if r["ruleId"] == "marking.national_secret")
    assert marked["message"]["text"].startswith("检测到国家秘密标志")
    assert marked["properties"]["evidence"][0]["text"] in ("机密★10年", "秘密★5年")
