#!/usr/bin/env python3
"""Scale check: every rtlog command on generated logs of 0.25, 1 and 5 GB.

    python bench/scale.py                     # 0.25, 1 and 5 GB; writes bench/results-scale.md
    python bench/scale.py --sizes 0.05,0.25   # a quick look
    python bench/scale.py --only summary,filter-count --results ''

Each log is generated on the fly by `gen_session.py` into a temporary file in `bench/`
(deleted afterwards, never committed; the page cache is warmed by reading it once), then
every case runs once as its own process with its output in a temporary file. Measured:

- wall time, and seconds per GB (time grows linearly when that figure stays flat);
- peak RSS of the largest process (`wait4`'s `ru_maxrss`, under GNU `/usr/bin/time -f %M`
  when present so that the bench's own memory is not inherited), and the peak of the
  summed RSS of the whole process tree sampled from /proc every 20 ms (summary's forked
  workers are separate processes; shared pages count once per process there, so the sum
  overstates);
- a cheap check that nothing was lost: event, `response.done` and audio byte counts against
  the generator's truth.

Goal (issue 20): peak RSS < 64 MB for every command at every size, the fleet commands (report,
export, diff, redact) included; time linear in the size.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import gen_session  # noqa: E402
from run import gnu_time, machine_info, prewarm  # noqa: E402 - the benchmark's own helpers

RSS_GOAL_MB = 64
#: bytes per minute of a generated beta session without envelope (measured once, below)
_CALIBRATE_MINUTES = 5.0


@dataclass
class Case:
    name: str
    args: Callable[[str, str], list[str]]  # (log, out path) → rtlog arguments
    check: Callable[[dict, str, str, int], str]  # (truth, stdout path, out path, exit) → "" or a problem
    ok_codes: tuple[int, ...] = (0,)
    out_suffix: str = ""


@dataclass
class Run:
    case: str
    size_bytes: int
    seconds: float = 0.0
    exit_code: int = 0
    rss_kb: int = 0  # largest single process
    tree_kb: int = 0  # largest sampled sum over the process tree
    out_bytes: int = 0
    problem: str = ""
    stderr_tail: str = ""
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- checks

def _text(path: str, limit: int = 1 << 22) -> str:
    with open(path, "rb") as f:
        return f.read(limit).decode("utf-8", "replace")


def _check_none(truth: dict, stdout: str, out: str, code: int) -> str:
    return ""


def _check_summary_json(truth: dict, stdout: str, out: str, code: int) -> str:
    import orjson

    with open(stdout, "rb") as f:
        obj = orjson.loads(f.read())
    got = obj.get("events")
    return "" if got == truth["events"] else f"summary events {got} != truth {truth['events']}"


def _check_count(truth: dict, stdout: str, out: str, code: int) -> str:
    want = truth["event_counts"].get("response.done", 0)
    got = _text(stdout).strip()
    return "" if got == str(want) else f"filter -c printed {got!r}, truth has {want} response.done"


def _lines(path: str) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def _check_filter_lines(truth: dict, stdout: str, out: str, code: int) -> str:
    want = truth["event_counts"].get("response.done", 0)
    n = _lines(stdout)
    return "" if n == want else f"filter wrote {n} lines, truth has {want} response.done"


def _check_strip(truth: dict, stdout: str, out: str, code: int) -> str:
    n = _lines(stdout)
    return "" if n == truth["events"] else f"--strip-audio wrote {n} lines, truth has {truth['events']} events"


def _check_transcript(truth: dict, stdout: str, out: str, code: int) -> str:
    first = (truth.get("user_transcripts") or [""])[0]
    return "" if first[:40] in _text(stdout) else "the first user turn's text is missing"


def _check_transcript_json(truth: dict, stdout: str, out: str, code: int) -> str:
    import orjson

    with open(stdout, "rb") as f:
        entries = orjson.loads(f.read())
    users = sum(1 for e in entries if e.get("role") == "user" and e.get("type") == "message")
    want = len(truth.get("user_transcripts") or [])
    return "" if users == want else f"transcript has {users} user messages, truth {want}"


def _wav_data_bytes(path: str) -> int | None:
    """The data chunk's size: of a 44-byte RIFF header, one with a JUNK chunk reserved for
    RF64 (80 bytes), or an RF64 file's (in its ds64 chunk)."""
    with open(path, "rb") as f:
        head = f.read(80)
    if len(head) >= 44 and head[:4] == b"RIFF" and head[36:40] == b"data":
        return struct.unpack("<I", head[40:44])[0]
    if len(head) >= 80 and head[:4] == b"RIFF" and head[12:16] == b"JUNK" and head[72:76] == b"data":
        return struct.unpack("<I", head[76:80])[0]
    if len(head) >= 80 and head[:4] == b"RF64" and head[12:16] == b"ds64":
        return struct.unpack("<Q", head[28:36])[0]
    return None


def _check_wav(truth: dict, stdout: str, out: str, code: int) -> str:
    want = truth["audio_bytes"]["output"]
    got = _wav_data_bytes(out) if os.path.exists(out) else None
    return "" if got == want else f"WAV data {got} bytes, truth {want}"


def _check_heard(truth: dict, stdout: str, out: str, code: int) -> str:
    want = truth["audio_bytes"]["output_heard"]
    got = _wav_data_bytes(out) if os.path.exists(out) else None
    return "" if got == want else f"WAV data {got} bytes, truth heard {want}"


def _check_both_wav(truth: dict, stdout: str, out: str, code: int) -> str:
    """Stereo of the whole call: a WAV (RF64 past 4 GiB); an exit 2 must leave no file behind."""
    if code == 2:
        if os.path.exists(out) or any(n.endswith(".part") for n in os.listdir(os.path.dirname(out))):
            return "failed but left a file behind"
        return ""
    got = _wav_data_bytes(out) if os.path.exists(out) else None
    return "" if got and got % 4 == 0 else f"stereo WAV data {got}"


def _check_both_raw(truth: dict, stdout: str, out: str, code: int) -> str:
    size = os.path.getsize(out) if os.path.exists(out) else -1
    return "" if size > 0 and size % 4 == 0 else f"raw stereo output of {size} bytes"


def _check_report(truth: dict, stdout: str, out: str, code: int) -> str:
    with open(out, "rb") as f:
        page = f.read()
    return "" if page.startswith(b"<!DOCTYPE html>") and page.rstrip().endswith(b"</html>") else "not a whole HTML page"


def _check_export(truth: dict, stdout: str, out: str, code: int) -> str:
    import orjson

    turns = _lines(os.path.join(out, "turns.jsonl"))
    with open(os.path.join(out, "sessions.jsonl"), "rb") as f:
        row = orjson.loads(f.readline())
    want = truth["event_counts"].get("response.done", 0)
    got = row.get("responses")
    if turns != truth["user_turns"] or got != want:
        return f"export: {turns} turn rows, {got} responses; truth {truth['user_turns']} turns, {want} responses"
    return ""


def _check_diff(truth: dict, stdout: str, out: str, code: int) -> str:
    return "" if code == 0 else f"diff of a log with itself exited {code}"


def _check_redact(truth: dict, stdout: str, out: str, code: int) -> str:
    n = _lines(out)
    return "" if n == truth["events"] else f"redact wrote {n} lines, truth has {truth['events']} events"


CASES = [
    Case("summary", lambda log, out: ["summary", log], _check_none),
    Case("summary-j1", lambda log, out: ["summary", "-j", "1", log], _check_none),
    Case("summary-json", lambda log, out: ["summary", "--json", log], _check_summary_json),
    Case("filter", lambda log, out: ["filter", log, "-t", "response.done"], _check_filter_lines),
    Case("filter-count", lambda log, out: ["filter", log, "-t", "response.done", "-c"], _check_count),
    Case("filter-strip-audio", lambda log, out: ["filter", log, "--strip-audio"], _check_strip),
    Case("transcript", lambda log, out: ["transcript", log], _check_transcript),
    Case("transcript-json", lambda log, out: ["transcript", log, "--format", "json"], _check_transcript_json),
    Case("extract-audio", lambda log, out: ["extract-audio", log, "-o", out], _check_wav, out_suffix=".wav"),
    Case("extract-audio-heard", lambda log, out: ["extract-audio", log, "--heard", "-o", out], _check_heard,
         out_suffix=".wav"),
    Case("extract-audio-both", lambda log, out: ["extract-audio", log, "--side", "both", "-o", out], _check_both_wav,
         ok_codes=(0, 2), out_suffix=".wav"),
    Case("extract-audio-both-raw", lambda log, out: ["extract-audio", log, "--side", "both", "--raw", "-o", out],
         _check_both_raw, out_suffix=".pcm"),
    Case("report", lambda log, out: ["report", log, "-o", out], _check_report, out_suffix=".html"),
    Case("export-jsonl", lambda log, out: ["export", log, "-o", out, "--format", "jsonl"], _check_export, out_suffix=".d"),
    Case("diff", lambda log, out: ["diff", log, log], _check_diff),
    Case("redact", lambda log, out: ["redact", log, "-o", out], _check_redact, out_suffix=".jsonl"),
]


# --------------------------------------------------------------------------- running

def _tree_rss_kb(root: int) -> int:
    """Summed VmRSS of `root` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as f:
                st = f.read()
        except OSError:
            continue
        m = re.search(rb"^PPid:\s+(\d+)", st, re.M)
        r = re.search(rb"^VmRSS:\s+(\d+)", st, re.M)
        pid = int(name)
        if m:
            children.setdefault(int(m.group(1)), []).append(pid)
        rss[pid] = int(r.group(1)) if r else 0
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


def run_once(argv: list[str], stdout_path: str, stderr_path: str, env: dict, timer: str | None,
             timeout: float) -> tuple[float, int, int, int]:
    """(wall seconds, exit code, peak RSS KB of the largest process, peak tree RSS KB)."""
    rss_file = stdout_path + ".rss"
    full = [timer, "-f", "%M", "-o", rss_file, *argv] if timer else argv
    peak_tree = 0
    with open(stdout_path, "wb") as so, open(stderr_path, "wb") as se:
        t0 = time.perf_counter()
        p = subprocess.Popen(full, stdout=so, stderr=se, stdin=subprocess.DEVNULL, cwd=ROOT, env=env,
                             start_new_session=True)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_tree
            deadline = time.monotonic() + timeout
            while not done.wait(0.02):
                peak_tree = max(peak_tree, _tree_rss_kb(p.pid) - (_own_kb(timer) if timer else 0))
                if time.monotonic() > deadline:
                    os.killpg(p.pid, 9)
                    return

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        _, status, ru = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t0
        done.set()
        th.join()
    p.returncode = code = os.waitstatus_to_exitcode(status)
    rss = ru.ru_maxrss
    if timer:
        nums = re.findall(r"^\s*(\d+)\s*$", _text(rss_file), re.M)
        if nums:
            rss = int(nums[-1])
        os.unlink(rss_file)
    return dt, code, rss, max(peak_tree, rss)


_timer_kb: dict[str, int] = {}


def _own_kb(timer: str) -> int:
    """GNU time's own RSS (it is the root of the sampled tree)."""
    if timer not in _timer_kb:
        p = subprocess.run([timer, "-f", "%M", "true"], capture_output=True)
        _timer_kb[timer] = int(p.stderr.strip() or 0)
    return _timer_kb[timer]


def bytes_per_minute() -> float:
    import io

    buf = io.BytesIO()
    gen_session.generate(buf, _CALIBRATE_MINUTES, "beta", "none", 1)
    return buf.tell() / _CALIBRATE_MINUTES


# --------------------------------------------------------------------------- report

def machine() -> str:
    info = machine_info()
    return f"{len(os.sched_getaffinity(0))} CPUs usable, {info['cpu']}; {info['platform']}"


def render(all_runs: dict[float, list[Run]], sizes: list[float], cases: list[Case], argv: list[str],
           python: str, timer: str | None) -> str:
    by = {(gb, r.case): r for gb in sizes for r in all_runs.get(gb, [])}
    lines = [
        "# rtlog scale results",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- machine: {machine()}",
        f"- python: {platform.python_version()} ({python})",
        f"- command: `python bench/scale.py {' '.join(argv)}`".rstrip() + "",
        "- logs: generated by `gen_session.py` (beta, bare events, seed 1) into a temporary file in `bench/`, "
        "page cache warm; one run per case; output to a temporary file",
        f"- peak RSS: largest process ({'GNU time %M' if timer else 'wait4 ru_maxrss'}); tree: summed RSS of "
        "the process tree sampled every 20 ms (forked summary workers; shared pages counted per process)",
        f"- goal: peak RSS < {RSS_GOAL_MB} MB, time linear in the size (s/GB flat)",
        "",
    ]
    head = "| case | " + " | ".join(f"{gb:g} GB: s · s/GB · RSS MB (tree)" for gb in sizes) + " | s/GB ratio largest/smallest | result |"
    lines += [head, "|---" * (len(sizes) + 3) + "|"]
    for c in cases:
        cells, rates, ok = [], [], True
        for gb in sizes:
            r = by.get((gb, c.name))
            if r is None:
                cells.append("-")
                continue
            rate = r.seconds / (r.size_bytes / 1e9)
            rates.append(rate)
            cells.append(f"{r.seconds:.2f} · {rate:.2f} · {r.rss_kb / 1024:.0f} ({r.tree_kb / 1024:.0f})")
            if r.problem or r.rss_kb / 1024 >= RSS_GOAL_MB:
                ok = False
        ratio = f"{rates[-1] / rates[0]:.2f}" if len(rates) > 1 and rates[0] else "-"
        lines.append(f"| {c.name} | " + " | ".join(cells) + f" | {ratio} | {'PASS' if ok else 'FAIL'} |")
    lines.append("")
    notes = []
    for gb in sizes:
        for r in all_runs.get(gb, []):
            if r.problem:
                notes.append(f"- {gb:g} GB {r.case}: **{r.problem}**")
            for n in r.notes:
                notes.append(f"- {gb:g} GB {r.case}: {n}")
    if notes:
        lines += ["Notes:", "", *notes, ""]
    sizes_line = ", ".join(
        f"{gb:g} GB = {all_runs[gb][0].size_bytes / 1e9:.2f} GB" for gb in sizes if all_runs.get(gb))
    lines += [f"Actual log sizes: {sizes_line}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description="Run every rtlog command on 0.25, 1 and 5 GB generated logs.")
    ap.add_argument("--sizes", default="0.25,1,5", help="log sizes in GB (10^9 bytes), comma-separated")
    ap.add_argument("--only", default="", help="comma-separated cases: " + ", ".join(c.name for c in CASES))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per run before it is killed")
    ap.add_argument("--results", default=os.path.join(HERE, "results-scale.md"), help="markdown path ('' = none)")
    ap.add_argument("--no-timestamps", action="store_true",
                    help="drop every timestamp from the generated logs (sizes are then a little under the target)")
    a = ap.parse_args(argv)
    sizes = sorted(float(s) for s in a.sizes.split(",") if s.strip())
    cases = CASES
    if a.only:
        want = {w.strip() for w in a.only.split(",") if w.strip()}
        unknown = want - {c.name for c in CASES}
        if unknown:
            ap.error(f"unknown case(s): {', '.join(sorted(unknown))}")
        cases = [c for c in CASES if c.name in want]
    timer = gnu_time()

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    bpm = bytes_per_minute()
    all_runs: dict[float, list[Run]] = {}
    failed = False
    for gb in sizes:
        runs: list[Run] = []
        _run_size_into(gb, cases, a.python, bpm, a.timeout, timer, log, runs, not a.no_timestamps)
        all_runs[gb] = runs
        failed |= any(r.problem or r.rss_kb / 1024 >= RSS_GOAL_MB for r in runs)
    report = render(all_runs, sizes, cases, argv, a.python, timer)
    print(report)
    if a.results:
        with open(a.results, "w", encoding="utf-8") as f:
            f.write(report)
    return 1 if failed else 0


class _NoTimestamps:
    """A file that drops the `"timestamp"` the generator puts last on each line (a log
    without timestamps: `--side both` places by VAD offsets then)."""

    def __init__(self, f: object) -> None:
        self.f = f
        self.carry = b""

    def write(self, data: bytes) -> int:
        data = self.carry + bytes(data)
        end = data.rfind(b"\n") + 1
        self.carry = data[end:]
        self.f.write(re.sub(rb',"timestamp":[-+.0-9eE]+}\n', b"}\n", data[:end]))  # type: ignore[attr-defined]
        return len(data)

    def tell(self) -> int:
        return self.f.tell() + len(self.carry)  # type: ignore[attr-defined]

    def flush(self) -> None:
        self.f.flush()  # type: ignore[attr-defined]


def _run_size_into(gb: float, cases: list[Case], python: str, bpm: float, timeout: float, timer: str | None,
                   log: Callable[[str], None], runs: list[Run], timestamps: bool = True) -> None:
    """Generate a log of `gb` GB, run every case on it, append the runs."""
    minutes = gb * 1e9 / bpm
    tmpdir = tempfile.mkdtemp(prefix=".scale-", dir=HERE)
    try:
        path = os.path.join(tmpdir, f"session-{gb:g}GB.jsonl")
        t0 = time.perf_counter()
        with open(path, "wb") as f:
            truth = gen_session.generate(f if timestamps else _NoTimestamps(f), minutes, "beta", "none", 1)
        size = os.path.getsize(path)
        log(f"{gb:g} GB: generated {size / 1e9:.2f} GB ({minutes:.0f} min, {truth['events']} events) "
            f"in {time.perf_counter() - t0:.0f} s")
        prewarm(path)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "FORCE_COLOR")}
        for case in cases:
            out = os.path.join(tmpdir, f"out{case.out_suffix}")
            so, se = os.path.join(tmpdir, "stdout"), os.path.join(tmpdir, "stderr")
            r = Run(case.name, size)
            r.seconds, r.exit_code, r.rss_kb, r.tree_kb = run_once(
                [python, "-m", "rtlog", *case.args(path, out)], so, se, env, timer, timeout)
            r.stderr_tail = _text(se)[-400:].strip()
            if r.exit_code not in case.ok_codes:
                r.problem = f"exit {r.exit_code}: {r.stderr_tail}"
            else:
                r.problem = case.check(truth, so, out, r.exit_code)
                if r.exit_code != 0:
                    r.notes.append(f"exit {r.exit_code}: {r.stderr_tail}")
            r.out_bytes = os.path.getsize(out) if os.path.isfile(out) else os.path.getsize(so)
            log(f"  {case.name:24} {r.seconds:7.2f} s  {r.rss_kb / 1024:6.1f} MB (tree {r.tree_kb / 1024:6.1f} MB)"
                f"  exit {r.exit_code}  {r.problem or 'ok'}")
            runs.append(r)
            for p in (out, so, se):
                if os.path.isdir(p):  # (export's folder of tables)
                    shutil.rmtree(p)
                elif os.path.exists(p):
                    os.unlink(p)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
