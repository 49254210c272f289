"""The `transcript` subcommand: options, and the text/markdown/json/srt/vtt renderings
of the entries `rtlog.transcript.entries` reassembles."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rtlog import escape, output
from rtlog.commands.common import Color, ColorMode, Files, Strict, diagnostics, non_negative
from rtlog.errors import InputError, NothingFound

if TYPE_CHECKING:  # the core and rich's extras are imported when the command runs
    from rtlog.conversation.session import SessionConfig
    from rtlog.transcript.entries import Entry, Transcript


class Format(str, enum.Enum):
    text = "text"
    markdown = "markdown"
    json = "json"
    srt = "srt"
    vtt = "vtt"


def transcript_command(
    files: Files = None,
    *,
    format_: Annotated[
        Format,
        typer.Option("--format", help="text (default; colour on a terminal), markdown, json, srt or vtt subtitles."),
    ] = Format.text,
    errors: Annotated[bool, typer.Option("--errors", help="Show error events where they occurred.")] = False,
    heard: Annotated[bool, typer.Option("--heard",
        help="Only what was heard: the spoken turns, each reply cut where the user interrupted its audio; "
        "no tool lines, no notes. With --format srt or vtt: subtitles of the call as heard.")] = False,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", metavar="N", callback=non_negative, show_default=False,
                     help="Processes that read one big file (0 = one per free CPU; 1 = this one only)."),
    ] = 0,
    strict: Strict = False,
    color: Color = ColorMode.auto,
) -> None:
    """Rebuild the conversation: who said what, in order, with function calls and interruptions.

    User speech shows its transcription (or why there is none), placed at the user's turn
    however late it arrived; an interrupted reply shows ‖ where the user stopped hearing
    it. Times are seconds on the audio timeline of `extract-audio --side both`, so srt/vtt
    subtitles line up with that WAV. Several files (or a directory): each file is its own
    conversation under its own heading, placed on the timeline after the file before it.

    \b
    Examples:
      rtlog transcript session.jsonl
      rtlog transcript session.jsonl --heard --format srt
      rtlog transcript session.jsonl --format srt > s.srt
    """
    from rtlog.io.reader import expand_sources
    from rtlog.transcript.entries import transcribe_sources

    diag = diagnostics(strict)
    sources = expand_sources(files or [])
    meanwhile = _load_text_output if format_ is Format.text else None
    total = sum(src.size or 0 for src in sources) or None
    name = sources[0].name if len(sources) == 1 else f"{len(sources)} files"
    with output.Progress(total, f"transcript {name}") as bar:  # (on a terminal, for a big input)
        found = list(transcribe_sources(sources, diag, errors=errors, jobs=jobs, meanwhile=meanwhile, on_progress=bar.callback))
    diag.finish()
    if heard:
        from rtlog.transcript.heard import heard_only

        found = [heard_only(t) for t in found]
    if found or not diag.failed:
        _show(found, format_)
    if diag.failed:  # an input that could not be read (said when its turn came): exit 2, the others shown
        raise InputError("")



def _show(found: list[Any], format_: Format) -> None:
    """Write the transcripts of the inputs that could be read, in the format asked for."""
    for t in found:
        for note in t.notes:  # a log that starts mid-session, VAD offsets that restart: times are placed anyway
            output.warning(note)
    transcripts = [t for t in found if t.entries]
    if not transcripts:
        where = found[0].source if len(found) == 1 else f"any of the {len(found)} files"
        raise NothingFound(f"no conversation found in {where}: no messages, transcriptions or function calls")
    headed = len(found) > 1  # several inputs: each file under its own heading
    if format_ is Format.text:
        print_text(transcripts, headed=headed)
        return
    if format_ is Format.json:
        from rtlog.io.jsonout import write_json_list

        with output.stdout_sink() as out:
            write_json_list((e.as_dict() for t in transcripts for e in t.entries), out)
        return
    if format_ is Format.markdown:
        with output.stdout_sink() as out:  # (as `"\n".join(render_markdown(t) for t in transcripts)`, a line at a time)
            for k, t in enumerate(transcripts):
                for n, line in enumerate(markdown_lines(t, heading=t.source if headed else None)):
                    if k or n:
                        out.write(b"\n")
                    for at in range(0, len(line), _WRITE):  # (a long line encoded a slice at a time)
                        out.write(line[at : at + _WRITE].encode())
        return
    if not any(e.start is not None for t in transcripts for e in t.entries):
        raise NothingFound("no turn has a known time: the log has neither timestamps nor audio to place them")
    cues: list[tuple[float, float, str, str]] = []
    untimed = Untimed()
    for t in transcripts:  # files follow each other on the timeline
        cues += subtitle_cues(t, untimed, after=max((c[1] for c in cues), default=0.0))
    if untimed.starts or untimed.ends:
        output.warning(untimed.message())
    with output.stdout_sink() as out:  # (a piece at a time: a long text is not copied into one document)
        for piece in srt_pieces(cues) if format_ is Format.srt else vtt_pieces(cues):
            for at in range(0, len(piece), _WRITE):
                out.write(piece[at : at + _WRITE].encode())


# --- pieces shared by the renderings ------------------------------------------------------

LABELS = {"user": "User", "assistant": "Assistant", "tool": "Tool", "system": "System"}
STYLES = {"User": "bold cyan", "Assistant": "bold green", "Tool": "bold magenta", "System": "bold yellow", "Error": "bold red"}
MARK = "‖"


def label(e: Entry) -> str:
    return "Error" if e.type == "error" else LABELS.get(e.role, e.role.title())


def fmt_clock(s: float | None) -> str:
    """`0:05.2`, `12:03.0`, `1:02:03`; empty for unknown."""
    if s is None:
        return ""
    # rounded first, then split: 59.97 is 1:00.0, not 0:60.0
    tenths = round(max(s, 0.0) * 10)
    if tenths >= 36000:
        h, rem = divmod(round(s), 3600)
        m, sec = divmod(rem, 60)
        return f"{h}:{m:02d}:{sec:02d}"
    m, t = divmod(tenths, 600)
    return f"{m}:{t // 10:02d}.{t % 10}"


def remark(e: Entry) -> str | None:
    """The bracketed note after an entry's text: interruption, failure, or why it is empty."""
    if e.type == "error":
        return None
    if e.type in ("mcp_call", "mcp_list_tools") and e.error is not None:
        err = e.error
        detail = _error_line(e) if (err.get("code") or err.get("type") or err.get("message")) else "no details in the log"
        return f"[failed: {detail}]"
    if e.audio_end_ms is not None:
        at = f"{e.audio_end_ms / 1000:.1f} s"
        if e.audio_seconds:
            extra = ", all of it heard" if e.audio_end_ms / 1000 > e.audio_seconds + 0.0005 else ""
            return f"[interrupted at {at} of {e.audio_seconds:.1f} s{extra}]"
        return f"[interrupted at {at}; audio length unknown]"
    if e.interrupted:
        return f"[interrupted: {e.reason}]" if e.reason else "[interrupted]"
    if e.error is not None and e.role == "user":
        return f"[transcription failed: {_error_line(e)}]"
    if e.reason:
        return f"[{e.status or 'ended'}: {e.reason}]"
    if e.note:
        if e.note.startswith("unfinished"):
            return "[unfinished: the log ends first]"
        if e.text is None and e.note == "not transcribed":
            return "[audio, not transcribed]"
        if e.text is None and e.type == "message":
            return f"[{e.note}]"
    if e.type == "message" and e.text is None and not e.images:
        return "[no text]"
    return None


def _error_line(e: Entry) -> str:
    err = e.error or {}
    head = err.get("code") or err.get("type")
    msg = err.get("message")
    return f"{head}: {msg}" if head and msg else str(head or msg or "no details")


def body_parts(e: Entry) -> tuple[str, str | None]:
    """(what was said or done, what was generated but not heard — None unless truncated)."""
    if e.type == "function_call":
        return clean(f"→ {e.name or '?'}({e.arguments or ''})"), None
    if e.type == "function_call_output":
        return clean(f"← {e.output if e.output is not None else ''}"), None
    if e.type == "mcp_call":
        back = f" ← {e.output}" if e.output is not None else ""
        return clean(f"→ {e.server or '?'}: {e.name or '?'}({e.arguments or ''}){back}"), None
    if e.type == "dtmf":
        return clean("[keys: " + " ".join(e.keys or []) + "]"), None
    said, unheard = _said(e)
    if e.images:  # what the user sent besides text: `[image]`, `[image ×3]`
        said = ("[image]" if e.images == 1 else f"[image ×{e.images}]") + (" " + said if said else "")
    if e.phase == "commentary":  # a gpt-realtime-2 preamble, before the answer
        said = "[preamble] " + said
    return said, unheard


def _said(e: Entry) -> tuple[str, str | None]:
    if e.heard_text is not None and e.unheard_text is not None:
        return clean(e.heard_text.strip()), clean(e.unheard_text.strip())
    return clean((e.text or "").strip()), None


def session_title(s: SessionConfig | None, index: int) -> str:
    bits = [f"Session {index}"]
    if s is not None:
        bits += [x for x in (s.id, s.model) if x]
    return " · ".join(bits)


def _sessions_by_index(t: Transcript) -> dict[int, SessionConfig]:
    return {s.index: s for s in t.sessions}


# --- text (human, through rich) -------------------------------------------------------------


def print_text(transcripts: list[Transcript], *, headed: bool = False) -> None:
    """Speaker-labelled turns; on a terminal wrapped to its width under a hanging indent
    and coloured, else one line per turn (for grep). The lines are wrapped here and handed
    to rich as they are: rich's own wrapping costs more than reading the log. `headed`:
    each transcript under a heading with its file's name."""
    from rich.rule import Rule
    from rich.text import Text

    console = output.console()
    on_terminal = console.is_terminal
    if not on_terminal and console.color_system is None:  # plain text (not `--color=always`): written as laid out
        _print_plain(transcripts, headed=headed)
        return
    width = console.width if on_terminal else 1 << 30
    for t in transcripts:
        if headed:
            output.print_human(Rule(Text(clean(t.source or "-", one_line=True), style="bold"), style="bold", align="left"),
                               soft_wrap=not on_terminal)  # fmt: skip
        # (printed as made: rich holds one chunk's segments at a time; piped, each renderable's
        # lines are stripped of their padding, so a chunk there is a whole session)
        for r in _text_chunks(t, width, _CHUNK_RUNS if on_terminal else None):
            output.print_human(r, soft_wrap=not on_terminal)


def _print_plain(transcripts: list[Transcript], *, headed: bool = False) -> None:
    """`print_text` to a file or a pipe: one line per turn (and per line break in its
    text), its words one space apart, written as they are laid out: the same bytes as
    `Prewrapped` printed through rich (`output.print_human`), in memory bounded by a few
    times the longest text rather than ~30 times it (a 50 MB reply took 1.7 GB as words,
    runs and rich's copies of them)."""
    from rich.rule import Rule
    from rich.text import Text

    with output.human_stdout() as out:
        w = _PlainLines(out.write)
        for t in transcripts:
            if headed:
                output.print_human(Rule(Text(clean(t.source or "-", one_line=True), style="bold"), style="bold", align="left"),
                                   soft_wrap=True)  # fmt: skip
            timed = any(e.start is not None for e in t.entries)
            clocks = [fmt_clock(e.start) for e in t.entries] if timed else []
            clock_w = max(map(len, clocks), default=0)
            label_w = max(len(label(e)) for e in t.entries)
            indent = (clock_w + 2 if timed else 0) + label_w + 2
            several = len({e.session for e in t.entries}) > 1 or len(t.sessions) > 1
            sessions = _sessions_by_index(t)
            current = None
            for i, e in enumerate(t.entries):
                if e.session != current:
                    current = e.session
                    if several:
                        output.print_human(Rule(clean(session_title(sessions.get(e.session), e.session), one_line=True), style="dim"),
                                           soft_wrap=True)  # fmt: skip
                if timed:
                    w.text(clocks[i].rjust(clock_w) + "  ")
                name = label(e)
                w.text(name + " " * (label_w - len(name) + 2))
                _write_unwrapped(entry_pieces(e), w, " " * indent)
                w.end()


class _PlainLines:
    """Text written as `output.print_human` writes a renderable to a file or a pipe: every
    line without its trailing spaces, a line break wherever `str.splitlines` sees one."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self._write = write
        self._spaces = ""  # trailing spaces not written yet (dropped at the end of the line)

    def text(self, s: str) -> None:
        """Add `s` to the current line (it may hold line breaks)."""
        if _LINE_BREAK.search(s) is None:
            self._text(s)
            return
        at = 0
        for m in _LINE_BREAK.finditer(s):
            self._text(s[at : m.start()])
            self.end()
            at = m.end()
        self._text(s[at:])

    def _text(self, s: str) -> None:
        body = s.rstrip(" ")
        if not body:
            self._spaces += s
            return
        if self._spaces:
            self._write(self._spaces)
        n = len(body)
        if n <= _WRITE:
            self._write(body)
        else:  # (in slices: the stream encodes what it is given as one more copy)
            for k in range(0, n, _WRITE):
                self._write(body[k : k + _WRITE])
        self._spaces = s[n:]

    def end(self) -> None:
        self._spaces = ""
        self._write("\n")


#: what `str.splitlines` breaks a line at (each is whitespace, so only text kept whole has them)
_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_WRITE = 1 << 20  # characters written at a time
_WINDOW = 1 << 16  # characters of a paragraph split into words at a time
_PLAIN_WIDTH = 1 << 30  # the width `wrap_styled` lays a line out in off a terminal (never reached)


def _write_unwrapped(pieces: list[Piece], w: _PlainLines, pad: str) -> None:
    """`wrap_styled(pieces, _PLAIN_WIDTH)` written through `w` as it is laid out, lines
    after the first starting with `pad`: the words of each paragraph one space apart, a
    piece kept together as it is; a paragraph is split into words a window at a time, so
    a long text is never held as a list of its words."""
    if sum(len(p[0]) for p in pieces) * 2 + len(pad) >= _PLAIN_WIDTH // 2:  # (could reach the width: lay it out)
        for n, line in enumerate(wrap_styled(pieces, _PLAIN_WIDTH)):
            if n:
                w.end()
                w.text(pad)
            for run, _ in line:
                w.text(run)
        return
    started = False  # `wrap_styled`'s `col > 0`: a word on the line (of some width) so far
    breaks = 0  # line breaks not written yet: a last line without a word is no line

    def word(s: str) -> None:
        nonlocal breaks
        while breaks:
            w.end()
            w.text(pad)
            breaks -= 1
        w.text(s)

    for text, _, keep in pieces:
        if keep and "\n" not in text:  # together (it fits)
            word(" " + text if started else text)
            started = started or _cells(text) > 0
            continue
        at, n = 0, len(text)
        while True:  # each paragraph (`text.split("\n")`), without copying it out
            nl = text.find("\n", at)
            end = n if nl < 0 else nl
            i = at
            while i < end:  # a window at a time, cut after whitespace (so the next starts with a word)
                j = i + _WINDOW
                if j < end:
                    m = _GAP.search(text, j, end)
                    j = m.end() if m is not None else end
                else:
                    j = end
                words = text[i:j].split()
                i = j
                k = 0
                while not started and k < len(words):  # words no cell wide join the next without a space
                    word(words[k])
                    started = _cells(words[k]) > 0
                    k += 1
                if k < len(words):
                    word(" ")
                    w.text(" ".join(words[k:]) if k else " ".join(words))
            if nl < 0:
                break
            breaks += 1
            started = False
            at = nl + 1
    for _ in range(breaks - 1):  # (the empty lines before the last)
        w.end()
        w.text(pad)


_GAP = re.compile(r"\s+")


def _load_text_output() -> None:
    output.load_human_output("rich.cells", "rich.markup", "rich.rule", "rich.segment", "rich.style")


def _text_renderables(t: Transcript, width: int) -> list[object]:
    return list(_text_chunks(t, width))


#: runs in one `Prewrapped` printed to a terminal at most (a long reply is several, cut at line ends)
_CHUNK_RUNS = 4096


def _text_chunks(t: Transcript, width: int, chunk: int | None = None) -> Iterator[object]:
    """The transcript as rich renderables, made as they are asked for: a `Rule` for each
    session (several), and `Prewrapped` runs, at most `chunk` runs each (cut at the end of
    a line) if given, else one per session."""
    from rich.rule import Rule

    timed = any(e.start is not None for e in t.entries)
    clocks = [fmt_clock(e.start) for e in t.entries] if timed else []
    clock_w = max(map(len, clocks), default=0)
    label_w = max(len(label(e)) for e in t.entries)
    indent = (clock_w + 2 if timed else 0) + label_w + 2
    text_w = max(width - indent, 24)
    several = len({e.session for e in t.entries}) > 1 or len(t.sessions) > 1
    sessions = _sessions_by_index(t)
    runs: list[tuple[str, str | None]] = []
    put = runs.append
    current = None
    pad = "\n" + " " * indent
    for i, e in enumerate(t.entries):
        if e.session != current:
            current = e.session
            if several:
                if runs:
                    yield Prewrapped(runs)
                    runs = []
                    put = runs.append
                yield Rule(clean(session_title(sessions.get(e.session), e.session), one_line=True), style="dim")
        if timed:
            put((clocks[i].rjust(clock_w), "dim"))
            put(("  ", None))
        name = label(e)
        put((name, STYLES.get(name, "bold")))
        put((" " * (label_w - len(name) + 2), None))
        for n, line in enumerate(_wrap_lines(entry_pieces(e), text_w)):
            if n:
                if chunk is not None and len(runs) >= chunk:
                    yield Prewrapped(runs)
                    runs = []
                    put = runs.append
                put((pad, None))
            runs.extend(line)
        put(("\n", None))
    if runs:
        yield Prewrapped(runs)


class Prewrapped:
    """Text already wrapped to the console's width, as (text, style) runs; rendered as
    it is (rich would re-wrap a Text, which is slow on long transcripts)."""

    control_free = True  # its text went through `clean()`: output's control-character hook lets it pass

    def __init__(self, runs: list[tuple[str, str | None]]) -> None:
        self.runs = runs

    def __rich_console__(self, console: object, options: object) -> Iterator[object]:
        from rich.segment import Segment
        from rich.style import Style

        styles: dict[str | None, Style | None] = {None: None}
        for text, style in self.runs:
            st = styles.get(style, ...)
            if st is ...:
                st = styles[style] = Style.parse(style)  # type: ignore[arg-type]
            yield Segment(text, st)  # type: ignore[arg-type]


def clean(s: str, *, one_line: bool = False) -> str:
    """Text from a log with nothing a terminal would act on (`escape.terminal`; tabs as spaces)."""
    return escape.terminal(s, one_line=one_line).replace("\t", " ") if not s.isprintable() else s


Piece = tuple[str, "str | None", bool]  # text, style, keep on one line if it fits


def entry_pieces(e: Entry) -> list[Piece]:
    """An entry's text as (text, style, keep together) pieces."""
    said, unheard = body_parts(e)
    if e.type == "error":
        return [(said, "red", False)]
    pieces: list[Piece] = []
    if said:
        pieces.append((said, "italic" if e.type in ("function_call", "function_call_output", "mcp_call") else None, False))
    if unheard is not None:
        pieces += [(MARK, "bold red", True), (unheard, "dim", False)]
    note = remark(e)
    if note:
        note = clean(note)  # (a reason or an error message from the log)
        pieces.append((note, "red" if "failed" in note else "dim italic", True))
    return pieces


def wrap_styled(pieces: list[Piece], width: int) -> list[list[tuple[str, str | None]]]:
    """Greedy word wrap of styled pieces (joined by one space) into lines of at most
    `width` cells, each line as (text, style) runs; the space between two words takes the
    style of the word after it, a word longer than a line is cut, a piece marked keep
    stays on one line when it fits, and line breaks in the text are kept."""
    return list(_wrap_lines(pieces, width))


def _wrap_lines(pieces: list[Piece], width: int) -> Iterator[list[tuple[str, str | None]]]:
    """`wrap_styled`'s lines, one at a time (a long reply is never held as all its lines)."""
    lines = 0
    words: list[str] = []  # the current line's runs, as words with the style of each
    styles: list[str | None] = []
    col = 0

    def end_line() -> list[tuple[str, str | None]]:
        nonlocal col, lines
        runs: list[tuple[str, str | None]] = []
        start = 0
        for i in range(1, len(words) + 1):  # one join per run of words in one style (+= is quadratic)
            if i == len(words) or styles[i] != styles[start]:
                runs.append(("".join(words[start:i]), styles[start]))
                start = i
        lines += 1
        words.clear()
        styles.clear()
        col = 0
        return runs

    for text, style, keep in pieces:
        together = keep and "\n" not in text and _cells(text) <= width
        for k, para in enumerate([text] if together else text.split("\n")):
            if k:
                yield end_line()
            for word in [para] if together else _words(para):
                w = _cells(word)
                if col and col + 1 + w > width:
                    yield end_line()
                if w > width and "\u200d" not in word and "\ufe0f" not in word:
                    # a word longer than a line (a URL, JSON without spaces), cut a line at a
                    # time without copying what is left each time (a 4 MB word took 9 s):
                    # without joiners a word's cells are the sum of its pieces'
                    at = 0
                    while w > width:
                        cut = _fit(word[at : at + width], width - col - (1 if col else 0))
                        piece = word[at : at + cut]
                        words.append((" " if col else "") + piece)
                        styles.append(style)
                        yield end_line()
                        at += cut
                        w -= _cells(piece)
                    word = word[at:]
                while w > width:  # (the same, with joiners: measured anew each time)
                    cut = _fit(word, width - col - (1 if col else 0))
                    words.append((" " if col else "") + word[:cut])
                    styles.append(style)
                    yield end_line()
                    word = word[cut:]
                    w = _cells(word)
                words.append((" " if col else "") + word)
                styles.append(style)
                col += w + (1 if col else 0)
    if words or not lines:
        yield end_line()


def _words(text: str) -> Iterator[str]:
    """`text.split()`, a window at a time: a long text is never held as a list of its words."""
    n = len(text)
    if n <= _WINDOW:
        yield from text.split()
        return
    i = 0
    while i < n:
        j = i + _WINDOW
        if j < n:
            m = _GAP.search(text, j)
            j = m.end() if m is not None else n
        else:
            j = n
        yield from text[i:j].split()
        i = j


def _cells(s: str) -> int:
    if s.isascii():
        return len(s)
    from rich.cells import cell_len

    return cell_len(s)


def _fit(word: str, cells: int) -> int:
    """How many characters of `word` fit in `cells` (at least one)."""
    from rich.cells import cell_len

    if cell_len(word[:cells]) <= cells:
        return max(cells, 1)
    n = 0
    used = 0
    for ch in word:
        w = cell_len(ch)
        if used + w > cells:
            break
        used += w
        n += 1
    return max(n, 1)


# --- markdown -------------------------------------------------------------------------------

def render_markdown(t: Transcript, heading: str | None = None) -> str:
    """`heading`: a file name put above the conversation (several inputs)."""
    return "\n".join(markdown_lines(t, heading))


def markdown_lines(t: Transcript, heading: str | None = None) -> Iterator[str]:
    """`render_markdown`'s lines, one at a time (a long transcript is written as it is made)."""
    several = len({e.session for e in t.entries}) > 1 or len(t.sessions) > 1
    sessions = _sessions_by_index(t)
    if heading is not None:
        yield f"# {escape.markdown_heading(heading)}"
        yield ""
    current = None
    for e in t.entries:
        if e.session != current:
            current = e.session
            if several:
                yield f"## {escape.markdown_heading(session_title(sessions.get(e.session), e.session))}"
                yield ""
        when = f" ({fmt_clock(e.start)})" if e.start is not None else ""
        head = f"**{label(e)}**{when}:"
        said, unheard = body_parts(e)
        if e.type in ("function_call", "function_call_output"):
            body = said[:2] + escape.markdown_code(said[2:])
        elif e.type == "error":
            body = escape.markdown(said)
        else:
            body = escape.markdown(said)
            if unheard is not None:
                body += f" {MARK} {escape.markdown(unheard)}"
        note = remark(e)
        said = unheard = None  # (a long text is not held more times than needed while its line is written)
        if note:  # our own brackets stay literal; what is inside may come from the log
            body = (body + " " if body else "") + f"*[{escape.markdown_heading(note[1:-1])}]*"
        line = f"{head} {body}".rstrip()
        body = ""
        yield line
        yield ""


# --- subtitles --------------------------------------------------------------------------------


#: how fast a cue's text is taken to be spoken when the log does not say how long it lasts
CHARS_PER_SECOND = 15
#: the shortest estimated cue
MIN_CUE_SECONDS = 1.0
#: a timed cue shorter than this cannot be read (6 ms: the audio of a recorder that cut every
#: chunk); it lasts as long as its text takes to say instead, up to the next cue
UNREADABLE_SECONDS = 0.2


class Untimed:
    """Counts the cues `subtitle_cues` had to time itself (for one warning)."""

    def __init__(self) -> None:
        self.starts = 0  # no time at all: placed after the cue before
        self.ends = 0  # a start but no end: as long as the text takes to say

    def message(self) -> str:
        """`3 subtitle cues have no end time in the log: each lasts as long as …` (a warning)."""
        n, m = self.starts, self.ends
        cues = f"subtitle cue{'s' if n + m != 1 else ''}"
        if n and m:
            what = f"{n + m} {cues} have no time or no end time in the log ({n} no time at all)"
        else:
            what = f"{n + m} {cues} {'have' if n + m != 1 else 'has'} no {'' if n else 'end '}time in the log"
        where = "placed right after the cue before it, " if n and not m else "those without a time placed right after the cue before; "
        return (f"{what}: {where if n else ''}each lasts as long as its text takes to say "
                f"({CHARS_PER_SECOND} characters a second, at least {MIN_CUE_SECONDS:g} s), up to the next cue")


def subtitle_cues(t: Transcript, untimed: Untimed | None = None, *, after: float = 0.0) -> list[tuple[float, float, str, str]]:
    """(start, end, speaker, text) of every spoken turn, by start. None is dropped for
    want of a time: a turn without an end lasts as long as its text takes to say (up to
    the next cue's start), and one without any time follows the cue before it in the
    conversation (or `after`, the end of the previous file's cues) — counted in `untimed`
    so the caller can say so."""
    spoken = []
    for i, e in enumerate(t.entries):
        if e.type != "message" or e.role not in ("user", "assistant"):
            continue
        said, unheard = body_parts(e)
        text = said if unheard is None else f"{said} {MARK} {unheard}"
        note = remark(e)
        if note:
            text = f"{text} {note}".strip()
        if text:
            spoken.append((e, i, label(e), text))
    # where the next known start is, for each cue (an estimate runs up to it, not past it)
    next_start: list[float | None] = [None] * len(spoken)
    upcoming = None
    for k in range(len(spoken) - 1, -1, -1):
        next_start[k] = upcoming
        if spoken[k][0].start is not None:
            upcoming = spoken[k][0].start
    cues = []
    prev_end = after
    for k, (e, i, who, text) in enumerate(spoken):
        start, end = e.start, e.end
        if start is None:
            start = prev_end
            if untimed is not None:
                untimed.starts += 1
        if end is None or end - start < UNREADABLE_SECONDS:
            timed_end = end
            end = start + max(MIN_CUE_SECONDS, len(text) / CHARS_PER_SECOND)
            nxt = next_start[k]
            if nxt is not None and start < nxt < end:
                end = max(nxt, timed_end or start)
            if untimed is not None and e.start is not None and timed_end is None:
                untimed.ends += 1
        end = max(end, start)
        prev_end = end
        cues.append((start, end, i, who, text))
    cues.sort(key=lambda c: (c[0], c[2]))
    return [(start, end, who, text) for start, end, _, who, text in cues]


def _stamp(s: float, sep: str) -> str:
    ms = int(round(max(s, 0.0) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    sec, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{sec:02d}{sep}{ms:03d}"


def render_srt(cues: list[tuple[float, float, str, str]]) -> str:
    return "".join(srt_pieces(cues))


def srt_pieces(cues: list[tuple[float, float, str, str]]) -> Iterator[str]:
    """`render_srt`'s text in pieces (a long cue's text is written, not copied into a document)."""
    for n, (start, end, who, text) in enumerate(cues, 1):
        head = f"{n}\n{_stamp(start, ',')} --> {_stamp(end, ',')}\n{who}: "
        yield head if n == 1 else "\n" + head
        yield escape.srt(text)
        yield "\n"


def render_vtt(cues: list[tuple[float, float, str, str]]) -> str:
    return "".join(vtt_pieces(cues))


def vtt_pieces(cues: list[tuple[float, float, str, str]]) -> Iterator[str]:
    """`render_vtt`'s text in pieces."""
    yield "WEBVTT\n"
    for start, end, who, text in cues:
        yield f"\n{_stamp(start, '.')} --> {_stamp(end, '.')}\n<v {who}>"
        yield escape.vtt(text)
        yield "\n"
