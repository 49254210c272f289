"""The GPT-Live (`/v1/live/sessions`) and Realtime Translation (`/v1/realtime/translations`)
vocabularies, and which of the four dialects an event speaks.

Owns: the client and server event types of GPT-Live and of Translation, the events that
carry base64 audio and their payload key, the names the two share with `/v1/realtime`
(`session.update`, `error`, `response.create`, `session.close(d)`,
`session.output_audio.delta`, the `session.*_transcript.delta` events) and how to tell them
apart, the counterparts of Live events in the Realtime vocabulary (for `filter -t`), the
Responses event a `response.event` envelope carries, and the side of
`session.input_audio.append` (the only Live type sent both ways).

It does not own what the events mean for the conversation (`rtlog.conversation.live`).
The rules, from ../shared/docs/gpt-live.md §1–§2 (the detection rule survives partial logs):
- `session.start`, `session.started`, `response.event`, `session.delegation.created`,
  `session.usage.updated` and the other Live-only names ⇒ `live`;
- `session.created` ⇒ `translation` when `session.type` is "translation", else a Realtime
  session: `realtime-ga` when it is nested (`type`, `audio.input/output`), `realtime-beta`
  when flat (`modalities`, `input_audio_format`, a `voice` string);
- a shared name decides by its fields: Live's transcript and audio deltas carry
  `start_ms`/`end_ms` (and its audio deltas no `event_id`), Translation's carry `elapsed_ms`
  (and `sample_rate`/`format` on audio); Live's `session.closed` has `reason`/`usage`;
  otherwise the dialect of the session in force decides;
- with no session event at all, Realtime event names tell beta (`response.audio.delta`,
  `conversation.item.created`, …) from GA (`response.output_audio.delta`, …).
"""

from __future__ import annotations

from typing import Any

REALTIME_BETA, REALTIME_GA, LIVE, TRANSLATION = "realtime-beta", "realtime-ga", "live", "translation"
DIALECTS = (REALTIME_BETA, REALTIME_GA, LIVE, TRANSLATION)

# --- GPT-Live -----------------------------------------------------------------------------

#: client commands only Live sends (`session.update`, `response.create` and `session.close`
#: are shared with other dialects; `session.input_audio.append` goes both ways)
LIVE_CLIENT_TYPES = frozenset({
    "session.start", "session.input_audio.mute", "session.input_audio.unmute", "session.instructions.append",
    "session.thinking.append", "session.commentary.append", "response.item.create", "session.output_audio.fixture.play",
    "decision.item.create", "decision.item.delete",
})  # fmt: skip

#: server events only Live sends (`session.updated`, `session.closed`, `error` and the
#: `session.*` deltas are shared)
LIVE_SERVER_TYPES = frozenset({
    "session.started", "session.input_audio.muted", "session.input_audio.unmuted", "session.instructions.appended",
    "session.thinking.appended", "session.commentary.appended", "session.delegation.created", "response.event",
    "session.usage.updated", "info", "session.output_audio.fixture.playing", "session.output_audio.fixture.played",
    "decision.event", "decision.item.created", "decision.item.deleted", "transport.dtmf.received",
    "transport.dtmf.sent", "transport.dtmf.send", "transport.ringing", "transport.answered", "transport.failed",
})  # fmt: skip

#: the one Live type sent both ways: client audio on the primary socket, the server's
#: mirror of it on a sideband
INPUT_APPEND = "session.input_audio.append"
OUTPUT_DELTA = "session.output_audio.delta"
INPUT_TRANSCRIPT = "session.input_transcript.delta"
OUTPUT_TRANSCRIPT = "session.output_transcript.delta"

#: server events shared by Live and Translation (and client `session.close`, shared too)
SHARED_SERVER_TYPES = frozenset({OUTPUT_DELTA, INPUT_TRANSCRIPT, OUTPUT_TRANSCRIPT, "session.closed"})

#: every name that, whatever else it could be, only Live uses: one of these means `live`
LIVE_ONLY = LIVE_CLIENT_TYPES | LIVE_SERVER_TYPES | {INPUT_APPEND}

# --- Realtime Translation -------------------------------------------------------------------

TRANSLATION_APPEND = "session.input_audio_buffer.append"
TRANSLATION_CLIENT_TYPES = frozenset({"session.update", TRANSLATION_APPEND, "session.close"})
TRANSLATION_SERVER_TYPES = frozenset({"session.created", "session.updated", "session.closed", "error"} | SHARED_SERVER_TYPES)

# --- audio ---------------------------------------------------------------------------------

#: event type → the key of its base64 audio (Live and Translation)
AUDIO_PAYLOAD_KEY: dict[str, str] = {
    INPUT_APPEND: "audio", OUTPUT_DELTA: "delta", TRANSLATION_APPEND: "audio", "session.output_audio.fixture.play": "audio",
}  # fmt: skip
#: audio events by side: what the user said (or the client sent), what the model said
INPUT_AUDIO_TYPES = frozenset({INPUT_APPEND, TRANSLATION_APPEND})
OUTPUT_AUDIO_TYPES = frozenset({OUTPUT_DELTA})

# --- counterparts (filter -t) ----------------------------------------------------------------

#: a Live or Translation event type → the Realtime (GA) kinds with the same meaning, and back
_PAIRS = (
    (OUTPUT_DELTA, "response.output_audio.delta"),
    (INPUT_APPEND, "input_audio_buffer.append"),
    (TRANSLATION_APPEND, "input_audio_buffer.append"),
    (OUTPUT_TRANSCRIPT, "response.output_audio_transcript.delta"),
    (INPUT_TRANSCRIPT, "conversation.item.input_audio_transcription.delta"),
    ("session.started", "session.created"),
    ("transport.dtmf.received", "input_audio_buffer.dtmf_event_received"),
)
COUNTERPARTS: dict[str, tuple[str, ...]] = {}
for _a, _b in _PAIRS:
    COUNTERPARTS[_a] = (*COUNTERPARTS.get(_a, ()), _b)
    COUNTERPARTS[_b] = (*COUNTERPARTS.get(_b, ()), _a)

#: envelopes whose `event` is another protocol's event (Responses, Decisions)
NESTING_TYPES = frozenset({"response.event", "decision.event"})

# --- Realtime beta / GA by name -----------------------------------------------------------------

_BETA_NAMES = frozenset({
    "response.audio.delta", "response.audio.done", "response.audio_transcript.delta", "response.audio_transcript.done",
    "response.text.delta", "response.text.done", "conversation.item.created",
})  # fmt: skip
_GA_NAMES = frozenset({
    "response.output_audio.delta", "response.output_audio.done", "response.output_audio_transcript.delta",
    "response.output_audio_transcript.done", "response.output_text.delta", "response.output_text.done",
    "conversation.item.added", "conversation.item.done",
})  # fmt: skip


def _d(v: Any) -> dict[str, Any]:
    return v if type(v) is dict else {}


def session_dialect(session: Any) -> str | None:
    """The dialect a `session.created` / `session.updated` session object states (None: it
    says nothing either way)."""
    s = _d(session)
    t = s.get("type")
    if t == "translation":
        return TRANSLATION
    if t in ("realtime", "transcription") or type(s.get("audio")) is dict and ("input" in s["audio"] or "output" in s["audio"]):
        return REALTIME_GA
    if any(k in s for k in ("modalities", "input_audio_format", "output_audio_format", "input_audio_transcription")) or type(
        s.get("voice")
    ) is str:
        return REALTIME_BETA
    return None


def event_dialect(etype: str, data: dict[str, Any], current: str | None) -> str | None:
    """The dialect one event speaks, given the dialect of the session in force (`current`,
    None before any); None when the event says nothing (`error`, `input_audio_buffer.*`, …
    outside any session). Field-by-field for the names the dialects share (module docstring)."""
    if etype in LIVE_ONLY:
        return LIVE
    if etype == TRANSLATION_APPEND:
        return TRANSLATION
    if etype.startswith("transcription_session."):
        return REALTIME_BETA  # (the beta name of a transcription session)
    if etype == "session.created":
        return session_dialect(data.get("session")) or (current if current in (REALTIME_BETA, REALTIME_GA) else REALTIME_GA)
    if etype in SHARED_SERVER_TYPES:
        if "start_ms" in data or "end_ms" in data or "reason" in data or "usage" in data:
            return LIVE
        if "elapsed_ms" in data or "sample_rate" in data or "format" in data or "channels" in data:
            return TRANSLATION
        if etype == OUTPUT_DELTA and "event_id" not in data and current != TRANSLATION:
            return LIVE  # Live audio deltas carry no event_id
        return current if current in (LIVE, TRANSLATION) else (TRANSLATION if "event_id" in data and etype == OUTPUT_DELTA else LIVE)
    if etype in ("session.update", "session.updated"):
        if current in (LIVE, TRANSLATION):
            return current
        return session_dialect(data.get("session")) if etype == "session.update" else current
    if etype in ("response.create", "session.close", "error"):
        return current
    if etype in _BETA_NAMES:
        return current if current in (REALTIME_BETA, REALTIME_GA) else REALTIME_BETA
    if etype in _GA_NAMES:
        return current if current in (REALTIME_BETA, REALTIME_GA) else REALTIME_GA
    return None


def is_live_family(dialect: str | None) -> bool:
    """Live or Translation: the dialects whose events the Realtime rules must not see."""
    return dialect == LIVE or dialect == TRANSLATION


def nested_event(data: dict[str, Any]) -> dict[str, Any] | None:
    """The event a `response.event` / `decision.event` envelope carries (a Responses
    streaming event), or None."""
    ev = data.get("event")
    return ev if type(ev) is dict else None


def nested_type(data: dict[str, Any]) -> str | None:
    ev = nested_event(data)
    t = ev.get("type") if ev is not None else None
    return t if type(t) is str else None


class AppendSide:
    """Who sent a `session.input_audio.append` without a stated direction: the client on the
    primary WebSocket (the log has `session.start`), the server's mirror on a sideband (a
    Live session that started without `session.start`, or timed output deltas, or
    `transport.*` events). Feed every event of a log in order (`feed`), ask `side()`."""

    __slots__ = ("_primary", "_sideband")

    def __init__(self) -> None:
        self._primary = False
        self._sideband = False

    def feed(self, etype: str, data: dict[str, Any]) -> None:
        if etype == "session.start":
            self._primary, self._sideband = True, False
        elif etype == "session.started":
            if not self._primary:
                self._sideband = True
        elif etype == "session.created":
            self._primary = self._sideband = False
        elif (etype == OUTPUT_DELTA and "start_ms" in data) or etype.startswith("transport."):
            if not self._primary:
                self._sideband = True

    @property
    def sideband(self) -> bool:
        return self._sideband and not self._primary

    def side(self) -> str:
        """"client" or "server" (primary unless the log shows a sideband)."""
        return "server" if self.sideband else "client"
