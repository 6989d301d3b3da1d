"""Helpers of the cluster and resume tests: the corpus's settings, a hostile picture, records to compare."""

from __future__ import annotations

import glob
import json
import sqlite3

from PIL import Image, ImageDraw, ImageFont

MARK = "机密★10年"
# A kill at the hard limit (sandbox.hard_seconds: 8 + 2 s) for the hostile picture; ordinary files
# take well under a second each, so a loaded machine does not push them over it.
CONFIG = """
[scan]
max_seconds = 8.0
max_file_size = 2000000
max_members = 20
[detect]
model = ""
sensitivity_model = ""
entities = false
"""


def dense_page(path) -> None:
    """A picture of Chinese text whose OCR takes far longer than the hard limit: its reader is killed."""
    fonts = glob.glob("/usr/share/fonts/**/wqy-zenhei.ttc", recursive=True)
    font = ImageFont.truetype(fonts[0], 26) if fonts else ImageFont.load_default()
    image = Image.new("RGB", (3400, 4400), "white")
    draw = ImageDraw.Draw(image)
    for line in range(80):
        for column in range(2):
            draw.text((50 + column * 1700, 40 + line * 52), f"关于进一步加强对外合作项目管理工作的通知第{line}条说明",
                      font=font, fill="black")
    image.save(path)


def records(db_path) -> list[tuple]:
    """Every item row as a local and a clustered scan must both write it (ids and times aside), sorted,
    with the number of findings and markings stored for it."""
    db = sqlite3.connect(db_path)
    rows = db.execute(
        "select i.path, i.path_raw, i.member, i.sha256, i.size, i.type, i.verdict, i.reason_codes, i.labels, "
        "i.problem_code, i.fingerprint, i.cached, i.members, i.result, "
        "(select count(*) from findings f where f.item_id = i.id), "
        "(select count(*) from markings m where m.item_id = i.id) from items i").fetchall()
    db.close()
    return sorted(rows, key=lambda r: (r[1], r[2] or ""))


def files_once(db_path, run_id: int) -> dict[bytes, int]:
    """path_raw -> how many times the run recorded that file (its own row)."""
    db = sqlite3.connect(db_path)
    counts = dict(db.execute("select path_raw, count(*) from items where run_id = ? and member is null "
                             "group by path_raw", [run_id]).fetchall())
    db.close()
    return counts


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
