#!/usr/bin/env python3
"""rtlog benchmark: time rtlog against simple baselines on one long generated session log.

    python bench/run.py                 # 60-minute log (~240 MB), 5 repetitions
    python bench/run.py --quick         # = --minutes 5 --repeat 3
    python bench/run.py --only summary,filter --repeat 3

The log is generated once by bench/gen_session.py and cached under bench/data/
(git-ignored). Every case is a separate process, run --repeat times in rounds (each
round runs every case once, so a slow spell of a shared host hits all alike); the table shows
the median wall time, throughput, ratio to its baseline(s), peak RSS (max over the
repetitions, from wait4's ru_maxrss) and whether the goals are met. The table is also
written to bench/results.md. See bench/README.md for the cases and goals.

A case whose command fails (e.g. an rtlog command that doesn't exist yet) is reported as
FAILED with the tail of its stderr; the run goes on. Exit status: 0 when every goal that
could be evaluated passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data")
sys.path.insert(0, HERE)

import gen_session  # noqa: E402

RSS_LIMIT_MB = 80.0
NEEDLE = '"type":"response.done"'


# --------------------------------------------------------------------------- cases

@dataclass
class Goal:
    text: str
    # (results) -> (ok or None when it can't be evaluated, measured text)
    check: Callable[[dict[str, Result]], tuple[bool | None, str]]


@dataclass
class Case:
    name: str
    kind: str  # "baseline", "rtlog", or "one-cpu" (rtlog held to one process: shown, not judged)
    argv: Callable[[Ctx], list[str]]
    desc: str
    needs: tuple[str, ...] = ()  # baselines this case is compared with
    goals: list[Goal] = field(default_factory=list)
    verify: Callable[[Ctx, Result, dict[str, Result]], str] | None = None
    ok_codes: tuple[int, ...] = (0,)
    requires: str | None = None  # an executable that must exist (else the case is skipped)


@dataclass
class Result:
    case: Case
    times: list[float] = field(default_factory=list)
    rss_kb: int = 0
    failed: str | None = None  # stderr tail / reason when the command failed
    skipped: str | None = None
    stdout_path: str = ""
    check: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped and bool(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def rss_mb(self) -> float:
        return self.rss_kb / 1024.0


@dataclass
class Ctx:
    file: str
    size: int
    py: str
    tmp: str
    envelope: str
    truth: dict | None

    def out(self, name: str) -> str:
        return os.path.join(self.tmp, name)


def _ratio_le(case: str, base: str, limit: float) -> Goal:
    def check(res: dict[str, Result]) -> tuple[bool | None, str]:
        c, b = res.get(case), res.get(base)
        if not (c and c.ok and b and b.ok):
            return None, f"{base}: n/a"
        r = c.median / b.median
        return r <= limit, f"{r:.2f}× {base}"
    return Goal(f"≤{limit:g}× {base}", check)


def _ratio_sum_le(case: str, bases: tuple[str, ...], limit: float) -> Goal:
    """The case against doing its parts one after the other (e.g. a summary, then the WAV)."""
    def check(res: dict[str, Result]) -> tuple[bool | None, str]:
        c, bs = res.get(case), [res.get(b) for b in bases]
        if not (c and c.ok and all(b and b.ok for b in bs)):
            return None, "n/a"
        r = c.median / sum(b.median for b in bs)  # type: ignore[union-attr]
        return r <= limit, f"{r:.2f}× {' + '.join(bases)}"
    return Goal(f"≤{limit:g}× {' + '.join(bases)}", check)


def _faster_ge(case: str, base: str, factor: float) -> Goal:
    def check(res: dict[str, Result]) -> tuple[bool | None, str]:
        c, b = res.get(case), res.get(base)
        if not (c and c.ok and b and b.ok):
            return None, f"{base}: n/a"
        r = b.median / c.median
        return r >= factor, f"{r:.1f}× faster than {base}"
    return Goal(f"≥{factor:g}× faster than {base}", check)


def _rss(case: str) -> Goal:
    def check(res: dict[str, Result]) -> tuple[bool | None, str]:
        c = res.get(case)
        if not (c and c.ok):
            return None, "n/a"
        return c.rss_mb < RSS_LIMIT_MB, f"{c.rss_mb:.0f} MB"
    return Goal(f"RSS<{RSS_LIMIT_MB:g}MB", check)


def _read_text(path: str, limit: int = 1 << 20) -> str:
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def _count_lines(path: str) -> int:
    n = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return n
            n += b.count(b"\n")


def _expected_done(ctx: Ctx, res: dict[str, Result]) -> int | None:
    g = res.get("grep-count")
    if g and g.ok:
        m = re.search(r"\d+", _read_text(g.stdout_path))
        if m:
            return int(m.group())
    if ctx.truth:
        return ctx.truth.get("response_done_lines")
    return None


def _verify_filter(ctx: Ctx, r: Result, res: dict[str, Result]) -> str:
    want = _expected_done(ctx, res)
    got = _count_lines(r.stdout_path)
    extra = ""
    jq = res.get("jq-select")
    if jq and jq.ok:
        extra = f", jq {_count_lines(jq.stdout_path)}"
    if want is None:
        return f"{got} lines"
    return f"{'ok' if got == want else 'MISMATCH'}: {got} lines (grep -c {want}{extra})"


def _verify_filter_count(ctx: Ctx, r: Result, res: dict[str, Result]) -> str:
    want = _expected_done(ctx, res)
    nums = re.findall(r"\d+", _read_text(r.stdout_path))
    if not nums:
        return "MISMATCH: no number printed"
    got = int(nums[-1])
    if want is None:
        return f"printed {got}"
    return f"{'ok' if got == want else 'MISMATCH'}: {got} (grep -c {want})"


def _verify_wav(ctx: Ctx, r: Result, res: dict[str, Result]) -> str:
    path = ctx.out("extract.wav")
    try:
        with wave.open(path, "rb") as w:
            ch, sw, rate, frames = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
    except Exception as e:  # noqa: BLE001 - report anything
        return f"unreadable WAV: {e}"
    data = frames * ch * sw
    desc = f"{ch}ch {rate}Hz {frames / rate if rate else 0:.1f}s"
    if ctx.truth and ch == 1:
        ab = ctx.truth["audio_bytes"]
        if data == ab["output"]:
            return f"ok: {desc} = all assistant audio"
        if data == ab["output_heard"]:
            return f"ok: {desc} = assistant audio as heard (truncated)"
        return f"MISMATCH: {desc}, {data} B vs truth {ab['output']} B (heard {ab['output_heard']} B)"
    return desc


def _verify_wav_both(ctx: Ctx, r: Result, res: dict[str, Result]) -> str:
    path = ctx.out("extract-both.wav")
    try:
        with wave.open(path, "rb") as w:
            ch, rate, frames = w.getnchannels(), w.getframerate(), w.getnframes()
        return f"{ch}ch {rate}Hz {frames / rate if rate else 0:.1f}s"
    except Exception:  # noqa: BLE001
        outs = [f for f in os.listdir(ctx.tmp) if f.startswith("extract-both")]
        return f"outputs: {', '.join(sorted(outs))}" if outs else "no WAV written"


def _verify_transcript(ctx: Ctx, r: Result, res: dict[str, Result]) -> str:
    if not ctx.truth or not ctx.truth.get("assistant_transcripts"):
        return ""
    text = _read_text(r.stdout_path, 1 << 22)
    first = ctx.truth["assistant_transcripts"][0]
    user = ctx.truth["user_transcripts"][0]
    seen = [n for n, s in (("assistant", first), ("user", user)) if s in text]
    return "first turn found (" + "+".join(seen) + ")" if seen else "first turn's text NOT found"


def _verify_json(ctx: Ctx, r: Result, res: dict[str, Result]) -> str:
    import json
    txt = _read_text(r.stdout_path, 1 << 26)
    try:
        json.loads(txt)
        return "valid JSON"
    except ValueError:
        try:  # JSON lines?
            for ln in txt.splitlines():
                if ln.strip():
                    json.loads(ln)
            return "valid JSON lines"
        except ValueError as e:
            return f"INVALID JSON: {e}"


def _reader_count(ctx: Ctx, r: Result, res: dict[str, Result]) -> str:
    nums = re.findall(r"\d+", _read_text(r.stdout_path))
    if not nums:
        return ""
    got = int(nums[-1])
    if ctx.truth:
        want = ctx.truth["events"]
        return f"{'ok' if got == want else 'MISMATCH'}: {got} events (truth {want})"
    return f"{got} events"


def build_cases(env_none: bool) -> list[Case]:
    jq_type = ".type" if env_none else "(.type // .event.type // .data.type)"
    rt = lambda *a: (lambda c: [c.py, "-m", "rtlog", *[x.replace("{F}", c.file) for x in a]])  # noqa: E731
    cases = [
        Case("orjson-loop", "baseline", lambda c: [c.py, os.path.join(HERE, "baseline_orjson.py"), c.file],
             "python: for line in file: orjson.loads(line)"),
        Case("audio-loop", "baseline",
             lambda c: [c.py, os.path.join(HERE, "baseline_audio.py"), c.file, c.out("baseline.pcm")],
             "orjson loop + a2b_base64 of each assistant audio delta, written to a file"),
        Case("audio-loop-both", "baseline",
             lambda c: [c.py, os.path.join(HERE, "baseline_audio.py"), c.file, c.out("baseline-both.pcm"), "--both"],
             "audio-loop + a2b_base64 of each user append too, each side written to its own file"),
        Case("grep-count", "baseline", lambda c: ["grep", "-F", "-c", NEEDLE, c.file],
             f"grep -F -c '{NEEDLE}'", ok_codes=(0, 1), requires="grep"),
        Case("grep-file", "baseline", lambda c: ["grep", "-F", NEEDLE, c.file],
             f"grep -F '{NEEDLE}' > file", ok_codes=(0, 1), requires="grep"),
        Case("jq-select", "baseline", lambda c: ["jq", "-c", f'select({jq_type}=="response.done")', c.file],
             f"jq -c 'select({jq_type}==\"response.done\")' > file", requires="jq"),
        Case("jq-uniq", "baseline",
             lambda c: ["sh", "-c", f'jq -r \'{jq_type}\' "$1" | sort | uniq -c', "sh", c.file],
             f"sh -c \"jq -r '{jq_type}' FILE | sort | uniq -c\"", requires="jq"),
        Case("reader", "rtlog", lambda c: [c.py, os.path.join(HERE, "reader_loop.py"), c.file],
             "bench/reader_loop.py: rtlog.io.reader.iter_events, touching ev.kind / ev.direction",
             needs=("orjson-loop",), goals=[_ratio_le("reader", "orjson-loop", 1.5), _rss("reader")],
             verify=_reader_count),
        Case("summary", "rtlog", rt("summary", "{F}"), "rtlog summary FILE",
             needs=("orjson-loop", "jq-uniq"),
             goals=[_ratio_le("summary", "orjson-loop", 1.3), _faster_ge("summary", "jq-uniq", 4), _rss("summary")]),
        Case("summary-json", "rtlog", rt("summary", "{F}", "--json"), "rtlog summary FILE --json",
             needs=("orjson-loop", "jq-uniq"),
             goals=[_ratio_le("summary-json", "orjson-loop", 1.3), _faster_ge("summary-json", "jq-uniq", 4),
                    _rss("summary-json")], verify=_verify_json),
        Case("filter", "rtlog", rt("filter", "{F}", "-t", "response.done"), "rtlog filter FILE -t response.done",
             needs=("jq-select", "grep-file", "grep-count"),
             goals=[_faster_ge("filter", "jq-select", 8), _ratio_le("filter", "grep-file", 5), _rss("filter")],
             verify=_verify_filter),
        Case("filter-count", "rtlog", rt("filter", "{F}", "-t", "response.done", "-c"),
             "rtlog filter FILE -t response.done -c", needs=("jq-select", "grep-file", "grep-count"),
             goals=[_faster_ge("filter-count", "jq-select", 8), _ratio_le("filter-count", "grep-file", 5),
                    _rss("filter-count")], verify=_verify_filter_count),
        Case("transcript", "rtlog", rt("transcript", "{F}"), "rtlog transcript FILE", needs=("orjson-loop",),
             goals=[_ratio_le("transcript", "orjson-loop", 1.3), _rss("transcript")], verify=_verify_transcript),
        Case("transcript-json", "rtlog", rt("transcript", "{F}", "--format", "json"),
             "rtlog transcript FILE --format json", needs=("orjson-loop",),
             goals=[_ratio_le("transcript-json", "orjson-loop", 1.3), _rss("transcript-json")],
             verify=_verify_json),
        # the same commands held to one process (-j 1): what a 1-CPU machine gets; not judged
        Case("summary-1cpu", "one-cpu", rt("summary", "{F}", "-j", "1"), "rtlog summary FILE -j 1",
             needs=("orjson-loop", "jq-uniq"),
             goals=[_ratio_le("summary-1cpu", "orjson-loop", 1.3), _faster_ge("summary-1cpu", "jq-uniq", 4)]),
        Case("filter-1cpu", "one-cpu", rt("filter", "{F}", "-t", "response.done", "-j", "1"),
             "rtlog filter FILE -t response.done -j 1", needs=("jq-select", "grep-file"),
             goals=[_faster_ge("filter-1cpu", "jq-select", 8), _ratio_le("filter-1cpu", "grep-file", 5)],
             verify=_verify_filter),
        Case("transcript-1cpu", "one-cpu", rt("transcript", "{F}", "-j", "1"), "rtlog transcript FILE -j 1",
             needs=("orjson-loop",), goals=[_ratio_le("transcript-1cpu", "orjson-loop", 1.3)],
             verify=_verify_transcript),
        Case("extract-audio", "rtlog",
             lambda c: [c.py, "-m", "rtlog", "extract-audio", c.file, "-o", c.out("extract.wav")],
             "rtlog extract-audio FILE -o OUT.wav", needs=("audio-loop",),
             goals=[_ratio_le("extract-audio", "audio-loop", 1.5), _rss("extract-audio")], verify=_verify_wav),
        Case("extract-audio-both", "rtlog",
             lambda c: [c.py, "-m", "rtlog", "extract-audio", c.file, "--side", "both", "-o",
                        c.out("extract-both.wav")],
             "rtlog extract-audio FILE --side both -o OUT.wav", needs=("audio-loop", "audio-loop-both"),
             goals=[_ratio_le("extract-audio-both", "audio-loop", 3), _ratio_le("extract-audio-both", "audio-loop-both", 1.5),
                    _rss("extract-audio-both")],
             verify=_verify_wav_both),
        # the report: a one-hour log's page (without audio) under 1 MB, in ≤ 1.5× summary's time
        Case("report", "rtlog",
             lambda c: [c.py, "-m", "rtlog", "report", c.file, "--audio", "none", "-o", c.out("report.html")],
             "rtlog report FILE --audio none -o OUT.html", needs=("summary",),
             goals=[_ratio_le("report", "summary", 1.5), _rss("report")], verify=_verify_report),
        Case("report-link", "rtlog",
             lambda c: [c.py, "-m", "rtlog", "report", c.file, "-o", c.out("report-link.html")],
             "rtlog report FILE -o OUT.html (the stereo WAV beside it)", needs=("summary", "extract-audio-both"),
             goals=[_ratio_sum_le("report-link", ("summary", "extract-audio-both"), 1.5), _rss("report-link")]),
    ]
    return cases


def _verify_report(ctx: Ctx, r: Result, res: dict[str, Result]) -> str:
    try:
        size = os.path.getsize(ctx.out("report.html"))
    except OSError:
        return "no page written"
    return f"{'ok' if size < 1_000_000 else 'TOO BIG'}: page {size / 1000:.0f} kB (goal < 1 MB)"


# --------------------------------------------------------------------------- running

def _tail(path: str, lines: int = 6, chars: int = 600) -> str:
    """The last lines of a stderr file, without rich/click box drawing."""
    keep = []
    for ln in _read_text(path, 1 << 22).splitlines():
        ln = ln.strip().strip("│").strip()
        if ln and not set(ln) <= set("╭╮╰╯─│ Error"):
            keep.append(ln)
    out = " | ".join(keep[-lines:])
    return out[-chars:] if out else "(no stderr)"


def gnu_time() -> str | None:
    """/usr/bin/time if it is GNU time (supports -f/-o), else None."""
    exe = "/usr/bin/time"
    if not os.access(exe, os.X_OK):
        return None
    try:
        p = subprocess.run([exe, "-f", "%M", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return exe if p.returncode == 0 and p.stderr.strip().isdigit() else None


def run_once(argv: list[str], stdout_path: str, stderr_path: str, env: dict, timeout: float,
             timer_exe: str | None) -> tuple[float, int, int, bool]:
    """Run argv; return (wall seconds, exit code, peak RSS KB of the process tree, timed out).

    The peak RSS comes from wait4's ru_maxrss (which covers the waited-for descendants too).
    A child forked straight from this (big) Python process inherits its memory high-water
    mark until exec, so when GNU time is available the command runs under
    ``/usr/bin/time -f %M`` (a small process) and its report is used instead.
    """
    rss_file = stdout_path + ".rss"
    full = [timer_exe, "-f", "%M", "-o", rss_file, *argv] if timer_exe else argv
    with open(stdout_path, "wb") as so, open(stderr_path, "wb") as se:
        t0 = time.perf_counter()
        p = subprocess.Popen(full, stdout=so, stderr=se, stdin=subprocess.DEVNULL, cwd=ROOT, env=env,
                             start_new_session=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(p.pid, 9)
            except OSError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        dt = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    p.returncode = code  # reaped by wait4; keep Popen from waiting again
    rss = ru.ru_maxrss
    if timer_exe:
        nums = re.findall(r"^\s*(\d+)\s*$", _read_text(rss_file), re.M)
        if nums:
            rss = int(nums[-1])
    return dt, code, rss, timed_out.is_set()


def prepare_case(case: Case, ctx: Ctx) -> tuple[Result, list[str]]:
    """The case's result to fill and its command (skipped or failed already if it cannot run)."""
    r = Result(case)
    if case.requires and not shutil.which(case.requires):
        r.skipped = f"{case.requires} not installed"
        return r, []
    try:
        argv = case.argv(ctx)
    except Exception as e:  # noqa: BLE001
        r.failed = f"could not build the command: {e}"
        return r, []
    r.stdout_path = ctx.out(f"{case.name}.stdout")
    return r, argv


def run_round(r: Result, argv: list[str], ctx: Ctx, env: dict, timeout: float, timer_exe: str | None) -> None:
    """One more timed run of a case (a failure is recorded in `r` and ends the case)."""
    if r.failed or r.skipped:
        return
    err = ctx.out(f"{r.case.name}.stderr")
    try:
        dt, code, rss, to = run_once(argv, r.stdout_path, err, env, timeout, timer_exe)
    except OSError as e:
        r.failed = f"could not run {argv[0]}: {e}"
        return
    if to:
        r.failed = f"timed out after {timeout:g} s"
    elif code not in r.case.ok_codes:
        r.failed = f"exit {code}: {_tail(err)}"
    else:
        r.times.append(dt)
        r.rss_kb = max(r.rss_kb, rss)


def drop_big_outputs(tmp: str) -> None:
    for fn in os.listdir(tmp):
        if fn.endswith((".wav", ".pcm")) or fn.startswith("extract"):
            try:
                os.remove(os.path.join(tmp, fn))
            except OSError:
                pass


def prewarm(path: str) -> None:
    with open(path, "rb") as f:
        while f.read(1 << 23):
            pass


# --------------------------------------------------------------------------- report

def machine_info() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": str(os.cpu_count() or "?"), "cpu": cpu,
            "python": f"{platform.python_version()} ({sys.executable})", "platform": platform.platform()}


def build_rows(cases: list[Case], res: dict[str, Result], size: int) -> tuple[list[list[str]], bool, list[str]]:
    rows = []
    all_ok = True
    notes = []
    for case in cases:
        r = res.get(case.name)
        if r is None:
            continue
        if r.skipped:
            rows.append([case.name, "-", "-", "-", "-", "-", f"SKIPPED ({r.skipped})"])
            continue
        if r.failed:
            rows.append([case.name, "-", "-", "-", "-", " · ".join(g.text for g in case.goals) or "-", "FAILED"])
            notes.append(f"{case.name}: {r.failed}")
            if case.kind == "rtlog":
                all_ok = False
            continue
        mbps = size / 1e6 / r.median if r.median > 0 else float("inf")
        measured, verdicts = [], []
        for g in case.goals:
            ok, txt = g.check(res)
            if not txt.endswith(" MB"):
                measured.append(txt)
            verdicts.append(ok)
        if r.check.startswith(("MISMATCH", "INVALID")):
            verdicts.append(False)
        evaluable = [v for v in verdicts if v is not None]
        if case.kind == "baseline":
            verdict = "baseline"
        elif case.kind == "one-cpu":
            verdict = "info"
        elif not evaluable:
            verdict = "n/a"
        elif all(evaluable):
            verdict = "PASS" if len(evaluable) == len(verdicts) else "PASS (partial)"
        else:
            verdict = "FAIL"
            all_ok = False
        rows.append([case.name, f"{r.median:.3f}", f"{mbps:.0f}", f"{r.rss_mb:.0f}",
                     "; ".join(measured) or "-", " · ".join(g.text for g in case.goals) or "-", verdict])
        if r.check:
            notes.append(f"{case.name}: {r.check}")
    return rows, all_ok, notes


HEADER = ["case", "median s", "MB/s", "peak RSS MB", "vs baseline", "goal", "result"]


def render_text(rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(HEADER)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    out = [line(HEADER), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def render_md(rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


# --------------------------------------------------------------------------- main

def data_path(minutes: float, dialect: str, envelope: str, seed: int) -> str:
    return os.path.join(DATA, f"session-{minutes:g}m-{dialect}-{envelope}-s{seed}.jsonl")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark rtlog against baselines on a generated session log.")
    ap.add_argument("--minutes", type=float, default=60.0, help="length of the generated log (default 60)")
    ap.add_argument("--dialect", choices=gen_session.DIALECTS, default="beta")
    ap.add_argument("--envelope", choices=gen_session.ENVELOPES, default="none")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5, help="runs per case; the median is reported (default 5)")
    ap.add_argument("--quick", action="store_true", help="= --minutes 5 --repeat 3")
    ap.add_argument("--only", default="", help="comma-separated cases (baselines they need are added)")
    ap.add_argument("--file", help="benchmark this existing log instead of a generated one")
    ap.add_argument("--python", default=sys.executable, help="interpreter for rtlog and the python baselines")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per run before it is killed")
    ap.add_argument("--results", default=os.path.join(HERE, "results.md"), help="markdown report path ('' = none)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    a = ap.parse_args(argv)
    if a.quick:
        a.minutes, a.repeat = 5.0, 3
    a.repeat = max(1, a.repeat)

    bare = a.envelope == "none"
    if a.file:  # bare events or an envelope? decides the jq expression
        try:
            import json
            with open(a.file, "rb") as f:
                bare = "type" in json.loads(f.readline() or b"{}")
        except (OSError, ValueError):
            bare = True
    cases = build_cases(bare)
    by_name = {c.name: c for c in cases}
    if a.list:
        for c in cases:
            print(f"{c.name:20} {c.kind:8} {c.desc}" + (f"   goals: {'; '.join(g.text for g in c.goals)}"
                                                         if c.goals else ""))
        return 0
    if a.only:
        want = [w.strip() for w in a.only.split(",") if w.strip()]
        unknown = [w for w in want if w not in by_name]
        if unknown:
            ap.error(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(by_name)}")
        sel = set(want)
        for w in want:
            sel.update(by_name[w].needs)
        cases = [c for c in cases if c.name in sel]

    truth = None
    if a.file:
        path = a.file
        tp = gen_session.truth_path_for(path)
        if os.path.exists(tp):
            import json
            with open(tp, "rb") as f:
                truth = json.load(f)
    else:
        os.makedirs(DATA, exist_ok=True)
        path = data_path(a.minutes, a.dialect, a.envelope, a.seed)
        tp = gen_session.truth_path_for(path)
        if not (os.path.exists(path) and os.path.exists(tp)):
            print(f"generating {os.path.relpath(path, ROOT)} ({a.minutes:g} min, {a.dialect}, "
                  f"envelope {a.envelope}) ...", file=sys.stderr)
            t0 = time.perf_counter()
            subprocess.run([a.python, os.path.join(HERE, "gen_session.py"), path, "--minutes", str(a.minutes),
                            "--dialect", a.dialect, "--envelope", a.envelope, "--seed", str(a.seed)],
                           check=True, stderr=subprocess.DEVNULL)
            import json
            with open(tp, "rb") as f:
                truth = json.load(f)
            print(f"  {truth['bytes'] / 1e6:.1f} MB, {truth['events']} events in {time.perf_counter() - t0:.1f} s",
                  file=sys.stderr)
        else:
            import json
            with open(tp, "rb") as f:
                truth = json.load(f)
    size = os.path.getsize(path)
    prewarm(path)
    # An installed rtlog has its bytecode compiled (pip does it); an editable checkout run
    # with PYTHONDONTWRITEBYTECODE=1 would recompile edited modules on every run instead.
    subprocess.run([a.python, "-m", "compileall", "-q", os.path.join(ROOT, "rtlog")], check=False, stdout=subprocess.DEVNULL)

    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("LC_ALL", "C")  # grep/sort speed and stable output

    timer_exe = gnu_time()
    res: dict[str, Result] = {}
    with tempfile.TemporaryDirectory(prefix="rtlog-bench-") as tmp:
        ctx = Ctx(path, size, a.python, tmp, a.envelope, truth)
        print(f"file: {os.path.relpath(path, ROOT) if path.startswith(ROOT) else path} "
              f"({size / 1e6:.1f} MB), repeat {a.repeat}", file=sys.stderr)
        # Rounds: every case once per round, in order. A slow spell of the machine (a shared
        # host) then falls on all cases alike instead of on whichever case runs during it,
        # so the ratios measured in one run hold together.
        prepared = {case.name: prepare_case(case, ctx) for case in cases}
        for k in range(a.repeat):
            print(f"  round {k + 1}/{a.repeat} ...", end="", file=sys.stderr, flush=True)
            for case in cases:
                r, command = prepared[case.name]
                run_round(r, command, ctx, env, a.timeout, timer_exe)
                if k < a.repeat - 1:  # big outputs go at once (no writeback during the next cases); the last are checked
                    drop_big_outputs(tmp)
            print(" done", file=sys.stderr)
        for case in cases:
            r = res[case.name] = prepared[case.name][0]
            if r.ok and case.verify:
                try:
                    r.check = case.verify(ctx, r, res)
                except Exception as e:  # noqa: BLE001
                    r.check = f"MISMATCH: check crashed: {e}"
            if r.ok:
                msg = f" {r.median:.3f} s"
            else:
                msg = " skipped" if r.skipped else " FAILED"
            print(f"  {case.name:20}{msg}", file=sys.stderr)

    rows, all_ok, notes = build_rows(cases, res, size)
    print()
    print(render_text(rows))
    if notes:
        print()
        for n in notes:
            print("  " + n.replace("\n", "\n    "))

    if a.results:
        mi = machine_info()
        rel = os.path.relpath(path, ROOT) if path.startswith(ROOT) else path
        desc = "\n".join(f"- `{c.name}` ({c.kind}): {c.desc}" for c in cases)
        md = [
            "# rtlog benchmark results",
            "",
            f"- date: {_dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
            f"- machine: {mi['nproc']} CPUs (`nproc`), {mi['cpu']}; {mi['platform']}",
            f"- python: {mi['python']}",
            f"- file: `{rel}`, {size / 1e6:.1f} MB"
            + (f", {truth['events']} events, {truth['duration_s'] / 60:.1f} min of session, dialect "
               f"{truth['dialect']}, envelope {truth['envelope']}" if truth else ""),
            f"- command: `python bench/run.py {' '.join(argv if argv is not None else sys.argv[1:])}`"
            f" (repeat {a.repeat}, median wall time; peak RSS = max over the runs, "
            f"{'GNU time %M' if timer_exe else 'wait4 ru_maxrss'})",
            "",
            render_md(rows),
            "",
        ]
        if notes:
            md += ["Notes:", ""] + [f"- {n}".replace("\n", "\n  ") for n in notes] + [""]
        md += ["Cases:", "", desc, ""]
        md += ["Measured by the other scripts (this file is rewritten by `run.py`; their figures live in their own files):",
               "`filter_bench.py` → `results-filter.md` (filter against grep -F and jq, by type and id, 1 h and 1 GB),",
               "`jobs_curve.py` → `results-jobs.md` (the -j curve), `scale.py` → `results-scale.md` (0.25–5 GB, RSS),",
               "`instructions.py` → `results-instructions.md` (callgrind, against the build before the model),",
               "`export_bench.py` → `results-export.md`, and `results-envelope.md`, `results-diff.md`, `results-redact.md`,",
               "`results-report.md`, `results-resample.md`, `results-text-memory.md`.", ""]  # fmt: skip
        with open(a.results, "w", encoding="utf-8") as f:
            f.write("\n".join(md))
        print(f"\nwrote {os.path.relpath(a.results, ROOT) if a.results.startswith(ROOT) else a.results}",
              file=sys.stderr)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
