#!/usr/bin/env python3
"""Instructions, not seconds: the same rtlog commands from two source trees (or one) and the
bare `orjson.loads` loop, each counted by valgrind's callgrind (user-space instructions of
the whole process). Counts repeat to within a fraction of a percent whatever else the host
is doing, so a change of a few percent can be told on a busy shared machine where wall and
CPU times wander by 20 %. Slow (about 50× a normal run): use a 5-minute log.

    python bench/instructions.py --file LOG [--before TREE] [--cases summary-1cpu,transcript-1cpu]

Prints per case and tree the instruction count, its ratio to the orjson loop's (for the
`version` case: to `python -c "import orjson"`, the start-up goal of issue 20) and, with
--before, after/before. Needs valgrind. Compile both trees first (`python -m compileall -q
TREE/rtlog`): with PYTHONDONTWRITEBYTECODE set, a tree without .pyc files pays for compiling
every module on every run (~80 M instructions).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from compare import CASES  # noqa: E402


def count(argv: list[str], env: dict[str, str], tmp: str) -> int:
    p = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=tmp,
    )  # fmt: skip
    m = re.search(rb"Collected : (\d+)", p.stderr)
    if p.returncode != 0 or not m:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(argv)}\n{p.stderr[-600:].decode(errors='replace')}")
    return int(m.group(1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", required=True)
    ap.add_argument("--before", help="another source tree to compare with")
    ap.add_argument("--cases", default="summary-1cpu,transcript-1cpu,extract-audio")
    a = ap.parse_args(argv)
    log = os.path.abspath(a.file)
    trees = ([("before", os.path.abspath(a.before))] if a.before else []) + [("after", ROOT)]
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        loop = count([sys.executable, os.path.join(HERE, "baseline_orjson.py"), log], env, tmp)
        start = count([sys.executable, "-c", "import orjson"], env, tmp)
        print(f"orjson loop: {loop / 1e6:,.0f} M instructions; python -c 'import orjson': {start / 1e6:,.0f} M")
        print(f"{'case':20} {'tree':6} {'M instr':>10} {'vs orjson':>9}")
        for case in a.cases.split(","):
            got = {}
            for name, tree in trees:
                e = dict(env, PYTHONPATH=tree)
                cmd = [sys.executable, "-m", "rtlog", *(x.format(log=log, tmp=tmp) for x in CASES[case])]
                got[name] = count(cmd, e, tmp)
                base = start if case == "version" else loop  # start-up is measured against starting Python with orjson
                print(f"{case:20} {name:6} {got[name] / 1e6:10,.0f} {got[name] / base:8.2f}x", flush=True)
            if len(got) == 2:
                print(f"{'':20} after/before {got['after'] / got['before']:.3f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
