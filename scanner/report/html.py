"""The self-contained HTML report (no external assets), Chinese by default."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import TextIO

from jinja2 import Environment, PackageLoader, select_autoescape

from scanner import __version__
from scanner.i18n import location_text
from scanner.model import CATEGORIES, CATEGORY_NAMES_ZH, ItemResult
from scanner.report.writers import register

_ENV = Environment(
    loader=PackageLoader("scanner.report", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

_TEXT = {
    "zh": {
        "title": "密检扫描报告", "generated": "生成时间", "version": "版本", "total": "文件总数",
        "allow": "放行", "flag": "待审", "block": "阻断", "file": "文件", "type": "类型", "verdict": "结论",
        "reasons": "原因", "markings": "密级标志", "mentions": "提及（非标志）", "evidence": "证据",
        "categories": "类别得分", "protection": "加密保护", "approval": "审批", "none": "无",
        "no_reason": "未发现敏感内容", "encrypted": "已加密", "not_encrypted": "未加密",
        "needs_password": "需密码才能打开", "member": "包内路径", "cached": "沿用此前结果（文件未变）",
        "problem": "问题", "items_heading": "逐项结果", "location": "位置",
        "category": "类别", "score": "得分", "tier": "证据层级", "why": "依据",
        "tiers": {"strong": "强证据", "weak": "弱证据", "model": "模型判断"}, "topics": "主题（仅供排序，不据此拦截）",
        "entities": "证据附近的人物、机构、地点",
        "registered": "登记文件或数据（不显示其正文）", "passage": "本项中的相同内容", "registered_id": "编号",
        "chars": "字",
        "entity_kinds": {"person": "人物", "organisation": "机构", "place": "地点", "person.foreign": "境外人员",
                         "organisation.foreign": "境外机构", "place.foreign": "境外地点"},
        "approval_status": {"valid": "有效", "missing": "无审批记录", "expired": "已过期", "revoked": "已撤销",
                            "hash-mismatch": "文件与审批不符", "bad-signature": "签名无效",
                            "wrong-recipient": "接收方不符"},
    },
    "en": {
        "title": "Mijian scan report", "generated": "Generated", "version": "Version", "total": "Files",
        "allow": "Allowed", "flag": "Flagged", "block": "Blocked", "file": "File", "type": "Type",
        "verdict": "Verdict", "reasons": "Reasons", "markings": "Markings", "mentions": "Mentions (not marks)",
        "evidence": "Evidence", "categories": "Class scores", "protection": "Protection", "approval": "Approval",
        "none": "none", "no_reason": "nothing sensitive found", "encrypted": "encrypted",
        "not_encrypted": "not encrypted", "needs_password": "password needed to open", "member": "member",
        "cached": "result reused (file unchanged)", "problem": "Problem", "items_heading": "Items",
        "location": "Location", "approval_status": {},
        "category": "Class", "score": "Score", "tier": "Tier", "why": "Why",
        "tiers": {"strong": "strong", "weak": "weak", "model": "model"}, "topics": "Topics (for sorting, never a flag)",
        "entities": "People, organisations, places near the evidence",
        "registered": "Registered document or data (its text is never shown)", "passage": "Same text in this item",
        "registered_id": "id", "chars": "characters",
        "entity_kinds": {"person": "person", "organisation": "organisation", "place": "place",
                         "person.foreign": "foreign person", "organisation.foreign": "foreign organisation",
                         "place.foreign": "foreign place"},
    },
}


def render_html(results: list[ItemResult], lang: str = "zh", generated_at: datetime | None = None) -> str:
    generated_at = generated_at or datetime.now(timezone.utc)
    files = {r.path: r.verdict for r in results if r.member is None}
    counts = Counter(files.values())
    order = {"block": 0, "flag": 1, "allow": 2}
    # Worst files first; a file's members right below it.
    items = sorted(results, key=lambda r: (order[files.get(r.path, r.verdict)], r.path,
                                           r.member is not None, r.member or ""))
    category_names = {c: (CATEGORY_NAMES_ZH[c] if lang == "zh" else c) for c in CATEGORIES}
    return _ENV.get_template("report.html.j2").render(
        where=lambda location: location_text(location, lang),
        items=items, counts=counts, total=len(files), lang=lang, text=_TEXT[lang],
        generated_at=generated_at.isoformat(timespec="seconds"), version=__version__,
        categories=CATEGORIES, category_names=category_names,
    )


@register("html")
def write_html(results: list[ItemResult], out: TextIO, lang: str) -> None:
    out.write(render_html(results, lang))
