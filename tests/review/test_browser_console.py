"""The officer's console in a real browser (issue 15, items 13-17): Playwright driving Debian's chromium
against `mijian review serve` over a gateway whose files came with sender and recipient."""

from __future__ import annotations

import re
import sqlite3

import pytest

from console_helpers import make_mailed
from review_helpers import XSS_NAME
from test_browser import ARTIFACTS, _login, browser, chromium_installed, start_server  # noqa: F401 (fixtures)


@pytest.fixture
def mailed(tmp_path, make_docx):
    return make_mailed(tmp_path, make_docx)


@pytest.fixture
def served(mailed):
    with start_server(mailed) as url:
        yield url


def test_officer_reviews_searches_reads_downloads_and_decides_in_bulk(served, browser, mailed):  # noqa: F811
    url = served
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    _login(page, url, "alice", "alice-password")

    # 16: the queue opens on open items; 13: reasons in words, the code small beside them.
    assert page.locator("select[name=status]").input_value() == "open"
    rows = page.locator("#queue tbody tr.row")
    assert rows.count() == 2
    reason = page.locator("#queue .reason", has_text="marking.national_secret").first
    assert reason.locator(".reason-text").inner_text() == "检测到国家秘密标志：机密★10年"
    assert reason.locator("code.reason-code").inner_text() == "marking.national_secret"
    code_size = float(reason.locator("code.reason-code").evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    text_size = float(reason.locator(".reason-text").evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert code_size < text_size

    # 17: the inbox-relative name in the column, the full path on hover.
    deep = page.locator("#queue td.file a", has_text="谈判方案.docx")
    assert deep.inner_text() == "项目A/对外提供/2026年第三季度/谈判方案.docx"
    assert deep.get_attribute("title") == str(mailed.root / "inbox/out/项目A/对外提供/2026年第三季度/谈判方案.docx")
    assert page.locator("#queue td.file a", has_text="onerror").inner_text() == XSS_NAME

    # 16: search by sender.
    page.fill("input[name=q]", "王芳")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**q=**")
    assert rows.count() == 1 and "发件人：王芳 · 接收方：Acme GmbH" in rows.first.inner_text()
    page.goto(url + "/")

    # 14: the item page shows passages with a jump list, each highlight titled with tier, class and rule.
    page.click("#queue td.file a:has-text('onerror')")
    page.wait_for_url("**/items/*")
    item_url = page.url
    assert page.locator(".passage").count() == 1
    assert page.locator(".passage mark", has_text="武器装备").count() == 1
    assert page.locator(".passage mark", has_text="武器装备").get_attribute("title") == \
        "弱证据 · 国防建设和武装力量活动 · lexicon.defense"
    assert page.locator(".passage .ctx", has_text="<script>alert(1)</script>").count() == 1
    assert page.locator("main script, main img").count() == 0
    page.click(".jump a.jump-link >> nth=0")
    assert page.url.endswith("#p1")
    assert page.locator(".passage:target").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console_item.png"), full_page=True)

    # 15: the extracted text, with locations; the original as a download, audited.
    page.click("#view-text")
    page.wait_for_url("**/text")
    segments = page.locator("table.segments tbody tr")
    assert segments.count() == 2
    assert segments.nth(0).locator("td.where").inner_text() == "第1段"
    assert segments.nth(0).locator("mark.marking").inner_text() == "机密★10年"
    assert "<script>alert(1)</script>" in segments.nth(1).inner_text()
    page.goto(item_url)
    with page.expect_download() as download:
        page.click("#download")
    saved = download.value.path()
    assert open(saved, "rb").read() == (mailed.quarantine / XSS_NAME).read_bytes()
    assert download.value.suggested_filename.endswith(".docx") and "<" not in download.value.suggested_filename
    con = sqlite3.connect(mailed.db)
    audited = [r[0] for r in con.execute("select action from audit where actor = 'alice' and item_id is not null")]
    con.close()
    assert audited == ["item.text", "item.download"]

    # 16: a second officer has the other item open while the first decides both in bulk.
    other = browser.new_context(locale="zh-CN")
    late = other.new_page()
    _login(late, url, "carol", "carol-password")
    late.click("#queue td.file a:has-text('谈判方案')")
    late.wait_for_url("**/items/*")

    page.goto(url + "/")
    page.check("#queue input[name=item] >> nth=0")
    page.check("#queue input[name=item] >> nth=1")
    page.screenshot(path=str(ARTIFACTS / "console_queue.png"), full_page=True)
    page.check("#bulk input[name=action][value=keep_blocked]")
    page.fill("#bulk textarea[name=reason]", "两份文件均含敏感内容，维持阻断")
    page.click("#bulk button[type=submit]")
    page.wait_for_url(url + "/decide")
    assert page.locator("#bulk-done").inner_text() == "已对 2 个条目作出决定"
    page.goto(url + "/")
    assert rows.count() == 0  # nothing open any more
    page.select_option("select[name=status]", "decided")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**status=decided**")
    assert rows.count() == 2

    late.check("input[name=action][value=release]")
    late.fill("textarea[name=reason]", "我认为可以放行")
    with late.expect_response(lambda r: r.url.endswith("/decide")) as response:
        late.click("#decide button[type=submit]")
    assert response.value.status == 409
    assert re.fullmatch(r"该条目已由 alice 于 \S+ \S+ 作出决定（维持阻断），请查看后再决定",
                        late.locator("#conflict").inner_text())
    con = sqlite3.connect(mailed.db)
    assert con.execute("select count(*) from decisions where officer = 'carol'").fetchone()[0] == 0
    con.close()
    assert (mailed.quarantine / "项目A/对外提供/2026年第三季度/谈判方案.docx").exists()
    assert all(r.startswith(url) for r in requests)
    other.close()
    context.close()


def test_english_console_shows_english_reasons(served, browser):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    _login(page, served, "alice", "alice-password")
    page.goto(served + "/?lang=en")
    texts = page.locator("#queue .reason-text").all_inner_texts()
    assert "national-secret marking found: 机密★10年" in texts
    assert not any("检测到" in t for t in texts)
    context.close()
