"""The console in a real browser: Playwright driving Debian's chromium against `mijian review serve`."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from review_helpers import XSS_NAME

import playwright.sync_api as playwright_api  # noqa: E402 (the [test] extra)
CHROMIUM = os.environ.get("MIJIAN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture(autouse=True)
def chromium_installed():
    """Missing Chromium fails the browser tests (no silent skip): apt-get install chromium, as .ci/run does."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"chromium missing at {CHROMIUM}: apt-get install chromium (or set MIJIAN_CHROMIUM)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(gateway, accounts):
    with start_server(gateway) as url:
        yield url


@contextlib.contextmanager
def start_server(gateway):
    """`mijian review serve --config` on a free port, until the block ends (also used by test_browser_console)."""
    port = _free_port()
    log = open(gateway.root / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "scanner", "review", "serve", "--port", str(port),
                             "--config", str(gateway.config)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/login", timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((gateway.root / "serve.log").read_text(errors="replace"))
            time.sleep(0.1)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@pytest.fixture
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--no-first-run"])
        yield b
        b.close()


def _login(page, url, user, password):
    page.goto(url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")


def test_officer_filters_opens_and_releases(server, browser, gateway):
    url = server
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    dialogs, requests = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    _login(page, url, "alice", "alice-password")
    assert page.locator("#whoami").inner_text() == "alice"

    # Filter the queue: blocked, foreign affairs.
    page.select_option("select[name=verdict]", "block")
    page.select_option("select[name=category]", "foreign_affairs")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**category=foreign_affairs**")
    assert page.locator("#queue tbody tr.row").count() == 1
    page.select_option("select[name=category]", "")
    page.click("#filters button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#queue tbody tr.row").count() == 2
    # The attacker's file name is shown as text, never as an element.
    assert page.locator("#queue a", has_text="<img src=x onerror=alert(1)>.docx").count() == 1
    assert page.locator("#queue img").count() == 0

    # The HTML-laden document: evidence highlighted, its <script> shown as text.
    page.click(f"#queue a:has-text('{XSS_NAME}')")
    page.wait_for_url("**/items/*")
    assert page.locator("#item-name").inner_text() == f"out/{XSS_NAME}"
    assert page.locator("mark", has_text="作战部署").count() >= 1
    assert page.locator(".passage .ctx", has_text="<script>alert(1)").count() >= 1
    assert page.locator("main script, main img").count() == 0
    assert "第2段" in page.locator(".passage .where").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review_item.png"), full_page=True)

    # Release the negotiation plan with a written reason.
    page.goto(url + "/")
    page.click("#queue a:has-text('谈判方案.docx')")
    page.wait_for_url("**/items/*")
    assert page.locator("mark", has_text="谈判").count() >= 1
    page.check("input[name=action][value=release]")
    page.fill("textarea[name=reason]", "经保密办核实，该口径已公开发布，准予放行")
    page.click("#decide button[type=submit]")
    page.wait_for_url("**done=1")
    assert page.locator("#notice").inner_text() == "决定已记录"
    assert "经保密办核实" in page.locator("#history").inner_text()
    assert (gateway.released / "谈判方案.docx").exists()
    assert not (gateway.quarantine / "谈判方案.docx").exists()

    # The decision is in the audit log, and the chain holds.
    page.click("header nav a[href='/audit']")
    assert "审计链完整" in page.locator("#chain").inner_text()
    assert "decision.release" in page.locator("#audit").inner_text()

    # The dashboard draws its charts inline; a screenshot of it is kept too.
    page.click("header nav a[href='/dashboard']")
    assert page.locator("#chart-days rect").count() >= 1
    assert page.locator("#chart-class-days rect").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "review_dashboard.png"), full_page=True)
    con = sqlite3.connect(gateway.db)
    action, actor, detail = con.execute("select action, actor, detail from audit order by seq desc limit 1").fetchone()
    con.close()
    assert (action, actor) == ("decision.release", "alice")
    assert json.loads(detail)["reason"] == "经保密办核实，该口径已公开发布，准予放行"

    # The dashboard draws its charts inline; English on request.
    page.click("header nav a[href='/dashboard']")
    assert page.locator("svg#chart-days rect").count() >= 1
    page.click("a.lang:has-text('English')")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert dialogs == []
    assert all(r.startswith(url) for r in requests), [r for r in requests if not r.startswith(url)]
    context.close()


def test_a_second_user_without_the_officer_role_cannot_release(server, browser, gateway):
    url = server
    context = browser.new_context()
    page = context.new_page()
    _login(page, url, "bob", "bob-password")
    item = gateway.item_id("谈判方案.docx")
    page.goto(f"{url}/items/{item}")
    assert "只有保密专员可以作出决定" in page.locator("main").inner_text()
    page.check("input[name=action][value=release]")
    page.fill("textarea[name=reason]", "管理员试图放行")
    with page.expect_response(lambda r: r.url.endswith("/decide")) as response:
        page.click("#decide button[type=submit]")
    assert response.value.status == 403
    assert (gateway.quarantine / "谈判方案.docx").exists()
    assert not (gateway.released / "谈判方案.docx").exists()
    con = sqlite3.connect(gateway.db)
    assert con.execute("select count(*) from decisions").fetchone()[0] == 0
    con.close()
    context.close()
