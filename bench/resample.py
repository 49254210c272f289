#!/usr/bin/env python3
"""What band-limited rate conversion (`rtlog.audio.resample`) costs.

    python bench/resample.py                 # writes bench/results-resample.md
    python bench/resample.py --minutes 2 --results ''

1. The resampler alone: 10 s of a speech-band signal through `SincResampler` in 20 ms chunks,
   for the conversions rtlog meets (8 kHz G.711 into a 24 kHz mix, 16 kHz, 24 kHz to telephony
   rates, to 44.1 / 48 kHz): µs per output sample and how many times faster than real time
   (best of 3), with numpy (the `audio` extra) and in pure Python.
2. extract-audio end to end on a generated session (`gen_session.py`, --minutes of it):
   the assistant side as it is, then with `--out-rate 16000` and `--out-rate 48000`, and the
   stereo mix with `--out-rate 48000` (wall time, best of 3, one process each), with numpy
   and without (`RTLOG_NO_NUMPY=1`).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from array import array

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from rtlog.audio.resample import SincResampler  # noqa: E402

PAIRS = [(8000, 24000), (16000, 24000), (24000, 16000), (24000, 8000), (24000, 48000), (24000, 44100)]


def signal(rate: int, seconds: float) -> bytes:
    x = array("h", [round(3000 * math.sin(2 * math.pi * 180 * i / rate) + 2000 * math.sin(2 * math.pi * 1250 * i / rate))
                    for i in range(int(rate * seconds))])  # fmt: skip
    return x.tobytes()


def bench_pair(src: int, dst: int, seconds: float = 10.0, fast: bool = True) -> tuple[float, float]:
    data = signal(src, seconds)
    step = src // 50 * 2  # 20 ms chunks
    best = math.inf
    n = 0
    for _ in range(3):
        r = SincResampler(src, dst, fast=fast)
        t = time.perf_counter()
        n = sum(len(r.process(data[i : i + step])) for i in range(0, len(data), step)) + len(r.flush())
        best = min(best, time.perf_counter() - t)
    samples = n // 2
    return best / samples * 1e6, seconds / best


def run_cli(args: list[str], pure: bool = False) -> float:
    env = {**os.environ, "RTLOG_NO_NUMPY": "1"} if pure else {k: v for k, v in os.environ.items() if k != "RTLOG_NO_NUMPY"}
    best = math.inf
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rtlog", *args], check=True, capture_output=True, cwd=ROOT, env=env)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0, help="length of the generated session")
    ap.add_argument("--results", default=os.path.join(HERE, "results-resample.md"), help="markdown path ('' = none)")
    a = ap.parse_args()
    from run import machine_info  # the benchmark's own helper

    info = machine_info()
    lines = ["# Band-limited rate conversion: what it costs", "", f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             f"- machine: {info['nproc']} CPUs, {info['cpu']}; {info['platform']}", f"- python: {info['python']}",
             "- shared host (other jobs running): figures are best of 3", "",
             "## The resampler alone (10 s of audio in 20 ms chunks, best of 3)", "",
             "| conversion | taps per output sample | numpy: µs per output sample · × real time | pure Python: µs · × real time |",
             "|---|---|---|---|"]  # fmt: skip
    for src, dst in PAIRS:
        us, speed = bench_pair(src, dst)
        us0, speed0 = bench_pair(src, dst, fast=False)
        r = SincResampler(src, dst)
        lines.append(f"| {src / 1000:g} → {dst / 1000:g} kHz | {r._k} | {us:.2f} · {speed:.0f}× | {us0:.2f} · {speed0:.0f}× |")
        print(lines[-1], file=sys.stderr)
    import gen_session

    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "s.jsonl")
        gen_session.write_session(log, a.minutes, "ga")
        out = os.path.join(d, "o.wav")
        size = os.path.getsize(log)
        lines += ["", f"## extract-audio on a generated {a.minutes:g}-minute session ({size / 1e6:.0f} MB; best of 3)", "",
                  "| command | numpy: wall s · vs. as it is | pure Python: wall s · vs. as it is |", "|---|---|---|"]  # fmt: skip
        base = 1.0
        for label, args in (
            ("assistant, 24 kHz as it is", []),
            ("assistant, --out-rate 16000", ["--out-rate", "16000"]),
            ("assistant, --out-rate 48000", ["--out-rate", "48000"]),
            ("--side both, 24 kHz as it is", ["--side", "both"]),
            ("--side both, --out-rate 48000", ["--side", "both", "--out-rate", "48000"]),
        ):
            t = run_cli(["extract-audio", log, *args, "-o", out])
            if not args or args == ["--side", "both"]:
                base = t
                lines.append(f"| {label} | {t:.2f} · 1.0× | (the same) |")
            else:
                t0 = run_cli(["extract-audio", log, *args, "-o", out], pure=True)
                lines.append(f"| {label} | {t:.2f} · {t / base:.1f}× | {t0:.2f} · {t0 / base:.1f}× |")
            print(lines[-1], file=sys.stderr)
    lines.append("")
    text = "\n".join(lines)
    print(text)
    if a.results:
        with open(a.results, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
