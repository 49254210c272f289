#!/usr/bin/env python3
"""`rtlog filter` by type and by id against `grep -F` and `jq`, whole processes, in rounds.

    python bench/filter_bench.py                                  # generated 1-hour logs (bare, envelope) + 1 GB
    python bench/filter_bench.py --file s60=/work/bdata/s60.jsonl --file s60env=/work/bdata/s60env.jsonl
    python bench/filter_bench.py --gb 0 --repeat 3                # no 1 GB log; a quick look

Each round runs, per log, every case once in turn (grep, jq, rtlog with the default -j and
with -j 1), so a slow spell of the shared host falls on the baselines and rtlog alike.
Reported per case: the median wall and CPU time (user + system of the process tree, from
`wait4`), and per rtlog case the **median of the per-round ratios** to `grep -F` of the same
string (goal ≤ 1.5×) and to `jq -c 'select(...)'` (goal ≥ 15× faster), wall and CPU. The
load average is printed before and after: on a shared host, the CPU ratios are the ones to
trust. Every case's output goes to a file; rtlog's line count must equal grep's (type) or
jq's (id), else the case says MISMATCH.

Generated logs are cached in bench/data/ (git-ignored): `gen_session.py --minutes 60`, bare
and `--envelope time-source`, and `--minutes N` for the 1 GB log (~4 minutes of CPU for jq).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data")
TYPE = "response.done"
MB_PER_MINUTE = 4.03  # gen_session.py: ~242 MB per hour


def run(argv: list[str], out: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s of the process and its children) of one run, its stdout to `out`."""
    with open(out, "wb") as f:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=f, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode not in (0, 1):
        raise SystemExit(f"failed ({p.returncode}): {' '.join(argv)}")
    return wall, ru.ru_utime + ru.ru_stime


def lines(path: str) -> int:
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def generated(minutes: float, envelope: str) -> str:
    os.makedirs(DATA, exist_ok=True)
    path = os.path.join(DATA, f"session-{minutes:g}m-beta-{envelope}-s1.jsonl")
    if not os.path.exists(path):
        print(f"generating {path} …", file=sys.stderr)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_session.py"), path, "--minutes", str(minutes),
                        "--dialect", "beta", "--envelope", envelope], check=True)  # fmt: skip
    return path


def a_response_id(path: str) -> str:
    """The id of a response in the middle of the log (its audio lines carry it too)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        f.seek(size // 2)
        f.readline()
        for line in f:
            at = line.find(b'"response_id":"')
            if at >= 0:
                return line[at + 15 : line.index(b'"', at + 15)].decode()
    raise SystemExit(f"{path}: no response_id")


def cases(log: str, rid: str, python: str) -> list[tuple[str, list[str], str]]:
    """(name, argv, group): group 'type' or 'id', the grep and jq of the group are its baselines."""
    rt = [python, "-m", "rtlog", "filter", log]
    ev = "(if .type then . else (.event // .data // {}) end)"
    return [
        ("grep", ["grep", "-F", f'"type":"{TYPE}"', log], "type"),
        ("jq", ["jq", "-c", f'select({ev}.type=="{TYPE}")', log], "type"),
        ("rtlog", [*rt, "-t", TYPE], "type"),
        ("rtlog -j 1", [*rt, "-t", TYPE, "-j", "1"], "type"),
        ("grep", ["grep", "-F", rid, log], "id"),
        ("jq", ["jq", "-c", f'{ev} as $e | select($e.response_id=="{rid}" or ($e.response|objects|.id)=="{rid}")', log], "id"),
        ("rtlog", [*rt, "--response", rid], "id"),
        ("rtlog -j 1", [*rt, "--response", rid, "-j", "1"], "id"),
    ]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", action="append", default=[], metavar="LABEL=PATH", help="a log to run on (repeatable)")
    ap.add_argument("--gb", type=float, default=1.0, help="also a generated log of this size (0: none)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--no-jq", action="store_true", help="leave jq out (slow on 1 GB)")
    a = ap.parse_args(argv)
    if not shutil.which("grep"):
        raise SystemExit("needs grep")
    use_jq = not a.no_jq and shutil.which("jq") is not None
    logs = [tuple(f.split("=", 1)) for f in a.file] or [("1 h, bare", generated(60, "none")),
                                                         ("1 h, envelopes", generated(60, "time-source"))]  # fmt: skip
    if a.gb:
        logs.append((f"{a.gb:g} GB", generated(round(a.gb * 1000 / MB_PER_MINUTE), "none")))
    env = dict(os.environ, PYTHONPATH=ROOT)
    print(f"# filter against grep -F and jq — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print(f"- machine: {os.cpu_count()} CPUs, {platform.machine()}, {platform.platform()}; python {platform.python_version()}")
    print(f"- rounds: {a.repeat}; medians; ratios are medians of per-round ratios; CPU = user + system of the process tree")
    print(f"- load average (1, 5, 15 min) at the start: {load()}\n")
    with tempfile.TemporaryDirectory() as tmp:
        for label, log in logs:
            with open(log, "rb") as f:  # into the page cache
                while f.read(1 << 24):
                    pass
            rid = a_response_id(log)
            todo = [c for c in cases(log, rid, a.python) if use_jq or c[0] != "jq"]
            times: dict[tuple[str, str], list[tuple[float, float]]] = {(n, g): [] for n, _, g in todo}
            counts: dict[tuple[str, str], int] = {}
            for _ in range(a.repeat):
                for name, cmd, group in todo:
                    out = os.path.join(tmp, "out")
                    times[name, group].append(run(cmd, out, env))
                    counts[name, group] = lines(out)
            size = os.path.getsize(log) / 1e6
            print(f"## {label}: {os.path.basename(log)}, {size:,.0f} MB (load after: {load()})\n")
            print("| by | case | wall s | CPU s | vs grep -F (wall · CPU) | faster than jq (wall · CPU) | lines |")
            print("|---|---|---|---|---|---|---|")
            for name, _, group in todo:
                t = times[name, group]
                g, j = times["grep", group], times.get(("jq", group))
                row = [group if name == "grep" else "", f"`{name}`", f"{statistics.median(x[0] for x in t):.3f}",
                       f"{statistics.median(x[1] for x in t):.3f}"]  # fmt: skip
                if name.startswith("rtlog"):
                    rg = [statistics.median(t[i][k] / max(g[i][k], 1e-3) for i in range(len(t))) for k in (0, 1)]
                    row.append(f"{rg[0]:.2f}× · {rg[1]:.2f}×")
                    if j:
                        rj = [statistics.median(j[i][k] / max(t[i][k], 1e-3) for i in range(len(t))) for k in (0, 1)]
                        row.append(f"{rj[0]:.1f}× · {rj[1]:.1f}×")
                    else:
                        row.append("-")
                    want = counts[("grep" if group == "type" else "jq"), group] if (group == "type" or j) else None
                    ok = want is None or counts[name, group] == want
                    row.append(f"{counts[name, group]}" + ("" if ok else f" **MISMATCH** (want {want})"))
                else:
                    row += ["-", "-", str(counts[name, group])]
                print("| " + " | ".join(row) + " |")
            print()
    print(json.dumps({"load_end": load()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
