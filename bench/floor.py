#!/usr/bin/env python3
"""How far can a Python pass go? The floors under #20's one-core goals, in the same rounds.

    python bench/floor.py --file LOG [--repeat 7] [--type response.done] [--results PATH]

Times, as whole processes in alternating rounds (as `run.py` and `compare.py` do): the
baselines the goals name (the bare orjson loop, `grep -F` into a file, `jq -c select`),
the floor passes of `floor_passes.py` (each strictly less than the rtlog command it
bounds), and rtlog's one-core commands. Prints, and writes to `results-floor.md`, each
case's median wall and CPU time and median per-round ratio to the orjson loop, then each
goal set against the floor under it: a goal below its floor cannot be met by any pass in
this interpreter that does what the floor does (reads every line, checks every payload,
judges every line as JSON), whatever rtlog does beyond it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare  # noqa: E402


def timed(argv: list[str], tmp: str) -> tuple[float, float, int]:
    """`compare.timed` (times to the microsecond: GNU time's 10 ms steps are too coarse for
    the start-up floors), grep's 1 (no line matched) taken as success."""
    return compare.timed(argv, None, tmp, ok=(0, 1) if argv[0] == "grep" else (0,))


EXAMPLE = os.path.join(os.path.dirname(HERE), "examples", "beta_session.jsonl")


def cases(py: str, log: str, kind: str) -> dict[str, list[str]]:
    passes = os.path.join(HERE, "floor_passes.py")
    rt = [py, "-m", "rtlog"]
    return {
        "orjson-loop": [py, os.path.join(HERE, "baseline_orjson.py"), log],
        "grep-file": ["grep", "-F", f'"type":"{kind}"', log],
        "jq-select": ["jq", "-c", f'select(.type=="{kind}")', log],
        "floor-start": [py, passes, "start", log],
        "floor-read": [py, passes, "read", log],
        "floor-lines": [py, passes, "lines", log],
        "floor-b64": [py, passes, "b64", log],
        "floor-judge": [py, passes, "judge", log],
        "floor-needle": [py, passes, "needle", log, f'"type":"{kind}"'],
        "rtlog-version": [*rt, "--version"],
        # the start-up of each command (imports, set-up, the ending): on the shipped example
        "summary-start": [*rt, "summary", EXAMPLE, "-j", "1"],
        "transcript-start": [*rt, "transcript", EXAMPLE, "-j", "1"],
        "filter-start": [*rt, "filter", EXAMPLE, "-t", kind, "-j", "1"],
        "summary-1cpu": [*rt, "summary", log, "-j", "1"],
        "transcript-1cpu": [*rt, "transcript", log, "-j", "1"],
        "filter-1cpu": [*rt, "filter", log, "-t", kind, "-j", "1"],
    }


#: (goal, the case it is for, the baseline, the bound on the CPU ratio (≤), the floor pass
#:  under it, the command's start-up case): the floor with the command's own start-up is
#:  the floor pass plus what that start-up costs beyond the floor's (`floor-start`)
GOALS = [
    ("summary ≤ 0.8× orjson loop", "summary-1cpu", "orjson-loop", 0.8, "floor-judge", "summary-start"),
    ("transcript ≤ 0.8× orjson loop", "transcript-1cpu", "orjson-loop", 0.8, "floor-judge", "transcript-start"),
    ("filter ≤ 1.5× grep -F", "filter-1cpu", "grep-file", 1.5, "floor-needle", "filter-start"),
    ("filter ≥ 15× faster than jq", "filter-1cpu", "jq-select", 1 / 15, "floor-needle", "filter-start"),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", required=True)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--type", default="response.done", help="the event type filter looks for")
    ap.add_argument("--results", default=os.path.join(HERE, "results-floor.md"), help="'' = don't write")
    args = ap.parse_args(argv)
    log = os.path.abspath(args.file)
    table = cases(sys.executable, log, args.type)
    with open(log, "rb") as f:  # in the page cache
        while f.read(1 << 24):
            pass
    load = os.getloadavg()
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in table}
    with tempfile.TemporaryDirectory() as tmp:
        names = list(table)
        for rnd in range(args.repeat):
            for name in names if rnd % 2 == 0 else reversed(names):
                runs[name].append(timed(table[name], tmp))
            print(f"round {rnd + 1}/{args.repeat}", file=sys.stderr)
    med = statistics.median

    def ratio(name: str, to: str, i: int = 0) -> float:  # median of the per-round ratios (i: 0 wall, 1 CPU)
        return med(a[i] / b[i] for a, b in zip(runs[name], runs[to]))

    size = os.path.getsize(log) / 1e6
    out = [
        "# How far can a Python pass go: the floors under the one-core goals",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs, {platform.platform()}; load average before the rounds: "
        f"{', '.join(f'{x:.2f}' for x in load)}",
        f"- python: {platform.python_version()} ({sys.executable})",
        f"- file: `{log}`, {size:.1f} MB",
        f"- command: `python bench/floor.py --file {args.file} --repeat {args.repeat}` "
        "(whole processes, alternating rounds; ratios are medians of per-round ratios)",
        "",
        "| case | median wall s | median CPU s | wall vs orjson loop | CPU vs orjson loop | peak RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    for name in table:
        r = runs[name]
        out.append(f"| {name} | {med(x[0] for x in r):.3f} | {med(x[1] for x in r):.3f} | "
                   f"{ratio(name, 'orjson-loop'):.2f}× | {ratio(name, 'orjson-loop', 1):.2f}× | "
                   f"{max(x[2] for x in r) / 1024:.0f} |")
    out += ["", "| goal (one core, CPU) | bound | rtlog now | floor pass | + the command's start-up | "
            "left for the command's own work |", "|---|---|---|---|---|---|"]
    for goal, case, baseline, bound, floor, start in GOALS:
        now, under = ratio(case, baseline, 1), ratio(floor, baseline, 1)
        cpu = {name: med(x[1] for x in runs[name]) for name in (baseline, floor, start, "floor-start")}
        with_start = cpu[floor] + cpu[start] - cpu["floor-start"]
        left = bound * cpu[baseline] - with_start
        out.append(f"| {goal} | {bound:.3g}× {baseline} = {bound * cpu[baseline] * 1e3:.0f} ms | {now:.2f}× | "
                   f"{floor} {under:.2f}× | {with_start / cpu[baseline]:.2f}× | {left * 1e3:.0f} ms |")
    text = "\n".join(out) + "\n"
    print(text)
    if args.results:
        with open(args.results, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
