"""`mijian review list` shows what the console's queue shows: open items unless --status says otherwise, and
--search over file name, sender and recipient, on a database written by a real `mijian watch --once`."""

from __future__ import annotations

import json
import re
import sqlite3
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from console_helpers import make_mailed
from review_helpers import XSS_NAME, Gateway
from scanner.cli import main
from scanner.config import load_config
from scanner.ingest.spool import Spool
from scanner.ingest.watch_config import parse_watch
from scanner.review.app import create_app
from scanner.review.auth import LoginLimiter
from scanner.review.decisions import decide
from scanner.store.db import Store
from scanner.store.review import ReviewStore


@pytest.fixture(scope="module")
def mailed(tmp_path_factory, make_docx) -> Gateway:
    """Two blocked files (one sent by 王芳 to Acme GmbH); the other one kept blocked by alice."""
    gw = make_mailed(tmp_path_factory.mktemp("mailed"), make_docx)
    store = Store(gw.db)
    try:
        decide(ReviewStore(store), _item(gw, XSS_NAME), "keep_blocked", "含国家秘密标志", "alice")
    finally:
        store.close()
    return gw


@pytest.fixture(scope="module")
def console(mailed):
    config = load_config(str(mailed.config))
    app = create_app(mailed.db, Spool(parse_watch(config)), limiter=LoginLimiter(attempts=50), config=config)
    with TestClient(app) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"username": "alice", "password": "alice-password", "csrf": token})
        yield client


def _item(gw: Gateway, name: str) -> int:
    con = sqlite3.connect(gw.db)
    try:
        return con.execute("select item_id from spool_jobs where name like ?", ["%" + name]).fetchone()[0]
    finally:
        con.close()


def listed(gw: Gateway, capsys, *options: str) -> list[int]:
    """The ids `mijian review list --json` prints."""
    capsys.readouterr()
    assert main(["review", "list", "--config", str(gw.config), "--json", *options]) == 0
    return [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()]


def shown(console, **params) -> list[int]:
    """The ids of the console queue's rows, in their order."""
    return [int(i) for i in re.findall(r'<td class="file"><a href="/items/(\d+)"', console.get("/", params=params).text)]


def test_default_is_the_open_items_like_the_console(mailed, console, capsys):
    open_item, decided = _item(mailed, "谈判方案.docx"), _item(mailed, XSS_NAME)
    assert listed(mailed, capsys) == [open_item] == shown(console)
    assert sorted(listed(mailed, capsys, "--status", "all")) == sorted([open_item, decided])
    assert listed(mailed, capsys, "--status", "all") == shown(console, status="all")
    assert listed(mailed, capsys, "--status", "decided") == [decided] == shown(console, status="decided")
    assert listed(mailed, capsys, "--status", "kept_blocked") == [decided]
    assert listed(mailed, capsys, "--status", "released") == []


@pytest.mark.parametrize("text, found", [("谈判", True), ("王芳", True), ("acme", True), ("ACME gmbh", True),
                                         ("onerror", False), ("李四", False)])
def test_search_looks_in_file_name_sender_and_recipient_like_the_console(mailed, console, capsys, text, found):
    expected = [_item(mailed, "谈判方案.docx")] if found else []
    assert listed(mailed, capsys, "--search", text) == expected == shown(console, q=text)


def test_search_with_all_statuses_finds_a_decided_item(mailed, console, capsys):
    decided = _item(mailed, XSS_NAME)
    assert listed(mailed, capsys, "--search", "onerror", "--status", "all") == [decided]
    assert shown(console, q="onerror", status="all") == [decided]


def test_text_output_says_how_many_items_in_the_readers_language(mailed, capsys):
    capsys.readouterr()
    assert main(["review", "list", "--config", str(mailed.config), "--search", "王芳"]) == 0
    out, err = capsys.readouterr()
    assert "谈判方案.docx" in out and len(out.splitlines()) == 1 and "共 1 条" in err
    assert main(["review", "list", "--config", str(mailed.config), "--search", "王芳", "--lang", "en"]) == 0
    assert "1 items" in capsys.readouterr().err
