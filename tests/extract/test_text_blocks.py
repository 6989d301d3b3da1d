"""A large text file is kept as one segment of its non-blank lines (extract/text.py, model.LineBlock): the same document
text, offsets and line numbers as a segment per line, with a few objects instead of millions."""

import random

from scanner.extract.text import BLOCK_CHARS, extract_text
from scanner.model import Document, LineBlock, Location, Segment


def per_line(text: str) -> list[Segment]:
    """The segments a small text gets: one per non-blank line."""
    return [Segment(line, Location(line=n)) for n, line in enumerate(text.split("\n"), 1) if line.strip()]


def test_a_large_text_in_one_block_reads_as_a_segment_per_line():
    rng = random.Random(5)
    words = ["机密★10年", "国防", "本条例自公布之日起施行。", "  ", "", "\t", "第三条 保守国家秘密的工作", "x" * 300]
    lines = [rng.choice(words) + str(i) * rng.randint(0, 1) for i in range(60_000)]
    lines += ["", "   ", "最后一行"]
    text = "\r\n".join(lines)
    data = text.encode("utf-8")
    assert len(text) > 2 * BLOCK_CHARS
    extraction = extract_text(data)
    assert len(extraction.segments) == 1
    assert all(isinstance(s.location, LineBlock) for s in extraction.segments)
    blocks, lines_doc = Document(extraction.segments), Document(per_line(text.replace("\r\n", "\n")))
    assert blocks.text == lines_doc.text
    for offset in [0, 1, len(blocks.text) - 1] + [rng.randrange(len(blocks.text)) for _ in range(3000)]:
        assert blocks.locate(offset) == lines_doc.locate(offset), offset
        assert blocks.locate(offset).describe("zh") == lines_doc.locate(offset).describe("zh")


def test_a_small_text_keeps_a_segment_per_line():
    extraction = extract_text("第一行\n\n  \n第四行".encode("utf-8"))
    assert [(s.text, s.location.line) for s in extraction.segments] == [("第一行", 1), ("第四行", 4)]


def test_a_large_text_without_blank_lines_is_kept_as_it_is():
    rng = random.Random(9)
    words = ["机密★10年", "国防", "本条例自公布之日起施行。", "第三条 保守国家秘密的工作", "y" * 500, " 缩进的一行"]
    for ending in ("", "\n"):
        text = "\n".join(rng.choice(words) for _ in range(60_000)) + ending
        assert len(text) > BLOCK_CHARS
        extraction = extract_text(text.encode("utf-8"))
        blocks, lines_doc = Document(extraction.segments), Document(per_line(text))
        assert blocks.text == lines_doc.text
        for offset in [0, len(blocks.text) - 1] + [rng.randrange(len(blocks.text)) for _ in range(2000)]:
            assert blocks.locate(offset) == lines_doc.locate(offset), offset
