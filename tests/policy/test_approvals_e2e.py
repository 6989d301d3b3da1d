"""Approvals and packages end to end, through the real CLI, keys, SQLite and files."""

from __future__ import annotations

import io
import json
import os
import stat
from datetime import date, timedelta
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from scanner.cli import main
from scanner.errors import PolicyError
from scanner.policy.approvals import ApprovalRecord, sign_record
from scanner.policy.keys import init_keys, load_private_key
from scanner.store.approvals import ApprovalStore
from scanner.store.db import Store

PASSWORD = "Tr0ub4dor&3-handover"
SENSITIVE = "关于作战部署调整的说明：兵力部署和导弹阵地位置见附件，作战方案另行下发。"
FORM = ["--recipient", "慕尼黑工业大学", "--purpose", "学术交流", "--approver", "张三", "--verifier", "李四",
        "--expires", (date.today() + timedelta(days=30)).isoformat()]


@pytest.fixture
def office(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIJIAN_CONFIG", raising=False)
    private, public = init_keys(tmp_path / "keys")
    Path("office.toml").write_text(
        f'[approvals]\nprivate_key = "{private}"\npublic_key = "{public}"\n', encoding="utf-8")
    Path("pw.txt").write_text(PASSWORD + "\n", encoding="utf-8")
    Path("out").mkdir()
    document = docx.Document()
    document.add_paragraph(SENSITIVE)
    document.save("out/brief.docx")
    return tmp_path


def scan(capsys, *paths, args=()):
    capsys.readouterr()
    main(["--config", "office.toml", "scan", *paths, "--db", "m.db", "--format", "jsonl", *args])
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def codes(row):
    return [r["code"] for r in row["reasons"]]


def approve(capsys, path, *extra):
    capsys.readouterr()
    assert main(["--config", "office.toml", "approve", "add", path, "--db", "m.db", *FORM, *extra]) == 0
    return capsys.readouterr().out.strip()


def test_keys_are_private_and_never_overwritten(office):
    mode = stat.S_IMODE(os.stat(office / "keys" / "approval_signing.key").st_mode)
    assert mode == 0o600
    with pytest.raises(PolicyError, match="拒绝覆盖"):
        init_keys(office / "keys")
    assert main(["keys", "init", "--dir", str(office / "keys")]) == 3


def test_sensitive_docx_without_approval_is_flagged(office, capsys):
    [row] = scan(capsys, "out/brief.docx")
    assert row["verdict"] == "flag" and codes(row) == ["content.sensitive"]
    assert row["approval"] == {"status": "missing"}


def test_approved_but_unencrypted_to_external_is_blocked(office, capsys):
    record_id = approve(capsys, "out/brief.docx")
    [row] = scan(capsys, "out/brief.docx")
    assert row["verdict"] == "block" and codes(row) == ["protection.missing"]
    assert row["approval"]["status"] == "valid" and row["approval"]["id"] == record_id
    [row] = scan(capsys, "out/brief.docx", args=["--destination", "internal"])
    assert row["verdict"] == "allow" and codes(row) == []


def test_package_passes_and_a_changed_byte_is_caught(office, capsys):
    assert main(["--config", "office.toml", "package", "out/brief.docx", "-o", "handover.zip",
                 "--password-file", "pw.txt", "--db", "m.db", *FORM]) == 0
    [row] = scan(capsys, "handover.zip")
    assert row["protection"] == {"encrypted": True, "method": "zip-aes", "needs_password": True}
    assert row["verdict"] == "allow", row["reasons"]
    record = json.loads(next(iter(ApprovalStore(Store("m.db")).all())).payload)
    assert [c["name"] for c in record["contents"]] == ["brief.docx"]
    assert record["contents"][0]["verdict"] == "flag"

    data = bytearray(Path("handover.zip").read_bytes())
    data[60] ^= 0xFF  # inside the first member's encrypted data
    Path("tampered.zip").write_bytes(bytes(data))
    [row] = scan(capsys, "tampered.zip")
    assert row["verdict"] == "block"
    assert "approval.hash_mismatch" in codes(row)


def test_package_refuses_a_marked_file(office, capsys):
    document = docx.Document()
    document.add_paragraph("机密★10年")
    document.add_paragraph("关于年度工作的安排")
    document.save("out/marked.docx")
    assert main(["--config", "office.toml", "package", "out/brief.docx", "out/marked.docx", "-o", "p.zip",
                 "--password-file", "pw.txt", "--db", "m.db", *FORM]) == 1
    assert not Path("p.zip").exists()
    assert "拒绝打包 out/marked.docx" in capsys.readouterr().err


def test_edited_sidecar_record_has_a_bad_signature(office, capsys):
    approve(capsys, "out/brief.docx", "--sidecar")
    sidecar = Path("out/brief.docx.approval.json")
    Path("m.db").unlink()  # the gateway knows only what travels with the file
    [row] = scan(capsys, "out/brief.docx")
    assert row["approval"]["status"] == "valid"
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    data["approvals"][0]["payload"] = data["approvals"][0]["payload"].replace("慕尼黑工业大学", "某某公司")
    sidecar.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    [row] = scan(capsys, "out/brief.docx")
    assert row["approval"]["status"] == "bad-signature"
    assert row["verdict"] == "block" and codes(row)[0] == "approval.bad_signature"


def test_expired_revoked_and_wrong_recipient(office, capsys):
    sha = __import__("hashlib").sha256(Path("out/brief.docx").read_bytes()).hexdigest()
    key = load_private_key(office / "keys" / "approval_signing.key")
    old = ApprovalRecord(sha256=sha, title="brief", recipient="慕尼黑工业大学", purpose="交流", approver="张三",
                         verifier="李四", issued="2025-01-01", expires="2025-06-30")
    store = Store("m.db")
    ApprovalStore(store).add(sign_record(old, key))
    store.close()
    [row] = scan(capsys, "out/brief.docx")
    assert row["approval"]["status"] == "expired"
    assert row["verdict"] == "flag" and codes(row) == ["approval.expired", "content.sensitive"]

    record_id = approve(capsys, "out/brief.docx")
    [row] = scan(capsys, "out/brief.docx", args=["--recipient", "另一个单位"])
    assert row["approval"]["status"] == "wrong-recipient" and row["verdict"] == "block"

    assert main(["--config", "office.toml", "approve", "revoke", record_id, "--reason", "接收方变更",
                 "--db", "m.db"]) == 0
    [row] = scan(capsys, "out/brief.docx")
    assert row["approval"]["status"] in ("revoked", "expired")  # the best remaining answer
    assert "approval.revoked" in codes(row) or "approval.expired" in codes(row)
    assert row["verdict"] != "allow"


def test_export_import_verifies_every_record(office, capsys, tmp_path):
    approve(capsys, "out/brief.docx")
    assert main(["approve", "export", "-o", "records.json", "--db", "m.db"]) == 0
    Path("gateway.toml").write_text(
        f'[approvals]\npublic_key = "{office / "keys" / "approval_signing.pub"}"\n', encoding="utf-8")
    assert main(["--config", "gateway.toml", "approve", "import", "records.json", "--db", "gw.db"]) == 0
    assert len(ApprovalStore(Store("gw.db")).all()) == 1

    data = json.loads(Path("records.json").read_text(encoding="utf-8"))
    data["approvals"][0]["payload"] = data["approvals"][0]["payload"].replace("2", "3", 1)
    Path("forged.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["--config", "gateway.toml", "approve", "import", "forged.json", "--db", "gw2.db"]) == 3
    assert "拒绝 1 条签名无效的记录" in capsys.readouterr().out
    assert ApprovalStore(Store("gw2.db")).all() == []


def test_owner_password_only_pdf_is_not_protected(office, capsys):
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer)
    c.setFont("STSong-Light", 12)
    c.drawString(72, 750, SENSITIVE[:30])
    c.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    writer.encrypt(user_password="", owner_password="owner-secret", algorithm="AES-256")
    with open("out/owner.pdf", "wb") as fh:
        writer.write(fh)
    approve(capsys, "out/owner.pdf")
    [row] = scan(capsys, "out/owner.pdf")
    assert row["protection"]["encrypted"] is True and row["protection"]["needs_password"] is False
    assert row["verdict"] == "block" and codes(row) == ["protection.missing"]


def test_no_secret_lands_in_database_logs_or_reports(office, capsys):
    capsys.readouterr()
    main(["--config", "office.toml", "package", "out/brief.docx", "-o", "handover.zip",
          "--password-file", "pw.txt", "--db", "m.db", *FORM])
    main(["--config", "office.toml", "scan", "handover.zip", "out", "--db", "m.db", "--format", "jsonl",
          "--html", "report.html"])
    captured = capsys.readouterr()
    private_pem = (office / "keys" / "approval_signing.key").read_bytes()
    secret_line = private_pem.splitlines()[1]
    blobs = {"stdout": captured.out.encode(), "stderr": captured.err.encode(),
             "report": Path("report.html").read_bytes()}
    for name in ("m.db", "m.db-wal"):
        if Path(name).exists():
            blobs[name] = Path(name).read_bytes()
    for name, blob in blobs.items():
        assert PASSWORD.encode() not in blob, name
        assert secret_line not in blob, name
