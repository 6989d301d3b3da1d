"""jieba's dictionary cache in the user's cache folder: written by jieba, read back whole, rebuilt when damaged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jieba
import pytest

from scanner.detect import jieba_cache

TEXT = "美国国务院和日本外务省的代表将于下周访问北京，外交部发言人张明表示欢迎。"


class CountingTokenizer(jieba.Tokenizer):
    """A real jieba tokenizer on the default dictionary that counts how often it builds or reads it itself."""

    def __init__(self):
        super().__init__()
        self.initialized_by_jieba = 0

    def initialize(self, dictionary=None):
        self.initialized_by_jieba += 1
        super().initialize(dictionary)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A cache written by jieba into a fresh folder, and the tokenizer that wrote it."""
    jieba.setLogLevel(60)
    folder = tmp_path_factory.mktemp("cache") / "mijian" / "jieba"
    tokenizer = CountingTokenizer()
    assert jieba_cache.prepare(tokenizer, folder, "jieba-test.cache") is False  # nothing to read yet
    assert tokenizer.initialized_by_jieba == 1
    return folder, tokenizer


def test_jieba_writes_the_cache_into_the_private_folder(built):
    folder, tokenizer = built
    assert (folder / "jieba-test.cache").is_file()
    assert folder.stat().st_mode & 0o777 == 0o700
    assert tokenizer.initialized and len(tokenizer.FREQ) > 100_000


def test_cache_read_whole_gives_jiebas_own_dictionary(built):
    folder, first = built
    again = CountingTokenizer()
    assert jieba_cache.prepare(again, folder, "jieba-test.cache") is True
    assert again.initialized_by_jieba == 0  # read here, not by jieba
    assert again.FREQ == first.FREQ and again.total == first.total
    assert list(again.cut(TEXT)) == list(first.cut(TEXT))
    # The same as jieba's own build from dict.txt, entry for entry.
    fresh, total = jieba.Tokenizer().gen_pfdict(jieba.Tokenizer().get_dict_file())
    assert again.FREQ == fresh and again.total == total


@pytest.mark.parametrize("damage", [b"", "marshal-list"])
def test_damaged_cache_is_rebuilt(built, tmp_path, damage):
    folder, first = built
    import marshal

    data = marshal.dumps([1, 2, 3]) if damage == "marshal-list" else damage
    (tmp_path / "jieba-test.cache").write_bytes(data)
    tokenizer = CountingTokenizer()
    assert jieba_cache.prepare(tokenizer, tmp_path, "jieba-test.cache") is False
    assert tokenizer.initialized_by_jieba == 1
    assert tokenizer.FREQ == first.FREQ
    # jieba replaced the damaged file; the next reader reads it.
    assert jieba_cache.prepare(CountingTokenizer(), tmp_path, "jieba-test.cache") is True


def test_initialised_tokenizer_left_alone(built, tmp_path):
    _, first = built
    assert jieba_cache.prepare(first, tmp_path / "never", "x.cache") is False
    assert not (tmp_path / "never").exists()


def test_unwritable_cache_folder_still_segments(built, tmp_path):
    _, first = built
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    tokenizer = CountingTokenizer()
    tokenizer.tmp_dir = str(tmp_path)  # where jieba itself would keep its cache
    assert jieba_cache.prepare(tokenizer, blocker / "jieba", "x.cache") is False
    assert list(tokenizer.cut(TEXT)) == list(first.cut(TEXT))


def test_cache_name_follows_jiebas_version_and_dictionary():
    name = jieba_cache.cache_name(jieba)
    size = (Path(jieba.__file__).with_name("dict.txt")).stat().st_size
    assert name.startswith(f"jieba-{jieba.__version__}-{size}-") and name.endswith(".cache")


def test_entity_model_keeps_the_cache_in_the_users_folder(tmp_path):
    """A real process loads the entity model: the cache goes to XDG_CACHE_HOME/mijian/jieba, nothing
    to the temporary folder; a second process reads it and finds the same entities."""
    shared_tmp = tmp_path / "tmp"
    shared_tmp.mkdir()
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), TMPDIR=str(shared_tmp))
    code = ("import json, jieba\nfrom scanner.detect.entities import EntityFinder\n"
            f"found = EntityFinder().find({TEXT!r})\n"
            "print(json.dumps([[e.text, e.label, e.foreign] for e in found], ensure_ascii=False))\n")
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
            for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    first, second = (json.loads(run.stdout) for run in runs)
    assert first == second
    assert ["美国国务院", "organisation", True] in first and ["张明", "person", False] in first
    cached = list((tmp_path / "cache" / "mijian" / "jieba").iterdir())
    assert [p.name for p in cached] == [jieba_cache.cache_name(jieba)]
    assert list(shared_tmp.iterdir()) == []
