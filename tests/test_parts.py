"""Big plain files on several processes (rtlog.io.parts): whoever does a part, every part is
taken once, in order, and the commands give the single pass's result."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import generated_log

from rtlog.io import parts
from rtlog.io.reader import Diagnostics, expand_sources
from rtlog.metrics.summary import summarize_source
from rtlog.transcript.entries import transcribe_sources

DIGEST = parts.digest_part  # the real one (the fixture slows it down in workers)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "log.jsonl"
    path.write_bytes(generated_log("ga", "none", seed=31)[0])
    return path


@pytest.fixture
def slow_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of 50 kB, and workers that take 0.2 s over each: the main process finds
    parts nobody has claimed (and reads them itself) and digests parts ahead while it
    waits for a worker."""
    main = os.getpid()
    digest = parts.digest_part

    def slow(fd: int, start: int, end: int) -> parts.PartDigest:
        if os.getpid() != main:
            time.sleep(0.2)
        return digest(fd, start, end)

    monkeypatch.setattr(parts, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(parts, "SPLIT_PART_BYTES", 50_000)
    monkeypatch.setattr(parts, "digest_part", slow)


def _collect_all(log: Path) -> tuple[list[parts.PartDigest | None], set[str]]:
    with open(log, "rb") as f:
        scans = parts.start_parts(f, 3)
        assert scans is not None and len(scans.children) == 2 and len(scans.starts) >= 8
        try:
            time.sleep(0.3)
            got = [scans.collect(k) for k in range(len(scans.starts))]
            who = [scans.claims[k] for k in range(len(scans.starts))]
        finally:
            scans.close()
        truth = [DIGEST(f.fileno(), scans.starts[k], scans.ends[k]) for k in range(len(scans.starts))]
    size = log.stat().st_size
    for k, part in enumerate(got):
        if part is not None:  # a worker's digest, or one made ahead here: the part's true digest
            assert part == truth[k]
            assert part.lines > 0 and part.end == min(scans.ends[k], size)
    assert all(w != 0 for w in who)  # every part claimed by someone
    return got, {("worker" if w != parts._MAIN else "ahead" if p is not None else "here") for w, p in zip(who, got)}


@pytest.mark.usefixtures("slow_workers")
def test_the_main_process_digests_ahead_while_it_waits(log: Path) -> None:
    """The workers claim the first parts and take 0.2 s over each: meanwhile the main
    process digests the later parts nobody has claimed."""
    _, kinds = _collect_all(log)
    assert {"worker", "ahead"} <= kinds


@pytest.mark.usefixtures("slow_workers")
def test_the_main_process_reads_unclaimed_parts_itself(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers slow to claim: every part is still unclaimed at its turn and read here."""
    main = os.getpid()
    claim = parts.PartScans._claim

    def late(self: parts.PartScans, k: int) -> bool:
        if os.getpid() != main:
            time.sleep(2)
        return claim(self, k)

    monkeypatch.setattr(parts.PartScans, "_claim", late)
    got, kinds = _collect_all(log)
    assert kinds == {"here"} and got == [None] * len(got)


@pytest.mark.usefixtures("slow_workers")
def test_slow_workers_give_the_single_pass(log: Path) -> None:
    src = expand_sources([str(log)])[0]
    one = summarize_source(src, Diagnostics(), jobs=1).as_json()
    assert summarize_source(src, Diagnostics(), jobs=3).as_json() == one
    (t1,) = transcribe_sources([src], Diagnostics(), jobs=1)
    (t3,) = transcribe_sources([src], Diagnostics(), jobs=3)
    assert [e.as_dict() for e in t3.entries] == [e.as_dict() for e in t1.entries]


def test_no_parts_for_small_compressed_or_single_cpu_inputs(log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip

    from rtlog.io.reader import open_source

    def start(path: Path, jobs: int) -> parts.PartScans | None:
        with open_source(expand_sources([str(path)])[0]) as fp:
            scans = parts.start_parts(fp, jobs)
            if scans is not None:
                scans.close()
            return scans

    assert start(log, 0) is None  # below SPLIT_MIN_BYTES
    monkeypatch.setattr(parts, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(parts, "SPLIT_PART_BYTES", 50_000)
    assert start(log, 4) is not None
    assert start(log, 1) is None  # -j 1
    gz = tmp_path / "log.jsonl.gz"
    gz.write_bytes(gzip.compress(log.read_bytes()))
    assert start(gz, 4) is None  # no random access
    monkeypatch.setattr(parts, "usable_cpus", lambda: 1)
    assert start(log, 0) is None  # one CPU


# --- review findings: the single pass's outcome whatever happens around the parts ------------


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(parts, "SPLIT_PART_BYTES", 20_000)


def _summary(path: Path, jobs: int) -> tuple[object, list[str]]:
    from rtlog.errors import InputError

    messages: list[str] = []
    diag = Diagnostics(warn=messages.append)
    try:
        return summarize_source(expand_sources([str(path)])[0], diag, jobs=jobs).as_json(), messages
    except InputError as exc:
        return str(exc), messages


@pytest.mark.usefixtures("small_parts")
def test_binary_data_is_refused_with_parts_too(log: Path) -> None:
    """A log that starts with NUL bytes (what logrotate's copytruncate leaves) is binary data
    at -j 1; the parts path opens the file the same way."""
    log.write_bytes(b"\x00" * 64 + b"\n" + log.read_bytes())
    assert _summary(log, 3) == _summary(log, 1) == (f"{log}: binary data, not a JSONL event log", [])


@pytest.mark.usefixtures("small_parts")
def test_a_log_replaced_during_the_run_is_not_mixed_in(log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers read the file the main process opened: a log renamed and replaced by another
    (logrotate's create, an editor's save) right after the workers start is not read."""
    want = _summary(log, 1)
    other = log.read_bytes().replace(b'"timestamp":17672', b'"timestamp":17673')  # the same length, +100000 s
    assert other != log.read_bytes()
    start = parts.start_parts

    def then_replace(fp: object, jobs: int) -> object:
        scans = start(fp, jobs)  # type: ignore[arg-type]
        os.replace(log, tmp_path / "log.jsonl.1")
        log.write_bytes(other)
        return scans

    monkeypatch.setattr(parts, "start_parts", then_replace)
    got = _summary(log, 3)
    assert got == want


@pytest.mark.usefixtures("small_parts")
def test_filter_yields_only_candidates_with_parts(log: Path) -> None:
    """A line that is not `{…}` is parsed only for its warning: a valid event there (its type
    escaped, so the needle is not in it) is not selected, with parts as without."""
    from rtlog import selection

    lines = log.read_bytes().splitlines(keepends=True)
    for at in range(50, len(lines), 100):
        lines.insert(at, b'{"type":"response\\u002edone","response":{"id":"rX","status":"completed"}} \n')
    log.write_bytes(b"".join(lines))

    def count(jobs: int) -> int:
        sel = selection.Selector(types=["response.done"])
        return sum(1 for _ in selection.select(expand_sources([str(log)]), sel, Diagnostics(), jobs=jobs))

    assert count(3) == count(1) == log.read_bytes().count(b'"type":"response.done"')


@pytest.mark.usefixtures("small_parts")
def test_workers_that_cannot_start_leave_the_file_to_one_process(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second fork fails (a pids limit): the first worker is stopped and reaped, and one
    process reads the file."""
    want = _summary(log, 1)
    real = os.fork
    forks: list[int] = []

    def fork() -> int:
        if forks:
            raise OSError(11, "Resource temporarily unavailable")
        pid = real()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    assert _summary(log, 3) == want
    assert len(forks) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(forks[0], os.WNOHANG)  # already reaped


@pytest.mark.usefixtures("small_parts")
def test_odd_ids_and_line_ends_give_the_single_pass(log: Path, tmp_path: Path) -> None:
    """Enveloped audio with a list id (once an internal error), deltas that name their
    response and item only in objects, and lines ending in CR CR LF."""
    b64 = "A" * 1200
    odd = [
        {"direction": "received", "data": {"type": "response.output_audio.delta", "response_id": ["r1"], "item_id": "i1", "delta": b64}},
        {"type": "response.output_audio.delta", "response": {"id": "r9"}, "item": {"id": "i9"}, "delta": b64},
    ]
    import orjson

    lines = log.read_bytes().splitlines(keepends=True)
    for k, at in enumerate(range(40, len(lines), 120)):
        lines.insert(at, orjson.dumps(odd[k % 2]) + b"\n")
    for at in range(7, len(lines), 90):
        lines[at] = lines[at].rstrip(b"\n") + b"\r\r\n"
    log.write_bytes(b"".join(lines))
    from rtlog.io.reader import iter_events
    from rtlog.metrics.summary import summarize

    one = _summary(log, 1)
    assert _summary(log, 3) == one
    assert isinstance(one[0], dict) and one[1] == []  # (CR is JSON whitespace: those lines are good)
    slow = summarize(iter_events([str(log)], Diagnostics()), str(log), malformed=one[0]["malformed"]).as_json()
    assert {**slow, "lines": 0} == {**one[0], "lines": 0}  # the fast path counts what the Event path counts


@pytest.mark.usefixtures("small_parts")
def test_a_line_longer_than_many_parts(log: Path) -> None:
    """A 400 kB line (20 parts' worth) makes one long part; the parts after it start where
    they should."""
    import orjson

    lines = log.read_bytes().splitlines(keepends=True)
    long = {"type": "session.update", "event_id": "e_long", "session": {"instructions": "x" * 400_000}}
    lines.insert(len(lines) // 3, orjson.dumps(long) + b"\n")
    log.write_bytes(b"".join(lines))
    one = _summary(log, 1)
    assert _summary(log, 3) == one and one[0]["events"] == len(lines)  # type: ignore[index]


@pytest.mark.usefixtures("small_parts")
def test_meanwhile_runs_once_while_workers_run_and_never_without_them(log: Path) -> None:
    """The report's imports are made while the workers digest (once, whatever the number
    of files), not at all in a single pass, and change nothing in the result."""
    from rtlog.io.reader import read_events

    src = expand_sources([str(log)])[0]
    calls: list[int] = []
    events = read_events(src, Diagnostics(), fast_path=lambda entries, j, line0: j, jobs=3, meanwhile=lambda: calls.append(1))
    first = next(events)
    assert calls == [1] and first.line_no == 1
    assert sum(1 for _ in events) > 100 and calls == [1]
    list(read_events(src, Diagnostics(), fast_path=lambda entries, j, line0: j, jobs=1, meanwhile=lambda: calls.append(2)))
    assert calls == [1]
    found = list(transcribe_sources([src, src], Diagnostics(), jobs=3, meanwhile=lambda: calls.append(3)))
    assert calls == [1, 3] and len(found) == 2


RICH_IMPORTED = """
import sys
from rtlog import output
from rtlog.io import parts
from rtlog.cli import main
parts.SPLIT_MIN_BYTES = 0  # parts and a progress bar's size for a small log
parts.SPLIT_PART_BYTES = 50_000
output.Progress.MIN_BYTES = 0
sys.argv = ["rtlog", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
sys.stderr.write(f"exit {code}, rich {'rich' in sys.modules}")
"""


@pytest.mark.parametrize(("args", "rich"), [(["summary", "--json"], False), (["transcript", "--format", "json"], False),
                                            (["summary"], True), (["transcript"], True)])  # fmt: skip
def test_machine_output_never_imports_rich(log: Path, args: list[str], rich: bool) -> None:
    """rich costs ~40 ms of start-up: `--json` of a big file with stderr not a terminal
    (where no progress bar is shown) must not pay it; the human outputs do."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    r = subprocess.run([sys.executable, "-c", RICH_IMPORTED, args[0], str(log), *args[1:], "-j", "2"],
                       capture_output=True, env=env, check=False)  # fmt: skip
    assert r.stderr.decode() == f"exit 0, rich {rich}"
    assert r.stdout


@pytest.mark.parametrize(
    ("cpus", "load", "free"),
    [(4, 0.0, 4), (4, 1.0, 4), (4, 1.4, 4), (4, 1.6, 3), (4, 3.0, 2), (2, 2.6, 1), (2, 40.0, 1), (1, 0.0, 1)],
)
def test_the_default_jobs_are_the_cpus_nothing_else_uses(monkeypatch: pytest.MonkeyPatch, cpus: int, load: float, free: int) -> None:
    """-j 0 counts the CPUs this process may use less the load of everything else (the
    1-minute load average counts this process as one), and never less than one."""
    from rtlog.io import parts

    monkeypatch.setattr(parts, "usable_cpus", lambda: cpus)
    monkeypatch.setattr(parts.os, "getloadavg", lambda: (load, 0.0, 0.0))
    assert parts.free_cpus() == free


def test_without_a_load_average_every_usable_cpu_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    from rtlog.io import parts

    def no_load() -> tuple[float, float, float]:
        raise OSError("no load average here")

    monkeypatch.setattr(parts, "usable_cpus", lambda: 3)
    monkeypatch.setattr(parts.os, "getloadavg", no_load)
    assert parts.free_cpus() == 3


def test_a_pool_left_early_kills_and_reaps_its_workers() -> None:
    """process_pool on an early exit (Ctrl-C, an error, a generator closed unfinished) kills
    its workers and waits for them: none is left holding what it inherited (an export's
    folder lock made the next export say 'another rtlog export is writing here')."""
    import multiprocessing
    import time

    from rtlog.io.parts import process_pool

    start = time.monotonic()
    with pytest.raises(RuntimeError), process_pool(2) as pool:
        pool.submit(time.sleep, 30)
        pool.submit(time.sleep, 30)
        time.sleep(0.5)
        raise RuntimeError("stop")
    assert time.monotonic() - start < 10
    assert multiprocessing.active_children() == []
