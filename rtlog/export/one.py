"""One log file → its export: the unit of work every scheduler runs.

Owns `export_one` (a path or an fsspec URL → its rows, OTLP trace, warnings and error; never
raising for a bad file), the `Input` it takes, and `ordered_window` (tasks submitted a few
ahead, results in input order). rtlog's processes, a Dask cluster (`fleet`) and a Spark
`mapInPandas` (README) all run this same function.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rtlog.errors import RtlogError, UsageError
from rtlog.metrics.pricing import PriceTable
from rtlog.records import record


@record(frozen=True, slots=True)
class Input:
    """One log to export: `name` is its `file` column, `path` a local path or a URL."""

    name: str
    path: str
    size: int | None = None
    mtime_ns: int | None = None


def is_url(p: str) -> bool:
    return "://" in p and not os.path.exists(p)


# --- one file ---------------------------------------------------------------------------------


def export_one(
    inp: Input, prices: PriceTable, with_text: bool = False, strict: bool = False, otlp: bool = False, jobs: int = 1,
    meanwhile: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """One log → {"file", "tables" (table → rows), "trace" (OTLP/JSON or None), "warnings",
    "error"}; never raises for a bad file (its error is in "error"). `jobs`: processes that
    read one big plain local file in parts (0 = one per CPU; see `rtlog.io.parts`); `meanwhile`:
    called once while they read (see `read_events`)."""
    from rtlog import __version__
    from rtlog.conversation.load import conversation_of
    from rtlog.io.reader import Diagnostics, Source
    from rtlog.metrics.summary import summarize_conversation

    warnings: list[str] = []
    diag = Diagnostics(strict=strict, warn=warnings.append)
    meta = {"file": inp.name, "file_size": inp.size, "file_mtime_ns": inp.mtime_ns, "rtlog_version": __version__}
    try:
        if is_url(inp.path):
            fs_open = _fsspec_open(inp.path)
            with fs_open as fp:
                conv = conversation_of(Source(inp.name, None), diag, stdin=fp)[0]
        else:
            conv = conversation_of(Source(inp.name, inp.path), diag, jobs=jobs, meanwhile=meanwhile)[0]
        diag.finish()
        summary = summarize_conversation(conv, prices)
        trace = None
        if otlp:
            from rtlog.export.otlp import trace_request

            trace, note = trace_request(conv, summary, prices, file=inp.name)
            if note:
                warnings.append(f"{inp.name}: {note}")
            tables: dict[str, list[dict[str, Any]]] = {}
        else:
            from rtlog.export.rows import file_rows

            tables = file_rows(conv, summary, prices, meta=meta, with_text=with_text)
    except RtlogError as exc:
        return {"file": inp.name, "tables": {}, "trace": None, "warnings": warnings, "error": str(exc)}
    except OSError as exc:  # a URL's filesystem
        return {"file": inp.name, "tables": {}, "trace": None, "warnings": warnings,
                "error": f"{inp.name}: cannot read: {exc.strerror or exc}"}  # fmt: skip
    return {"file": inp.name, "tables": tables, "trace": trace, "warnings": warnings, "error": None}


def _fsspec_open(url: str) -> Any:
    try:
        import fsspec
    except ImportError:
        raise UsageError(f"{url}: reading URLs needs fsspec: pip install 'rtlog[fleet]'") from None
    return fsspec.open(url, "rb")


class _Refused:
    """A task the scheduler would not take, as a future that failed."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def result(self) -> Any:
        raise self.exc

    def cancel(self) -> bool:
        return False


def ordered_window(submit: Callable[[Input], Any], todo: Iterable[Input], window: int) -> Iterator[dict[str, Any]]:
    """Submit tasks `window` ahead and yield their results in order (memory: `window` results).
    A task that dies (a worker killed, out of memory, lost with its machine) is that file's
    error, not the run's: the others go on (Ctrl-C still stops the run)."""
    from collections import deque

    pending: deque[tuple[Input, Any]] = deque()

    def result(inp: Input, fut: Any) -> dict[str, Any]:
        try:
            return fut.result()
        except Exception as exc:  # noqa: BLE001 - whatever killed the task, the file is reported
            what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return {"file": inp.name, "tables": {}, "trace": None, "warnings": [], "error": f"{inp.name}: the task failed: {what}"}

    try:
        for inp in todo:
            try:
                fut = submit(inp)
            except Exception as exc:  # noqa: BLE001 - a pool broken by a dead worker takes no task: each is that file's error
                fut = _Refused(exc)
            pending.append((inp, fut))
            if len(pending) >= window:
                yield result(*pending.popleft())
        while pending:
            yield result(*pending.popleft())
    finally:
        for _, fut in pending:
            fut.cancel()
