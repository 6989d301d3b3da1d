"""Messages a user reads on the command line: Chinese first, English available."""

from __future__ import annotations

import os
import re

MESSAGES: dict[str, tuple[str, str]] = {
    "summary": ("共 {total} 个文件：放行 {allow}，待审 {flag}，阻断 {block}",
                "{total} files: {allow} allowed, {flag} flagged, {block} blocked"),
    "progress": ("扫描中", "Scanning"),
    "col.verdict": ("结论", "Verdict"),
    "col.path": ("文件", "File"),
    "col.type": ("类型", "Type"),
    "col.reasons": ("原因", "Reasons"),
    "verdict.allow": ("放行", "allow"),
    "verdict.flag": ("待审", "flag"),
    "verdict.block": ("阻断", "block"),
    "no_reason": ("未发现敏感内容", "nothing sensitive found"),
    "written": ("报告已写入：{path}", "report written: {path}"),
    "db": ("结果已记录到数据库：{path}", "results recorded in: {path}"),
    "error": ("错误：{message}", "error: {message}"),
    "internal": ("内部错误：{message}（请报告此问题）", "internal error: {message} (please report it)"),
    "interrupted": ("已中断", "interrupted"),
    "resume_hint": ("扫描任务 {run} 未完成，已记录的结果保留；继续：mijian scan --resume {run}",
                    "run {run} is not finished; what was recorded is kept. Continue: mijian scan --resume {run}"),
    "resumed": ("沿用扫描任务 {run} 已记录的 {count} 个文件", "{count} files taken as recorded in run {run}"),
}


_LOCATION_ZH = (
    (re.compile(r"\bsheet name\b"), "工作表名称"),
    (re.compile(r"\bsheet (\S+)"), r"工作表 \1"),
    (re.compile(r"\bslide master (\d+)"), r"幻灯片母版\1"),
    (re.compile(r"\bslide (\d+)"), r"第\1张幻灯片"),
    (re.compile(r"\bnotes\b"), "备注"),
    (re.compile(r"\bcomment (\d+)"), r"批注\1"),
    (re.compile(r"\bcomment\b"), "批注"),
    (re.compile(r"\bfootnote (\d+)"), r"脚注\1"),
    (re.compile(r"\bendnote (\d+)"), r"尾注\1"),
    (re.compile(r"\btext box (\d+)"), r"文本框\1"),
    (re.compile(r"\btracked insertion (\d+)"), r"修订插入\1"),
    (re.compile(r"\btracked deletion (\d+)"), r"修订删除\1"),
    (re.compile(r"\bproperty "), "属性 "),
    (re.compile(r"\bpicture "), "图片 "),  # text read by OCR from a picture inside a document
    (re.compile(r"\bdefined name\b"), "定义名称"),
    (re.compile(r"\bmember names\b"), "成员名称"),
    (re.compile(r"\bbody part (\d+)"), r"正文部分\1"),
    (re.compile(r"section (\d+)"), r"第\1节"),
    (re.compile(r"page (\d+)"), r"第\1页"),
    (re.compile(r"table (\d+)"), r"表格\1"),
    (re.compile(r"row (\d+), column (\d+)"), r"第\1行第\2列"),
    (re.compile(r"paragraph (\d+)"), r"第\1段"),
    (re.compile(r"line (\d+)"), r"第\1行"),
    (re.compile(r"\bheader\b"), "页眉"),
    (re.compile(r"\bfooter\b"), "页脚"),
    (re.compile(r"\bmetadata\b"), "文档属性"),
    (re.compile(r"\bbody\b"), "正文"),
    (re.compile(r", "), "，"),
)


def location_text(location: str, lang: str) -> str:
    """A location as stored (English, the output contract's form) in the reader's language."""
    if lang == "en":
        return location
    for pattern, replacement in _LOCATION_ZH:
        location = pattern.sub(replacement, location)
    return location


def resolve_lang(requested: str | None, configured: str = "zh") -> str:
    """--lang, then MIJIAN_LANG, then the configured language."""
    lang = requested or os.environ.get("MIJIAN_LANG") or configured
    return "en" if lang.lower().startswith("en") else "zh"


def t(key: str, lang: str = "zh", **values) -> str:
    zh, en = MESSAGES[key]
    return (en if lang == "en" else zh).format(**values)


# A project message is written "中文 (English)": the Chinese first, then the English in brackets,
# optionally followed by a detail that is the same in both (": <library error>") or a list after
# "中文 / English:". --lang en shows the English alone (issue 15 item 11).
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff60]")
_ZH_LABEL = re.compile(r"[\u3400-\u9fff]+\s*/\s*")  # "可用 / known: ..." -> "known: ..."


def _groups(text: str):
    """(start, end) of each top-level "( ... )" or "（ ... ）" group."""
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch in "(（":
            if depth == 0:
                start = i
            depth += 1
        elif ch in ")）" and depth:
            depth -= 1
            if depth == 0:
                yield start, i + 1


def english(message: str) -> str:
    """The English of a bilingual message; a message with no Chinese, or no English part, as it is."""
    if not _CJK.search(message):
        return message
    for start, end in _groups(message):
        inner = message[start + 1:end - 1].strip()
        head = message[:start]
        if not _CJK.search(head) or not re.match(r"[A-Za-z]", inner):
            continue
        out = inner
        if "：" in head:  # "中文：detail (English)": the detail is said only in the Chinese part
            detail = english(head.rsplit("：", 1)[1].strip())
            if detail and detail not in out and not _CJK.search(detail):
                out = f"{out}: {detail}"
        tail = _ZH_LABEL.sub("", message[end:])
        if _CJK.search(tail):
            lead = re.match(r"[\s:;,：；，]*", tail).group()
            tail = lead.replace("：", ": ").replace("；", "; ").replace("，", ", ") + english(tail[len(lead):])
        return (out + tail).rstrip()
    return message


def in_lang(message: str, lang: str) -> str:
    """A message as the reader asked for it: both languages for zh (Chinese first), English for en."""
    return english(message) if lang == "en" else message
