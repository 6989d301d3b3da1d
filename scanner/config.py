"""Settings from TOML (configs/), validated at load, with defaults in code."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from scanner.errors import ConfigError
from scanner.model import CATEGORIES, VERDICTS

ENV_VAR = "MIJIAN_CONFIG"

DEFAULT_RULES: dict[str, str] = {
    "marking.national_secret": "block",
    "marking.expired": "block",
    "marking.commercial_star": "flag",
    "marking.work_secret": "block",
    "marking.commercial_secret": "block",
    "marking.foreign": "flag",
    "content.sensitive": "flag",
    "protection.missing": "block",
    "protection.unapproved": "block",
    "scan.unreadable": "block",
    "scan.unsupported": "block",
    "scan.no_text": "block",
    "scan.limit": "block",
    "scan.unsafe": "block",
    "scan.empty": "allow",
    "approval.hash_mismatch": "block",
    "approval.bad_signature": "block",
    "approval.revoked": "block",
    "approval.expired": "flag",
    "approval.wrong_recipient": "block",
    "fingerprint.match": "block",
    "fingerprint.data": "block",
}

# Reasons that mean "could not be read": fail closed, never configurable to allow.
FAIL_CLOSED_RULES = ("scan.unreadable", "scan.unsupported", "scan.no_text", "scan.limit", "scan.unsafe")


@dataclass(frozen=True)
class ScanSettings:
    max_file_size: int = 100 * 1024 * 1024
    follow_symlinks: bool = False
    max_total_bytes: int = 400 * 1024 * 1024
    max_members: int = 10_000
    max_depth: int = 10
    max_ratio: float = 100.0
    ratio_min_bytes: int = 1024 * 1024
    max_seconds: float = 120.0
    max_memory: int = 4 * 1024 * 1024 * 1024
    isolate: bool = True
    ocr_page_seconds: float = 60.0
    ocr_max_pixels: int = 40_000_000
    ocr_max_pages: int = 30
    ocr_pictures: bool = True
    ocr_threads: int = 0  # inference threads per reader; 0: the cores divided among the readers


def _default_thresholds() -> dict[str, float]:
    return {c: 0.5 for c in CATEGORIES}


@dataclass(frozen=True)
class DetectSettings:
    lexicon_dir: str = ""
    other_lexicon: str = ""
    allow_list: str = ""
    score_scale: float = 2.5
    context_chars: int = 30
    context_window: int = 20
    model: str = "default"
    classifier_weight: float = 0.3
    # Tiers of evidence (lexicons/README.md): how the best window of a document is scored.
    window_chars: int = 400
    repeat_bonus: float = 0.25
    repeat_cap: int = 2
    raise_min: float = 1.3
    weak_gain: float = 0.5
    weak_cap: float = 2.0
    handling_factor: float = 1.5
    handled_cap: float = 3.0
    specifics_min: int = 3
    specifics_min_terms: int = 2
    specifics_step: float = 0.1
    specifics_max: int = 5
    topic_threshold: float = 0.6
    topic_weight: float = 1.0
    topic_evidence_min: float = 0.8
    short_text_chars: int = 600
    short_details_min: int = 1
    short_weight: float = 1.2
    short_topic_min: float = 0.3
    # The sensitivity model (models/README.md): "" is off, a bare name a folder under models/.
    sensitivity_model: str = "sensitivity"
    sensitivity_min: float = 0.75
    sensitivity_weight: float = 2.5
    sensitivity_handled_min: float = 0.35
    sensitivity_min_chars: int = 40
    word_boundaries: bool = True
    boundary_max_chars: int = 3
    entities: bool = True
    entity_width: int = 60
    thresholds: dict[str, float] = field(default_factory=_default_thresholds)


@dataclass(frozen=True)
class PolicySettings:
    destination: str = "external"
    weak_encryption_protects: bool = False
    rules: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_RULES))


@dataclass(frozen=True)
class ApprovalSettings:
    public_key: str = ""
    private_key: str = ""
    recipient: str = ""


@dataclass(frozen=True)
class FingerprintSettings:
    """Registered documents and data (scanner/fingerprint/): off while `index` is empty."""

    index: str = ""
    key_file: str = ""
    k: int = 11
    window: int = 16
    min_prints: int = 2
    min_chars: int = 30
    max_doc_freq: int = 20
    max_passages: int = 10
    data_near_chars: int = 60
    data_min_chars: int = 2


@dataclass(frozen=True)
class ReportSettings:
    lang: str = "zh"  # the language of messages and reports when neither --lang nor MIJIAN_LANG is given
    csv_bom: bool = True  # CSV files start with a UTF-8 byte-order mark, so Excel reads the Chinese right


@dataclass(frozen=True)
class Config:
    scan: ScanSettings = field(default_factory=ScanSettings)
    detect: DetectSettings = field(default_factory=DetectSettings)
    policy: PolicySettings = field(default_factory=PolicySettings)
    approvals: ApprovalSettings = field(default_factory=ApprovalSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    register: FingerprintSettings = field(default_factory=FingerprintSettings)
    # The gateway daemon's settings ([watch], [[watch.inbox]]), validated by scanner.ingest.watch_config
    # when `mijian watch` starts, so a scan never fails on them.
    watch: dict = field(default_factory=dict)
    # Where a clustered scan's workers find the files ([cluster] path_map), validated by
    # scanner.cluster.settings when `mijian scan --cluster` starts.
    cluster: dict = field(default_factory=dict)
    source: str = "<built-in>"

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("source")
        return data

    def fingerprint(self) -> str:
        """A hash of every setting that can change a verdict (for reusing stored results)."""
        data = self.to_dict()
        data.pop("watch")  # where files come from does not change what they contain
        data.pop("cluster")
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


_SECTIONS = {"scan": ScanSettings, "detect": DetectSettings, "policy": PolicySettings,
             "approvals": ApprovalSettings, "report": ReportSettings, "register": FingerprintSettings}


def _check_type(key: str, value, default):
    expected = type(default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected is int and isinstance(value, bool) or not isinstance(value, expected):
        raise ConfigError(f"配置项 {key} 的类型应为 {expected.__name__}，实际为 {type(value).__name__} "
                          f"(setting {key} must be {expected.__name__}, got {value!r})")
    return value


def _validate(raw: dict, source: str) -> Config:
    sections = {}
    watch = raw.pop("watch", {})
    if not isinstance(watch, dict):
        raise ConfigError(f"配置项 watch 应为一节 (setting watch must be a table in {source})")
    cluster = raw.pop("cluster", {})
    if not isinstance(cluster, dict):
        raise ConfigError(f"配置项 cluster 应为一节 (setting cluster must be a table in {source})")
    for name, value in raw.items():
        if name not in _SECTIONS:
            raise ConfigError(f"未知配置节 [{name}] (unknown section [{name}] in {source})")
        if not isinstance(value, dict):
            raise ConfigError(f"配置项 {name} 应为一节 (setting {name} must be a table in {source})")
    for name, cls in _SECTIONS.items():
        given = dict(raw.get(name, {}))
        defaults = cls()
        values = {}
        for key, value in given.items():
            full = f"{name}.{key}"
            if not hasattr(defaults, key):
                raise ConfigError(f"未知配置项 {full} (unknown setting {full} in {source})")
            if full == "policy.rules":
                values[key] = _validate_rules(value)
            elif full == "detect.thresholds":
                values[key] = _validate_thresholds(value)
            else:
                values[key] = _check_type(full, value, getattr(defaults, key))
        sections[name] = cls(**values)
    _validate_values(sections)
    return Config(**sections, watch=watch, cluster=cluster, source=source)


def _validate_rules(value) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError("配置项 policy.rules 应为一节 (setting policy.rules must be a table)")
    rules = dict(DEFAULT_RULES)
    for code, verdict in value.items():
        key = f'policy.rules."{code}"'
        if code not in DEFAULT_RULES:
            raise ConfigError(f"未知规则 {key} (unknown rule {key}); 可用 / known: {', '.join(DEFAULT_RULES)}")
        if verdict not in VERDICTS:
            raise ConfigError(f"规则 {key} 的结论应为 allow/flag/block，实际为 {verdict!r} "
                              f"(rule {key} must be allow, flag or block)")
        if code in FAIL_CLOSED_RULES and verdict == "allow":
            raise ConfigError(f"规则 {key} 不能设为 allow：无法读取的文件必须拦截 "
                              f"(rule {key} cannot be allow: unreadable files fail closed)")
        rules[code] = verdict
    return rules


def _validate_thresholds(value) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ConfigError("配置项 detect.thresholds 应为一节 (setting detect.thresholds must be a table)")
    thresholds = _default_thresholds()
    for category, threshold in value.items():
        key = f"detect.thresholds.{category}"
        if category not in CATEGORIES:
            raise ConfigError(f"未知类别 {key} (unknown class {key}); 可用 / known: {', '.join(CATEGORIES)}")
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 < threshold <= 1.0:
            raise ConfigError(f"配置项 {key} 应为 (0, 1] 之间的数 (setting {key} must be a number in (0, 1])")
        thresholds[category] = float(threshold)
    return thresholds


def _validate_values(sections: dict) -> None:
    scan, detect, policy, report = sections["scan"], sections["detect"], sections["policy"], sections["report"]
    for key in ("max_file_size", "max_total_bytes", "max_members", "max_depth", "max_ratio",
                "ratio_min_bytes", "max_seconds", "max_memory", "ocr_page_seconds", "ocr_max_pixels",
                "ocr_max_pages"):
        if getattr(scan, key) <= 0:
            raise ConfigError(f"配置项 scan.{key} 必须大于 0 (scan.{key} must be positive)")
    if scan.ocr_threads < 0:
        raise ConfigError("配置项 scan.ocr_threads 不能为负 (scan.ocr_threads must not be negative)")
    if not 0.0 <= detect.classifier_weight <= 1.0:
        raise ConfigError("配置项 detect.classifier_weight 应在 [0, 1] 之间 (detect.classifier_weight must be in [0, 1])")
    if detect.context_window < 0:
        raise ConfigError("配置项 detect.context_window 不能为负 (detect.context_window must not be negative)")
    if detect.score_scale <= 0:
        raise ConfigError("配置项 detect.score_scale 必须大于 0 (detect.score_scale must be positive)")
    for key in ("window_chars", "boundary_max_chars", "raise_min", "handling_factor"):
        if getattr(detect, key) <= 0:
            raise ConfigError(f"配置项 detect.{key} 必须大于 0 (detect.{key} must be positive)")
    for key in ("repeat_bonus", "repeat_cap", "weak_gain", "weak_cap", "handled_cap", "specifics_min",
                "specifics_min_terms", "specifics_step", "specifics_max", "topic_weight",
                "short_text_chars", "short_details_min", "short_weight", "short_topic_min", "entity_width",
                "sensitivity_weight", "sensitivity_min_chars"):
        if getattr(detect, key) < 0:
            raise ConfigError(f"配置项 detect.{key} 不能为负 (detect.{key} must not be negative)")
    if not 0.0 < detect.topic_threshold <= 1.0:
        raise ConfigError("配置项 detect.topic_threshold 应在 (0, 1] 之间 (detect.topic_threshold must be in (0, 1])")
    for key in ("sensitivity_min", "sensitivity_handled_min"):
        if not 0.0 < getattr(detect, key) <= 1.0:
            raise ConfigError(f"配置项 detect.{key} 应在 (0, 1] 之间 (detect.{key} must be in (0, 1])")
    if not 0.0 < detect.topic_evidence_min <= 1.0:
        raise ConfigError("配置项 detect.topic_evidence_min 应在 (0, 1] 之间 (detect.topic_evidence_min must be in (0, 1])")
    if detect.context_chars < 0:
        raise ConfigError("配置项 detect.context_chars 不能为负 (detect.context_chars must not be negative)")
    if policy.destination not in ("external", "internal"):
        raise ConfigError("配置项 policy.destination 应为 external 或 internal "
                          "(policy.destination must be external or internal)")
    fp = sections["register"]
    for key in ("k", "window", "min_prints", "max_doc_freq", "max_passages", "data_min_chars"):
        if getattr(fp, key) <= 0:
            raise ConfigError(f"配置项 register.{key} 必须大于 0 (register.{key} must be positive)")
    for key in ("min_chars", "data_near_chars"):
        if getattr(fp, key) < 0:
            raise ConfigError(f"配置项 register.{key} 不能为负 (register.{key} must not be negative)")
    if report.lang not in ("zh", "en"):
        raise ConfigError("配置项 report.lang 应为 zh 或 en (report.lang must be zh or en)")


def parse_config(text: str, source: str = "<string>") -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {source} 不是有效的 TOML：{exc} (invalid TOML in {source})") from exc
    return _validate(copy.deepcopy(raw), source)


# Where settings are found when neither --config nor $MIJIAN_CONFIG names a file: the system's file
# ($MIJIAN_SYSTEM_CONFIG replaces its path, for tests and unusual layouts), then the user's.
SYSTEM_ENV_VAR = "MIJIAN_SYSTEM_CONFIG"
SYSTEM_CONFIG = "/etc/mijian/mijian.toml"
# How a settings file was found: (Chinese, English), for `mijian -v`.
FOUND_BY = {"option": ("--config", "--config"), "env": ("环境变量 MIJIAN_CONFIG", "$MIJIAN_CONFIG"),
            "system": ("系统配置", "system config"), "user": ("用户配置", "user config"),
            "built-in": ("内置默认值", "built-in defaults")}


def find_config(path: str | os.PathLike | None = None) -> tuple[Path | None, str]:
    """The settings file to read and how it was found (a key of FOUND_BY): the given path, else
    $MIJIAN_CONFIG, else /etc/mijian/mijian.toml, else mijian.toml in the user's config dir, else none."""
    if path:
        return Path(path), "option"
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]), "env"
    system = Path(os.environ.get(SYSTEM_ENV_VAR) or SYSTEM_CONFIG)
    if system.is_file():
        return system, "system"
    import platformdirs

    user = Path(platformdirs.user_config_dir("mijian")) / "mijian.toml"
    if user.is_file():
        return user, "user"
    return None, "built-in"


def configured_db(config: Config) -> str:
    """The database `[watch] db` names ("" for none): every command opens it (scanner.commands.resolve_db)."""
    value = config.watch.get("db", "")
    if not isinstance(value, str):
        raise ConfigError(f"配置项 watch.db：类型应为 str，实际为 {type(value).__name__} "
                          f"(setting watch.db: must be str, got {value!r})")
    return value


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Load settings from the file find_config chooses, else the built-in defaults."""
    path, _ = find_config(path)
    if path is None:
        return Config()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {p}：{exc.strerror} (cannot read config file {p})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"配置文件 {p} 不是 UTF-8 编码 (config file {p} is not UTF-8)") from exc
    return parse_config(text, str(p))
