"""The event model: one recorded line → one `Event`, whatever the recorder or dialect.

Owns: recognising the record shape of a line (a bare event, or an envelope holding
the event as an object or a JSON string plus metadata) and its direction and time, and
the `Event` with typed access to the fields commands need. The rules it applies live
beside it: the vocabulary of names and kinds (`realtime`), the objects inside events
(`objects`), timestamps (`timestamps`), base64 payloads (`payload`); the fast path for
audio lines that skips the Event is `digest`.

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

import re
from dataclasses import field
from typing import Any

import orjson

from rtlog.protocol.objects import ErrorInfo, Item, Response, Usage, _int, _list, _str, usage_problem
from rtlog.protocol.payload import SPLICE_MIN, AudioPayload, _inspect_span, cut_audio_payload, inspect_b64
from rtlog.protocol.realtime import (
    AMBIGUOUS_TYPES,
    AUDIO_PAYLOAD_KEY,
    CLIENT,
    CLIENT_TYPES,
    KIND_ALIASES,
    KNOWN_TYPES,
    SERVER,
    UNKNOWN,
    direction_word,
    infer_direction,
)
from rtlog.protocol.timestamps import parse_timestamp
from rtlog.records import record

# --- record shapes ----------------------------------------------------------------------

#: keys under which envelopes hold the event (object or JSON string), in order of preference
PAYLOAD_KEYS = ("event", "data", "payload", "message", "content", "event_data", "eventData", "msg", "body", "frame")
#: keys under which envelopes name the event type when the payload lacks one
ENVELOPE_TYPE_KEYS = ("event_type", "eventType", "eventName", "event_name")
DIRECTION_KEYS = ("direction", "dir", "source", "from", "side")
TIME_KEYS = ("timestamp", "ts", "time")


class BadLine(Exception):
    """A line that is not a usable record; the message is the reason shown to the user."""


@record(slots=True)
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
    #: `item` and `response`, once made (several rules read the same item or response.done)
    _item: Any = field(default=False, init=False, repr=False, compare=False)
    _response: Any = field(default=False, init=False, repr=False, compare=False)

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
        """The event's `item` object, typed (made once: the same object each time, to read,
        not to change)."""
        it = self._item
        if it is False:
            it = self._item = Item.from_obj(self.data.get("item"))
        return it

    @property
    def response(self) -> Response | None:
        """The event's `response` object, typed (made once: the same object each time, to
        read, not to change)."""
        r = self._response
        if r is False:
            r = self._response = self._make_response()
        return r

    def _make_response(self) -> Response | None:
        resp = self.data.get("response")
        if type(resp) is not dict:
            return None
        r = Response.from_obj(resp)
        if r.usage is None and r.usage_problem is None:
            # xAI: `response.usage` is {} and the real numbers sit at the event's top level
            r.usage_problem = usage_problem(self.data.get("usage"))
            r.usage = Usage.from_obj(self.data.get("usage")) if r.usage_problem is None else None
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




def _json_error(exc: Exception) -> str:
    msg = str(exc)
    m = re.search(r":? line \d+ column (\d+) \(char \d+\)$", msg)
    if m:
        msg = msg[: m.start()] + f" (column {m.group(1)})"
    if "utf-8" in msg.lower() or "surrogate" in msg.lower():
        return "invalid UTF-8"
    return f"invalid JSON: {msg}"



def parse_line(line: bytes, source: str, line_no: int) -> Event:
    """Parse one line (as read, newline included or not) into an Event; raise BadLine
    with the reason."""
    if len(line) > SPLICE_MIN:
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
            source, line_no, line, t, KIND_ALIASES.get(t, t),
            CLIENT if t in CLIENT_TYPES else UNKNOWN if t in AMBIGUOUS_TYPES else SERVER,
            ts if ts is None or (type(ts) is float and 0.0 <= ts < 1e11) else parse_timestamp(ts), obj,
        )  # fmt: skip  (epoch seconds as a float are themselves, as parse_timestamp says)
    event, etype, direction, ts = unwrap(obj)
    if event is None:
        if type(t) is str and t:
            return Event(source, line_no, line, t, KIND_ALIASES.get(t, t), infer_direction(t), _bare_time(obj), obj)
        frame = obj.get("kind") if type(obj.get("kind")) is str else obj.get("opcode") if type(obj.get("opcode")) is str else None
        if frame and frame.lower() not in ("message", "text"):
            ftype = f"<{frame.lower()}>"
            shape = _shape(obj)
            return Event(source, line_no, line, ftype, ftype, _envelope_direction(obj, shape[2]) or UNKNOWN, _envelope_time(obj, shape[3]), obj,
                         frame=frame.lower(), envelope=obj)  # fmt: skip
        raise BadLine("no event type")
    return Event(source, line_no, line, etype, KIND_ALIASES.get(etype, etype), direction or infer_direction(etype), ts, event, envelope=obj)


#: an envelope's keys → the keys of each kind it has, in the order they are looked at:
#: (type-naming, payload, direction, time). A log's envelopes share one shape or a few, so
#: a lookup of the shape replaces ~20 `dict.get`s per line (cleared past `_SHAPES_MAX`).
_SHAPES: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
_SHAPES_MAX = 256


def _shape(obj: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    keys = tuple(obj)
    shape = _SHAPES.get(keys)
    if shape is None:
        if len(_SHAPES) >= _SHAPES_MAX:
            _SHAPES.clear()
        shape = _SHAPES[keys] = tuple(
            tuple(k for k in wanted if k in obj) for wanted in (ENVELOPE_TYPE_KEYS, PAYLOAD_KEYS, DIRECTION_KEYS, TIME_KEYS)
        )
    return shape


def unwrap(obj: dict[str, Any]) -> tuple[dict[str, Any] | None, str, str | None, float | None]:
    """An envelope's event, its type, the envelope's direction (None: it states none) and the
    time (the envelope's, else the event's own `timestamp`), from one look at the envelope's
    shape; (None, "", None, None) when there is no event inside. `_from_object` and the audio
    digest (`rtlog.protocol.digest`) both read envelopes by it."""
    type_keys, payload_keys, dir_keys, time_keys = _shape(obj)
    event, etype = _find_payload(obj, type_keys, payload_keys)
    if event is None:
        return None, "", None, None
    ts = _envelope_time(obj, time_keys)
    return event, etype, _envelope_direction(obj, dir_keys), _bare_time(event) if ts is None else ts


def _find_payload(obj: dict[str, Any], type_keys: tuple[str, ...], payload_keys: tuple[str, ...]) -> tuple[dict[str, Any] | None, str]:
    """The event inside an envelope (an object with a string `type`, or a JSON string of
    one), and its type; the envelope may name the type itself (`event_type`, `eventName`)."""
    named = None
    for k in type_keys:
        v = obj[k]
        if type(v) is str and v:
            named = v
            break
    for k in payload_keys:
        v = obj[k]
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


def _envelope_direction(obj: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for k in keys:  # (the envelope's DIRECTION_KEYS, `_shape(obj)[2]`)
        v = obj[k]
        if v is not None:
            d = direction_word(v)
            if d:
                return d
    return None


def _envelope_time(obj: dict[str, Any], keys: tuple[str, ...]) -> float | None:
    for k in keys:  # (the envelope's TIME_KEYS, `_shape(obj)[3]`)
        v = obj[k]
        if v is not None:
            ts = parse_timestamp(v)
            if ts is not None:
                return ts
    return None


def _bare_time(obj: dict[str, Any]) -> float | None:
    v = obj.get("timestamp")
    return None if v is None else parse_timestamp(v)
