"""The seeds of a campaign on a Dask cluster: an existing scheduler's, or a LocalCluster of N worker
processes (`local:N`), each worker one thread (a run is one busy thread).

A worker that dies mid-seed loses nothing: the scheduler gives its task to another worker, and a seed's
run is idempotent (`zorka.run.campaign.run_seed`). A seed whose run raises is not tried again: it is
reported, as on the local pool. The same holds for the completion of a seed's folder
(`zorka.run.campaign.complete_seed`).
"""

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

LOCAL = re.compile(r"local:([1-9][0-9]{0,2})")
LOCAL_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.monitor-interval": "2s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.tick.interval": "1s",
}
"""Dask's settings for a LocalCluster (local:N), its workers started with them: a worker's event loop
takes the GIL from the seed's thread for each of its periodic checks, and the defaults (a stack sample of
the running task every 10 ms for the dashboard's profile, which local:N has not; a memory check every
100 ms, a loop check every 20 ms, system figures every 500 ms) cost 10-20 % of a seed's CPU."""


def check_dask_address(text: str) -> str:
    """`local:N` (N from 1 to 999) or a scheduler's address such as tcp://127.0.0.1:8786; ValueError
    naming the forms otherwise."""
    if LOCAL.fullmatch(text) or (
        not text.startswith("local:") and re.fullmatch(r"(tcp|tls|inproc|ucx)://\S+|[\w.-]+:\d+", text)
    ):
        return text
    raise ValueError(
        f"{text!r} is neither local:N (N worker processes here, 1-999) nor a scheduler's address such as "
        "tcp://127.0.0.1:8786"
    )


def _client(address: str):
    """A dask.distributed Client of the scheduler at `address`, or of a new LocalCluster for local:N."""
    from distributed import Client, LocalCluster

    local = LOCAL.fullmatch(address)
    if local is None:
        return Client(address, timeout="10s")
    cluster = LocalCluster(
        n_workers=int(local.group(1)),
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    return Client(cluster)


@contextmanager
def dask_engine(address: str) -> Iterator[Callable[..., bool]]:
    """The cluster at `address` as a campaign's engine (`zorka.run.campaign.Engine`): `run(kind, calls,
    finish, meanwhile)` runs `calls` (key -> (function, *arguments)) as tasks, calls `meanwhile()` here
    once they are submitted and `finish(future, key)` as each ends; on Ctrl-C it cancels the tasks that
    have not ended and returns False. A LocalCluster (local:N) is closed on leaving."""
    import dask
    from distributed import as_completed

    campaign = uuid.uuid4().hex[:12]  # keys unique on a scheduler that other campaigns share
    settings = LOCAL_CONFIG if LOCAL.fullmatch(address) else {}
    with dask.config.set(settings), _client(address) as client:

        def run(
            kind: str,
            calls: dict[int, tuple],
            finish: Callable[[Any, int], None],
            meanwhile: Callable[[], None] | None = None,
        ) -> bool:
            futures = {
                client.submit(function, *arguments, key=f"zorka-{campaign}-{kind}-{key}", pure=False): key
                for key, (function, *arguments) in calls.items()
            }
            try:
                if meanwhile is not None:
                    meanwhile()
                for future in as_completed(futures):
                    finish(future, futures[future])
            except KeyboardInterrupt:  # the tasks not ended are cancelled: seeds count as not started
                client.cancel(list(futures))
                return False
            return True

        try:
            yield run
        finally:
            if LOCAL.fullmatch(address):
                client.cluster.close()
