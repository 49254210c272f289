"""`python -m rtlog` and the `rtlog` script: the signal handling and the standard streams
are made safe first, with nothing but the standard library loaded; then the CLI and its
heavy imports (typer, rich). A Ctrl-C or SIGTERM during those imports is then an
`interrupted` line and exit 130, not a traceback or a death mid-import."""

from __future__ import annotations

import signal
import sys


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM as Ctrl-C: `finally` blocks run (temporary files are removed)
    raise KeyboardInterrupt


def main() -> None:
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
