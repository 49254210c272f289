"""The fast audio digest: what the commands need of an audio line, without an Event.

Audio lines are ~95 % of a log's bytes. A digest is (type as recorded, decoded bytes,
response_id, item_id, timestamp), made with a strict base64 check and the JSON around the
payload parsed with the payload cut out, so a line is judged exactly as `parse_line`
would judge it; anything unusual has no digest and goes the normal way.
"""

from __future__ import annotations

from typing import Any

import orjson

from rtlog.protocol.events import BadLine, _from_object
from rtlog.protocol.payload import SPLICE_MIN, b64_decoded_size, cut_audio_payload
from rtlog.protocol.realtime import AUDIO_PAYLOAD_KEY, CLIENT, INPUT_AUDIO_APPEND, OUTPUT_AUDIO_DELTA, SERVER
from rtlog.protocol.timestamps import parse_timestamp

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
        return _any_audio_digest(line) if len(line) > SPLICE_MIN else None
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
