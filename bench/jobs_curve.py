#!/usr/bin/env python3
"""The `-j` curve: speed-up of summary, transcript and filter on one big file, and of
summary on a folder, for -j 1 … the CPUs there are, and for the default (-j 0).

    python bench/jobs_curve.py                       # the generated 1-hour log and a folder of 8 5-minute logs
    python bench/jobs_curve.py --file LOG --repeat 7 --max-jobs 2

Each round runs every case at every N in turn (so a busy spell falls on all N alike) and
records the wall time and the CPU time (user + system of the whole process tree, from
`wait4`). Reported per case and N: median wall and CPU, the **speed-up** = median of the
per-round T(-j 1) / T(-j N) (wall), its ratio to N (the goal: ≥ 0.7·N on an idle machine),
and the extra CPU that N processes cost (CPU(N) / CPU(1)). The load average before and
after each round is printed with the rounds, and `free_cpus()` (what `-j 0` takes) at the
start: on a shared host, read the curve with the load beside it. Goal for the default:
never slower than -j 1 (median per-round ratio ≤ 1.0 within the noise).
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
sys.path.insert(0, ROOT)
from filter_bench import generated, run  # noqa: E402

from rtlog.io.parts import free_cpus, usable_cpus  # noqa: E402


def folder(count: int, minutes: float) -> str:
    path = os.path.join(HERE, "data", f"folder-{count}x{minutes:g}m")
    if not os.path.isdir(path) or len(os.listdir(path)) < count:
        os.makedirs(path, exist_ok=True)
        for k in range(count):
            subprocess.run([sys.executable, os.path.join(HERE, "gen_session.py"), os.path.join(path, f"s{k:02d}.jsonl"),
                            "--minutes", str(minutes), "--seed", str(k + 1)], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
            os.remove(os.path.join(path, f"s{k:02d}.truth.json"))
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", help="the big log (default: the generated 1-hour log)")
    ap.add_argument("--folder", help="a folder of logs (default: 8 generated 5-minute logs)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--max-jobs", type=int, default=usable_cpus())
    ap.add_argument("--cases", default="summary,transcript,filter,summary-folder")
    ap.add_argument("--python", default=sys.executable)
    a = ap.parse_args(argv)
    log = a.file or generated(60, "none")
    logs = a.folder or folder(8, 5)
    for p in [log, *(os.path.join(logs, n) for n in os.listdir(logs))]:
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass
    py = [a.python, "-m", "rtlog"]
    all_cases = {
        "summary": [*py, "summary", log, "--json"],
        "transcript": [*py, "transcript", log],
        "filter": [*py, "filter", log, "-t", "response.done"],
        "summary-folder": [*py, "summary", logs, "--json"],
    }
    chosen = {c: all_cases[c] for c in a.cases.split(",")}
    ns = [*range(1, a.max_jobs + 1), 0]
    env = dict(os.environ, PYTHONPATH=ROOT)
    times: dict[tuple[str, int], list[tuple[float, float]]] = {(c, n): [] for c in chosen for n in ns}
    print(f"# -j curve — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print(f"- {usable_cpus()} usable CPUs; free_cpus() at the start (what -j 0 takes): {free_cpus()}")
    print(f"- big file: {os.path.basename(log)} ({os.path.getsize(log) / 1e6:,.0f} MB); folder: {logs} "
          f"({len(os.listdir(logs))} logs, {sum(os.path.getsize(os.path.join(logs, n)) for n in os.listdir(logs)) / 1e6:,.0f} MB)")  # fmt: skip
    print(f"- rounds: {a.repeat}; each round runs every case at -j {', '.join(map(str, ns))} in turn\n")
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.repeat):
            before = os.getloadavg()[0]
            for c, cmd in chosen.items():
                for n in ns:
                    times[c, n].append(run([*cmd, "-j", str(n)], os.path.join(tmp, "out"), env))
            print(f"- round {r + 1}: load average {before:.2f} → {os.getloadavg()[0]:.2f}")
    print("\n| case | -j | wall s | CPU s | speed-up vs -j 1 (wall) | speed-up / N | CPU vs -j 1 |")
    print("|---|---|---|---|---|---|---|")
    for c in chosen:
        one = times[c, 1]
        for n in ns:
            t = times[c, n]
            up = statistics.median(one[i][0] / t[i][0] for i in range(len(t)))
            cpu = statistics.median(t[i][1] / one[i][1] for i in range(len(t)))
            label = "0 (default)" if n == 0 else str(n)
            per_n = f"{up / n:.2f}" if n else "-"
            print(f"| {c} | {label} | {statistics.median(x[0] for x in t):.3f} | {statistics.median(x[1] for x in t):.3f} "
                  f"| {up:.2f}× | {per_n} | {cpu:.2f}× |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
