"""Installed size of Mijian: a fresh `python3 -m venv`, `pip install .` of a checkout, then the size of
site-packages (what `du -sm` shows) and its largest packages.

    python3 benchmarks/install_size.py                 # this checkout
    python3 benchmarks/install_size.py --tree /tmp/old # an older one (git worktree add --detach /tmp/old REV)
    python3 benchmarks/install_size.py --extra train   # with an extra

Needs the package registry (pip downloads, or its cache); takes a few minutes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def du_mb(path: Path) -> int:
    return int(subprocess.run(["du", "-sm", str(path)], capture_output=True, text=True, check=True).stdout.split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=str(ROOT), help="the checkout to install (default: this one)")
    parser.add_argument("--extra", help="an extra to install with it, e.g. train")
    parser.add_argument("--top", type=int, default=12, help="how many of the largest packages to list")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        target = args.tree + (f"[{args.extra}]" if args.extra else "")
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", target], check=True)
        version = sysconfig.get_python_version()
        site = venv / "lib" / f"python{version}" / "site-packages"
        sizes = sorted(((du_mb(p), p.name) for p in site.iterdir()), reverse=True)
        frozen = subprocess.run([str(venv / "bin" / "pip"), "list", "--format", "freeze"], capture_output=True,
                                text=True, check=True).stdout
        print(f"{target}: site-packages {du_mb(site)} MB (python {version})")
        for size, name in sizes[: args.top]:
            print(f"  {size:>5} MB  {name}")
        names = {line.split("==")[0].lower() for line in frozen.splitlines()}
        for name in ("opencv-python", "opencv-python-headless", "scikit-learn", "scipy"):
            print(f"  {name}: {'installed' if name in names else 'absent'}")


if __name__ == "__main__":
    main()
