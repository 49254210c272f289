#!/usr/bin/env python3
"""Before/after: the same rtlog commands from two source trees, in the same rounds.

    git worktree add /tmp/before <commit>
    python bench/compare.py --before /tmp/before --file LOG [--repeat 7] [--cases summary,transcript-1cpu]

Each round runs the bare `orjson.loads` loop (bench/baseline_orjson.py) and every case from
both trees (`PYTHONPATH` set to the tree; the interpreter and its packages are the same),
in alternating order, so a slow spell of a shared host falls on all of them. Reported per
case and tree: the median wall time, the median CPU time (user + system), the median of
the per-round ratios to the orjson loop (wall), the peak RSS; and the after/before ratio of
the medians, of wall and of CPU time, and the median of each round's after/before (the two
runs of a round are next to each other: a slow spell of the host falls on both). Times to
the microsecond (`wait4`); GNU time (`/usr/bin/time`) for the peak RSS. Output goes to
temporary files, never to the terminal.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CASES: dict[str, list[str]] = {
    "version": ["--version"],
    "summary": ["summary", "{log}"],
    "summary-json": ["summary", "{log}", "--json"],
    "summary-1cpu": ["summary", "{log}", "-j", "1"],
    "transcript": ["transcript", "{log}"],
    "transcript-json": ["transcript", "{log}", "--format", "json"],
    "transcript-1cpu": ["transcript", "{log}", "-j", "1"],
    "filter": ["filter", "{log}", "-t", "response.done"],
    "extract-audio": ["extract-audio", "{log}", "-o", "{tmp}/out.wav"],
    "extract-audio-both": ["extract-audio", "{log}", "--side", "both", "-o", "{tmp}/both.wav"],
}


def timed(argv: list[str], env: dict[str, str] | None, tmp: str, *, ok: tuple[int, ...] = (0,)) -> tuple[float, float, int]:
    """(wall s, CPU s, peak RSS KB) of one run (`env`: None for this process's); raises on
    an exit code not in `ok`. The times to the microsecond (`wait4` on GNU time, whose usage
    includes the command's and its workers'; GNU time's own figures are in 10 ms steps: 3 %
    of a 0.3 s run), the RSS from GNU time. Also `floor.py`'s."""
    report = os.path.join(tmp, "time.txt")
    with open(os.path.join(tmp, "out"), "wb") as out, open(os.path.join(tmp, "err"), "wb") as err:
        # cwd: a neutral folder (`python -m` puts the current folder before PYTHONPATH)
        t0 = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-o", report, "-f", "%M", *argv], stdout=out, stderr=err, env=env, cwd=tmp)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    code = p.returncode = os.waitstatus_to_exitcode(status)  # (reaped here: Popen must know)
    if code not in ok:
        with open(os.path.join(tmp, "err"), "rb") as f:
            raise SystemExit(f"failed ({code}): {' '.join(argv)}\n{f.read()[-600:].decode(errors='replace')}")
    with open(report) as f:
        rss = int(f.read().split()[-1])
    return wall, usage.ru_utime + usage.ru_stime, rss


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="the other source tree (a checkout of the commit to compare with)")
    ap.add_argument("--file", required=True, help="the log to run on")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--cases", default="summary,summary-1cpu,transcript,transcript-1cpu")
    args = ap.parse_args(argv)
    args.file = os.path.abspath(args.file)
    cases = args.cases.split(",")
    trees = {"before": os.path.abspath(args.before), "after": ROOT}
    with open(args.file, "rb") as f:  # in the page cache
        while f.read(1 << 24):
            pass
    runs: dict[tuple[str, str], list[tuple[float, float, int]]] = {}
    base: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(args.repeat):
            base.append(timed([sys.executable, os.path.join(HERE, "baseline_orjson.py"), args.file], dict(os.environ), tmp)[0])
            order = list(trees.items()) if rnd % 2 == 0 else list(reversed(trees.items()))
            for case in cases:
                for name, tree in order:
                    env = {**os.environ, "PYTHONPATH": tree}
                    cmd = [a.format(log=args.file, tmp=tmp) for a in CASES[case]]
                    runs.setdefault((case, name), []).append(timed([sys.executable, "-m", "rtlog", *cmd], env, tmp))
            print(f"round {rnd + 1}/{args.repeat}", file=sys.stderr)
    med = statistics.median
    print(f"orjson loop: {med(base):.3f} s (median of {len(base)})")
    for name, tree in trees.items():  # which code each tree ran
        env = {**os.environ, "PYTHONPATH": tree}
        out = subprocess.run([sys.executable, "-c", "import rtlog; print(rtlog.__file__)"], env=env, cwd="/", capture_output=True, text=True)
        print(f"{name}: {out.stdout.strip()}")
    print(f"{'case':20} {'tree':7} {'wall s':>7} {'CPU s':>7} {'vs orjson':>9} {'RSS MB':>7}")
    for case in cases:
        walls, cpus = {}, {}
        for name in trees:
            r = runs[(case, name)]
            walls[name], cpus[name] = med(x[0] for x in r), med(x[1] for x in r)
            ratio = med(x[0] / b for x, b in zip(r, base))
            print(f"{case:20} {name:7} {walls[name]:7.3f} {med(x[1] for x in r):7.3f} {ratio:8.3f}x {max(x[2] for x in r) / 1024:7.0f}")
        paired = med(a[0] / b[0] for a, b in zip(runs[(case, "after")], runs[(case, "before")]))
        print(f"{'':20} after/before {walls['after'] / walls['before']:.3f}x wall, {cpus['after'] / cpus['before']:.3f}x CPU;"
              f" paired (median of the rounds' ratios) {paired:.3f}x wall")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
