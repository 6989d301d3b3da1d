"""What a clustered scan is told: where the cluster is (`--cluster`) and the config's [cluster] section.

```toml
[cluster]
path_map = [["/mnt/archive", "/srv/nfs/archive"]]  # client prefix -> the same files on a worker
batch_size = 32                                     # files per task
batches_per_worker = 3                              # tasks in flight per worker thread
```
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from scanner.errors import ConfigError

_LOCAL = re.compile(r"^local(?::(\d+))?$")


@dataclass(frozen=True)
class ClusterSettings:
    # (client prefix, worker prefix) as bytes of the file names; the longest matching prefix applies.
    path_map: tuple[tuple[bytes, bytes], ...] = ()
    batch_size: int = 32
    batches_per_worker: int = 3

    def worker_path(self, path: bytes) -> bytes:
        """The name of the same file on a worker (shared storage mounted elsewhere)."""
        for client, worker in self.path_map:
            prefix = client.rstrip(b"/")
            if path == prefix or path.startswith(prefix + b"/"):
                return worker.rstrip(b"/") + path[len(prefix):]
        return path


def parse_address(spec: str) -> tuple[str, int | None]:
    """`local:N` -> ("local", N): a LocalCluster of N worker processes; else a scheduler address."""
    match = _LOCAL.match(spec.strip())
    if match:
        workers = int(match.group(1) or (os.cpu_count() or 1))
        if workers < 1:
            raise ConfigError(f"--cluster {spec}：工作进程数须大于 0 (the number of workers must be positive)")
        return "local", workers
    if spec.strip().startswith("local") or ("://" not in spec and ":" not in spec):
        raise ConfigError(f"--cluster {spec}：应为 tcp://主机:端口 或 local:N "
                          f"(expected a scheduler address tcp://host:port, or local:N)")
    return spec.strip(), None


def cluster_settings(raw: dict, source: str = "config") -> ClusterSettings:
    """The [cluster] section, checked; a key is named in every message."""
    known = {"path_map", "batch_size", "batches_per_worker"}
    for key in raw:
        if key not in known:
            raise ConfigError(f"未知配置项 cluster.{key} (unknown setting cluster.{key} in {source})")
    pairs = raw.get("path_map", [])
    if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) and x for x in p) for p in pairs):
        raise ConfigError('配置项 cluster.path_map 应为 [["客户端前缀", "工作节点前缀"], …] '
                          '(cluster.path_map must be a list of ["client prefix", "worker prefix"] pairs)')
    mapping = sorted(((os.fsencode(a), os.fsencode(b)) for a, b in pairs), key=lambda p: -len(p[0]))
    values = {}
    for key in ("batch_size", "batches_per_worker"):
        value = raw.get(key, getattr(ClusterSettings, key))
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"配置项 cluster.{key} 应为正整数 (cluster.{key} must be a positive integer)")
        values[key] = value
    return ClusterSettings(path_map=tuple(mapping), **values)
