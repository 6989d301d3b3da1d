"""The shape of the package: no import circle between scanner's modules, and no module over 400 lines.

Run as a script (`python3 tests/test_modules.py`) for the whole report: every circle, every long module.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "scanner"
MAX_LINES = 400
# Modules allowed over MAX_LINES for now, each with the issue that splits it. An entry that is no
# longer needed fails the test, so the list only ever shrinks.
EXEMPT: dict[str, str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The scanner module an imported name lives in: the longest known prefix, else None."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The scanner modules `name` imports.

    Counted: every `import` and `from ... import` statement anywhere in the file, at module level and
    inside functions, methods, `if TYPE_CHECKING:` and try blocks alike (a lazy import is still a
    dependency). `from a.b import c` counts a.b.c when that is a module, else a.b.
    Not counted: the parent packages Python runs on the way (importing scanner.extract.doc runs
    scanner/extract/__init__.py, which imports its extractors to register them: that is registration,
    not a dependency of doc.py), and imports by string (importlib, a forkserver's preload list).
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            module = _resolve(target, known) if target.split(".")[0] == "scanner" else None
            if module is not None and module != name:
                found.add(module)
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected group of modules (Tarjan), as a path back to its start."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph) + 100))
    try:
        for v in sorted(graph):
            if v not in index:
                connect(v)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(_circle(group, graph) for group in groups)


def _circle(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest circle through the group's first module (breadth first, inside the group)."""
    start = min(group)
    parents = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & group):
            if w == start:
                path = [v]
                while parents[path[-1]] is not None:
                    path.append(parents[path[-1]])
                return path[::-1] + [start]
            if w not in parents:
                parents[w] = v
                queue.append(w)
    raise AssertionError(f"no circle in {sorted(group)}")


def line_counts() -> dict[str, int]:
    """Lines per module file, as `wc -l` counts them."""
    root = PACKAGE.parent
    return {p.relative_to(root).as_posix(): p.read_bytes().count(b"\n") for p in sorted(PACKAGE.rglob("*.py"))}


def long_modules() -> dict[str, int]:
    return {path: n for path, n in line_counts().items() if n > MAX_LINES}


def test_scanner_modules_import_no_circle():
    found = cycles(import_graph())
    assert not found, "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_scanner_modules_stay_under_the_line_limit():
    over = {path: n for path, n in long_modules().items() if path not in EXEMPT}
    assert not over, f"modules over {MAX_LINES} lines: " + ", ".join(f"{p} ({n})" for p, n in sorted(over.items()))


def test_every_exemption_is_still_needed():
    long = long_modules()
    stale = [path for path in EXEMPT if path not in long]
    assert not stale, f"no longer over {MAX_LINES} lines (or gone): remove from EXEMPT: {stale}"


def test_the_checker_finds_a_circle_and_resolves_imports(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e2"}, "e2": {"e"}}
    assert cycles(graph) == [["a", "b", "c", "a"], ["e", "e2", "e"]]
    known = {"scanner": Path(), "scanner.x": Path(), "scanner.x.y": Path(), "scanner.x.z": Path()}
    source = tmp_path / "z.py"
    source.write_text("from scanner.x import y, helper\n"
                      "from . import y as again\n"
                      "def f():\n    import scanner.x.y.inner\n", encoding="utf-8")
    assert imports("scanner.x.z", source, known) == {"scanner.x.y", "scanner.x"}


def main() -> int:
    graph = import_graph()
    found = cycles(graph)
    print(f"{len(graph)} modules, {sum(len(v) for v in graph.values())} imports between them")
    for circle in found:
        print("circle: " + " -> ".join(circle))
    for path, n in sorted(long_modules().items(), key=lambda item: -item[1]):
        print(f"over {MAX_LINES} lines: {path} ({n})" + (f"  [exempt: {EXEMPT[path]}]" if path in EXEMPT else ""))
    over = [p for p in long_modules() if p not in EXEMPT]
    return 1 if found or over else 0


if __name__ == "__main__":
    sys.exit(main())
