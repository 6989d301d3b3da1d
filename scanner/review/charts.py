"""Chart geometry for inline SVG (drawn by the templates): nothing loaded, nothing scripted."""

from __future__ import annotations

from collections import Counter

VERDICT_COLOURS = {"allow": "#2da44e", "flag": "#d4a72c", "block": "#cf222e"}


CLASS_COLOURS = {"defense": "#8250df", "foreign_affairs": "#0969da", "economy": "#bf8700",
                 "science_technology": "#1a7f37", "state_security": "#cf222e", "other": "#57606a"}


def stacked_days(days: list[tuple[str, Counter]], width: int = 640, height: int = 200,
                 order: tuple[str, ...] = ("block", "flag", "allow"),
                 colours: dict[str, str] = VERDICT_COLOURS, names: dict[str, str] | None = None) -> dict:
    """One stacked bar per day, the series in `order` from the bottom (verdicts by default)."""
    top = max((sum(c.values()) for _, c in days), default=0) or 1
    plot_h, left, bottom = height - 40, 36, height - 24
    step = min(48.0, (width - left - 8) / max(1, len(days)))
    bars = []
    for i, (day, counts) in enumerate(days):
        y = bottom
        x = left + i * step + step * 0.15
        for series in order:
            n = counts.get(series, 0)
            if not n:
                continue
            h = n / top * plot_h
            y -= h
            name = (names or {}).get(series, series)
            bars.append({"x": round(x, 1), "y": round(y, 1), "w": round(step * 0.7, 1), "h": round(h, 1),
                         "fill": colours[series], "title": f"{day} {name}: {n}"})
    labels = [{"x": round(left + i * step + step / 2, 1), "y": height - 8, "text": day[5:]}
              for i, (day, _) in enumerate(days)]
    return {"width": width, "height": height, "bars": bars, "labels": labels, "max": top,
            "axis": {"x1": left, "y1": bottom, "x2": width - 8, "y2": bottom}, "top_y": bottom - plot_h}


def hbars(rows: list[tuple[str, int]], width: int = 640, row_h: int = 26) -> dict:
    """Horizontal bars with their label and count."""
    top = max((n for _, n in rows), default=0) or 1
    label_w = 220
    bars = [{"y": i * row_h + 4, "w": round(n / top * (width - label_w - 50), 1), "label": label, "n": n,
             "text_y": i * row_h + 18} for i, (label, n) in enumerate(rows)]
    return {"width": width, "height": max(row_h, len(rows) * row_h + 8), "bars": bars, "x0": label_w}
