"""`mijian register` end to end: real files read in the sandbox, list, export, import, remove, data."""

from __future__ import annotations

import json
import os
from pathlib import Path

from fingerprint_texts import SECOND, SECRET
from scanner.cli import main


def office_config(tmp_path: Path) -> Path:
    from scanner.policy.keys import init_keys

    private_path, public_path = init_keys(tmp_path / "keys")
    path = tmp_path / "office.toml"
    path.write_text(
        f'[detect]\nmodel = ""\nsensitivity_model = ""\nentities = false\n'
        f'[scan]\nocr_pictures = false\n'
        f'[approvals]\nprivate_key = "{private_path}"\npublic_key = "{public_path}"\n'
        f'[register]\nindex = "{tmp_path / "office.sqlite"}"\nkey_file = "{tmp_path / "fp.key"}"\n',
        encoding="utf-8")
    return path


def sidecar_fits(index: Path) -> bool:
    """Whether the index has exactly one membership sidecar, the one of its current stamp, holding
    every stored fingerprint (what `register add/import/remove` must leave behind)."""
    import sqlite3

    import numpy as np

    from scanner.fingerprint.sidecar import sidecar_path

    db = sqlite3.connect(index)
    try:
        stamp = db.execute("SELECT value FROM meta WHERE name = 'stamp'").fetchone()[0]
        stored = sorted({h for (h,) in db.execute("SELECT hash FROM prints")})
    finally:
        db.close()
    found = list(index.parent.glob(index.name + ".hashes-*.npy"))
    return found == [sidecar_path(index, stamp)] and np.load(found[0]).tolist() == stored


def test_register_export_import_scan_remove(tmp_path, make_docx, capsys):
    config = office_config(tmp_path)
    report = tmp_path / "报告.docx"
    report.write_bytes(make_docx([SECRET[:120], SECRET[120:]]))
    (tmp_path / "总结.txt").write_text(SECOND, encoding="utf-8")
    assert main(["--config", str(config), "register", "add", str(report), str(tmp_path / "总结.txt"),
                 "--level", "机密", "--owner", "保密办"]) == 0
    out = capsys.readouterr().out
    assert "已登记 1：《报告.docx》（机密）" in out and "已登记 2" in out and "指纹密钥" in out
    assert os.stat(tmp_path / "fp.key").st_mode & 0o777 == 0o600
    assert sidecar_fits(tmp_path / "office.sqlite")

    assert main(["--config", str(config), "register", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(d["id"], d["title"], d["level"], d["owner"]) for d in listed] == [
        (1, "报告.docx", "机密", "保密办"), (2, "总结.txt", "机密", "保密办")]

    export = tmp_path / "fp.export"
    assert main(["--config", str(config), "register", "export", str(export)]) == 0
    gateway = tmp_path / "gateway.toml"
    gateway.write_text(config.read_text(encoding="utf-8").replace("office.sqlite", "gateway.sqlite"), encoding="utf-8")
    assert main(["--config", str(gateway), "register", "import", str(export)]) == 0
    assert "已导入 2 份文件" in capsys.readouterr().out
    assert sidecar_fits(tmp_path / "gateway.sqlite")

    outgoing = tmp_path / "out.txt"
    outgoing.write_text("各位好，请看下面这段：" + SECRET[60:170], encoding="utf-8")
    code = main(["--config", str(gateway), "scan", str(outgoing), "--format", "jsonl"])
    record = json.loads(capsys.readouterr().out.splitlines()[0])
    assert code != 0 and record["verdict"] == "block"
    assert record["fingerprints"][0]["title"] == "报告.docx" and record["fingerprints"][0]["id"] == 1

    edited = bytearray(export.read_bytes())
    edited[len(edited) // 2] ^= 0x20
    export.write_bytes(bytes(edited))
    assert main(["--config", str(gateway), "register", "import", str(export)]) != 0
    assert "指纹导出文件被拒绝" in capsys.readouterr().err

    assert main(["--config", str(config), "register", "remove", "1"]) == 0
    assert main(["--config", str(config), "register", "list", "--format", "json"]) == 0
    assert [d["id"] for d in json.loads(capsys.readouterr().out.split("\n", 1)[1])] == [2]
    assert sidecar_fits(tmp_path / "office.sqlite")


def test_register_data_and_an_unreadable_file(tmp_path, capsys):
    config = office_config(tmp_path)
    csv = tmp_path / "代号.csv"
    csv.write_text("代号\n天穹-7\n海燕工程\n", encoding="utf-8")
    assert main(["--config", str(config), "register", "data", str(csv), "--columns", "代号", "--level", "秘密"]) == 0
    assert "已登记数据集 1：2 行，2 个值" in capsys.readouterr().out
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    assert main(["--config", str(config), "register", "add", str(broken), "--level", "机密"]) != 0
    assert "未登记" in capsys.readouterr().out
    assert main(["--config", str(config), "register", "add", str(csv), "--level", "无"]) != 0
    assert "未知密级" in capsys.readouterr().err
