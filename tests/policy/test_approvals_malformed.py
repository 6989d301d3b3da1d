"""Malformed approval records (from a sidecar the sender controls, or an import): refused with a reason, never a crash."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.policy.approvals import ApprovalRecord, sign, sign_record
from scanner.policy.keys import init_keys, load_private_key
from scanner.store.approvals import ApprovalStore
from scanner.store.db import Store

SENSITIVE = "关于作战部署调整的说明：兵力部署和导弹阵地位置见附件，作战方案另行下发。\n"
EXPIRES = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture
def office(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIJIAN_CONFIG", raising=False)
    monkeypatch.delenv("MIJIAN_LANG", raising=False)
    private, public = init_keys(tmp_path / "keys")
    Path("office.toml").write_text(
        f'[approvals]\nprivate_key = "{private}"\npublic_key = "{public}"\n[detect]\nmodel = ""\n', encoding="utf-8")
    Path("out").mkdir()
    Path("out/a_brief.txt").write_text(SENSITIVE, encoding="utf-8")
    Path("out/z_marked.txt").write_text("机密★10年\n关于召开会议的通知\n", encoding="utf-8")
    return load_private_key(Path(private))


def good_record(key, path: str = "out/a_brief.txt") -> dict:
    sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    record = ApprovalRecord(sha256=sha, title="brief", recipient="慕尼黑工业大学", purpose="学术交流",
                            approver="张三", verifier="李四", expires=EXPIRES)
    return sign_record(record, key).to_dict()


def scan(capsys) -> tuple[int, dict[str, dict]]:
    capsys.readouterr()
    code = main(["--config", "office.toml", "scan", "out", "--db", "m.db", "--format", "jsonl", "--no-progress"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return code, {Path(r["path"]).name: r for r in rows}


MALFORMED = {
    "signature null": lambda good: dict(good, signature=None),
    "signature number": lambda good: dict(good, signature=12345),
    "payload null": lambda good: dict(good, payload=None),
    "payload number": lambda good: dict(good, payload=7),
    "key_id list": lambda good: dict(good, key_id=["x"]),
    "no signature": lambda good: {k: v for k, v in good.items() if k != "signature"},
    "record a string": lambda good: "payload",
    "record a list": lambda good: [good["payload"], good["signature"]],
}


@pytest.mark.parametrize("damage", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_sidecar_record_is_refused_and_the_scan_goes_on(office, capsys, damage):
    record = MALFORMED[damage](good_record(office))
    Path("out/a_brief.txt.approval.json").write_text(json.dumps({"approvals": [record]}), encoding="utf-8")
    code, rows = scan(capsys)
    assert code == 1
    assert set(rows) == {"a_brief.txt", "a_brief.txt.approval.json", "z_marked.txt"}  # every file recorded
    approval = rows["a_brief.txt"]["approval"]
    assert approval["status"] == "bad-signature"  # not approved: fail closed
    assert approval["source"] == "a_brief.txt.approval.json"
    [reason] = approval["refused"]
    assert reason.startswith("approvals[0]") and "(" in reason  # Chinese first, English in parentheses
    assert rows["a_brief.txt"]["verdict"] == "block"
    assert rows["z_marked.txt"]["verdict"] == "block"


@pytest.mark.parametrize("content", [
    {"approvals": 5}, {"approvals": {"payload": "x"}}, {"approvals": "abc"}, {"revocations": 1.5},
    [], "text", None,
], ids=["number", "object", "string", "revocations number", "list", "json string", "json null"])
def test_malformed_sidecar_file_is_refused_and_the_scan_goes_on(office, capsys, content):
    Path("out/a_brief.txt.approval.json").write_text(json.dumps(content), encoding="utf-8")
    code, rows = scan(capsys)
    assert code == 1 and len(rows) == 3
    approval = rows["a_brief.txt"]["approval"]
    assert approval["status"] == "bad-signature" and approval["refused"]
    assert rows["z_marked.txt"]["verdict"] == "block"


def test_a_malformed_record_beside_a_valid_one_does_not_hide_it(office, capsys):
    good = good_record(office)
    Path("out/a_brief.txt.approval.json").write_text(
        json.dumps({"approvals": [dict(good, signature=None), good]}), encoding="utf-8")
    code, rows = scan(capsys)
    approval = rows["a_brief.txt"]["approval"]
    assert approval["status"] == "valid" and len(approval["refused"]) == 1
    # Approved, but not password-protected for an external destination: still blocked, for that reason.
    assert [r["code"] for r in rows["a_brief.txt"]["reasons"]] == ["protection.missing"]


def test_office_signed_record_with_malformed_fields_is_refused(office, capsys):
    # Only the office can sign, but a signed payload of the wrong shape must not crash a gateway either.
    sha = hashlib.sha256(Path("out/a_brief.txt").read_bytes()).hexdigest()
    fields = {"sha256": sha, "title": "t", "recipient": "r", "purpose": "p", "approver": "a", "verifier": "v",
              "expires": EXPIRES, "issued": date.today().isoformat(), "id": "abc", "version": 1}
    for bad in ({"contents": 5}, {"expires": 20991231}, {"title": None}, {"sha256": ["a"] * 64}):
        payload = json.dumps({**fields, **bad}).encode()
        Path("out/a_brief.txt.approval.json").write_text(
            json.dumps({"approvals": [sign(payload, office).to_dict()]}), encoding="utf-8")
        code, rows = scan(capsys)
        assert code == 1 and len(rows) == 3
        assert rows["a_brief.txt"]["approval"]["status"] == "bad-signature", bad


@pytest.fixture
def gateway(office):
    public = Path("keys") / "approval_signing.pub"
    Path("gateway.toml").write_text(f'[approvals]\npublic_key = "{public.resolve()}"\n', encoding="utf-8")
    return office


def import_file(capsys, data) -> tuple[int, str, str]:
    Path("records.json").write_text(json.dumps(data), encoding="utf-8")
    capsys.readouterr()
    code = main(["--config", "gateway.toml", "approve", "import", "records.json", "--db", "gw.db"])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("damage", list(MALFORMED), ids=list(MALFORMED))
def test_import_refuses_a_malformed_record_and_keeps_the_good_ones(gateway, capsys, damage):
    good = good_record(gateway)
    code, out, err = import_file(capsys, {"approvals": [MALFORMED[damage](good), good]})
    assert code == 3
    assert "approvals[0]" in err and "格式错误" in out
    assert "已导入 1 条审批记录" in out
    assert len(ApprovalStore(Store("gw.db")).all()) == 1


def test_import_refuses_an_office_signed_record_of_the_wrong_shape(gateway, capsys):
    good = good_record(gateway)
    payload = json.loads(good["payload"])
    payload["contents"] = 5
    odd = sign(json.dumps(payload).encode(), gateway).to_dict()
    revocation = sign(json.dumps({"reason": "x", "version": 1}).encode(), gateway).to_dict()  # revokes nothing
    code, out, err = import_file(capsys, {"approvals": [odd, good], "revocations": [revocation]})
    assert code == 3
    assert "approvals[0]" in err and "contents" in err and "revocations[0]" in err
    assert len(ApprovalStore(Store("gw.db")).all()) == 1
    assert ApprovalStore(Store("gw.db")).revocations() == []


@pytest.mark.parametrize("data", [{}, {"approvals": [], "revocations": []}, {"exported": "2026-01-01"}],
                         ids=["empty object", "empty lists", "no record keys"])
def test_import_of_no_records_is_an_error(gateway, capsys, data):
    code, out, err = import_file(capsys, data)
    assert code == 3
    assert "没有" in err and "no approval" in err
    assert "imported 0" not in out and "已导入 0" not in out


@pytest.mark.parametrize("data", [{"approvals": 5}, {"approvals": "abc"}, [], None])
def test_import_of_a_malformed_file_is_an_error_not_a_crash(gateway, capsys, data):
    code, out, err = import_file(capsys, data)
    assert code == 3 and "(" in err
