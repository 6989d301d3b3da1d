"""Throughput of normalise + markings + lexicon (word boundaries, public signs, tiers of evidence) on Chinese text,
beside the same without word boundaries, with jieba instead of rjieba for them, a naive loop and Presidio;
then the classifier detector (topic and sensitivity models) and the full detection with every detector.

    python benchmarks/detect_bench.py                 # 50 MB, Presidio on a 2 MB slice
    python benchmarks/detect_bench.py --mb 5 --presidio-mb 0.5
    python benchmarks/detect_bench.py --mb 5 --only-full   # only the classifier and the full detection

The text is made in memory by shuffling and repeating the texts of ../shared/corpus/ into
documents of a few kilobytes (nothing is written to disk). All methods run on one core, over the
same documents and the same terms (every term of the five shipped class lexicons).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.config import Config  # noqa: E402
from scanner.detect import boundaries  # noqa: E402
from dataclasses import replace  # noqa: E402

from scanner.detect.lexicon import LexiconDetector  # noqa: E402
from scanner.detect.registry import DetectContext  # noqa: E402
from scanner.model import Document, Location, Segment  # noqa: E402
from scanner.detect.engine import DetectionEngine  # noqa: E402
from scanner.detect.markings import MarkingParser  # noqa: E402
from scanner.detect.normalize import normalize  # noqa: E402
from scanner.detect.registry import lexicon_folder  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
MARKS = ["机密★10年", "秘密★长期", "机 密☆十年", "内部资料 注意保存", "绝密★启用前", "TOP SECRET"]


def make_documents(megabytes: float, seed: int = 7) -> list[str]:
    """Documents of 2–12 KB built from shuffled corpus texts, some opening with a mark."""
    texts = []
    for name in ("train.jsonl", "dev-extra.jsonl"):
        path = CORPUS / name
        if not path.is_file():
            sys.exit(f"corpus not found: {path}")
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    docs, size = [], 0
    while size < target:
        want = rng.randint(2_000, 12_000)
        parts, got = [], 0
        if rng.random() < 0.1:
            parts.append(rng.choice(MARKS))
        while got < want:
            t = rng.choice(texts)
            parts.append(t)
            got += len(t.encode("utf-8"))
        doc = "\n".join(parts)
        docs.append(doc)
        size += len(doc.encode("utf-8"))
    return docs


def mb(docs: list[str]) -> float:
    return sum(len(d.encode("utf-8")) for d in docs) / 1_000_000


def run(name: str, docs: list[str], func) -> tuple[float, int]:
    # CPU seconds of this process: on a shared 2-core machine another process on the other core does
    # not count against the figure (wall time does; the work is single-threaded either way).
    start = time.process_time()
    found = 0
    for doc in docs:
        found += func(doc)
    seconds = time.process_time() - start
    rate = mb(docs) / seconds
    print(f"{name:44} {rate:8.2f} MB/s  {seconds:7.2f} s  {found:9} matches")
    return rate, found


def presidio_recognizer(terms: list[str]):
    """Presidio's deny-list recognizer on the same terms, or the reason it cannot run."""
    try:
        from presidio_analyzer import PatternRecognizer
    except ImportError as exc:
        return None, f"presidio-analyzer is not installed ({exc}); try: pip install presidio-analyzer"
    try:
        recognizer = PatternRecognizer(supported_entity="SECRET_TERM", deny_list=terms, supported_language="zh")
    except Exception as exc:  # report, do not hide: the reason is the result
        return None, f"PatternRecognizer(deny_list=...) failed: {type(exc).__name__}: {exc}"
    return recognizer, None


def analyzer_engine_status() -> str:
    """Whether Presidio's full AnalyzerEngine can start here (it needs a spaCy model)."""
    try:
        from presidio_analyzer import AnalyzerEngine
        AnalyzerEngine()
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else ""
        return ("AnalyzerEngine() cannot start here (it loads the spaCy model en_core_web_lg and downloads it "
                f"when missing): {type(exc).__name__}: {first}")
    return "AnalyzerEngine() started"


def jieba_boundaries(docs, detect):
    """The detection with jieba (Python) segmenting the windows, for the choice of segmenter."""
    try:
        import jieba
    except ImportError:
        print("  (jieba is not installed: pip install jieba to compare it with rjieba)")
        return None
    jieba.setLogLevel(60)
    jieba.initialize()

    def tokenize(text):
        out, pos = [], 0
        for word in jieba.cut(text, HMM=True):
            out.append((word, pos, pos + len(word)))
            pos += len(word)
        return out

    def run_with_jieba(doc: str) -> int:
        saved = boundaries._tokenize
        boundaries._tokenize = lambda: tokenize
        boundaries._CACHE.clear()
        try:
            return detect(doc)
        finally:
            boundaries._tokenize = saved
            boundaries._CACHE.clear()
    return run_with_jieba


def full_detection(config: Config, docs: list[str]) -> None:
    """The classifier detector alone (normalising included) and DetectionEngine.detect with every detector
    (scores, evidence, and named entities on flagged documents, the NER model loaded before timing)."""
    engine = DetectionEngine(config)

    def document(doc: str) -> Document:
        return Document([Segment(doc, Location())])

    for doc in docs:  # warm up until one document is flagged, so the NER model is loaded
        if engine.detect(document(doc)).labels:
            break
    classifier = engine.detectors.get("classifier")
    if classifier is not None:
        run("the classifier detector (topic + sensitivity, normalising)", docs,
            lambda d: len(classifier.detect(DetectContext(document(d), normalize(d))).findings))
    flagged = [0]

    def detect(doc: str) -> int:
        result = engine.detect(document(doc))
        flagged[0] += bool(result.labels)
        return len(result.findings)
    rate, _ = run("full detection (DetectionEngine.detect)", docs, detect)
    print(f"  {flagged[0]} of {len(docs)} documents flagged (named entities are looked for in those)")
    print(f"full detection target >= 10 MB/s per core: {'met' if rate >= 10 else 'NOT met'} ({rate:.1f} MB/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="megabytes of text (default 50)")
    parser.add_argument("--presidio-mb", type=float, default=2.0,
                        help="megabytes given to Presidio, which is slow (default 2)")
    parser.add_argument("--only-full", action="store_true",
                        help="only the classifier detector and the full detection (DetectionEngine)")
    args = parser.parse_args()

    config = Config()
    folder = lexicon_folder(config)
    settings = config.detect
    # The detector the scanner runs: hits with word boundaries, window signals, public signs, tiers.
    detector = LexiconDetector(config)
    no_boundaries = LexiconDetector(Config(detect=replace(settings, word_boundaries=False)))
    lexicon = detector.lexicon
    marking_parser = MarkingParser.from_file(folder / "markings.toml")
    terms = sorted({t.term for t in lexicon.terms})
    docs = make_documents(args.mb)
    print(f"{len(docs)} documents, {mb(docs):.1f} MB of UTF-8 Chinese text, {len(terms)} terms, one core\n")

    def detect_with(lexicon_detector):
        def detect(doc: str) -> int:
            norm = normalize(doc)
            marks = marking_parser.parse(norm.text)
            out = lexicon_detector.detect(DetectContext(Document([Segment(doc, Location())]), norm))
            return len(out.findings) + sum(1 for m in marks if m.is_mark)
        return detect

    mijian = detect_with(detector)

    def matching(doc: str) -> int:
        """What the scanner does before scoring: normalise, find marks, find lexicon hits (word boundaries)."""
        norm = normalize(doc)
        marks = marking_parser.parse(norm.text)
        return len(lexicon.find(norm.text)) + sum(1 for m in marks if m.is_mark)

    def normalise_only(doc: str) -> int:
        normalize(doc)
        return 0

    def naive(doc: str) -> int:
        found = 0
        for term in terms:
            if term in doc:
                found += 1
        return found

    mijian(docs[0])  # warm up: the traditional→simplified map is built on first use
    if args.only_full:
        full_detection(config, docs)
        return
    rate, _ = run("normalise + markings + lexicon (word boundaries)", docs, matching)
    run("  of which: normalise", docs, normalise_only)
    run("the whole lexicon detector (+ window signals, public", docs, mijian)
    print("  signs, tiers of evidence, findings with locations)")
    run("  the whole detector without word boundaries", docs, detect_with(no_boundaries))
    jieba_rate = jieba_boundaries(docs, detect_with(detector))
    if jieba_rate is not None:
        run("  the whole detector, boundaries by jieba (not rjieba)", docs, jieba_rate)
    run("naive: for term in terms: if term in text", docs, naive)
    print("(naive counts the terms present in each document; mijian counts every occurrence, after normalising)")
    print(f"\ntarget >= 10 MB/s per core: {'met' if rate >= 10 else 'NOT met'} ({rate:.1f} MB/s)")
    print()
    full_detection(config, docs)

    recognizer, reason = presidio_recognizer(terms)
    print()
    if recognizer is None:
        print(f"Presidio deny-list: not run: {reason}")
        return
    print(analyzer_engine_status())
    print("Presidio's PatternRecognizer is called directly (it needs no spaCy model for a deny-list).")
    sample, size = [], 0
    for doc in docs:
        if size >= args.presidio_mb * 1_000_000:
            break
        sample.append(doc)
        size += len(doc.encode("utf-8"))
    print(f"on the first {mb(sample):.1f} MB:")
    run("mijian lexicon (same slice), occurrences", sample, lambda d: len(lexicon.find(normalize(d).text)))
    run("Presidio deny-list recognizer, occurrences", sample,
        lambda d: len(recognizer.analyze(d, entities=["SECRET_TERM"], nlp_artifacts=None)))
    ours = sum(len({h.term.term for h in lexicon.find(normalize(d).text)}) for d in sample)
    theirs = sum(len({d[r.start:r.end] for r in recognizer.analyze(d, entities=["SECRET_TERM"], nlp_artifacts=None)})
                 for d in sample)
    plain = sum(sum(1 for t in terms if t in d) for d in sample)
    print(f"distinct (document, term) pairs found: naive {plain}, mijian {ours}, Presidio {theirs}")
    print("Presidio's deny-list regex requires word boundaries around each term, which Chinese text has not.")


if __name__ == "__main__":
    main()
