"""Reports: one writer per output format, all taking the same list of results."""

from scanner.report.writers import FORMATS, write_report  # noqa: F401

# The HTML, SARIF and terminal writers register themselves on import, after the machine formats.
from scanner.report import html, sarif, table  # noqa: E402,F401
