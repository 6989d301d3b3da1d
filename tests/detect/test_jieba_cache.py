"""jieba's dictionary for the entity model: kept in the user's cache folder by first character, loaded only
as far as the texts cut need it, and cutting exactly as jieba does with its whole dictionary."""

from __future__ import annotations

import json
import marshal
import os
import random
import subprocess
import sys
import zlib
from pathlib import Path

import jieba
import pytest

from scanner.detect import jieba_cache
from scanner.detect.jieba_cache import LazySegmenter

ROOT = Path(__file__).resolve().parents[2]
TEXT = "美国国务院和日本外务省的代表将于下周访问北京，外交部发言人张明表示欢迎。"
NAME = "jieba-test.shards"


@pytest.fixture(scope="module")
def whole():
    """jieba's own tokenizer with its whole dictionary, built from dict.txt (the reference)."""
    jieba.setLogLevel(60)
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
    tokenizer.initialized = True
    return tokenizer


@pytest.fixture(scope="module")
def folder(tmp_path_factory, whole):
    """A cache folder where the first segmenter built the dictionary and wrote the file."""
    folder = tmp_path_factory.mktemp("cache") / "mijian" / "jieba"
    first = jieba_cache.segmenter(jieba, folder, NAME)
    assert first.tokenizer.FREQ == whole.FREQ  # built whole, nothing left to load
    return folder


def _texts() -> list[str]:
    """Real texts (laws and judgments) and random ones: dictionary words, characters no word begins with,
    Latin letters, digits with points and dashes, spaces, line breaks, punctuation of both widths."""
    rows = [json.loads(line)["text"] for line in (ROOT / "models" / "training" / "train.jsonl").open(encoding="utf-8")]
    texts = [t[:400] for t in rows[:: max(1, len(rows) // 60)]]
    rng = random.Random(5)
    words = ["国务院", "中华人民共和国", "李某", "外交部", "装备", "试验", "研究所", "北京市", "作为", "的", "了",
             "EF17-40MM", "86.32mg", "100ml", "QQ", "T恤", "B超", "2-3", "3.5%", "C++", "a#b", "x_y", "v1.2"]
    pieces = words + list("，。、；：？！“”（）《》,.;:?!()-—_%#&+ \t\n\r\u3000") + ["\r\n", "  ", "\n\n"]
    for _ in range(200):
        out = []
        for _ in range(rng.randint(1, 60)):
            roll = rng.random()
            if roll < 0.45:
                out.append(rng.choice(words))
            elif roll < 0.75:
                out.append(chr(rng.randint(0x4E00, 0x9FD5)))  # any Han character, rare ones too
            elif roll < 0.8:
                out.append(chr(rng.choice([0x3400, 0x9FEF, 0x20000, 0x1F600, 0xFF21, 0x0410])))
            else:
                out.append(rng.choice(pieces))
        texts.append("".join(out))
    return texts


TEXTS = _texts()


def test_the_file_is_written_in_the_private_folder(folder):
    assert (folder / NAME).is_file()
    assert folder.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in folder.iterdir()] == [NAME]  # no temporary file left behind


def test_the_file_holds_jiebas_own_dictionary(folder, whole):
    again = jieba_cache.segmenter(jieba, folder, NAME)
    assert again.tokenizer.FREQ == {}  # read, nothing loaded yet
    assert again.tokenizer.total == whole.total
    assert again.load_all() == whole.FREQ


def test_one_text_loads_only_its_characters_entries(folder, whole):
    lazy = jieba_cache.segmenter(jieba, folder, NAME)
    assert list(lazy.cut(TEXT)) == list(whole.cut(TEXT))
    loaded = lazy.tokenizer.FREQ
    assert 0 < len(loaded) < len(whole.FREQ) // 5
    assert {word[0] for word in loaded} <= set(TEXT)
    assert all(loaded[w] == whole.FREQ[w] for w in loaded)
    assert all(w in loaded for w in whole.FREQ if w[0] in set(TEXT))


@pytest.mark.parametrize("mode", [{}, {"HMM": False}, {"cut_all": True}])
def test_lazy_cut_is_jiebas_cut(folder, whole, mode):
    """Each text cut by a fresh segmenter (only its own characters loaded; the accurate mode spaCy uses)
    and by one that has cut every text before it: the same words as jieba with its whole dictionary."""
    total, shards = jieba_cache.read_shards(folder / NAME)
    kept = LazySegmenter(jieba, total, dict(shards))
    for text in TEXTS:
        expected = list(whole.cut(text, **mode))
        if not mode:
            assert list(LazySegmenter(jieba, total, dict(shards)).cut(text)) == expected, text
        assert list(kept.cut(text, **mode)) == expected, text


def test_bytes_are_cut_as_jieba_cuts_them(folder, whole):
    lazy = jieba_cache.segmenter(jieba, folder, NAME)
    assert list(lazy.cut(TEXT.encode("utf-8"))) == list(whole.cut(TEXT))


def test_shared_jieba_tokenizer_is_not_touched(folder):
    before = (jieba.dt.initialized, id(jieba.dt.FREQ), len(jieba.dt.FREQ))
    lazy = jieba_cache.segmenter(jieba, folder, NAME)
    assert list(lazy.cut(TEXT)) and lazy.tokenizer is not jieba.dt
    assert (jieba.dt.initialized, id(jieba.dt.FREQ), len(jieba.dt.FREQ)) == before


def _damaged(kind: str, good: bytes) -> bytes:
    head = len(jieba_cache.MAGIC) + 4
    if kind == "empty":
        return b""
    if kind == "other-file":
        return marshal.dumps(({"的": 1}, 1))  # jieba's own cache format
    if kind == "truncated":
        return good[: len(good) // 2]
    if kind == "flipped-byte":
        return good[:-10] + bytes([good[-10] ^ 1]) + good[-9:]
    body = marshal.dumps([1, 2, 3]) if kind == "wrong-shape" else marshal.dumps((0, {"的": b""}))
    return jieba_cache.MAGIC + zlib.crc32(body).to_bytes(4, "little") + body


@pytest.mark.parametrize("kind", ["empty", "other-file", "truncated", "flipped-byte", "wrong-shape", "zero-total"])
def test_damaged_file_is_not_read(folder, tmp_path, kind):
    (tmp_path / NAME).write_bytes(_damaged(kind, (folder / NAME).read_bytes()))
    assert jieba_cache.read_shards(tmp_path / NAME) is None


def test_damaged_file_is_rebuilt(folder, whole, tmp_path):
    (tmp_path / NAME).write_bytes(_damaged("flipped-byte", (folder / NAME).read_bytes()))
    rebuilt = jieba_cache.segmenter(jieba, tmp_path, NAME)
    assert rebuilt.tokenizer.FREQ == whole.FREQ and rebuilt.tokenizer.total == whole.total
    assert jieba_cache.read_shards(tmp_path / NAME) is not None  # replaced: the next process reads it


def test_unwritable_cache_folder_still_segments(whole, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    lazy = jieba_cache.segmenter(jieba, blocker / "jieba", NAME)
    assert list(lazy.cut(TEXT)) == list(whole.cut(TEXT))


def test_cache_name_follows_jiebas_version_and_dictionary():
    name = jieba_cache.cache_name(jieba)
    size = (Path(jieba.__file__).with_name("dict.txt")).stat().st_size
    assert name.startswith(f"jieba-{jieba.__version__}-{size}-") and name.endswith(".shards")


CODE = """
import json, sys
from scanner.detect import jieba_cache
from scanner.detect.entities import EntityFinder
found = EntityFinder().find({text!r})
jieba = sys.modules["jieba"]
state = {{"pkg_resources": "pkg_resources" in sys.modules, "shared_initialized": jieba.dt.initialized}}
# The stand-in that blocked it during jieba's import is gone: importing it later is up to Python again
# (where the installed setuptools has none, as newer ones and venvs of Python 3.12+, there is none to import).
assert "pkg_resources" not in sys.modules
import importlib, importlib.util
assert importlib.util.find_spec("pkg_resources") is None or importlib.import_module("pkg_resources")
print(json.dumps([[[e.text, e.label, e.foreign] for e in found], state], ensure_ascii=False))
"""


def test_entity_model_keeps_the_dictionary_in_the_users_folder(tmp_path):
    """Two real processes load the entity model: the first writes the dictionary to
    XDG_CACHE_HOME/mijian/jieba, nothing to the temporary folder; the second reads it and finds the
    same entities. Neither imports pkg_resources for jieba nor fills jieba's shared tokenizer."""
    shared_tmp = tmp_path / "tmp"
    shared_tmp.mkdir()
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), TMPDIR=str(shared_tmp))
    runs = [subprocess.run([sys.executable, "-c", CODE.format(text=TEXT)], env=env, capture_output=True,
                           text=True, timeout=120) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    (first, state1), (second, state2) = (json.loads(run.stdout) for run in runs)
    assert first == second
    assert ["美国国务院", "organisation", True] in first and ["张明", "person", False] in first
    assert state1 == state2 == {"pkg_resources": False, "shared_initialized": False}
    cached = list((tmp_path / "cache" / "mijian" / "jieba").iterdir())
    assert [p.name for p in cached] == [jieba_cache.cache_name(jieba)]
    assert list(shared_tmp.iterdir()) == []


class HeldShards(dict):
    """Groups of which one, once taken out, is held (as a big group takes a while to load) until another
    thread has cut, or half a second has passed."""

    def __init__(self, shards, held: str, taken, release):
        super().__init__(shards)
        self.held, self.taken, self.release = held, taken, release

    def pop(self, key, *default):
        found = super().pop(key, *default)
        if key == self.held and found is not None:
            self.taken.set()
            self.release.wait(0.5)
        return found


def test_a_thread_never_cuts_while_another_loads_its_characters(folder, whole):
    """One thread takes 美's group out and is slow to load it; a second thread cutting a text with 美 in it
    meanwhile must wait for it, not cut without it (美国|国务院 would come out instead of 美国国务院)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    total, shards = jieba_cache.read_shards(folder / NAME)
    taken, release = threading.Event(), threading.Event()
    lazy = LazySegmenter(jieba, total, HeldShards(shards, "美", taken, release))

    def second():
        assert taken.wait(10)
        try:
            return list(lazy.cut(TEXT))
        finally:
            release.set()

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(lambda: list(lazy.cut("美")))
        later = pool.submit(second)
        assert first.result() == list(whole.cut("美"))
        assert later.result() == list(whole.cut(TEXT))
