#!/usr/bin/env python3
"""Benchmark `rtlog redact` against `rtlog filter --strip-audio` on a generated session log.

    python bench/redact.py                    # 1-hour log (~240 MB), 5 rounds; writes bench/results-redact.md
    python bench/redact.py --minutes 5 --repeat 3 --results ''
    python bench/redact.py --file LOG         # an existing log

Both rewrite every line of the log (strip-audio replaces each payload by a marker, redact by
silence of the same length and the text by markers), so strip-audio is the yardstick: the goal
is redact's throughput at least half of it (median wall time at most 2x), with peak RSS under
64 MB. Cases run in rounds (every case once per round) so a slow spell of the shared host falls
on all of them; wall time and CPU time (user + sys of the process) are both reported, the CPU
time being what a busy host disturbs least. Outputs go to a temporary directory; at the end the
redacted log is checked (`redact --check` exits 0, same line count) once, untimed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data")
sys.path.insert(0, HERE)

import gen_session  # noqa: E402
from run import data_path, gnu_time, machine_info, prewarm  # noqa: E402

GOAL_RATIO = 2.0  # redact's median wall time at most this many times strip-audio's
GOAL_RSS_MB = 64.0


def run_once(argv: list[str], stdout_path: str, timer: str | None) -> tuple[float, float, int, int]:
    """(wall s, CPU s, exit code, peak RSS KB) of one run."""
    rss_file = stdout_path + ".rss"
    full = [timer, "-f", "%M", "-o", rss_file, *argv] if timer else argv
    with open(stdout_path, "wb") as so:
        t0 = time.perf_counter()
        p = subprocess.Popen(full, stdout=so, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, cwd=ROOT)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    rss = ru.ru_maxrss
    if timer:
        with open(rss_file) as f:
            nums = re.findall(r"^\s*(\d+)\s*$", f.read(), re.M)
        rss = int(nums[-1]) if nums else rss
    return wall, ru.ru_utime + ru.ru_stime, p.returncode, rss


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--file", help="an existing log instead of a generated one")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--results", default=os.path.join(HERE, "results-redact.md"), help="markdown report ('' = none)")
    a = ap.parse_args(argv)
    log = a.file
    if log is None:
        log = data_path(a.minutes, "beta", "none", 1)
        if not os.path.exists(log):
            os.makedirs(DATA, exist_ok=True)
            gen_session.write_session(log, a.minutes, "beta")
    size = os.path.getsize(log)
    prewarm(log)
    timer = gnu_time()
    py = a.python
    tmp = tempfile.mkdtemp(prefix="rtlog-bench-redact-")
    out = os.path.join(tmp, "redacted.jsonl")
    cases = {
        "filter --strip-audio": [py, "-m", "rtlog", "filter", log, "--strip-audio"],
        "redact": [py, "-m", "rtlog", "redact", log, "-o", out],
        "redact -o - (no fsync)": [py, "-m", "rtlog", "redact", log, "-o", "-"],
        "redact --keep text (2 passes)": [py, "-m", "rtlog", "redact", log, "-o", out + ".kept", "--keep", "text"],
    }
    res: dict[str, list[tuple[float, float, int]]] = {name: [] for name in cases}
    try:
        for _ in range(max(1, a.repeat)):
            for name, cmd in cases.items():
                wall, cpu, code, rss = run_once(cmd, os.path.join(tmp, "stdout"), timer)
                if code != 0:
                    print(f"{name}: exit {code}", file=sys.stderr)
                    return 2
                res[name].append((wall, cpu, rss))
        check = subprocess.run([py, "-m", "rtlog", "redact", "--check", out], capture_output=True, cwd=ROOT)
        with open(log, "rb") as f1, open(out, "rb") as f2:
            same_lines = sum(1 for _ in f1) == sum(1 for _ in f2)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = []
    base_wall = statistics.median(w for w, _, _ in res["filter --strip-audio"])
    base_cpu = statistics.median(c for _, c, _ in res["filter --strip-audio"])
    for name, runs in res.items():
        wall = statistics.median(w for w, _, _ in runs)
        cpu = statistics.median(c for _, c, _ in runs)
        rss = max(r for _, _, r in runs) / 1024
        rows.append((name, wall, cpu, size / 1e6 / wall, wall / base_wall, cpu / base_cpu, rss))
    ok_ratio = rows[1][4] <= GOAL_RATIO
    ok_rss = all(r[6] < GOAL_RSS_MB for r in rows[1:])
    head = "| case | wall (median) | CPU (median) | MB/s | wall / strip | CPU / strip | peak RSS |\n|---|---|---|---|---|---|---|\n"
    body = "".join(f"| `{n}` | {w:.2f} s | {c:.2f} s | {t:.0f} | {rw:.2f}× | {rc:.2f}× | {m:.0f} MB |\n"
                   for n, w, c, t, rw, rc, m in rows)  # fmt: skip
    info = machine_info()
    text = (
        f"# `rtlog redact` against `filter --strip-audio`\n\n"
        f"Log: {os.path.basename(log)} ({size / 1e6:.1f} MB), {a.repeat} rounds, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {info.get('cpu', '?')}, {info.get('nproc', '?')} CPUs, "
        f"load average at the end {os.getloadavg()[0]:.1f}.\n\n{head}{body}\n"
        f"Goals: redact's throughput at least half of strip-audio's (wall ratio ≤ {GOAL_RATIO:g}×): "
        f"{'met' if ok_ratio else 'NOT met'} ({rows[1][4]:.2f}×); peak RSS < {GOAL_RSS_MB:g} MB: "
        f"{'met' if ok_rss else 'NOT met'}. The redacted log: `redact --check` exit {check.returncode}, "
        f"{'the same' if same_lines else 'NOT the same'} number of lines.\n"
    )
    sys.stdout.write(text)
    if a.results:
        with open(a.results, "w") as f:
            f.write(text)
    return 0 if ok_ratio and ok_rss and check.returncode == 0 and same_lines else 1


if __name__ == "__main__":
    sys.exit(main())
