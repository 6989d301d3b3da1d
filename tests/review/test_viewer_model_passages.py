"""The full-text viewer highlights the topic model's passages as well as the lexicon's terms: a model
passage is stored as an excerpt of the text at its offsets (whitespace squeezed, ends stripped, long ones
cut with "…"), which samples/outbox/defense_brief.pdf shows on every indented PDF line."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from review_helpers import Gateway, add_users
from scanner.review.passages import text_fits
from test_browser import start_server

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "outbox" / "defense_brief.pdf"


@pytest.mark.parametrize("stored, actual, fits", [
    ("武器装备", "武器装备", True),
    ("参演武器装备已完成出库检查", " 参演武器装备已完成出库检查", True),  # a PDF line's indentation
    ("前出梯队 在演习开始前", "前出梯队\n 在演习开始前", True),  # a line break inside the passage
    ("一二三四…", " 一二三四五六七八", True),  # cut at EXCERPT_CHARS
    ("武器装备", "武器弹药", False),
    ("参演武器装备", " 参演武器装备已完成", False),  # a prefix without the "…" is not the excerpt
    ("一二三四五…", "一二三四", False),
    ("…", "任何文字", False),
    ("武器装备", "", False),  # offsets past the end of the text read again
])
def test_a_stored_text_fits_the_text_at_its_offsets_or_its_excerpt(stored, actual, fits):
    assert text_fits(stored, actual) is fits


@pytest.fixture(scope="module")
def briefed(tmp_path_factory) -> Gateway:
    """The sample through a real `mijian watch --once` with the shipped models (topic and sensitivity)."""
    root = tmp_path_factory.mktemp("brief")
    inbox = root / "inbox" / "out"
    inbox.mkdir(parents=True)
    config = root / "watch.toml"
    config.write_text("\n".join([
        "[watch]", f'spool = "{(root / "spool").as_posix()}"', f'db = "{(root / "mijian.db").as_posix()}"',
        "workers = 1", "stability_seconds = 0.2", "settle_seconds = 0.05", "poll_interval = 0.1",
        "[[watch.inbox]]", 'name = "out"', f'path = "{inbox.as_posix()}"', ""]), encoding="utf-8")
    shutil.copy(SAMPLE, inbox / SAMPLE.name)
    proc = subprocess.run([sys.executable, "-m", "scanner", "watch", "--once", "--config", str(config)],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "MIJIAN_LANG": "zh"})
    assert proc.returncode == 0, proc.stderr
    gw = Gateway(root, config, root / "mijian.db", root / "spool" / "quarantine" / "out",
                 root / "spool" / "released" / "out")
    add_users(gw.db, ("alice", "officer", "alice-password"))
    return gw


def _stored(gw: Gateway) -> tuple[int, dict]:
    con = sqlite3.connect(gw.db)
    try:
        item, result = con.execute("select i.id, i.result from items i join spool_jobs j on j.item_id = i.id "
                                   "where j.name = ?", [SAMPLE.name]).fetchone()
    finally:
        con.close()
    return item, json.loads(result)


def _marks(page: str) -> list[tuple[str, str]]:
    """(title, text) of each highlight in the served page."""
    return [(html.unescape(t), html.unescape(x)) for t, x in
            re.findall(r'<mark class="hl [^"]*" title="([^"]*)">([^<]*)</mark>', page)]


def test_the_viewer_highlights_the_model_passages_of_the_sample(briefed):
    item, doc = _stored(briefed)
    model = [f for f in doc["findings"] if f["rule"].startswith("classifier.")]
    assert model, "the sample has no model passage: the shipped model changed"
    with start_server(briefed) as url, httpx.Client(base_url=url) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        assert client.post("/login", data={"username": "alice", "password": "alice-password",
                                           "csrf": token}).status_code == 303
        page = client.get(f"/items/{item}/text")
    assert page.status_code == 200
    marks = _marks(page.text)
    for finding in model:
        # The passage is highlighted (merged with the terms inside it), its rule in the highlight's title.
        covering = [(title, text) for title, text in marks if finding["rule"] in title]
        assert covering, f"{finding['text']} not highlighted"
        shown = "".join(text for _, text in covering)
        assert finding["text"] in " ".join(shown.split())
    for finding in doc["findings"]:
        if finding["rule"].startswith("lexicon."):
            assert any(finding["text"] in text and finding["rule"] in title for title, text in marks)
