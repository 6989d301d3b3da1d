"""Reports: one writer per output format, all taking the same list of results."""

from scanner.report.writers import write_report  # noqa: F401


def __getattr__(name: str):
    # FORMATS lists every format; the HTML, SARIF and terminal writers register when their module is
    # imported, which writers.py does only when one of them is asked for.
    if name == "FORMATS":
        from scanner.report.writers import all_formats

        return all_formats()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
