"""A model's arrays come from an uncompressed per-user copy once one is made, equal to weights.npz's own;
a damaged copy is made again, a damaged model is still refused by its checksum, and a cache folder
that cannot be written still lets the model load."""

import shutil

import numpy as np
import pytest

from scanner.detect import weights_cache
from scanner.detect.classifier import LABELS, WEIGHTS_FILE, ModelError, TopicModel, model_folder


@pytest.fixture
def model(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(model_folder("default"), folder)
    return folder


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setattr(weights_cache, "cache_folder", lambda: folder)
    return folder


def own_arrays(folder):
    with np.load(folder / WEIGHTS_FILE, allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def assert_same_model(loaded: TopicModel, arrays: dict):
    assert np.array_equal(loaded.coef, arrays["coef"]) and loaded.coef.dtype == arrays["coef"].dtype
    assert np.array_equal(loaded.featurizer.idf, arrays["idf"])
    assert np.array_equal(loaded.intercept, arrays["intercept"])
    assert np.array_equal(loaded.platt, arrays["platt"])


def test_the_copy_is_made_once_and_read_back(model, cache):
    want = own_arrays(model)
    assert_same_model(TopicModel.load(model, LABELS), want)
    copies = list(cache.iterdir())
    assert len(copies) == 1 and copies[0].name.endswith(weights_cache.SUFFIX)
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    stamp = copies[0].stat().st_mtime_ns
    assert_same_model(TopicModel.load(model, LABELS), want)
    assert copies[0].stat().st_mtime_ns == stamp  # read, not written again
    assert weights_cache._read(copies[0]).keys() == want.keys()


@pytest.mark.parametrize("damage", ["flip a weight", "truncate", "garbage"])
def test_a_damaged_copy_is_made_again(model, cache, damage):
    want = own_arrays(model)
    TopicModel.load(model, LABELS)
    (copy,) = cache.iterdir()
    raw = bytearray(copy.read_bytes())
    if damage == "flip a weight":
        raw[len(raw) // 2] ^= 0x10  # inside coef.npy's data: its CRC-32 no longer matches
    elif damage == "truncate":
        raw = raw[:len(raw) // 3]
    else:
        raw = bytearray(b"not a zip file")
    copy.write_bytes(bytes(raw))
    assert_same_model(TopicModel.load(model, LABELS), want)
    assert_same_model(TopicModel.load(model, LABELS), want)  # from the copy made again
    assert len(weights_cache._read(copy)["coef"]) == len(want["coef"])


def test_a_damaged_model_is_refused_even_with_a_good_copy(model, cache):
    TopicModel.load(model, LABELS)
    weights = model / WEIGHTS_FILE
    raw = bytearray(weights.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    weights.write_bytes(bytes(raw))
    with pytest.raises(ModelError, match="校验值"):
        TopicModel.load(model, LABELS)


def test_a_cache_folder_that_is_a_file_still_loads_the_model(model, cache):
    cache.write_text("in the way")
    assert_same_model(TopicModel.load(model, LABELS), own_arrays(model))
