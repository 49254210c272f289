"""Closed standard streams and signals at start-up (issue 21), as subprocesses: with
stderr closed no warning lands in stdout; a closed stdout or stdin is one clear line and
exit 2, not "internal error: AttributeError"; a Ctrl-C or SIGTERM during the start-up
imports is `interrupted` and 130, not a traceback or a death by signal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from conftest import EXAMPLES

LOG = EXAMPLES / "ga_session.jsonl"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def sh(command: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """`command` in sh, with `rtlog` meaning this Python's `-m rtlog`."""
    rtlog = f"{sys.executable} -m rtlog"
    return subprocess.run(
        ["sh", "-c", command.replace("rtlog", rtlog)], capture_output=True, cwd=cwd, env=ENV, timeout=60
    )


@pytest.fixture
def bad_log(tmp_path: Path) -> Path:
    """The example with a bad line in the middle: every command warns."""
    lines = LOG.read_bytes().splitlines(keepends=True)
    (tmp_path / "log.jsonl").write_bytes(b"".join([*lines[:10], b"not json\n", *lines[10:]]))
    return tmp_path


@pytest.mark.parametrize(
    "command",
    ["rtlog filter log.jsonl", "rtlog summary --json log.jsonl", "rtlog transcript --format json log.jsonl",
     "rtlog extract-audio log.jsonl -o - --raw"],
)  # fmt: skip
def test_with_stderr_closed_no_warning_reaches_stdout(bad_log: Path, command: str) -> None:
    closed = sh(f"{command} 2>&-", bad_log)
    opened = sh(command, bad_log)
    assert opened.stderr.startswith(b"rtlog: warning: log.jsonl:11: invalid JSON")
    assert (closed.returncode, closed.stdout) == (0, opened.stdout)  # the same bytes, nothing added
    if b"--raw" not in command.encode() and b"filter" not in command.encode():
        orjson.loads(closed.stdout)


@pytest.mark.parametrize("command", ["rtlog summary log.jsonl", "rtlog summary --json log.jsonl", "rtlog filter log.jsonl",
                                     "rtlog transcript log.jsonl", "rtlog extract-audio log.jsonl -o - --raw"])  # fmt: skip
def test_a_closed_stdout_is_one_clear_error(bad_log: Path, command: str) -> None:
    p = sh(f"{command} >&-", bad_log)
    assert p.returncode == 2
    assert (
        p.stderr.decode().splitlines()[-1]
        == "rtlog: error: <stdout>: closed: nothing can be written (redirect it to a file or a pipe)"
    )
    assert b"internal error" not in p.stderr


def test_a_closed_stdout_does_not_matter_when_nothing_is_written_there(bad_log: Path) -> None:
    p = sh("rtlog extract-audio log.jsonl -o out.wav >&-", bad_log)
    assert p.returncode == 0, p.stderr
    assert (bad_log / "out.wav").read_bytes()[:4] == b"RIFF"


@pytest.mark.parametrize(
    "command", ["rtlog summary", "rtlog filter -", "rtlog transcript -", "rtlog extract-audio -o out.wav"]
)
def test_a_closed_stdin_is_one_clear_error(tmp_path: Path, command: str) -> None:
    p = sh(f"{command} <&-", tmp_path)
    assert (p.returncode, p.stderr.decode()) == (
        2,
        "rtlog: error: <stdin>: closed: give a log FILE, or pipe a log in\n",
    )
    assert os.listdir(tmp_path) == []


#: a Python that sends itself SIGNAL when the CLI's first heavy import (typer) starts
SIGNAL_DURING_IMPORT = """
import os, signal, sys
class SignalOnImport:
    def find_spec(self, name, path=None, target=None):
        if name == "typer":
            os.kill(os.getpid(), signal.{sig})
        return None
sys.meta_path.insert(0, SignalOnImport())
sys.argv = ["rtlog", "summary", {log!r}]
from rtlog.__main__ import main
main()
"""


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_signal_during_the_start_up_imports_is_an_interruption(sig: str) -> None:
    p = subprocess.run(
        [sys.executable, "-c", SIGNAL_DURING_IMPORT.format(sig=sig, log=str(LOG))],
        capture_output=True,
        env=ENV,
        timeout=60,
    )
    assert (p.returncode, p.stdout, p.stderr) == (130, b"", b"rtlog: error: interrupted\n")


def test_ctrl_c_on_a_folder_stops_the_workers_at_once(tmp_path: Path) -> None:
    """Issue 19: Ctrl-C on a run over several files waited for the files the workers were
    on (7 s on big logs). Here the workers are stuck on FIFOs nobody writes: the run must
    still end at once, with exit 130, and leave no worker behind."""
    import signal
    import time

    folder = tmp_path / "logs"
    folder.mkdir()
    for name in ("a.jsonl", "b.jsonl", "c.jsonl"):
        os.mkfifo(folder / name)
    p = subprocess.Popen([sys.executable, "-m", "rtlog", "summary", str(folder), "-j", "2", "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    time.sleep(2.0)  # the workers are started and blocked opening their FIFOs
    p.send_signal(signal.SIGINT)
    start = time.monotonic()
    try:
        code = p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    assert time.monotonic() - start < 5
    assert code == 130
    assert p.stderr.read().decode().splitlines()[-1] == "rtlog: error: interrupted"  # type: ignore[union-attr]
