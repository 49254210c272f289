"""The fast audio digest: what the commands need of an audio line, without an Event.

Audio lines are ~95 % of a log's bytes. A digest is (type as recorded, decoded bytes,
response_id, item_id, timestamp), made with a strict base64 check and the JSON around the
payload parsed with the payload cut out, so a line is judged exactly as `parse_line`
would judge it; anything unusual has no digest and goes the normal way.
"""

from __future__ import annotations

import binascii
from typing import Any

import orjson
from pybase64 import b64decode

from rtlog.protocol.events import unwrap
from rtlog.protocol.payload import SPLICE_MIN
from rtlog.protocol.realtime import CLIENT, INPUT_AUDIO_APPEND, KNOWN_TYPES, OUTPUT_AUDIO_DELTA, SERVER, infer_direction
from rtlog.protocol.timestamps import parse_timestamp

AudioDigest = tuple[str, int, Any, Any, "float | None"]

DIGEST_MIN_PAYLOAD = 64  # shorter payloads (placeholders, empty chunks) take the normal path
#: the payload key of an audio line sits in its first kilobyte, wherever the keys are in
#: the event and whatever envelope is around it; a line where it does not goes the normal way
DIGEST_HEAD = 1024
#: the audio types a digest is made for: the key of their payload, the side that sends them
_DIGEST_KEYS = {"response.audio.delta": "delta", OUTPUT_AUDIO_DELTA: "delta", INPUT_AUDIO_APPEND: "audio"}
# bare lines start with their type, as recorders write them: compact (orjson, JS) or
# Python's json.dumps; an audio line's payload key is then known, and a line of another
# known type has no digest ("error" may be an envelope's, as `_from_object` says: searched)
_DELTA_PREFIXES = (b'{"type":"response.audio.delta"', b'{"type": "response.audio.delta"',
                   b'{"type":"response.output_audio.delta"', b'{"type": "response.output_audio.delta"')
_APPEND_PREFIXES = (b'{"type":"input_audio_buffer.append"', b'{"type": "input_audio_buffer.append"')
_TYPE_FIRST = (b'{"type":"', b'{"type": "')
_OTHER_TYPES = frozenset(t.encode() for t in KNOWN_TYPES if t not in _DIGEST_KEYS and t != "error")
_DIGEST_SIDES = {"response.audio.delta": SERVER, OUTPUT_AUDIO_DELTA: SERVER, INPUT_AUDIO_APPEND: CLIENT}


def audio_digest(line: bytes, check: bool = True) -> AudioDigest | None:
    """What the commands need of an audio line, without building an Event: None unless the
    line holds one audio event whose own payload is strict base64 of at least
    `DIGEST_MIN_PAYLOAD` characters, and, for assistant audio, string `response_id` and
    `item_id` (anything else — escapes, whitespace, other alphabets, placeholders, ids
    elsewhere, a direction that contradicts the type — goes the normal way, which decides).
    `check=False`, for a line only passed over (the side mono extract-audio does not write:
    nothing reads its audio, and nothing is said of it): the payload is not checked as
    base64, only for what `parse_line` itself requires of a payload it cuts out of a long
    line (no backslash: `payload.cut_audio_payload`; a short line it parses whole is
    checked as before), so the line is judged as `parse_line` judges it; the size is what
    the payload decodes to if it is base64.

    One flat pass, whatever the order of the keys: the payload is found by its key
    (`"delta":` else `"audio":` in the first `DIGEST_HEAD` bytes; a second such key after it
    leaves the line to the Event), checked as strict base64 without a str, and the rest of
    the line is parsed with the payload cut out (as `cut_audio_payload` does), so the line
    is judged as JSON exactly as `parse_line` would judge it. A bare event (a known type at
    the top, as `events._from_object` decides) is read straight from that object; an
    envelope is read by `events.unwrap`, as `_from_object` reads it, so its direction and time
    follow the same rules."""
    if line.startswith(_DELTA_PREFIXES):  # bare, type first (the common case): the key is known
        key, needle = "delta", b'"delta"'
        i = line.find(b'"delta":', 30, DIGEST_HEAD)
    elif line.startswith(_APPEND_PREFIXES):
        key, needle = "audio", b'"audio"'
        i = line.find(b'"audio":', 30, DIGEST_HEAD)
    else:
        if line.startswith(_TYPE_FIRST):  # a bare event of another known type: no digest
            q = 9 if line[8] == 34 else 10  # (compact, or Python's json.dumps: `{"type": "`)
            if line[q : line.find(b'"', q, q + 80)] in _OTHER_TYPES:
                return None  # (None is always right: the Event decides)
        i = line.find(b'"delta":', 0, DIGEST_HEAD)
        if i >= 0:
            key, needle = "delta", b'"delta"'
        else:
            i = line.find(b'"audio":', 0, DIGEST_HEAD)
            key, needle = "audio", b'"audio"'
    if i < 0:
        return None
    i += 8
    q = line[i : i + 1]
    if q == b'"':
        start = i + 1
    elif q == b" " and line[i + 1 : i + 2] == b'"':
        start = i + 2
    else:
        return None
    stop = line.find(b'"', start)
    if stop - start < DIGEST_MIN_PAYLOAD or line.find(needle, stop) >= 0:
        return None  # (stop < 0 too) a placeholder or an empty chunk, or a second such key
    if check or len(line) <= SPLICE_MIN:  # (a short line `parse_line` parses whole: its payload must be JSON)
        try:  # strict base64 (`payload.b64_decoded_size`, inlined: this runs for most of a log's bytes)
            size = len(b64decode(line[start:stop], None, True))  # validate=True, passed by position (a keyword costs
            # more than the decoding of a typical chunk's check); an escape, a backslash, fails it too
        except binascii.Error:
            return None
    elif line.find(b"\\", start, stop) >= 0:
        return None  # (an escape: the payload's end is not its first quote; `parse_line` decides)
    else:
        n = stop - start
        size = n * 3 // 4 if n % 4 else n // 4 * 3 - line.count(b"=", stop - 2, stop)
    try:
        d = orjson.loads(line[:start] + line[stop:])
    except orjson.JSONDecodeError:
        return None
    if type(d) is not dict:
        return None
    t = d.get("type")
    if type(t) is str and t in KNOWN_TYPES and t != "error":  # a bare event (`_from_object`'s rule)
        if _DIGEST_KEYS.get(t) != key or d.get(key) != "":
            return None  # another event, or not the event's own payload
        ts = d.get("timestamp")
        if ts is not None and not (type(ts) is float and 0.0 <= ts < 1e11):  # (epoch seconds are themselves)
            ts = parse_timestamp(ts)
    else:  # an envelope (or no event at all): read as `_from_object` reads one, without an Event
        event, t, direction, ts = unwrap(d)
        if event is None or _DIGEST_KEYS.get(t) != key or event.get(key) != "":
            return None
        if _DIGEST_SIDES[t] != (direction or infer_direction(t)):
            return None
        d = event
    rid, item = d.get("response_id"), d.get("item_id")
    if key == "delta" and (type(rid) is not str or type(item) is not str):
        return None  # ids elsewhere (`response.id`, `item.id`) or of another type: as an Event
    return t, size, rid, item, ts
