"""The scan's progress bar: files and bytes per second, time left from a count that runs ahead, verdicts so far."""

from __future__ import annotations

import io

from rich.console import Console

from scanner.commands.progress import ScanProgress
from scanner.config import parse_config
from scanner.scan import scan_paths


def test_the_bar_counts_ahead_and_shows_rates_time_left_and_verdicts(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(6):
        (folder / f"f{i}.txt").write_text("机密★10年\n通知\n" if i == 0 else f"第{i}号通知\n", encoding="utf-8")
    console = Console(file=io.StringIO(), force_terminal=True, width=200)
    progress = ScanProgress(console, "zh", [str(folder)])
    assert "统计中" in progress.text()  # before the count has run: the total is not known yet
    with progress:
        progress.count.join(30)
        config = parse_config('[scan]\nisolate = false\n[detect]\nmodel = ""\nsensitivity_model = ""\n')
        scan_paths([str(folder)], config, record=False, on_item=progress.item)
        text = progress.text()
    assert progress.count.finished and progress.count.files == 6
    assert text.startswith("6/6 个文件")
    assert "个/秒" in text and "B/s" in text and "剩余 0:00:00" in text and "统计中" not in text
    assert "放行 5 · 待审 0 · 阻断 1" in text
    english = ScanProgress(console, "en", [str(folder)])
    assert "files/s" in english.text() and "counting" in english.text()
