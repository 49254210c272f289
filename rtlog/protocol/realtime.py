"""The Realtime API's event vocabulary: beta, GA and provider names, and who sends what.

Owns the canonical *kind* of an event type (GA names; beta, Azure preview, Voice Live and
Qwen aliases map onto them), the client and server type sets, the audio event types and
the key that holds their base64 payload, and recorders' words for a direction.
"""

from __future__ import annotations

from typing import Any

from rtlog.protocol import live

# --- event type vocabulary ------------------------------------------------------------

#: beta / Azure-preview / Voice Live / Qwen names → canonical GA names
KIND_ALIASES: dict[str, str] = {
    "response.text.delta": "response.output_text.delta",
    "response.text.done": "response.output_text.done",
    "response.audio.delta": "response.output_audio.delta",
    "response.audio.done": "response.output_audio.done",
    "response.audio_transcript.delta": "response.output_audio_transcript.delta",
    "response.audio_transcript.done": "response.output_audio_transcript.done",
    "conversation.item.created": "conversation.item.added",
    "transcription_session.update": "session.update",
    "transcription_session.updated": "session.updated",
    "transcription_session.created": "session.created",
}

#: content part types → canonical
CONTENT_TYPE_ALIASES: dict[str, str] = {"audio": "output_audio", "text": "output_text"}

CLIENT_TYPES = frozenset(
    {
        "session.update",
        "transcription_session.update",
        "input_audio_buffer.append",
        "input_audio_buffer.commit",
        "input_audio_buffer.clear",
        "output_audio_buffer.clear",
        "conversation.item.create",
        "conversation.item.retrieve",
        "conversation.item.truncate",
        "conversation.item.delete",
        "response.create",
        "response.cancel",
        "input_image_buffer.append",
        "input_text.delta",
        "input_text.done",
        "session.avatar.connect",
        "session.close",
        "session.input_audio_buffer.append",
        # Azure Voice Live's own client events (azure-rest-api-specs VoiceLive/events.tsp)
        "input_audio.turn.start",
        "input_audio.turn.append",
        "input_audio.turn.end",
        "input_audio.turn.cancel",
        "input_audio.clear",
        "mcp_approval_response",
        "rtc.call.sdp.create",
        "byom_credential.update",
    }
)

SERVER_TYPES = frozenset(
    {
        "error",
        "ping",
        "session.created",
        "session.updated",
        "transcription_session.created",
        "transcription_session.updated",
        "conversation.created",
        "conversation.item.created",
        "conversation.item.added",
        "conversation.item.done",
        "conversation.item.retrieved",
        "conversation.item.deleted",
        "conversation.item.truncated",
        "conversation.item.input_audio_transcription.delta",
        "conversation.item.input_audio_transcription.completed",
        "conversation.item.input_audio_transcription.failed",
        "conversation.item.input_audio_transcription.segment",
        "conversation.item.input_audio_transcription.updated",
        "input_audio_buffer.committed",
        "input_audio_buffer.cleared",
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.timeout_triggered",
        "input_audio_buffer.dtmf_event_received",
        "output_audio_buffer.started",
        "output_audio_buffer.stopped",
        "output_audio_buffer.cleared",
        "rate_limits.updated",
        "response.created",
        "response.done",
        "response.output_item.added",
        "response.output_item.done",
        "response.content_part.added",
        "response.content_part.done",
        "response.text.delta",
        "response.text.done",
        "response.output_text.delta",
        "response.output_text.done",
        "response.audio.delta",
        "response.audio.done",
        "response.output_audio.delta",
        "response.output_audio.done",
        "response.audio_transcript.delta",
        "response.audio_transcript.done",
        "response.output_audio_transcript.delta",
        "response.output_audio_transcript.done",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.mcp_call_arguments.delta",
        "response.mcp_call_arguments.done",
        "response.mcp_call.in_progress",
        "response.mcp_call.completed",
        "response.mcp_call.failed",
        "mcp_list_tools.in_progress",
        "mcp_list_tools.completed",
        "mcp_list_tools.failed",
        "response.animation_viseme.delta",
        "response.animation_viseme.done",
        "response.animation_blendshapes.delta",
        "response.animation_blendshapes.done",
        "response.audio_timestamp.delta",
        "response.audio_timestamp.done",
        "session.output_audio.delta",
        # Azure Voice Live's own server events (azure-rest-api-specs VoiceLive/events.tsp, the
        # @azure/ai-voicelive ServerEvent union; the animation events are above)
        "warning",
        "session.avatar.connecting",
        "session.avatar.switch_to_speaking",
        "session.avatar.switch_to_idle",
        "response.video.delta",
        "response.web_search_call.searching",
        "response.web_search_call.in_progress",
        "response.web_search_call.completed",
        "response.file_search_call.searching",
        "response.file_search_call.in_progress",
        "response.file_search_call.completed",
        "response.audio_transcript.annotation.added",
        "response.invocation.delta",
        "rtc.call.sdp.created",
        "rtc.call.error",
        "byom_credential.updated",
    }
)

# GPT-Live and Realtime Translation (`rtlog.protocol.live`): their own names, and the one
# type sent both ways (its side is decided per log: `live.AppendSide`)
CLIENT_TYPES = CLIENT_TYPES | live.LIVE_CLIENT_TYPES | live.TRANSLATION_CLIENT_TYPES
SERVER_TYPES = SERVER_TYPES | live.LIVE_SERVER_TYPES | live.TRANSLATION_SERVER_TYPES
AMBIGUOUS_TYPES = frozenset({live.INPUT_APPEND})

KNOWN_TYPES = CLIENT_TYPES | SERVER_TYPES | AMBIGUOUS_TYPES

OUTPUT_AUDIO_DELTA = "response.output_audio.delta"
INPUT_AUDIO_APPEND = "input_audio_buffer.append"
#: canonical kind → the key that holds its base64 audio
AUDIO_PAYLOAD_KEY: dict[str, str] = {OUTPUT_AUDIO_DELTA: "delta", INPUT_AUDIO_APPEND: "audio", **live.AUDIO_PAYLOAD_KEY}

CLIENT, SERVER, UNKNOWN = "client", "server", "unknown"

_DIRECTION_WORDS: dict[str, str] = {}
for _w in ("sent", "send", "out", "outgoing", "outbound", "client", "c2s", "c>s", "queued", "tx", "up"):
    _DIRECTION_WORDS[_w] = CLIENT
for _w in ("received", "recv", "receive", "in", "incoming", "inbound", "server", "target", "s2c", "s>c", "rx", "down"):
    _DIRECTION_WORDS[_w] = SERVER



def direction_word(v: Any) -> str | None:
    """Map a recorder's direction word to client/server, or None if it names neither."""
    if type(v) is not str:
        return None
    return _DIRECTION_WORDS.get(v.strip().lower())


def infer_direction(etype: str) -> str:
    if etype in CLIENT_TYPES:
        return CLIENT
    if etype in SERVER_TYPES:
        return SERVER
    return UNKNOWN
