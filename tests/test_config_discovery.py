"""Where settings come from (--config, $MIJIAN_CONFIG, /etc/mijian/mijian.toml, the user's config dir,
built-in defaults), and the global -q / -v options."""

from __future__ import annotations

import pytest

from scanner.cli import main
from scanner.config import find_config, load_config

ORDER = ["option", "env", "system", "user"]


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Four settings files, each with its own [report] lang or context, none of them used unless chosen."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIJIAN_CONFIG", raising=False)
    monkeypatch.delenv("MIJIAN_LANG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    files = {"option": tmp_path / "given.toml", "env": tmp_path / "env.toml",
             "system": tmp_path / "etc" / "mijian" / "mijian.toml",
             "user": tmp_path / "home-config" / "mijian" / "mijian.toml"}
    monkeypatch.setenv("MIJIAN_SYSTEM_CONFIG", str(files["system"]))
    return files


def _write(path, context_chars: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"[detect]\ncontext_chars = {context_chars}\n", encoding="utf-8")


@pytest.mark.parametrize("present", [ORDER[i:] for i in range(len(ORDER))] + [["system"], ["user"], []])
def test_the_first_place_that_names_a_file_wins(places, monkeypatch, present):
    for i, way in enumerate(present):
        _write(places[way], 10 + ORDER.index(way))
    if "env" in present:
        monkeypatch.setenv("MIJIAN_CONFIG", str(places["env"]))
    given = str(places["option"]) if "option" in present else None
    path, how = find_config(given)
    config = load_config(given)
    if present:
        assert (path, how) == (places[present[0]], present[0])
        assert config.detect.context_chars == 10 + ORDER.index(present[0])
        assert config.source == str(places[present[0]])
    else:
        assert (path, how) == (None, "built-in")
        assert config.source == "<built-in>"


def test_a_bad_discovered_file_is_a_config_error(places, capsys):
    places["system"].parent.mkdir(parents=True)
    places["system"].write_text("[detect\n", encoding="utf-8")
    assert main(["lexicon", "check"]) == 2
    assert str(places["system"]) in capsys.readouterr().err


@pytest.mark.parametrize("way", ["option", "env", "system", "user"])
@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_names_the_config_and_how_it_was_found(places, monkeypatch, capsys, way, where):
    _write(places[way], 30)
    if way == "env":
        monkeypatch.setenv("MIJIAN_CONFIG", str(places["env"]))
    extra = ["--config", str(places["option"])] if way == "option" else []
    argv = ["-v", "audit", "verify", *extra] if where == "before" else ["audit", "verify", "--verbose", *extra]
    assert main(argv) == 0
    err = capsys.readouterr().err
    label = {"option": "--config", "env": "环境变量 MIJIAN_CONFIG", "system": "系统配置", "user": "用户配置"}[way]
    assert f"配置：{places[way]}（{label}）" in err
    assert f"数据库：{places['option'].parent / 'data' / 'mijian' / 'mijian.db'}（默认位置）" in err


def test_verbose_in_english(places, capsys):
    assert main(["--lang", "en", "-v", "audit", "verify"]) == 0
    err = capsys.readouterr().err
    assert "config: built-in defaults" in err and "database: " in err and "(the default location)" in err


def test_without_verbose_nothing_is_said_about_config_or_database(places, capsys):
    assert main(["audit", "verify"]) == 0
    err = capsys.readouterr().err
    assert "配置：" not in err and "数据库：" not in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_leaves_only_the_output_asked_for(places, capsys, where):
    (places["option"].parent / "docs").mkdir()
    (places["option"].parent / "docs" / "a.txt").write_text("关于春节放假安排的通知\n", encoding="utf-8")
    base = ["scan", "docs", "--format", "jsonl", "-o", "out.jsonl", "--config", "given.toml"]
    _write(places["option"], 30)
    assert main(base) == 0
    loud = capsys.readouterr().err
    assert "已写入" in loud and "共" in loud  # the notice and the summary line
    argv = ["-q", *base] if where == "before" else [*base, "--quiet"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert err == "" and out == ""
    assert (places["option"].parent / "out.jsonl").read_text(encoding="utf-8").count("\n") == 1


def test_quiet_still_reports_errors(places, capsys):
    assert main(["-q", "report", "--since", "yesterday", "--html", "r.html"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_quiet_report_says_nothing_when_written(places, capsys):
    assert main(["report", "--since", "2000-01-01", "--html", "r.html"]) == 0
    assert "报告已写入" in capsys.readouterr().err
    assert main(["report", "--since", "2000-01-01", "--html", "r2.html", "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_quiet_and_verbose_together_are_refused(places, capsys):
    assert main(["-q", "-v", "audit", "verify"]) == 2
    assert "-q" in capsys.readouterr().err


def test_watch_finds_the_system_config(places, capsys):
    inbox = places["option"].parent / "inbox"
    inbox.mkdir()
    places["system"].parent.mkdir(parents=True)
    places["system"].write_text("\n".join([
        "[watch]", f'spool = "{(places["option"].parent / "spool").as_posix()}"',
        "[[watch.inbox]]", 'name = "out"', f'path = "{inbox.as_posix()}"', ""]), encoding="utf-8")
    assert main(["watch", "--check"]) == 0
    assert "配置有效" in capsys.readouterr().err
    assert main(["watch", "--check", "-q"]) == 0
    assert capsys.readouterr().err == ""
