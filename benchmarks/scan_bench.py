"""Benchmark `scan_paths` over a generated corpus of DOCX, PDF and UTF-8/GBK text files.

    python benchmarks/scan_bench.py                  # 500 files in a temporary folder
    python benchmarks/scan_bench.py --files 2000 --seed 7 --out /tmp/corpus

The corpus is made from a fixed word list and a seeded random generator, so the same
--files and --seed give the same texts. Only `scan_paths` is timed; the volume of extracted
text is measured separately, before the timed run.
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import docx
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate

# Measure the working tree this script sits in, not whichever copy of `scanner` is installed.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scanner  # noqa: E402
from scanner.config import Config, load_config  # noqa: E402
from scanner.errors import ExtractionError  # noqa: E402
from scanner.extract import extract, sniff  # noqa: E402
from scanner.scan import scan_paths  # noqa: E402
from scanner.store.db import Store  # noqa: E402

# Everyday administrative vocabulary: none of these is a lexicon term on its own.
WORDS = (
    "城市 供水 排水 管网 改造 工程 项目 建设 管理 服务 群众 社区 街道 公园 道路 绿化 雨水 "
    "调蓄 设施 运行 维护 检查 整改 落实 推进 加强 完善 提高 水平 能力 质量 效率 安全 生产 "
    "培训 会议 通知 报告 总结 计划 安排 组织 开展 活动 学习 交流 合作 高校 专家 学者 论文 "
    "期刊 课程 教材 考核 评估 指导 意见 制度 规范 标准 流程 台账 档案 资料 文件 材料 表格 "
    "年度 季度 月度 上半年 下半年 今年 明年 近期 目前 同时 此外 其中 另外 总体 具体 重点 "
    "各部门 各单位 局机关 处室 办公室 人事处 财务处 综合处 工会 团委 志愿者 居民 企业 学校 "
    "医院 图书馆 体育馆 广场 河道 湖泊 水库 泵站 水厂 污水 处理 再生水 节水 宣传 教育 "
    "环境 生态 保护 治理 清淤 疏通 巡查 值守 应急 预案 演练 防汛 抗旱 物资 车辆 设备 人员 "
    "经费 采购 合同 验收 结算 审计 公开 透明 监督 反馈 满意度 调查 问卷 座谈 走访 调研 "
    "信息化 平台 系统 网站 公众号 热线 窗口 办理 审批 许可 登记 备案 证书 资格 岗位 职责"
).split()
CONNECTORS = ("，", "，", "，", "、", "；", "和", "与", "及", "的", "的", "在", "对")

# Terms a minority of files carries, so some are flagged (all from lexicons/defense.txt).
DEFENSE_TERMS = ("兵力部署", "作战方案", "导弹阵地", "武器装备", "战备值班", "军事训练", "预警雷达", "指挥所")
MARKINGS = ("机密★10年", "秘密★5年", "绝密★30年", "秘密★长期")

KINDS = (("docx", 35), ("pdf", 25), ("txt-utf8", 25), ("txt-gbk", 15))
CID_FONT = "STSong-Light"


def sentence(rng: random.Random, extra: tuple[str, ...] = ()) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
    if extra:
        words.insert(rng.randrange(len(words)), rng.choice(extra))
    out = words[0]
    for word in words[1:]:
        out += rng.choice(CONNECTORS) + word if rng.random() < 0.35 else word
    return out + "。"


def paragraphs(rng: random.Random, target_bytes: int, sensitive: bool) -> list[str]:
    """Paragraphs of sentences up to about `target_bytes` of UTF-8 text."""
    out: list[str] = []
    size = 0
    while size < target_bytes:
        text = "".join(
            sentence(rng, DEFENSE_TERMS if sensitive and rng.random() < 0.3 else ())
            for _ in range(rng.randint(3, 8))
        )
        out.append(text)
        size += len(text.encode("utf-8")) + 1
    return out


def write_docx(path: Path, head: list[str], paras: list[str]) -> None:
    document = docx.Document()
    for line in head[:-1]:  # a marking stands alone on the first line (GB/T 9704)
        document.add_paragraph(line)
    document.add_heading(head[-1], level=1)
    for text in paras:
        document.add_paragraph(text)
    document.save(str(path))


def write_pdf(path: Path, head: list[str], paras: list[str]) -> None:
    if CID_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    title = ParagraphStyle("h", fontName=CID_FONT, fontSize=15, leading=22, alignment=1, wordWrap="CJK")
    body = ParagraphStyle("b", fontName=CID_FONT, fontSize=11, leading=17, firstLineIndent=22,
                          spaceAfter=4, wordWrap="CJK")
    plain = ParagraphStyle("p", fontName=CID_FONT, fontSize=11, leading=17, wordWrap="CJK")
    story = [Paragraph(line, plain) for line in head[:-1]] + [Paragraph(head[-1], title)]
    story += [Paragraph(text, body) for text in paras]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, invariant=1).build(story)
    path.write_bytes(buf.getvalue())


def write_text(path: Path, head: list[str], paras: list[str], encoding: str) -> None:
    path.write_bytes(("\r\n".join(head + [""] + paras) + "\r\n").encode(encoding))


def make_corpus(out: Path, files: int, seed: int) -> list[Path]:
    """Write `files` documents of 2-40 KB of text; about 1 in 10 has defence terms, 1 in 25 a marking."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    paths = []
    for number in range(files):
        kind = rng.choices(kinds, weights)[0]
        sensitive = rng.random() < 0.10
        marked = rng.random() < 0.04
        title = "关于" + "".join(rng.choice(WORDS) for _ in range(3)) + "工作的" + rng.choice(("通知", "报告", "方案", "总结"))
        paras = paragraphs(rng, rng.randint(2_000, 40_000), sensitive)
        head = [rng.choice(MARKINGS), title] if marked else [title]
        stem = f"doc{number:05d}"
        if kind == "docx":
            path = out / f"{stem}.docx"
            write_docx(path, head, paras)
        elif kind == "pdf":
            path = out / f"{stem}.pdf"
            write_pdf(path, head, paras)
        else:
            path = out / f"{stem}.txt"
            write_text(path, head, paras, "utf-8" if kind == "txt-utf8" else "gbk")
        paths.append(path)
    return paths


def text_volume(paths: list[Path]) -> tuple[int, Counter]:
    """UTF-8 bytes of all extracted segment texts, and the count of files per sniffed type."""
    total = 0
    types: Counter = Counter()
    for path in paths:
        data = path.read_bytes()
        kind = sniff(data)
        types[kind] += 1
        try:
            extraction = extract(kind, data)
        except ExtractionError:
            continue
        total += sum(len(seg.text.encode("utf-8")) for seg in extraction.segments)
    return total, types


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="密检扫描基准 / benchmark of scan_paths")
    parser.add_argument("--files", type=int, default=500, help="number of files (default: 500)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the corpus (default: 1)")
    parser.add_argument("--out", type=Path, help="write the corpus here (kept) instead of a temporary folder")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and database")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for scan_paths (default: 1)")
    parser.add_argument("--config", metavar="FILE",
                        help="settings file (default: the built-in Config(), ignoring $MIJIAN_CONFIG)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="mijian-bench-"))
    corpus = args.out if args.out else work / "corpus"
    try:
        started = time.perf_counter()
        paths = make_corpus(corpus, args.files, args.seed)
        generated = time.perf_counter() - started
        input_bytes = sum(p.stat().st_size for p in paths)
        text_bytes, types = text_volume(paths)

        config = load_config(args.config) if args.config else Config()
        store = Store(work / "bench.db")
        try:
            started = time.perf_counter()
            run = scan_paths([str(p) for p in paths], config, store=store, jobs=args.jobs)
            wall = time.perf_counter() - started
        finally:
            store.close()

        mb = 1024 * 1024
        reasons = Counter(r.code for res in run.results for r in res.reasons)
        labels = Counter(label for res in run.results for label in res.detection.labels)
        print(f"scanner         {Path(scanner.__file__).parent}")
        print(f"corpus          {corpus}  (seed {args.seed}, generated in {generated:.1f} s)")
        print(f"files           {len(paths)}  ({', '.join(f'{k} {v}' for k, v in sorted(types.items()))})")
        print(f"input           {input_bytes / mb:.2f} MB")
        print(f"extracted text  {text_bytes / mb:.2f} MB")
        print(f"config          {args.config or 'built-in defaults'}")
        print(f"jobs            {args.jobs}")
        print(f"wall            {wall:.2f} s")
        print(f"files/s         {len(paths) / wall:.1f}")
        print(f"text MB/s       {text_bytes / mb / wall:.2f}")
        print(f"input MB/s      {input_bytes / mb / wall:.2f}")
        print(f"verdicts        {', '.join(f'{k} {v}' for k, v in run.counts.items())}")
        print(f"reasons         {', '.join(f'{k} {v}' for k, v in sorted(reasons.items()))}")
        print(f"labels          {', '.join(f'{k} {v}' for k, v in sorted(labels.items()))}")
    finally:
        if args.keep:
            print(f"kept            {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
