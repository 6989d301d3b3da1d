"""`mijian scan --resume RUN_ID` on one machine: a run stopped part-way is completed exactly, files recorded
with the same bytes and rules are not scanned again, a changed file is scanned again and its record replaced."""

from __future__ import annotations

import json
import shutil

import pytest

from cluster_helpers import files_once
from scanner.cli import main
from scanner.config import parse_config
from scanner.ruleset import ruleset_fingerprint
from scanner.scan import scan_paths
from scanner.store.db import Store

CONFIG = '[detect]\nmodel = ""\nsensitivity_model = ""\nentities = false\n'


@pytest.fixture
def folder(tmp_path, make_zip):
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    for i in range(10):
        text = f"机密★{i + 1}年\n通知\n" if i % 4 == 0 else f"关于第{i}次会议的通知\n"
        (root / f"f{i}.txt").write_text(text, encoding="utf-8")
    (root / "sub" / "bundle.zip").write_bytes(make_zip({"a.txt": "秘密★5年\n", "b.txt": "普通\n"}))
    (root / "sub" / "empty.txt").write_bytes(b"")
    return root


class Stop(Exception):
    pass


def _stopped_run(folder, store, config, after: int, jobs: int) -> int:
    """A run that stops (as Ctrl-C would) after `after` files were recorded; its id."""
    seen = []

    def on_item(result):
        seen.append(result)
        if len(seen) == after:
            raise Stop

    started = []
    with pytest.raises(Stop):
        scan_paths([str(folder)], config, store=store, jobs=jobs, on_item=on_item, on_run=started.append)
    return started[0]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_stopped_run_is_completed_exactly(folder, tmp_path, jobs):
    config = parse_config(CONFIG)
    store = Store(tmp_path / "m.db")
    run_id = _stopped_run(folder, store, config, after=5, jobs=jobs)
    assert len(files_once(tmp_path / "m.db", run_id)) == 5
    (folder / "f1.txt").write_text("绝密★30年\n内容已改\n", encoding="utf-8")  # recorded, then changed

    run = scan_paths([], config, store=store, resume=run_id, jobs=jobs)

    assert run.run_id == run_id and run.total == 12
    assert run.resumed == 4  # five recorded, one of them changed since
    once = files_once(tmp_path / "m.db", run_id)
    assert len(once) == 12 and set(once.values()) == {1}
    fresh = scan_paths([str(folder)], config, store=Store(tmp_path / "fresh.db"))
    assert [r.to_dict() for r in run.results] == [r.to_dict() for r in fresh.results]
    changed = next(r for r in run.files if r.path.endswith("f1.txt"))
    assert changed.verdict == "block" and changed.detection.markings[0].level == "绝密"
    row = store.db.execute("select finished_at, items, block from runs where id = ?", [run_id]).fetchone()
    assert row[0] is not None and row[1] == 12 and row[2] == fresh.counts["block"]
    # Resuming a finished run scans nothing and records nothing again.
    again = scan_paths([], config, store=store, resume=run_id)
    assert again.resumed == 12 and len(files_once(tmp_path / "m.db", run_id)) == 12
    store.close()


def test_other_rules_scan_every_file_again_once(folder, tmp_path):
    store = Store(tmp_path / "m.db")
    run_id = _stopped_run(folder, store, parse_config(CONFIG), after=6, jobs=1)
    other = parse_config(CONFIG + "score_scale = 3.0\n")

    run = scan_paths([], other, store=store, resume=run_id)

    assert run.resumed == 0 and run.total == 12
    once = files_once(tmp_path / "m.db", run_id)
    assert len(once) == 12 and set(once.values()) == {1}
    fingerprints = {r[0] for r in store.db.execute("select fingerprint from items where run_id = ?", [run_id])}
    assert fingerprints == {ruleset_fingerprint(other)}
    store.close()


def test_the_ruleset_fingerprint_follows_the_model_files(tmp_path):
    from scanner.resources import data_path

    model = tmp_path / "model"
    shutil.copytree(data_path("models") / "default", model)
    config = parse_config(f'[detect]\nmodel = "{model.as_posix()}"\n')
    before = ruleset_fingerprint(config)
    weights = model / "weights.npz"
    weights.write_bytes(weights.read_bytes() + b"\0")
    assert ruleset_fingerprint(config) != before


def test_resume_on_the_command_line(folder, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.toml").write_text(CONFIG, encoding="utf-8")
    store = Store(tmp_path / "m.db")
    run_id = _stopped_run("in", store, parse_config(CONFIG), after=3, jobs=1)
    store.close()
    common = ["--db", "m.db", "--config", "c.toml", "--no-progress", "--format", "jsonl"]

    assert main(["scan", "--resume", str(run_id), *common]) == 1
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert len(rows) == 14 and len([r for r in rows if r["member"] is None]) == 12  # the zip's 2 members too
    assert f"沿用扫描任务 {run_id} 已记录的 3 个文件" in captured.err
    # A run to resume names its own paths; an unknown run is an error naming it.
    assert main(["scan", "in", "--resume", str(run_id), *common]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["scan", "--resume", "999", *common]) == 3
    assert "999" in capsys.readouterr().err
    assert main(["scan", *common]) == 2
