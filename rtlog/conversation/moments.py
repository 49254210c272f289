"""Moments: when the steps of each exchange happened, for the metrics of how it felt.

Owns the receive times (`*_at`, as the log gives them; None without a timestamp) that the
other trackers do not keep: when each response was created, asked to stop (client
`response.cancel`), had its playback cleared (`output_audio_buffer.cleared`) or ended
(`response.output_audio.done`, `response.done`); when each function call's arguments were
done and when the client sent its output; when each user item's transcription completed
and when the client truncated an assistant item; each assistant item's `phase`
(gpt-realtime-2: `commentary` or `final_answer`); each session's VAD settings
(`silence_duration_ms`, `prefix_padding_ms`); every `input_audio_buffer.timeout_triggered`;
and, filled in by the fold at the end, where each user turn's speech lies on the timeline.
It never reads audio chunks (they take the fast path); delivery is the timeline's.

Memory: a few floats per response, call and item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import TYPE_CHECKING

from rtlog.protocol.events import Event
from rtlog.protocol.objects import _dict, _int, _str
from rtlog.records import record

if TYPE_CHECKING:
    from rtlog.conversation.session import SessionTracker


@record(slots=True)
class ResponseMoments:
    """Receive times of one response's milestones (None where the log has none)."""

    created_at: float | None = None
    cancel_at: float | None = None  # the client's response.cancel naming it (or sent while it was active)
    cleared_at: float | None = None  # output_audio_buffer.cleared (WebRTC: playback stopped)
    audio_started_at: float | None = None  # output_audio_buffer.started (WebRTC)
    audio_stopped_at: float | None = None  # output_audio_buffer.stopped (WebRTC)
    audio_done_at: float | None = None  # the last response.output_audio.done
    done_at: float | None = None  # the first response.done


@record(slots=True)
class CallMoments:
    """A function call's round trip: arguments done (model) → output sent (client)."""

    call_id: str
    response_id: str | None = None
    arguments_done_at: float | None = None
    output_at: float | None = None  # the client's function_call_output item


@record(slots=True)
class VadSettings:
    """A session's server VAD settings as last stated (None where not stated)."""

    session: int
    type: str | None = None
    silence_duration_ms: int | None = None
    prefix_padding_ms: int | None = None


@record(slots=True)
class Moments:
    """What `MomentTracker` collected (see the module docstring)."""

    responses: dict[str, ResponseMoments] = field(default_factory=dict)
    calls: dict[str, CallMoments] = field(default_factory=dict)
    transcribed_at: dict[str, float] = field(default_factory=dict)  # user item → its first .completed
    truncate_at: dict[str, float] = field(default_factory=dict)  # assistant item → the first truncate
    phases: dict[str, str] = field(default_factory=dict)  # assistant item → phase
    vad: list[VadSettings] = field(default_factory=list)  # per session (index order)
    timeouts: list[tuple[int, float | None]] = field(default_factory=list)  # (line, at) of each timeout_triggered
    #: user item → its speech on the timeline (start, end; seconds, None where unknown), as the
    #: timeline placed it — committed or not (a false start has no item, but was heard)
    speech: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)

    def response(self, rid: str | None) -> ResponseMoments | None:
        return None if rid is None else self.responses.get(rid)

    def vad_of(self, session: int) -> VadSettings | None:
        for v in self.vad:
            if v.session == session:
                return v
        return None


class MomentTracker:
    """Feed events by kind (`handlers`); `moments` is the result."""

    def __init__(self, sessions: SessionTracker) -> None:
        self.moments = Moments()
        self._sessions = sessions
        self._active: str | None = None  # the response created last and not yet done

    def handlers(self) -> dict[str, Callable[[Event], None]]:
        return {
            "session.created": self._session_event,
            "session.updated": self._session_event,
            "response.created": self._created,
            "response.cancel": self._cancel,
            "output_audio_buffer.cleared": self._buffer,
            "output_audio_buffer.started": self._buffer,
            "output_audio_buffer.stopped": self._buffer,
            "response.output_audio.done": self._audio_done,
            "response.done": self._done,
            "response.function_call_arguments.done": self._arguments_done,
            "response.output_item.added": self._output_item,
            "response.output_item.done": self._output_item,
            "conversation.item.create": self._item_create,
            "conversation.item.added": self._item_create,
            "conversation.item.input_audio_transcription.completed": self._transcribed,
            "conversation.item.truncate": self._truncate,
            "input_audio_buffer.timeout_triggered": self._timeout,
        }

    def _r(self, rid: str | None) -> ResponseMoments | None:
        if rid is None:
            return None
        r = self.moments.responses.get(rid)
        if r is None:
            r = self.moments.responses[rid] = ResponseMoments()
        return r

    def _session_event(self, ev: Event) -> None:
        s = _dict(ev.data.get("session"))
        a_in = _dict(_dict(s.get("audio")).get("input"))
        td = a_in.get("turn_detection", s.get("turn_detection", ...))
        if td is ...:
            return
        index = self._sessions.current.index
        v = self.moments.vad_of(index)
        if v is None:
            v = VadSettings(index)
            self.moments.vad.append(v)
        td = _dict(td)
        v.type = _str(td.get("type"))
        v.silence_duration_ms = _int(td.get("silence_duration_ms"))
        v.prefix_padding_ms = _int(td.get("prefix_padding_ms"))

    def _created(self, ev: Event) -> None:
        rid = ev.response_id
        r = self._r(rid)
        if r is not None and r.created_at is None:
            r.created_at = ev.timestamp
            self._active = rid

    def _cancel(self, ev: Event) -> None:
        r = self._r(_str(ev.data.get("response_id")) or self._active)
        if r is not None and r.cancel_at is None:
            r.cancel_at = ev.timestamp

    def _buffer(self, ev: Event) -> None:
        r = self._r(_str(ev.data.get("response_id")))
        if r is None:
            return
        kind = ev.kind
        if kind == "output_audio_buffer.cleared":
            if r.cleared_at is None:
                r.cleared_at = ev.timestamp
        elif kind == "output_audio_buffer.started":
            if r.audio_started_at is None:
                r.audio_started_at = ev.timestamp
        elif r.audio_stopped_at is None:
            r.audio_stopped_at = ev.timestamp

    def _audio_done(self, ev: Event) -> None:
        r = self._r(ev.response_id)
        if r is not None and ev.timestamp is not None:
            r.audio_done_at = ev.timestamp

    def _done(self, ev: Event) -> None:
        rid = ev.response_id
        r = self._r(rid)
        if r is not None and r.done_at is None:
            r.done_at = ev.timestamp
        if rid == self._active:
            self._active = None

    def _call(self, call_id: str | None) -> CallMoments | None:
        if call_id is None:
            return None
        c = self.moments.calls.get(call_id)
        if c is None:
            c = self.moments.calls[call_id] = CallMoments(call_id)
        return c

    def _arguments_done(self, ev: Event) -> None:
        c = self._call(ev.call_id or ev.item_id)
        if c is not None:
            c.response_id = c.response_id or ev.response_id
            if c.arguments_done_at is None:
                c.arguments_done_at = ev.timestamp

    def _output_item(self, ev: Event) -> None:
        item = _dict(ev.data.get("item"))
        iid = _str(item.get("id"))
        phase = _str(item.get("phase"))
        if iid and phase:
            self.moments.phases[iid] = phase
        if item.get("type") == "function_call" and ev.kind == "response.output_item.done":
            c = self._call(_str(item.get("call_id")) or iid)
            if c is not None:
                c.response_id = c.response_id or ev.response_id
                if c.arguments_done_at is None:
                    c.arguments_done_at = ev.timestamp

    def _item_create(self, ev: Event) -> None:
        item = _dict(ev.data.get("item"))
        if item.get("type") != "function_call_output":
            return
        # the client's create, or the server's echo when the log lacks the client's side:
        # the earliest is when the output was sent
        c = self._call(_str(item.get("call_id")))
        ts = ev.timestamp
        if c is not None and ts is not None and (c.output_at is None or ts < c.output_at):
            c.output_at = ts

    def _transcribed(self, ev: Event) -> None:
        iid = ev.item_id
        if iid and iid not in self.moments.transcribed_at and ev.timestamp is not None:
            self.moments.transcribed_at[iid] = ev.timestamp

    def _truncate(self, ev: Event) -> None:
        iid = ev.item_id
        if iid and iid not in self.moments.truncate_at and ev.timestamp is not None:
            self.moments.truncate_at[iid] = ev.timestamp

    def _timeout(self, ev: Event) -> None:
        self.moments.timeouts.append((ev.line_no, ev.timestamp))
