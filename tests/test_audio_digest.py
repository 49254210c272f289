"""`events.audio_digest`: what the fast path takes from an audio line must be what the
Event of that line says, for any line.

The fast path trusts the digest instead of building the Event, so a digest that differs
from the Event in any field, or that exists for a line `parse_line` rejects, is a silent
wrong answer. These properties run the digest over generated audio lines in every shape
recorders write them (and in shapes they do not), then over random mutations of them."""

from __future__ import annotations

import base64
import json
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from rtlog.protocol.digest import audio_digest
from rtlog.protocol.events import BadLine, Event, parse_line
from rtlog.protocol.payload import cut_audio_payload

AUDIO_TYPES = ["response.audio.delta", "response.output_audio.delta", "input_audio_buffer.append"]


def payloads() -> st.SearchStrategy[str]:
    """Base64 of any length (padded or not), and near misses: url-safe, escaped, spaced, cut."""
    valid = st.one_of(st.binary(max_size=60), st.binary(min_size=48, max_size=400)).map(lambda b: base64.b64encode(b).decode())
    return st.one_of(
        valid,
        valid.map(lambda s: s.replace("+", "-").replace("/", "_")),
        valid.map(lambda s: s[:-1]),
        valid.map(lambda s: s[: len(s) // 2] + "\\/" + s[len(s) // 2 :]),
        valid.map(lambda s: s[: len(s) // 2] + " " + s[len(s) // 2 + 1 :]),
        valid.map(lambda s: s[: len(s) // 3] + "=" + s[len(s) // 3 + 1 :]),
        st.sampled_from(["[trimmed: 4800 bytes]", "", "====", "AAAA" * 20 + "é" + "AAA"]),
    )


ids = st.one_of(st.sampled_from(["resp_1", "item_1", "", "x\"y", "\u00e9"]), st.sampled_from([None, 0, ["a"]]))
timestamps = st.one_of(st.none(), st.floats(0, 2e9, allow_nan=False), st.integers(0, 2 * 10**12),
                       st.sampled_from(["2025-11-20T10:00:00.5Z", "10:00:00 AM", "1763632800.5", "soon"]))  # fmt: skip


@st.composite
def digestible_lines(draw: st.DrawFn) -> bytes:
    """Audio lines as recorders write them: each must have a digest."""
    t = draw(st.sampled_from(AUDIO_TYPES))
    key = "audio" if t == "input_audio_buffer.append" else "delta"
    obj: dict[str, object] = {"type": t, "event_id": "event_1"}
    if key == "delta":
        obj |= {"response_id": draw(st.sampled_from(["resp_1", "", "\u00e9"])), "item_id": "item_1", "content_index": 0}
    if draw(st.booleans()):
        obj["timestamp"] = draw(timestamps)
    reordered = draw(st.booleans())  # (an envelope: as a line that does not start with its type)
    envelope = draw(st.sampled_from([None, None, "time-source", "direction-data"]))
    reordered = reordered or envelope is not None  # (a line that does not start with its type is digested when long)
    obj[key] = base64.b64encode(draw(st.binary(min_size=800 if reordered else 48, max_size=1200))).decode()
    if reordered:
        obj = {k: obj[k] for k in draw(st.permutations(list(obj)))}
    if envelope == "time-source":
        obj = {"time": "2026-01-01T00:00:00.398Z", "source": "client" if key == "audio" else "server", "event": obj}
    elif envelope == "direction-data":
        obj = {"kind": "message", "direction": "sent" if key == "audio" else "received", "data": obj}
    style = draw(st.sampled_from(["orjson", "python"]))
    line = orjson.dumps(obj) if style == "orjson" else json.dumps(obj).encode()
    return line + draw(st.sampled_from([b"\n", b"\r\n", b""]))


@st.composite
def audio_lines(draw: st.DrawFn) -> bytes:
    t = draw(st.sampled_from(AUDIO_TYPES + ["response.audio_transcript.delta"]))
    key = "audio" if t == "input_audio_buffer.append" else "delta"
    fields: dict[str, object] = {"type": t}
    for name in ("event_id", "response_id", "item_id"):
        if draw(st.integers(0, 5)):
            fields[name] = draw(ids)
    if draw(st.booleans()):
        fields["timestamp"] = draw(timestamps)
    where = draw(st.sampled_from([key] * 6 + ["delta", "audio", None]))  # the payload's key, or none at all
    if where is not None:
        fields[where] = draw(payloads())
    if draw(st.integers(0, 3)) == 0:
        fields["item"] = {"id": "item_2", key: draw(payloads())}  # a nested key of the payload's name
    if draw(st.integers(0, 4)) == 0:  # the other audio key too ("delta" is looked for first)
        fields["audio" if where == "delta" else "delta"] = draw(payloads())
    if draw(st.booleans()):
        fields["output_index"] = 0
    order = draw(st.permutations(list(fields)))
    if order[0] != "type" and draw(st.integers(0, 3)):
        order = ["type", *[k for k in order if k != "type"]]  # mostly as recorders write them
    obj: dict[str, object] = {k: fields[k] for k in order}
    envelope = draw(st.sampled_from([None, None, "time-source", "direction-data", "ts-dir-payload"]))
    if envelope == "time-source":  # recorders' envelopes (see events.PAYLOAD_KEYS)
        obj = {"time": draw(timestamps), "source": draw(st.sampled_from(["server", "client", "x"])), "event": obj}
    elif envelope == "direction-data":
        obj = {"kind": "message", "direction": draw(st.sampled_from(["received", "sent"])), "data": obj}
    elif envelope == "ts-dir-payload":
        obj = {"ts": draw(timestamps), "dir": "s2c", "payload": orjson.dumps(obj).decode() if draw(st.booleans()) else obj}
    style = draw(st.sampled_from(["orjson", "python", "python-ascii"]))
    if style == "orjson":
        line = orjson.dumps(obj)
    else:
        line = json.dumps(obj, ensure_ascii=style == "python-ascii").encode()
    twice = draw(st.sampled_from([None] * 8 + [key, "type"]))
    if twice is not None:  # a key given twice (the last one counts)
        value = draw(payloads()) if twice == key else draw(st.sampled_from(AUDIO_TYPES + ["session.update"]))
        line = line[:-1] + b',"' + twice.encode() + b'":' + orjson.dumps(value) + b"}"
    return line + draw(st.sampled_from([b"\n", b"\r\n", b"", b"  \n"]))


def reference_cut(line: bytes) -> tuple[dict[str, Any], str, int, int] | None:
    """`cut_audio_payload` as first written: "delta" looked for first, then "audio"."""
    for needle, key in ((b'"delta":', "delta"), (b'"audio":', "audio")):
        i = line.find(needle)
        if i < 0:
            continue
        start = i + 9 if line[i + 8 : i + 9] == b'"' else i + 10 if line[i + 8 : i + 10] == b' "' else 0
        end = line.find(b'"', start) if start else -1
        if end < 0 or line.find(b"\\", start, end) >= 0 or line.find(needle[:-1], end) >= 0:
            return None
        try:
            obj = orjson.loads(line[:start] + line[end:])
        except orjson.JSONDecodeError:
            return None
        return (obj, key, start, end) if type(obj) is dict else None
    return None


def check(line: bytes) -> None:
    assert cut_audio_payload(line) == reference_cut(line)
    check_unchecked(line)
    digest = audio_digest(line)
    if digest is None:
        return
    ev = taken_by_reader(line, "a digest")
    info = ev.audio_info()
    assert info is not None and info.problem is None
    assert digest == (ev.type, info.nbytes, ev.data.get("response_id"), ev.data.get("item_id"), ev.timestamp)


def taken_by_reader(line: bytes, what: str) -> Event:
    """`parse_line`'s Event of a line that has `what` (a digest of a line the reader
    rejects would be a silent wrong answer), its direction the one its type implies."""
    try:
        ev = parse_line(line, "f.jsonl", 1)
    except BadLine as exc:  # pragma: no cover - the failure this test is for
        raise AssertionError(f"{what} for a line the reader rejects ({exc}): {line[:200]!r}") from None
    assert ev.direction == ("client" if ev.type == "input_audio_buffer.append" else "server")
    return ev


def check_unchecked(line: bytes) -> None:
    """`audio_digest(line, check=False)` (a line only passed over): the checked digest
    wherever that exists; where only it exists, a line `parse_line` takes, with the same
    type, ids and time (a line the reader would warn about never goes by unsaid)."""
    loose, strict = audio_digest(line, False), audio_digest(line)
    if strict is not None:
        assert loose == strict
    if loose is None:
        return
    ev = taken_by_reader(line, "an unchecked digest")
    assert (ev.type, ev.data.get("response_id"), ev.data.get("item_id"), ev.timestamp) == (loose[0], loose[2], loose[3], loose[4])


@settings(max_examples=1000, deadline=None)
@given(audio_lines(), st.integers(0, 10**6), st.binary(min_size=1, max_size=3))
def test_a_damaged_payload_passed_over_is_judged_as_the_reader_judges_it(line: bytes, at: int, junk: bytes) -> None:
    """Junk inside the payload (control characters, quotes, backslashes, bytes that are not
    UTF-8): the unchecked digest takes the line only where `parse_line` takes it."""
    cut = cut_audio_payload(line)
    if cut is None:
        return
    _, _, start, end = cut
    if end - start < 2:
        return
    at = start + at % (end - start - 1)
    check_unchecked(line[:at] + junk + line[at + len(junk) :])


@settings(max_examples=500, deadline=None)
@given(digestible_lines())
def test_an_audio_line_as_recorders_write_it_has_a_digest(line: bytes) -> None:
    assert audio_digest(line) is not None
    check(line)


@settings(max_examples=1000, deadline=None)
@given(audio_lines())
def test_a_digest_is_what_the_event_says(line: bytes) -> None:
    check(line)


@settings(max_examples=1000, deadline=None)
@given(audio_lines() | digestible_lines(), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 3), st.binary(max_size=3)), max_size=4))  # fmt: skip
def test_a_mutated_line_has_no_digest_or_the_events(line: bytes, edits: list[tuple[int, int, bytes]]) -> None:
    data = bytearray(line)
    for at, drop, insert in edits:
        at %= len(data) + 1
        data[at : at + drop] = insert
    check(bytes(data))


def test_the_digest_of_a_bare_audio_line() -> None:
    """Exact values of the common cases (compact and spaced, padded payloads)."""
    pcm = bytes(range(200))
    b64 = base64.b64encode(pcm).decode()
    delta = {"type": "response.audio.delta", "event_id": "e", "response_id": "r", "item_id": "i", "delta": b64}
    assert audio_digest(orjson.dumps(delta) + b"\n") == ("response.audio.delta", 200, "r", "i", None)
    spaced = json.dumps({**delta, "type": "response.output_audio.delta", "timestamp": 1763632800500}).encode()
    assert audio_digest(spaced) == ("response.output_audio.delta", 200, "r", "i", 1763632800.5)
    append = {"type": "input_audio_buffer.append", "audio": base64.b64encode(pcm[:199]).decode()}
    assert audio_digest(orjson.dumps(append)) == ("input_audio_buffer.append", 199, None, None, None)
    assert audio_digest(orjson.dumps({**append, "audio": b64.replace("A", "-")})) is None  # not strict base64
    assert audio_digest(orjson.dumps({**delta, "response_id": 7})) is None  # ids of another type: as an Event


def test_a_line_passed_over_is_not_checked_as_base64() -> None:
    """`check=False`: a long line whose payload is not base64 (but is what `parse_line`
    cuts out) still has a digest, its size what valid base64 that long decodes to; a short
    one, which `parse_line` parses whole, and a payload with an escape go the normal way."""
    pcm = bytes(range(256)) * 8  # 2,048 bytes: a line well past SPLICE_MIN
    b64 = base64.b64encode(pcm).decode()
    append = {"type": "input_audio_buffer.append", "event_id": "e", "audio": b64.replace("A", "!")}
    line = orjson.dumps(append) + b"\n"
    assert audio_digest(line) is None
    assert audio_digest(line, False) == ("input_audio_buffer.append", 2048, None, None, None)
    assert audio_digest(orjson.dumps({**append, "audio": b64[:-4] + "AA=="}), False)[1] == 2047  # (two = of padding: 683 × 3 − 2)
    short = orjson.dumps({**append, "audio": base64.b64encode(pcm[:300]).decode().replace("A", "!")})
    assert len(short) <= 1024 and audio_digest(short, False) is None
    escaped = orjson.dumps({**append, "audio": b64[:100] + "/" + b64[101:]}).replace(b"/", b"\\/", 1)
    assert audio_digest(escaped, False) is None


def test_a_key_given_twice_leaves_the_line_to_the_event() -> None:
    """JSON's last value of a key counts: a second `type` or payload key would make the
    digest of the first one wrong, so there is none."""
    b64 = base64.b64encode(bytes(120)).decode()
    line = orjson.dumps({"type": "response.audio.delta", "response_id": "r", "item_id": "i", "delta": b64})
    for extra in (b',"type":"session.update"}', b',"delta":""}', b',"delta":"' + b64.encode() + b'"}'):
        twice = line[:-1] + extra
        assert audio_digest(twice) is None
        check(twice)
    nested = orjson.dumps({"type": "response.audio.delta", "item": {"delta": b64}, "response_id": "r", "item_id": "i", "delta": ""})
    assert audio_digest(nested) is None
