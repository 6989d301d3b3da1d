"""Start-up time of the command line: `mijian --help`, `--version`, and one small file scanned end to end.

Cases: `--help`, `--version`, the marked file SMALL_FILE scanned again (`--rescan`, one database; it is
flagged, so the named-entity model loads too) and one unmarked line scanned into a new database each
time (`--format jsonl --db NEW`: issue 17's case).

Runs each command N times in a fresh interpreter (`python -m scanner`, as the `mijian` script does, without
pyenv's shim) and prints the median wall time (until the command exits) and the median CPU time of its
whole process tree: this process is made a subreaper (Linux), so the fork server and the reader it
forks, which the command never waits for, are reaped here and counted too. With `--old DIR` the same commands run against an older
checkout too, side by side (old and new runs alternate, so that load falls on both alike); `--rev REV` makes that checkout itself (a detached `git worktree`,
removed afterwards), e.g.

    python3 benchmarks/startup_bench.py --rev 54f7603 -n 7      # the commit before lazy imports

Issue 15 item 9 asks for `--help` under 0.3 s; issue 17 for one small file under 0.5 s.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PR_SET_CHILD_SUBREAPER = 36
SMALL_FILE = "机密★10年\n关于2026年装备试验安排的通知\n各单位：试验于下月开始，请做好准备。\n"


def _run(tree: Path, args: list[str], cwd: Path) -> tuple[float, float, int]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    env.pop("MIJIAN_CONFIG", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "scanner", *args], cwd=cwd, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    while True:  # the command's orphans (fork server, reader) came to this process: wait for them too
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


PLAIN_FILE = "今天天气很好，我们下午去公园散步吧。\n"  # one unmarked line: allowed (exit 0)


def _cases(work: Path, tree: Path) -> dict[str, tuple[list[str], int, bool]]:
    """name -> (arguments, expected exit code, whether each run gets a new database)."""
    marked, plain = work / "one.txt", work / "plain.txt"
    marked.write_text(SMALL_FILE, encoding="utf-8")
    plain.write_text(PLAIN_FILE, encoding="utf-8")
    db = work / f"bench-{abs(hash(str(tree)))}.db"
    return {
        "--help": (["--help"], 0, False),
        "--version": (["--version"], 0, False),
        "scan one small file": (["scan", str(marked), "--db", str(db), "--rescan", "--no-progress",
                                 "--format", "json"], 1, False),  # marked: exit 1 (found)
        "plain line, new db": (["scan", str(plain), "--format", "jsonl", "--db", "NEW"], 0, True),
    }


def measure(trees: list[Path], n: int, work: Path) -> list[dict[str, tuple[float, float]]]:
    """Median wall and CPU per case and tree; the trees' runs alternate, so load hits them alike."""
    samples: list[dict[str, tuple[list[float], list[float]]]] = [{} for _ in trees]
    names = list(_cases(work, trees[0]))
    for name in names:
        for round_ in range(n + 1):  # round 0 warms the page cache (and the database)
            for k, tree in enumerate(trees):
                args, expected, new_db = _cases(work, tree)[name]
                if new_db:
                    db = work / f"new-{k}-{round_}.db"
                    args = [str(db) if a == "NEW" else a for a in args]
                wall, cpu, code = _run(tree, args, work)
                if code != expected:
                    raise SystemExit(f"{tree}: {name} exited {code}, expected {expected}")
                if round_:
                    walls, cpus = samples[k].setdefault(name, ([], []))
                    walls.append(wall)
                    cpus.append(cpu)
    return [{name: (statistics.median(w), statistics.median(c)) for name, (w, c) in s.items()} for s in samples]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5, help="runs per command (median reported)")
    parser.add_argument("--old", metavar="DIR", help="an older checkout (git worktree add) to compare with")
    parser.add_argument("--rev", help="a git revision to compare with (checked out in a temporary worktree)")
    args = parser.parse_args()
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("note: not a subreaper: the CPU of processes the command does not wait for is missed", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        old_tree = Path(args.old).resolve() if args.old else None
        if args.rev:
            old_tree = work / "old"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old_tree), args.rev],
                           check=True)
        try:
            found = measure([ROOT] + ([old_tree] if old_tree else []), args.n, work)
            now, old = found[0], (found[1] if old_tree else None)
        finally:
            if args.rev:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old_tree)], check=False)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, median of {args.n}; "
          f"CPU of the whole process tree; old and new runs alternate; "
          f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}")
    header = f"{'command':<22}{'wall s':>9}{'CPU s':>9}"
    if old:
        header += f"{'old wall s':>12}{'old CPU s':>11}"
    print(header)
    for name, (wall, cpu) in now.items():
        row = f"{name:<22}{wall:>9.3f}{cpu:>9.3f}"
        if old:
            row += f"{old[name][0]:>12.3f}{old[name][1]:>11.3f}"
        print(row)


if __name__ == "__main__":
    main()
