"""[watch] validation: every bad key is refused by name, Chinese first; the CLI exits 2 before starting.
Inboxes must exist (unless `create = true`) and may not lie inside one another or the spool."""

from __future__ import annotations

import pytest

from scanner.cli import main
from scanner.config import parse_config
from scanner.errors import ConfigError
from scanner.ingest.watch_config import UNKNOWN_RECIPIENT, inbox_config, parse_watch


def _config(tmp_path, watch: str, inbox: str = 'path = "{inbox}"'):
    (tmp_path / "in").mkdir(exist_ok=True)
    text = f'[watch]\nspool = "{tmp_path / "spool"}"\n{watch}\n[[watch.inbox]]\n{inbox.format(inbox=tmp_path / "in")}\n'
    return parse_config(text)


@pytest.mark.parametrize("watch, inbox, key", [
    ("workers = 0", 'path = "{inbox}"', "watch.workers"),
    ("queue_size = true", 'path = "{inbox}"', "watch.queue_size"),
    ("stability_seconds = -1", 'path = "{inbox}"', "watch.stability_seconds"),
    ("metrics_host = \"0.0.0.0\"", 'path = "{inbox}"', "watch.metrics_host"),
    ("metrics_port = 70000", 'path = "{inbox}"', "watch.metrics_port"),
    ("colour = 1", 'path = "{inbox}"', "watch.colour"),
    ("", 'path = "{inbox}"\ndestination = "abroad"', "watch.inbox[0].destination"),
    ("", 'path = "{inbox}"\nrecipient_from = "folder"', "watch.inbox[0].folder_pattern"),
    ("", 'path = "{inbox}"\nrecipient_from = "folder"\nfolder_pattern = "("', "watch.inbox[0].folder_pattern"),
    ("", 'name = "a/b"\npath = "{inbox}"', "watch.inbox[0].name"),
    ("", 'destination = "internal"', "watch.inbox[0].path"),
    ("[watch.notify]\nsmtp_host = \"127.0.0.1\"", 'path = "{inbox}"', "watch.notify.mail_to"),
    ("[watch.notify]\nwebhook_url = \"ftp://x\"", 'path = "{inbox}"', "watch.notify.webhook_url"),
])
def test_bad_settings_name_their_key(tmp_path, watch, inbox, key):
    if watch.startswith("[watch.notify]"):
        (tmp_path / "in").mkdir()
        text = (f'[watch]\nspool = "{tmp_path / "spool"}"\n[[watch.inbox]]\n{inbox.format(inbox=tmp_path / "in")}\n'
                f'{watch}\n')
        config = parse_config(text)
    else:
        config = _config(tmp_path, watch, inbox)
    with pytest.raises(ConfigError) as info:
        parse_watch(config)
    message = str(info.value)
    assert key in message and message.startswith("配置项")
    assert "(" in message  # the English twin follows


def test_no_inbox_and_no_spool_are_refused():
    with pytest.raises(ConfigError, match="watch.spool"):
        parse_watch(parse_config("[watch]\n"))
    with pytest.raises(ConfigError, match=r"watch\.inbox"):
        parse_watch(parse_config('[watch]\nspool = "/tmp/x"\n'))


def test_inbox_config_carries_destination_and_recipient(tmp_path):
    config = _config(tmp_path, "", 'path = "{inbox}"\ndestination = "internal"\nrecipient = "acme"')
    settings = parse_watch(config)
    box = settings.inboxes[0]
    decided = inbox_config(config, box)
    assert decided.policy.destination == "internal" and decided.approvals.recipient == "acme"
    assert config.policy.destination == "external"  # the base config is not changed


def test_recipient_from_folder_and_sidecar(tmp_path):
    (tmp_path / "to-acme.com").mkdir()
    (tmp_path / "m").mkdir()
    config = parse_config(f'[watch]\nspool = "{tmp_path / "spool"}"\n[[watch.inbox]]\npath = "{tmp_path / "to-acme.com"}"\n'
                          'recipient_from = "folder"\nfolder_pattern = "^to-(?P<recipient>.+)$"\n'
                          f'[[watch.inbox]]\nname = "meta"\npath = "{tmp_path / "m"}"\nrecipient_from = "sidecar"\n')
    folder, sidecar = parse_watch(config).inboxes
    assert folder.recipient_for(None) == "acme.com"
    assert sidecar.recipient_for({"recipient": "外方公司"}) == "外方公司"
    assert sidecar.recipient_for(None) == UNKNOWN_RECIPIENT  # matches no approval: fails closed


def test_cli_refuses_a_bad_config_with_exit_2(tmp_path, capsys):
    # In process, so --check (a message for a person); the daemon's JSON line: test_lifecycle.py.
    cfg = tmp_path / "bad.toml"
    (tmp_path / "in").mkdir()
    cfg.write_text(f'[watch]\nspool = "{tmp_path / "spool"}"\nworkers = 0\n[[watch.inbox]]\npath = "{tmp_path / "in"}"\n',
                   encoding="utf-8")
    assert main(["watch", "--config", str(cfg), "--check"]) == 2
    assert "watch.workers" in capsys.readouterr().err


def test_cli_check_accepts_good_config(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    cfg = tmp_path / "good.toml"
    cfg.write_text(f'[watch]\nspool = "{tmp_path / "spool"}"\n[[watch.inbox]]\npath = "{tmp_path / "in"}"\n',
                   encoding="utf-8")
    assert main(["watch", "--config", str(cfg), "--check"]) == 0
    assert "配置有效" in capsys.readouterr().err


def _inboxes(tmp_path, *tables: str, spool: str = "spool") -> str:
    text = f'[watch]\nspool = "{tmp_path / spool}"\n'
    return text + "".join(f"[[watch.inbox]]\n{t}\n" for t in tables)


@pytest.mark.parametrize("tables, spool, key, words", [
    (('name = "a"\npath = "{t}/out"', 'name = "b"\npath = "{t}/out/acme"'), "spool", "watch.inbox[1].path",
     "inside inbox[0] (a)"),
    (('name = "a"\npath = "{t}/out/acme"', 'name = "b"\npath = "{t}/out"'), "spool", "watch.inbox[0].path",
     "inside inbox[1] (b)"),
    (('name = "a"\npath = "{t}/out"', 'name = "b"\npath = "{t}/out/../out"'), "spool", "watch.inbox[1].path",
     "same folder as inbox[0]"),
    (('name = "a"\npath = "{t}/out"',), "out/.spool", "watch.inbox[0].path", "cannot be inside an inbox"),
    (('name = "a"\npath = "{t}/spool/released/x"',), "spool", "watch.inbox[0].path", "inside one"),
])
def test_nested_folders_are_refused(tmp_path, tables, spool, key, words):
    for folder in ("out/acme", "spool/released/x"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    config = parse_config(_inboxes(tmp_path, *(t.format(t=tmp_path) for t in tables), spool=spool))
    with pytest.raises(ConfigError) as info:
        parse_watch(config)
    assert key in str(info.value) and words in str(info.value)


def test_a_missing_inbox_is_an_error_unless_create_is_set(tmp_path):
    missing = tmp_path / "outbxo"  # a typo
    with pytest.raises(ConfigError, match=r"watch\.inbox\[0\]\.path.*create = true"):
        parse_watch(parse_config(_inboxes(tmp_path, f'path = "{missing}"')))
    assert not missing.exists()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="不是目录"):
        parse_watch(parse_config(_inboxes(tmp_path, f'path = "{tmp_path / "file"}"')))
    with pytest.raises(ConfigError, match=r"watch\.inbox\[0\]\.create"):
        parse_watch(parse_config(_inboxes(tmp_path, f'path = "{missing}"\ncreate = "yes"')))
    settings = parse_watch(parse_config(_inboxes(tmp_path, f'path = "{missing}"\ncreate = true')))
    assert settings.inboxes[0].create and missing.is_dir()


def test_cli_check_refuses_a_misspelt_or_nested_inbox(tmp_path, capsys):
    (tmp_path / "out" / "acme").mkdir(parents=True)
    cfg = tmp_path / "watch.toml"
    cfg.write_text(_inboxes(tmp_path, f'path = "{tmp_path / "otu"}"'), encoding="utf-8")
    assert main(["watch", "--config", str(cfg), "--check"]) == 2
    assert "watch.inbox[0].path" in capsys.readouterr().err and not (tmp_path / "otu").exists()
    cfg.write_text(_inboxes(tmp_path, f'name = "a"\npath = "{tmp_path / "out"}"',
                            f'name = "b"\npath = "{tmp_path / "out" / "acme"}"'), encoding="utf-8")
    assert main(["watch", "--config", str(cfg), "--check"]) == 2
    assert "watch.inbox[1].path" in capsys.readouterr().err


def test_stop_timeout_must_be_positive(tmp_path):
    with pytest.raises(ConfigError, match="watch.stop_timeout"):
        parse_watch(_config(tmp_path, "stop_timeout = 0"))
    assert parse_watch(_config(tmp_path, "")).stop_timeout == 30.0
