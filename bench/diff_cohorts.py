#!/usr/bin/env python3
"""Folder-mode `rtlog diff` against `rtlog summary` over the same two folders.

Generates (once) two cohorts of N short sessions with `bench/gen_variant.py`: A with seeds
1000.., B with seeds 5000.. and every answer `--latency-ms` later (the known difference),
then times, alternating, round by round (whole processes, start-up included):

    rtlog summary A/ B/ --json > /dev/null
    rtlog diff A/ B/ --json > /dev/null

and checks that the interval of the latency change holds the known difference. Prints a
markdown table (bench/results-diff.md keeps the latest)::

    python bench/diff_cohorts.py --dir /tmp/rtlog-cohorts --count 1000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _generate(path: str, count: int, minutes: float, seed: int, latency: int) -> subprocess.Popen[bytes] | None:
    if os.path.isdir(path) and len([n for n in os.listdir(path) if n.endswith(".jsonl")]) == count:
        return None
    return subprocess.Popen([sys.executable, os.path.join(HERE, "gen_variant.py"), path, "--count", str(count),
                             "--minutes", str(minutes), "--seed", str(seed), "--latency-ms", str(latency)])  # fmt: skip


def _time(cmd: list[str]) -> tuple[float, bytes]:
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True)
    dt = time.perf_counter() - t
    if r.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.decode()[-500:]}")
    return dt, r.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", default="/tmp/rtlog-cohorts")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--minutes", type=float, default=0.1)
    ap.add_argument("--latency-ms", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    da, db = os.path.join(a.dir, "a"), os.path.join(a.dir, "b")
    procs = [p for p in (_generate(da, a.count, a.minutes, 1000, 0), _generate(db, a.count, a.minutes, 5000, a.latency_ms)) if p]
    for p in procs:
        if p.wait():
            return 1
    rtlog = [sys.executable, "-m", "rtlog"]
    cases = {"summary A B --json": [*rtlog, "summary", da, db, "--json"], "diff A B --json": [*rtlog, "diff", da, db, "--json"]}
    times: dict[str, list[float]] = {k: [] for k in cases}
    out = b""
    for _ in range(a.rounds):
        for name, cmd in cases.items():
            dt, stdout = _time(cmd)
            times[name].append(dt)
            if name.startswith("diff"):
                out = stdout
    d = json.loads(out)
    lat = d["metrics"]["latency.p50"]
    size = sum(os.path.getsize(os.path.join(p, n)) for p in (da, db) for n in os.listdir(p))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{a.count} + {a.count} sessions of {a.minutes} min ({size / 1e6:.0f} MB), {os.cpu_count()} CPUs, median of {a.rounds}\n")
    print("| case | median | runs |\n|---|---|---|")
    for k, v in times.items():
        print(f"| `rtlog {k}` | {med[k]:.2f} s | {', '.join(f'{x:.2f}' for x in v)} |")
    ratio = med["diff A B --json"] / med["summary A B --json"]
    print(f"\ndiff / summary: {ratio:.2f}× (goal < 2×)")
    inside = lat["ci"] is not None and lat["ci"][0] <= a.latency_ms <= lat["ci"][1]
    print(f"latency.p50: A {lat['a']['median']} ms, B {lat['b']['median']} ms, change {lat['delta']:+.1f} ms, "
          f"95 % interval {lat['ci']}, verdict {lat['verdict']}; the known +{a.latency_ms} ms is "
          f"{'inside' if inside else 'OUTSIDE'} the interval")  # fmt: skip
    return 0 if ratio < 2 and inside else 1


if __name__ == "__main__":
    sys.exit(main())
