"""The export's per-file work as tasks on a Dask distributed cluster.

Owns only the scheduling: each file is one task running `run.export_one` (the function rtlog's
own processes run), submitted a window ahead and gathered in input order, so the tables are
the same as a local run's and the client holds a few files' rows at a time. Workers read
their inputs themselves: local paths must be visible to them (a shared filesystem), URLs
(`s3://…`, `gs://…`) are opened with fsspec on the worker. Needs `pip install 'rtlog[fleet]'`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from rtlog.errors import UsageError
from rtlog.metrics.pricing import PriceTable


def client_for(scheduler: Any) -> tuple[Any, bool]:
    """(a `distributed.Client`, whether we made it): `scheduler` is an address or a Client."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--scheduler needs Dask: pip install 'rtlog[fleet]'") from None
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(scheduler, timeout="10s"), True
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"--scheduler {scheduler}: cannot connect: {exc}") from None


def dask_results(todo: list[Any], prices: PriceTable, with_text: bool, strict: bool, otlp: bool, scheduler: Any) -> Iterator[dict[str, Any]]:
    from rtlog.export.one import Input, export_one, ordered_window

    client, owned = client_for(scheduler)
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        [prices_f] = client.scatter([prices], broadcast=True)

        def submit(inp: Input) -> Any:
            # an absolute path: the worker's working directory is not ours
            path = inp.path if "://" in inp.path else os.path.abspath(inp.path)
            task = Input(inp.name, path, inp.size, inp.mtime_ns)
            return client.submit(export_one, task, prices_f, with_text, strict, otlp, pure=False)

        yield from ordered_window(submit, todo, workers * 4)
    finally:
        if owned:
            client.close()
