"""Connecting a scan to Dask: a scheduler's address, or a LocalCluster of worker processes on this machine.

    with ClusterBackend("local:2", config) as backend:
        run = scan_paths(paths, config, store=store, backend=backend)

`--cluster local:N` starts N worker processes with one thread each (the readers under them are the
parallelism), bound to 127.0.0.1, without a dashboard. `--cluster tcp://host:8786` connects to a running
scheduler (`dask scheduler`, `dask worker ... --nthreads 1`; see the README).
"""

from __future__ import annotations

import logging
import os
from typing import Iterator

from scanner.cluster.settings import cluster_settings, parse_address
from scanner.config import Config
from scanner.errors import ClusterError
from scanner.ingest.walk import Entry
from scanner.model import ItemResult

CONNECT_SECONDS = 30.0  # to reach the scheduler, and for a first worker to be there


def _require_dask():
    try:
        import distributed
    except ImportError:
        raise ClusterError("集群扫描需要 dask：pip install 'mijian[cluster]' "
                           "(a clustered scan needs dask: pip install 'mijian[cluster]')") from None
    return distributed


class ClusterBackend:
    """The `backend` of scan_paths that decides files on a Dask cluster (see batches.py)."""

    def __init__(self, spec: str, config: Config, *, connect_seconds: float = CONNECT_SECONDS):
        self.spec = spec
        self.address, self.local_workers = parse_address(spec)
        self.settings = cluster_settings(config.cluster, config.source)
        self.connect_seconds = connect_seconds
        self.cluster = None
        self.client = None

    def __enter__(self) -> "ClusterBackend":
        distributed = _require_dask()
        try:
            if self.local_workers is not None:
                self.cluster = distributed.LocalCluster(
                    n_workers=self.local_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                    dashboard_address=None, silence_logs=logging.ERROR)
                self.client = distributed.Client(self.cluster)
            else:
                self.client = distributed.Client(self.address, timeout=self.connect_seconds)
            self.client.wait_for_workers(1, timeout=self.connect_seconds)
        except (OSError, TimeoutError) as exc:
            self.__exit__(None, None, None)
            raise ClusterError(f"无法连接集群 {self.spec}：{exc} (cannot reach the cluster {self.spec})") from exc
        return self

    def __exit__(self, *exc) -> None:
        for part in (self.client, self.cluster):
            if part is not None:
                try:
                    part.close()
                except Exception:  # closing after a lost scheduler: nothing more to release
                    pass
        self.client = self.cluster = None

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> process id (the tests kill one)."""
        return self.client.run(os.getpid)

    def __call__(self, scanner, entries: Iterator[Entry], store, run_id) -> Iterator[list[ItemResult]]:
        from scanner.cluster.batches import BatchLoop

        if self.client is None:
            raise ClusterError("集群未连接 (the cluster backend is used outside its `with` block)")
        return BatchLoop(self.client, scanner, store, run_id, self.settings).run(entries)
