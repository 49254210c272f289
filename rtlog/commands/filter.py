"""The `filter` subcommand: options → `rtlog.selection`, and the one-line-per-event view."""

from __future__ import annotations

import os
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer

from rtlog import escape, output, selection
from rtlog.commands.common import Color, ColorMode, Files, Strict, diagnostics, non_negative
from rtlog.errors import InputError, NothingFound, Stopped, UsageError
from rtlog.io.reader import expand_sources
from rtlog.protocol import live
from rtlog.protocol.events import Event
from rtlog.protocol.formats import DEFAULT_FORMAT
from rtlog.protocol.objects import Item
from rtlog.protocol.realtime import CLIENT, SERVER
from rtlog.units import fmt_int

if TYPE_CHECKING:  # the pretty view's imports are loaded when it is used: JSONL output starts faster
    from rich.text import Text


Globs = Annotated[list[str] | None, typer.Option("--type", "-t", metavar="GLOB", show_default=False,
    help="Event type glob (repeatable: any of them). Matches the recorded name or any alias of it, "
    "so 'response.output_audio.delta' also selects beta 'response.audio.delta'.")]  # fmt: skip


class Side(str, Enum):
    client = "client"
    server = "server"


class Format(str, Enum):
    auto = "auto"
    jsonl = "jsonl"
    pretty = "pretty"


def filter_command(
    files: Files = None,
    types: Globs = None,
    exclude_types: Annotated[list[str] | None, typer.Option("--exclude-type", "-x", metavar="GLOB", show_default=False,
        help="Leave out events of this type glob (repeatable).")] = None,
    sides: Annotated[list[Side] | None, typer.Option("--from", show_default=False,
        help="Only events sent by the client or by the server.")] = None,
    items: Annotated[list[str] | None, typer.Option("--item", metavar="ID", show_default=False,
        help="Events that mention this item id (item_id, item.id, previous_item_id, response output).")] = None,
    responses: Annotated[list[str] | None, typer.Option("--response", metavar="ID", show_default=False,
        help="Events of this response id (response_id, response.id).")] = None,
    calls: Annotated[list[str] | None, typer.Option("--call", metavar="ID", show_default=False,
        help="Events of this function call id (call_id, item.call_id).")] = None,
    greps: Annotated[list[str] | None, typer.Option("--grep", "-e", metavar="REGEX", show_default=False,
        help="Regex searched in the event's JSON text, audio payloads left out.")] = None,
    wheres: Annotated[list[str] | None, typer.Option("--where", metavar="PATH[OP VALUE]", show_default=False,
        help="A test on a dotted path into the event (list elements by index), repeatable (all must hold): "
        "PATH=VALUE, PATH!=VALUE, PATH~REGEX, PATH!~REGEX, PATH>N, PATH>=N, PATH<N, PATH<=N, "
        "or PATH alone (present, not null). Numbers compare as numbers; other values by their text "
        "(non-strings as compact JSON). Spaces around the operator are ignored. An event without the "
        "field never matches, not even != (use --invert). "
        "E.g. response.status=cancelled, 'response.usage.total_tokens>1000'.")] = None,
    since: Annotated[str | None, typer.Option("--since", metavar="WHEN", show_default=False,
        help="From this point on: an offset from the log's first timestamp (90s, 2m30s, or as rtlog prints "
        "it: +0:15.002), an ISO time "
        "(2025-06-01T10:00:05Z; no zone: UTC), a time of day (10:00:05: on the date of the log's first "
        "timestamp, UTC), or line:N.")] = None,
    until: Annotated[str | None, typer.Option("--until", metavar="WHEN", show_default=False,
        help="Up to this point (inclusive); same forms as --since.")] = None,
    turns: Annotated[list[int] | None, typer.Option("--turn", metavar="N", callback=non_negative, show_default=False,
        help="The events of user turn N and of the responses it triggered (0: before the first turn).")] = None,
    invert: Annotated[bool, typer.Option("--invert", "-v", help="Select the events that do not match.")] = False,
    max_count: Annotated[int | None, typer.Option("--max-count", "-m", metavar="N", callback=non_negative, show_default=False,
        help="Stop after N matches.")] = None,
    count: Annotated[bool, typer.Option("--count", "-c",
        help="Print only the number of matches (FILE:N for each file when there are several, as grep).")] = False,
    ignore_case: Annotated[bool, typer.Option("--ignore-case", "-i", help="--grep regexes ignore case.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
        help="Print nothing; exit 0 at the first match, 1 if there is none.")] = False,
    files_with_matches: Annotated[bool, typer.Option("--files-with-matches", "-l",
        help="Print the name of each file with a match (reading it stops at its first).")] = False,
    with_filename: Annotated[bool, typer.Option("--with-filename", "-H",
        help="Start each JSONL line with its file's name and a colon, as grep -H (the rest is the line as recorded).")] = False,
    after_context: Annotated[int | None, typer.Option("--after-context", "-A", metavar="N", callback=non_negative, show_default=False,
        help="Also show N events after each match (as grep; see --context).")] = None,
    before_context: Annotated[int | None, typer.Option("--before-context", "-B", metavar="N", callback=non_negative, show_default=False,
        help="Also show N events before each match (see --context).")] = None,
    context: Annotated[int | None, typer.Option("--context", "-C", metavar="N", callback=non_negative, show_default=False,
        help="Also show N events before and after each match, as grep: '--' between groups that do not touch. "
        "JSONL lines then start with their line number and ':' for a match, '-' for context "
        "(with -H: FILE:N: and FILE-N-). Ignored with -c, -l and -q.")] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f",
        help="Keep reading a log that is still being written, like tail -f (Ctrl-C to stop).")] = False,
    fmt: Annotated[Format, typer.Option("--format",
        help="jsonl: the matching lines as recorded; pretty: one short line per event. "
        "auto: pretty on a terminal, jsonl otherwise.")] = Format.auto,
    strip_audio: Annotated[bool, typer.Option("--strip-audio",
        help="Write the lines with each base64 audio payload replaced by a marker of its size, "
        "'[trimmed: 4800 bytes]' (implies jsonl).")] = False,
    line_buffered: Annotated[bool, typer.Option("--line-buffered",
        help="Flush after every line (automatic on a terminal and with --follow).")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", metavar="N", callback=non_negative, show_default=False,
        help="Processes that search one big file for the type or id (0 = one per free CPU; 1 = this one only).")] = 0,
    strict: Strict = False,
    color: Color = ColorMode.auto,
) -> None:  # fmt: skip
    """Select events and write them out (grep for realtime logs). Exit 0 if something matched, 1 if not.

    \b
    Examples:
      rtlog filter s.jsonl -t 'response.*' -C 2
      rtlog filter s.jsonl -t error --format pretty
      rtlog filter s.jsonl -t 'response.*' \\
        | rtlog filter - --response resp_123 \\
        | rtlog summary -
    """
    selector = selection.Selector(
        types=types or (), exclude_types=exclude_types or (), directions=[s.value for s in sides or ()],
        items=items or (), responses=responses or (), calls=calls or (), greps=greps or (),
        wheres=wheres or (), since=since, until=until, turns=turns or (), invert=invert, ignore_case=ignore_case,
    )  # fmt: skip
    sources = expand_sources(files or [])
    if follow and len(sources) != 1:
        raise UsageError("--follow reads one log; give one file (or '-')")
    diag = diagnostics(strict)
    if quiet or files_with_matches or (count and len(sources) > 1):
        _per_file(sources, selector, diag, quiet=quiet, names=files_with_matches, max_count=max_count, jobs=jobs)
        return
    before = before_context if before_context is not None else context or 0
    after = after_context if after_context is not None else context or 0
    terminal = output.stdout_is_terminal()
    pretty = not count and (fmt is Format.pretty or (fmt is Format.auto and terminal and not strip_audio))
    view = PrettyView(output.console().width, show_source=len(sources) > 1) if pretty else None
    events = selection.select(
        sources, selector, diag, follow=follow, max_count=max_count, observe=view.observe if view else None, jobs=jobs
    )
    try:
        if (before or after) and not count:
            n = _with_context(sources, selector, diag, view, before=before, after=after, follow=follow,
                              max_count=max_count, jobs=jobs, with_filename=with_filename, strip=strip_audio,
                              flush_each=line_buffered or follow or terminal)  # fmt: skip
        elif count:
            n = sum(1 for _ in events)
            with output.stdout_sink() as out:
                out.write(f"{n}\n".encode())
        elif view is not None:
            n = 0
            for ev in events:
                output.print_human(view.line(ev))
                n += 1
        else:
            with output.stdout_sink() as out:
                if with_filename:
                    n = selection.write_lines(events, out, strip=strip_audio, flush_each=line_buffered or follow or terminal,
                                              prefix=lambda ev: ev.source.encode("utf-8", "surrogateescape") + b":")  # fmt: skip
                else:
                    n = selection.write_lines(events, out, strip=strip_audio, flush_each=line_buffered or follow or terminal)
    except KeyboardInterrupt:
        if follow:
            raise Stopped("") from None  # Ctrl-C is how --follow ends
        raise
    diag.finish()
    if diag.failed:  # an input that could not be read (said when its turn came): exit 2
        raise InputError("")
    if n == 0:
        raise NothingFound("")


def _with_context(sources: list[Any], selector: selection.Selector, diag: Any, view: PrettyView | None, *,
                  before: int, after: int, follow: bool, max_count: int | None, jobs: int, with_filename: bool,
                  strip: bool, flush_each: bool) -> int:  # fmt: skip
    """-A/-B/-C: the matches and the events around them, told apart as grep -n does."""
    kw: dict[str, Any] = {"before": before, "after": after, "follow": follow, "max_count": max_count, "jobs": jobs}
    if view is not None:
        def show_pretty(kind: str, ev: Event | None) -> None:
            if ev is None:
                output.print_human(Text("--", "dim"))
            else:
                output.print_human(view.line(ev, mark=":" if kind == selection.MATCH else "-"))

        from rich.text import Text

        return selection.select_with_context(sources, selector, diag, show_pretty, observe=view.observe, **kw)
    with output.stdout_sink() as out:
        def show_line(kind: str, ev: Event | None) -> None:
            if ev is None:
                out.write(b"--\n")
            else:
                sep = b":" if kind == selection.MATCH else b"-"
                name = ev.source.encode("utf-8", "surrogateescape") + sep if with_filename else b""
                line = selection.strip_audio(ev) if strip else ev.raw
                out.write(b"%s%d%s%s" % (name, ev.line_no, sep, line) + (b"" if line.endswith(b"\n") else b"\n"))
            if flush_each:
                out.flush()

        return selection.select_with_context(sources, selector, diag, show_line, **kw)


def _per_file(sources: list[Any], selector: selection.Selector, diag: Any, *, quiet: bool, names: bool,
              max_count: int | None, jobs: int) -> None:
    """-q, -l, and -c over several files, as grep: each file on its own (-m counts per file),
    each file's line written when it is done."""
    found = 0
    with output.stdout_sink() as out:
        for src in sources:
            limit = 1 if quiet or names else max_count
            try:
                n = sum(1 for _ in selection.select([src], selector, diag, max_count=limit, jobs=jobs))
            except InputError as exc:
                if len(sources) == 1:
                    raise
                diag.source_failed(str(exc))  # the other inputs are still counted
                continue
            found += n
            if quiet:
                if n:
                    break  # the answer is known
                continue
            if names and not n:
                continue
            name = src.name.encode("utf-8", "surrogateescape")
            out.write(name + b"\n" if names else name + f":{n}\n".encode())
            out.flush()
    diag.finish()
    if diag.failed:
        raise InputError("")
    if not found:
        raise NothingFound("")


# --- the pretty view ---------------------------------------------------------------------

_FAMILY_STYLES = (
    ("error", "bold red"),
    ("session.", "cyan"),
    ("transcription_session.", "cyan"),
    ("input_audio_buffer.", "magenta"),
    ("output_audio_buffer.", "magenta"),
    ("conversation.", "blue"),
    ("response.", "green"),
    ("rate_limits.", "dim"),
    ("ping", "dim"),
    ("<", "yellow"),
)
#: the type column grows with the terminal: 24 at 60 columns, 30 at 80, 38 at 100 (the usual
#: names: `response.output_audio_transcript.delta` is 38), 53 from 138 (the longest,
#: `conversation.item.input_audio_transcription.completed`); longer names lose their middle
#: (see `fit_type`)
MIN_TYPE_WIDTH, MAX_TYPE_WIDTH = 16, 53
#: control characters (C0, DEL, C1, bidi) from a log: shown as U+FFFD, never sent to the terminal
#: (an escape sequence would restyle or retitle it; a line break would split the event's line)
_CONTROL = dict.fromkeys([*escape.UNSAFE, 0x09, 0x0A, 0x2028, 0x2029], escape.REPLACEMENT)
#: events whose gist is the audio position they state
_AT_MS = frozenset({
    "input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped",
    "conversation.item.truncate", "conversation.item.truncated",
})  # fmt: skip


def type_style(kind: str) -> str:
    for prefix, style in _FAMILY_STYLES:
        if kind.startswith(prefix):
            return style
    return ""


def short_id(i: str) -> str:
    """`resp_DCuJuumlycmkBxgQV2oj5` → `…QV2oj5`; ids of up to 8 characters stay whole."""
    return i if len(i) <= 8 else f"…{i[-6:]}"


def type_column(width: int) -> int:
    """The type column's width on a terminal `width` columns wide (a share of it, so a wide
    terminal shows whole names and a narrow one keeps room for the gist)."""
    grown = width * 0.3 + 6 if width < 80 else width * 0.4 - 2  # (narrow: more of it left for the gist)
    return min(MAX_TYPE_WIDTH, max(MIN_TYPE_WIDTH, round(grown)))


def fit_type(name: str, width: int) -> str:
    """`name` as it is if it fits in `width`, or with its middle replaced by `…` to fit it
    (`conversation.item.input_audio_transcription.delta` → `conversation.item.i…ranscription.delta`
    at 38): both ends stay, as they tell the family and the step."""
    if len(name) <= width:
        return name
    tail = (width - 1) // 2
    return f"{name[: width - 1 - tail]}…{name[len(name) - tail :]}"


def fmt_offset(seconds: float) -> str:
    """`+0:01.234`, `+12:05.300`, `+1:02:03.4` (minutes:seconds from the log's start)."""
    sign = "-" if seconds < 0 else "+"
    s = abs(seconds)
    if s >= 3600:
        h, rem = divmod(s, 3600)
        return f"{sign}{int(h)}:{int(rem // 60):02d}:{rem % 60:04.1f}"
    return f"{sign}{int(s // 60)}:{s % 60:06.3f}"


def _quote(text: str) -> str:
    return orjson.dumps(text).decode()


class PrettyView:
    """One compact line per event: line number, time offset (once the log has shown a
    timestamp), direction arrow, type coloured by family, short ids and a gist. `observe`
    must see every event, so that audio formats and the time origin are known."""

    def __init__(self, width: int, *, show_source: bool = False) -> None:
        from rtlog.conversation.session import SessionTracker

        self.width = max(width, 20)
        self.type_width = type_column(self.width)
        self.show_source = show_source
        self._new_sessions = SessionTracker
        self._source: str | None = None
        self._sessions = SessionTracker()
        self._origin: float | None = None
        self._live_fmt: Any = None  # a GPT-Live session's stated audio format

    def observe(self, ev: Event) -> None:
        if ev.source != self._source:
            self._source = ev.source
            self._sessions = self._new_sessions()
            self._origin = None
            self._live_fmt = None
        self._sessions.feed(ev)
        if ev.type in ("session.start", "session.started", "session.created"):
            from rtlog.protocol.formats import parse_audio_format

            sess = ev.data.get("session")
            audio = sess.get("audio") if type(sess) is dict else None
            self._live_fmt = parse_audio_format(audio.get("format")) if type(audio) is dict else None
        if self._origin is None and ev.timestamp is not None:
            self._origin = ev.timestamp

    def line(self, ev: Event, mark: str | None = None) -> Text:
        """The event's line; `mark` (':' a match, '-' context, as grep -n) follows the line number."""
        from rich.text import Text

        t = Text(no_wrap=True, overflow="ellipsis")
        loc = f"{os.path.basename(ev.source)}:{ev.line_no}" if self.show_source else f"{ev.line_no:>5}"
        t.append(loc + (mark or ""), "dim")
        if self._origin is not None:
            t.append(" ")
            t.append(f"{fmt_offset(ev.timestamp - self._origin):>9}" if ev.timestamp is not None else " " * 9, "dim")
        arrow = {CLIENT: ("→", "bold cyan"), SERVER: ("←", "bold yellow")}.get(ev.direction, ("·", "dim"))
        t.append(" ")
        t.append(*arrow)
        t.append(" ")
        name = fit_type(ev.type, self.type_width)
        t.append(name, type_style(ev.kind))
        t.append(" " * (self.type_width - len(name)))  # (the padding unstyled: `--color=always` colours the name only)
        ids = self._ids(ev)
        if ids:
            t.append(" ")
            t.append(ids, "dim")
        for piece in self._gist(ev):
            text, style = piece if isinstance(piece, tuple) else (piece, "")
            if text:
                t.append(" ")
                t.append(text[: self.width + 1], style)  # the line is cut to the width anyway
        plain = t.plain
        if not plain.isprintable():  # one character for one, so the styles stay in place
            t.plain = plain.translate(_CONTROL)
        t.rstrip()
        t.truncate(self.width, overflow="ellipsis")
        return t

    @staticmethod
    def _ids(ev: Event) -> str:
        parts = []
        rid, iid, cid = ev.response_id, ev.item_id, ev.call_id
        if rid:
            parts.append(short_id(rid))
        if iid:
            parts.append(short_id(iid))
        if cid:
            parts.append(short_id(cid))
        return " ".join(parts)

    def _gist(self, ev: Event) -> list[Any]:
        """What the event says, in a few words (pieces are text or (text, style))."""
        kind = ev.kind
        d = ev.data
        if ev.is_audio:
            return self._audio(ev)
        if kind in live.NESTING_TYPES:  # GPT-Live: the backend's event inside, in its own words
            inner = live.nested_event(d)
            t = inner.get("type") if inner is not None else None
            if inner is None or type(t) is not str:
                return []
            return [(t, "bold"), *self._gist(Event(ev.source, ev.line_no, b"", t, t, ev.direction, ev.timestamp, inner))]
        if kind in ("session.usage.updated", "session.closed") and type(d.get("usage")) is dict:
            sec = d["usage"].get("seconds")
            said = [str(d["reason"])] if type(d.get("reason")) is str else []
            return [*said, f"usage {sec:g} s" if type(sec) in (int, float) else "usage ?"]
        if kind == "error" or kind.endswith(".failed"):
            err = ev.error
            if err is not None:
                return [(err.code or err.type or "error", "bold red"), err.message or ""]
        if ev.response is not None and kind.startswith("response."):
            return self._response(ev)
        if kind in _AT_MS:
            ms = d.get("audio_start_ms", d.get("audio_end_ms"))
            return [f"at {fmt_int(ms)} ms"] if type(ms) is int else []
        if kind.startswith("session.") and type(d.get("session")) is dict:
            return self._session_gist(d["session"])
        item = ev.item
        if item is not None:
            return _item_gist(item)
        text = ev.text
        if text is not None:
            return [(_quote(text), "italic" if kind.endswith(".delta") else "")]
        if ev.frame != "message" and ev.envelope is not None:
            env = ev.envelope
            return [str(env[k]) for k in ("code", "reason") if k in env and env[k] not in (None, "")]
        return []

    def _session_gist(self, sess: dict[str, Any]) -> list[Any]:
        """What this session event itself says (a `session.update` that sets only the voice
        shows the voice, never a model an earlier event named): read on a fresh config."""
        from rtlog.conversation.session import SessionConfig

        own = SessionConfig(0, 0)
        own.apply(sess)
        audio = sess.get("audio")
        out_stated = "output_audio_format" in sess or (type(audio) is dict and type(audio.get("output")) is dict
                                                       and "format" in audio["output"])  # fmt: skip
        return [p for p in (own.model, own.voice and f"voice {own.voice}", out_stated and own.output_format.label()) if p]

    def _audio(self, ev: Event) -> list[Any]:
        info = ev.audio_info()
        if info is None or info.problem == "missing":
            return [("no audio", "red")]
        if info.problem == "invalid":
            return [("invalid base64", "red")]
        if ev.type in live.AUDIO_PAYLOAD_KEY:  # GPT-Live / Translation: sideband mirrors are 24 kHz PCM16
            mirror = "start_ms" in ev.data or (ev.type == live.INPUT_APPEND and ev.direction == SERVER)
            fmt = self._live_fmt if self._live_fmt is not None and not mirror else DEFAULT_FORMAT
        else:
            fmt = self._sessions.input_format if ev.direction == CLIENT else self._sessions.output_format(ev.response_id)
        pieces: list[Any] = [f"{fmt_int(info.nbytes)} B · {fmt.seconds(info.nbytes) * 1000:,.0f} ms"]
        if info.problem == "placeholder":
            pieces.append(("(trimmed)", "dim"))
        return pieces

    @staticmethod
    def _response(ev: Event) -> list[Any]:
        r = ev.response
        assert r is not None
        pieces: list[Any] = []
        if r.status:
            style = {"completed": "green", "cancelled": "yellow", "failed": "bold red", "incomplete": "yellow"}.get(
                r.status, ""
            )
            pieces.append((r.status + (f" ({r.status_reason})" if r.status_reason else ""), style))
        if r.usage is not None and ev.kind in ("response.done", "response.completed"):
            u = r.usage
            pieces.append(f"tokens {fmt_int(u.input_tokens)} in / {fmt_int(u.output_tokens)} out")
        return pieces


def _item_gist(item: Item) -> list[Any]:
    what = " ".join(p for p in (item.role, item.type if item.type != "message" else None) if p) or "item"
    pieces: list[Any] = [(what, "bold")]
    if item.status:
        pieces.append(item.status)
    if item.name is not None:
        pieces.append(f"{item.name}({item.arguments or ''})")
    elif item.output is not None:
        pieces.append(_quote(item.output))
    elif item.text is not None:
        pieces.append((_quote(item.text), "italic"))
    return pieces
