"""Issue #19's command-line points: --color, the pretty view's type column, -A/-B/-C context,
folders read recursively, the pager for long reports, help at 60/80 columns, transcript --heard."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from conftest import EXAMPLES, run_cli, run_rtlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

GA = EXAMPLES / "ga_session.jsonl"
BETA = EXAMPLES / "beta_session.jsonl"
ESC = b"\x1b["


def on_terminal(*args: str, env: dict[str, str] | None = None, columns: int = 100, timeout: float = 30) -> bytes:
    """Run rtlog as a subprocess whose stdout is a real terminal (a pty); what it wrote there."""
    e = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PAGER", "PYTHONUNBUFFERED")}
    e.update({"COLUMNS": str(columns), "LINES": "40", "TERM": "xterm"}, **(env or {}))
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "rtlog", *args], stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=subprocess.PIPE, env=e)  # fmt: skip
    os.close(slave)
    out = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other end closed (Linux: EIO)
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(master)
    return out.replace(b"\r\n", b"\n")


# --- --color ------------------------------------------------------------------------------------


def test_color_always_colours_piped_output_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")  # always is what the user asked for: it wins over NO_COLOR
    out = run_cli("filter", GA, "--format", "pretty", "--color=always", "-t", "response.done", "-m", "1").stdout_bytes
    assert out == (
        b"\x1b[2m  132\x1b[0m \x1b[2m+0:03.968\x1b[0m \x1b[1;33m\xe2\x86\x90\x1b[0m \x1b[32mresponse.done\x1b[0m"
        + b" " * 26  # the type column is 38 wide at 100 columns (25 of padding, not coloured), then a space
        + b"\x1b[2m\xe2\x80\xa6QV2oj5\x1b[0m \x1b[32mcompleted\x1b[0m tokens 158 in / 62 out\n"
    )
    out = run_cli("transcript", GA, "--color", "always").stdout_bytes
    assert out.startswith(b"\x1b[2m0:00.5\x1b[0m  \x1b[1;36mUser\x1b[0m       Hi there, can you hear me?\n")


@pytest.mark.parametrize("command", ["summary", "filter", "transcript"])
def test_color_never_and_piped_auto_write_no_escape(monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    extra = ["--format", "pretty"] if command == "filter" else []
    assert ESC not in run_cli(command, GA, *extra, "--color=never").stdout_bytes
    monkeypatch.delenv("FORCE_COLOR")
    assert ESC not in run_cli(command, GA, *extra).stdout_bytes  # auto, piped
    assert ESC in run_cli(command, GA, *extra, "--colour=always").stdout_bytes


@pytest.mark.parametrize("args", [["summary", GA], ["transcript", GA], ["filter", GA, "--format", "pretty"],
                                  ["diff", GA, BETA]])  # fmt: skip
def test_color_always_piped_has_no_trailing_padding(args: list[object]) -> None:
    """Coloured or not, piped human output ends its lines with the text (the style codes after
    the padding stay, the spaces go): `diff` and `grep -x` still work."""
    r = run_cli(*args, "--color=always", exit_code=1 if args[0] == "diff" else 0)  # type: ignore[arg-type] # (diff: they differ)
    out = r.stdout
    assert "\x1b[" in out
    assert [line for line in out.splitlines() if re.search(r" (?:\x1b\[[0-9;]*m)*$", line)] == []


def test_color_auto_on_a_terminal_and_no_color() -> None:
    coloured = on_terminal("transcript", str(GA))
    assert coloured.startswith(b"\x1b[2m0:00.5\x1b[0m  \x1b[1;36mUser\x1b[0m")
    plain = on_terminal("transcript", str(GA), env={"NO_COLOR": "1"})  # no colour; bold and dim stay
    assert plain.startswith(b"\x1b[2m0:00.5\x1b[0m  \x1b[1mUser\x1b[0m       Hi there, can you hear me?\n")
    assert not re.search(rb"\x1b\[[0-9;]*\b[34][0-9]m", plain)
    assert ESC not in on_terminal("transcript", str(GA), "--color=never")


def test_color_bad_value_is_one_usage_line() -> None:
    r = run_cli("filter", GA, "--color=sometimes", exit_code=2, stderr=None)
    assert r.stderr.startswith("rtlog: error: filter: invalid value for '--color' / '--colour': ")
    assert r.stderr.count("\n") == 1


# --- the pretty view's type column --------------------------------------------------------------


@pytest.mark.parametrize(("columns", "width"), [(40, 18), (50, 21), (60, 24), (80, 30), (100, 38), (120, 46), (137, 53), (200, 53)])
def test_type_column_follows_the_terminal_width(columns: int, width: int) -> None:
    from rtlog.commands.filter import PrettyView

    assert PrettyView(columns).type_width == width


def test_pretty_view_shows_whole_long_names_when_wide_and_no_trailing_padding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    out = run_cli("filter", GA, "--format", "pretty", "-t", "conversation.item.input_audio_transcription.completed").stdout
    lines = out.splitlines()
    assert lines and all(" conversation.item.input_audio_transcription.completed " in x for x in lines)
    out = run_cli("filter", GA, "--format", "pretty", "-t", "input_audio_buffer.committed").stdout
    assert out and all(not x.endswith(" ") for x in out.splitlines())


# --- -A/-B/-C context events ------------------------------------------------------------------------

GNU_GREP = shutil.which("grep")


def _gnu_grep() -> bool:
    if GNU_GREP is None:
        return False
    return b"GNU grep" in subprocess.run([GNU_GREP, "--version"], capture_output=True).stdout


needs_gnu_grep = pytest.mark.skipif(not _gnu_grep(), reason="GNU grep is the reference for the context rules")


def _toy_log(path: Path, kinds: list[bool]) -> Path:
    """One event per line: type `hit` (selected by -t hit) or `other`, each with its index."""
    path.write_bytes(b"".join(b'{"type":"%s","n":%d}\n' % (b"hit" if k else b"other", i) for i, k in enumerate(kinds)))
    return path


@needs_gnu_grep
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    a=st.lists(st.booleans(), min_size=0, max_size=14),
    b=st.lists(st.booleans(), min_size=1, max_size=8),
    before=st.integers(0, 3), after=st.integers(0, 3), m=st.one_of(st.none(), st.integers(1, 4)),
    invert=st.booleans(),
)  # fmt: skip
def test_context_is_grep_s_for_every_log_and_option(tmp_path: Path, a: list[bool], b: list[bool], before: int,
                                                    after: int, m: int | None, invert: bool) -> None:  # fmt: skip
    """JSONL with context is `grep -n -A -B` (with -H over two files: `grep -H -n`), byte for byte:
    the same groups, the same `--`, matches with ':' and context with '-', -m's trailing context."""
    one, two = _toy_log(tmp_path / "one.jsonl", a), _toy_log(tmp_path / "two.jsonl", b)
    ctx = ["-A", str(after), "-B", str(before)] if before or after else []  # (-C 0 is no context: plain lines)
    opts = [*ctx, *(["-m", str(m)] if m else []), *(["-v"] if invert else [])]
    for files, h in (([one], []), ([one, two], ["-H"])):
        want = subprocess.run([GNU_GREP, *(["-n"] if ctx else []), *h, *opts, "-F", '"type":"hit"', *map(str, files)],
                              capture_output=True, env={"LC_ALL": "C"}).stdout  # fmt: skip
        if m and len(files) > 1:  # grep's -m counts per file, rtlog's over the run: compare one file only
            continue
        r = run_cli("filter", *files, "-t", "hit", *h, *opts, exit_code=0 if want else 1)
        assert r.stdout_bytes == want


def test_context_in_the_pretty_view(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run_cli("filter", GA, "--format", "pretty", "-t", "response.done", "-B", "1", "-A", "1", "-m", "2").stdout
    assert out.splitlines() == [
        "  131- +0:03.966 ← response.output_item.done      …QV2oj5 …Y31BSn assistant com…",
        "  132: +0:03.968 ← response.done                  …QV2oj5 completed tokens 158 …",
        "  133- +0:03.969 ← rate_limits.updated",
        "--",
        "  222- +0:08.185 ← response.output_item.done      …dQnLSe …y1B7r1 …P4zWI5 funct…",
        "  223: +0:08.187 ← response.done                  …dQnLSe completed tokens 211 …",
        "  224- +0:08.188 ← rate_limits.updated",
    ]


def test_context_with_time_bounds_where_stdin_and_counting_options() -> None:
    lines = GA.read_bytes().splitlines(keepends=True)
    # --since/--until and --where select the matches; their neighbours are shown whatever they are
    r = run_cli("filter", "-", "--since", "3.968s", "--until", "3.968s", "--where", "response.status=completed", "-C", "1",
                input=GA.read_bytes())  # fmt: skip
    assert r.stdout_bytes == b"131-" + lines[130] + b"132:" + lines[131] + b"133-" + lines[132]
    # -c, -l and -q count matches; context means nothing there (as grep: ignored)
    assert run_cli("filter", GA, "-t", "response.done", "-C", "3", "-c").stdout == "5\n"
    assert run_cli("filter", GA, BETA, "-t", "response.done", "-C", "3", "-c").stdout == f"{GA}:5\n{BETA}:5\n"
    assert run_cli("filter", GA, BETA, "-t", "response.done", "-A", "2", "-l").stdout == f"{GA}\n{BETA}\n"
    assert run_cli("filter", GA, "-t", "response.done", "-B", "2", "-q").stdout == ""


def test_context_lines_keep_their_bytes_with_strip_audio() -> None:
    out = run_cli("filter", GA, "-t", "response.output_audio.done", "-B", "1", "-m", "1", "--strip-audio").stdout_bytes
    first, second = out.splitlines()
    assert first.startswith(b"126-") and b'"delta":"[trimmed: ' in first
    assert second.startswith(b"127:") and b'"type":"response.output_audio.done"' in second


# --- folders ----------------------------------------------------------------------------------------


def _fleet(root: Path) -> dict[str, Path]:
    """A folder tree: logs at several depths, a JSON-array session, and files that are not logs."""
    (root / "2026" / "11" / "20").mkdir(parents=True)
    (root / ".cache").mkdir()
    (root / "b.jsonl").write_bytes(GA.read_bytes())
    (root / "2026" / "a.ndjson").write_bytes(BETA.read_bytes())
    (root / "2026" / "11" / "20" / "deep.jsonl").write_bytes(GA.read_bytes())
    events = [orjson.loads(x).get("event") or orjson.loads(x) for x in BETA.read_bytes().splitlines()]
    (root / "2026" / "11" / "saved.json").write_bytes(orjson.dumps(events, option=orjson.OPT_INDENT_2))
    (root / "2026" / "11" / "config.json").write_bytes(b'{"model": "x"}')  # a .json that is not a session
    (root / "relay.log").write_bytes(b"10:00 started\n")  # a recorder's text log
    (root / ".cache" / "hidden.jsonl").write_bytes(b"not read\n")
    return {
        "files": [root / "2026" / "11" / "20" / "deep.jsonl", root / "2026" / "11" / "saved.json",  # type: ignore[dict-item]
                  root / "2026" / "a.ndjson", root / "b.jsonl"],  # fmt: skip
    }


@pytest.mark.parametrize("command", ["filter", "summary", "transcript"])
def test_a_folder_is_read_with_its_subfolders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    """Every log at any depth, in path order; .json only when it holds an array of events;
    no .log, nothing in hidden folders; the same files for every command (one expansion)."""
    monkeypatch.setenv("COLUMNS", "300")
    want = [str(p) for p in _fleet(tmp_path)["files"]]  # type: ignore[union-attr]
    if command == "filter":
        out = run_cli("filter", tmp_path, "-t", "session.created", "-c").stdout
        assert out == "".join(f"{f}:1\n" for f in want)
    elif command == "summary":
        import json

        doc = json.loads(run_cli("summary", tmp_path, "--json").stdout)
        assert [f["source"] for f in doc["files"]] == want
    else:
        out = run_cli("transcript", tmp_path).stdout
        assert re.findall(r"^(\S+) ─+$", out, re.M) == want  # each file's title rule


def test_the_folder_expansion_is_the_one_every_command_shares(tmp_path: Path) -> None:
    from rtlog.io.reader import expand_sources

    want = _fleet(tmp_path)["files"]
    assert [s.name for s in expand_sources([str(tmp_path)])] == [str(p) for p in want]  # type: ignore[union-attr]


# --- transcript --heard -------------------------------------------------------------------------


def test_heard_is_the_spoken_turns_cut_where_the_audio_was() -> None:
    """The truth file knows what was heard of the interrupted reply; no tool lines, no notes."""
    import json

    truth = json.loads(GA.with_suffix(".truth.json").read_text())["transcript"]
    want = [(t["role"].title(), t.get("heard_text") or t["text"]) for t in truth if "text" in t]
    assert any(t.get("heard_text") for t in truth)  # (the log has a truncation whose heard part is known)
    out = run_cli("transcript", GA, "--heard").stdout
    got = [tuple(re.split(r"\s{2,}", line, maxsplit=2)[1:]) for line in out.splitlines()]
    assert got == want
    full = run_cli("transcript", GA).stdout
    assert "[interrupted at 1.4 s of 2.1 s]" in full and "‖" in full and "get_weather" in full
    assert "[" not in out and "‖" not in out and "→" not in out and "←" not in out


def test_heard_subtitles_end_where_the_audio_was_cut() -> None:
    srt = run_cli("transcript", GA, "--heard", "--format", "srt").stdout
    assert "6\n00:00:13,612 --> 00:00:15,030\nAssistant: It opened in eighteen eighty nine.\n" in srt
    assert "It is about three" not in srt and "interrupted" not in srt
    vtt = run_cli("transcript", GA, "--heard", "--format", "vtt").stdout
    assert "00:00:13.612 --> 00:00:15.030\n<v Assistant>It opened in eighteen eighty nine.\n" in vtt
    assert vtt.count("-->") == 8  # the 8 spoken turns, nothing for the tool call


def test_heard_when_the_cut_cannot_be_placed_says_so(tmp_path: Path) -> None:
    no_audio = tmp_path / "no_audio.jsonl"
    no_audio.write_bytes(run_cli("filter", GA, "-x", "response.output_audio.delta").stdout_bytes)
    r = run_cli("transcript", no_audio, "--heard", stderr=None)
    assert "It opened in eighteen eighty nine. It is about three\n" in r.stdout
    assert r.stderr == ("rtlog: warning: 1 interrupted reply whose audio is not in the log: where it was cut is unknown, "
                        "so the whole text is shown\n")  # fmt: skip


# --- the pager for a long summary ----------------------------------------------------------------


def test_a_long_summary_on_a_terminal_goes_through_the_pager(tmp_path: Path) -> None:
    paged = tmp_path / "paged.txt"
    env = {"PAGER": f"printf '%s\\n' \"$LESS\" > {tmp_path}/less.txt; cat > {paged}"}
    shown = on_terminal("summary", str(GA), env=env)  # 40 lines: the report is longer
    direct = on_terminal("summary", str(GA), "--no-pager", env=env)
    assert shown == b""  # all of it went to the pager
    assert paged.read_bytes() == direct  # the same bytes, colours included (less -R shows them)
    assert direct.count(b"\n") > 40 and ESC in direct
    assert (tmp_path / "less.txt").read_text() == "FRX\n"  # $LESS unset: quit if one screen, raw colours, no clearing
    paged.unlink()
    on_terminal("summary", str(GA), env={**env, "LESS": "-R"})
    assert (tmp_path / "less.txt").read_text() == "-R\n"  # the user's own $LESS is kept


def test_no_pager_when_it_fits_piped_or_not_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paged = tmp_path / "paged.txt"
    env = {"PAGER": f"cat > {paged}", "LINES": "500"}
    assert b"Session" in on_terminal("summary", str(GA), env=env)  # one screen: printed as it is
    assert b"Session" in on_terminal("summary", str(GA), env={"PAGER": "no-such-pager-here -x"})
    assert b"Session" in on_terminal("summary", str(GA), env={"PAGER": ""})
    monkeypatch.setenv("PAGER", f"cat > {paged}")
    assert "Session" in run_cli("summary", GA).stdout  # piped
    assert not paged.exists()


# --- help at 60 and 80 columns ----------------------------------------------------------------------


def _commands() -> list[str]:
    from rtlog.cli import COMMANDS

    return [name for name, (_, _, hidden) in COMMANDS.items() if not hidden]


def _examples(command: str) -> list[str]:
    """The example lines of a command's docstring (its `\\b` Examples block), as written."""
    import importlib
    import inspect

    from rtlog.cli import COMMANDS

    module, function, _ = COMMANDS[command]
    doc = inspect.cleandoc(getattr(importlib.import_module(module), function).__doc__ or "")
    if "Examples:" not in doc:
        return []
    block = doc.split("Examples:", 1)[1].split("\n\n", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


@pytest.mark.parametrize("columns", [60, 80])
@pytest.mark.parametrize("command", ["", *_commands()])
def test_help_fits_the_terminal_with_whole_examples_and_no_markup(columns: int, command: str) -> None:
    # (a real process: CliRunner forces click's help width to 80)
    r = run_rtlog(*([command] if command else []), "--help", env={"COLUMNS": str(columns)})
    assert r.returncode == 0 and r.stderr == b""
    text = r.stdout.decode()
    lines = text.splitlines()
    assert len(lines) > 5
    too_long = [line for line in lines if len(line) > columns]
    assert too_long == []
    assert [line for line in lines if line != line.rstrip()] == []  # no padding
    for code in ("\x1b[", "\x08", "[bold", "[dim", "[/", "\\[", "<int", "<str>", "x>=", "x<=", "INTEGER", "TEXT"):
        assert code not in text, code
    if not command:  # each command's first sentence whole (click cut them at 45 characters with '...')
        assert not [line for line in lines if line.endswith("...") and not line.endswith("[ARGS]...")]
        assert "  transcript     Rebuild the conversation: who said what, in order, with" in lines or columns == 60
    examples = _examples(command) if command else []
    if command not in ("", "help"):
        assert examples, f"{command}: no Examples block"
    stripped = [line.strip() for line in lines]
    for k, example in enumerate(examples):  # every example line whole, on its own line, in order
        assert example.strip() in stripped, example
        if k:
            assert stripped.index(example.strip()) == stripped.index(examples[k - 1].strip()) + 1
    for example in examples:
        assert len(example) + 2 <= 58, f"{command}: an example longer than a 60-column help can show: {example!r}"


def test_help_at_60_columns_puts_the_help_under_the_option() -> None:
    lines = run_rtlog("filter", "--help", env={"COLUMNS": "60"}).stdout.decode().splitlines()
    k = lines.index("  -t, --type GLOB")
    assert lines[k + 1 : k + 5] == [
        "        Event type glob (repeatable: any of them). Matches",
        "        the recorded name or any alias of it, so",
        "        'response.output_audio.delta' also selects beta",
        "        'response.audio.delta'.",
    ]
    at80 = run_rtlog("filter", "-h", env={"COLUMNS": "80"}).stdout.decode()
    assert "  -t, --type GLOB                 Event type glob (repeatable: any of them).\n" in at80


def test_a_log_deep_in_an_input_folder_is_never_an_output(tmp_path: Path) -> None:
    from rtlog.errors import OutputError
    from rtlog.io.outfile import refuse_inputs

    deep = _fleet(tmp_path)["files"][0]  # type: ignore[index]
    with pytest.raises(OutputError, match="refusing to overwrite an input file"):
        refuse_inputs(str(deep), [str(tmp_path)])
    r = run_cli("extract-audio", tmp_path, "-o", deep, exit_code=2, stderr=None)
    assert r.stderr.endswith(f"rtlog: error: {deep}: refusing to overwrite an input file\n")
    assert deep.read_bytes() == GA.read_bytes()
