"""The CLI frame: version, help, the error boundary, output faults, no input."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, REPO, run_cli, run_rtlog

GA = EXAMPLES / "ga_session.jsonl"


def test_version_and_help_list_every_command() -> None:
    from rtlog import __version__

    assert run_cli("--version").stdout == f"rtlog {__version__}\n"
    out = run_cli("--help").stdout
    for name in ("summary", "filter", "transcript", "extract-audio"):
        assert name in out
    assert "reassemble-transcript" not in out  # a hidden alias
    alias, real = run_cli("reassemble-transcript", "--help").stdout, run_cli("transcript", "--help").stdout
    assert "Usage: rtlog reassemble-transcript [OPTIONS] [FILE...]" in alias
    assert alias.split("Arguments:", 1)[1] == real.split("Arguments:", 1)[1]  # the same options and help


def test_python_dash_m_works() -> None:
    p = run_rtlog("--version")
    assert p.returncode == 0 and p.stdout.startswith(b"rtlog ")


@pytest.mark.parametrize("args", [["summary", GA], ["summary", GA, "--json"], ["filter", GA], ["transcript", GA]])
def test_disk_full_on_stdout_is_one_error_line_and_exit_2(args: list) -> None:
    with open("/dev/full", "wb") as full:
        p = subprocess.run([sys.executable, "-m", "rtlog", *map(str, args)], stdout=full, stderr=subprocess.PIPE, env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"})
    assert (p.returncode, p.stderr) == (2, b"rtlog: error: <stdout>: no space left on device\n")


def test_missing_file_is_one_error_line_and_exit_2() -> None:
    r = run_cli("summary", "nope.jsonl", exit_code=2, stderr="rtlog: error: nope.jsonl: no such file or directory\n")
    assert r.stdout == ""


def test_no_input_on_a_terminal_is_an_error_not_a_silent_wait(tmp_path: Path) -> None:
    # `script` gives the child a terminal as stdin; without one the test cannot run
    if subprocess.run(["which", "script"], capture_output=True).returncode:
        pytest.skip("script(1) is not installed")
    cmd = f"{sys.executable} -m rtlog summary; echo rc=$?"
    p = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, cwd=REPO, timeout=60, env={**os.environ, "NO_COLOR": "1"})
    out = re.sub(r"\x1b\[[0-9;]*m", "", p.stdout.decode().replace("\r", ""))
    assert "rtlog: error: no input: give a log FILE, or pipe a log in ('-' reads stdin)\n" in out
    assert "rc=2" in out


def test_an_internal_error_is_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import rtlog.io.reader

    def broken(*a: object, **k: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(rtlog.io.reader, "expand_sources", broken)
    monkeypatch.delenv("RTLOG_TRACEBACK", raising=False)
    r = run_cli("transcript", GA, exit_code=2, stderr=None)
    assert r.stderr == "rtlog: error: internal error: ZeroDivisionError: boom (a bug in rtlog; RTLOG_TRACEBACK=1 shows where)\n"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["summary", "--bogus"], "summary: no such option: --bogus (see 'rtlog summary -h')"),
        (["summary", "--jsn"], "summary: no such option: --jsn (did you mean --json? see 'rtlog summary -h')"),
        (["transcript", "--formt", "json"], "transcript: no such option: --formt (did you mean --format? see 'rtlog transcript -h')"),
        (["summry", "x.jsonl"], "no such command: summry (did you mean summary? see 'rtlog -h')"),
        (["summary", "-j", "x"], "summary: invalid value for '--jobs' / '-j': 'x' is not a whole number (see 'rtlog summary -h')"),
        (["transcript", "--format", "jsn"],
         "transcript: invalid value for '--format': 'jsn' is not one of 'text', 'markdown', 'json', 'srt', 'vtt' (see 'rtlog transcript -h')"),
        (["help", "nope"], "help: no such command: nope (the commands: summary, filter, transcript, extract-audio, report, diff, redact, export, query, help)"),
    ],
)
def test_a_usage_error_is_one_line_with_a_hint_and_exit_2(args: list[str], line: str) -> None:
    """Every usage error in rtlog's one style: `rtlog: error: …`, a close match when there is
    one (and none when there is not: --bogus is not --jobs), where the help is; exit 2."""
    res = run_cli(*args, exit_code=2, stderr=None)
    assert res.stdout == ""
    assert res.stderr == f"rtlog: error: {line}\n"


def test_usage_errors_as_a_subprocess_too() -> None:
    p = run_rtlog("summary", "--bogus")
    assert (p.returncode, p.stdout, p.stderr) == (2, b"", b"rtlog: error: summary: no such option: --bogus (see 'rtlog summary -h')\n")


def test_help_of_a_command_and_short_version() -> None:
    from rtlog import __version__

    assert run_cli("-V").stdout == f"rtlog {__version__}\n"
    assert run_cli("help", "summary").stdout == run_cli("summary", "--help").stdout
    assert run_cli("help").stdout == run_cli("--help").stdout
    alone = run_cli(exit_code=2, stderr=None)  # `rtlog` alone: the help, as a usage error
    assert "Usage: rtlog [OPTIONS] COMMAND [ARGS]..." in alone.stdout + alone.stderr
    assert "rtlog: error" not in alone.stderr


def test_version_into_a_closed_pipe_ends_quietly() -> None:
    """--version is written as bytes before any command runs; a reader that went away is
    the same quiet 141 as for a command's output."""
    p = subprocess.Popen([sys.executable, "-m", "rtlog", "-V"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()  # type: ignore[union-attr]
    err = p.stderr.read()  # type: ignore[union-attr]
    assert (p.wait(), err) in ((141, b""), (0, b""))  # (0: the line fit in the pipe before it closed)


@pytest.mark.parametrize(
    "args",
    [["summary", GA], ["summary", EXAMPLES], ["transcript", GA], ["transcript", GA, "--format", "markdown"], ["diff", GA, GA]],
    ids=lambda a: " ".join(str(x).rsplit("/", 1)[-1] for x in a),
)
def test_piped_human_output_has_no_padding_after_a_line(args: list[object]) -> None:
    p = run_rtlog(*map(str, args), env={"COLUMNS": "100"})
    assert p.returncode == 0, p.stderr
    padded = [line for line in p.stdout.split(b"\n") if line.endswith(b" ")]
    assert padded == []


def test_the_progress_bar_shows_its_description_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """The consoles read no markup (a log's text is never markup), so the bar's column must
    not be markup either: it showed '[progress.description]transcript 3 files'."""
    import io

    from rich.console import Console

    from rtlog import output

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100, markup=False)
    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    monkeypatch.setattr(output, "err_console", lambda: console)
    with output.Progress(200 * 1024 * 1024, "transcript [b]3 files[/b]") as bar:
        bar.update(100 * 1024 * 1024)
        bar._bar.refresh()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buf.getvalue())
    assert "transcript [b]3 files[/b]" in text and "[progress.description]" not in text


def test_help_metavars_read_as_words_and_ranges_are_checked() -> None:
    """Issue 19: `--jobs <int range> [x>=0]` read like internals. Numbers are N or SECONDS;
    a negative one is refused in one line."""
    for cmd in ("summary", "filter", "transcript", "diff", "export"):
        out = run_rtlog(cmd, "--help", env={"COLUMNS": "100"}).stdout.decode()
        assert "int range" not in out and "x>=0" not in out, cmd
    r = run_cli("summary", "-j", "-1", "x.jsonl", exit_code=2, stderr=None)
    assert r.stderr == "rtlog: error: summary: invalid value for '--jobs' / '-j': -1 is below 0 (0 or more) (see 'rtlog summary -h')\n"
    r = run_cli("filter", "x.jsonl", "--turn", "-2", exit_code=2, stderr=None)
    assert r.stderr == "rtlog: error: filter: invalid value for '--turn': -2 is below 0 (0 or more) (see 'rtlog filter -h')\n"
