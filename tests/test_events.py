"""The event model: record shapes, dialects, directions, timestamps, typed access."""

from __future__ import annotations

import dataclasses
import sys
from datetime import datetime

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtlog.protocol.events import BadLine, parse_line
from rtlog.protocol.objects import Item, Usage
from rtlog.protocol.payload import inspect_b64
from rtlog.protocol.timestamps import parse_timestamp

DELTA = {"type": "response.output_audio_transcript.delta", "event_id": "event_1", "item_id": "item_1", "response_id": "resp_1", "output_index": 0, "content_index": 0, "delta": "Hi"}


def parse(obj: object) -> object:
    line = obj if isinstance(obj, bytes) else orjson.dumps(obj)
    return parse_line(line + b"\n", "f.jsonl", 7)


@pytest.mark.parametrize(
    ("record", "direction", "timestamp"),
    [
        (DELTA, "server", None),
        ({**DELTA, "timestamp": 1763632800.5}, "server", 1763632800.5),
        ({"direction": "received", "data": DELTA}, "server", None),
        ({"kind": "message", "direction": "sent", "data": {"type": "response.create"}}, "client", None),
        ({"time": "2025-11-20T10:00:00.500Z", "source": "server", "event": DELTA}, "server", 1763632800.5),
        ({"timestamp": 1763632800500, "direction": "in", "event": DELTA}, "server", 1763632800.5),
        ({"type": "message", "from": "target", "timestamp": "2025-11-20T10:00:00.5+00:00", "content": DELTA}, "server", 1763632800.5),
        ({"type": "message", "from": "client", "timestamp": "2025-11-20T10:00:00.5Z", "content": {"type": "response.create"}}, "client", 1763632800.5),
        ({"timestamp": "2025-11-20T10:00:00.5Z", "event_type": "response.output_audio_transcript.delta", "event_data": DELTA}, "server", 1763632800.5),
        ({"direction": "server", "eventName": "response.output_audio_transcript.delta", "eventData": DELTA, "timestamp": "10:00:00 AM"}, "server", 36000.0),
        ({"ts": 1763632800.5, "dir": "s2c", "payload": DELTA}, "server", 1763632800.5),
        ({"ts": 1763632800.5, "dir": "out", "message": orjson.dumps({"type": "response.cancel"}).decode()}, "client", 1763632800.5),
        ({"time": "2025-11-20T10:00:00.500Z", "source": "server", "event": orjson.dumps(DELTA).decode()}, "server", 1763632800.5),
    ],
)
def test_record_shapes_give_the_same_event(record: dict, direction: str, timestamp: float | None) -> None:
    ev = parse(record)
    assert ev.direction == direction
    assert ev.timestamp == timestamp
    assert ev.line_no == 7 and ev.source == "f.jsonl"
    assert ev.raw == orjson.dumps(record) + b"\n"
    if ev.type.endswith("delta"):
        assert (ev.type, ev.kind, ev.item_id, ev.response_id, ev.text) == (DELTA["type"], DELTA["type"], "item_1", "resp_1", "Hi")


def test_envelope_without_type_in_payload_takes_the_named_type() -> None:
    ev = parse({"timestamp": "2025-11-20T10:00:00Z", "event_type": "connection.opened", "event_data": {"url": "wss://x"}})
    assert (ev.type, ev.direction, ev.data) == ("connection.opened", "unknown", {"url": "wss://x"})


def test_close_frame_is_a_record_not_a_bad_line() -> None:
    ev = parse({"kind": "close", "code": 1011, "reason": "test reconnect", "ok": False})
    assert (ev.type, ev.kind, ev.frame, ev.direction) == ("<close>", "<close>", "close", "unknown")


@pytest.mark.parametrize(
    ("beta", "ga"),
    [
        ("response.audio.delta", "response.output_audio.delta"),
        ("response.audio.done", "response.output_audio.done"),
        ("response.audio_transcript.delta", "response.output_audio_transcript.delta"),
        ("response.audio_transcript.done", "response.output_audio_transcript.done"),
        ("response.text.delta", "response.output_text.delta"),
        ("response.text.done", "response.output_text.done"),
        ("conversation.item.created", "conversation.item.added"),
    ],
)
def test_beta_and_ga_names_share_a_kind(beta: str, ga: str) -> None:
    b, g = parse({"type": beta}), parse({"type": ga})
    assert (b.type, b.kind) == (beta, ga)
    assert (g.type, g.kind) == (ga, ga)
    assert b.direction == g.direction == "server"


@pytest.mark.parametrize("etype", ["session.update", "input_audio_buffer.append", "conversation.item.truncate", "response.create", "response.cancel"])
def test_direction_of_bare_client_events_is_inferred(etype: str) -> None:
    assert parse({"type": etype}).direction == "client"


def test_unknown_type_is_kept_with_unknown_direction() -> None:
    ev = parse({"type": "vendor.telemetry", "x": 1})
    assert (ev.type, ev.kind, ev.direction) == ("vendor.telemetry", "vendor.telemetry", "unknown")


def test_error_event_bare_is_not_mistaken_for_an_envelope() -> None:
    ev = parse({"type": "error", "event_id": "event_9", "error": {"type": "invalid_request_error", "code": "x", "message": "m", "param": None, "event_id": None}})
    assert (ev.type, ev.direction) == ("error", "server")
    assert (ev.error.type, ev.error.code, ev.error.message) == ("invalid_request_error", "x", "m")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"not json", "invalid JSON: invalid literal, expected 'null' (column 1)"),
        (b"[1, 2]", "not a JSON object (a JSON array)"),
        (b'"text"', "not a JSON object (a JSON string)"),
        (b'{"foo": 1}', "no event type"),
        (b'{"type": "response.done", "resp', "invalid JSON: unexpected end of data (column 32)"),
        (b'{"type": "x\xff"}', "invalid UTF-8"),
    ],
)
def test_bad_lines_have_a_clear_reason(line: bytes, reason: str) -> None:
    with pytest.raises(BadLine) as exc:
        parse_line(line, "f", 1)
    assert str(exc.value) == reason


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (1763632800, 1763632800.0),
        (1763632800.25, 1763632800.25),
        (1763632800250, 1763632800.25),
        (1763632800250000, 1763632800.25),
        (1763632800250000000, 1763632800.25),  # nanoseconds (Go, Rust, OpenTelemetry, time_ns())
        ("1763632800250000000", 1763632800.25),
        ("1763632800.25", 1763632800.25),
        ("2025-11-20T10:00:00.25Z", 1763632800.25),
        ("2025-11-20T10:00:00.25", 1763632800.25),
        ("2025-11-20T11:00:00.25+01:00", 1763632800.25),
        ("2025-11-20T10:00:00.1234567+00:00", 1763632800.123456),  # (past 6 digits: cut, as Python 3.11 does)
        ("10:41:07 PM", 22 * 3600 + 41 * 60 + 7.0),
        ("nonsense", None),
        (None, None),
        (True, None),
        (float("nan"), None),
    ],
)
def test_timestamps(value: object, seconds: float | None) -> None:
    assert parse_timestamp(value) == seconds


def test_usage_openai_shape_with_cached_details() -> None:
    u = Usage.from_obj(
        {"total_tokens": 253, "input_tokens": 132, "output_tokens": 121,
         "input_token_details": {"text_tokens": 119, "audio_tokens": 13, "image_tokens": 0, "cached_tokens": 64,
                                 "cached_tokens_details": {"text_tokens": 60, "audio_tokens": 4}},
         "output_token_details": {"text_tokens": 30, "audio_tokens": 91}}
    )  # fmt: skip
    assert u.as_dict() == {
        "input_tokens": 132, "output_tokens": 121, "total_tokens": 253, "cached_tokens": 64, "cached_text_tokens": 60,
        "cached_audio_tokens": 4, "input_text_tokens": 119, "input_audio_tokens": 13, "input_image_tokens": 0,
        "output_text_tokens": 30, "output_audio_tokens": 91, "reasoning_tokens": 0,
    }  # fmt: skip


def test_usage_qwen_plural_details_and_missing_total() -> None:
    u = Usage.from_obj({"input_tokens": 10, "output_tokens": 5, "input_tokens_details": {"text_tokens": 4, "audio_tokens": 6}, "output_tokens_details": {"text_tokens": 1, "audio_tokens": 4}})
    assert (u.total_tokens, u.input_text_tokens, u.input_audio_tokens, u.output_audio_tokens) == (15, 4, 6, 4)


@pytest.mark.parametrize("bad", [None, {}, "x", [], 5, {"foo": "bar"}])
def test_usage_absent_or_wrong_type_is_none(bad: object) -> None:
    assert Usage.from_obj(bad) is None


def test_xai_usage_at_event_top_level() -> None:
    ev = parse({"type": "response.done", "event_id": "e", "response": {"id": "r1", "status": "completed", "status_details": "unimplemented", "output": [], "usage": {}}, "response_id": "r1",
                "usage": {"input_tokens": 5, "output_tokens": 42, "total_tokens": 47, "output_token_details": {"text_tokens": 3, "audio_tokens": 39}}})  # fmt: skip
    r = ev.response
    assert (r.id, r.status, r.status_reason) == ("r1", "completed", None)
    assert (r.usage.input_tokens, r.usage.output_tokens, r.usage.output_audio_tokens) == (5, 42, 39)


@pytest.mark.parametrize(
    "data",
    [
        {"type": "response.output_audio.delta", "delta": 5, "item": [], "response": "x", "usage": "x", "error": 3},
        {"type": "conversation.item.added", "item": {"content": None, "id": 5}},
        {"type": "conversation.item.added", "item": {"content": [None, 5, {"type": 3, "text": None}]}},
        {"type": "response.done", "response": {"output": "x", "status_details": [], "usage": {"input_tokens": "7"}}},
    ],
)
def test_accessors_never_raise_on_wrong_types(data: dict) -> None:
    ev = parse(data)
    for attr in ("event_id", "item_id", "response_id", "previous_item_id", "call_id", "output_index", "content_index", "item", "response", "error", "text"):
        getattr(ev, attr)
    ev.ids()
    ev.audio_info()


def test_audio_length_without_decoding() -> None:
    import base64

    for n in (0, 1, 2, 3, 4, 4800, 4801):
        b64 = base64.b64encode(bytes(n)).decode()
        assert parse({"type": "response.audio.delta", "delta": b64}).audio_info().nbytes == n
        assert parse({"type": "input_audio_buffer.append", "audio": b64}).audio_info().nbytes == n


@pytest.mark.parametrize(
    ("b64", "nbytes", "problem"),
    [
        ("[trimmed: 4800 bytes]", 4800, "placeholder"),
        ("AAAA", 3, None),
        ("AA-_", 0, "invalid"),
        ("AAA", 0, "invalid"),
        ("AA AA", 0, "invalid"),
        ("...", 0, "invalid"),
    ],
)
def test_inspect_b64(b64: str, nbytes: int, problem: str | None) -> None:
    info = inspect_b64(b64)
    assert (info.nbytes, info.problem) == (nbytes, problem)


def test_ids_found_wherever_they_appear() -> None:
    ev = parse({"type": "response.done", "response": {"id": "resp_1", "output": [{"id": "item_2", "call_id": "call_3", "type": "function_call"}]}})
    assert set(ev.ids()) == {"resp_1", "item_2", "call_3"}
    ev = parse({"type": "conversation.item.added", "previous_item_id": "item_0", "item": {"id": "item_1", "call_id": "call_1", "type": "function_call_output"}})
    assert set(ev.ids()) == {"item_0", "item_1", "call_1"}
    assert ev.item_id == "item_1" and ev.call_id == "call_1" and ev.previous_item_id == "item_0"


# --- the fast path for long audio lines --------------------------------------------------

import base64  # noqa: E402

PCM = bytes(range(256)) * 12  # 3 kB, so the line is long enough for the fast path
B64 = base64.b64encode(PCM).decode()


@pytest.mark.parametrize(
    "line",
    [
        orjson.dumps({"type": "response.audio.delta", "response_id": "r", "item_id": "i", "delta": B64}),
        orjson.dumps({"type": "input_audio_buffer.append", "audio": B64}),
        orjson.dumps({"time": "2025-11-20T10:00:00Z", "source": "server", "event": {"type": "response.output_audio.delta", "delta": B64, "item_id": "i"}}),
        orjson.dumps({"direction": "received", "data": {"type": "response.audio.delta", "delta": B64}, "kind": "message"}),
    ],
)
def test_audio_payload_cut_out_before_parsing(line: bytes) -> None:
    ev = parse_line(line + b"\n", "f", 1)
    assert ev.payload_span is not None
    assert bytes(ev.audio_b64()) == B64.encode()
    assert ev.audio_info().nbytes == len(PCM) and ev.audio_info().problem is None


@pytest.mark.parametrize(
    "line",
    [
        # spaces after colons: parsed whole, same answer
        ('{"type": "response.audio.delta", "item_id": "i", "delta": "' + B64 + '"}').encode(),
        # the event as a JSON string inside an envelope (escaped quotes)
        orjson.dumps({"time": 1, "source": "server", "event": orjson.dumps({"type": "response.audio.delta", "delta": B64}).decode()}),
        # a second key of the same name elsewhere in the line
        orjson.dumps({"type": "response.audio.delta", "meta": {"delta": "x"}, "delta": B64}),
    ],
)
def test_audio_lines_the_fast_path_declines_still_parse_correctly(line: bytes) -> None:
    ev = parse_line(line, "f", 1)
    assert ev.kind == "response.output_audio.delta"
    b64 = ev.audio_b64()
    assert (bytes(b64) if not isinstance(b64, str) else b64.encode()) == B64.encode()
    assert ev.audio_info().nbytes == len(PCM)


def test_needle_inside_another_events_string_is_harmless() -> None:
    text = 'he said "delta":"' + "A" * 2000
    line = orjson.dumps({"type": "response.output_text.delta", "item_id": "i", "delta": text})
    ev = parse_line(line, "f", 1)
    assert (ev.kind, ev.text, ev.payload_span) == ("response.output_text.delta", text, None)
    line = orjson.dumps({"type": "conversation.item.added", "item": {"content": [{"type": "input_audio", "audio": B64}]}})
    ev = parse_line(line, "f", 1)
    assert ev.payload_span is None and ev.item.content[0].type == "input_audio"


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (B64[:-1] + " ", "invalid"),
        (B64[:100] + "\n" + B64[100:-1], "invalid"),
        (B64.replace("+", "-").replace("/", "_"), "invalid"),
        (B64[:-4] + "AA==", None),
        (B64[:400] + "=" + B64[401:], "invalid"),
        (B64[:-1], "invalid"),
        ("[trimmed: 4800 bytes]" + " " * 1100, "invalid"),
    ],
)
def test_long_payload_problems(payload: str, problem: str | None) -> None:
    for obj in ({"type": "response.audio.delta", "delta": payload}, {"type": "response.audio.delta", "x": "y ", "delta": payload}):
        info = parse_line(orjson.dumps(obj), "f", 1).audio_info()
        assert info.problem == problem


#: the oracle of the next two tests, `datetime.fromisoformat`, reads fewer forms before Python
#: 3.11 (fractions of 3 or 6 digits only); rtlog reads them alike on every version
#: (`test_timestamps` pins the values)
OLD_FROMISOFORMAT = pytest.mark.skipif(sys.version_info < (3, 11), reason="fromisoformat reads fewer forms before 3.11")


@OLD_FROMISOFORMAT
@settings(max_examples=400, deadline=None)
@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)), st.integers(0, 6))
def test_utc_times_give_what_fromisoformat_gives(dt: datetime, digits: int) -> None:
    """A `…Z` time gives the very float a full parse gives, for every number of fraction
    digits, and the same as the explicit offset."""
    s = dt.strftime("%Y-%m-%dT%H:%M:%S") + ("." + f"{dt.microsecond:06d}"[:digits] if digits else "") + "Z"
    expected = datetime.fromisoformat(s[:-1] + "+00:00").timestamp()
    assert parse_timestamp(s) == expected
    assert parse_timestamp(s[:-1] + "+00:00") == expected  # (the long way)


@pytest.mark.parametrize("text", ["2025-11-20T10:00:60Z", "2025-11-20T10:00:00.Z", "2025-11-20T10:00:00,5Z", "2025-13-20T10:00:00Z",
                                  "2025-11-20T10:00:00.1234567Z", "2025-11-20 10:00:00Z", "2025-11-20T10:00:0١Z", "2025-11-20T10:00:00z"])  # fmt: skip
@OLD_FROMISOFORMAT
def test_other_iso_forms_take_the_full_parse(text: str) -> None:
    try:
        expected: float | None = datetime.fromisoformat(text[:-1] + "+00:00").timestamp()
    except ValueError:
        expected = None
    assert parse_timestamp(text) == expected


def strict_b64_size(payload: bytes) -> int | None:
    """The rule, spelled out: the standard alphabet, a length that is a multiple of 4, and
    one or two `=` only at the very end."""
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    if len(payload) % 4:
        return None
    rest = payload.translate(None, alphabet)
    if rest in (b"", b"=", b"==") and payload.endswith(rest):
        return len(payload) // 4 * 3 - len(rest)
    return None


near_base64 = st.lists(st.sampled_from(list(b"AQgw+/=") + [0x2D, 0x5F, 0x20, 0x0A, 0x5C, 0x22, 0x00, 0xFF, 0xC3]), max_size=40).map(bytes)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(near_base64, st.binary(max_size=40).map(base64.b64encode), st.binary(max_size=40).map(lambda b: base64.b64encode(b) + b"=")))
def test_the_base64_check_is_the_strict_rule(payload: bytes) -> None:
    """pybase64's validating decode (summary's and transcript's check, extract-audio's
    decoder) accepts exactly strict base64, and decodes it as binascii does."""
    from rtlog.audio.convert import decode_b64
    from rtlog.protocol.payload import b64_decoded_size

    size = strict_b64_size(payload)
    assert b64_decoded_size(payload) == size
    if size is None:
        with pytest.raises(ValueError):  # (binascii.Error is a ValueError)
            decode_b64(memoryview(payload))
    else:
        assert decode_b64(memoryview(payload)) == base64.b64decode(payload, validate=True)


def test_padding_after_a_full_group_is_invalid_everywhere() -> None:
    """binascii's strict mode takes `AAAA==`; summary never did: extract-audio agrees now."""
    from rtlog.audio.convert import decode_b64
    from rtlog.protocol.payload import b64_decoded_size

    assert b64_decoded_size(b"AAAA==") is None
    with pytest.raises(ValueError, match="excess padding"):
        decode_b64("AAAA==")
    with pytest.raises(ValueError, match="Only base64 data is allowed|Non-base64 digit found"):  # (3.11 / 3.10's words)
        decode_b64("AQ I=")


def test_usage_add_sums_every_field() -> None:
    a = Usage(*range(1, len(Usage.FIELDS) + 1))
    b = Usage(*(10 * k for k in range(1, len(Usage.FIELDS) + 1)))
    assert Usage.FIELDS == tuple(f.name for f in dataclasses.fields(Usage))  # (the order `from_obj` builds in)
    a.add(b)
    assert a.as_dict() == {f: 11 * k for k, f in enumerate(Usage.FIELDS, 1)}


def test_statuses_and_roles_are_kept_once_and_the_table_is_bounded() -> None:
    from rtlog.protocol import objects

    a = Item.from_obj(orjson.loads(b'{"id": "i1", "type": "message", "role": "assistant", "status": "completed"}'))
    b = Item.from_obj(orjson.loads(b'{"id": "i2", "type": "message", "role": "assistant", "status": "completed"}'))
    assert a.status == b.status == "completed" and a.status is b.status and a.role is b.role and a.type is b.type
    assert a.id is not b.id  # (ids are not words)
    kept = dict(objects._WORDS)
    try:
        for k in range(objects._WORDS_MAX + 10):
            objects._word(f"made-up-status-{k}")
        assert len(objects._WORDS) == objects._WORDS_MAX
    finally:
        objects._WORDS.clear()
        objects._WORDS.update(kept)
    assert objects._word("x" * 41) == "x" * 41 and objects._word(5) is None
