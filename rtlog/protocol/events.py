"""The event model: one recorded line → one `Event`, whatever the recorder or dialect.

Owns: recognising the record shape of a line (a bare event, or an envelope holding
the event as an object or a JSON string plus metadata), direction and timestamp
normalisation, the canonical *kind* that makes beta and GA names alike, and typed,
defensive access to the fields commands need (ids, items, responses, usage, errors).

Invariants:
- `Event.type` is the type as recorded; `Event.kind` is its canonical (GA) name.
- `Event.raw` is the original line (without its newline), for byte-exact echo.
- Base64 audio is never decoded here. On long audio lines the payload is cut out of the
  raw line before JSON parsing (it is ~95% of a log's bytes), so it is never turned into a
  Python str; `Event.audio_b64()` gives it as a zero-copy view and `Event.audio_info()` its
  decoded length, computed from its length. Placeholders such as `[trimmed: 4800 bytes]`
  are recognised.
- Accessors never raise on fields of the wrong type: they return None / empty values.
"""

from __future__ import annotations

import binascii
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import orjson
from pybase64 import b64decode

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
    }
)

KNOWN_TYPES = CLIENT_TYPES | SERVER_TYPES

OUTPUT_AUDIO_DELTA = "response.output_audio.delta"
INPUT_AUDIO_APPEND = "input_audio_buffer.append"
#: canonical kind → the key that holds its base64 audio
AUDIO_PAYLOAD_KEY: dict[str, str] = {OUTPUT_AUDIO_DELTA: "delta", INPUT_AUDIO_APPEND: "audio"}

CLIENT, SERVER, UNKNOWN = "client", "server", "unknown"

_DIRECTION_WORDS: dict[str, str] = {}
for _w in ("sent", "send", "out", "outgoing", "outbound", "client", "c2s", "c>s", "queued", "tx", "up"):
    _DIRECTION_WORDS[_w] = CLIENT
for _w in ("received", "recv", "receive", "in", "incoming", "inbound", "server", "target", "s2c", "s>c", "rx", "down"):
    _DIRECTION_WORDS[_w] = SERVER

# --- record shapes ----------------------------------------------------------------------

#: keys under which envelopes hold the event (object or JSON string), in order of preference
PAYLOAD_KEYS = ("event", "data", "payload", "message", "content", "event_data", "eventData", "msg", "body", "frame")
#: keys under which envelopes name the event type when the payload lacks one
ENVELOPE_TYPE_KEYS = ("event_type", "eventType", "eventName", "event_name")
DIRECTION_KEYS = ("direction", "dir", "source", "from", "side")
TIME_KEYS = ("timestamp", "ts", "time")


class BadLine(Exception):
    """A line that is not a usable record; the message is the reason shown to the user."""


@dataclass(slots=True)
class Event:
    """One recorded record. `frame` is "message" for events; for a non-message record
    (a WebSocket close frame) it is the recorder's word for it and `type` is `<close>`."""

    source: str
    line_no: int
    raw: bytes
    type: str
    kind: str
    direction: str
    timestamp: float | None
    data: dict[str, Any]
    frame: str = "message"
    envelope: dict[str, Any] | None = field(default=None, repr=False)
    #: where the base64 audio payload sits in `raw` when it was cut out before parsing
    #: (`data[key]` is then ""), else None
    payload_span: tuple[int, int] | None = field(default=None, repr=False)

    # -- ids -------------------------------------------------------------------------
    @property
    def event_id(self) -> str | None:
        return _str(self.data.get("event_id"))

    @property
    def item_id(self) -> str | None:
        """`item_id`, else the id of the event's `item` object."""
        v = _str(self.data.get("item_id"))
        if v is None:
            item = self.data.get("item")
            if type(item) is dict:
                v = _str(item.get("id"))
        return v

    @property
    def response_id(self) -> str | None:
        """`response_id`, else the id of the event's `response` object (not on response.create)."""
        v = _str(self.data.get("response_id"))
        if v is None and self.direction != CLIENT:
            resp = self.data.get("response")
            if type(resp) is dict:
                v = _str(resp.get("id"))
        return v

    @property
    def previous_item_id(self) -> str | None:
        return _str(self.data.get("previous_item_id"))

    @property
    def call_id(self) -> str | None:
        v = _str(self.data.get("call_id"))
        if v is None:
            item = self.data.get("item")
            if type(item) is dict:
                v = _str(item.get("call_id"))
        return v

    @property
    def output_index(self) -> int | None:
        return _int(self.data.get("output_index"))

    @property
    def content_index(self) -> int | None:
        return _int(self.data.get("content_index"))

    def ids(self) -> list[str]:
        """Every id the event mentions (item, response, previous item, call, event)."""
        d = self.data
        out = []
        for key in ("item_id", "response_id", "previous_item_id", "call_id", "event_id"):
            v = d.get(key)
            if type(v) is str:
                out.append(v)
        for key in ("item", "response"):
            obj = d.get(key)
            if type(obj) is dict:
                for sub in ("id", "call_id"):
                    v = obj.get(sub)
                    if type(v) is str:
                        out.append(v)
                if key == "response":
                    for it in _list(obj.get("output")):
                        if type(it) is dict:
                            for sub in ("id", "call_id"):
                                v = it.get(sub)
                                if type(v) is str:
                                    out.append(v)
        err = d.get("error")
        if type(err) is dict and type(err.get("event_id")) is str:
            out.append(err["event_id"])
        return out

    # -- typed views -------------------------------------------------------------------
    @property
    def item(self) -> Item | None:
        return Item.from_obj(self.data.get("item"))

    @property
    def response(self) -> Response | None:
        resp = self.data.get("response")
        if type(resp) is not dict:
            return None
        r = Response.from_obj(resp)
        if r.usage is None:
            # xAI: `response.usage` is {} and the real numbers sit at the event's top level
            r.usage = Usage.from_obj(self.data.get("usage"))
        if r.id is None:
            r.id = _str(self.data.get("response_id"))
        return r

    @property
    def error(self) -> ErrorInfo | None:
        return ErrorInfo.from_obj(self.data.get("error"))

    @property
    def text(self) -> str | None:
        """The text a delta or done event carries (`delta`, `transcript`, `text`, `arguments`)."""
        d = self.data
        for key in ("delta", "transcript", "text", "arguments"):
            v = d.get(key)
            if type(v) is str:
                return v
        return None

    # -- audio -------------------------------------------------------------------------
    @property
    def is_audio(self) -> bool:
        return self.kind in AUDIO_PAYLOAD_KEY

    def audio_b64(self) -> str | memoryview | None:
        """The base64 payload of an audio event as recorded (not decoded), or None: a str,
        or a zero-copy view of the raw line (both accepted by `audio.decode_b64`)."""
        if self.payload_span is not None:
            start, end = self.payload_span
            return memoryview(self.raw)[start:end]
        key = AUDIO_PAYLOAD_KEY.get(self.kind)
        if key is None:
            return None
        v = self.data.get(key)
        return v if type(v) is str else None

    def audio_info(self) -> AudioPayload | None:
        """Decoded length of an audio payload without decoding it, and what is wrong with
        it (see `inspect_b64`); None for events that carry no audio."""
        if self.payload_span is not None:
            start, end = self.payload_span
            return _inspect_span(self.raw, start, end)
        if self.kind not in AUDIO_PAYLOAD_KEY:
            return None
        b64 = self.audio_b64()
        if b64 is None:
            return AudioPayload(0, "missing")
        return inspect_b64(b64)  # type: ignore[arg-type]


@dataclass(slots=True)
class AudioPayload:
    """`nbytes`: decoded length (from a placeholder's stated size when `problem` is
    'placeholder'); `problem`: None, 'placeholder', 'invalid', 'missing'."""

    nbytes: int
    problem: str | None = None


_PLACEHOLDER = re.compile(r"\[?\s*trimmed:?\s*(\d+)\s*bytes?\s*\]?|\(truncated, total: (\d+) chars\)", re.I)


def b64_decoded_size(payload: bytes) -> int | None:
    """The decoded size of strict base64 (standard alphabet, length a multiple of 4, one
    or two `=` of padding only at the end), or None if `payload` is not that: pybase64's
    validating decode (SIMD, ~0.16 ns a byte), whose rules are exactly these."""
    try:
        return len(b64decode(payload, validate=True))
    except binascii.Error:
        return None


def inspect_b64(b64: str) -> AudioPayload:
    """Decoded length and validity of a base64 payload, without decoding it (see
    `b64_decoded_size`). A placeholder such as `[trimmed: 4800 bytes]` gives its stated
    size with problem 'placeholder'."""
    if not b64:
        return AudioPayload(0)
    try:
        size = b64_decoded_size(b64.encode("ascii"))
    except UnicodeEncodeError:
        size = None
    if size is not None:
        return AudioPayload(size)
    return _placeholder_or_invalid(b64 if len(b64) < 256 else "")


def _inspect_span(raw: bytes, start: int, end: int) -> AudioPayload:
    """`inspect_b64` for a payload that sits at raw[start:end]."""
    size = b64_decoded_size(raw[start:end])
    if size is not None:
        return AudioPayload(size)
    return _placeholder_or_invalid(raw[start:end].decode("utf-8", "replace") if end - start < 256 else "")


def _placeholder_or_invalid(text: str) -> AudioPayload:
    m = _PLACEHOLDER.search(text) if text else None
    if m:
        return AudioPayload(int(m.group(1)) if m.group(1) else int(m.group(2)) * 3 // 4, "placeholder")
    return AudioPayload(0, "invalid")


# --- typed views over event objects ------------------------------------------------------


@dataclass(slots=True)
class ContentPart:
    type: str | None  # canonical: output_audio / output_text / input_audio / input_text / …
    text: str | None  # `text`, else `transcript`
    transcript: str | None


@dataclass(slots=True)
class Item:
    id: str | None
    type: str | None
    role: str | None
    status: str | None
    call_id: str | None
    name: str | None
    arguments: str | None
    output: str | None
    content: list[ContentPart]

    @classmethod
    def from_obj(cls, obj: Any) -> Item | None:
        if type(obj) is not dict:
            return None
        parts = []
        for c in _list(obj.get("content")):
            if type(c) is not dict:
                continue
            ctype = _str(c.get("type"))
            transcript = _str(c.get("transcript"))
            text = _str(c.get("text"))
            parts.append(ContentPart(CONTENT_TYPE_ALIASES.get(ctype, ctype) if ctype else None, text if text is not None else transcript, transcript))
        output = obj.get("output")
        if output is not None and type(output) is not str:
            output = orjson.dumps(output).decode()
        return cls(
            _str(obj.get("id")),
            _str(obj.get("type")),
            _str(obj.get("role")),
            _str(obj.get("status")),
            _str(obj.get("call_id")),
            _str(obj.get("name")),
            _str(obj.get("arguments")),
            output,
            parts,
        )

    @property
    def text(self) -> str | None:
        """All text of the item's content parts joined, or None if none has text."""
        texts = [p.text for p in self.content if p.text is not None]
        return "".join(texts) if texts else None


@dataclass(slots=True)
class Usage:
    """Token usage, normalised across OpenAI, Azure, Qwen (`*_tokens_details`) and xAI."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0
    cached_text_tokens: int = 0
    cached_audio_tokens: int = 0
    input_text_tokens: int = 0
    input_audio_tokens: int = 0
    input_image_tokens: int = 0
    output_text_tokens: int = 0
    output_audio_tokens: int = 0
    reasoning_tokens: int = 0

    FIELDS = (
        "input_tokens", "output_tokens", "total_tokens", "cached_tokens", "cached_text_tokens",
        "cached_audio_tokens", "input_text_tokens", "input_audio_tokens", "input_image_tokens",
        "output_text_tokens", "output_audio_tokens", "reasoning_tokens",
    )  # fmt: skip

    @classmethod
    def from_obj(cls, obj: Any) -> Usage | None:
        """None when `obj` holds no token counts at all (missing, null, `{}`, wrong type)."""
        if type(obj) is not dict or not obj:
            return None
        inp = _dict(obj.get("input_token_details")) or _dict(obj.get("input_tokens_details"))
        out = _dict(obj.get("output_token_details")) or _dict(obj.get("output_tokens_details"))
        cached_details = _dict(inp.get("cached_tokens_details"))
        u = cls(
            input_tokens=_count(obj.get("input_tokens")),
            output_tokens=_count(obj.get("output_tokens")),
            total_tokens=_count(obj.get("total_tokens")),
            cached_tokens=_count(inp.get("cached_tokens")),
            cached_text_tokens=_count(cached_details.get("text_tokens")),
            cached_audio_tokens=_count(cached_details.get("audio_tokens")),
            input_text_tokens=_count(inp.get("text_tokens")),
            input_audio_tokens=_count(inp.get("audio_tokens")),
            input_image_tokens=_count(inp.get("image_tokens")),
            output_text_tokens=_count(out.get("text_tokens")),
            output_audio_tokens=_count(out.get("audio_tokens")),
            reasoning_tokens=_count(out.get("reasoning_tokens")),
        )
        if not any(getattr(u, f) for f in cls.FIELDS) and not any(k in obj for k in ("input_tokens", "output_tokens", "total_tokens")):
            return None
        if not u.total_tokens:
            u.total_tokens = u.input_tokens + u.output_tokens
        return u

    def add(self, other: Usage) -> None:
        for f in self.FIELDS:
            setattr(self, f, getattr(self, f) + getattr(other, f))

    def as_dict(self) -> dict[str, int]:
        return {f: getattr(self, f) for f in self.FIELDS}


@dataclass(slots=True)
class Response:
    id: str | None
    status: str | None
    status_reason: str | None
    output: list[Item]
    usage: Usage | None
    audio_format: Any  # raw format value stated for this response's output audio, if any
    conversation_id: str | None

    @classmethod
    def from_obj(cls, obj: dict[str, Any]) -> Response:
        details = obj.get("status_details")
        reason = None
        if type(details) is dict:
            reason = _str(details.get("reason")) or _str(details.get("type"))
        audio = _dict(_dict(obj.get("audio")).get("output"))
        fmt = audio.get("format") if audio else obj.get("output_audio_format")
        items = [i for i in (Item.from_obj(o) for o in _list(obj.get("output"))) if i is not None]
        return cls(
            _str(obj.get("id")),
            _str(obj.get("status")),
            reason,
            items,
            Usage.from_obj(obj.get("usage")),
            fmt,
            _str(obj.get("conversation_id")),
        )


@dataclass(slots=True)
class ErrorInfo:
    type: str | None
    code: str | None
    message: str | None
    param: str | None
    event_id: str | None

    @classmethod
    def from_obj(cls, obj: Any) -> ErrorInfo | None:
        if type(obj) is str:
            return cls(None, None, obj, None, None)
        if type(obj) is not dict:
            return None
        code = obj.get("code")
        return cls(
            _str(obj.get("type")),
            str(code) if code is not None and type(code) in (str, int) else None,
            _str(obj.get("message")),
            _str(obj.get("param")),
            _str(obj.get("event_id")),
        )


# --- defensive field access --------------------------------------------------------------


def _str(v: Any) -> str | None:
    return v if type(v) is str else None


def _int(v: Any) -> int | None:
    return v if type(v) is int else None


def _count(v: Any) -> int:
    return v if type(v) is int and v > 0 else int(v) if type(v) is float and math.isfinite(v) and v > 0 else 0


def _dict(v: Any) -> dict[str, Any]:
    return v if type(v) is dict else {}


def _list(v: Any) -> list[Any]:
    return v if type(v) is list else []


# --- parsing one line --------------------------------------------------------------------


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


_TIME_OF_DAY = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*([AaPp][Mm])?$")


def parse_timestamp(v: Any) -> float | None:
    """Epoch seconds / ms / µs / ns (numbers or numeric strings, told apart by magnitude),
    ISO 8601, or a bare time of day (seconds since midnight) → float seconds; anything
    else → None."""
    if type(v) is str:
        s = v.strip()
        if ":" in s:  # ISO 8601 or a time of day (never a number): skip the failing float()
            return _parse_time_text(s)
        try:
            v = int(s) if s.isdigit() else float(s)
        except ValueError:
            return _parse_time_text(s)
    if type(v) is int or type(v) is float:
        x = float(v)
        if not math.isfinite(x) or x < 0:
            return None
        # the unit is told by the magnitude: today is ~1.8e9 s = 1.8e12 ms = 1.8e15 µs = 1.8e18 ns
        for limit, scale in ((1e17, 10**9), (1e14, 10**6), (1e11, 10**3)):
            if x >= limit:
                if type(v) is int:  # exact for integers (a float of 1.8e18 has no ns left)
                    q, r = divmod(v, scale)
                    return q + r / scale
                return x / scale
        return x
    return None


def _parse_time_text(s: str) -> float | None:
    utc = s[-1:] in ("Z", "z")  # (as most recorders write their times)
    try:
        dt = datetime.fromisoformat(s[:-1] + "+00:00" if utc else s)
    except ValueError:
        m = _TIME_OF_DAY.match(s)
        if not m:
            return None
        h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3))
        frac = float("0." + m.group(4)) if m.group(4) else 0.0
        if m.group(5):
            h = h % 12 + (12 if m.group(5).lower() == "pm" else 0)
        return h * 3600 + mi * 60 + sec + frac
    if not utc and dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _json_error(exc: Exception) -> str:
    msg = str(exc)
    m = re.search(r":? line \d+ column (\d+) \(char \d+\)$", msg)
    if m:
        msg = msg[: m.start()] + f" (column {m.group(1)})"
    if "utf-8" in msg.lower() or "surrogate" in msg.lower():
        return "invalid UTF-8"
    return f"invalid JSON: {msg}"


_SPLICE_MIN = 1024  # shorter lines are simply parsed whole
_AUDIO_KEYS = ((b'"delta":', "delta"), (b'"audio":', "audio"))


def parse_line(line: bytes, source: str, line_no: int) -> Event:
    """Parse one line (as read, newline included or not) into an Event; raise BadLine
    with the reason."""
    if len(line) > _SPLICE_MIN:
        ev = _parse_audio_line(line, source, line_no)
        if ev is not None:
            return ev
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise BadLine(_json_error(exc)) from None
    if type(obj) is not dict:
        raise BadLine(f"not a JSON object (a JSON {_json_kind(obj)})")
    return _from_object(obj, line, source, line_no)


def cut_audio_payload(line: bytes) -> tuple[dict[str, Any], str, int, int] | None:
    """Cut the string value of the line's only `"delta"` or `"audio"` key out of the line and parse the rest: (the parsed rest, the key, where the payload starts
    and ends in `line`). None unless there is exactly one key of that name, its value is a
    string without escapes (so its closing quote is the first one after it) and the rest
    parses to an object. Whether the key is the event's own payload is the caller's check
    (the value is "" in the parsed rest)."""
    if line.find(b"input_audio_buffer.append", 0, 512) >= 0:
        # an append: looking for "delta" first would scan its whole payload (~0.35 ns a byte)
        # in vain; "delta" takes precedence only where it is, which is outside the payload
        # (no quote in it), so it is looked for there only
        delta = _AUDIO_KEYS[0][0]
        i = line.find(_AUDIO_KEYS[1][0])
        cut = _cut_payload(line, i, *_AUDIO_KEYS[1]) if i >= 0 else None
        if cut is not None and line.find(delta, 0, cut[2] + len(delta) - 1) < 0 and line.find(delta, cut[3]) < 0:
            return cut
    for needle, key in _AUDIO_KEYS:
        i = line.find(needle)
        if i >= 0:
            return _cut_payload(line, i, needle, key)
    return None


def _cut_payload(line: bytes, i: int, needle: bytes, key: str) -> tuple[dict[str, Any], str, int, int] | None:
    """`cut_audio_payload` for the key whose `needle` is at `i`."""
    start = i + 9 if line[i + 8 : i + 9] == b'"' else i + 10 if line[i + 8 : i + 10] == b' "' else 0
    end = line.find(b'"', start) if start else -1
    if end < 0 or line.find(b"\\", start, end) >= 0 or line.find(needle[:-1], end) >= 0:
        return None
    try:
        obj = orjson.loads(line[:start] + line[end:])
    except orjson.JSONDecodeError:
        return None
    return (obj, key, start, end) if type(obj) is dict else None


#: an audio line's digest: (type as recorded, decoded bytes, response_id, item_id,
#: timestamp in seconds or None): the ids as found in the event (any JSON value), the
#: timestamp as `Event.timestamp` gives it
AudioDigest = tuple[str, int, Any, Any, "float | None"]

DIGEST_MIN_PAYLOAD = 64  # shorter payloads (placeholders, empty chunks) take the normal path
# Bare audio lines as recorders write them: compact (orjson, JS) or Python's json.dumps.
_DIGEST_PREFIXES = (
    b'{"type":"response.audio.delta"', b'{"type": "response.audio.delta"',
    b'{"type":"response.output_audio.delta"', b'{"type": "response.output_audio.delta"',
    b'{"type":"input_audio_buffer.append"', b'{"type": "input_audio_buffer.append"',
)  # fmt: skip
#: the audio types a digest is made for, and the side that sends them
_DIGEST_SIDES = {"response.audio.delta": SERVER, OUTPUT_AUDIO_DELTA: SERVER, INPUT_AUDIO_APPEND: CLIENT}


def audio_digest(line: bytes) -> AudioDigest | None:
    """What the commands need of an audio line, without building an Event: None unless the
    line holds one audio event whose own payload is strict base64 of at least
    `DIGEST_MIN_PAYLOAD` characters, and, for assistant audio, string `response_id` and
    `item_id` (anything else — escapes, whitespace, other alphabets, placeholders, ids
    elsewhere, a direction that contradicts the type — goes the normal way, which decides).
    The rest of the line is parsed with the payload cut out (as `cut_audio_payload` does),
    so the line is checked as JSON exactly as `parse_line` would check it, and the fields
    are the ones the Event would have. Bare lines that start with their type take a
    shorter way; other key orders and recorders' envelopes go through `_from_object`."""
    if not line.startswith(_DIGEST_PREFIXES):
        return _any_audio_digest(line) if len(line) > _SPLICE_MIN else None
    at = 9 if line[8] == 34 else 10  # the type's first letter, after `{"type":"` or `{"type": "`
    if line[at] == 105:  # i: input_audio_buffer.append
        t, needle, name = INPUT_AUDIO_APPEND, b'"audio":', "audio"
    else:
        t = "response.audio.delta" if line[at + 9] == 97 else OUTPUT_AUDIO_DELTA  # response.[a]udio / [o]utput_audio
        needle, name = b'"delta":', "delta"
    # the payload: the string value of the only `needle` key after the type (see cut_audio_payload)
    i = line.find(needle, 30)
    if i < 0:
        return None
    i += 8
    if line[i : i + 1] == b'"':
        start = i + 1
    elif line[i : i + 2] == b' "':
        start = i + 2
    else:
        return None
    stop = line.find(b'"', start)
    if stop - start < DIGEST_MIN_PAYLOAD or line.find(needle[:-1], stop) >= 0:
        return None  # (stop < 0 too) a placeholder or an empty chunk, or a second such key
    size = b64_decoded_size(line[start:stop])  # (an escape, a backslash, fails it too)
    if size is None:
        return None
    try:
        d = orjson.loads(line[:start] + line[stop:])
    except orjson.JSONDecodeError:
        return None
    if type(d) is not dict or d.get(name) != "" or d.get("type") != t:
        return None  # not the event's own payload
    rid, item = d.get("response_id"), d.get("item_id")
    if name == "delta" and (type(rid) is not str or type(item) is not str):
        return None  # ids elsewhere (`response.id`, `item.id`) or of another type: as an Event
    ts = d.get("timestamp")
    return t, size, rid, item, None if ts is None else parse_timestamp(ts)


def _any_audio_digest(line: bytes) -> AudioDigest | None:
    """`audio_digest` for a line that does not start with its audio type."""
    cut = cut_audio_payload(line)
    if cut is None:
        return None
    obj, key, start, end = cut
    if end - start < DIGEST_MIN_PAYLOAD:
        return None
    size = b64_decoded_size(line[start:end])
    if size is None:
        return None
    try:
        ev = _from_object(obj, line, "", 0)
    except BadLine:
        return None
    d = ev.data
    if _DIGEST_SIDES.get(ev.type) != ev.direction or AUDIO_PAYLOAD_KEY.get(ev.kind) != key or d.get(key) != "":
        return None
    rid, item = d.get("response_id"), d.get("item_id")
    if key == "delta" and (type(rid) is not str or type(item) is not str):
        return None
    return ev.type, size, rid, item, ev.timestamp


def _parse_audio_line(line: bytes, source: str, line_no: int) -> Event | None:
    """The fast path for audio lines: the payload cut out before parsing, accepted only if
    the cut removed exactly this event's own audio payload. None: parse the line whole."""
    cut = cut_audio_payload(line)
    if cut is None:
        return None
    obj, key, start, end = cut
    try:
        ev = _from_object(obj, line, source, line_no)
    except BadLine:
        return None
    if AUDIO_PAYLOAD_KEY.get(ev.kind) != key or ev.data.get(key) != "":
        return None
    ev.payload_span = (start, end)
    return ev


def _json_kind(obj: Any) -> str:
    return {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}.get(type(obj), "null")


def _from_object(obj: dict[str, Any], line: bytes, source: str, line_no: int) -> Event:
    t = obj.get("type")
    if type(t) is str and t in KNOWN_TYPES and t != "error":
        # a bare event (the common case): no envelope lookups
        ts = obj.get("timestamp")
        return Event(
            source, line_no, line, t, KIND_ALIASES.get(t, t), CLIENT if t in CLIENT_TYPES else SERVER,
            None if ts is None else parse_timestamp(ts), obj,
        )  # fmt: skip
    event, etype = _find_payload(obj)
    if event is None:
        if type(t) is str and t:
            return Event(source, line_no, line, t, KIND_ALIASES.get(t, t), infer_direction(t), _bare_time(obj), obj)
        frame = obj.get("kind") if type(obj.get("kind")) is str else obj.get("opcode") if type(obj.get("opcode")) is str else None
        if frame and frame.lower() not in ("message", "text"):
            ftype = f"<{frame.lower()}>"
            return Event(source, line_no, line, ftype, ftype, _envelope_direction(obj) or UNKNOWN, _envelope_time(obj), obj, frame=frame.lower(), envelope=obj)
        raise BadLine("no event type")
    direction = _envelope_direction(obj) or infer_direction(etype)
    ts = _envelope_time(obj)
    if ts is None:
        ts = _bare_time(event)
    return Event(source, line_no, line, etype, KIND_ALIASES.get(etype, etype), direction, ts, event, envelope=obj)


def _find_payload(obj: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The event inside an envelope (an object with a string `type`, or a JSON string of
    one), and its type; the envelope may name the type itself (`event_type`, `eventName`)."""
    named = None
    for k in ENVELOPE_TYPE_KEYS:
        v = obj.get(k)
        if type(v) is str and v:
            named = v
            break
    for k in PAYLOAD_KEYS:
        v = obj.get(k)
        if type(v) is str and v.lstrip()[:1] == "{":
            try:
                v = orjson.loads(v)
            except orjson.JSONDecodeError:
                continue
        if type(v) is dict:
            t = v.get("type")
            if type(t) is str and t:
                return v, t
            if named:
                return v, named
    if named:
        return {}, named
    return None, ""


def _envelope_direction(obj: dict[str, Any]) -> str | None:
    for k in DIRECTION_KEYS:
        v = obj.get(k)
        if v is not None:
            d = direction_word(v)
            if d:
                return d
    return None


def _envelope_time(obj: dict[str, Any]) -> float | None:
    for k in TIME_KEYS:
        v = obj.get(k)
        if v is not None:
            ts = parse_timestamp(v)
            if ts is not None:
                return ts
    return None


def _bare_time(obj: dict[str, Any]) -> float | None:
    v = obj.get("timestamp")
    return None if v is None else parse_timestamp(v)
