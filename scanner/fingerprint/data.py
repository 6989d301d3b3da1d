"""Exact data matching: registering a CSV's values (code names, ID numbers, figures) as keyed hashes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from scanner.detect.normalize import normalize
from scanner.errors import ConfigError
from scanner.fingerprint.index import FingerprintIndex
from scanner.fingerprint.keyed import FingerprintKey
from scanner.fingerprint.text import content_text
from scanner.fingerprint.winnow import gram_hashes

MAX_VALUE_CHARS = 64


def value_hash(key: FingerprintKey, value: str, min_chars: int) -> tuple[int, int] | None:
    """(keyed hash, length) of a value as a scan sees it (normalised, content characters only), or
    None when it is too short or too long to look for."""
    codes = content_text(normalize(value).text).codes
    if not min_chars <= len(codes) <= MAX_VALUE_CHARS:
        return None
    h1, h2 = gram_hashes(codes, len(codes))
    return int(key.grams(h1, h2, b"values")[0]), len(codes)


def read_csv(path: Path) -> list[dict[str, str]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"无法读取 {path}：{exc.strerror} (cannot read {path})") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ConfigError(f"{path} 不是 UTF-8 或 GB18030 编码 (not UTF-8 or GB18030: {path})")
    return list(csv.DictReader(io.StringIO(text)))


def register_data(index: FingerprintIndex, key: FingerprintKey, path: Path, columns: list[str], alone: list[str],
                  *, title: str, level: str, owner: str, min_chars: int) -> tuple[int, int, int]:
    """Store the keyed hashes of the named columns' values; (data set id, rows, values stored)."""
    rows = read_csv(path)
    header = list(rows[0]) if rows else []
    missing = [c for c in columns + alone if c not in header]
    if missing:
        raise ConfigError(f"{path} 中没有这些列：{'、'.join(missing)}；已有：{'、'.join(header)} "
                          f"(columns not in {path}: {', '.join(missing)})")
    values, lengths = [], []
    for r, row in enumerate(rows):
        for c, column in enumerate(columns):
            found = value_hash(key, row.get(column) or "", min_chars)
            if found is not None:
                values.append((found[0], r, c))
                lengths.append(found[1])
    if not values:
        raise ConfigError(f"{path} 的这些列中没有可登记的值 (no values to register in these columns of {path})")
    set_id = index.add_dataset(title, level, owner, columns, alone, values, len(rows), lengths)
    index.bump_generation()
    return set_id, len(rows), len(values)
