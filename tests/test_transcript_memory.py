"""`transcript` holds a small multiple of the text it keeps (issue 21): a reply streamed as
one huge delta or as very many small ones, measured as a subprocess's peak memory; and the
ways the memory was saved change no byte of the output (the streamed plain text against
rich's rendering, the gap search against the list it replaced)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from hostile_strings import HOSTILE, raw_controls
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtlog import output
from rtlog.commands import transcript as cmd
from rtlog.conversation.items import _Part
from rtlog.transcript.entries import Entry, Transcript, split_heard

HEAD = [
    {"type": "session.created", "session": {"id": "s", "model": "gpt-realtime"}},
    {"type": "response.created", "response": {"id": "r", "status": "in_progress"}},
    {"type": "response.output_item.added", "response_id": "r", "item": {"id": "i", "type": "message", "role": "assistant"}},
]
DONE = {"type": "response.done", "response": {"id": "r", "status": "completed"}}


def _delta(text: str) -> bytes:
    return orjson.dumps({"type": "response.output_audio_transcript.delta", "response_id": "r", "item_id": "i", "content_index": 0,
                         "delta": text}) + b"\n"  # fmt: skip


def _log(path: Path, deltas: list[bytes], *, timed: bool = False) -> Path:
    """The log of one reply; `timed`: each event in a recorder's envelope with its time
    (what subtitles need)."""
    with open(path, "wb") as f:
        f.writelines(orjson.dumps(x) + b"\n" for x in HEAD)
        f.writelines(deltas)
        f.write(orjson.dumps(DONE) + b"\n")
    if timed:
        lines = path.read_bytes().splitlines()
        with open(path, "wb") as f:
            for k, line in enumerate(lines):
                f.write(b'{"time":"2026-11-20T10:00:%02d.000Z","source":"server","event":' % min(k, 59) + line + b"}\n")
    return path


def _peak_kb(args: list[object], cwd: Path) -> tuple[subprocess.CompletedProcess[bytes], int]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    out = cwd / "out"
    with open(out, "wb") as f:
        p = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "rtlog", *map(str, args)], stdout=f,
                           stderr=subprocess.PIPE, cwd=cwd, env=env, timeout=120)  # fmt: skip
    lines = p.stderr.splitlines()
    return subprocess.CompletedProcess(p.args, p.returncode, out.read_bytes(), b"\n".join(lines[:-1])), int(lines[-1])


#: the bound: the peak over a run on a tiny log is at most this many times the text. Reading
#: a line costs ~3 times its size (the reader's buffered `readline` joins its chunks, then the
#: parsed string), so one huge delta cannot go below ~3; it took ~35 (text) before.
BOUND = 3.5
FORMATS = [["transcript"], ["transcript", "--format", "json"], ["transcript", "--format", "markdown"]]


@pytest.mark.skipif(not os.path.exists("/usr/bin/time"), reason="needs GNU /usr/bin/time for the peak memory")
@pytest.mark.parametrize("args", FORMATS, ids=" ".join)
@pytest.mark.parametrize("shape", ["one huge delta", "many small deltas"])
def test_transcript_memory_is_a_small_multiple_of_its_text(tmp_path: Path, shape: str, args: list[str]) -> None:
    """12 MB of text in one delta, or 4 MB in 500,000 deltas of 8 characters (a small str
    costs ~50 bytes besides its text: ~8 times the text as a list of deltas)."""
    if shape == "one huge delta":
        text = "word " * 2_400_000
        log = _log(tmp_path / "log.jsonl", [_delta(text)])
    else:
        text = "eight ch" * 500_000
        log = _log(tmp_path / "log.jsonl", [_delta("eight ch")] * 500_000)
    tiny = _log(tmp_path / "tiny.jsonl", [_delta("word ")])
    _, base_kb = _peak_kb([*args, tiny.name], tmp_path)
    p, peak_kb = _peak_kb([*args, log.name], tmp_path)
    assert (p.returncode, p.stderr) == (0, b"")
    kept = len(text.strip())
    if args == ["transcript"]:
        assert p.stdout == b"Assistant  " + text.strip().encode() + b"\n"
    elif args[-1] == "json":
        assert orjson.loads(p.stdout)[0]["text"] == text
    else:
        assert p.stdout == b"**Assistant**: " + text.strip().encode() + b"\n"
    ratio = (peak_kb - base_kb) * 1024 / kept
    assert ratio < BOUND, f"{ratio:.1f} times the text ({peak_kb - base_kb} kB over {base_kb} kB)"


@pytest.mark.skipif(not os.path.exists("/usr/bin/time"), reason="needs GNU /usr/bin/time for the peak memory")
@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_subtitles_memory_is_a_small_multiple_of_their_text(tmp_path: Path, fmt: str) -> None:
    """A 12 MB cue: written a piece at a time (the document was joined, then encoded)."""
    text = "word " * 2_400_000
    log = _log(tmp_path / "log.jsonl", [_delta(text)], timed=True)
    tiny = _log(tmp_path / "tiny.jsonl", [_delta("word ")], timed=True)
    _, base_kb = _peak_kb(["transcript", "--format", fmt, tiny.name], tmp_path)
    p, peak_kb = _peak_kb(["transcript", "--format", fmt, log.name], tmp_path)
    assert (p.returncode, p.stderr) == (0, b"")
    head = b"1\n00:00:02,000 --> 00:00:03,000\nAssistant: " if fmt == "srt" else b"WEBVTT\n\n00:00:02.000 --> 00:00:03.000\n<v Assistant>"
    assert p.stdout == head + text.strip().encode() + b"\n"
    ratio = (peak_kb - base_kb) * 1024 / len(text.strip())
    assert ratio < BOUND, f"{ratio:.1f} times the text ({peak_kb - base_kb} kB over {base_kb} kB)"


# --- the same bytes as before ---------------------------------------------------------------

CHARS = ["a", "b", "é", "天", " ", "  ", "\n", "\t", "\u3000", "\u2028", "\u200b", "\u0301", "\x1b", "\r\n", "\x85", "‖"]
texts = st.lists(st.sampled_from(CHARS), max_size=14).map("".join)
opt_texts = st.none() | texts
entries = st.builds(
    Entry,
    session=st.integers(1, 2), role=st.sampled_from(["user", "assistant", "tool", "system"]),
    type=st.sampled_from(["message", "message", "function_call", "function_call_output", "error", "mcp_call", "dtmf"]),
    text=opt_texts, heard_text=opt_texts, unheard_text=opt_texts, start=st.none() | st.floats(0, 4000),
    name=opt_texts, arguments=opt_texts, output=opt_texts, reason=opt_texts,
    note=st.none() | st.sampled_from(["unfinished", "not transcribed"]) | texts, interrupted=st.booleans(),
    status=st.none() | st.just("incomplete"), images=st.sampled_from([0, 1, 3]), keys=st.none() | st.lists(texts, max_size=2),
    phase=st.none() | st.just("commentary"), audio_end_ms=st.none() | st.integers(0, 5000),
    audio_seconds=st.none() | st.just(2.0), error=st.none() | st.fixed_dictionaries({"code": texts, "message": texts}),
)  # fmt: skip


def _through_rich(transcripts: list[Transcript], headed: bool) -> None:
    """What `print_text` wrote to a file before: `Prewrapped` runs printed by rich."""
    from rich.rule import Rule
    from rich.text import Text

    renderables: list[object] = []
    for t in transcripts:
        if headed:
            renderables.append(Rule(Text(cmd.clean(t.source or "-", one_line=True), style="bold"), style="bold", align="left"))
        renderables += cmd._text_renderables(t, cmd._PLAIN_WIDTH)
    output.print_human(*renderables, soft_wrap=True)


def _captured(write: object) -> str:
    real = sys.stdout
    sys.stdout = buf = io.StringIO()
    try:
        write()  # type: ignore[operator]
    finally:
        sys.stdout = real
    return buf.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.lists(entries, min_size=1, max_size=4), texts, st.booleans(), st.sampled_from([1, 3, 1 << 16]))
def test_plain_text_is_what_rich_printed(es: list[Entry], source: str, headed: bool, window: int) -> None:
    """Off a terminal the transcript is written as it is laid out: byte for byte what
    rich printed from the pre-wrapped runs (whitespace runs, empty lines, zero-width words,
    line separators and controls included), whatever the window its words are split in."""
    ts = [Transcript(es, [], None, source=source)]
    old = _captured(lambda: _through_rich(ts, headed))
    real = cmd._WINDOW, cmd._WRITE
    cmd._WINDOW, cmd._WRITE = window, window
    try:
        assert _captured(lambda: cmd._print_plain(ts, headed=headed)) == old
    finally:
        cmd._WINDOW, cmd._WRITE = real


def _split_heard_as_before(text: str, frac: float) -> tuple[str, str]:
    n = len(text)
    p = frac * n
    if frac >= 1:
        return text, ""
    if frac <= 0:
        return "", text.lstrip()
    gaps = [(m.start(), m.end()) for m in re.finditer(r"\s+", text)]
    if not gaps:
        k = round(p)
        return text[:k], text[k:]
    best = (p, 0, 0)
    for a, b in [*gaps, (n, n)]:
        d = 0.0 if a <= p <= b else min(abs(p - a), abs(p - b))
        if d < best[0]:
            best = (d, a, b)
    _, a, b = best
    return text[:a].rstrip(), text[b:].lstrip()


@given(st.lists(st.sampled_from(["a", "bb", " ", "  ", "\n", "天"]), max_size=20).map("".join),
       st.floats(-0.5, 1.5) | st.sampled_from([0.0, 0.5, 1.0]))  # fmt: skip
def test_the_heard_split_stops_at_the_first_gap_past_the_cut(text: str, frac: float) -> None:
    assert split_heard(text, frac) == _split_heard_as_before(text, frac)


@given(st.lists(st.text(alphabet="ab é", max_size=3), max_size=700), st.none() | st.text(alphabet="xy", max_size=2))
def test_deltas_joined_in_blocks_give_the_text_and_its_final(deltas: list[str], final: str | None) -> None:
    """Deltas past `_JOIN` are joined as they come: the text is still every delta in order,
    None without any; a final value replaces them, an empty one only when there were none."""
    p = _Part()
    for d in deltas:
        p.add(d)
    assert p.text == ("".join(deltas) if deltas else None)
    assert p.text is p.text  # (joined once, then kept as one string)
    p.set_final(final)
    want = "".join(deltas) if deltas else None
    if final is not None and (final or not deltas):
        want = final
    assert p.text == want


# --- a reason or error message from the log in the text view -----------------------------------


def test_a_hostile_reason_never_reaches_the_terminal(tmp_path: Path) -> None:
    """The note after a reply (`[incomplete: reason]`) quotes the log: it was written raw
    (an OSC title sequence went to the terminal); now its controls are replaced."""
    from test_untrusted import run_on_pty

    log = _log(tmp_path / "log.jsonl", [_delta("hello")])
    lines = log.read_bytes().splitlines()
    lines[-1] = orjson.dumps({"type": "response.done", "response": {"id": "r", "status": "incomplete",
                              "status_details": {"type": "incomplete", "reason": "max_output_tokens" + HOSTILE}}})  # fmt: skip
    log.write_bytes(b"\n".join(lines) + b"\n")
    code, out = run_on_pty(["transcript", log.name], tmp_path)
    assert code == 0 and "hello" in out and "[incomplete:" in out and "max_output_tokens" in out
    assert raw_controls(out) == []
    p, _ = _peak_kb(["transcript", log.name], tmp_path)
    assert p.returncode == 0 and b"[incomplete: max_output_tokens" in p.stdout
    assert raw_controls(p.stdout.decode()) == []


# --- a terminal: words longer than a line ---------------------------------------------------------


def _wrap_as_before(pieces: list[tuple[str, str | None, bool]], width: int) -> list[list[tuple[str, str | None]]]:
    """`wrap_styled` as it was (the cut remainder of a long word copied and measured anew)."""
    from rtlog.commands.transcript import _cells, _fit

    lines: list[list[tuple[str, str | None]]] = []
    words: list[str] = []
    styles: list[str | None] = []
    col = 0

    def end_line() -> None:
        nonlocal col
        runs: list[tuple[str, str | None]] = []
        start = 0
        for i in range(1, len(words) + 1):
            if i == len(words) or styles[i] != styles[start]:
                runs.append(("".join(words[start:i]), styles[start]))
                start = i
        lines.append(runs)
        words.clear()
        styles.clear()
        col = 0

    for text, style, keep in pieces:
        together = keep and "\n" not in text and _cells(text) <= width
        for k, para in enumerate([text] if together else text.split("\n")):
            if k:
                end_line()
            for word in [para] if together else para.split():
                w = _cells(word)
                if col and col + 1 + w > width:
                    end_line()
                while w > width:
                    cut = _fit(word, width - col - (1 if col else 0))
                    words.append((" " if col else "") + word[:cut])
                    styles.append(style)
                    end_line()
                    word = word[cut:]
                    w = _cells(word)
                words.append((" " if col else "") + word)
                styles.append(style)
                col += w + (1 if col else 0)
    if words or not lines:
        end_line()
    return lines


WIDE = ["a", "b", "天", "é", "\u0301", "\u200b", "\u200d", "\ufe0f", "👍", " ", "\n", "x"]
pieces = st.lists(st.tuples(st.lists(st.sampled_from(WIDE), max_size=40).map("".join), st.sampled_from([None, "dim"]),
                            st.booleans()), min_size=1, max_size=3)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(pieces, st.integers(1, 12), st.sampled_from([2, 1 << 16]))
def test_wrapping_on_a_terminal_is_as_before(ps: list[tuple[str, str | None, bool]], width: int, window: int) -> None:
    """Long words cut a line at a time without copying the rest, and paragraphs split into
    words a window at a time: the same lines and runs as before, wide, zero-width and
    joined characters included."""
    real = cmd._WINDOW
    cmd._WINDOW = window
    try:
        assert cmd.wrap_styled(ps, width) == _wrap_as_before(ps, width)
    finally:
        cmd._WINDOW = real


def test_a_long_word_is_wrapped_in_linear_time() -> None:
    """A 2 MB word (base64 in a reply, say) on an 80-column terminal: each line's cut
    copied the rest of the word (quadratic: a 4 MB word took 9 s); now well under a second."""
    import time

    for word in ("x" * 2_000_000, "天" * 250_000):
        t0 = time.perf_counter()
        lines = cmd.wrap_styled([(word, None, False)], 80)
        assert time.perf_counter() - t0 < 1.5
        assert "".join(run[0] for line in lines for run in line) == word


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(entries, min_size=1, max_size=4), texts, st.booleans(), st.sampled_from([1, 2, 5]))
def test_a_terminal_gets_the_same_bytes_a_chunk_at_a_time(
    monkeypatch: pytest.MonkeyPatch, es: list[Entry], source: str, headed: bool, chunk: int
) -> None:
    """On a terminal (colours, 40 columns) the turns are printed a chunk of runs at a time,
    cut at line ends: the bytes rich wrote when it was given each session's runs whole."""
    from rich.rule import Rule
    from rich.text import Text

    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.delenv("NO_COLOR", raising=False)
    ts = [Transcript(es, [], None, source=source)]

    def whole() -> None:
        width = output.console().width
        renderables: list[object] = []
        for t in ts:
            if headed:
                renderables.append(Rule(Text(cmd.clean(t.source or "-", one_line=True), style="bold"), style="bold", align="left"))
            renderables += cmd._text_renderables(t, width)
        output.print_human(*renderables)

    old = _captured(whole)
    assert "\x1b[" in old or not old.strip()  # (coloured: a terminal)
    real = cmd._CHUNK_RUNS
    cmd._CHUNK_RUNS = chunk
    try:
        assert _captured(lambda: cmd.print_text(ts, headed=headed)) == old
    finally:
        cmd._CHUNK_RUNS = real
