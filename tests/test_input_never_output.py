"""An input is never an output, whichever way either is named (issue 21): a folder's log,
stdin redirected from the target, a symbolic or hard link, stdout appended to the input.
Run as subprocesses: the redirections are real file descriptors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES

LOG = (EXAMPLES / "ga_session.jsonl").read_bytes()


def rtlog(args: list[str], cwd: Path, stdin: str | None = None, stdout: str | None = None, append: bool = False):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with (
        open(cwd / stdin if stdin else os.devnull, "rb") as fin,
        open(cwd / stdout if stdout else os.devnull, "ab" if append else "wb") as fout,
    ):
        p = subprocess.run(
            [sys.executable, "-m", "rtlog", *args],
            stdin=fin,
            stdout=fout,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            timeout=60,
        )
    return p.returncode, p.stderr.decode()


@pytest.fixture
def logdir(tmp_path: Path) -> Path:
    d = tmp_path / "logs"
    d.mkdir()
    (d / "session.jsonl").write_bytes(LOG)
    return tmp_path


CASES = {
    "a log of the folder given": (["extract-audio", "logs", "-o", "logs/session.jsonl"], None, None,
                                  "logs/session.jsonl: refusing to overwrite an input file"),
    "stdin redirected from the target": (["extract-audio", "-o", "logs/session.jsonl"], "logs/session.jsonl", None,
                                         "logs/session.jsonl: refusing to overwrite an input file: it is <stdin>"),
    "a symbolic link to the input": (["extract-audio", "logs/session.jsonl", "-o", "logs/link.wav"], None, None,
                                     "logs/link.wav: refusing to overwrite an input file: it is logs/session.jsonl"),
    "a hard link to the input": (["extract-audio", "logs/session.jsonl", "-o", "logs/hard.wav"], None, None,
                                 "logs/hard.wav: refusing to overwrite an input file: it is logs/session.jsonl"),
    "filter appending to its input": (["filter", "logs/session.jsonl"], None, "logs/session.jsonl",
                                      "<stdout>: refusing to write into an input file: it is logs/session.jsonl"),
    "summary of a folder into one of its logs": (["summary", "logs"], None, "logs/session.jsonl",
                                                 "<stdout>: refusing to write into an input file: it is logs/session.jsonl"),
    "audio on stdout appended to stdin": (["extract-audio", "-o", "-"], "logs/session.jsonl", "logs/session.jsonl",
                                          "<stdout>: refusing to write into an input file: it is <stdin>"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_an_input_is_never_an_output(logdir: Path, case: str) -> None:
    args, stdin, stdout, message = CASES[case]
    os.symlink("session.jsonl", logdir / "logs" / "link.wav")
    os.link(logdir / "logs" / "session.jsonl", logdir / "logs" / "hard.wav")
    code, err = rtlog(args, logdir, stdin, stdout, append=True)
    assert (code, err) == (2, f"rtlog: error: {message}\n")
    assert (logdir / "logs" / "session.jsonl").read_bytes() == LOG
    assert sorted(os.listdir(logdir / "logs")) == ["hard.wav", "link.wav", "session.jsonl"]  # no temporary file left


def test_split_into_the_input_folder_leaves_the_logs_alone(logdir: Path) -> None:
    code, err = rtlog(["extract-audio", "logs", "--split", "item", "-o", "logs"], logdir)
    assert code == 0, err
    assert (logdir / "logs" / "session.jsonl").read_bytes() == LOG
