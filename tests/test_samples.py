"""The bundled samples through the real CLI: one record per file, the contract, and each expected verdict."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
MAKE_SAMPLES = SAMPLES / "make_samples.py"

# Sample path under samples/ -> (type, verdict, reason codes, labels); kept in step with samples/README.md.
EXPECTED = {
    "outbox/trip_report.docx": ("docx", "allow", [], []),
    "outbox/plan_marked.docx": ("docx", "block", ["marking.national_secret"], []),
    "outbox/defense_brief.pdf": ("pdf", "flag", ["content.sensitive"], ["defense"]),
    "outbox/notice_gbk.txt": ("text", "allow", [], []),
    "outbox/empty.txt": ("empty", "allow", ["scan.empty"], []),
    "outbox/broken.pdf": ("pdf", "block", ["scan.unreadable"], []),
    "outbox/signed_memo.docx": ("docx", "block", ["marking.national_secret"], []),
}
# Not samples, but scanned with them: their verdicts are not promised, except that the
# generator, which holds the defence brief's text, is never allowed out.
OTHER_FILES = ("README.md", "make_samples.py")
CONTRACT = ("path", "member", "sha256", "type", "verdict", "reasons", "markings", "categories", "labels",
            "findings", "protection", "approval")
CATEGORIES = ("defense", "foreign_affairs", "economy", "science_technology", "state_security", "other")


def run_scan(target: str, db: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scanner", "scan", target, "--db", str(db), "--format", "jsonl",
         "--no-progress", *extra],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120,
    )


def records(proc: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def sample_files() -> list[str]:
    return sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict[str, dict]]:
    db = tmp_path_factory.mktemp("db") / "samples.db"
    proc = run_scan("samples", db)
    by_path = {}
    for rec in records(proc):
        rel = Path(rec["path"]).relative_to("samples").as_posix()
        assert rel not in by_path, f"{rel} reported twice"
        by_path[rel] = rec
    return proc, by_path


def test_every_sample_file_is_reported_once(scanned):
    _, by_path = scanned
    assert sorted(by_path) == sample_files()
    assert set(EXPECTED) | set(OTHER_FILES) == set(by_path), \
        "samples/ changed: update EXPECTED here and samples/README.md"


def test_the_generator_itself_is_not_allowed(scanned):
    _, by_path = scanned
    rec = by_path["make_samples.py"]
    assert rec["verdict"] != "allow"
    assert "defense" in rec["labels"]


def test_every_contract_field_is_present(scanned):
    _, by_path = scanned
    for rel, rec in by_path.items():
        missing = [f for f in CONTRACT if f not in rec]
        assert not missing, f"{rel}: missing {missing}"
        assert set(rec["categories"]) >= set(CATEGORIES), rel
        assert all(0.0 <= rec["categories"][c] <= 1.0 for c in CATEGORIES), rel
        assert rec["member"] is None
        assert isinstance(rec["protection"]["encrypted"], bool)
        assert rec["approval"]["status"] == "missing"
        for reason in rec["reasons"]:
            assert reason["code"] and reason["message"], rel


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_expected_verdict_and_reasons(scanned, rel):
    _, by_path = scanned
    rec = by_path[rel]
    kind, verdict, codes, labels = EXPECTED[rel]
    assert rec["verdict"] == verdict, (rel, rec["reasons"])
    assert [r["code"] for r in rec["reasons"]] == codes, rel
    assert rec["labels"] == labels, rel
    assert rec["type"] == kind, rel


def test_sha256_is_of_the_file(scanned):
    _, by_path = scanned
    for rel, rec in by_path.items():
        assert rec["sha256"] == hashlib.sha256((SAMPLES / rel).read_bytes()).hexdigest(), rel


def test_details_behind_the_verdicts(scanned):
    _, by_path = scanned
    plan = by_path["outbox/plan_marked.docx"]
    assert [(m["text"], m["level"], m["kind"], m["period"]) for m in plan["markings"]] == [
        ("机密★10年", "机密", "national_secret", "10年")
    ]
    assert "机密★10年" in plan["reasons"][0]["message"]
    brief = by_path["outbox/defense_brief.pdf"]
    assert brief["markings"] == []
    assert brief["categories"]["defense"] >= 0.5
    terms = {f["text"] for f in brief["findings"] if f["category"] == "defense"}
    assert {"兵力部署", "作战方案", "导弹阵地", "武器装备"} <= terms
    # Body text is found on its page; the PDF's title is read too, as metadata.
    assert all(f["location"].startswith("page ") or "metadata" in f["location"] for f in brief["findings"])
    assert any(f["location"].startswith("page 2") for f in brief["findings"])
    for clean in ("outbox/trip_report.docx", "outbox/notice_gbk.txt"):
        assert by_path[clean]["findings"] == [] and by_path[clean]["markings"] == [], clean
    assert by_path["outbox/broken.pdf"]["problem"]["code"] == "scan.unreadable"
    # The memo's marking exists only in its pasted picture: read by OCR, located at the picture.
    memo = by_path["outbox/signed_memo.docx"]
    assert [(m["text"], m["location"]) for m in memo["markings"]] == [("机密★5年", "picture image1.png, line 1")]


def test_exit_codes(scanned, tmp_path):
    proc, _ = scanned
    assert proc.returncode == 1, proc.stderr
    never = run_scan("samples", tmp_path / "never.db", "--fail-on", "never")
    assert never.returncode == 0, never.stderr
    assert len(records(never)) == len(EXPECTED) + len(OTHER_FILES)


def test_regenerated_samples_get_the_same_verdicts(scanned, tmp_path):
    _, by_path = scanned
    out = tmp_path / "outbox"
    made = subprocess.run([sys.executable, str(MAKE_SAMPLES), "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert made.returncode == 0, made.stderr
    committed = sorted(p.name for p in (SAMPLES / "outbox").iterdir())
    assert sorted(p.name for p in out.iterdir()) == committed
    proc = run_scan(str(out), tmp_path / "regen.db", "--rescan")
    fresh = {Path(r["path"]).name: r for r in records(proc)}
    for name in committed:
        old = by_path[f"outbox/{name}"]
        new = fresh[name]
        assert (new["verdict"], [r["code"] for r in new["reasons"]], new["labels"]) == (
            old["verdict"], [r["code"] for r in old["reasons"]], old["labels"]
        ), name
    # Plain bytes do not depend on library versions; DOCX and PDF bytes are stable only
    # under the same python-docx / reportlab / zlib, so they are not compared here.
    for name in ("notice_gbk.txt", "empty.txt"):
        assert fresh[name]["sha256"] == by_path[f"outbox/{name}"]["sha256"], name
