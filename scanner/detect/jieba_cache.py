"""jieba's prefix dictionary for the named-entity model: kept in the user's cache folder, split by first
character, and loaded only as far as the texts cut need it.

The named-entity model segments words with jieba, whose prefix dictionary (about 500,000 entries, words
and their prefixes) is built from its dict.txt in about 1.4 s of CPU; even read back whole from a cache it
costs 0.25–0.3 s, most of it building the dict. jieba keeps its own cache in `tempfile.gettempdir()`, a
folder every user of the machine shares; here the dictionary lives in the user's cache folder
(platformdirs; created 0700), in a file named after jieba's version and its dict.txt, holding the entries
grouped by their first character (about 12,000 groups, each its words joined by line breaks and their
counts as one array: 30% quicker to load than a marshalled dict).

Every word jieba looks up while it cuts a text is a piece of that text (get_DAG, calc and the HMM's
check all look up `sentence[i:j]` of a block of it), so it begins with one of the text's characters.
`LazySegmenter.cut` therefore loads the groups of the text's characters before cutting, and gives the
words the whole dictionary gives: the first flagged document loads about a tenth of it.
"""

from __future__ import annotations

import marshal
from array import array
import sys
import threading
from pathlib import Path

from scanner import cache_dir

MAGIC = b"mijian-jieba-shards-2\n"
# Counts are kept as 8-byte integers in the machine's byte order (the file never leaves the machine).
_COUNTS = "q"


def import_jieba():
    """The jieba module, imported without pkg_resources: jieba's _compat imports it only to open its own
    data files (0.1 s of CPU) and opens them with open() when it is missing."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    block = "pkg_resources" not in sys.modules
    if block:
        sys.modules["pkg_resources"] = None  # `import pkg_resources` raises ImportError meanwhile
    try:
        import jieba
    finally:
        if block and "pkg_resources" in sys.modules and sys.modules["pkg_resources"] is None:
            del sys.modules["pkg_resources"]
    return jieba


# Dictionary files kept: this jieba's and a few others' (several installs may share one home).
KEEP = 3


def cache_folder() -> Path | None:
    """Where the dictionary is kept: Mijian's per-user cache folder (~/.cache/mijian/jieba on Linux), or
    None when there is none."""
    return cache_dir.cache_folder("jieba")


def cache_name(jieba_module) -> str:
    """The file's name: jieba's version and its dictionary's size and time, so that another jieba or
    dictionary never reads this one's entries."""
    dictionary = Path(jieba_module.__file__).with_name("dict.txt")
    try:
        stat = dictionary.stat()
        stamp = f"{stat.st_size}-{int(stat.st_mtime)}"
    except OSError:
        stamp = "0"
    return f"jieba-{jieba_module.__version__}-{stamp}.shards"


class LazySegmenter:
    """`cut` of a jieba.Tokenizer on the default dictionary, holding only the dictionary's entries that
    begin with a character of some text it has cut (spaCy's Chinese tokenizer calls `cut`).

    It has its own tokenizer: jieba's shared one (`jieba.cut`) is left as it is for any other user.
    """

    def __init__(self, jieba_module, total: int, shards: dict[str, bytes], freq: dict | None = None):
        self.jieba = jieba_module
        self.tokenizer = jieba_module.Tokenizer()
        self.tokenizer.FREQ = freq if freq is not None else {}
        self.tokenizer.total, self.tokenizer.initialized = total, True
        self._shards = shards  # first character -> its entries (see write_shards), until loaded
        self._lock = threading.Lock()

    def cut(self, sentence, cut_all: bool = False, HMM: bool = True):
        """jieba's `cut`, once the entries the text can look up are loaded."""
        if not isinstance(sentence, str):
            sentence = self.jieba.strdecode(sentence)
        self.require(sentence)
        return self.tokenizer.cut(sentence, cut_all=cut_all, HMM=HMM)

    def require(self, text: str) -> None:
        """Load the entries that begin with a character of `text` (under a lock: a group taken out of
        `_shards` by one thread is in FREQ before another thread may cut)."""
        shards = self._shards
        if shards:
            freq = self.tokenizer.FREQ
            with self._lock:
                for char in set(text):
                    blob = shards.pop(char, None)
                    if blob is not None:
                        words, counts = marshal.loads(blob)
                        freq.update(zip(words.split("\n"), array(_COUNTS, counts)))

    def load_all(self) -> dict:
        """Every entry (for a caller that needs the whole dictionary); returns the dictionary."""
        for char in list(self._shards):
            self.require(char)
        return self.tokenizer.FREQ


def segmenter(jieba_module, folder: Path | None = None, name: str | None = None) -> LazySegmenter:
    """A LazySegmenter on jieba's default dictionary, from `folder`/`name` when that holds a readable
    file; otherwise jieba builds the dictionary from dict.txt (its own gen_pfdict) and the file is written
    for the next process (when the folder can be made)."""
    folder = cache_folder() if folder is None else folder
    path = folder / (name or cache_name(jieba_module)) if folder is not None else None
    found = read_shards(path) if path is not None else None
    if found is not None:
        return LazySegmenter(jieba_module, *found)
    builder = jieba_module.Tokenizer()
    freq, total = builder.gen_pfdict(builder.get_dict_file())
    if path is not None:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_shards(path, freq, total)
        except (OSError, ValueError, OverflowError):  # no cache folder (read-only home), or a dictionary
            pass  # this file cannot hold: built again by the next process
        else:
            cache_dir.prune(folder, "jieba-*", KEEP)  # older jieba versions' files, and the older format's
    return LazySegmenter(jieba_module, total, {}, freq)


def write_shards(path: Path, freq: dict, total: int) -> None:
    """Write `freq` grouped by first character, with a checksum, through a temporary file renamed into place.
    A group is marshal of (its words joined by line breaks, the bytes of an array of their counts)."""
    groups: dict[str, dict] = {}
    for word, count in freq.items():
        if "\n" in word:
            raise ValueError(f"a dictionary word holds a line break: {word!r}")
        groups.setdefault(word[:1], {})[word] = count
    packed = {char: marshal.dumps(("\n".join(entries), array(_COUNTS, entries.values()).tobytes()))
              for char, entries in groups.items()}
    cache_dir.write_checked(path, MAGIC, marshal.dumps((total, packed)))


def read_shards(path: Path) -> tuple[int, dict[str, bytes]] | None:
    """(total, first character -> marshalled entries) from `path`, or None when it is absent, damaged
    (checksum) or not of this form."""
    body = cache_dir.read_checked(path, MAGIC)
    if body is None:
        return None
    try:
        total, shards = marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return None
    if not (isinstance(total, int) and total > 0 and isinstance(shards, dict) and shards
            and all(type(k) is str and type(v) is bytes for k, v in shards.items())):
        return None
    return total, shards
