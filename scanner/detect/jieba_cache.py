"""jieba's prefix dictionary, kept in the user's own cache folder and read back in one piece.

The named-entity model segments words with jieba, whose prefix dictionary (about 500,000 entries) is
built from its dict.txt in about 1.4 s of CPU. jieba keeps it in `tempfile.gettempdir()/jieba.cache`, a
folder every user of the machine shares (anyone may put a file there first), and reads it back with
`marshal.load` on the open file, which reads in small pieces: about 1 s. Here the cache lives in the
user's cache folder (platformdirs; created 0700), is named after jieba's version and its dictionary
file, and is read with one read() and `marshal.loads`: about 0.45 s. jieba itself writes it the first
time (a temporary file renamed into place), so the dictionary is jieba's own, entry for entry.
"""

from __future__ import annotations

import marshal
from pathlib import Path


def cache_folder() -> Path:
    """Where the cache is kept: Mijian's per-user cache folder (~/.cache/mijian/jieba on Linux)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("mijian")) / "jieba"


def cache_name(jieba_module) -> str:
    """The cache's file name: jieba's version and its dictionary's size and time, so that another
    jieba or dictionary never reads this one's cache."""
    dictionary = Path(jieba_module.__file__).with_name("dict.txt")
    try:
        stat = dictionary.stat()
        stamp = f"{stat.st_size}-{int(stat.st_mtime)}"
    except OSError:
        stamp = "0"
    return f"jieba-{jieba_module.__version__}-{stamp}.cache"


def prepare(tokenizer, folder: Path, name: str) -> bool:
    """Make `tokenizer` (a jieba.Tokenizer on the default dictionary) ready, from `folder`/`name` when
    that holds a readable cache. True when the cache was read, False when jieba built the dictionary
    (and wrote the cache, if the folder can be made). A tokenizer already initialised is left as it is."""
    if tokenizer.initialized:
        return False
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:  # no cache folder (read-only home): jieba builds the dictionary as it always did
        tokenizer.initialize()
        return False
    tokenizer.tmp_dir, tokenizer.cache_file = str(folder), name
    try:
        freq, total = marshal.loads((folder / name).read_bytes())
        usable = isinstance(freq, dict) and isinstance(total, int) and len(freq) > 0 and total > 0
    except (OSError, ValueError, EOFError, TypeError):  # absent, unreadable or damaged
        usable = False
    if not usable:
        # jieba reads a damaged cache, fails, builds the dictionary and replaces the file.
        tokenizer.initialize()
        return False
    with tokenizer.lock:
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, total, True
    return True
