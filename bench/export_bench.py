#!/usr/bin/env python3
"""Export throughput against summary's, in the same rounds: a folder of many small generated
logs, and the 1-hour log.

    python bench/export_bench.py                         # 1,000 logs of 0.1 min + the 1-hour log, 3 rounds
    python bench/export_bench.py --count 100 --repeat 1  # a quick look
    python bench/export_bench.py --big ''                # the folder only

The folder is generated once by `gen_session.py` (GA and beta, bare and enveloped, seeds
1..N) and cached in `bench/data/fleet-<N>x<minutes>m/`; the 1-hour log in `bench/data/` as
`bench/run.py` caches it. Every case is its own process; each round runs every case once, in
order (a slow spell of a shared host falls on all of them). Reported: median wall time, MB/s,
the ratio to `summary --json` over the same input, and peak RSS — of the main process and of
the largest worker process separately (every descendant's VmHWM sampled from /proc every
20 ms). Goals (issue 16): export ≥ 80 % of summary's throughput, peak RSS per worker < 64 MB.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import gen_session  # noqa: E402

VARIANTS = [("ga", "none"), ("beta", "none"), ("ga", "time-source"), ("beta", "direction-data")]


def make_fleet(count: int, minutes: float) -> str:
    d = os.path.join(HERE, "data", f"fleet-{count}x{minutes:g}m")
    if os.path.isdir(d) and len([n for n in os.listdir(d) if n.endswith(".jsonl")]) == count:
        return d
    os.makedirs(d, exist_ok=True)
    t = time.perf_counter()
    for k in range(count):
        dialect, envelope = VARIANTS[k % len(VARIANTS)]
        with open(os.path.join(d, f"call{k:05d}.jsonl"), "wb") as f:
            gen_session.generate(f, minutes=minutes, dialect=dialect, envelope=envelope, seed=k + 1)
    print(f"generated {count} logs in {d} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return d


def make_big(minutes: float) -> str:
    path = os.path.join(HERE, "data", f"session-{minutes:g}m-beta-none-s1.jsonl")
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        gen_session.write_session(path, minutes, "beta", "none", 1)
    return path


def size_of(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(path, n)) for n in os.listdir(path))


def _hwm(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def run(cmd: list[str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS of the main process, of the largest descendant) in kB."""
    peaks: dict[int, int] = {}
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            stack = [p.pid]
            while stack:
                pid = stack.pop()
                peaks[pid] = max(peaks.get(pid, 0), _hwm(pid))
                stack += _children(pid)
            time.sleep(0.02)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, err = p.communicate()
    wall = time.perf_counter() - t
    done.set()
    th.join()
    if p.returncode not in (0,):
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {err.decode()[-500:]}")
    main = peaks.pop(p.pid, 0)
    return wall, main, max(peaks.values(), default=0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--minutes", type=float, default=0.1)
    ap.add_argument("--big", default="60", help="minutes of the big log ('' = none)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--results", default=os.path.join(HERE, "results-export.md"))
    args = ap.parse_args()
    py = sys.executable
    inputs = [("fleet", make_fleet(args.count, args.minutes))]
    if args.big:
        inputs.append(("1-hour log", make_big(float(args.big))))
    tmp = tempfile.mkdtemp(prefix="rtlog-export-bench-")
    lines = [f"# export throughput ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs; "
             f"`python bench/export_bench.py --count {args.count} --minutes {args.minutes:g} --big '{args.big}' "
             f"--repeat {args.repeat}`; median of {args.repeat}.", ""]  # fmt: skip
    try:
        for label, path in inputs:
            out = os.path.join(tmp, "out")
            mb = size_of(path) / 1e6
            cases = {
                "summary --json": [py, "-m", "rtlog", "summary", path, "--json"],
                "export parquet": [py, "-m", "rtlog", "export", path, "-o", out, "--full"],
                "export jsonl": [py, "-m", "rtlog", "export", path, "-o", out + "-jsonl", "--format", "jsonl", "--full"],
                "export csv": [py, "-m", "rtlog", "export", path, "-o", out + "-csv", "--format", "csv", "--full"],
                "export otlp-json": [py, "-m", "rtlog", "export", path, "-o", out + "-otlp", "--format", "otlp-json", "--full"],
                "export parquet, re-run (nothing new)": [py, "-m", "rtlog", "export", path, "-o", out],
                "query p90 by model": [py, "-m", "rtlog", "query", out,
                                       "SELECT model, quantile_cont(latency_ms, 0.9) FROM files JOIN turns USING (file) GROUP BY 1"],
            }  # fmt: skip
            got: dict[str, list[tuple[float, int, int]]] = {k: [] for k in cases}
            for r in range(args.repeat):
                for name, cmd in cases.items():
                    got[name].append(run(cmd))
                    print(f"{label} round {r + 1}: {name}: {got[name][-1][0]:.2f} s", file=sys.stderr)
            base = statistics.median(w for w, _, _ in got["summary --json"])
            lines += [f"## {label}: {path.replace(ROOT + '/', '')} ({mb:,.0f} MB)", "",
                      "| case | median s | MB/s | throughput vs summary | peak RSS main | peak RSS largest worker |",
                      "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
            for name, runs in got.items():
                wall = statistics.median(w for w, _, _ in runs)
                main_rss = max(m for _, m, _ in runs) / 1024
                worker = max(w for _, _, w in runs) / 1024
                rel = f"{base / wall:.0%}" if name.startswith(("export", "summary")) else ""
                lines.append(f"| {name} | {wall:.2f} | {mb / wall:,.0f} | {rel} | {main_rss:.0f} MB | "
                             f"{f'{worker:.0f} MB' if worker else '—'} |")  # fmt: skip
            lines.append("")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.results:
        with open(args.results, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
