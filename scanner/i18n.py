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
