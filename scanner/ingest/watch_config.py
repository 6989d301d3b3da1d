"""The gateway daemon's settings: the raw [watch] table validated, with defaults in code."""

from __future__ import annotations

import fnmatch
import ipaddress
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from scanner.config import Config
from scanner.errors import ConfigError

# Names a writer uses while a file is not finished; never taken until renamed.
DEFAULT_IGNORE = (".*", "~$*", "*.part", "*.partial", "*.tmp", "*.crdownload", "*.swp")
# Files that travel with their file and are never decided on their own.
META_SUFFIX = ".meta.json"
APPROVAL_SUFFIX = ".approval.json"
SIDECAR_SUFFIXES = (META_SUFFIX, APPROVAL_SUFFIX)
RECIPIENT_SOURCES = ("fixed", "folder", "sidecar")
# The recipient used when it should come from a sidecar or folder name and cannot be read:
# it matches no approval, so an approved file is not released to an unknown party.
UNKNOWN_RECIPIENT = "<unknown>"


@dataclass(frozen=True)
class InboxSettings:
    name: str
    path: Path
    destination: str
    recipient: str = ""
    recipient_from: str = "fixed"
    folder_pattern: str = ""
    create: bool = False  # make the folder when it is missing (otherwise a missing inbox is a config error)

    def recipient_for(self, meta: dict | None) -> str:
        """The recipient of a file in this inbox, given its sidecar (None when it has none)."""
        if self.recipient_from == "sidecar":
            value = (meta or {}).get("recipient")
            return value if isinstance(value, str) and value else UNKNOWN_RECIPIENT
        if self.recipient_from == "folder":
            match = re.search(self.folder_pattern, self.path.name)
            if not match:
                return UNKNOWN_RECIPIENT
            return match.groupdict().get("recipient") or match.group(0)
        return self.recipient


@dataclass(frozen=True)
class NotifySettings:
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_ca_file: str = ""  # PEM file of the CA(s) that sign the relay's certificate; default: the system's
    smtp_user: str = ""
    smtp_password_env: str = ""
    mail_from: str = ""
    mail_to: tuple[str, ...] = ()
    webhook_url: str = ""
    retries: int = 3
    backoff_seconds: float = 1.0
    timeout_seconds: float = 10.0
    queue_size: int = 1000
    include_flagged: bool = True

    @property
    def enabled(self) -> bool:
        return bool(self.smtp_host or self.webhook_url)


@dataclass(frozen=True)
class WatchSettings:
    inboxes: tuple[InboxSettings, ...]
    spool: Path
    processing_dir: Path
    released_dir: Path
    quarantine_dir: Path
    db: str = ""
    workers: int = 2
    queue_size: int = 200
    stability_seconds: float = 2.0
    settle_seconds: float = 0.2
    poll_interval: float = 0.5
    decision_timeout: float = 60.0
    stop_timeout: float = 30.0  # after SIGTERM, unfinished files wait at most this long, then stay for recovery
    max_attempts: int = 5
    release_flagged: bool = False
    events: bool = True
    ignore: tuple[str, ...] = DEFAULT_IGNORE
    health_file: str = ""
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 0
    log_file: str = ""
    log_level: str = "info"
    notify: NotifySettings = field(default_factory=NotifySettings)

    def ignored(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.ignore)


def _err(key: str, zh: str, en: str) -> ConfigError:
    return ConfigError(f"配置项 watch.{key}：{zh} (setting watch.{key}: {en})")


def _get(table: dict, key: str, default, prefix: str = ""):
    """A value of the default's type; ints pass for floats, bools never pass for numbers."""
    if key not in table:
        return default
    value = table[key]
    expected = type(default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected is tuple and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if (expected is int and isinstance(value, bool)) or not isinstance(value, expected):
        name = "list of strings" if expected is tuple else expected.__name__
        raise _err(prefix + key, f"类型应为 {name}，实际为 {type(value).__name__}", f"must be {name}, got {value!r}")
    return value


def _unknown(table: dict, known, prefix: str) -> None:
    for key in table:
        if key not in known:
            raise _err(prefix + key, "未知配置项", "unknown setting")


_TOP = ("inbox", "spool", "processing_dir", "released_dir", "quarantine_dir", "db", "workers", "queue_size",
        "stability_seconds", "settle_seconds", "poll_interval", "decision_timeout", "stop_timeout", "max_attempts",
        "release_flagged", "events", "ignore", "health_file", "metrics_host", "metrics_port", "log_file",
        "log_level", "notify")
_INBOX = ("name", "path", "destination", "recipient", "recipient_from", "folder_pattern", "create")


def parse_watch(config: Config) -> WatchSettings:
    """Validate config.watch; a ConfigError names the first bad key, Chinese first."""
    raw = config.watch or {}
    _unknown(raw, _TOP, "")
    spool_text = _get(raw, "spool", "")
    if not spool_text:
        raise _err("spool", "必须指定暂存目录", "the spool folder is required")
    spool = Path(spool_text)
    dirs = {}
    for key, sub in (("processing_dir", "processing"), ("released_dir", "released"), ("quarantine_dir", "quarantine")):
        dirs[key] = Path(_get(raw, key, "") or spool / sub)
    inboxes = _parse_inboxes(raw.get("inbox"), config.policy.destination)
    values = {key: _get(raw, key, getattr(_DEFAULTS, key)) for key in
              ("db", "workers", "queue_size", "stability_seconds", "settle_seconds", "poll_interval",
               "decision_timeout", "stop_timeout", "max_attempts", "release_flagged", "events", "health_file", "metrics_host",
               "metrics_port", "log_file", "log_level")}
    for key in ("workers", "queue_size", "max_attempts"):
        if values[key] < 1:
            raise _err(key, "必须至少为 1", "must be at least 1")
    for key in ("stability_seconds", "settle_seconds", "poll_interval", "decision_timeout", "stop_timeout"):
        if values[key] <= 0:
            raise _err(key, "必须大于 0", "must be positive")
    if not 0 <= values["metrics_port"] <= 65535:
        raise _err("metrics_port", "端口应在 0–65535 之间（0 为关闭）", "must be 0-65535 (0 turns it off)")
    try:
        if not ipaddress.ip_address(values["metrics_host"]).is_loopback:
            raise ValueError
    except ValueError:
        raise _err("metrics_host", "只能监听本机回环地址", "must be a loopback address") from None
    if values["log_level"] not in ("debug", "info", "warning", "error"):
        raise _err("log_level", "应为 debug/info/warning/error", "must be debug, info, warning or error")
    extra = _get(raw, "ignore", ())
    settings = WatchSettings(inboxes=inboxes, spool=spool, ignore=DEFAULT_IGNORE + extra,
                             notify=_parse_notify(raw.get("notify", {})), **dirs, **values)
    _check_folders(settings)
    return settings


_DEFAULTS = WatchSettings(inboxes=(), spool=Path("."), processing_dir=Path("."), released_dir=Path("."),
                          quarantine_dir=Path("."))


def _parse_inboxes(raw, default_destination: str) -> tuple[InboxSettings, ...]:
    if not isinstance(raw, list) or not raw:
        raise _err("inbox", "至少需要一个 [[watch.inbox]]", "at least one [[watch.inbox]] is required")
    inboxes: list[InboxSettings] = []
    for i, table in enumerate(raw):
        prefix = f"inbox[{i}]."
        if not isinstance(table, dict):
            raise _err(f"inbox[{i}]", "应为一节", "must be a table")
        _unknown(table, _INBOX, prefix)
        path = _get(table, "path", "", prefix)
        if not path:
            raise _err(prefix + "path", "必须指定收件目录", "the inbox folder is required")
        name = _get(table, "name", "", prefix) or Path(path).name
        if not re.fullmatch(r"[\w.\-]+", name) or name in (".", ".."):
            raise _err(prefix + "name", "只能包含字母、数字、下划线、点和连字符", "use letters, digits, _ . - only")
        if any(box.name == name for box in inboxes):
            raise _err(prefix + "name", f"名称 {name} 重复", f"duplicate inbox name {name}")
        destination = _get(table, "destination", default_destination, prefix)
        if destination not in ("internal", "external"):
            raise _err(prefix + "destination", "应为 internal 或 external", "must be internal or external")
        source = _get(table, "recipient_from", "fixed", prefix)
        if source not in RECIPIENT_SOURCES:
            raise _err(prefix + "recipient_from", "应为 fixed、folder 或 sidecar", "must be fixed, folder or sidecar")
        pattern = _get(table, "folder_pattern", "", prefix)
        if source == "folder":
            if not pattern:
                raise _err(prefix + "folder_pattern", "recipient_from = \"folder\" 时必须指定",
                           'required when recipient_from = "folder"')
            try:
                re.compile(pattern)
            except re.error as exc:
                raise _err(prefix + "folder_pattern", f"不是有效的正则表达式：{exc}", "invalid regular expression") from exc
        inboxes.append(InboxSettings(name, Path(path), destination, _get(table, "recipient", "", prefix),
                                     source, pattern, _get(table, "create", False, prefix)))
    return tuple(inboxes)


_NOTIFY = tuple(NotifySettings.__dataclass_fields__)


def _parse_notify(raw) -> NotifySettings:
    if not isinstance(raw, dict):
        raise _err("notify", "应为一节", "must be a table")
    _unknown(raw, _NOTIFY, "notify.")
    defaults = NotifySettings()
    values = {key: _get(raw, key, getattr(defaults, key), "notify.") for key in _NOTIFY}
    notify = NotifySettings(**values)
    if notify.smtp_host and not (notify.mail_from and notify.mail_to):
        raise _err("notify.mail_to", "配置了 smtp_host 时必须指定 mail_from 和 mail_to",
                   "mail_from and mail_to are required with smtp_host")
    if notify.webhook_url and not notify.webhook_url.startswith(("http://", "https://")):
        raise _err("notify.webhook_url", "应以 http:// 或 https:// 开头", "must start with http:// or https://")
    if notify.retries < 0 or notify.queue_size < 1 or notify.backoff_seconds < 0 or notify.timeout_seconds <= 0:
        raise _err("notify.retries", "重试次数、队列长度和时间不能为负", "retries, queue size and times must be positive")
    if notify.smtp_user and not notify.smtp_starttls:
        raise _err("notify.smtp_user", "登录中继需要 smtp_starttls = true，否则密码以明文传送",
                   "needs smtp_starttls = true: the password would otherwise travel in clear")
    if notify.smtp_ca_file and not os.path.isfile(notify.smtp_ca_file):
        raise _err("notify.smtp_ca_file", f"找不到文件 {notify.smtp_ca_file}", f"no such file: {notify.smtp_ca_file}")
    if notify.smtp_password_env and notify.smtp_password_env not in os.environ:
        raise _err("notify.smtp_password_env", f"环境变量 {notify.smtp_password_env} 未设置",
                   f"environment variable {notify.smtp_password_env} is not set")
    return notify


def _check_folders(settings: WatchSettings) -> None:
    """Create the spool folders, find every inbox (made only with `create = true`: a misspelt path is an
    error), and refuse folders on another filesystem (renames must be atomic) and folders inside others."""
    folders = {"spool": settings.spool, "processing_dir": settings.processing_dir,
               "released_dir": settings.released_dir, "quarantine_dir": settings.quarantine_dir}
    for i, box in enumerate(settings.inboxes):
        key = f"inbox[{i}].path"
        if not box.create and not box.path.is_dir():
            found = "不是目录" if os.path.lexists(box.path) else "不存在"
            raise _err(key, f"收件目录 {box.path} {found}（路径写错了？需要网关创建它时设 create = true）",
                       f"inbox folder {box.path} does not exist or is not a folder (a typo? set create = true "
                       "to have the gateway make it)")
        folders[key] = box.path
    _check_nesting(settings)  # before anything is made: a nested `create = true` inbox is not created
    device = None
    for key, folder in folders.items():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            dev = os.stat(folder).st_dev
        except OSError as exc:
            raise _err(key, f"无法创建或访问目录 {folder}：{exc.strerror}", f"cannot create or use {folder}") from exc
        if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
            raise _err(key, f"目录 {folder} 不可读写", f"folder {folder} is not readable and writable")
        if device is None:
            device = dev
        elif dev != device:
            raise _err(key, f"目录 {folder} 与暂存目录不在同一文件系统，无法原子移动",
                       f"{folder} is on another filesystem than the spool; moves would not be atomic")


def _check_nesting(settings: WatchSettings) -> None:
    """An inbox inside another would have its files taken by the outer one (its destination and
    recipient silently ignored); a spool folder inside an inbox would have released files taken again."""
    boxes = [(i, box.path.resolve()) for i, box in enumerate(settings.inboxes)]
    for i, path in boxes:
        for j, outer in boxes:
            other = settings.inboxes[j].name
            if i > j and path == outer:
                raise _err(f"inbox[{i}].path", f"与收件目录 inbox[{j}]（{other}）是同一目录",
                           f"is the same folder as inbox[{j}] ({other})")
            if path != outer and path.is_relative_to(outer):
                raise _err(f"inbox[{i}].path", f"位于收件目录 inbox[{j}]（{other}）之内：其中的文件会被外层收件目录取走，"
                                               "本收件目录的目的地和接收方不会生效",
                           f"is inside inbox[{j}] ({other}): its files would be taken by the outer inbox, and its "
                           "own destination and recipient ignored")
    spool = {"spool": settings.spool, "processing_dir": settings.processing_dir,
             "released_dir": settings.released_dir, "quarantine_dir": settings.quarantine_dir}
    for i, path in boxes:
        for key, folder in spool.items():
            folder = folder.resolve()
            if path == folder or (key != "spool" and path.is_relative_to(folder)):
                raise _err(f"inbox[{i}].path", f"收件目录不能位于暂存目录 watch.{key}（{folder}）之中",
                           f"an inbox cannot be a spool folder or inside one (watch.{key}: {folder})")
            if folder.is_relative_to(path):
                raise _err(f"inbox[{i}].path", f"暂存目录 watch.{key}（{folder}）不能位于收件目录之中",
                           f"the spool folder watch.{key} ({folder}) cannot be inside an inbox")


def inbox_config(config: Config, inbox: InboxSettings, recipient: str | None = None) -> Config:
    """The config that decides files of this inbox: its destination and recipient."""
    recipient = inbox.recipient_for(None) if recipient is None else recipient
    return replace(config, policy=replace(config.policy, destination=inbox.destination),
                   approvals=replace(config.approvals, recipient=recipient))
