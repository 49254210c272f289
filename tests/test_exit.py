"""How a run ends (`rtlog.__main__._exit`): `os._exit` once the run is over, skipping
Python's teardown of every module and object — but never what that ending owes: the
`atexit` functions run, everything written reaches its reader, the exit code is the
command's, and a thread still working is waited for (the ordinary ending is taken then).
Subprocesses, as a user runs rtlog."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
from conftest import EXAMPLES

LOG = EXAMPLES / "ga_session.jsonl"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}

#: rtlog's entry point in a Python that first runs SETUP; `done` in stderr is written by
#: an atexit function
WRAPPED = """
import atexit, os, sys
sys.argv = ["rtlog", *{argv!r}]
{setup}
atexit.register(lambda: os.write(2, b"atexit ran\\n"))
from rtlog.__main__ import main
main()
"""


def run_wrapped(argv: list[str], setup: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    code = WRAPPED.format(argv=argv, setup=setup)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, env=ENV, timeout=120, cwd=cwd)


def test_atexit_functions_run_and_the_output_is_whole() -> None:
    direct = subprocess.run([sys.executable, "-m", "rtlog", "filter", str(LOG)], capture_output=True, env=ENV, timeout=60)
    p = run_wrapped(["filter", str(LOG)])
    assert (p.returncode, p.stderr) == (0, b"atexit ran\n")
    assert p.stdout == LOG.read_bytes()  # (the example has no bad line: filter passes every line)
    assert direct.stdout == p.stdout


def test_the_exit_code_is_the_commands() -> None:
    # nothing matches: exit 1 and a note (as grep); a missing file: exit 2 and an error
    none = run_wrapped(["filter", str(LOG), "-t", "no.such.type"])
    assert (none.returncode, none.stdout) == (1, b"")
    assert none.stderr.endswith(b"atexit ran\n")
    missing = run_wrapped(["summary", "/no/such/file.jsonl"])
    assert missing.returncode == 2
    assert missing.stderr == b"rtlog: error: /no/such/file.jsonl: no such file or directory\natexit ran\n"


def test_buffered_stdout_written_by_an_atexit_function_is_flushed() -> None:
    # an atexit function (registered after the one above: it runs first) writes through
    # sys.stdout without flushing; the ending flushes after the functions, as Python does
    setup = 'atexit.register(lambda: sys.stdout.write("late line\\n"))'
    p = run_wrapped(["summary", str(LOG), "--json"], setup=setup)
    assert p.returncode == 0
    body, _, tail = p.stdout.rpartition(b"}\n")
    assert tail == b"late line\n"
    assert orjson.loads(body + b"}")["source"] == str(LOG)


def test_a_thread_still_working_is_waited_for(tmp_path: Path) -> None:
    # a non-daemon thread (as a library user's, or a Dask client's) writes a file after the
    # command has ended: Python's ordinary ending waits for it, so must ours
    marker = tmp_path / "thread-done"
    setup = (
        "import threading, time\n"
        f"threading.Thread(target=lambda: (time.sleep(0.5), open({str(marker)!r}, 'w').write('x'))).start()"
    )
    p = run_wrapped(["summary", str(LOG), "--json"], setup=setup)
    assert p.returncode == 0
    assert marker.read_text() == "x"
    assert orjson.loads(p.stdout)["source"] == str(LOG)


def test_a_reader_that_went_away_still_ends_quietly(tmp_path: Path) -> None:
    # `| head -c 1`: the pipe closes early; the run ends without a word (its own rule)
    big = tmp_path / "big.jsonl"
    big.write_bytes(LOG.read_bytes() * 50)
    p = subprocess.run(f"{sys.executable} -m rtlog filter {big} | head -c 1", shell=True, capture_output=True, env=ENV, timeout=60)
    assert (p.returncode, p.stdout, p.stderr) == (0, b"{", b"")


def test_a_profiler_or_a_tracer_gets_the_ordinary_ending(tmp_path: Path) -> None:
    # `python -m cProfile -m rtlog …` writes its profile after the run: the run must return
    out = tmp_path / "profile.out"
    p = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "rtlog", "--version"],
                       capture_output=True, env=ENV, timeout=60, cwd=tmp_path)  # fmt: skip
    assert p.returncode == 0 and p.stdout.startswith(b"rtlog ")
    import pstats

    assert pstats.Stats(str(out)).total_calls > 0
    # a tracer (a debugger, coverage): main() ends in SystemExit, which the caller sees
    traced = "import sys\nsys.settrace(lambda *a: None)\ntry:\n    main()\nexcept SystemExit as exc:\n    print('returned', exc.code)"
    p = subprocess.run([sys.executable, "-c", f"import sys\nsys.argv = ['rtlog', '--version']\nfrom rtlog.__main__ import main\n{traced}"],
                       capture_output=True, env=ENV, timeout=60)  # fmt: skip
    assert p.returncode == 0 and p.stdout.endswith(b"returned 0\n")
