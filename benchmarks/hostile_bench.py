"""Worst cases: each crafted hostile file (or folder) through `mijian scan` as a real process, measured.

    python benchmarks/hostile_bench.py                    # every case, files in a temporary folder
    python benchmarks/hostile_bench.py --only pdf-stream --only xlsx-dimension --out /tmp/hostile

For each case: the verdict and reason codes of what was scanned, the wall time, and the peak memory
of the whole process tree (the CLI, its forkserver and reader processes), polled from /proc through
psutil every 0.1 s: the largest single process's RSS (the reader is the one `scan.max_memory` caps)
and the tree's PSS (shared pages counted once). Each is compared with the default config:
`scan.max_memory`, and `scan.max_seconds` plus the reader's kill margin (sandbox.hard_seconds).
A run still going after that limit plus TIMEOUT_MARGIN seconds is killed and reported as such.
Prints a Markdown table.

The command is `python -m scanner scan` (the `mijian` entry point's module) with this working tree
first on PYTHONPATH, so the tree being measured is the one this script sits in.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.config import Config  # noqa: E402
from scanner.sandbox import hard_seconds  # noqa: E402

MiB = 1024 * 1024
GiB = 1024 * MiB
MARK = "机密★10年"
TIMEOUT_MARGIN = 60.0  # past the hard limit, before the benchmark gives up on a run
POLL = 0.1


@dataclass
class Case:
    name: str
    what: str
    build: object  # (folder: Path) -> Path to scan
    config: str = ""  # extra TOML for this run
    results: list = field(default_factory=list)


# --- builders: each writes into `folder` and returns the path to scan -------------------------------

def _zip_stream(path: Path, members) -> None:
    """A deflated zip; `members` yields (name, chunks), written as streams (a GiB never sits in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, chunks in members:
            info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED  # a ZipInfo is stored unless told otherwise
            with zf.open(info, "w", force_zip64=True) as out:
                for chunk in chunks:
                    out.write(chunk)


def _zeros(total: int, chunk: int = 16 * MiB):
    while total > 0:
        yield bytes(min(chunk, total))
        total -= chunk


def baseline(folder: Path) -> Path:
    """A short marked text: what any scan costs (starting the CLI, building the detection engine)."""
    path = folder / "通知.txt"
    path.write_text(f"{MARK}\n关于召开年度工作会议的通知\n", encoding="utf-8")
    return path


def zip_bomb(folder: Path) -> Path:
    """One member of 4 GiB of zeros (about 4 MB deflated)."""
    path = folder / "bomb.zip"
    _zip_stream(path, [("zeros.bin", _zeros(4 * GiB))])
    return path


def lying_bomb(folder: Path) -> Path:
    """One member of 1 GiB of zeros whose headers declare 1 KiB (a reader trusting them under-reads)."""
    import struct

    path = folder / "lying.zip"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("zeros.bin", (2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w") as out:
            for chunk in _zeros(GiB):
                out.write(chunk)
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 22, 1024)  # the local header's uncompressed size
    directory = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, directory + 24, 1024)  # the central directory's
    path.write_bytes(bytes(data))
    return path


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def nested_bomb(folder: Path) -> Path:
    """The 42.zip pattern: 5 levels of 8 copies over 16 MiB of zeros, 512 GiB expanded."""
    data = _zip_bytes({"zeros.bin": bytes(16 * MiB)})
    for level in range(5):
        data = _zip_bytes({f"lib{level}_{i}.zip": data for i in range(8)})
    path = folder / "nested-bomb.zip"
    path.write_bytes(data)
    return path


def overlap_bomb(folder: Path) -> Path:
    """Fifield's non-recursive bomb idea at small scale: 20,000 directory entries all pointing at one
    member of 1 MiB of text, stored, so each "member" expands to the same bytes."""
    import struct

    body = ("会议通知" * (MiB // 12)).encode()
    crc = zlib.crc32(body)
    name = b"a.txt"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, len(body), len(body), len(name), 0)
    local += name + body
    entries = b"".join(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, crc, len(body),
                                   len(body), len(n), 0, 0, 0, 0, 0, 0) + n
                       for n in (f"m{i:05d}.txt".encode() for i in range(20000)))
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 20000, 20000, len(entries), len(local), 0)
    path = folder / "overlap-bomb.zip"
    path.write_bytes(local + entries + end)
    return path


def deep_archive(folder: Path) -> Path:
    """A zip inside a zip, 40 levels deep, the innermost holding the mark (max_depth is 10)."""
    data = _zip_bytes({"通知.txt": f"{MARK}\n会议通知\n".encode()})
    for level in range(40):
        data = _zip_bytes({f"level{level}.zip": data})
    path = folder / "deep.zip"
    path.write_bytes(data)
    return path


def _xlsx(cells: dict[str, str]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for where, value in cells.items():
        sheet[where] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _replace_part(data: bytes, part: str, edit) -> bytes:
    """The same zip with one part rewritten by `edit(bytes) -> bytes`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info, edit(body) if info.filename == part else body)
    return out.getvalue()


def xlsx_dimension(folder: Path) -> Path:
    """openpyxl's workbook with one cell, its sheet declaring the dimension A1:XFD1048576."""
    import re

    data = _replace_part(_xlsx({"A1": "普通数据"}), "xl/worksheets/sheet1.xml",
                         lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml))
    path = folder / "dimension.xlsx"
    path.write_bytes(data)
    return path


def xlsx_corners(folder: Path) -> Path:
    """Two real cells, A1 and XFD1048576: a reader that walks the range between them walks 17 billion."""
    path = folder / "corners.xlsx"
    path.write_bytes(_xlsx({"A1": "普通数据", "XFD1048576": "末格"}))
    return path


def pdf_stream(folder: Path) -> Path:
    """A one-page PDF whose content stream inflates to 1 GiB (zeros, which PDF reads as white space)."""
    path = folder / "stream.pdf"
    squeeze = zlib.compressobj(9)
    packed = b"".join(squeeze.compress(chunk) for chunk in _zeros(GiB)) + squeeze.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def billion_laughs(folder: Path) -> Path:
    """python-docx's document whose body XML declares the billion-laughs entities and uses the last."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))

    def edit(xml: bytes) -> bytes:
        head, sep, rest = xml.partition(b"?>")
        rest = rest.replace("<w:t>会议通知</w:t>".encode(), b"<w:t>&lol9;</w:t>")
        return head + sep + f"<!DOCTYPE w:document [{entities}]>".encode() + rest

    path = folder / "laughs.docx"
    path.write_bytes(_replace_part(_docx("会议通知"), "word/document.xml", edit))
    return path


def deep_xml(folder: Path) -> Path:
    """python-docx's document with 100,000 nested content controls before a paragraph holding the mark."""
    depth = 100_000

    def edit(xml: bytes) -> bytes:
        nest = b"<w:sdt><w:sdtContent>" * depth + b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" \
            + b"</w:sdtContent></w:sdt>" * depth
        return xml.replace(b"<w:body>", b"<w:body>" + nest, 1)

    path = folder / "deep-xml.docx"
    path.write_bytes(_replace_part(_docx(MARK), "word/document.xml", edit))
    return path


def deep_html(folder: Path) -> Path:
    """200,000 nested <div>s, the mark inside the innermost."""
    path = folder / "deep.html"
    path.write_bytes(b'<html><head><meta charset="utf-8"></head><body>' + b"<div>" * 200_000
                     + MARK.encode() + b"</div>" * 200_000 + b"</body></html>")
    return path


def symlink_loops(folder: Path) -> Path:
    """A folder with a link to itself, a link to its parent, two links to each other, and a marked file."""
    top = folder / "loops"
    (top / "sub").mkdir(parents=True)
    (top / "通知.txt").write_text(f"{MARK}\n会议通知\n", encoding="utf-8")
    (top / "sub" / "self").symlink_to(".")
    (top / "sub" / "up").symlink_to("..")
    (top / "x").symlink_to("y")
    (top / "y").symlink_to("x")
    return top


def fifo_folder(folder: Path) -> Path:
    """A folder holding a named pipe nobody writes to, and a marked file."""
    top = folder / "fifo"
    top.mkdir()
    os.mkfifo(top / "pipe")
    (top / "通知.txt").write_text(f"{MARK}\n会议通知\n", encoding="utf-8")
    return top


def long_names(folder: Path) -> Path:
    """A 255-byte Chinese file name, a path of nearly 4,096 bytes, and a zip member named by 60,000 bytes."""
    top = folder / "long"
    top.mkdir()
    (top / ("机" * 83 + ".txt")).write_text(f"{MARK}\n", encoding="utf-8")  # 253 bytes, under NAME_MAX
    deep = top
    while len(os.fsencode(deep)) < 3800:
        deep = deep / ("d" * 200)
    deep.mkdir(parents=True)
    (deep / "通知.txt").write_text(f"{MARK}\n", encoding="utf-8")
    (top / "member.zip").write_bytes(_zip_bytes({"名" * 20000 + ".txt": f"{MARK}\n".encode()}))
    return top


def gbk_names(folder: Path) -> Path:
    """Files named in GBK bytes (方案.txt as Windows or Samba writes it), one marked, one not."""
    top = folder / "gbk"
    top.mkdir()
    with open(os.path.join(os.fsencode(top), "方案.txt".encode("gbk")), "wb") as fh:
        fh.write(f"{MARK}\n关于召开会议的通知\n".encode())
    with open(os.path.join(os.fsencode(top), "说明\x1b[31m.txt".encode("gbk")), "wb") as fh:
        fh.write("普通说明\n".encode())
    return top


def many_members(folder: Path) -> Path:
    """A zip of 100,000 one-byte members (max_members is 10,000)."""
    path = folder / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for i in range(100_000):
            zf.writestr(zipfile.ZipInfo(f"d/{i:06d}.txt", (2024, 1, 1, 0, 0, 0)), b"x")
    return path


def many_tar_members(folder: Path) -> Path:
    """A tar of 50,000 empty members."""
    path = folder / "many.tar"
    with tarfile.open(path, "w") as archive:
        for i in range(50_000):
            archive.addfile(tarfile.TarInfo(f"d/{i:06d}.txt"), io.BytesIO(b""))
    return path


CASES = [
    Case("baseline", "a 60-byte marked text (the cost of any run)", baseline),
    Case("zip-bomb", "zip, one member of 4 GiB of zeros", zip_bomb),
    Case("lying-bomb", "zip, 1 GiB of zeros declared as 1 KiB", lying_bomb),
    Case("nested-bomb", "zip, 5 levels × 8 copies over 16 MiB (512 GiB)", nested_bomb),
    Case("overlap-bomb", "zip, 20,000 entries over one 1 MiB member", overlap_bomb),
    Case("deep-archive", "zip in zip, 40 levels, mark innermost", deep_archive),
    Case("xlsx-dimension", "XLSX declaring A1:XFD1048576", xlsx_dimension),
    Case("xlsx-corners", "XLSX with cells A1 and XFD1048576", xlsx_corners),
    Case("pdf-stream", "PDF, content stream of 1 GiB (FlateDecode)", pdf_stream),
    Case("billion-laughs", "DOCX, billion laughs in document.xml", billion_laughs),
    Case("deep-xml", "DOCX, 100,000 nested elements, mark after", deep_xml),
    Case("deep-html", "HTML, 200,000 nested div, mark innermost", deep_html),
    Case("symlink-loops", "folder: self, parent and mutual links (follow_symlinks = true)", symlink_loops,
         "[scan]\nfollow_symlinks = true\n"),
    Case("symlink-loops-nofollow", "the same folder (follow_symlinks = false)", symlink_loops),
    Case("fifo", "folder with a FIFO and a marked file", fifo_folder),
    Case("long-names", "255-byte name, 3.8 KB path, 60 KB member name", long_names),
    Case("gbk-names", "folder with GBK file names (one with ESC)", gbk_names),
    Case("many-members", "zip of 100,000 one-byte members", many_members),
    Case("many-tar-members", "tar of 50,000 empty members", many_tar_members),
]


# --- measuring ---------------------------------------------------------------------------------------

@dataclass
class Peak:
    rss_max: int = 0  # the largest single process
    pss_tree: int = 0  # the whole tree, shared pages counted once
    processes: int = 0


def _watch(pid: int, peak: Peak, stop: threading.Event) -> None:
    try:
        root = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    while not stop.is_set():
        try:
            tree = [root] + root.children(recursive=True)
        except psutil.NoSuchProcess:
            return
        pss = 0
        for proc in tree:
            try:
                info = proc.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            peak.rss_max = max(peak.rss_max, info.rss)
            pss += getattr(info, "pss", info.rss)
        peak.pss_tree = max(peak.pss_tree, pss)
        peak.processes = max(peak.processes, len(tree))
        stop.wait(POLL)


def _kill_tree(pid: int) -> None:
    try:
        root = psutil.Process(pid)
        for proc in root.children(recursive=True) + [root]:
            proc.kill()
    except psutil.NoSuchProcess:
        pass


def run_case(case: Case, folder: Path, limit: float) -> dict:
    target = case.build(folder)
    config = folder / f"{case.name}.toml"
    config.write_text(case.config, encoding="utf-8")
    db = folder / f"{case.name}.db"
    out = folder / f"{case.name}.jsonl"
    command = [sys.executable, "-m", "scanner", "scan", "--db", str(db), "--config", str(config),
               "--format", "jsonl", "-o", str(out), "--fail-on", "never", "--no-progress", "--rescan", str(target)]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    peak, stop = Peak(), threading.Event()
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watcher = threading.Thread(target=_watch, args=(process.pid, peak, stop), daemon=True)
    watcher.start()
    timed_out = False
    try:
        _, err = process.communicate(timeout=limit + TIMEOUT_MARGIN)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_tree(process.pid)
        _, err = process.communicate()
    wall = time.monotonic() - started
    stop.set()
    watcher.join()
    records = []
    if out.exists():
        for line in out.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return {"records": records, "wall": wall, "peak": peak, "timed_out": timed_out, "exit": process.returncode,
            "stderr": err.decode("utf-8", "replace")[-400:]}


def _summary(run: dict) -> tuple[str, str]:
    """The verdict and reason codes: of the file, or for a folder of its files (path: verdict codes)."""
    files = [r for r in run["records"] if r.get("member") is None]
    if run["timed_out"]:
        return "TIMEOUT (killed)", f"{len(files)} records before the kill"
    if not files:
        return f"no record (exit {run['exit']})", run["stderr"].strip().splitlines()[-1][:80] if run["stderr"] else ""

    def codes(record) -> str:
        return ", ".join(dict.fromkeys(r["code"] for r in record.get("reasons", []))) or "-"

    if len(files) == 1:
        return files[0]["verdict"], codes(files[0]) + _problems(run["records"])
    verdicts = sorted({f["verdict"] for f in files}, key=("allow", "flag", "block").index)
    each = "; ".join(f"{Path(f['path']).name[:24]}: {f['verdict']} {codes(f)}" for f in files[:4])
    more = f"; … {len(files) - 4} more" if len(files) > 4 else ""
    return f"{len(files)} files: {'/'.join(verdicts)}", each + more


def _printable(text: str) -> str:
    """Control characters of file names escaped: a table must not carry terminal escapes."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text).replace("|", "\\|")


def _problems(records: list[dict]) -> str:
    """The problems recorded on the file and its members, by code and the limit or cause they name."""
    import re

    seen: dict[str, int] = {}
    for record in records:
        problem = record.get("problem") or {}
        if problem.get("code"):
            named = re.search(r"(?:scan\.)?(max_\w+|ratio_\w+|overlapping|symbolic link|partly|could not be read"
                              r"|damaged|truncated)", problem.get("detail", ""))
            key = problem["code"] + (f" ({named.group(1)})" if named else "")
            seen[key] = seen.get(key, 0) + 1
    if not seen:
        return ""
    return "; problems: " + ", ".join(f"{key} ×{n}" if n > 1 else key for key, n in seen.items())


def _mib(n: int) -> str:
    return f"{n / MiB:,.0f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="folder for the hostile files (default: a temporary folder, removed)")
    parser.add_argument("--only", action="append", help="run only this case (repeatable)")
    args = parser.parse_args()
    config = Config()
    memory, seconds = config.scan.max_memory, config.scan.max_seconds
    limit = hard_seconds(seconds)
    folder = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="mijian-hostile-"))
    folder.mkdir(parents=True, exist_ok=True)
    cases = [c for c in CASES if not args.only or c.name in args.only]
    rows = []
    try:
        for case in cases:
            where = folder / case.name
            shutil.rmtree(where, ignore_errors=True)
            where.mkdir()
            print(f"{case.name} ...", file=sys.stderr, flush=True)
            try:
                run = run_case(case, where, limit)
            except OSError as exc:  # the file system refused to make the case (a name too long here)
                rows.append(f"| {case.name} | {case.what} | not built: {exc.strerror} | | | | | |")
                continue
            verdict, reasons = _summary(run)
            peak = run["peak"]
            over = []
            if peak.rss_max > memory:
                over.append("memory")
            if run["wall"] > limit:
                over.append("time")
            within = "OVER: " + ", ".join(over) if over else "ok"
            rows.append(f"| {case.name} | {case.what} | {verdict} | {_printable(reasons)} | {run['wall']:.1f} | "
                        f"{_mib(peak.rss_max)} | {_mib(peak.pss_tree)} | {within} |")
            print(rows[-1], file=sys.stderr, flush=True)
    finally:
        if not args.out:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"Limits (default config): scan.max_memory = {_mib(memory)} per reader process; "
          f"scan.max_seconds = {seconds:g} s, killed at {limit:g} s (max_seconds + margin).\n")
    print("| case | file | verdict | reasons | wall s | peak RSS, largest process | peak PSS, process tree | limits |")
    print("| --- | --- | --- | --- | ---: | ---: | ---: | --- |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
