"""`--cluster` and the config's [cluster] section: addresses, path mapping, and errors naming the key."""

from __future__ import annotations

import pytest

from scanner.cluster.settings import cluster_settings, parse_address
from scanner.config import parse_config
from scanner.errors import ConfigError


@pytest.mark.parametrize("spec, expected", [
    ("local:2", ("local", 2)), ("local:1", ("local", 1)),
    ("tcp://10.0.0.5:8786", ("tcp://10.0.0.5:8786", None)), ("scheduler:8786", ("scheduler:8786", None)),
])
def test_addresses(spec, expected):
    assert parse_address(spec) == expected


@pytest.mark.parametrize("path, mapped", [
    (b"/mnt/archive/a/b.docx", b"/srv/nfs/archive/a/b.docx"),
    (b"/mnt/archive", b"/srv/nfs/archive"),
    (b"/mnt/archive2/x", b"/data/x"),  # the longest prefix wins, and only at a folder boundary
    (b"/mnt/archived/x", b"/mnt/archived/x"),
    (b"/elsewhere/\xb7\xbd.txt", b"/elsewhere/\xb7\xbd.txt"),  # a GBK name passes unchanged
])
def test_path_map(path, mapped):
    config = parse_config('[cluster]\npath_map = [["/mnt/archive", "/srv/nfs/archive/"], ["/mnt/archive2", "/data"]]\n')
    assert cluster_settings(config.cluster).worker_path(path) == mapped


@pytest.mark.parametrize("section, key", [
    ('path_map = "/a"', "cluster.path_map"), ('path_map = [["/a"]]', "cluster.path_map"),
    ("batch_size = 0", "cluster.batch_size"), ("batches_per_worker = true", "cluster.batches_per_worker"),
    ("workers = 3", "cluster.workers"),
])
def test_bad_settings_name_the_key(section, key):
    config = parse_config(f"[cluster]\n{section}\n")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        cluster_settings(config.cluster)


def test_the_cluster_section_does_not_change_the_config_fingerprint():
    assert parse_config('[cluster]\nbatch_size = 8\n').fingerprint() == parse_config("").fingerprint()
