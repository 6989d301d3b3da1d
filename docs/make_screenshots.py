"""Screenshots of the review console for the README: real sample files through a real gateway and console.

    python3 docs/make_screenshots.py        # writes docs/console-queue.png, console-item.png, console-text.png

The files of samples/outbox/ are put in a gateway inbox (some in sub-folders, some with a sidecar naming
sender and recipient), decided by `mijian watch --once`, and shown by `mijian review serve` in Debian's
chromium (Playwright). Nothing reaches the network.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "outbox"
DOCS = ROOT / "docs"
CHROMIUM = os.environ.get("MIJIAN_CHROMIUM", "/usr/bin/chromium")
# (sample, path in the inbox, sidecar or None)
FILES = [
    ("defense_brief.pdf", "作战训练处/2026年第三季度/联合演习准备情况简报.pdf",
     {"sender": "张伟", "recipient": "某国际会展公司", "purpose": "会展合作"}),
    ("signed_memo.docx", "外事办/来访接待/外方来访接待口径签批单.docx",
     {"sender": "王芳", "recipient": "Acme GmbH", "purpose": "商务接待"}),
    ("plan_marked.docx", "规划处/plan_marked.docx", {"sender": "李强", "recipient": "合作高校", "purpose": "课题合作"}),
    ("broken.pdf", "broken.pdf", None),
    ("trip_report.docx", "trip_report.docx", None),
    ("notice_gbk.txt", "notice_gbk.txt", None),
]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gateway(root: Path) -> Path:
    inbox = root / "inbox" / "outbound"
    for sample, name, meta in FILES:
        target = inbox / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if meta:  # the sidecar first: the gateway takes a file with its sidecar
            target.with_name(target.name + ".meta.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
        shutil.copyfile(SAMPLES / sample, target)
    config = root / "watch.toml"
    config.write_text("\n".join([
        "[watch]", f'spool = "{(root / "spool").as_posix()}"', f'db = "{(root / "mijian.db").as_posix()}"',
        "workers = 1", "stability_seconds = 0.2", "settle_seconds = 0.05", "poll_interval = 0.1",
        "[[watch.inbox]]", 'name = "outbound"', f'path = "{inbox.as_posix()}"', 'destination = "external"',
        'recipient_from = "sidecar"', ""]), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "scanner", "watch", "--once", "--config", str(config)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-m", "scanner", "users", "add", "王芳", "--role", "officer",
                    "--password-stdin", "--db", str(root / "mijian.db")], input="wangfang-password\n", text=True, check=True,
                   stdout=subprocess.DEVNULL)
    return config


def main() -> int:
    import playwright.sync_api as pw

    with tempfile.TemporaryDirectory() as tmp:
        config = gateway(Path(tmp))
        port = _port()
        log = open(Path(tmp) / "serve.log", "wb")
        server = subprocess.Popen([sys.executable, "-m", "scanner", "review", "serve", "--port", str(port),
                                   "--config", str(config)], stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(url + "/login", timeout=1)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit((Path(tmp) / "serve.log").read_text(errors="replace"))
                    time.sleep(0.2)
            with pw.sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--no-first-run"])
                page = browser.new_page(viewport={"width": 1360, "height": 760}, locale="zh-CN")
                page.goto(url + "/login")
                page.fill("input[name=username]", "王芳")
                page.fill("input[name=password]", "wangfang-password")
                page.click("button[type=submit]")
                page.wait_for_url(url + "/")
                page.hover("#queue td.file a >> nth=0")
                page.screenshot(path=str(DOCS / "console-queue.png"), full_page=True)
                page.click("#queue td.file a:has-text('联合演习')")
                page.wait_for_url("**/items/*")
                page.set_viewport_size({"width": 1360, "height": 1500})
                page.screenshot(path=str(DOCS / "console-item.png"))
                page.click("#view-text")
                page.wait_for_url("**/text")
                page.set_viewport_size({"width": 1360, "height": 900})
                page.screenshot(path=str(DOCS / "console-text.png"))
                browser.close()
        finally:
            server.terminate()
            server.wait(10)
            log.close()
    print("docs/console-queue.png, docs/console-item.png, docs/console-text.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
