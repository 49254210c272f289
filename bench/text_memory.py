#!/usr/bin/env python3
"""Memory of `transcript` against the text it keeps (issue 21): peak RSS of each format
on generated logs of one reply streamed as ONE huge delta, or as MANY small deltas
(8 characters each), at several text sizes.

    python bench/text_memory.py                       # 10 and 50 MB of text; writes bench/results-text-memory.md
    python bench/text_memory.py --sizes 5 --results ''

Each log is written into a temporary directory (deleted afterwards), then every case
runs once as its own process under GNU `/usr/bin/time -f %M`. The figure is the peak RSS
over the peak of the same command on a log of one word, divided by the text's size.
Goal: at most ~3 (tests/test_transcript_memory.py bounds it at 3.5 for 12 and 4 MB).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import orjson

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HEAD = [
    {"type": "session.created", "session": {"id": "s", "model": "gpt-realtime"}},
    {"type": "response.created", "response": {"id": "r", "status": "in_progress"}},
    {"type": "response.output_item.added", "response_id": "r", "item": {"id": "i", "type": "message", "role": "assistant"}},
]
DONE = {"type": "response.done", "response": {"id": "r", "status": "completed"}}
FORMATS = {"text": [], "json": ["--format", "json"], "markdown": ["--format", "markdown"]}


def _delta(text: str) -> bytes:
    return orjson.dumps({"type": "response.output_audio_transcript.delta", "response_id": "r", "item_id": "i",
                         "content_index": 0, "delta": text}) + b"\n"  # fmt: skip


def write_log(path: str, shape: str, text_bytes: int) -> int:
    """The log of one reply of `text_bytes` of text in `shape`; returns the text's size."""
    with open(path, "wb") as f:
        f.writelines(orjson.dumps(x) + b"\n" for x in HEAD)
        if shape == "one huge delta":
            text = "word " * (text_bytes // 5)
            f.write(_delta(text))
            kept = len(text.strip())
        elif shape == "many small deltas":
            line = _delta("eight ch")
            n = text_bytes // 8
            for _ in range(n // 1000):
                f.write(line * 1000)
            f.write(line * (n % 1000))
            kept = n * 8
        else:  # a tiny log: the baseline
            f.write(_delta("word"))
            kept = 4
        f.write(orjson.dumps(DONE) + b"\n")
    return kept


def peak_kb(python: str, log: str, args: list[str]) -> tuple[int, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as out:
        p = subprocess.run(["/usr/bin/time", "-f", "%M", python, "-m", "rtlog", "transcript", *args, log], stdout=out,
                           stderr=subprocess.PIPE, env=env, cwd=ROOT, check=True)  # fmt: skip
    return int(p.stderr.splitlines()[-1]), time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10,50", help="text sizes in MB, comma-separated")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--results", default=os.path.join(HERE, "results-text-memory.md"), help="'' to print only")
    a = ap.parse_args(argv)
    sizes = [float(x) for x in a.sizes.split(",") if x]
    rows = []
    with tempfile.TemporaryDirectory(dir=HERE) as tmp:
        tiny = os.path.join(tmp, "tiny.jsonl")
        write_log(tiny, "tiny", 0)
        base = {f: peak_kb(a.python, tiny, args)[0] for f, args in FORMATS.items()}
        for shape in ("one huge delta", "many small deltas"):
            for mb in sizes:
                log = os.path.join(tmp, "log.jsonl")
                kept = write_log(log, shape, int(mb * 1e6))
                for f, args in FORMATS.items():
                    kb, secs = peak_kb(a.python, log, args)
                    ratio = (kb - base[f]) * 1024 / kept
                    rows.append(f"| {shape} | {kept / 1e6:.0f} MB | {os.path.getsize(log) / 1e6:.0f} MB | {f} | "
                                f"{kb / 1024:.0f} MB | {ratio:.2f} | {secs:.1f} s |")  # fmt: skip
                    print(rows[-1], flush=True)
                os.unlink(log)
    page = "\n".join([
        "# transcript: memory against the text it keeps", "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- command: `python bench/text_memory.py --sizes {a.sizes}`",
        f"- baseline (a log of one word): {', '.join(f'{f} {kb / 1024:.0f} MB' for f, kb in base.items())}",
        "- ratio: (peak RSS - baseline) / text size; reading a line alone costs ~3 times its size", "",
        "| shape | text | log | format | peak RSS | ratio | time |", "|---|---|---|---|---|---|---|", *rows, "",
    ])  # fmt: skip
    if a.results:
        with open(a.results, "w") as f:
            f.write(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
