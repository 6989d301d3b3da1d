"""The console over HTTP (starlette's test client): sessions, CSRF, roles, escaping, filters, language."""

from __future__ import annotations

import re
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette asks for httpx2; httpx works the same here
    from starlette.testclient import TestClient

from review_helpers import XSS_NAME
from scanner.config import load_config
from scanner.ingest.spool import Spool
from scanner.ingest.watch_config import parse_watch
from scanner.review.app import create_app
from scanner.review.auth import LoginLimiter


@pytest.fixture
def client(gateway, accounts):
    spool = Spool(parse_watch(load_config(str(gateway.config))))
    with TestClient(create_app(gateway.db, spool, limiter=LoginLimiter(attempts=3))) as c:
        yield c


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client, user, password):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": user, "password": password, "csrf": token},
                       follow_redirects=False)


def test_pages_need_a_login(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    page = client.get("/login")
    assert "登录" in page.text and "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_login_without_csrf_is_refused(client):
    client.get("/login")
    response = client.post("/login", data={"username": "alice", "password": "alice-password"})
    assert response.status_code == 403
    assert "表单已失效" in response.text


def test_login_is_rate_limited(client):
    for _ in range(3):
        assert login(client, "alice", "wrong-password").status_code == 401
    assert login(client, "alice", "alice-password").status_code == 429  # even the right password, for now


def test_queue_filters_and_escapes_file_names(client, gateway):
    assert login(client, "alice", "alice-password").status_code == 303
    page = client.get("/")
    assert page.status_code == 200
    assert "<img src=x" not in page.text
    assert "out/&lt;img src=x onerror=alert(1)&gt;.docx" in page.text
    assert "谈判方案.docx" in page.text
    filtered = client.get("/", params={"category": "foreign_affairs", "verdict": "block", "inbox": "out",
                                       "status": "open", "sort": "path", "order": "asc"})
    assert "谈判方案.docx" in filtered.text and "onerror" not in filtered.text
    assert "共 1 条" in filtered.text
    assert client.get("/", params={"since": "2999-01-01"}).text.count('class="row') == 0
    assert client.get("/", params={"since": "yesterday"}).status_code == 400


def test_item_page_shows_evidence_inert_and_in_chinese(client, gateway):
    login(client, "alice", "alice-password")
    page = client.get(f"/items/{gateway.item_id(XSS_NAME)}")
    assert page.status_code == 200
    text = page.text
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(1)" in text
    assert re.search(r'<mark class="hl strong" title="[^"<>]*lexicon\.defense[^"<>]*">作战部署</mark>', text)
    assert "第2段" in text and "机密★10年" in text and "无审批记录" in text and "未加密" in text
    assert "国防建设和武装力量活动" in text
    english = client.get(f"/items/{gateway.item_id(XSS_NAME)}?lang=en")
    assert "paragraph 2" in english.text and "Evidence in context" in english.text
    assert english.cookies.get("lang") == "en" or "lang=en" in english.headers.get("set-cookie", "")
    assert "Evidence in context" in client.get(f"/items/{gateway.item_id(XSS_NAME)}").text  # the cookie stays


def test_decision_without_csrf_is_refused_and_moves_nothing(client, gateway):
    login(client, "alice", "alice-password")
    item = gateway.item_id("谈判方案.docx")
    response = client.post(f"/items/{item}/decide", data={"action": "release", "reason": "经核实可以放行"})
    assert response.status_code == 403
    response = client.post(f"/items/{item}/decide",
                           data={"action": "release", "reason": "经核实可以放行", "csrf": "forged"})
    assert response.status_code == 403
    assert (gateway.quarantine / "谈判方案.docx").exists()


def test_an_administrator_cannot_release(client, gateway):
    login(client, "bob", "bob-password")
    item = gateway.item_id("谈判方案.docx")
    token = csrf_of(client.get(f"/items/{item}").text)
    response = client.post(f"/items/{item}/decide",
                           data={"action": "release", "reason": "管理员想放行", "csrf": token})
    assert response.status_code == 403
    assert (gateway.quarantine / "谈判方案.docx").exists()
    assert not (gateway.released / "谈判方案.docx").exists()


def test_an_officer_releases_with_a_reason(client, gateway):
    login(client, "alice", "alice-password")
    item = gateway.item_id("谈判方案.docx")
    token = csrf_of(client.get(f"/items/{item}").text)
    empty = client.post(f"/items/{item}/decide", data={"action": "release", "reason": " ", "csrf": token})
    assert empty.status_code == 400 and (gateway.quarantine / "谈判方案.docx").exists()
    done = client.post(f"/items/{item}/decide", data={"action": "release", "reason": "<b>已公开</b>的口径", "csrf": token})
    assert done.status_code == 200 and "决定已记录" in done.text
    assert "&lt;b&gt;已公开&lt;/b&gt;的口径" in done.text
    assert (gateway.released / "谈判方案.docx").exists()
    audit = client.get("/audit").text
    assert "审计链完整（共 5 条）" in audit and "decision.release" in audit and "release.intent" in audit
    assert ">login<" in audit  # the sign-in is an entry of its own
    dash = client.get("/dashboard").text
    assert "<svg" in dash and 'id="chart-days"' in dash and "marking.national_secret" in dash
    # Classes over time: one stacked bar per day, each class a titled segment.
    assert 'id="chart-class-days"' in dash and "国防建设和武装力量活动: " in dash
    assert "已放行" in client.get("/", params={"status": "released"}).text


def test_administrator_manages_users_officer_cannot(client):
    login(client, "alice", "alice-password")
    assert client.get("/users").status_code == 403
    client.cookies.clear()
    login(client, "bob", "bob-password")
    page = client.get("/users")
    assert page.status_code == 200
    token = csrf_of(page.text)
    client.post("/users", data={"username": "carol", "role": "officer", "password": "carol-password", "csrf": token})
    client.post("/users", data={"disable": "alice", "csrf": token})
    page = client.get("/users").text
    assert "carol" in page and "已停用" in page
    assert client.post("/users", data={"username": "dave", "role": "officer", "password": "x" * 9}).status_code == 403


def test_logout_needs_csrf_and_ends_the_session(client):
    login(client, "alice", "alice-password")
    assert client.post("/logout").status_code == 403
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_logins_failures_and_logouts_are_in_the_audit_chain(client, gateway):
    from scanner.review.audit import verify_chain
    from scanner.store.db import Store
    from scanner.store.review import ReviewStore

    assert login(client, "alice", "wrong-password").status_code == 401
    assert login(client, "alice", "alice-password").status_code == 303
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303

    store = Store(gateway.db)
    try:
        entries = ReviewStore(store).audit_entries()
    finally:
        store.close()
    sign_ins = [(e["actor"], e["action"]) for e in entries if e["action"].startswith(("login", "logout"))]
    assert sign_ins == [("alice", "login.failed"), ("alice", "login"), ("alice", "logout")]
    assert verify_chain(entries) is None
