"""`mijian scan --format jsonl` writes each file's record as soon as it is decided."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from PIL import Image, ImageDraw


def test_jsonl_records_arrive_while_the_scan_goes_on(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a_marked.txt").write_text("机密★10年\n通知\n", encoding="utf-8")
    # The last file keeps the reader busy for seconds (OCR of a large picture, stopped at the limit).
    image = Image.new("RGB", (1700, 2200), "white")
    draw = ImageDraw.Draw(image)
    for line in range(60):
        draw.text((40, 30 + line * 35), "meeting notes line %d " % line * 6, fill="black")
    image.save(inbox / "z_scan.png")
    config = tmp_path / "c.toml"
    config.write_text('[scan]\nmax_seconds = 2.0\n[detect]\nmodel = ""\n', encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "scanner", "--config", str(config), "scan", str(inbox),
                             "--format", "jsonl", "--db", str(tmp_path / "m.db")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            env={**os.environ, "MIJIAN_LANG": "zh"})
    try:
        first = json.loads(proc.stdout.readline())
        assert first["path"].endswith("a_marked.txt") and first["verdict"] == "block"
        assert proc.poll() is None  # the picture is still being read: the first record did not wait for it
        rest = [json.loads(line) for line in proc.stdout.read().splitlines()]
        assert proc.wait(60) == 1
    finally:
        proc.kill()
    assert [r["path"].rsplit("/", 1)[-1] for r in rest] == ["z_scan.png"]
    assert rest[0]["verdict"] == "block"
