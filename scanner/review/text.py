"""The console's words: Chinese first, English when asked (`?lang=en` or the lang cookie)."""

from __future__ import annotations

from scanner.model import CATEGORY_NAMES_ZH
from scanner.policy.reasons import MESSAGES

TEXT: dict[str, tuple[str, str]] = {
    "app": ("密检 · 保密审查台", "Mijian · review console"),
    "queue": ("待审队列", "Queue"), "dashboard": ("概览", "Dashboard"), "audit": ("审计日志", "Audit log"),
    "users": ("用户管理", "Users"), "logout": ("退出", "Log out"), "login": ("登录", "Log in"),
    "username": ("用户名", "User name"), "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误", "wrong user name or password"),
    "login_limited": ("登录失败次数过多，请稍后再试", "too many failed logins: try again later"),
    "login_locked": ("该账号登录失败次数过多，已暂时锁定，请 15 分钟后再试",
                     "this account is locked after too many failed logins: try again in 15 minutes"),
    "password_change": ("修改密码", "Change password"), "current_password": ("当前密码", "Current password"),
    "new_password": ("新密码（至少 8 个字符）", "New password (8 characters or more)"),
    "new_password_again": ("再输入一次新密码", "New password again"),
    "password_change_note": ("修改后本账号的所有会话（包括本页）都将结束，请用新密码重新登录",
                             "every session of this account, this one too, ends: sign in again with the new password"),
    "password_mismatch": ("两次输入的新密码不一致", "the new passwords differ"),
    "password_short": ("新密码至少 8 个字符", "the new password needs 8 characters or more"),
    "verdict": ("结论", "Verdict"), "category": ("类别", "Class"), "inbox": ("收件目录", "Inbox"),
    "status": ("状态", "Status"), "since": ("起始日期", "From"), "until": ("截止日期", "To"),
    "filter": ("筛选", "Filter"), "all": ("全部", "all"), "file": ("文件", "File"), "time": ("扫描时间", "Scanned"),
    "reasons": ("原因", "Reasons"), "no_items": ("没有符合条件的条目", "no matching items"),
    "page": ("第 {page} / {pages} 页，共 {total} 条", "page {page} of {pages}, {total} items"),
    "prev": ("上一页", "previous"), "next": ("下一页", "next"), "sort": ("排序", "Sort"),
    "asc": ("升序", "ascending"), "desc": ("降序", "descending"), "id": ("编号", "ID"), "path": ("文件", "File"),
    "markings": ("密级标志", "Markings"), "mentions": ("提及（非标志）", "Mentions (not marks)"),
    "scores": ("类别得分", "Class scores"), "evidence": ("证据（上下文）", "Evidence in context"),
    "location": ("位置", "Location"), "rule": ("规则", "Rule"), "protection": ("加密保护", "Protection"),
    "approval": ("审批", "Approval"), "encrypted": ("已加密", "encrypted"), "not_encrypted": ("未加密", "not encrypted"),
    "needs_password": ("需密码才能打开", "password needed to open"), "none": ("无", "none"),
    "problem": ("问题", "Problem"), "members": ("包内文件", "Members"), "sha256": ("SHA-256", "SHA-256"),
    "job": ("网关任务", "Gateway job"), "quarantined_at": ("隔离位置", "Quarantined at"),
    "decisions": ("决定记录", "Decisions"), "decide": ("作出决定", "Decide"), "reason": ("理由", "Reason"),
    "submit": ("提交", "Submit"), "officer": ("保密专员", "Officer"), "at": ("时间", "Time"),
    "action": ("决定", "Action"), "moved_to": ("移至", "Moved to"),
    "not_officer": ("只有保密专员可以作出决定", "only an officer can decide"),
    "decided": ("决定已记录", "decision recorded"),
    "unverified": ("未经审计链证实", "not confirmed by the audit chain"),
    "counts_by_day": ("每日结论数量", "Verdicts per day"), "counts_by_class": ("各类别数量（待审与阻断）", "Items by class (flagged and blocked)"), "class_by_day": ("每日各类别数量（待审与阻断）", "Classes per day (flagged and blocked)"),
    "top_reasons": ("常见原因", "Top reasons"), "waiting": ("等待最久的条目", "Waiting longest"),
    "count": ("数量", "Count"), "actor": ("操作人", "Actor"), "detail": ("内容", "Detail"),
    "seq": ("序号", "Seq"), "chain_ok": ("审计链完整（共 {n} 条）", "audit chain intact ({n} entries)"),
    "role": ("角色", "Role"), "disabled": ("已停用", "disabled"), "active": ("在用", "active"),
    "add_user": ("添加用户", "Add user"), "disable": ("停用", "Disable"), "enable": ("启用", "Enable"),
    "forbidden": ("无权执行此操作", "forbidden"), "bad_csrf": ("表单已失效，请刷新页面后重试", "form expired: reload the page and try again"),
    "not_found": ("找不到该条目", "not found"), "error": ("错误", "Error"), "back": ("返回", "Back"),
    "hello": ("当前用户", "Signed in as"), "status_summary": ("处理状态", "Status"),
    "verdict.flag": ("待审", "flagged"), "verdict.block": ("阻断", "blocked"), "verdict.allow": ("放行", "allowed"),
    "status.open": ("待处理", "open"), "status.released": ("已放行", "released"),
    "status.kept_blocked": ("维持阻断", "kept blocked"), "status.approval_requested": ("已要求审批", "approval requested"),
    "action.release": ("放行", "release"), "action.keep_blocked": ("维持阻断", "keep blocked"),
    "action.request_approval": ("要求补办审批", "request approval"),
    "role.officer": ("保密专员", "officer"), "role.admin": ("管理员", "administrator"),
    "approval.valid": ("有效", "valid"), "approval.missing": ("无审批记录", "missing"),
    "approval.expired": ("已过期", "expired"), "approval.revoked": ("已撤销", "revoked"),
    "approval.hash-mismatch": ("文件与审批不符", "file does not match"), "approval.bad-signature": ("签名无效", "bad signature"),
    "approval.wrong-recipient": ("接收方不符", "wrong recipient"),
    "context": ("上下文（命中处高亮）", "Context (match highlighted)"),
    "topics": ("主题（仅供排序，不据此拦截）", "Topics (for sorting, never a flag)"), "score": ("得分", "Score"), "tier": ("证据层级", "Tier"), "why": ("依据", "Why"),
    "tier.strong": ("强证据", "strong"), "tier.weak": ("弱证据", "weak"), "tier.model": ("模型判断", "model"),
    "tier.marking": ("密级标志", "marking"),
    "entities": ("证据附近的人物、机构、地点", "People, organisations, places near the evidence"),
    "entity.person": ("人物", "person"), "entity.organisation": ("机构", "organisation"), "entity.place": ("地点", "place"),
    "entity.person.foreign": ("境外人员", "foreign person"), "entity.organisation.foreign": ("境外机构", "foreign organisation"),
    "entity.place.foreign": ("境外地点", "foreign place"),
    "kind.national_secret": ("国家秘密", "national secret"), "kind.work_secret": ("工作秘密", "work secret"),
    "kind.commercial_secret": ("商业秘密", "commercial secret"), "kind.foreign": ("外国密级", "foreign classification"),
    "reason_hint": ("请写明理由（将记入审计日志）", "write the reason (it goes into the audit log)"),
    "version": ("最新决定编号（再次决定时用 --replaces 给出）", "latest decision id (give it as --replaces to decide again)"),
    "search": ("搜索", "Search"), "search_hint": ("文件名、发件人或接收方", "file name, sender or recipient"),
    "status.decided": ("已决定", "decided"), "status.all": ("全部", "all"),
    "sender": ("发件人", "Sender"), "recipient": ("接收方", "Recipient"),
    "select": ("选择", "Select"), "bulk": ("批量决定所选条目", "Decide the selected items"),
    "bulk_done": ("已对 {n} 个条目作出决定", "{n} items decided"),
    "bulk_none": ("请至少选择一个条目", "select at least one item"),
    "bulk_failed": ("以下条目未作决定", "these items were not decided"),
    "conflict": ("该条目已由 {officer} 于 {at} 作出决定（{action}），请查看后再决定",
                 "this item was decided by {officer} at {at} ({action}): look at it again before deciding"),
    "passages": ("命中段落", "Passages"), "jump": ("跳转", "Jump to"),
    "legend": ("图例", "Legend"), "marking_hl": ("密级标志", "marking"),
    "more_passages": ("另有 {n} 段未显示", "{n} more passages not shown"),
    "full_text": ("查看提取的全文", "View the extracted text"), "download": ("下载原文件", "Download the original file"),
    "text_title": ("提取的全文", "Extracted text"), "segment": ("片段", "Segment"),
    "text_unavailable": ("无法显示全文", "the text cannot be shown"),
    "no_source": ("找不到原文件（已移走或不在本机）", "the original file is not here (moved, or on another machine)"),
    "changed_source": ("原文件已被改动，与审查的内容不符", "the original file changed since it was reviewed"),
    "read_failed": ("读取失败", "reading failed"), "container": ("压缩包或邮件本身", "the archive or e-mail itself"),
    "audited_note": ("查看与下载均记入审计日志", "viewing and downloading are recorded in the audit log"),
    "registered": ("登记文件匹配", "Registered documents matched"),
    "registered_note": ("（只显示本项中的相同内容，不显示登记文件正文）",
                        "(the same text in this item only; the registered text is never shown)"),
    "registered.document": ("登记文件", "registered document"), "registered.data": ("登记数据", "registered data"),
    "registered_id": ("编号", "id"), "level": ("密级", "level"), "column": ("列", "Column"),
    "registered_chars": ("相同 {n} 字", "{n} characters in common"),
    "item_share": ("占本项 {p}%", "{p}% of this item"), "document_share": ("占该文件 {p}%", "{p}% of the document"),
    "registered_passage": ("本项中的相同内容", "Same text in this item"),
    "only_officer": ("只有保密专员可以查看全文或下载原文件", "only an officer may view the text or download the file"),
}


def translator(lang: str):
    def _(key: str, **values) -> str:
        pair = TEXT.get(key)
        if pair is None:
            return key
        return (pair[1] if lang == "en" else pair[0]).format(**values) if values else (pair[1] if lang == "en" else pair[0])
    return _


def category_name(category: str, lang: str) -> str:
    return category if lang == "en" else CATEGORY_NAMES_ZH.get(category, category)


def reason_text(reason: dict, lang: str) -> str:
    """A reason as a person reads it: its recorded message, else the policy's wording for its code."""
    text = reason.get("message_en" if lang == "en" else "message")
    if text:
        return text
    pair = MESSAGES.get(reason.get("code", ""))
    if pair is None:
        return reason.get("code", "")
    # The policy's template without its particulars (a stored result older than its messages).
    template = pair[1] if lang == "en" else pair[0]
    return template.split("{", 1)[0].rstrip("：:（( ") or reason.get("code", "")
