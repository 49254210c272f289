"""Hostile input to the reader and event model: never a traceback, bad lines counted, good lines kept."""

from __future__ import annotations

import io

import orjson
import pytest
from conftest import corpus_file, needs_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtlog.errors import InputError
from rtlog.io.reader import Diagnostics, Source, read_events
from rtlog.protocol.events import BadLine, parse_line

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
KEYS = ["event", "data", "item", "response", "usage", "delta", "audio", "content", "error", "item_id", "response_id",
        "call_id", "timestamp", "time", "direction", "source", "session", "output", "transcript", "status_details", "kind"]  # fmt: skip
TYPES = ["response.audio.delta", "response.output_audio.delta", "input_audio_buffer.append", "response.done", "error",
         "conversation.item.added", "conversation.item.created", "session.created", "session.update", "message", "x"]  # fmt: skip
event_like = st.fixed_dictionaries({"type": st.sampled_from(TYPES)}, optional=dict.fromkeys(KEYS, json_values))
envelopes = st.fixed_dictionaries(
    {}, optional={"direction": st.sampled_from(["sent", "received", 5, None]), "time": json_values, "event": event_like | json_values,
                  "data": event_like.map(lambda e: orjson.dumps(e).decode()) | json_values, "kind": st.sampled_from(["message", "close", 3])},
)  # fmt: skip

ACCESSORS = ("event_id", "item_id", "response_id", "previous_item_id", "call_id", "output_index", "content_index", "item", "response", "error", "text", "is_audio")


def exercise(line: bytes) -> None:
    try:
        ev = parse_line(line, "f", 1)
    except BadLine as exc:
        assert str(exc)
        return
    for a in ACCESSORS:
        getattr(ev, a)
    ev.ids()
    ev.audio_info()
    ev.audio_b64()


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_random_bytes_never_crash(data: bytes) -> None:
    exercise(data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_random_json_never_crashes(value: object) -> None:
    exercise(orjson.dumps(value))


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(event_like | envelopes)
def test_events_with_fields_of_the_wrong_type_never_crash(obj: dict) -> None:
    exercise(orjson.dumps(obj))


@pytest.mark.parametrize(
    "line",
    [
        b'{"type": "response.done", "type": "error"}',  # duplicate keys: the last wins, as in JSON parsers generally
        b'{"type": NaN}',
        b'{"type": Infinity}',
        b'{"type": "\\ud800"}',  # lone surrogate
        b'{"type": "a\x00b"}',
        b"[" * 10000 + b"]" * 10000,
        b'{"a":' * 2000 + b"1" + b"}" * 2000,
        b"\xff\xfe\x00",
        b"",
        b"   ",
        b'{"type": "response.done", "n": 123456789012345678901234567890123}',
    ],
)
def test_nasty_lines(line: bytes) -> None:
    exercise(line)


def read_bytes(data: bytes) -> tuple[list, Diagnostics]:
    """Events and diagnostics; a source with nothing but bad lines raises InputError,
    which is checked here to happen exactly then."""
    diag = Diagnostics()
    evs: list = []
    try:
        for ev in read_events(Source("<stdin>", None), diag, stdin=io.BytesIO(data)):
            evs.append(ev)
    except InputError as exc:
        if str(exc).startswith("<stdin>: cannot read: "):
            assert data.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00"))  # compressed, but corrupt
        elif str(exc) == "<stdin>: binary data, not a JSONL event log":
            assert b"\x00" in data[:4096] and not data.lstrip().startswith(b"{")
        else:
            assert str(exc) == "<stdin>: no events found: not a JSONL event log?"
        assert not evs
    return evs, diag


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.builds(lambda e: orjson.dumps(e), event_like), st.binary(max_size=40).filter(lambda b: b"\n" not in b)), max_size=12))
def test_good_lines_are_all_kept_among_bad_ones(lines: list[bytes]) -> None:
    data = b"\n".join(lines) + b"\n"
    evs, diag = read_bytes(data)
    if lines and lines[0].startswith(b"\xef\xbb\xbf"):
        lines = [lines[0][3:], *lines[1:]]  # a BOM opening the input is not part of line 1
    good = []
    for i, line in enumerate(lines, 1):
        try:
            parse_line(line, "x", i)
            good.append(i)
        except BadLine:
            pass
    if not evs and (not good or b"\x00" in data[:4096] or data.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00"))):
        return  # the whole input was refused (checked in read_bytes)
    assert [e.line_no for e in evs] == good
    assert diag.bad_lines == sum(1 for i, line in enumerate(lines, 1) if i not in good and line.strip())


@needs_corpus
def test_a_recording_cut_at_any_byte_keeps_every_complete_event() -> None:
    data = corpus_file("test_openai_tool_call@8cedd8c16", "wrapped").read_bytes()
    full, _ = read_bytes(data)
    ends = [i + 1 for i, b in enumerate(data) if b == 0x0A]  # offsets just after each newline
    for cut in range(0, len(data) + 1, 7):
        evs, diag = read_bytes(data[:cut])
        complete = sum(1 for e in ends if e <= cut)
        assert [e.line_no for e in evs][:complete] == list(range(1, complete + 1))
        assert len(evs) in (complete, complete + 1)  # the cut line counts only if it still parses whole
        assert diag.bad_lines == (0 if len(evs) > complete or cut in ends or cut == 0 else 1)
