"""The reader imports the e-mail package, lxml and charset_normalizer only for a file that needs them
(issue 17, start-up): a plain UTF-8 text file is sniffed, read and scanned without them, and each is
loaded, with the same type and text as before, by the first file that needs it."""

from __future__ import annotations

import json
import subprocess
import sys

# Loaded by sniff.py (through eml.py, html.py and text.py) before; not needed to read UTF-8 text.
LAZY = ["charset_normalizer", "lxml", "email.policy", "scanner.extract.eml", "scanner.extract.html",
        "scanner.extract.pictures"]

_CODE = """
import json, sys
import scanner.sandbox_child
from scanner.config import Config
from scanner.detect.engine import DetectionEngine
from scanner.extract import extract, sniff
from scanner.pipeline import scan_tree

LAZY = {lazy!r}
config = Config()
engine = DetectionEngine(config)
out = {{}}
for name, data in {files!r}:
    data = bytes.fromhex(data)
    kind = sniff(data)
    texts = [s.text for s in extract(kind, data).segments]
    verdict = scan_tree(data, path=name, config=config, engine=engine)[0].verdict
    out[name] = [kind, texts, verdict, [m for m in LAZY if m in sys.modules]]
print(json.dumps(out, ensure_ascii=False))
"""


def _run(files: list[tuple[str, bytes]]) -> dict:
    code = _CODE.format(lazy=LAZY, files=[(name, data.hex()) for name, data in files])
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_plain_utf8_text_loads_none_of_them_and_each_later_file_loads_what_it_needs(make_eml):
    mail = make_eml("通知", "机密★10年\n关于召开会议的通知")
    html = "<!DOCTYPE html><html><body><p>机密★10年</p><p>会议通知</p></body></html>".encode()
    cp1251 = "Моя статья про маяк и зарядку. Я знаю.\n".encode("cp1251") * 4  # (0xFF: not GB18030)
    out = _run([("plain.txt", "今天天气很好，我们下午去公园散步吧。\n关于下午的安排\n".encode()),
                ("marked.txt", "机密★10年\n关于装备试验安排的通知\n".encode()),
                ("page.html", html), ("mail.eml", mail), ("cyrillic.txt", cp1251)])
    assert out["plain.txt"] == ["text", ["今天天气很好，我们下午去公园散步吧。", "关于下午的安排"], "allow", []]
    assert (out["marked.txt"][0], out["marked.txt"][2:]) == ("text", ["block", []])
    assert out["page.html"][:3] == ["html", ["机密★10年", "会议通知"], "block"]
    assert "lxml" in out["page.html"][3] and "scanner.extract.html" in out["page.html"][3]
    assert "charset_normalizer" not in out["page.html"][3]
    assert out["mail.eml"][0] == "eml" and "机密★10年" in out["mail.eml"][1] and out["mail.eml"][2] == "block"
    assert {"email.policy", "scanner.extract.eml", "scanner.extract.pictures"} <= set(out["mail.eml"][3])
    assert out["cyrillic.txt"][:2] == ["text", ["Моя статья про маяк и зарядку. Я знаю."] * 4]
    assert out["cyrillic.txt"][3] == LAZY
