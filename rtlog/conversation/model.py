"""The conversation model: what one log file holds, as plain values.

`Conversation` is the one answer every view reads — summary (aggregates and checks),
transcript (rendering), report, export, diff — so that they agree by construction. It is
made by `rtlog.conversation.fold.Fold` in one pass over the events; nothing in it holds
audio. Times are of two kinds, and the names say which:
- `*_at`, `ts`: receive timestamps as the log gives them (epoch seconds, or seconds since
  midnight for time-of-day stamps), None when the event has none;
- `start`, `end`: positions on the one shared timeline, in seconds from t=0 (the first
  timestamp, or the start of the audio without timestamps) — the same positions
  `extract-audio --side both` writes audio at; None where the log does not tell.
Every record keeps the line it comes from (`line`) and its ids, so any number can be
traced to the lines behind it.

Design notes:
- Sessions, turns and responses are the trackers' own records (`SessionConfig`, `Turn`,
  `Response`): the model re-uses them rather than copying their fields.
- `items` is the conversation in order (all sessions, a session's items together), with
  `ErrorNote`s where errors arrived; a view chooses whether to show them.
- What is about the recording rather than the conversation (event counts, the clock,
  audio payload statistics, events logged twice) is grouped in `Recording`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rtlog.conversation.ledger import Response, ToolCall
from rtlog.conversation.live_model import LiveSession
from rtlog.conversation.moments import Moments
from rtlog.conversation.session import SessionConfig
from rtlog.conversation.stats import Clock, SideAudio
from rtlog.conversation.turns import Turn
from rtlog.protocol.objects import ErrorInfo, Usage

__all__ = [
    "AssistantAudio", "Conversation", "ErrorNote", "Item", "Recording", "Response", "SessionConfig", "ToolCall", "Turn",
]  # fmt: skip


@dataclass(slots=True)
class AssistantAudio:
    """One assistant item's audio on the timeline."""

    item_id: str | None
    response_id: str | None
    start: float  # timeline seconds
    seconds: float  # generated
    heard_seconds: float  # up to the truncation point (all of it if not truncated)
    nbytes: int
    heard_nbytes: int
    cut_ms: int | None
    # delivery, as the timeline measured it (`timeline.ItemAudio`; timeline seconds)
    first_at: float | None = None  # arrival of its first timed delta
    last_at: float | None = None  # of its last
    stalls: int = 0
    stall_seconds: float = 0.0
    ahead_max: float = 0.0
    untimed: int = 0
    guessed: bool = False  # placed for want of a time (its start is no time to measure by)

    @property
    def end(self) -> float:
        """Where the heard audio ends."""
        return self.start + self.heard_seconds


@dataclass(slots=True, eq=False)
class Item:
    """A conversation item: a message, a function call, a function call's output (or another
    item type the log names, kept with its type)."""

    session: int  # 1-based, within its file
    line: int  # where it first appears
    kind: str  # message | function_call | function_call_output | mcp_call | …
    role: str | None  # as stated (user, assistant, system, developer, tool) or None
    id: str | None
    response_id: str | None = None
    status: str | None = None
    text: str | None = None  # the content parts' text, joined
    name: str | None = None
    call_id: str | None = None
    arguments: str | None = None
    output: str | None = None
    client: bool = False  # created by the client
    speech: bool = False  # user audio
    idle: bool = False  # an idle-timeout commit, not the user speaking
    cut_ms: int | None = None  # where it was truncated (what the user heard), None if not
    transcription_error: ErrorInfo | None = None
    first_at: float | None = None  # receive timestamps of its first and last event
    last_at: float | None = None
    start: float | None = None  # timeline seconds (speech, or audio as played)
    end: float | None = None
    audio_seconds: float | None = None  # generated audio (assistant items)
    replayed: bool = False  # history a resumed session's server replayed: said before, not in this session
    interrupted: bool = False  # GPT-Live: assistant speech the user talked over (barge-in)
    server: str | None = None  # an MCP call's (or tool listing's) server
    error: ErrorInfo | None = None  # a failed MCP call or tool listing (its error, or one without details)
    phase: str | None = None  # gpt-realtime-2 assistant items: commentary (a preamble) or final_answer
    images: int = 0  # images the user sent (an image content part; Qwen image buffer appends in a row)
    keys: list[str] | None = None  # DTMF keys pressed in a row (kind `dtmf`)


@dataclass(slots=True, eq=False)
class ErrorNote:
    """An error where it arrived in the conversation: an `error` event or a failed response."""

    session: int
    line: int
    error: ErrorInfo | None
    text: str
    at: float | None
    start: float | None = None  # timeline seconds


@dataclass(slots=True)
class Recording:
    """Facts about the log rather than the conversation."""

    lines: int = 0
    events: int = 0
    malformed: int = 0
    event_counts: dict[str, int] = field(default_factory=dict)
    directions: dict[str, int] = field(default_factory=dict)
    unknown_types: dict[str, int] = field(default_factory=dict)
    clock: Clock = field(default_factory=Clock)
    audio_in: SideAudio = field(default_factory=SideAudio)
    audio_out: SideAudio = field(default_factory=SideAudio)
    audio_evidence: bool = False  # events that show there was audio, recorded or not
    copies: int = 0  # server events logged twice (audio aside)
    first_copy: tuple[int, int] | None = None  # (line, the line it repeats)
    repeated_done: int = 0  # response.done events for a response that already had one
    repeated_done_line: int = 0
    implausible_usage: list[tuple[int, str]] = field(default_factory=list)  # (line, what): usages not counted


@dataclass(slots=True)
class Conversation:
    """One log file's conversation (see the module docstring)."""

    source: str
    recording: Recording | None  # None: folded for a view that reads none of it (`Fold(recording=False)`)
    sessions: list[SessionConfig]
    turns: list[Turn]
    responses: list[Response]  # in order of creation; response.done events without an id last
    items: list[Item | ErrorNote]
    tool_calls: list[ToolCall]
    errors: list[dict[str, Any]]  # error events: line, type, code, message
    transcription_failures: list[dict[str, Any]]
    transcription_usage: dict[str, dict[str, Any]]  # item → the usage of its last completed transcription
    truncations: dict[str, tuple[int | None, int]]  # item → (audio_end_ms, line) as first reported
    cuts: dict[str, int]  # item → where it was cut (ms), by the one rule (`truncations.py`)
    assistant_audio: list[AssistantAudio]
    t0: float | None  # epoch seconds of timeline position 0 (None: no timestamps)
    cleared_responses: set[str] = field(default_factory=set)  # responses whose playback the client cleared
    moments: Moments = field(default_factory=Moments)  # when each step happened (`moments.py`)
    notes: list[str] = field(default_factory=list)  # what the fold could not place as the log says
    live: list[LiveSession] = field(default_factory=list)  # the GPT-Live and Translation sessions (`conversation.live`)
    service_warnings: list[dict[str, Any]] = field(default_factory=list)  # the service's own `warning` events (Voice Live)
    by_response_id: dict[str, Response] = field(default_factory=dict, repr=False)

    @property
    def messages(self) -> list[Item]:
        """The items, without the error notes."""
        return [x for x in self.items if isinstance(x, Item)]

    def response(self, response_id: str | None) -> Response | None:
        return None if response_id is None else self.by_response_id.get(response_id)

    def session_usage(self) -> list[Usage]:
        """Each session's token usage (responses counted once, where their usage arrived)."""
        out = [Usage() for _ in self.sessions]
        index = {s.index: k for k, s in enumerate(self.sessions)}
        for r in self.responses:
            if r.usage is not None:
                k = index.get(r.done_session)
                if k is not None:
                    out[k].add(r.usage)
        return out
