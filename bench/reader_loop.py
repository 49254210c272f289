#!/usr/bin/env python3
"""rtlog's reader alone: iterate every event of FILE, touching .kind and .direction.

    python bench/reader_loop.py FILE

Prints the number of events. Fails (non-zero exit) if ``rtlog.io.reader`` can't be imported.
"""
import sys

from rtlog.io.reader import Diagnostics, iter_events


def main(path: str) -> None:
    diag = Diagnostics()
    n = 0
    for ev in iter_events([path], diag):
        ev.kind  # noqa: B018 - touch the attributes a command would use
        ev.direction  # noqa: B018
        n += 1
    print(n)


if __name__ == "__main__":
    main(sys.argv[1])
