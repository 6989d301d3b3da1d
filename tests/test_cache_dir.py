"""The per-user cache folder shared by jieba's dictionary, model weights and expression shapes: each kind
keeps only its newest files."""

import os
from pathlib import Path

import numpy as np

from scanner import cache_dir
from scanner.detect import shape_cache, weights_cache
from scanner.detect.classifier import MODEL_FILE, WEIGHTS_FILE, model_folder


def _aged(folder: Path, names: list[str]) -> list[Path]:
    """Files written one after another, the first the oldest."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for age, name in enumerate(reversed(names)):
        path = folder / name
        path.write_bytes(b"old copy")
        stamp = 1_000_000_000 - 1000 * age
        os.utime(path, (stamp, stamp))
        made.append(path)
    return list(reversed(made))


def test_prune_keeps_the_newest_files_of_its_pattern_only(tmp_path):
    files = _aged(tmp_path, [f"{i}.shape" for i in range(6)])
    other = tmp_path / "notes.txt"
    other.write_text("not ours")
    cache_dir.prune(tmp_path, "*.shape", 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["4.shape", "5.shape", "notes.txt"]
    assert not files[0].exists()


def test_prune_of_a_missing_folder_is_no_error(tmp_path):
    cache_dir.prune(tmp_path / "absent", "*", 1)


def test_a_new_weights_copy_prunes_older_copies(tmp_path):
    folder = tmp_path / "models"
    old = _aged(folder, [f"{i:064x}{weights_cache.SUFFIX}" for i in range(weights_cache.KEEP + 2)])
    model = model_folder("default")
    import hashlib
    import json

    sha = json.loads((model / MODEL_FILE).read_text(encoding="utf-8"))["weights_sha256"]
    assert hashlib.sha256((model / WEIGHTS_FILE).read_bytes()).hexdigest() == sha
    arrays = weights_cache.load_arrays(model / WEIGHTS_FILE, sha, folder)
    with np.load(model / WEIGHTS_FILE, allow_pickle=False) as own:
        assert np.array_equal(arrays["coef"], own["coef"])
    left = sorted(p.name for p in folder.glob("*" + weights_cache.SUFFIX))
    assert len(left) == weights_cache.KEEP
    assert sha + weights_cache.SUFFIX in left
    assert not old[0].exists() and not old[2].exists() and old[-1].exists()


def test_shape_files_past_keep_are_pruned(tmp_path, monkeypatch):
    import re

    monkeypatch.setattr(shape_cache, "KEEP", 2)
    _aged(tmp_path, ["a.shape", "b.shape", "c.shape"])
    shape_cache.store([re.compile("保密")], (), tuple(range(10)), tmp_path)
    assert len(list(tmp_path.glob("*.shape"))) == 2


def test_a_new_jieba_dictionary_file_prunes_older_ones(tmp_path):
    from scanner.detect import jieba_cache

    jieba = jieba_cache.import_jieba()
    old = _aged(tmp_path, ["jieba-0.40-1-1.cache", "jieba-0.41-1-1.cache", "jieba-0.42-1-1.cache",
                           "jieba-0.42-2-2.shards"])
    segmenter = jieba_cache.segmenter(jieba, tmp_path)
    assert list(segmenter.cut("国务院办公厅")) == list(jieba.cut("国务院办公厅"))
    left = sorted(p.name for p in tmp_path.glob("jieba-*"))
    assert len(left) == jieba_cache.KEEP and jieba_cache.cache_name(jieba) in left
    assert not old[0].exists() and not old[1].exists()
