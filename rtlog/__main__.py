"""`python -m rtlog` and the `rtlog` script: the signal handling and the standard streams
are made safe first, with nothing but the standard library loaded; then the CLI and its
heavy imports (typer, rich). A Ctrl-C or SIGTERM during those imports is then an
`interrupted` line and exit 130, not a traceback or a death mid-import."""

from __future__ import annotations

import atexit
import gc
import os
import signal
import sys


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM as Ctrl-C: `finally` blocks run (temporary files are removed)
    raise KeyboardInterrupt


#: The cyclic garbage collector's first threshold (Python's default: 700), set before the
#: imports: a run allocates millions of small objects that are not cycles (events, digests,
#: tuples; the classes and functions of the imports), and at 700 the collector walks the
#: young ones again and again for nothing (~12 ms of a 1-hour log's summary, and 20 M of
#: the ~650 M instructions of starting `summary`). Garbage cycles, if any, wait for 50,000.
GC_THRESHOLD = 50_000


def main() -> None:
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        from rtlog import output

        output.guard_standard_streams()
        from rtlog.cli import main as cli_main
    except KeyboardInterrupt:
        if sys.stderr is not None:
            sys.stderr.write("rtlog: error: interrupted\n")
        sys.exit(130)
    try:
        cli_main()
    except SystemExit as exc:
        _exit(exc.code)
    _exit(0)


def _exit(code: object) -> None:
    """End the process once the run is over: the `atexit` functions run and the standard
    streams flushed (Python's order), then `os._exit`. Python's own ending would go on to
    tear down every module and object one by one and collect: ~15–25 ms of every run (a
    third of `--version`), spent on memory the process is about to give back whole.

    Taken only where nothing else needs that ending: an integer exit code (Python prints
    any other), no thread but this one (Python waits for them), no profiler or tracer
    (`python -m cProfile -m rtlog`, a debugger, coverage: they write their results after
    the run), streams that flush, and CPython's `atexit._run_exitfuncs`; otherwise Python
    ends as usual. Nothing rtlog writes is left to a finalizer: outputs are closed and
    renamed, temporary files removed, inside the command. (A program that runs the CLI
    and goes on calls `rtlog.cli.main`, which ends in `SystemExit`.)"""
    if code is None:
        code = 0
    threading = sys.modules.get("threading")  # (never imported: no thread was started by it)
    run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)
    if (
        type(code) is not int
        or not 0 <= code <= 255
        or run_exitfuncs is None
        or (threading is not None and threading.active_count() > 1)
        or sys.getprofile() is not None
        or sys.gettrace() is not None
    ):
        sys.exit(code)
    run_exitfuncs()  # (they run once: Python's ending would not run them again)
    try:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(code)  # (Python's ending meets it again and reports it, as before)
    os._exit(code)


if __name__ == "__main__":
    main()
