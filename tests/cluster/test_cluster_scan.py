"""A clustered scan on a real LocalCluster (2 worker processes) against a local scan of the same files:
the same results in the same order, the same records; a worker killed mid-run loses and doubles nothing."""

from __future__ import annotations

import os
import signal

import pytest

from cluster_helpers import files_once, records
from scanner.cluster.client import ClusterBackend
from scanner.config import load_config, parse_config
from scanner.scan import scan_paths
from scanner.store.db import Store


def _scan(paths, config, db_path, backend=None, **kwargs):
    store = Store(db_path)
    try:
        return scan_paths([str(p) for p in paths], config, store=store, backend=backend, **kwargs)
    finally:
        store.close()


def test_a_clustered_scan_gives_what_a_local_scan_gives(mixed_corpus, tmp_path):
    root, config_path = mixed_corpus
    config = load_config(str(config_path))

    local = _scan([root], config, tmp_path / "local.db")
    with ClusterBackend("local:2", config) as backend:
        clustered = _scan([root], config, tmp_path / "cluster.db", backend)

    # The same results, member by member, in the same (walk) order.
    assert [r.to_dict() for r in clustered.results] == [r.to_dict() for r in local.results]
    assert clustered.counts == local.counts
    # The same records in the database.
    assert records(tmp_path / "cluster.db") == records(tmp_path / "local.db")
    by_name = {os.path.basename(r.path): r for r in clustered.files}
    # The corpus holds what it should: the hostile picture's reader was killed at the hard limit, the
    # big file and the crowded zip passed a limit, the dangling link was decided on the client.
    hostile = by_name["p_hostile.png"]
    assert hostile.verdict == "block" and hostile.problem["code"] == "scan.limit"
    assert "已终止" in hostile.problem["detail"]
    assert by_name["q_big.txt"].problem["code"] == "scan.limit"
    assert "max_file_size" in by_name["q_big.txt"].problem["detail"]
    assert any(r.problem and r.problem["code"] == "scan.limit" for r in clustered.results
               if r.path.endswith("r_many.zip") and r.member)
    assert by_name["u_dangling"].verdict == "block"
    assert by_name["a_plan.docx"].verdict == "block" and by_name["t_plain.txt"].verdict == "allow"
    assert len([r for r in clustered.results if r.member]) >= 10  # archives and mails were opened


def test_a_worker_killed_mid_run_loses_and_doubles_no_file(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    total = 80
    for i in range(total):
        text = f"机密★{i % 9 + 1}年\n通知{i}\n" if i % 7 == 0 else f"关于第{i}次会议的通知\n会议正常进行。\n"
        (folder / f"f{i:03d}.txt").write_text(text, encoding="utf-8")
    config = parse_config('[detect]\nmodel = ""\nsensitivity_model = ""\nentities = false\n'
                          '[cluster]\nbatch_size = 2\nbatches_per_worker = 2\n')
    local = _scan([folder], config, tmp_path / "local.db")

    killed = {}
    with ClusterBackend("local:2", config) as backend:
        before = backend.worker_pids()
        assert len(before) == 2

        def kill_one(result) -> None:
            if not killed and result.path.endswith("f004.txt"):
                address, pid = sorted(before.items())[0]
                os.kill(pid, signal.SIGKILL)
                killed[address] = pid

        run = _scan([folder], config, tmp_path / "cluster.db", backend, on_item=kill_one)
        after = backend.worker_pids()

    assert killed, "the worker was not killed during the run"
    assert set(killed.values()).isdisjoint(after.values())  # it really died (its nanny started another)
    assert run.total == total
    once = files_once(tmp_path / "cluster.db", run.run_id)
    assert len(once) == total and set(once.values()) == {1}
    assert [r.to_dict() for r in run.results] == [r.to_dict() for r in local.results]


@pytest.mark.parametrize("spec", ["local:0", "tcp", "local:x"])
def test_a_bad_cluster_address_is_a_clear_error(spec):
    from scanner.errors import ConfigError

    with pytest.raises(ConfigError, match="--cluster"):
        ClusterBackend(spec, parse_config(""))


def test_workers_with_other_rules_stop_the_run(tmp_path):
    """A lexicon changed between the client's start and the workers' (a shared folder edited, a worker
    installed from another version): their ruleset fingerprints differ and nothing is recorded under it."""
    import shutil

    from scanner.errors import ClusterError
    from scanner.resources import data_path

    lexicons = tmp_path / "lexicons"
    shutil.copytree(data_path("lexicons"), lexicons)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("普通通知\n", encoding="utf-8")
    config = parse_config(f'[detect]\nmodel = ""\nsensitivity_model = ""\nentities = false\n'
                          f'lexicon_dir = "{lexicons.as_posix()}"\n')

    def edit_lexicon(_run_id) -> None:  # after the client took its fingerprint, before any worker did
        with open(lexicons / "defense.txt", "a", encoding="utf-8") as fh:
            fh.write("新加的词\n")

    with ClusterBackend("local:1", config) as backend:
        with pytest.raises(ClusterError, match="fingerprint"):
            _scan([folder], config, tmp_path / "m.db", backend, on_run=edit_lexicon)
    assert files_once(tmp_path / "m.db", 1) == {}
