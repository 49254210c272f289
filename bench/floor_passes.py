#!/usr/bin/env python3
"""The least a Python pass over a log can cost: the floors `floor.py` times.

    python bench/floor_passes.py PASS FILE [NEEDLE]

Each pass does strictly less than the rtlog command it bounds, and does it the cheapest
way this interpreter offers (measured: `readline` on a 1 MB buffer is ~2.5x cheaper than
`for line in file` on the default one; a whole-file `mmap` is no cheaper than reading):

- `start`: nothing (the interpreter, orjson and pybase64 imported).
- `read`: the file read in 1 MB blocks, nothing looked at.
- `lines`: the file cut into lines.
- `b64`: `lines` + each audio payload found by `bytes.find` and checked as strict base64
  (pybase64's SIMD decoder, as rtlog does): what a pass that must tell a bad payload does.
- `judge`: `b64` + every line judged as JSON (an audio line with its payload cut out, as
  rtlog's digest does; any other line whole), nothing read from the result: the least a
  pass can do and still say which lines are bad, as every rtlog command must.
- `needle`: the file read in 1 MB blocks and NEEDLE looked for with `bytes.find`,
  nothing else (no line cut, no JSON): the least `filter -t TYPE` can do.
"""

from __future__ import annotations

import sys

import orjson
from pybase64 import b64decode

BUFFER = 1 << 20


def main() -> None:
    what, path = sys.argv[1], sys.argv[2]
    if what == "start":
        return
    if what == "read":
        with open(path, "rb", buffering=0) as f:
            while f.read(BUFFER):
                pass
        return
    if what == "needle":  # (a floor: a needle across two blocks is not looked for)
        needle = sys.argv[3].encode()
        hits = 0
        with open(path, "rb", buffering=0) as f:
            while True:
                block = f.read(BUFFER)
                if not block:
                    break
                find, i = block.find, 0
                while True:
                    i = find(needle, i)
                    if i < 0:
                        break
                    hits += 1
                    i += len(needle)
        print(hits)
        return
    judge = what == "judge"
    check = judge or what == "b64"
    loads = orjson.loads
    with open(path, "rb", buffering=BUFFER) as f:
        readline = f.readline
        while True:
            line = readline(1 << 26)
            if not line:
                break
            if not check:
                continue
            i = line.find(b'"delta":"', 0, 1024)
            if i < 0:
                i = line.find(b'"audio":"', 0, 1024)
            if i >= 0 and line[i + 9 : i + 10] != b'"':
                j = line.find(b'"', i + 9)
                try:
                    b64decode(line[i + 9 : j], None, True)
                    if judge:
                        loads(line[: i + 9] + line[j:])
                except ValueError:  # (a text delta with an escaped quote: judged whole)
                    if judge:
                        loads(line)
            elif judge:
                loads(line)


if __name__ == "__main__":
    main()
