"""Registered documents (issue 13): copied passages caught, ordinary documents left alone, size and speed.

    python3 benchmarks/fingerprint_bench.py [--passages 100] [--synthetic 100000] [--k 11 --window 16]

Registered: 1,000 documents: a third of models/training/train.jsonl (published laws and
judgments; whole laws, every version of one law in the same third), the real ordinary text
documents of benchmarks/precision with an odd row but its laws and regulations (the stop list,
models/fingerprint/, was learnt from another third and the other half: build_stoplist.py), then
the held-out texts written for Mijian (benchmarks/precision/files/holdout*).
Outgoing items copy a passage of 100 or 200 Chinese characters of a registered document, changed
in one way each (spaces, line breaks, 繁体 by OpenCC, full-width, a few characters replaced,
sentences reordered), set in unrelated text, and laid out as text, DOCX, PDF, XLSX, a DOCX inside a
zip, or an e-mail with the passage in its body or in a DOCX attachment, all made by the real
libraries, then scanned by the pipeline (pipeline.scan_tree). Caught = a fingerprint.match reason
on the item or any member. Ordinary, not registered: the last third of train.jsonl (other laws
on the same subjects, in the same style, and other judgments) and the longest abstracts and headlines
of /work/shared/corpus/dev-extra.jsonl (read here, never copied), 1,000 in all.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
import tempfile
import time
import zipfile
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.config import Config  # noqa: E402
from scanner.detect.engine import DetectionEngine  # noqa: E402
from scanner.detect.normalize import normalize  # noqa: E402
from scanner.detect.registry import DetectContext  # noqa: E402
from scanner.fingerprint.keyed import create_key  # noqa: E402
from scanner.fingerprint.lookup import Matcher  # noqa: E402
from scanner.fingerprint.register import Registrar, open_for_register  # noqa: E402
from scanner.fingerprint.text import content_string  # noqa: E402
from scanner.model import Document, Location, Segment  # noqa: E402
from scanner.pipeline import scan_tree  # noqa: E402

SHARED = 12  # characters of a run two texts have in common ...
COPY_CHARS = 40  # ... and how many such characters make a text a copy, not an ordinary document
DEV_EXTRA = Path("/work/shared/corpus/dev-extra.jsonl")
PRECISION = ROOT / "benchmarks" / "precision"


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def train_texts(part: int) -> list[str]:
    """The texts of a third of train.jsonl, split as the stop list's build splits it (whole laws)."""
    sys.path.insert(0, str(ROOT / "models" / "fingerprint"))
    from build_stoplist import laws

    return [text for _, text in laws(part)]


def ordinary_texts(part: int, manifest: str = "manifest-ordinary.tsv", skip=("law", "regulation")) -> list[tuple[str, str]]:
    """(file, text) of the text documents of a manifest, every other row (part 0 or 1; None: all).
    The ordinary laws and regulations are left out: they restate the statutes of train.jsonl."""
    from scanner.extract import extract, sniff

    with open(PRECISION / manifest, encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if (r.get("in_repo") or "yes") == "yes"
                and r["file"].rsplit(".", 1)[-1] in ("md", "txt", "html", "tex")]
    out = []
    for i, r in enumerate(rows):
        if (part is None or i % 2 == part) and r.get("kind") not in skip:
            data = (PRECISION / r["file"]).read_bytes()
            out.append((r["file"], "\n".join(s.text for s in extract(sniff(data), data).segments)))
    return out


def passage(text: str, chars: int, rng: random.Random) -> str | None:
    """A run of the text holding `chars` Chinese characters, or None when it has fewer."""
    where = [i for i, ch in enumerate(text) if is_cjk(ch)]
    if len(where) < chars:
        return None
    first = rng.randrange(0, len(where) - chars + 1)
    return text[where[first]:where[first + chars - 1] + 1]


def _t2s():
    import opencc

    return opencc.OpenCC("s2t")


S2T = None


def change(text: str, how: str, rng: random.Random, filler: str) -> str:
    global S2T
    if how == "spaces":
        text = " ".join(text)
    elif how == "breaks":
        text = "\n".join(text[i:i + 17] for i in range(0, len(text), 17))
    elif how == "traditional":
        S2T = S2T or _t2s()
        text = S2T.convert(text)
    elif how == "fullwidth":
        text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)
        text = text.replace("，", "， ").replace("。", "。\u3000")
    elif how == "changed":
        chars = list(text)
        cjk = [i for i, c in enumerate(chars) if is_cjk(c)]
        for i in rng.sample(cjk, 3 if len(cjk) < 150 else 5):
            chars[i] = rng.choice("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动")
        text = "".join(chars)
    elif how == "reordered":
        parts = [p for p in text.replace("。", "。\n").replace("；", "；\n").split("\n") if p]
        if len(parts) > 1:
            rng.shuffle(parts)
        text = "\n".join(parts)
    half = len(filler) // 2
    return filler[:half] + "\n" + text + "\n" + filler[half:]


def as_docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for para in text.split("\n"):
        document.add_paragraph(para)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def as_pdf(text: str) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, invariant=1)
    pdf.setFont("STSong-Light", 11)
    y = 800
    for para in text.split("\n"):
        for i in range(0, max(1, len(para)), 40):
            if y < 60:
                pdf.showPage()
                pdf.setFont("STSong-Light", 11)
                y = 800
            pdf.drawString(40, y, para[i:i + 40])
            y -= 16
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def as_xlsx(text: str) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for r, para in enumerate(text.split("\n"), start=1):
        sheet.cell(row=r, column=1, value=para)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_zip(text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("资料/说明.docx", as_docx(text))
        z.writestr("readme.txt", "附件见文件夹。")
    return out.getvalue()


def as_eml(text: str, attach: bool) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.cn", "b@example.com", "资料"
    if attach:
        msg.set_content("您好，材料见附件。")
        msg.add_attachment(as_docx(text), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml.document", filename="材料.docx")
    else:
        msg.set_content(text)
    return bytes(msg)


LAYOUTS = {"txt": lambda t: t.encode("utf-8"), "docx": as_docx, "pdf": as_pdf, "xlsx": as_xlsx, "zip": as_zip,
           "eml": lambda t: as_eml(t, False), "eml+docx": lambda t: as_eml(t, True)}
CHANGES = ("none", "spaces", "breaks", "traditional", "fullwidth", "changed", "reordered")


def caught(tree) -> bool:
    return any(r.code == "fingerprint.match" for item in tree for r in item.reasons)


def bench_config(index: Path, key: Path, k: int, window: int, model: bool = False) -> Config:
    base = Config()
    detect = base.detect if model else replace(base.detect, model="", sensitivity_model="", entities=False)
    scan = replace(base.scan, ocr_pictures=False, isolate=False)
    return replace(base, detect=detect, scan=scan,
                   register=replace(base.register, index=str(index), key_file=str(key), k=k, window=window))


def register_all(config: Config, docs: list[tuple[str, str]]) -> tuple[float, int]:
    index, key, _ = open_for_register(config)
    registrar = Registrar(index, key)
    started = time.perf_counter()
    for title, text in docs:
        registrar.add_text(text, title=title, level="机密")
    index.commit()
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    index.close()  # writes the membership sidecar (scanner/fingerprint/sidecar.py), once per command
    return seconds, sum(len(t.encode("utf-8")) for _, t in docs), time.perf_counter() - started


def register_files(config: Config, count: int) -> dict:
    """`mijian register add` as the office runs it: real files of every type read in the sandbox."""
    from scanner.fingerprint.register import FileReader

    with open(PRECISION / "manifest-ordinary.tsv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if (r.get("in_repo") or "yes") == "yes"]
    by_type: dict[str, list[Path]] = {}
    for r in rows:
        by_type.setdefault(r["file"].rsplit(".", 1)[-1], []).append(PRECISION / r["file"])
    files = [p for group in zip(*(v[:count] for v in by_type.values())) for p in group][:count]
    index, key, _ = open_for_register(config)
    registrar, reader = Registrar(index, key), FileReader(replace(config, scan=replace(config.scan, isolate=True)))
    reader.read(files[0])  # the sandbox's start, once per `register add`
    started = time.perf_counter()
    for path in files:
        registrar.add_text(reader.read(path), title=path.name, level="秘密")
    index.commit()
    seconds = time.perf_counter() - started
    reader.close()
    index.close()
    return {"files": len(files), "types": sorted({p.suffix for p in files}), "s_per_file": round(seconds / len(files), 3)}


def lookup_speed(config: Config, texts: list[str], with_detect: bool) -> dict:
    """CPU time of the fingerprint lookup (normalised text in) against the whole detection with the
    shipped models, over the same texts; and of the lookup with SQLite alone (no sidecar), whose
    matches must be the same."""
    matcher = Matcher(config.register)
    docs = [Document([Segment(t, Location())]) for t in texts]
    ctxs = [DetectContext(d, normalize(d.text)) for d in docs]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    timed = {}
    for use_sidecar in (False, True, False, True):
        matcher.use_sidecar = use_sidecar
        started = time.process_time()
        results = [matcher.match(c) for c in ctxs]
        seconds = time.process_time() - started
        timed[use_sidecar] = min(timed.get(use_sidecar, (seconds,))[0], seconds), results
    seconds, results = timed[True]
    assert results == timed[False][1], "matches with and without the sidecar differ"
    found = sum(1 for r in results if any(m["kind"] == "document" for m in r))
    out = {"texts": len(texts), "mb": round(mb, 2), "lookup_mb_s": round(mb / seconds, 1),
           "lookup_mb_s_sqlite_alone": round(mb / timed[False][0], 1), "matched": found}
    if with_detect:
        plain = bench_config(Path(config.register.index), Path(config.register.key_file), 0, 0, model=True)
        engine = DetectionEngine(replace(plain, register=replace(plain.register, index="")))
        started = time.process_time()
        for d in docs:
            engine.detect(d)
        detect_s = time.process_time() - started
        out.update(detect_mb_s=round(mb / detect_s, 2), lookup_share_of_detect=round(seconds / detect_s, 3))
    return out


def holds_registered(text: str, seen: set[str], size: int = SHARED) -> bool:
    """Whether runs of `size` characters the registered texts hold cover COPY_CHARS of `text`."""
    content = content_string(text)
    total, reach = 0, -1
    for i in range(len(content) - size + 1):
        if content[i:i + size] in seen:
            total += i + size - max(i, reach)
            reach = i + size
    return total >= COPY_CHARS


def shingles(texts, size: int = SHARED) -> set[str]:
    """Every run of `size` content characters (normalised, punctuation and spaces dropped)."""
    out: set[str] = set()
    for text in texts:
        content = content_string(text)
        out.update(content[i:i + size] for i in range(len(content) - size + 1))
    return out


def synthetic_docs(n: int, rng: random.Random, alphabet: str) -> list[tuple[str, str]]:
    return [(f"synthetic {i}", "".join(rng.choices(alphabet, k=rng.randint(150, 400)))) for i in range(n)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100, help="passages per length")
    parser.add_argument("--synthetic", type=int, default=100000)
    parser.add_argument("--k", type=int, default=11)
    parser.add_argument("--window", type=int, default=16)
    parser.add_argument("--min-chars", type=int, default=None)
    parser.add_argument("--min-prints", type=int, default=None)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="fpbench-"))
    create_key(work / "key")
    config = bench_config(work / "index.sqlite", work / "key", args.k, args.window)
    tuned = {name: value for name, value in (("min_chars", args.min_chars), ("min_prints", args.min_prints))
             if value is not None}
    config = replace(config, register=replace(config.register, **tuned))
    registered = [(f"law {i}", t) for i, t in enumerate(train_texts(1))]
    registered += [(name, t) for name, t in ordinary_texts(1)]
    for n in ("", "2", "3", "4", "5"):  # texts written for Mijian in the manner of sensitive papers and chats
        registered += ordinary_texts(None, f"manifest-holdout{n}.tsv", skip=())
    registered = registered[:1000]
    reg_s, reg_bytes, sidecar_s = register_all(config, registered)
    report = {"k": args.k, "window": args.window, "min_chars": config.register.min_chars,
              "min_prints": config.register.min_prints, "guarantee_chars": args.k + args.window - 1,
              "registered": len(registered), "registered_mb": round(reg_bytes / 1e6, 3),
              "register_ms_per_doc": round(1000 * reg_s / len(registered), 2), "sidecar_write_s": round(sidecar_s, 2),
              "index_bytes_per_mb": round((work / "index.sqlite").stat().st_size / (reg_bytes / 1e6))}
    extra = sorted((json.loads(line)["text"] for line in DEV_EXTRA.read_text(encoding="utf-8").splitlines()),
                   key=len, reverse=True)
    # Laws restate each other (a regulation repeats its statute, a procedure law another's clauses,
    # a new version the old one): a text holding 40 characters of registered text, give or take a
    # few changed characters, is a copy, not an ordinary document, and is counted apart. The test
    # is plain: runs of 12 characters in common, no fingerprints.
    seen = shingles(t for _, t in registered)
    negatives, copies = [], []
    for text in train_texts(2) + extra:
        (copies if holds_registered(text, seen) else negatives).append(text)
    negatives = negatives[:1000]
    fillers = [t for t in extra[200:] if len(t) > 40]
    engine = DetectionEngine(config)
    negative_hits = []
    for i, text in enumerate(negatives):
        tree = scan_tree(text.encode("utf-8"), path=f"neg{i}.txt", config=config, engine=engine)
        if caught(tree):
            negative_hits.append(i)
    report["ordinary_not_registered"] = len(negatives)
    report["ordinary_matched"] = len(negative_hits)
    report["texts_holding_registered_passages"] = len(copies)
    report["of_these_matched"] = sum(
        caught(scan_tree(t.encode("utf-8"), path="copy.txt", config=config, engine=engine)) for t in copies)
    for length in (100, 200):
        sources = [t for _, t in registered if sum(map(is_cjk, t)) >= length]
        total = hit = 0
        missed: dict[str, int] = {}
        for n in range(args.passages):
            piece = passage(rng.choice(sources), length, rng)
            for j, how in enumerate(CHANGES):
                layout = list(LAYOUTS)[(n + j) % len(LAYOUTS)]
                filler = rng.choice(fillers) + rng.choice(fillers)
                data = LAYOUTS[layout](change(piece, how, rng, "" if how == "none" else filler))
                tree = scan_tree(data, path=f"out.{layout}", config=config, engine=engine)
                total += 1
                if caught(tree):
                    hit += 1
                else:
                    missed[f"{how}/{layout}"] = missed.get(f"{how}/{layout}", 0) + 1
        report[f"caught_{length}"] = f"{hit}/{total} ({hit / total:.1%})"
        report[f"missed_{length}"] = missed
    report["register_files"] = register_files(
        bench_config(work / "files.sqlite", work / "key", args.k, args.window), 24)
    report["speed_1000_items"] = lookup_speed(config, negatives, with_detect=True)
    documents = ["\n".join(negatives[i:i + 60]) for i in range(0, len(negatives), 60)]
    report["speed_1000_documents"] = lookup_speed(config, documents, with_detect=True)
    if args.synthetic:
        alphabet = "".join(sorted({c for t in negatives for c in t if is_cjk(c)}))
        syn_config = bench_config(work / "synthetic.sqlite", work / "key", args.k, args.window)
        docs = synthetic_docs(args.synthetic, rng, alphabet) + registered
        syn_s, syn_bytes, syn_sidecar_s = register_all(syn_config, docs)
        report[f"synthetic_{len(docs)}"] = {
            "registered_mb": round(syn_bytes / 1e6, 1), "register_ms_per_doc": round(1000 * syn_s / len(docs), 2),
            "sidecar_write_s": round(syn_sidecar_s, 2),
            "index_bytes_per_mb": round((work / "synthetic.sqlite").stat().st_size / (syn_bytes / 1e6)),
            **lookup_speed(syn_config, negatives, with_detect=False)}
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
