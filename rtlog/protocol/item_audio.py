"""User audio sent inside a conversation item rather than through the input buffer.

Owns one rule: a client's `conversation.item.create` whose content holds `input_audio` parts
(`{"type": "input_audio", "audio": BASE64}`, how the reference JS client sends a recorded
clip) carries user audio exactly as `input_audio_buffer.append` does, in the session's input
format. `item_audio_appends` gives each such part as an `input_audio_buffer.append` Event
(same source, line, time and direction), so the rules that count, place and extract appended
audio take it unchanged. The item itself is still the item (its text, its turn).
"""

from __future__ import annotations

from rtlog.protocol.events import Event
from rtlog.protocol.realtime import CLIENT, INPUT_AUDIO_APPEND

ITEM_CREATE = "conversation.item.create"


def item_audio_appends(ev: Event) -> list[Event]:
    """The `input_audio` parts of a client's `conversation.item.create` as appends (empty
    for any other event, and for parts without a base64 string)."""
    if ev.kind != ITEM_CREATE or ev.direction != CLIENT:
        return []
    item = ev.data.get("item")
    content = item.get("content") if type(item) is dict else None
    if type(content) is not list:
        return []
    out = []
    for part in content:
        if type(part) is dict and part.get("type") == "input_audio" and type(part.get("audio")) is str:
            data = {"type": INPUT_AUDIO_APPEND, "audio": part["audio"]}
            out.append(Event(ev.source, ev.line_no, ev.raw, INPUT_AUDIO_APPEND, INPUT_AUDIO_APPEND, CLIENT, ev.timestamp, data))
    return out
