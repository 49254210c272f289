"""Faults of real machines, each through the real CLI as a subprocess (PYTHONUNBUFFERED
removed, as in a user's shell): the exit code, the exact stderr line, and the files left
behind (no `.part` temporary file, the target untouched or absent, the input unchanged).

Output faults: a full disk (stdout on /dev/full; a small tmpfs that fills up mid-write,
when this machine lets the test mount one), a missing or read-only output directory, a
reader of stdout that goes away, SIGINT and SIGTERM mid-write, an `-o` that is a device
or a FIFO. Input faults: a file deleted or truncated while it is read, a FIFO as input,
a log still being written (`filter --follow`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from conftest import EXAMPLES
from hostile import wav_data

LOG = EXAMPLES / "ga_session.jsonl"  # 1.8 MB, both sides' audio, timestamps, every turn feature
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "FORCE_COLOR")}
INTERRUPTED = "rtlog: error: interrupted\n"


def rtlog(*args: object, stdin=None, stdout=subprocess.PIPE, env: dict | None = None, timeout: float = 60,
          cwd: Path | None = None) -> subprocess.CompletedProcess:  # fmt: skip
    """rtlog as a subprocess; `stdin` bytes or a file, `stdout` a file, fd or PIPE."""
    kw: dict = {"input": stdin} if isinstance(stdin, bytes) else {"stdin": stdin if stdin is not None else subprocess.DEVNULL}
    return subprocess.run(
        [sys.executable, "-m", "rtlog", *map(str, args)], stdout=stdout, stderr=subprocess.PIPE,
        env={**ENV, **(env or {})}, timeout=timeout, cwd=cwd, **kw,
    )  # fmt: skip


def popen(*args: object, **kw: object) -> subprocess.Popen:
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("env", ENV)
    return subprocess.Popen([sys.executable, "-m", "rtlog", *map(str, args)], **kw)  # type: ignore[call-overload]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


LOG_SHA = sha(LOG)


@pytest.fixture(autouse=True)
def _input_never_modified() -> Iterator[None]:
    yield
    assert sha(LOG) == LOG_SHA


def left_behind(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


@contextlib.contextmanager
def mounted_tmpfs(where: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    """A small tmpfs at `where` (root and a kernel that allows it), else skip."""
    where.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {p.stderr.decode().strip() or p.returncode}")
    try:
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True, capture_output=True)
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 kB file system: every WAV of the example is bigger."""
    with mounted_tmpfs(tmp_path / "small", "256k") as d:
        yield d


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A read-only directory: a read-only mount (root ignores permission bits), or
    a directory without write permission for anyone else."""
    if os.geteuid() != 0:
        d = tmp_path / "ro"
        d.mkdir()
        (d / "old.wav").write_bytes(b"old")
        d.chmod(0o555)
        yield d
        d.chmod(0o755)
        return
    src = tmp_path / "ro-src"
    src.mkdir()
    (src / "old.wav").write_bytes(b"old")
    with mounted_tmpfs(tmp_path / "ro", "1m") as d:
        shutil.copy(src / "old.wav", d / "old.wav")
        p = subprocess.run(["mount", "-o", "remount,ro", str(d)], capture_output=True)
        if p.returncode != 0:
            pytest.skip(f"cannot remount read-only: {p.stderr.decode().strip()}")
        yield d


# --- a full disk ----------------------------------------------------------------------------------

STDOUT_COMMANDS = [
    ["summary"], ["summary", "--json"], ["filter"], ["filter", "-c"], ["filter", "--format", "pretty"],
    ["filter", "--strip-audio"], ["filter", "-t", "response.done"], ["transcript"], ["transcript", "--format", "json"],
    ["transcript", "--format", "srt"], ["transcript", "--format", "markdown"], ["extract-audio", "-o", "-"],
    ["extract-audio", "-o", "-", "--raw"], ["extract-audio", "-o", "-", "--side", "both"],
]  # fmt: skip


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("args", STDOUT_COMMANDS, ids=" ".join)
def test_stdout_on_a_full_disk(args: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        p = rtlog(*args, LOG, stdout=full)
    assert (p.returncode, p.stderr.decode()) == (2, "rtlog: error: <stdout>: no space left on device\n")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_output_file_is_dev_full(tmp_path: Path) -> None:
    p = rtlog("extract-audio", LOG, "-o", "/dev/full")
    assert (p.returncode, p.stderr.decode()) == (2, "rtlog: error: /dev/full: no space left on device\n")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.parametrize("args", [[], ["--side", "both"], ["--side", "user", "--raw"], ["--heard"]], ids=" ".join)
def test_a_disk_that_fills_up_mid_write_leaves_nothing(full_disk: Path, args: list[str]) -> None:
    out = full_disk / ("call.pcm" if "--raw" in args else "call.wav")
    p = rtlog("extract-audio", LOG, *args, "-o", out)
    assert (p.returncode, p.stderr.decode()) == (2, f"rtlog: error: {out}: no space left on device\n")
    assert left_behind(full_disk) == []


def _file_size_limit() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))


@pytest.mark.parametrize("args", [[], ["--side", "both"], ["--split", "item"]], ids=" ".join)
def test_a_file_size_limit_reached_mid_write(tmp_path: Path, args: list[str]) -> None:
    """`ulimit -f`: the write fails with EFBIG (Python ignores SIGXFSZ); needs no root."""
    out = tmp_path / ("items" if args[:1] == ["--split"] else "call.wav")
    p = subprocess.run([sys.executable, "-m", "rtlog", "extract-audio", LOG, *args, "-o", out], capture_output=True,
                       env=ENV, timeout=60, preexec_fn=_file_size_limit)  # fmt: skip
    assert p.returncode == 2
    if args[:1] == ["--split"]:
        err = p.stderr.decode()
        assert err.startswith(f"rtlog: error: {out}/") and err.endswith(": cannot write: File too large\n"), err
        assert left_behind(tmp_path) == []  # a split appears whole or not at all
    else:
        assert p.stderr.decode() == f"rtlog: error: {out}: cannot write: File too large\n"
        assert left_behind(tmp_path) == []


def test_a_full_disk_leaves_an_existing_target_as_it_was(full_disk: Path) -> None:
    out = full_disk / "call.wav"
    out.write_bytes(b"the previous extraction")
    p = rtlog("extract-audio", LOG, "--side", "both", "-o", out)
    assert (p.returncode, p.stderr.decode()) == (2, f"rtlog: error: {out}: no space left on device\n")
    assert left_behind(full_disk) == ["call.wav"]
    assert out.read_bytes() == b"the previous extraction"


def test_split_on_a_full_disk(full_disk: Path) -> None:
    out = full_disk / "items"
    p = rtlog("extract-audio", LOG, "--split", "item", "-o", out)
    assert p.returncode == 2
    err = p.stderr.decode()
    assert err.startswith(f"rtlog: error: {out}/") and err.endswith(": no space left on device\n") and err.count("\n") == 1
    assert not out.exists()  # a split appears whole or not at all


def test_stdout_redirected_to_a_full_disk(full_disk: Path) -> None:
    with open(full_disk / "lines.jsonl", "wb") as f:
        p = rtlog("filter", LOG, stdout=f)
    assert (p.returncode, p.stderr.decode()) == (2, "rtlog: error: <stdout>: no space left on device\n")


@pytest.mark.parametrize("case", ["wav to a pipe", "stdin read twice"])
def test_temporary_files_on_a_full_disk(full_disk: Path, case: str) -> None:
    """A WAV to a pipe is spooled to a temporary file (its header needs the sizes); stdin
    is spooled when it must be read twice."""
    (full_disk / "filler").write_bytes(b"\0" * 200_000)
    env = {"TMPDIR": str(full_disk)}
    if case == "wav to a pipe":
        p = rtlog("extract-audio", LOG, "-o", "-", env=env)
    else:
        p = rtlog("extract-audio", "-", "--heard", "-o", full_disk.parent / "heard.wav", stdin=LOG.read_bytes(), env=env)
    assert p.returncode == 2
    if case == "wav to a pipe":
        assert p.stderr.decode() == f"rtlog: error: cannot spool the WAV to a temporary file in {full_disk} (a pipe cannot go back to write its header): no space left on device\n"
    else:
        assert p.stderr.decode() == "rtlog: error: <stdin>: cannot copy it to a temporary file (it must be read twice): No space left on device\n"
    assert left_behind(full_disk) == ["filler"]


# --- missing or read-only output directory ------------------------------------------------------


def test_output_directory_missing(tmp_path: Path) -> None:
    out = tmp_path / "nowhere" / "call.wav"
    p = rtlog("extract-audio", LOG, "-o", out)
    assert (p.returncode, p.stderr.decode()) == (2, f"rtlog: error: {out}: cannot write: directory does not exist\n")
    assert left_behind(tmp_path) == []


def test_split_creates_a_missing_directory(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    p = rtlog("extract-audio", LOG, "--split", "response", "-o", out)
    assert p.returncode == 0, p.stderr
    index = orjson.loads((out / "index.json").read_bytes())
    assert sorted(os.listdir(out)) == sorted([f["file"] for f in index["files"]] + ["index.json"])


def test_output_directory_read_only(read_only_dir: Path) -> None:
    for target in (read_only_dir / "call.wav", read_only_dir / "old.wav"):
        p = rtlog("extract-audio", LOG, "-o", target)
        why = "read-only file system" if os.geteuid() == 0 else "permission denied"
        assert (p.returncode, p.stderr.decode()) == (2, f"rtlog: error: {target}: cannot write: {why}\n")
    p = rtlog("extract-audio", LOG, "--split", "item", "-o", read_only_dir / "items")
    assert p.returncode == 2 and p.stderr.decode().startswith(f"rtlog: error: {read_only_dir / 'items'}: cannot write: ")
    assert left_behind(read_only_dir) == ["old.wav"]
    assert (read_only_dir / "old.wav").read_bytes() == b"old"


# --- the reader of stdout goes away ------------------------------------------------------------


@pytest.mark.parametrize("args", STDOUT_COMMANDS, ids=" ".join)
def test_stdout_closed_before_the_first_byte(args: list[str]) -> None:
    r, w = os.pipe()
    os.close(r)
    try:
        p = rtlog(*args, LOG, stdout=w)
    finally:
        os.close(w)
    assert (p.returncode, p.stderr) == (141, b"")


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--version"], ["summary", "--help"], ["help", "filter"]], ids=" ".join)
def test_help_and_version_into_a_closed_pipe_end_as_any_output(args: list[str]) -> None:
    """`rtlog --help | head -1` once ended with click's exit 1 (the broken pipe met while
    the options are parsed): the same quiet 141 as a command's output."""
    r, w = os.pipe()
    os.close(r)
    try:
        p = rtlog(*args, stdout=w)
    finally:
        os.close(w)
    assert (p.returncode, p.stderr) == (141, b"")


@pytest.mark.parametrize("args", [["filter"], ["filter", "--strip-audio"], ["extract-audio", "-o", "-"],
                                  ["extract-audio", "-o", "-", "--side", "both", "--raw"]], ids=" ".join)  # fmt: skip
def test_head_c_10(args: list[str]) -> None:
    """`rtlog … | head -c 10`: head gets the first ten bytes; rtlog ends quietly with 141."""
    full = rtlog(*args, LOG).stdout
    producer = popen(*args, LOG, stdout=subprocess.PIPE)
    head = subprocess.run(["head", "-c", "10"], stdin=producer.stdout, capture_output=True, timeout=60)
    producer.stdout.close()  # type: ignore[union-attr]
    producer.wait(timeout=60)
    assert head.stdout == full[:10]
    assert (producer.returncode, producer.stderr.read()) == (141, b"")  # type: ignore[union-attr]


# --- SIGINT and SIGTERM mid-write ----------------------------------------------------------------


def _half_fed(args: list[object], tmp_path: Path, stdout: object = subprocess.DEVNULL) -> tuple[subprocess.Popen, Path]:
    """rtlog reading the log from a pipe, fed half of it, then stalled (mid-run)."""
    p = popen(*args, stdin=subprocess.PIPE, stdout=stdout, cwd=tmp_path)
    data = LOG.read_bytes()
    assert p.stdin is not None
    p.stdin.write(data[: len(data) // 2])
    p.stdin.flush()
    return p, tmp_path


def _has_open(pid: int, path: Path) -> bool:
    """Whether process `pid` has `path` open (a descriptor closed while looked at is not:
    listing /proc/PID/fd and then resolving one it closed meanwhile raised)."""
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                return True
        except OSError:
            pass
    return False


def _wait_for(cond, what: str, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.02)


def _parts(d: Path) -> list[Path]:
    return [p for p in d.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
@pytest.mark.parametrize("existing", [False, True], ids=["new target", "existing target"])
def test_interrupted_extraction_leaves_no_partial_file(tmp_path: Path, sig: signal.Signals, existing: bool) -> None:
    out = tmp_path / "call.wav"
    if existing:
        out.write_bytes(b"the previous extraction")
    p, _ = _half_fed(["extract-audio", "-", "-o", out], tmp_path)
    _wait_for(lambda: any(q.stat().st_size > 0 for q in _parts(tmp_path)), "a partly written .part file")
    p.send_signal(sig)
    p.wait(timeout=30)
    assert (p.returncode, p.stderr.read()) == (130, INTERRUPTED.encode())  # type: ignore[union-attr]
    assert left_behind(tmp_path) == (["call.wav"] if existing else [])
    if existing:
        assert out.read_bytes() == b"the previous extraction"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_interrupted_split_leaves_no_partial_file(tmp_path: Path, sig: signal.Signals) -> None:
    out = tmp_path / "responses"
    p, _ = _half_fed(["extract-audio", "-", "--split", "response", "-o", out], tmp_path)
    # (the files are staged in `.responses.*.part` beside the target until all are written)
    _wait_for(lambda: any(f.stat().st_size > 0 for d in _parts(tmp_path) for f in d.iterdir()), "a partly written split file")
    p.send_signal(sig)
    p.wait(timeout=30)
    assert (p.returncode, p.stderr.read()) == (130, INTERRUPTED.encode())  # type: ignore[union-attr]
    assert left_behind(tmp_path) == []  # a split appears whole or not at all


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
@pytest.mark.parametrize("args", [["summary"], ["filter"], ["transcript"], ["extract-audio", "--heard", "-o", "x.wav"],
                                  ["extract-audio", "-o", "-", "--raw"]], ids=" ".join)  # fmt: skip
def test_interrupted_while_reading(tmp_path: Path, sig: signal.Signals, args: list[str]) -> None:
    p, _ = _half_fed([*args, "-"], tmp_path, stdout=subprocess.DEVNULL)
    time.sleep(0.8)  # started, and stalled on the half-fed pipe
    p.send_signal(sig)
    p.wait(timeout=30)
    assert (p.returncode, p.stderr.read()) == (130, INTERRUPTED.encode())  # type: ignore[union-attr]
    assert left_behind(tmp_path) == []


# --- -o is a device or a FIFO: written to directly, never replaced ------------------------------


def test_output_to_dev_null() -> None:
    p = rtlog("extract-audio", LOG, "-o", "/dev/null")
    assert p.returncode == 0 and p.stderr.decode().startswith("rtlog: wrote /dev/null: 8.40 s, 24 kHz PCM16 mono")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_to_a_fifo(tmp_path: Path) -> None:
    want = rtlog("extract-audio", LOG, "-o", "-").stdout
    fifo = tmp_path / "audio.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    p = rtlog("extract-audio", LOG, "-o", fifo)
    reader.join(timeout=60)
    assert p.returncode == 0, p.stderr
    assert got == [want]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert left_behind(tmp_path) == ["audio.fifo"]


def test_split_into_a_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "x"
    os.mkfifo(fifo)
    p = rtlog("extract-audio", LOG, "--split", "item", "-o", fifo)
    assert (p.returncode, p.stderr.decode()) == (2, f"rtlog: error: {fifo}: exists and is not a directory (--split writes a directory of files)\n")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


# --- input faults ----------------------------------------------------------------------------------


def _blocked_on_stdout(args: list[object]) -> subprocess.Popen:
    """rtlog writing to a pipe nobody reads yet: it stalls once the pipe is full."""
    p = popen(*args, stdout=subprocess.PIPE)
    time.sleep(1.0)
    assert p.poll() is None, "finished before the pipe filled"
    return p


def test_input_deleted_while_being_read(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    shutil.copy(LOG, log)
    want = rtlog("filter", log).stdout
    p = _blocked_on_stdout(["filter", log])
    log.unlink()
    out, err = p.communicate(timeout=60)
    assert (p.returncode, err, out) == (0, b"", want)


def test_input_truncated_while_being_read(tmp_path: Path) -> None:
    """What was read before the cut is written, whole lines only; a line cut by the
    truncation is reported; no traceback."""
    log = tmp_path / "log.jsonl"
    shutil.copy(LOG, log)
    full = rtlog("filter", log).stdout
    p = _blocked_on_stdout(["filter", log])
    os.truncate(log, 0)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0
    assert full.startswith(out) and out.endswith(b"\n") and len(out) < len(full)
    assert err == b"" or (err.count(b"\n") == 1 and b": incomplete last line, no newline at the end" in err)


def _fifo_fed(tmp_path: Path, data: bytes) -> Path:
    fifo = tmp_path / f"log-{time.monotonic_ns()}.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as f:
            f.write(data)

    threading.Thread(target=feed, daemon=True).start()
    return fifo


@pytest.mark.parametrize("args", [["summary", "--json"], ["filter"], ["filter", "-t", "response.done"], ["transcript"],
                                  ["extract-audio", "-o", "-"], ["extract-audio", "--heard", "-o", "-"],
                                  ["extract-audio", "--side", "both", "-o", "-"]], ids=" ".join)  # fmt: skip
def test_a_fifo_as_input_gives_what_the_file_gives(tmp_path: Path, args: list[str]) -> None:
    """(Commands that read a log twice, to cut audio at truncations, must not wait for a
    second writer that never comes.)"""
    want = rtlog(*args, LOG)
    fifo = _fifo_fed(tmp_path, LOG.read_bytes())
    got = rtlog(*args, fifo, timeout=30)
    assert got.returncode == want.returncode == 0, got.stderr
    if args[0] == "summary":
        a, b = orjson.loads(got.stdout), orjson.loads(want.stdout)
        assert a.pop("source") == str(fifo) and b.pop("source") == str(LOG)
        assert a == b
    else:
        assert got.stdout == want.stdout
    assert got.stderr == want.stderr


def test_follow_a_log_still_being_written(tmp_path: Path) -> None:
    log = tmp_path / "live.jsonl"
    lines = LOG.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:100]) + lines[100][:40])  # the recorder is mid-line
    p = popen("filter", "--follow", "-t", "response.done", "-t", "error", log, stdout=subprocess.PIPE)
    assert p.stdout is not None
    got: list[bytes] = []
    threading.Thread(target=lambda: got.extend(iter(p.stdout.readline, b"")), daemon=True).start()
    want = rtlog("filter", "-t", "response.done", "-t", "error", LOG).stdout.splitlines(keepends=True)
    wanted = set(want)
    with open(log, "ab") as f:
        f.write(lines[100][40:])
        f.flush()
        for ln in lines[101:]:
            f.write(ln)
            if ln in wanted:  # each match shows up while the log is still being written
                f.flush()
                n = want.index(ln) + 1
                _wait_for(lambda n=n: len(got) >= n, f"{n} lines followed")
    _wait_for(lambda: len(got) == len(want), "every line followed")
    p.send_signal(signal.SIGINT)
    p.wait(timeout=30)
    assert got == want
    assert (p.returncode, p.stderr.read()) == (130, b"")  # Ctrl-C is how --follow ends: no message  # type: ignore[union-attr]


def test_summary_of_a_file_truncated_while_its_parts_are_scanned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big file is cut into parts that forked workers scan while the main process reads
    it; the file then shrinks under them. The workers' counts of lines that are gone were
    added all the same (58,107 events in 29,312 lines): now the run says the file changed."""
    from conftest import REPO, run_cli

    from rtlog.io import parts as core

    sys.path.insert(0, str(REPO / "bench"))
    from gen_session import generate

    log = tmp_path / "log.jsonl"
    with open(log, "wb") as f:
        generate(f, 3, "beta", "none", seed=3)
    size = log.stat().st_size
    monkeypatch.setattr(core, "SPLIT_MIN_BYTES", 1 << 20)
    monkeypatch.setattr(core, "SPLIT_PART_BYTES", 1 << 20)
    start_parts = core.start_parts

    def then_truncate(fp, jobs):  # type: ignore[no-untyped-def]
        scans = start_parts(fp, jobs)
        assert scans is not None
        time.sleep(0.5)  # the workers have scanned their parts
        os.truncate(log, size * 6 // 10)
        return scans

    monkeypatch.setattr(core, "start_parts", then_truncate)
    r = run_cli("summary", "--json", "-j", "4", log, exit_code=2, stderr=None)
    assert r.stderr.splitlines()[-1] == f"rtlog: error: {log}: the file got shorter while it was read (truncated or rewritten?): run again"
    monkeypatch.setattr(core, "start_parts", start_parts)
    whole = orjson.loads(run_cli("summary", "--json", "-j", "4", log, stderr=None).stdout)  # and on what is left, it adds up
    assert whole["events"] == whole["lines"] - whole["malformed"]


@pytest.fixture(scope="module")
def long_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10-minute generated session (~40 MB): long enough to be caught mid-read."""
    from conftest import REPO

    sys.path.insert(0, str(REPO / "bench"))
    from gen_session import generate

    path = tmp_path_factory.mktemp("long") / "session.jsonl"
    with open(path, "wb") as f:
        generate(f, 10, "ga", "time-source", seed=11)
    return path


@pytest.mark.parametrize("args", [["summary"], ["summary", "--json"], ["transcript", "--format", "json"],
                                  ["extract-audio", "-o", "OUT"], ["extract-audio", "--side", "both", "-o", "OUT"],
                                  ["filter", "-c"]], ids=" ".join)  # fmt: skip
def test_every_command_on_a_file_truncated_while_it_is_read(tmp_path: Path, long_log: Path, args: list[str]) -> None:
    """Stopped (SIGSTOP) as soon as it has the file open, the file cut to a third, then
    continued: it ends normally on what it could read, the cut line reported; never a
    traceback, never a partial output file."""
    log = tmp_path / "log.jsonl"
    shutil.copy(long_log, log)
    out = tmp_path / "out.wav"
    p = popen(*[str(out) if a == "OUT" else a for a in args], log, stdout=subprocess.PIPE)
    _wait_for(lambda: _has_open(p.pid, log), "the log to be opened")
    p.send_signal(signal.SIGSTOP)
    os.truncate(log, log.stat().st_size // 3)
    p.send_signal(signal.SIGCONT)
    stdout, stderr = p.communicate(timeout=120)
    err = stderr.decode().splitlines()
    assert p.returncode in (0, 2), err
    assert all(line.startswith("rtlog: ") for line in err), err
    if p.returncode == 2:
        assert err[-1].startswith("rtlog: error: ") and not out.exists()
    assert [n for n in os.listdir(tmp_path) if n.endswith(".part")] == []
    warnings = [line for line in err if line.startswith("rtlog: warning: ")]
    assert len([w for w in warnings if "incomplete last line" in w]) <= 1
    if args[0] == "extract-audio" and p.returncode == 0:
        wav_data(out.read_bytes())
    # stopped right after opening the file, it had read at most its 1 MB buffer: the cut at
    # 13 MB is always ahead of it, and the line it cuts is reported
    assert p.returncode == 0 and len([w for w in warnings if "incomplete last line" in w]) == 1, err
