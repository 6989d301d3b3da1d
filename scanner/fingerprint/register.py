"""Registering documents at the security office: read each file as a scan does, fingerprint, store."""

from __future__ import annotations

from pathlib import Path

from scanner.config import Config
from scanner.detect.normalize import normalize
from scanner.errors import ConfigError, ExtractionError, PolicyError
from scanner.fingerprint.index import FingerprintIndex
from scanner.fingerprint.keyed import FingerprintKey, create_key
from scanner.fingerprint.lookup import open_index_and_key
from scanner.fingerprint.prints import text_prints
from scanner.fingerprint.stoplist import load_stoplist

# Levels a registered document may carry: national secrets, work secrets, commercial secrets.
LEVELS = ("绝密", "机密", "秘密", "工作秘密", "内部", "核心商密", "普通商密", "商业秘密")


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise ConfigError(f"未知密级 {level!r}，可用：{'、'.join(LEVELS)} (unknown level {level!r})")
    return level


def open_for_register(config: Config) -> tuple[FingerprintIndex, FingerprintKey, bool]:
    """The office's index and key, the key created (0600) when it does not exist yet; the last value
    says whether it was."""
    settings = config.register
    if not settings.index or not settings.key_file:
        raise ConfigError("未配置指纹库：需要配置项 register.index 和 register.key_file（或 --index、--key-file）"
                          " (set register.index and register.key_file, or --index and --key-file)")
    created = False
    if not Path(settings.key_file).exists():
        create_key(Path(settings.key_file))
        created = True
    index, key = open_index_and_key(settings, writable=True)
    if index.meta("key_id") is None:
        index.set_meta("key_id", key.key_id)
        index.set_meta("k", str(settings.k))
        index.set_meta("window", str(settings.window))
        index.commit()
    return index, key, created


class Registrar:
    """Adds documents to an open index with its own k and window and the shipped stop list."""

    def __init__(self, index: FingerprintIndex, key: FingerprintKey):
        self.index, self.key = index, key
        self.k = int(index.meta("k"))
        self.window = int(index.meta("window"))
        self.stop = load_stoplist(self.k)

    def add_text(self, text: str, *, title: str, level: str, owner: str = "", sources: list[str] = ()) -> int:
        prints = text_prints(normalize(text).text, self.key, self.k, self.window, self.stop)
        if len(prints.content) < self.k + self.window - 1:
            raise PolicyError(f"《{title}》文字太少，无法登记（不足 {self.k + self.window - 1} 字）"
                              f" (too little text to register: {title})")
        doc_id = self.index.add_document(title, check_level(level), owner, len(prints.content), list(sources),
                                         prints.hashes, prints.starts)
        self.index.bump_generation()
        return doc_id


def file_text(items: list[dict], name: str) -> str:
    """The text of a file read by extract/texts.py (the file and every member), refused when any
    part could not be read: a registration must not silently miss a page."""
    problems = [f"{i['member'] or name}: {i['problem']}" for i in items if i.get("problem")]
    if problems:
        raise ExtractionError(f"无法完整读取 {name}，未登记 (cannot read all of {name}, not registered): "
                              + "; ".join(problems))
    texts = ["\n".join(seg["text"] for seg in item["segments"]) for item in items]
    text = "\n".join(t for t in texts if t.strip())
    if not text.strip():
        raise ExtractionError(f"{name} 中没有可读文字（扫描件需开启 OCR），未登记 (no text in {name}, not registered)")
    return text


class FileReader:
    """Reads files the way a scan does: in a sandbox child (scan.isolate), under the scan's limits."""

    def __init__(self, config: Config):
        self.config = config
        self.box = None
        if config.scan.isolate:
            from scanner.sandbox import Sandbox

            self.box = Sandbox()

    def read(self, path: Path) -> str:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ExtractionError(f"无法读取文件 {path}：{exc.strerror} (cannot read {path})") from exc
        if len(data) > self.config.scan.max_file_size:
            raise ExtractionError(f"{path} 超过 scan.max_file_size，未登记 ({path} is over scan.max_file_size)")
        if self.box is not None:
            items = self.box.texts(self.config, data)
        else:
            from scanner.extract.texts import read_texts

            items = read_texts(data, self.config)
        return file_text(items, str(path))

    def close(self) -> None:
        if self.box is not None:
            self.box.close()
