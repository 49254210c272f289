"""The `transcript` subcommand: options, and the text/markdown/json/srt/vtt renderings
of the entries `rtlog.transcript.entries` reassembles."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Annotated, Any

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
        found = list(transcribe_sources(sources, diag, errors=errors, jobs=jobs, meanwhile=meanwhile, on_progress=bar.update))
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
        with output.stdout_sink() as out:
            write_json_list((e.as_dict() for t in transcripts for e in t.entries), out)
        return
    if format_ is Format.markdown:
        data = "\n".join(render_markdown(t, heading=t.source if headed else None) for t in transcripts).encode()
    else:
        if not any(e.start is not None for t in transcripts for e in t.entries):
            raise NothingFound("no turn has a known time: the log has neither timestamps nor audio to place them")
        cues: list[tuple[float, float, str, str]] = []
        untimed = Untimed()
        for t in transcripts:  # files follow each other on the timeline
            cues += subtitle_cues(t, untimed, after=max((c[1] for c in cues), default=0.0))
        if untimed.starts or untimed.ends:
            output.warning(untimed.message())
        data = (render_srt(cues) if format_ is Format.srt else render_vtt(cues)).encode()
    with output.stdout_sink() as out:
        out.write(data)

def write_json_list(items: Iterable[object], out: IO[bytes]) -> None:
    """Write `orjson.dumps(list(items), option=OPT_INDENT_2)` and a newline, byte for byte,
    one item at a time: a long transcript is never held twice (as dicts and as bytes)."""
    import orjson

    first = True
    for item in items:
        # JSON strings escape their newlines: every raw newline is layout, indented one level more
        out.write((b"[\n  " if first else b",\n  ") + orjson.dumps(item, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n  "))
        first = False
    out.write(b"[]\n" if first else b"\n]\n")


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
    width = console.width if on_terminal else 1 << 30
    renderables: list[object] = []
    for t in transcripts:
        if headed:
            renderables.append(Rule(Text(clean(t.source or "-", one_line=True), style="bold"), style="bold", align="left"))
        renderables += _text_renderables(t, width)
    output.print_human(*renderables, soft_wrap=not on_terminal)


def _load_text_output() -> None:
    output.load_human_output("rich.cells", "rich.markup", "rich.rule", "rich.segment", "rich.style")


def _text_renderables(t: Transcript, width: int) -> list[object]:
    from rich.rule import Rule

    timed = any(e.start is not None for e in t.entries)
    clocks = [fmt_clock(e.start) for e in t.entries] if timed else []
    clock_w = max(map(len, clocks), default=0)
    label_w = max(len(label(e)) for e in t.entries)
    indent = (clock_w + 2 if timed else 0) + label_w + 2
    text_w = max(width - indent, 24)
    several = len({e.session for e in t.entries}) > 1 or len(t.sessions) > 1
    sessions = _sessions_by_index(t)
    renderables: list[object] = []
    runs: list[tuple[str, str | None]] = []
    put = runs.append
    current = None
    pad = "\n" + " " * indent
    for i, e in enumerate(t.entries):
        if e.session != current:
            current = e.session
            if several:
                if runs:
                    renderables.append(Prewrapped(runs))
                    runs = []
                    put = runs.append
                renderables.append(Rule(clean(session_title(sessions.get(e.session), e.session), one_line=True), style="dim"))
        if timed:
            put((clocks[i].rjust(clock_w), "dim"))
            put(("  ", None))
        name = label(e)
        put((name, STYLES.get(name, "bold")))
        put((" " * (label_w - len(name) + 2), None))
        for n, line in enumerate(wrap_styled(entry_pieces(e), text_w)):
            if n:
                put((pad, None))
            runs.extend(line)
        put(("\n", None))
    if runs:
        renderables.append(Prewrapped(runs))
    return renderables


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
        pieces.append((note, "red" if "failed" in note else "dim italic", True))
    return pieces


def wrap_styled(pieces: list[Piece], width: int) -> list[list[tuple[str, str | None]]]:
    """Greedy word wrap of styled pieces (joined by one space) into lines of at most
    `width` cells, each line as (text, style) runs; the space between two words takes the
    style of the word after it, a word longer than a line is cut, a piece marked keep
    stays on one line when it fits, and line breaks in the text are kept."""
    lines: list[list[tuple[str, str | None]]] = []
    words: list[str] = []  # the current line's runs, as words with the style of each
    styles: list[str | None] = []
    col = 0

    def end_line() -> None:
        nonlocal col
        runs: list[tuple[str, str | None]] = []
        start = 0
        for i in range(1, len(words) + 1):  # one join per run of words in one style (+= is quadratic)
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
                while w > width:  # a word longer than a line (a URL, JSON without spaces)
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
    several = len({e.session for e in t.entries}) > 1 or len(t.sessions) > 1
    sessions = _sessions_by_index(t)
    lines: list[str] = [f"# {escape.markdown_heading(heading)}", ""] if heading is not None else []
    current = None
    for e in t.entries:
        if e.session != current:
            current = e.session
            if several:
                lines += [f"## {escape.markdown_heading(session_title(sessions.get(e.session), e.session))}", ""]
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
        if note:  # our own brackets stay literal; what is inside may come from the log
            body = (body + " " if body else "") + f"*[{escape.markdown_heading(note[1:-1])}]*"
        lines += [f"{head} {body}".rstrip(), ""]
    return "\n".join(lines)


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
    out = []
    for n, (start, end, who, text) in enumerate(cues, 1):
        out.append(f"{n}\n{_stamp(start, ',')} --> {_stamp(end, ',')}\n{who}: {escape.srt(text)}\n")
    return "\n".join(out)


def render_vtt(cues: list[tuple[float, float, str, str]]) -> str:
    out = ["WEBVTT\n"]
    for start, end, who, text in cues:
        out.append(f"{_stamp(start, '.')} --> {_stamp(end, '.')}\n<v {who}>{escape.vtt(text)}\n")
    return "\n".join(out)
