"""The value types of a GPT-Live or Realtime Translation session (`Conversation.live`).

Plain values, made by `rtlog.conversation.live.LiveTracker` (the rules are documented
there): a session's facts (`LiveSession`), its transcript segments (`Segment` of
`Fragment`s), delegations, the backend's responses and function calls, and each side's
audio (`LiveAudio`). Times named `*_ms` are on the session's own timeline (milliseconds
from its start), `*_at` are receive timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rtlog.protocol.formats import AudioFormat
from rtlog.protocol.objects import Usage

PRIMARY, SIDEBAND, NO_AUDIO = "primary WebSocket", "sideband", "data channel or sideband (no audio)"
SIDEBAND_FORMAT = AudioFormat("pcm16", 24000, True)


@dataclass(slots=True)
class Fragment:
    """One transcript delta."""

    text: str
    start_ms: int | None
    end_ms: int | None
    line: int
    seq: int  # delivery order within the session
    ts: float | None = None


@dataclass(slots=True)
class Segment:
    """Fragments of one speaker joined (see the module docstring)."""

    role: str  # user | assistant
    fragments: list[Fragment] = field(default_factory=list)
    interrupted: bool = False

    @property
    def text(self) -> str:
        return "".join(f.text for f in self.fragments)

    @property
    def start_ms(self) -> int | None:
        return next((f.start_ms for f in self.fragments if f.start_ms is not None), None)

    @property
    def end_ms(self) -> int | None:
        ends = [f.end_ms for f in self.fragments if f.end_ms is not None]
        return max(ends) if ends else None


@dataclass(slots=True)
class BackendResponse:
    """One response of the delegated Responses backend (nested in `response.event`)."""

    id: str | None
    line: int
    delegation_id: str | None = None
    model: str | None = None
    status: str | None = None  # completed, failed, incomplete, … (None: no final event)
    usage: Usage | None = None


@dataclass(slots=True)
class LiveCall:
    """A backend function call (completed, once per call_id) and the app's output."""

    call_id: str
    name: str | None
    arguments: str | None
    line: int
    response_id: str | None = None
    delegation_id: str | None = None
    offset_ms: int | None = None  # where its delegation started on the session timeline
    output: str | None = None
    output_line: int = 0
    seq: int = 0


@dataclass(slots=True)
class Delegation:
    id: str | None
    target: str | None  # client | responses
    offset_ms: int | None
    line: int
    response_id: str | None = None


@dataclass(slots=True)
class LiveAudio:
    """One side's audio events: chunks and decoded bytes; for timed (sideband) output, the
    session timeline it covers and the gaps between its ranges."""

    chunks: int = 0
    nbytes: int = 0
    invalid: int = 0
    timed: int = 0
    first_ms: int | None = None
    end_ms: int | None = None
    gaps: list[tuple[int, int]] = field(default_factory=list)  # [start, end) ms with no audio
    overlaps: int = 0
    mismatched: int = 0  # ranges whose length disagrees with the bytes (48 bytes a ms at 24 kHz PCM16)


@dataclass(slots=True)
class LiveSession:
    """What a GPT-Live or Translation session holds (besides its `SessionConfig`)."""

    session: int  # the SessionConfig's index
    dialect: str
    line: int
    transport: str = NO_AUDIO
    delegation: str | None = None  # client | responses (None: not stated; Live's default is client)
    backend_model: str | None = None
    language: str | None = None  # Translation: the output language
    usage_seconds: float | None = None
    usage_source: str | None = None  # "session.closed" | "session.usage.updated" (the largest snapshot)
    usage_updates: int = 0
    usage_line: int = 0
    context_ratio: float | None = None
    closed: bool = False
    close_reason: str | None = None
    closed_line: int = 0
    delegations: list[Delegation] = field(default_factory=list)
    backend: list[BackendResponse] = field(default_factory=list)
    calls: list[LiveCall] = field(default_factory=list)
    duplicate_calls: int = 0  # a completed call delivered again (same call_id)
    incomplete_calls: int = 0  # output_item.done of a function call not `completed`
    backend_continuations: int = 0  # the app's response.create
    appends: dict[str, int] = field(default_factory=dict)  # instructions / thinking / commentary appends by kind
    errors: int = 0
    info: list[dict[str, Any]] = field(default_factory=list)  # {line, code, message}
    dtmf: int = 0  # keypad events (digits are never kept)
    telephony: dict[str, int] = field(default_factory=dict)  # transport.ringing/answered/failed
    mutes: int = 0
    audio_in: LiveAudio = field(default_factory=LiveAudio)
    audio_out: LiveAudio = field(default_factory=LiveAudio)
    input_format: AudioFormat = SIDEBAND_FORMAT
    output_format: AudioFormat = SIDEBAND_FORMAT
    segments: list[Segment] = field(default_factory=list)
    interruptions: int = 0
    first_at: float | None = None  # receive timestamps of its first and last event
    last_at: float | None = None
    offset: float | None = None  # where its timeline's 0 is on the conversation's timeline (seconds)

    @property
    def user_turns(self) -> int:
        return sum(1 for s in self.segments if s.role == "user")

    @property
    def backend_usage(self) -> Usage:
        u = Usage()
        for r in self.backend:
            if r.usage is not None:
                u.add(r.usage)
        return u

    @property
    def span_ms(self) -> tuple[int, int] | None:
        """The session timeline the transcript and timed audio cover."""
        starts = [s.start_ms for s in self.segments if s.start_ms is not None]
        ends = [s.end_ms for s in self.segments if s.end_ms is not None]
        if self.audio_out.first_ms is not None:
            starts.append(self.audio_out.first_ms)
            ends.append(self.audio_out.end_ms or self.audio_out.first_ms)
        return (min(starts), max(ends)) if starts and ends else None
