"""A batch whose worker dies after computing it, before the client has taken its result: dask marks the
future lost and computes it again elsewhere. The client's loop must wait for that, not stop the run as if
the scheduler were gone (it did, at random, when a worker was killed mid-run)."""

from __future__ import annotations

import os
import signal
import time

from scanner.cluster.batches import BatchLoop
from scanner.cluster.client import ClusterBackend
from scanner.config import parse_config


def _double(value: int) -> int:
    return value * 2


def test_a_batch_lost_with_its_worker_is_waited_for_again():
    from distributed import as_completed

    config = parse_config('[detect]\nmodel = ""\nsensitivity_model = ""\nentities = false\n')
    with ClusterBackend("local:2", config) as backend:
        client = backend.client
        loop = BatchLoop(client, None, None, None, backend.settings)
        loop.completed = as_completed()
        future = client.submit(_double, 21, pure=False)
        loop.inflight[future] = ["the batch"]
        loop.completed.add(future)
        assert next(loop.completed) is future and future.status == "finished"
        # The worker holding the result dies before the client collects it.
        holder = next(iter(client.who_has([future])[future.key]))
        pids = backend.worker_pids()
        os.kill(pids[holder], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while future.status == "finished" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert future.status == "lost"
        loop._collect(future)  # raised ClusterError ("lost the scheduler") before
        assert loop.inflight == {future: ["the batch"]}  # still in flight, waited for again
        again = next(loop.completed)
        assert again is future and future.status == "finished" and future.result() == 42
