"""[watch] validation: every bad key is refused by name, Chinese first; the CLI exits 2 before starting."""

from __future__ import annotations

import pytest

from scanner.cli import main
from scanner.config import parse_config
from scanner.errors import ConfigError
from scanner.ingest.watch_config import UNKNOWN_RECIPIENT, inbox_config, parse_watch


def _config(tmp_path, watch: str, inbox: str = 'path = "{inbox}"'):
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
    config = parse_config(f'[watch]\nspool = "{tmp_path / "spool"}"\n[[watch.inbox]]\npath = "{tmp_path / "to-acme.com"}"\n'
                          'recipient_from = "folder"\nfolder_pattern = "^to-(?P<recipient>.+)$"\n'
                          f'[[watch.inbox]]\nname = "meta"\npath = "{tmp_path / "m"}"\nrecipient_from = "sidecar"\n')
    folder, sidecar = parse_watch(config).inboxes
    assert folder.recipient_for(None) == "acme.com"
    assert sidecar.recipient_for({"recipient": "外方公司"}) == "外方公司"
    assert sidecar.recipient_for(None) == UNKNOWN_RECIPIENT  # matches no approval: fails closed


def test_cli_refuses_to_start_on_bad_config_with_exit_2(tmp_path, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(f'[watch]\nspool = "{tmp_path / "spool"}"\nworkers = 0\n[[watch.inbox]]\npath = "{tmp_path / "in"}"\n',
                   encoding="utf-8")
    assert main(["watch", "--config", str(cfg)]) == 2
    assert "watch.workers" in capsys.readouterr().err


def test_cli_check_accepts_good_config(tmp_path, capsys):
    cfg = tmp_path / "good.toml"
    cfg.write_text(f'[watch]\nspool = "{tmp_path / "spool"}"\n[[watch.inbox]]\npath = "{tmp_path / "in"}"\n',
                   encoding="utf-8")
    assert main(["watch", "--config", str(cfg), "--check"]) == 0
    assert "配置有效" in capsys.readouterr().err
