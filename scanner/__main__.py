"""Entry point for `python -m scanner`."""

import sys

from scanner.cli import main

if __name__ == "__main__":  # worker processes may import this module again: they must not run the CLI
    sys.exit(main())
