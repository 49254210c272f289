"""A log is untrusted input (issue 21): no string from it drives the terminal, reads as
rich markup, or breaks out of the Markdown / subtitle syntax it is written into; machine
output keeps the exact value. The log: tests/hostile_strings.py (every text field of a
real session carrying terminal escapes, markup, Markdown, HTML and subtitle syntax)."""

from __future__ import annotations

import html
import json
import os
import pty
import re
import select
import subprocess
import sys
import termios
from pathlib import Path

import orjson
import pytest
from conftest import run_cli
from hostile_strings import HOSTILE, hostile_log, plain, raw_controls
from hypothesis import given
from hypothesis import strategies as st

from rtlog import escape

#: every command and format that prints (extract-audio prints its report on stderr)
PRINTING = [
    ["summary"], ["summary", "--json"], ["summary", "{log}", "{log}"],
    ["transcript", "--errors"], ["transcript", "--errors", "{log}", "{log}"],
    ["transcript", "--format", "markdown", "--errors"], ["transcript", "--format", "json", "--errors"],
    ["transcript", "--format", "srt"], ["transcript", "--format", "vtt"],
    ["filter"], ["filter", "--format", "pretty"], ["filter", "--format", "jsonl"], ["filter", "-c"],
    ["extract-audio", "-o", "{dir}/out.wav"], ["extract-audio", "--json", "-o", "{dir}/out.wav"],
    ["extract-audio", "--split", "item", "-o", "{dir}/split"],
    ["summary", "--audio-quality"], ["diff", "{log}", "{example}"], ["diff", "--json", "{log}", "{example}"],
    ["report", "-o", "{dir}/report.html"],
]  # fmt: skip


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_log(tmp_path_factory.mktemp("hostile") / "hostile.jsonl")


def _argv(args: list[str], log: Path, tmp: Path) -> list[str]:
    example = str(Path(__file__).parent.parent / "examples" / "ga_session.jsonl")
    argv = [a.replace("{log}", str(log)).replace("{dir}", str(tmp)).replace("{example}", example) for a in args]
    return argv if "{log}" in args else [*argv, str(log)]


def run_on_pty(argv: list[str], cwd: Path) -> tuple[int, str]:
    """rtlog with stdout and stderr on a pseudo terminal 80 columns wide (output
    post-processing off, so the bytes read are the bytes written)."""
    master, slave = pty.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "PYTHONUNBUFFERED")}
    env.update(COLUMNS="80", TERM="xterm-256color", FORCE_COLOR="1", PAGER="cat")  # (what rtlog itself writes: no pager)
    p = subprocess.Popen(
        [sys.executable, "-m", "rtlog", *argv], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env, cwd=cwd
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            p.kill()
            break
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return p.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("args", PRINTING, ids=" ".join)
def test_no_raw_control_sequence_reaches_a_terminal(log: Path, tmp_path: Path, args: list[str]) -> None:
    """Window title, clipboard (OSC 52), hyperlinks (OSC 8), resets, C1 controls, bidi
    overrides, CR/BS: none reaches the terminal, on stdout or stderr, whatever the command."""
    code, out = run_on_pty(_argv(args, log, tmp_path), tmp_path)
    assert code == (1 if args[0] == "diff" else 0), out[-2000:]  # (diff: 1, the logs differ)
    assert raw_controls(out) == [], args
    assert "\x1b]" not in out  # no OSC at all: not even a rich hyperlink made from markup


def test_log_text_is_never_rich_markup(log: Path) -> None:
    """`[link=…]` stays text (no hyperlink) and `[/x]` no longer stops the report half-way."""
    r = run_cli("summary", log, stderr=None)
    assert "[link=https://evil.example/]click[/link] [/x] [bold red]markup :smile:" in r.stdout
    assert "Errors and checks" in r.stdout  # the last table: the report is whole
    r = run_cli("transcript", "--errors", log, stderr=None)
    assert "[link=https://evil.example/]click[/link] [/x]" in r.stdout


@pytest.mark.parametrize(
    "args", [a for a in PRINTING if "--json" not in a and "json" not in a and a[0] != "filter"], ids=" ".join
)
def test_human_output_to_a_file_holds_no_control_character(log: Path, tmp_path: Path, args: list[str]) -> None:
    r = run_cli(*_argv(args, log, tmp_path), stderr=None, exit_code=1 if args[0] == "diff" else 0)
    assert raw_controls(r.stdout) == []
    assert raw_controls(r.stderr) == []
    assert all(ln.startswith("rtlog: ") for ln in r.stderr.splitlines())  # a warning stays one line


def test_machine_output_keeps_the_exact_value(log: Path, tmp_path: Path) -> None:
    """JSON written to a file or a pipe has the strings exactly as logged; `filter` the lines."""
    data = orjson.loads(run_cli("summary", "--json", log, stderr=None).stdout_bytes)
    assert data["sessions"][0]["id"] == "sess_DCuJsUaGuXPKh4q4sMWah" + HOSTILE
    entries = orjson.loads(run_cli("transcript", "--format", "json", log, stderr=None).stdout_bytes)
    assert entries[0]["text"] == "Hi there, can you hear me?" + HOSTILE
    lines = log.read_bytes().splitlines(keepends=True)
    assert run_cli("filter", "-t", "session.created", log, stderr=None).stdout_bytes == lines[0]


def test_json_on_a_terminal_is_the_same_value(log: Path, tmp_path: Path) -> None:
    """On a terminal the unsafe characters are JSON escapes: parsing gives the same value."""
    code, out = run_on_pty(["summary", "--json", str(log)], tmp_path)
    assert code == 0
    body = out[out.index("{") :]
    assert orjson.loads(body)["sessions"][0]["id"] == "sess_DCuJsUaGuXPKh4q4sMWah" + HOSTILE


def _markdown_html(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").render(text)


def test_markdown_output_is_escaped(log: Path) -> None:
    """Rendered as CommonMark (raw HTML allowed), the transcript makes no element from the
    log: no script, image, link, heading but its own, no code block."""
    md = run_cli("transcript", "--format", "markdown", "--errors", log, log, stderr=None).stdout
    rendered = _markdown_html(md)
    tags = set(re.findall(r"<([a-z0-9]+)", rendered))
    assert tags <= {"h1", "p", "strong", "em", "br", "code"}, tags
    assert rendered.count("<h1>") == 2  # the two file headings, nothing from the log
    assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered  # shown, as text


def test_subtitles_hold_no_tag_and_no_extra_cue(log: Path) -> None:
    srt = run_cli("transcript", "--format", "srt", log, stderr=None).stdout
    vtt = run_cli("transcript", "--format", "vtt", log, stderr=None).stdout
    entries = [e for e in orjson.loads(run_cli("transcript", "--format", "json", log, stderr=None).stdout_bytes)
               if e["type"] == "message" and e["role"] in ("user", "assistant")]  # fmt: skip
    assert srt.count(" --> ") == len(entries) == vtt.count(" --> ")
    assert "<" not in srt and "{" not in srt
    assert re.findall(r"<[^>]*>", vtt) == [f"<v {w}>" for w in re.findall(r"<v (\w+)>", vtt)]


# --- the escaping helpers, for any text ----------------------------------------------------------

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60) | st.lists(
    st.sampled_from(["#", "-", "=", "*", "_", "`", "```", "<script>", "&amp;", "[a](b)", "1.", "2)", "\n", "\n\n", " ", "    ", ">", "\\", "|", "~~~", "x"]),
    max_size=12).map("".join)  # fmt: skip


@given(texts)
def test_markdown_text_renders_as_the_text_itself(text: str) -> None:
    """One paragraph whose text is the text (terminal controls replaced, lines stripped,
    blank lines dropped): nothing in it became markup."""
    rendered = _markdown_html("**User**: x " + escape.markdown(text) + " x")
    assert rendered.startswith("<p><strong>User</strong>: x ") and rendered.endswith(" x</p>\n"), rendered
    inner = rendered[len("<p><strong>User</strong>: x ") : -len(" x</p>\n")]
    assert "<" not in inner.replace("<br />", ""), rendered
    lines = [ln.strip() for ln in escape.terminal(text).replace("\r", "").split("\n")]
    # (CommonMark turns U+0000 into U+FFFD itself; escape.terminal already did)
    assert html.unescape(inner.replace("<br />\n", "\n")) == "\n".join(ln for ln in lines if ln).strip()


@given(texts)
def test_markdown_code_is_literal(text: str) -> None:
    if not escape.markdown_code(text):
        assert " ".join(escape.terminal(text).splitlines()) == ""
        return
    rendered = _markdown_html("x " + escape.markdown_code(text))
    m = re.fullmatch(r"<p>x <code>(.*)</code></p>\n", rendered, re.S)
    assert m, rendered
    assert html.unescape(m.group(1)) == " ".join(escape.terminal(text).splitlines())


@given(texts)
def test_terminal_text_holds_nothing_a_terminal_acts_on(text: str) -> None:
    safe = escape.terminal(text, one_line=True)
    assert raw_controls(safe) == [] and "\n" not in safe
    assert len(safe) == len(text)  # one visible character for each, so layout stays right


def test_warnings_and_errors_quote_a_hostile_name_inertly(tmp_path: Path) -> None:
    """Diagnostics quote the log (its name, its ids, its messages): on a terminal they stay
    one line each with nothing the terminal would act on."""
    folder = tmp_path / "logs"
    folder.mkdir()
    name = "x\x1b]0;PWNED\x07\u202eevil\x9b2J[link=https:\\evil.example]a[\\link].jsonl"
    (folder / name).write_bytes(
        (Path(__file__).parent.parent / "examples" / "ga_session.jsonl").read_bytes()[:3000] + b"\nnot json\n"
    )
    for args in (["summary", str(folder)], ["transcript", str(folder)], ["filter", "-c", str(folder)]):
        code, out = run_on_pty(args, tmp_path)
        assert code in (0, 1), out
        assert raw_controls(out) == [], args
        warnings = [ln for ln in plain(out).splitlines() if ln.startswith("rtlog: warning: ")]
        assert len(warnings) >= 1 and all("[link=https:\\evil.example]a[\\link]" in w for w in warnings), out


def _nested_object(levels: int) -> object:
    v: object = 1
    for _ in range(levels):
        v = {"a": v}
    return v


def test_a_setting_nested_past_what_json_can_write_is_cut_not_a_crash(tmp_path: Path) -> None:
    """A session whose turn detection nests 300 levels (orjson writes at most 254): diff,
    which compares and writes the settings as the log gave them, said "internal error"
    and exit 2. The kept value is cut at 32 levels with a note, the rest compared as ever."""
    from conftest import run_rtlog

    for name, vad in (("a", "server_vad"), ("b", "semantic_vad")):
        session = {"id": "s", "model": "gpt-realtime", "turn_detection": {"type": vad, "x": _nested_object(300)}}
        # (written by the standard library: orjson itself refuses to write such a line)
        (tmp_path / f"{name}.jsonl").write_text(json.dumps({"type": "session.created", "session": session}) + "\n")
    p = run_rtlog("diff", tmp_path / "a.jsonl", tmp_path / "b.jsonl", "--json")
    assert (p.returncode, p.stderr) == (1, b"")  # (1: the sessions differ)
    (change,) = orjson.loads(p.stdout)["config"]
    assert (change["field"], change["changed"]) == ("turn_detection", ["type"])
    x, levels = change["a"]["x"], 2  # (turn detection itself is level 1, its "x" level 2)
    while type(x) is dict:
        x, levels = x["a"], levels + 1
    assert (x, levels) == ("(nested deeper than 32 levels: not kept)", 33)
    p = run_rtlog("diff", tmp_path / "a.jsonl", tmp_path / "a.jsonl")
    assert (p.returncode, p.stderr) == (0, b"")


def test_bounded_keeps_a_shallow_value_itself() -> None:
    from rtlog.protocol.objects import TOO_DEEP, bounded

    shallow = {"a": [1, {"b": "c"}], "d": None}
    assert bounded(shallow) is shallow
    assert bounded(_nested_object(32)) == _nested_object(32)
    assert bounded(_nested_object(33), 32) == _cut(32)
    assert bounded([[1]], 1) == [TOO_DEEP]


def _cut(levels: int) -> object:
    from rtlog.protocol.objects import TOO_DEEP

    v: object = TOO_DEEP
    for _ in range(levels):
        v = {"a": v}
    return v
