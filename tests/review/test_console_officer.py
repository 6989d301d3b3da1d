"""The console as an officer uses it (issue 15, items 13-17): reasons in words, passages of evidence, the
original file and its text, the open queue with search and bulk decisions, one decision per look, short names."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import warnings
from urllib.parse import unquote

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
from scanner.review.passages import Span, passages_of, pieces
from scanner.store.db import Store
from scanner.store.decision_guard import DecisionConflict
from scanner.store.review import ReviewStore


@pytest.fixture
def mailed(tmp_path, make_docx) -> Gateway:
    return make_mailed(tmp_path, make_docx)


@contextlib.contextmanager
def review_of(gw: Gateway):
    store = Store(gw.db)
    try:
        yield ReviewStore(store)
    finally:
        store.close()


def _client(gw: Gateway):
    config = load_config(str(gw.config))
    return TestClient(create_app(gw.db, Spool(parse_watch(config)), limiter=LoginLimiter(attempts=50), config=config))


@pytest.fixture
def client(mailed):
    with _client(mailed) as c:
        yield c


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client, user):
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": user, "password": f"{user}-password", "csrf": token},
                    follow_redirects=False)
    assert r.status_code == 303


def item_of(gw: Gateway, name: str) -> int:
    con = sqlite3.connect(gw.db)
    try:
        return con.execute("select item_id from spool_jobs where name like ?", ["%" + name]).fetchone()[0]
    finally:
        con.close()


def rows(gw: Gateway, sql: str) -> list[tuple]:
    con = sqlite3.connect(gw.db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# -- item 13: reasons in words, the code small beside them


def test_queue_shows_reasons_in_words_with_the_code_beside(client):
    login(client, "alice")
    page = client.get("/").text
    assert re.search(r'<span class="reason-text" title="检测到国家秘密标志：机密★10年">检测到国家秘密标志：机密★10年</span> '
                     r'<code class="reason-code">marking.national_secret</code>', page)
    assert "检测到工作秘密/内部标志：内部资料" in page
    english = client.get("/?lang=en").text
    assert "national-secret marking found: 机密★10年" in english and "检测到国家秘密标志" not in english


# -- item 14: one view of the text, matches merged, grouped in passages with a jump list


def test_overlapping_matches_merge_into_one_highlight():
    text = "关于武器装备的通知"
    spans = [Span(2, 6, "weak", "defense", "lexicon.defense", text="武器装备"),
             Span(2, 4, "weak", "defense", "lexicon.defense", text="武器")]
    cut = pieces(text, 0, spans)
    assert [(p.text, len(p.spans)) for p in cut] == [("关于", 0), ("武器装备", 2), ("的通知", 0)]


def test_passages_rebuild_the_text_around_the_evidence():
    text = "机密★10年\n关于作战部署和武器装备的通知。" + "无关内容" * 40 + "另一处提到兵力部署。"
    def found(term, tier):
        start = text.index(term)
        return {"rule": "lexicon.defense", "category": "defense", "text": term, "start": start,
                "end": start + len(term), "location": "paragraph 2", "tier": tier,
                "context": {"before": text[max(0, start - 30):start], "after": text[start + len(term):start + len(term) + 30]}}
    doc = {"findings": [found("作战部署", "strong"), found("武器装备", "weak"),
                        {**found("武器装备", "weak"), "text": "武器", "end": text.index("武器") + 2},
                        found("兵力部署", "strong")],
           "markings": [{"text": "机密★10年", "start": 0, "end": 6, "kind": "national_secret", "location": "paragraph 1"}]}
    passages, more = passages_of(doc)
    assert more == 0 and len(passages) == 2
    first = passages[0]
    assert "".join(p.text for p in first.pieces) == text[:first.start + len("".join(p.text for p in first.pieces))]
    assert [p.text for p in first.pieces if p.spans] == ["机密★10年", "作战部署", "武器装备"]
    assert first.terms == ["机密★10年", "作战部署", "武器装备"]
    assert [p.text for p in passages[1].pieces if p.spans] == ["兵力部署"]


def test_item_page_shows_passages_with_a_jump_list_and_inert_text(client, mailed):
    login(client, "alice")
    page = client.get(f"/items/{item_of(mailed, XSS_NAME)}").text
    # One passage for the short document: every match once, 武器 inside 武器装备 one mark.
    assert page.count('class="passage"') == 1
    assert page.count(">武器装备</mark>") == 1 and ">武器</mark>" not in page
    merged = re.search(r'<mark class="hl weak" title="([^"]*)">武器装备</mark>', page).group(1)
    assert "弱证据 · 国防建设和武装力量活动 · lexicon.defense" in merged
    assert '<a href="#p1" class="jump-link">1. 第1段 – 第2段 · 机密★10年、作战部署、武器装备</a>' in page
    assert 'id="p1"' in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert 'class="legend small"' in page and "强证据" in page


# -- item 15: the extracted text with locations, and the original file, audited


def test_officer_reads_the_extracted_text_with_locations(client, mailed):
    login(client, "alice")
    item = item_of(mailed, XSS_NAME)
    page = client.get(f"/items/{item}/text")
    assert page.status_code == 200, page.text
    assert re.search(r'<td class="nowrap where">第1段</td><td class="ctx">'
                     r'<mark class="hl marking" title="[^"]*">机密★10年</mark></td>', page.text)
    assert "第2段</td>" in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>" not in page.text and ">作战部署</mark>" in page.text
    audit = rows(mailed, "select actor, action, item_id from audit where action = 'item.text'")
    assert audit == [("alice", "item.text", item)]


def test_officer_downloads_the_original_as_an_audited_attachment(client, mailed):
    login(client, "alice")
    item = item_of(mailed, XSS_NAME)
    response = client.get(f"/items/{item}/download")
    assert response.status_code == 200
    assert response.content == (mailed.quarantine / XSS_NAME).read_bytes()
    assert response.headers["content-type"] == "application/octet-stream"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; ") and "inline" not in disposition
    ascii_name = re.search(r'filename="([^"]*)"', disposition).group(1)
    assert re.fullmatch(r"[A-Za-z0-9._()\- ]+", ascii_name) and ascii_name.endswith(".docx")
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "img src=x onerror=alert(1).docx"
    actor, action, item_id, sha, detail = rows(
        mailed, "select actor, action, item_id, item_sha256, detail from audit where action = 'item.download'")[0]
    assert (actor, item_id) == ("alice", item) and len(sha) == 64
    assert json.loads(detail)["file"] == str(mailed.quarantine / XSS_NAME)


def test_only_officers_get_the_original_and_a_changed_file_is_refused(client, mailed):
    item = item_of(mailed, XSS_NAME)
    assert client.get(f"/items/{item}/download", follow_redirects=False).status_code == 303  # not signed in
    login(client, "bob")
    assert client.get(f"/items/{item}/download").status_code == 403
    assert client.get(f"/items/{item}/text").status_code == 403
    client.cookies.clear()
    login(client, "alice")
    (mailed.quarantine / XSS_NAME).write_bytes(b"swapped after review")
    refused = client.get(f"/items/{item}/download")
    assert refused.status_code == 404 and "原文件已被改动" in refused.text
    assert rows(mailed, "select count(*) from audit where action = 'item.download'") == [(0,)]


# -- item 16: open items first, search, bulk decisions, one decision per look


def test_queue_defaults_to_open_items_with_filters_for_decided_and_all(client, mailed):
    login(client, "alice")
    with review_of(mailed) as review:
        decide(review, item_of(mailed, XSS_NAME), "keep_blocked", "含国家秘密标志", "alice")
    default = client.get("/").text
    assert default.count('class="row') == 1 and "谈判方案.docx" in default and "onerror" not in default
    assert '<option value="open" selected>待处理</option>' in default
    assert client.get("/", params={"status": "decided"}).text.count('class="row') == 1
    assert client.get("/", params={"status": "all"}).text.count('class="row') == 2


@pytest.mark.parametrize("query, found", [("谈判", True), ("王芳", True), ("acme", True), ("onerror", False),
                                          ("李四", False)])
def test_queue_searches_file_name_sender_and_recipient(client, query, found):
    login(client, "alice")
    page = client.get("/", params={"q": query}).text
    assert ("谈判方案.docx" in page) is found
    if found:
        assert "发件人：王芳" in page and "接收方：Acme GmbH" in page


def test_bulk_decision_with_one_reason(client, mailed):
    login(client, "alice")
    page = client.get("/").text
    ids = [int(i) for i in re.findall(r'name="item" value="(\d+)"', page)]
    assert len(ids) == 2
    data = {"csrf": csrf_of(page), "action": "keep_blocked", "reason": "批量维持阻断，待补办审批", "item": ids,
            **{f"v{i}": "0" for i in ids}}
    done = client.post("/decide", data=data)
    assert done.status_code == 200 and "已对 2 个条目作出决定" in done.text
    assert sorted(rows(mailed, "select item_id, officer, reason from decisions")) == \
        sorted((i, "alice", "批量维持阻断，待补办审批") for i in ids)
    assert client.get("/").text.count('class="row') == 0


def test_a_second_officer_sees_the_item_was_decided(mailed):
    item = item_of(mailed, "谈判方案.docx")
    with _client(mailed) as first, _client(mailed) as second:
        login(first, "alice")
        login(second, "carol")
        form_a, form_c = first.get(f"/items/{item}").text, second.get(f"/items/{item}").text
        assert 'name="version" value="0"' in form_c
        done = first.post(f"/items/{item}/decide", data={"csrf": csrf_of(form_a), "version": "0",
                                                         "action": "release", "reason": "经核实口径已公开"})
        assert done.status_code == 200
        late = second.post(f"/items/{item}/decide", data={"csrf": csrf_of(form_c), "version": "0",
                                                          "action": "keep_blocked", "reason": "应当维持阻断"})
        assert late.status_code == 409
        assert re.search(r"该条目已由 alice 于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\S* 作出决定（放行）", late.text)
        # In the bulk form too: the stale item is listed, not decided.
        bulk = second.post("/decide", data={"csrf": csrf_of(form_c), "action": "keep_blocked", "reason": "应当维持阻断",
                                            "item": [item], f"v{item}": "0"})
        assert bulk.status_code == 409 and "该条目已由 alice" in bulk.text
    assert rows(mailed, "select officer, action from decisions") == [("alice", "release")]


def test_the_store_refuses_a_stale_decision_in_its_transaction(mailed):
    item = item_of(mailed, XSS_NAME)
    with review_of(mailed) as review:
        first = decide(review, item, "request_approval", "需补办对外提供审批", "alice", expected=0)
        with pytest.raises(DecisionConflict) as refused:
            decide(review, item, "keep_blocked", "维持阻断", "carol", expected=0)
        assert refused.value.latest["officer"] == "alice" and refused.value.latest["id"] == first["id"]
        decide(review, item, "keep_blocked", "维持阻断", "carol", expected=first["id"])
    assert [r[0] for r in rows(mailed, "select officer from decisions order by id")] == ["alice", "carol"]
    assert rows(mailed, "select count(*) from audit where actor = 'carol' and action like 'decision.%'") == [(1,)]


# -- item 17: the short name in the file column, the full path on hover


def test_file_column_shows_the_inbox_relative_name_with_the_full_path_on_hover(client, mailed):
    login(client, "alice")
    page = client.get("/").text
    deep = mailed.root / "inbox" / "out" / "项目A" / "对外提供" / "2026年第三季度" / "谈判方案.docx"
    assert f'title="{deep}">项目A/对外提供/2026年第三季度/谈判方案.docx</a>' in page
    assert f'>{mailed.root}' not in page  # the absolute path only in the title
    # A file from a batch scan: its name, the path it was scanned under on hover.
    scanned = mailed.root / "归档" / "二〇二六" / "外发材料" / "会谈纪要.txt"
    scanned.parent.mkdir(parents=True)
    scanned.write_text("机密★10年\n会谈纪要", encoding="utf-8")
    main(["scan", str(scanned), "--db", str(mailed.db)])  # exit code: blocked
    page = client.get("/").text
    assert f'title="{scanned}">会谈纪要.txt</a>' in page


def test_the_reader_process_stops_with_the_console(mailed):
    with _client(mailed) as c:
        login(c, "alice")
        assert c.get(f"/items/{item_of(mailed, XSS_NAME)}/text").status_code == 200
        viewer = next(r.endpoint.__self__ for r in c.app.routes if getattr(r, "path", "") == "/items/{item_id:int}/text")
        process = viewer.sandbox.process
        assert process.is_alive()
    process.join(5)
    assert not process.is_alive()
