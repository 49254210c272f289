"""Where the sensitive values of each event are: the text-field table.

Owns `EVENT_FIELDS`: event kind (canonical, so beta and provider aliases share a row;
types rtlog does not know are looked up as recorded) → the fields that hold text, tool
payloads, instructions, audio or keypad digits. A new event's fields are one row. A field
is a path into the event (keys; `*` for every element of a list or value of an object)
and what is there: a `Leaf` (a category), or `ITEM` / `PART` / `SESSION` / `RESPONSES`,
objects whose own fields depend on their shape (a message's role, a content part's type).

Categories: `text` (what was said or typed, transcripts, logprobs tokens), `tools`
(function and MCP arguments and outputs), `instructions` (system prompt, system messages,
transcription prompts, GPT-Live appends), `audio`, and `dtmf` (never kept). Secrets are
found by key and pattern wherever they are (`record`), not listed here.
"""

from __future__ import annotations

from dataclasses import dataclass

TEXT, TOOLS, INSTRUCTIONS, AUDIO, DTMF = "text", "tools", "instructions", "audio", "dtmf"
#: what `--keep` accepts
KEEPABLE = (TEXT, TOOLS, INSTRUCTIONS, AUDIO)


@dataclass(frozen=True, slots=True)
class Leaf:
    """A value of `category`. `label` names it in the marker (default: the category);
    `delta`: a fragment of a text streamed in pieces (reassembled per `stream` to find
    what is split across them); `json`: a JSON document in a string, redacted value by
    value; `side`: for audio, `in` (the session's input format) or `out`."""

    category: str
    label: str = ""
    delta: bool = False
    json: bool = False
    side: str = ""

    @property
    def kind(self) -> str:
        return self.label or self.category


T = Leaf(TEXT)
T_DELTA = Leaf(TEXT, delta=True)
TOOL = Leaf(TOOLS, json=True)
TOOL_DELTA = Leaf(TOOLS, delta=True)
INSTR = Leaf(INSTRUCTIONS)
IMAGE = Leaf(TEXT, label="image")
AUDIO_IN = Leaf(AUDIO, side="in")
AUDIO_OUT = Leaf(AUDIO, side="out")
DIGITS = Leaf(DTMF)

# objects whose fields depend on their shape (see record.Redactor)
ITEM, PART, SESSION, RESPONSES = "item", "part", "session", "responses"

Path = tuple[str, ...]
Field = tuple[Path, "Leaf | str"]

_ITEM_EVENT: tuple[Field, ...] = ((("item",), ITEM),)
_LOGPROBS: tuple[Field, ...] = ((("logprobs", "*", "token"), T), (("logprobs", "*", "bytes"), T))

EVENT_FIELDS: dict[str, tuple[Field, ...]] = {
    # sessions (beta, GA, transcription sessions via their aliases; GPT-Live)
    "session.created": ((("session",), SESSION),),
    "session.updated": ((("session",), SESSION),),
    "session.update": ((("session",), SESSION),),
    "session.start": ((("session",), SESSION),),
    "session.started": ((("session",), SESSION),),
    "session.closed": ((("session",), SESSION),),
    # items
    "conversation.item.added": _ITEM_EVENT,
    "conversation.item.done": _ITEM_EVENT,
    "conversation.item.retrieved": _ITEM_EVENT,
    "conversation.item.create": _ITEM_EVENT,
    "response.output_item.added": _ITEM_EVENT,
    "response.output_item.done": _ITEM_EVENT,
    "response.item.create": _ITEM_EVENT,
    "decision.item.create": _ITEM_EVENT,
    "decision.item.created": _ITEM_EVENT,
    # responses
    "response.create": ((("response", "instructions"), INSTR), (("response", "input", "*"), ITEM)),
    "response.created": ((("response", "instructions"), INSTR), (("response", "output", "*"), ITEM)),
    "response.done": ((("response", "instructions"), INSTR), (("response", "output", "*"), ITEM)),
    "response.content_part.added": ((("part",), PART), (("content",), PART)),
    "response.content_part.done": ((("part",), PART), (("content",), PART)),
    "response.output_text.delta": ((("delta",), T_DELTA), *_LOGPROBS),
    "response.output_text.done": ((("text",), T), *_LOGPROBS),
    "response.output_audio_transcript.delta": ((("delta",), T_DELTA), *_LOGPROBS),
    "response.output_audio_transcript.done": ((("transcript",), T), *_LOGPROBS),
    "response.function_call_arguments.delta": ((("delta",), TOOL_DELTA),),
    "response.function_call_arguments.done": ((("arguments",), TOOL),),
    "response.mcp_call_arguments.delta": ((("delta",), TOOL_DELTA),),
    "response.mcp_call_arguments.done": ((("arguments",), TOOL),),
    # the user's side
    "conversation.item.input_audio_transcription.delta": ((("delta",), T_DELTA), *_LOGPROBS),
    "conversation.item.input_audio_transcription.completed": ((("transcript",), T), *_LOGPROBS),
    "conversation.item.input_audio_transcription.segment": ((("text",), T), (("speaker",), T)),
    "input_text.delta": ((("delta",), T_DELTA),),
    "input_text.done": ((("text",), T),),
    "input_image_buffer.append": ((("image",), IMAGE),),
    # audio
    "input_audio_buffer.append": ((("audio",), AUDIO_IN),),
    "response.output_audio.delta": ((("delta",), AUDIO_OUT),),
    "session.input_audio_buffer.append": ((("audio",), AUDIO_IN),),
    "session.input_audio.append": ((("audio",), AUDIO_IN),),
    "session.output_audio.delta": ((("delta",), AUDIO_OUT),),
    "session.output_audio.fixture.play": ((("audio",), AUDIO_OUT),),
    # GPT-Live: transcripts, appends, delegation
    "session.input_transcript.delta": ((("delta",), T_DELTA),),
    "session.output_transcript.delta": ((("delta",), T_DELTA),),
    "session.instructions.append": ((("content",), INSTR),),
    "session.thinking.append": ((("content",), INSTR),),
    "session.commentary.append": ((("content",), INSTR),),
    "response.event": ((("event",), RESPONSES),),
    "decision.event": ((("event",), RESPONSES),),
    # keypad digits (SIP)
    "input_audio_buffer.dtmf_event_received": ((("event",), DIGITS),),
    "transport.dtmf.received": ((("event",), DIGITS),),
    "transport.dtmf.sent": ((("event",), DIGITS),),
    "transport.dtmf.send": ((("event",), DIGITS),),
}

#: inside a session object
SESSION_FIELDS: tuple[Field, ...] = (
    (("instructions",), INSTR),
    (("input_audio_transcription", "prompt"), INSTR),
    (("audio", "input", "transcription", "prompt"), INSTR),
    (("prompt", "variables", "*"), T),
    (("input", "*"), ITEM),
    (("delegation", "responses", "instructions"), INSTR),
)

#: inside a Responses API streaming event (GPT-Live delegation)
RESPONSES_FIELDS: tuple[Field, ...] = (
    (("delta",), T),
    (("text",), T),
    (("arguments",), TOOL),
    (("item",), ITEM),
    (("part",), PART),
    (("response", "output", "*"), ITEM),
    (("response", "instructions"), INSTR),
)

#: a content part's text-bearing keys (its `audio` is audio of the item's side)
PART_TEXT_KEYS: tuple[tuple[str, Leaf], ...] = (("text", T), ("transcript", T), ("image_url", IMAGE), ("refusal", T))
#: an item's tool payloads
ITEM_TOOL_KEYS = ("arguments", "output")


def stream_key(kind: str, data: dict[str, object]) -> tuple[object, ...]:
    """Which text a delta is a piece of: its kind's family and its item and content part
    (function arguments by item or call; GPT-Live transcripts are one stream a side)."""
    family = kind.rsplit(".", 1)[0]
    return (family, _hashable(data.get("item_id") or data.get("call_id")), _hashable(data.get("content_index")))


def _hashable(v: object) -> object:
    return v if v is None or type(v) in (str, int, float, bool) else repr(v)
