"""The console's item page names the registered documents an item shares text with (id, title, level,
characters, shares, the item's passages and where they stand), beside the title and for archive members,
and never the registered text: a real `mijian register add`, a real `mijian scan`, the real console."""

from __future__ import annotations

import html
import io
import re
import sqlite3
import warnings
import zipfile
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from fingerprint_texts import SECRET
from review_helpers import add_users
from scanner.cli import main
from scanner.config import load_config
from scanner.review.app import create_app
from scanner.review.auth import LoginLimiter

COPIED = SECRET[60:170]  # what the outgoing files copy of the registered report


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, make_docx):
    """A registered report (docx), and an outgoing text and zip that copy a part of it, scanned into m.db."""
    root: Path = tmp_path_factory.mktemp("registered")
    config = root / "office.toml"
    config.write_text(f'[detect]\nmodel = ""\nsensitivity_model = ""\nentities = false\n'
                      f'[scan]\nocr_pictures = false\n'
                      f'[register]\nindex = "{(root / "fp.sqlite").as_posix()}"\n'
                      f'key_file = "{(root / "fp.key").as_posix()}"\n', encoding="utf-8")
    report = root / "report.docx"
    report.write_bytes(make_docx([SECRET[:120], SECRET[120:]]))
    assert main(["--config", str(config), "register", "add", str(report), "--level", "机密",
                 "--title", "东海<演训>保障方案"]) == 0
    (root / "list.csv").write_text("代号,姓名,身份证号\n天穹-7,王建国,110101198003071234\n"
                                   "海燕工程,李秀英,32010619850612002X\n", encoding="utf-8")
    assert main(["--config", str(config), "register", "data", str(root / "list.csv"), "--columns", "代号,姓名,身份证号",
                 "--alone", "代号,身份证号", "--level", "秘密", "--title", "重点项目人员名单"]) == 0
    outbox = root / "outbox"
    outbox.mkdir()
    (outbox / "names.txt").write_text("请核对海燕工程的进度，王建国同志（天穹７）于周一报到。", encoding="utf-8")
    (outbox / "mail.txt").write_text("各位好，请看下面这段：" + COPIED, encoding="utf-8")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as z:
        z.writestr("inner/copy.txt", "转发：" + COPIED)
    (outbox / "bundle.zip").write_bytes(packed.getvalue())
    db = root / "m.db"
    assert main(["--config", str(config), "scan", str(outbox), "--db", str(db), "--no-progress",
                 "--format", "jsonl"]) == 1
    add_users(db, ("alice", "officer", "alice-password"))
    return root, config, db


@pytest.fixture(scope="module")
def client(scanned):
    _, config, db = scanned
    with TestClient(create_app(db, None, limiter=LoginLimiter(attempts=50), config=load_config(str(config)))) as c:
        token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
        c.post("/login", data={"username": "alice", "password": "alice-password", "csrf": token})
        yield c


def _item(db: Path, name: str) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("select id from items where path like ? and member is null", ["%" + name]).fetchone()[0]
    finally:
        con.close()


def _section(page: str, anchor: str) -> str:
    found = re.search(rf'<section class="card registered" id="{anchor}">(.*?)</section>', page, re.S)
    assert found, f"no registered-documents section {anchor}"
    return found.group(1)


def _words(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)))


def test_item_page_names_the_registered_document_and_the_passage(scanned, client):
    _, _, db = scanned
    page = client.get(f"/items/{_item(db, 'mail.txt')}", params={"lang": "zh"}).text
    section = _section(page, "registered")
    assert page.index('id="registered"') < page.index("<h2>原因</h2>")  # under the title, before the reasons
    words = _words(section)
    assert "登记文件匹配" in words and "《东海<演训>保障方案》" in words and "<演训>" not in section  # escaped
    assert re.search(r"登记文件 · 编号 1 · 密级 机密 · 相同 \d+ 字 · 占本项 \d+% · 占该文件 \d+%", words), words
    passage = html.unescape(re.search(r'<mark class="registered">([^<]*)</mark>', section).group(1))
    assert passage and passage in COPIED and len(passage) >= 60
    assert "第1行" in words
    # Never the registered text: what the item does not copy is nowhere on the page.
    assert SECRET[:40] not in html.unescape(page) and SECRET[-40:] not in html.unescape(page)


def test_item_page_in_english(scanned, client):
    _, _, db = scanned
    words = _words(_section(client.get(f"/items/{_item(db, 'mail.txt')}", params={"lang": "en"}).text, "registered"))
    assert "Registered documents matched" in words and "the registered text is never shown" in words
    assert re.search(r"registered document · id 1 · level 机密 · \d+ characters in common · \d+% of this item · "
                     r"\d+% of the document", words), words
    assert "line 1" in words and "登记文件" not in words


def test_registered_data_values_with_their_columns(scanned, client):
    _, _, db = scanned
    section = _section(client.get(f"/items/{_item(db, 'names.txt')}", params={"lang": "zh"}).text, "registered")
    words = _words(section)
    assert "《重点项目人员名单》" in words and "登记数据 · 编号 1 · 密级 秘密" in words \
        and not re.search(r"相同 \d+ 字", words)
    rows = [_words(r).split() for r in re.findall(r"<tr><td class=\"ctx\">(.*?)</tr>", section, re.S)]
    assert rows == [["海燕工程", "代号", "第1行"], ["王建国", "姓名", "第1行"], ["天穹７", "代号", "第1行"]]
    assert "李秀英" not in words and "110101198003071234" not in words  # values the item does not hold


def test_an_archive_member_shows_its_match_in_its_section(scanned, client):
    _, _, db = scanned
    page = client.get(f"/items/{_item(db, 'bundle.zip')}", params={"lang": "zh"}).text
    assert 'id="registered"' not in page  # the zip itself copies nothing
    words = _words(_section(page, "m1-registered"))
    assert "《东海<演训>保障方案》" in words and "编号 1" in words
    assert page.index("inner/copy.txt") < page.index('id="m1-registered"')


def test_an_item_without_matches_has_no_section(scanned, client, tmp_path):
    _, config, db = scanned
    (tmp_path / "plain.txt").write_text("附件：作战部署示意及兵力部署调整说明，兵力部署见下表。", encoding="utf-8")
    assert main(["--config", str(config), "scan", str(tmp_path / "plain.txt"), "--db", str(db), "--no-progress",
                 "--format", "jsonl"]) == 1
    page = client.get(f"/items/{_item(db, 'plain.txt')}", params={"lang": "zh"}).text
    assert "<h2>原因</h2>" in page and "registered" not in page
