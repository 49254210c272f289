"""Session state: the effective configuration of each session in a log.

Owns: the session config merged from `session.created`, `session.updated` and the
client's `session.update`, per-response output format overrides (formats are read by `rtlog.protocol.formats`), and the start of a new
session on each `session.created` (reconnects).

`SessionTracker.feed(event)` is called for every event in order; it is cheap for events
that are not about sessions or responses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import field
from typing import Any

from rtlog.protocol.events import Event
from rtlog.protocol.formats import DEFAULT_FORMAT, AudioFormat, parse_audio_format, unknown_format
from rtlog.protocol.objects import _dict, _str, bounded
from rtlog.records import record


@record(slots=True)
class SessionConfig:
    """One session of a log (a `session.created` starts the next one)."""

    index: int
    line_no: int
    id: str | None = None
    model: str | None = None
    voice: str | None = None
    modalities: list[str] = field(default_factory=list)
    instructions: str | None = None
    input_format: AudioFormat = DEFAULT_FORMAT
    output_format: AudioFormat = DEFAULT_FORMAT
    transcription_model: str | None = None
    turn_detection: str | None = None
    tools: list[str] = field(default_factory=list)
    started_at: float | None = None
    # the settings as stated, for views that compare them (`rtlog diff`): each tool's
    # definition by name, and the turn-detection and transcription objects (None: off)
    tool_specs: dict[str, Any] = field(default_factory=dict)
    turn_detection_config: dict[str, Any] | None = None
    transcription_config: dict[str, Any] | None = None
    dialect: str | None = None  # realtime-beta | realtime-ga | live | translation (`protocol.live`); None: unknown
    #: (line, what) of sample rates not believed (`formats.MIN_RATE`–`MAX_RATE`), for a warning
    ignored_rates: list[tuple[int, str]] = field(default_factory=list)

    def apply(self, session: dict[str, Any], line_no: int = 0) -> None:
        """Merge a session object (beta flat or GA nested; full or partial)."""
        s = session
        if _str(s.get("id")):
            self.id = s["id"]
        if _str(s.get("model")):
            self.model = s["model"]
        if _str(s.get("instructions")) is not None:
            self.instructions = s["instructions"]
        mods = s.get("output_modalities") if "output_modalities" in s else s.get("modalities")
        if type(mods) is list:
            self.modalities = [m for m in mods if type(m) is str]
        audio = _dict(s.get("audio"))
        a_in, a_out = _dict(audio.get("input")), _dict(audio.get("output"))
        voice = a_out.get("voice", s.get("voice"))
        if type(voice) is dict:  # Azure Voice Live {"name":…, "type":…}, GA custom {"id":…}
            voice = _str(voice.get("name")) or _str(voice.get("id"))
        if _str(voice):
            self.voice = voice
        # Voice Live states input_audio_sampling_rate; Qwen-Omni's PCM input is 16 kHz
        # (its output 24 kHz) without saying so
        in_rate_hint = s.get("input_audio_sampling_rate")
        in_default = 16000 if (self.model or "").lower().startswith("qwen") else 24000
        fmt = parse_audio_format(a_in.get("format"), in_rate_hint, default_rate=in_default) or parse_audio_format(
            s.get("input_audio_format"), in_rate_hint, default_rate=in_default
        )
        if fmt:
            self.input_format = self._believed(fmt, self.input_format, "input", line_no)
        fmt = parse_audio_format(a_out.get("format")) or parse_audio_format(s.get("output_audio_format"))
        if fmt:
            self.output_format = self._believed(fmt, self.output_format, "output", line_no)
        tr = a_in.get("transcription", s.get("input_audio_transcription", ...))
        if tr is not ...:
            self.transcription_model = _str(_dict(tr).get("model")) if tr else None
            self.transcription_config = bounded(_dict(tr)) if tr else None
        td = a_in.get("turn_detection", s.get("turn_detection", ...))
        if td is not ...:
            self.turn_detection = _str(_dict(td).get("type")) if td else None
            self.turn_detection_config = bounded(_dict(td)) if td else None
        tools = s.get("tools")
        if type(tools) is list:
            names = []
            specs: dict[str, Any] = {}
            for t in tools:
                t = _dict(t)
                name = _str(t.get("name")) or _str(_dict(t.get("function")).get("name")) or _str(t.get("server_label"))
                if name:
                    names.append(name)
                    specs[name] = bounded(t)
            self.tools = names
            self.tool_specs = specs


    def _believed(self, fmt: AudioFormat, before: AudioFormat, side: str, line_no: int) -> AudioFormat:
        """`fmt`, unless its rate is implausible: then the format stated before (or the
        default), and a note of it."""
        if fmt.ignored_rate is None:
            return fmt
        self.ignored_rates.append((line_no or self.line_no, f"{side} sample rate {fmt.ignored_rate!r} Hz"))
        return before if before.stated else fmt


#: the events `SessionTracker.feed` looks at
SESSION_KINDS = frozenset({"session.created", "session.updated", "session.update", "response.create", "response.created"})


class SessionTracker:
    """Follows session and response configuration through a stream of events."""

    def __init__(self) -> None:
        self.sessions: list[SessionConfig] = []
        self._response_formats: dict[str, AudioFormat] = {}
        self._pending_format: AudioFormat | None = None
        #: "FILE:LINE: what" for each stated audio format rtlog cannot read (each (side,
        #: format) once; the fold puts them in `Conversation.notes`, which every view reports)
        self.notes: list[str] = []
        self._unknown_seen: set[tuple[str, str]] = set()

    def _check_formats(self, ev: Event, obj: dict[str, Any]) -> None:
        """Say so when a session or response states an audio format rtlog cannot read: its
        audio is then taken as what was in force before (PCM16 at 24 kHz by default), a
        guess, never silently."""
        audio = _dict(obj.get("audio"))
        for side, values in (("input", (_dict(audio.get("input")).get("format"), obj.get("input_audio_format"))),
                             ("output", (_dict(audio.get("output")).get("format"), obj.get("output_audio_format")))):  # fmt: skip
            for v in values:
                text = unknown_format(v)
                if text is not None and (side, text) not in self._unknown_seen:
                    self._unknown_seen.add((side, text))
                    fmt = self.current.input_format if side == "input" else self.current.output_format
                    self.notes.append(f"{ev.source}:{ev.line_no}: {side} audio format {text!r} is not one rtlog knows: "
                                      f"its audio is taken as {fmt.label().removesuffix(' (assumed)')}, which may be wrong")  # fmt: skip

    @property
    def current(self) -> SessionConfig:
        if not self.sessions:
            self.sessions.append(SessionConfig(index=1, line_no=0))
        return self.sessions[-1]

    def feed(self, ev: Event) -> None:
        kind = ev.kind
        if kind == "session.created":
            if self.sessions and (self.sessions[-1].id is not None or self.sessions[-1].line_no):
                self.sessions.append(SessionConfig(index=len(self.sessions) + 1, line_no=ev.line_no, started_at=ev.timestamp))
            else:
                cur = self.current
                cur.line_no = ev.line_no
                cur.started_at = ev.timestamp
            self.current.apply(_dict(ev.data.get("session")), ev.line_no)
            self._check_formats(ev, _dict(ev.data.get("session")))
            self._response_formats.clear()
        elif kind in ("session.updated", "session.update"):
            self.current.apply(_dict(ev.data.get("session")), ev.line_no)
            self._check_formats(ev, _dict(ev.data.get("session")))
        elif kind == "response.create":
            resp = _dict(ev.data.get("response"))
            self._check_formats(ev, resp)
            out = _dict(_dict(resp.get("audio")).get("output"))
            self._pending_format = self._override(parse_audio_format(out.get("format")) or parse_audio_format(resp.get("output_audio_format")), ev)
        elif kind == "response.created":
            resp = _dict(ev.data.get("response"))
            self._check_formats(ev, resp)
            rid = _str(resp.get("id"))
            out = _dict(_dict(resp.get("audio")).get("output"))
            fmt = self._override(parse_audio_format(out.get("format")) or parse_audio_format(resp.get("output_audio_format")), ev) or self._pending_format
            self._pending_format = None
            if rid and fmt:
                self._response_formats[rid] = fmt

    def _override(self, fmt: AudioFormat | None, ev: Event) -> AudioFormat | None:
        """A response's format override, unless its rate is implausible (then none, noted)."""
        if fmt is not None and fmt.ignored_rate is not None:
            self.current.ignored_rates.append((ev.line_no, f"response output sample rate {fmt.ignored_rate!r} Hz"))
            return None
        return fmt

    def output_format(self, response_id: str | None = None) -> AudioFormat:
        """The output audio format for a response (its override, else the session's)."""
        if response_id is not None:
            fmt = self._response_formats.get(response_id)
            if fmt is not None:
                return fmt
        return self.sessions[-1].output_format if self.sessions else DEFAULT_FORMAT

    @property
    def input_format(self) -> AudioFormat:
        """The current session's input format (asking does not start a session)."""
        return self.sessions[-1].input_format if self.sessions else DEFAULT_FORMAT


def track(events: Iterable[Event], tracker: SessionTracker) -> Iterator[Event]:
    """Feed each event to `tracker` before passing it on."""
    feed = tracker.feed
    for ev in events:
        feed(ev)
        yield ev


