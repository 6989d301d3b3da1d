"""Named entities: jieba.posseg against a spaCy pipeline trained here, on a public Chinese NER test set.

    python benchmarks/ner_bench.py DATA [--spacy DIR ...] [--finder models/ner] [--no-jieba] [--limit N]
    python benchmarks/ner_bench.py DATA --texts models/training/train.jsonl [--spacy DIR ...]
    python benchmarks/ner_bench.py DATA --train-spacy DIR [--segmenter char|jieba]
        [--sentences 20000] [--minutes 15]

DATA is a folder holding the MSRA NER corpus (SIGHAN 2006 bakeoff) in character-per-line BIO
form, `msra_train_bio` and `msra_test_bio` (one `char<TAB>tag` a line, a blank line between
sentences; tags B-/I-PER, ORG, LOC). The corpus is not shipped with Mijian (it has no licence
for redistribution); see benchmarks/README.md for where it came from.

Scores are entity-level and exact: a prediction counts only if its start, end and label all
match a gold entity. Speed is characters per second of wall time, measured twice: over the
test sentences as they are (mean 50 characters) and over windows of 120 characters (what
`EntityFinder.near` hands the method), both after a warm-up that loads the model.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LABELS = ("PER", "ORG", "LOC")
Span = tuple[int, int, str]


def read_bio(path: Path) -> list[tuple[str, list[Span]]]:
    """Sentences as (text, gold spans) from a character-per-line BIO file."""
    sentences: list[tuple[str, list[Span]]] = []
    chars: list[str] = []
    tags: list[str] = []

    def close() -> None:
        if chars:
            sentences.append(("".join(chars), spans_from_tags(tags)))
            chars.clear()
            tags.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            close()
            continue
        char, _, tag = line.rstrip("\n").rpartition("\t")
        if not char:  # a line holding only a tag: the character was whitespace
            char, tag = " ", line.strip()
        chars.append(char[0])
        tags.append(tag.strip())
    close()
    return sentences


def spans_from_tags(tags: list[str]) -> list[Span]:
    spans: list[Span] = []
    start, label = None, None
    for i, tag in enumerate(tags + ["O"]):
        kind, _, name = tag.partition("-")
        if start is not None and (kind != "I" or name != label):
            spans.append((start, i, label))
            start, label = None, None
        if kind == "B" or (kind == "I" and start is None):
            start, label = i, name
    return spans


def score(gold: list[list[Span]], predicted: list[list[Span]]) -> dict[str, tuple[float, float, float, int]]:
    """Per-label and micro (P, R, F1, gold count)."""
    tp: Counter = Counter()
    n_pred: Counter = Counter()
    n_gold: Counter = Counter()
    for g, p in zip(gold, predicted):
        gs, ps = set(g), set(p)
        for s in gs:
            n_gold[s[2]] += 1
        for s in ps:
            n_pred[s[2]] += 1
            if s in gs:
                tp[s[2]] += 1
    out = {}
    for label in (*LABELS, "all"):
        t = sum(tp.values()) if label == "all" else tp[label]
        np_ = sum(n_pred.values()) if label == "all" else n_pred[label]
        ng = sum(n_gold.values()) if label == "all" else n_gold[label]
        p = t / np_ if np_ else 0.0
        r = t / ng if ng else 0.0
        out[label] = (p, r, 2 * p * r / (p + r) if p + r else 0.0, ng)
    return out


# --- the two methods -------------------------------------------------------------------------

_TO_BENCH = {"person": "PER", "organisation": "ORG", "place": "LOC"}

# jieba part-of-speech tags (ICTCLAS set) that name an entity: nr person, nrfg person (a name
# jieba's dictionary gives that tag), nrt transliterated person, nt organisation, ns place.
_FLAGS = {"nr": "PER", "nrfg": "PER", "nrt": "PER", "nt": "ORG", "ns": "LOC"}


def jieba_spans(text: str, merge: int = 1) -> list[Span]:
    """(start, end, label) of the entities jieba.posseg tags in `text`, with jieba's dictionary.

    Neighbouring tagged words are joined by `merge`: 0 never; 1 a place before an organisation
    (美国|国务院), two organisations, and two person words when one is a transliteration
    (冯德|莱恩) — not two Chinese names, which are usually two people in a list (王丙乾王汉斌);
    2 any two words of one label. Entities of one character are dropped (京, 华: mostly noise).
    """
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    spans: list[list] = []  # [start, end, label, has a transliterated part]
    pos = 0
    for word, flag in jieba.posseg.cut(text):
        end = pos + len(word)
        label = _FLAGS.get(flag)
        if label is not None:
            last = spans[-1] if spans else None
            nrt = flag == "nrt"
            if merge and last is not None and last[1] == pos and (
                (last[2] == label and (merge >= 2 or label == "ORG" or (label == "PER" and (nrt or last[3]))))
                or (last[2] == "LOC" and label == "ORG")
            ):
                last[1], last[2], last[3] = end, label, last[3] or nrt
            else:
                spans.append([pos, end, label, nrt])
        pos = end
    return [(s, e, label) for s, e, label, _ in spans if e - s > 1]


def jieba_method(merge: int):
    return lambda text: jieba_spans(text, merge)


def finder_method(model_dir: Path):
    from scanner.detect.entities import EntityFinder

    finder = EntityFinder(model=model_dir)

    def predict(text: str) -> list[Span]:
        return [(e.start, e.end, _TO_BENCH[e.label]) for e in finder.find(text)]

    return predict


def spacy_method(model_dir: Path):
    import spacy

    nlp = spacy.load(model_dir)

    def predict(text: str) -> list[Span]:
        return [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents]

    return predict


def windows(sentences: list[tuple[str, list[Span]]], width: int = 120) -> list[str]:
    text = "".join(t for t, _ in sentences)
    return [text[i:i + width] for i in range(0, len(text), width)]


def measure(name: str, predict, test, window_texts) -> None:
    t = time.perf_counter()
    predict(test[0][0])  # warm-up: loads dictionaries and models
    load = time.perf_counter() - t
    t0, c0 = time.perf_counter(), time.process_time()
    predicted = [predict(text) for text, _ in test]
    t1, c1 = time.perf_counter(), time.process_time()
    for text in window_texts:
        predict(text)
    t2, c2 = time.perf_counter(), time.process_time()
    chars = sum(len(t) for t, _ in test)
    wchars = sum(map(len, window_texts))
    scores = score([g for _, g in test], predicted)
    print(f"\n## {name}")
    # CPU time as well as wall time: on a shared machine the wall clock also counts waiting.
    print(f"first call (loads the model) {load:.2f} s")
    print(f"sentences: {chars / (t1 - t0):,.0f} chars/s wall, {chars / (c1 - c0):,.0f} chars/CPU-s")
    print(f"120-char windows: {wchars / (t2 - t1):,.0f} chars/s wall, {wchars / (c2 - c1):,.0f} chars/CPU-s, "
          f"{(c2 - c1) / len(window_texts) * 1000:.2f} CPU-ms a window")
    print("label   P      R      F1     gold")
    for label, (p, r, f, n) in scores.items():
        print(f"{label:<6} {p:.3f}  {r:.3f}  {f:.3f}  {n}")


# --- training the spaCy pipeline -------------------------------------------------------------

def ner_config(segmenter: str) -> dict:
    # Characters carry no prefix/suffix/shape worth hashing; words do (their first and last
    # characters say a lot: 张…, …部, …省).
    subwords = segmenter != "char"
    return {"model": {
        "@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner",
        "extra_state_tokens": False, "hidden_width": 64, "maxout_pieces": 2, "use_upper": True,
        "nO": None,
        "tok2vec": {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None,
                    "width": 96, "depth": 4, "embed_size": 6000 if not subwords else 4000,
                    "window_size": 1, "maxout_pieces": 3, "subword_features": subwords},
    }}


def to_examples(nlp, sentences):
    from spacy.training import Example

    examples, lost = [], 0
    for text, spans in sentences:
        doc = nlp.make_doc(text)
        ents = []
        for s, e, label in spans:
            span = doc.char_span(s, e, label=label)
            if span is None:  # the segmenter cut through the entity: it cannot be learnt whole
                lost += 1
                continue
            ents.append((s, e, label))
        examples.append(Example.from_dict(doc, {"entities": ents}))
    return examples, lost


def save_model(nlp, out: Path) -> None:
    """Save with metadata, keeping only the labels in the string store: the hashed embeddings
    need no strings, and the training words would add 1.7 MB (predictions are unchanged)."""
    import json

    nlp.meta.update({
        "name": "mijian_ner_zh", "version": "1.0.0",
        "description": "Chinese NER (PER, ORG, LOC) for Mijian, trained on the MSRA NER training split; "
                       "see MODEL_CARD.md",
        "sources": [{"name": "MSRA NER (SIGHAN 2006 bakeoff)",
                     "url": "https://faculty.washington.edu/levow/papers/sighan06.pdf",
                     "license": "none stated; distributed for research"}],
    })
    nlp.to_disk(out)
    (out / "vocab" / "strings.json").write_text(json.dumps(sorted(nlp.get_pipe("ner").labels)), encoding="utf-8")


def train_spacy(data: Path, out: Path, segmenter: str, n_sentences: int, minutes: float, seed: int,
                resume: bool = False) -> None:
    import spacy
    from spacy.util import compounding, minibatch

    random.seed(seed)
    spacy.util.fix_random_seed(seed)
    train = read_bio(data / "msra_train_bio")
    random.shuffle(train)
    dev, train = train[:1000], train[1000:1000 + n_sentences]

    if resume:  # go on training a saved model (a new optimizer: its state is not saved)
        nlp = spacy.load(out)
    else:
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": segmenter}}})
        nlp.add_pipe("ner", config=ner_config(segmenter))
    examples, lost = to_examples(nlp, train)
    dev_examples, _ = to_examples(nlp, dev)
    print(f"{len(examples)} training sentences, {lost} entities cut by the segmenter "
          f"({lost / max(1, sum(len(s) for _, s in train)):.1%})", flush=True)
    optimizer = nlp.resume_training() if resume else nlp.initialize(lambda: examples[:2000])
    best = nlp.evaluate(dev_examples)["ents_f"] if resume else -1.0
    deadline = time.monotonic() + minutes * 60
    epoch = 0
    while time.monotonic() < deadline:
        epoch += 1
        random.shuffle(examples)
        losses: dict = {}
        for batch in minibatch(examples, size=compounding(8.0, 64.0, 1.01)):
            nlp.update(batch, sgd=optimizer, drop=0.2, losses=losses)
            if time.monotonic() > deadline:
                break
        with nlp.use_params(optimizer.averages):
            f = nlp.evaluate(dev_examples)["ents_f"]
            print(f"epoch {epoch}: loss {losses.get('ner', 0):.0f}, dev F1 {f:.3f}, "
                  f"{(deadline - time.monotonic()) / 60:.1f} min left", flush=True)
            if f > best:
                best = f
                save_model(nlp, out)
    print(f"best dev F1 {best:.3f}; saved to {out}")


def most_frequent(name: str, predict, texts: list[str], top: int = 15, limit: int = 300_000) -> None:
    """Out of domain, without gold: how many entities, and the most frequent (false names show)."""
    counts: Counter = Counter()
    chars = 0
    for text in texts:
        if chars >= limit:
            break
        for i in range(0, len(text), 500):
            chunk = text[i:i + 500]
            chars += len(chunk)
            counts.update(f"{chunk[s:e]}/{label}" for s, e, label in predict(chunk))
    print(f"\n## {name}: {sum(counts.values()) / chars * 1000:.1f} entities per 1,000 characters")
    print(" ".join(f"{k}×{n}" for k, n in counts.most_common(top)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder with msra_train_bio and msra_test_bio")
    parser.add_argument("--spacy", type=Path, action="append", default=[], help="a trained spaCy model to score")
    parser.add_argument("--finder", type=Path, action="append", default=[],
                        help="score scanner.detect.entities.EntityFinder with this model (e.g. models/ner)")
    parser.add_argument("--texts", type=Path, help="a .jsonl of {\"text\": ...} to list the most frequent "
                        "entities each method finds there (no gold: for false names)")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N test sentences")
    parser.add_argument("--no-jieba", action="store_true")
    parser.add_argument("--train-spacy", type=Path, help="train a spaCy NER model into this folder, then stop")
    parser.add_argument("--segmenter", choices=("char", "jieba"), default="char")
    parser.add_argument("--sentences", type=int, default=20000, help="training sentences (of 45,000)")
    parser.add_argument("--minutes", type=float, default=15.0, help="training time budget")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true", help="go on training the model in --train-spacy")
    args = parser.parse_args(argv)

    if args.train_spacy:
        train_spacy(args.data, args.train_spacy, args.segmenter, args.sentences, args.minutes, args.seed,
                    args.resume)
        return 0
    if args.texts:
        import json

        texts = [json.loads(line)["text"] for line in args.texts.read_text(encoding="utf-8").splitlines() if line]
        if not args.no_jieba:
            most_frequent("jieba.posseg, merge=1", jieba_method(1), texts)
        for model in args.spacy:
            most_frequent(f"spaCy {model}", spacy_method(model), texts)
        return 0
    test = read_bio(args.data / "msra_test_bio")
    if args.limit:
        test = test[:args.limit]
    window_texts = windows(test)
    print(f"test: {len(test)} sentences, {sum(len(t) for t, _ in test):,} characters, "
          f"{sum(len(s) for _, s in test)} entities")
    if not args.no_jieba:
        for merge in (0, 1, 2):
            measure(f"jieba.posseg, merge={merge}", jieba_method(merge), test, window_texts)
    for model in args.spacy:
        measure(f"spaCy {model}", spacy_method(model), test, window_texts)
    for model in args.finder:
        measure(f"EntityFinder, model {model} (as shipped: no one-character entities, lexicons/foreign_names.txt)",
                finder_method(model), test, window_texts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
