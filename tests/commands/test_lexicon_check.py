"""`mijian lexicon check` refuses a path it cannot check instead of reporting "0 problems"."""

from __future__ import annotations

import pytest

from scanner.cli import main
from scanner.commands import EXIT_USAGE


def _lexicons(root):
    folder = root / "lex"
    folder.mkdir()
    (folder / "defense.txt").write_text("作战部署\t2.0\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("name, zh, en", [
    ("missing", "词表目录不存在", "lexicon folder not found"),
    ("missing.txt", "词表目录不存在", "lexicon folder not found"),
    ("lex/defense.txt", "不是目录", "not a folder"),
    ("empty", "目录中没有词表文件", "no lexicon files such as defense.txt in"),
])
def test_a_path_that_cannot_be_checked_is_a_usage_error(tmp_path, capsys, name, zh, en):
    _lexicons(tmp_path)
    (tmp_path / "empty").mkdir()
    path = str(tmp_path / name)
    assert main(["lexicon", "check", path]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""  # no "0 problems"
    assert captured.err.startswith(f"错误：{zh}") and f"({en}" in captured.err and path in captured.err
    assert main(["--lang", "en", "lexicon", "check", path]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"error: {en}") and path in err and "词" not in err


@pytest.mark.parametrize("setting, zh", [("other_lexicon", "保密事项范围词表不存在"), ("allow_list", "允许列表不存在")])
def test_a_configured_list_that_is_missing_is_a_usage_error(tmp_path, capsys, setting, zh):
    folder = _lexicons(tmp_path)
    config = tmp_path / "m.toml"
    config.write_text(f'[detect]\n{setting} = "{(tmp_path / "gone.txt").as_posix()}"\n', encoding="utf-8")
    assert main(["lexicon", "check", str(folder), "--config", str(config)]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == "" and zh in captured.err and "gone.txt" in captured.err


def test_an_existing_folder_is_still_checked(tmp_path, capsys):
    folder = _lexicons(tmp_path)
    assert main(["lexicon", "check", str(folder)]) == 0
    assert capsys.readouterr().out == f"0 个问题 ({folder})\n"
