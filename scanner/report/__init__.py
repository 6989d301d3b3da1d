"""Reports: one writer per output format, all taking the same list of results."""

from scanner.report.writers import FORMATS, write_report  # noqa: F401
