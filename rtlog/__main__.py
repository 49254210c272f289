"""`python -m rtlog` and the `rtlog` script: the signal handling and the standard streams
are made safe first, with nothing but the standard library loaded; then the CLI and its
heavy imports (typer, rich). A Ctrl-C or SIGTERM during those imports is then an
`interrupted` line and exit 130, not a traceback or a death mid-import."""

from __future__ import annotations

import gc
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
    cli_main()


if __name__ == "__main__":
    main()
