"""SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format): one result per reason that flags or
blocks an item, so that CI systems and code-scanning dashboards show Mijian's verdicts.

Levels: `block` → `error`, `flag` → `warning`. The location is the scanned file (`path`, relative URIs
as given); an item inside an archive or e-mail names its `member` as a logical location. Evidence
(markings, findings) is in the result's `properties`, with its place in the extracted text.
"""

from __future__ import annotations

import json
from typing import TextIO

from scanner import __version__
from scanner.model import ItemResult
from scanner.policy.reasons import MESSAGES
from scanner.report.writers import register

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"  # an identifier: nothing is fetched
LEVELS = {"block": "error", "flag": "warning"}


def _rule(code: str) -> dict:
    zh, en = MESSAGES.get(code, (code, code))
    # Templates hold placeholders ({text}); the rule's description is the template's head.
    short = en.split("{")[0].rstrip(" :(") or code
    return {"id": code, "name": code.replace(".", "_"), "shortDescription": {"text": short},
            "fullDescription": {"text": f"{zh.split('{')[0].rstrip('：（ ')} / {short}"},
            "properties": {"message_zh": zh, "message_en": en}}


def _uri(path: str) -> str:
    return path.replace("\\", "/")


def _result(item: ItemResult, reason, lang: str) -> dict:
    det = item.detection
    location: dict = {"physicalLocation": {"artifactLocation": {"uri": _uri(item.path)}}}
    if item.member:
        location["logicalLocations"] = [{"fullyQualifiedName": item.member, "kind": "member"}]
    evidence = [m.to_dict() for m in det.markings][:20] + [f.to_dict() for f in det.findings][:20]
    return {
        "ruleId": reason.code,
        "level": LEVELS[reason.verdict],
        "message": {"text": reason.message_en if lang == "en" else reason.message},
        "locations": [location],
        # The same reason on the same bytes is the same result from one run to the next.
        "partialFingerprints": {"mijian/v1": f"{item.sha256 or item.path}:{item.member or ''}:{reason.code}"},
        "properties": {"verdict": item.verdict, "type": item.type, "sha256": item.sha256,
                       "labels": list(det.labels), "categories": dict(det.categories), "evidence": evidence,
                       "message_zh": reason.message, "message_en": reason.message_en},
    }


@register("sarif")
def write_sarif(results: list[ItemResult], out: TextIO, lang: str) -> None:
    findings = [_result(item, reason, lang) for item in results for reason in item.reasons
                if reason.verdict in LEVELS]
    codes = sorted({f["ruleId"] for f in findings})
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "mijian", "fullName": "密检 Mijian", "version": __version__,
                                "rules": [_rule(code) for code in codes]}},
            "results": [dict(f, ruleIndex=codes.index(f["ruleId"])) for f in findings],
            "properties": {"items": len(results),
                           "verdicts": {v: sum(r.verdict == v for r in results) for v in ("allow", "flag", "block")}},
        }],
    }
    json.dump(log, out, ensure_ascii=False, indent=2)
    out.write("\n")
