"""Fixtures for the gateway daemon tests: helpers importable as `watch_helpers`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
