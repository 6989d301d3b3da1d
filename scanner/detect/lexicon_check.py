"""Validate lexicon files: duplicates, empty or malformed lines, terms shadowed by the allow-list."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.detect.allowlist import REGEX_PREFIX, read_allow_list
from scanner.detect.lexicon import ALLOW_FILE, CONTEXT_FILE, read_context, read_lexicon
from scanner.detect.normalize import normalize
from scanner.detect.public import PUBLIC_FILE, PublicSigns
from scanner.detect.signals import WINDOW_FILE, WindowSignals
from scanner.errors import ConfigError
from scanner.model import CATEGORIES


@dataclass(frozen=True)
class Problem:
    """One problem in one line of one file; `message` in Chinese, then English."""

    path: str
    line: int
    code: str  # lexicon.duplicate, lexicon.empty_line, lexicon.invalid, lexicon.shadowed
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _entries(path: Path) -> list[tuple[int, str, str]]:
    """(line number, raw line, normalised term) for each non-comment line, blank ones included."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip().startswith("#"):
            continue
        out.append((number, line, normalize(line.split("\t")[0].strip()).text.strip()))
    return out


def check_lexicons(folder: Path, other: Path | None = None, allow: Path | None = None) -> list[Problem]:
    """Every problem found in the class files, the context file and the allow-list of `folder`."""
    problems: list[Problem] = []
    allow = allow or folder / ALLOW_FILE
    allowed = None
    if allow.is_file():
        try:
            allowed = read_allow_list(allow)
        except ConfigError as exc:
            problems.append(Problem(str(allow), 0, "lexicon.invalid", str(exc)))
    files = [(c, other if c == "other" and other else folder / f"{c}.txt") for c in CATEGORIES]
    for category, path in files:
        if not path.is_file():
            continue
        try:
            read_lexicon(path, category)
        except ConfigError as exc:
            problems.append(Problem(str(path), 0, "lexicon.invalid", str(exc)))
        seen: dict[str, int] = {}
        lines = _entries(path)
        last = max((n for n, line, _ in lines if line.strip()), default=0)
        for number, line, term in lines:
            if not line.strip():
                if number < last:
                    problems.append(Problem(str(path), number, "lexicon.empty_line", "空行 (empty line)"))
                continue
            if term in seen:
                problems.append(Problem(str(path), number, "lexicon.duplicate",
                                        f"重复词条 {term}，首见于第 {seen[term]} 行 (duplicate of line {seen[term]})"))
                continue
            seen[term] = number
            if allowed is not None:
                shadow = _shadowing(term, allowed)
                if shadow:
                    problems.append(Problem(str(path), number, "lexicon.shadowed",
                                            f"词条 {term} 总被允许列表项 {shadow} 覆盖，永远不会命中 "
                                            f"(always inside allow-list entry {shadow}: it can never match)"))
    if (folder / CONTEXT_FILE).is_file():
        try:
            read_context(folder / CONTEXT_FILE)
        except ConfigError as exc:
            problems.append(Problem(str(folder / CONTEXT_FILE), 0, "lexicon.invalid", str(exc)))
    for name, load in ((PUBLIC_FILE, PublicSigns.from_dir), (WINDOW_FILE, WindowSignals.from_dir)):
        try:
            load(folder)
        except ConfigError as exc:
            problems.append(Problem(str(folder / name), 0, "lexicon.invalid", str(exc)))
    return problems


def _shadowing(term: str, allowed) -> str | None:
    """The allow-list entry that covers every occurrence of `term`, if any."""
    if term in allowed.terms:
        return term
    for pattern in allowed.patterns:
        m = pattern.fullmatch(term)
        if m:
            return REGEX_PREFIX + pattern.pattern
    return None
