"""Settings: defaults in code equal configs/default.toml, and bad settings are refused by name."""

from pathlib import Path

import pytest

from scanner.config import Config, load_config, parse_config
from scanner.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_default_toml_equals_builtin_defaults():
    assert load_config(ROOT / "configs" / "default.toml").to_dict() == Config().to_dict()


def test_partial_file_overrides_only_its_keys():
    config = parse_config('[policy.rules]\n"content.sensitive" = "block"\n[detect.thresholds]\ndefense = 0.8\n')
    assert config.policy.rules["content.sensitive"] == "block"
    assert config.policy.rules["marking.national_secret"] == "block"
    assert config.detect.thresholds["defense"] == 0.8
    assert config.detect.thresholds["economy"] == 0.5
    assert config.scan.max_file_size == Config().scan.max_file_size


@pytest.mark.parametrize(
    "text, key",
    [
        ("[scan]\nmax_files = 3\n", "scan.max_files"),
        ("[scna]\n", "[scna]"),
        ("[scan]\nmax_file_size = \"big\"\n", "scan.max_file_size"),
        ("[scan]\nmax_file_size = 0\n", "scan.max_file_size"),
        ("[scan]\nfollow_symlinks = 1\n", "scan.follow_symlinks"),
        ('[policy.rules]\n"content.sensitive" = "maybe"\n', '"content.sensitive"'),
        ('[policy.rules]\n"content.nonsense" = "flag"\n', '"content.nonsense"'),
        ('[policy.rules]\n"scan.unreadable" = "allow"\n', '"scan.unreadable"'),
        ("[policy]\ndestination = \"abroad\"\n", "policy.destination"),
        ("[detect.thresholds]\ndefense = 1.5\n", "detect.thresholds.defense"),
        ("[detect.thresholds]\nweather = 0.5\n", "detect.thresholds.weather"),
        ("[report]\nlang = \"fr\"\n", "report.lang"),
        ("[detect]\nclassifier_weight = 1.5\n", "detect.classifier_weight"),
        ("[scan]\nmax_depth = 0\n", "scan.max_depth"),
        ("[scan\n", "TOML"),
    ],
)
def test_bad_settings_name_the_key(text, key):
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert key in str(info.value)


def test_precedence_argument_then_environment_then_builtin(tmp_path, monkeypatch):
    env_file = tmp_path / "env.toml"
    env_file.write_text('[report]\nlang = "en"\n', encoding="utf-8")
    arg_file = tmp_path / "arg.toml"
    arg_file.write_text("[scan]\nmax_file_size = 10\n", encoding="utf-8")
    monkeypatch.setenv("MIJIAN_CONFIG", str(env_file))
    assert load_config().report.lang == "en"
    from_arg = load_config(arg_file)
    assert from_arg.scan.max_file_size == 10 and from_arg.report.lang == "zh"
    monkeypatch.delenv("MIJIAN_CONFIG")
    assert load_config().source == "<built-in>"


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="无法读取配置文件"):
        load_config(tmp_path / "nope.toml")


def test_fingerprint_changes_with_a_verdict_setting():
    a = parse_config("")
    b = parse_config('[policy.rules]\n"content.sensitive" = "block"\n')
    assert a.fingerprint() == Config().fingerprint()
    assert a.fingerprint() != b.fingerprint()
