"""Base64 audio payloads without decoding them: the decoded size, strictness, the
placeholders recorders leave (`[trimmed: 4800 bytes]`), and cutting the payload out of a
raw line so the rest can be parsed without turning ~95 % of a log's bytes into a str.
"""

from __future__ import annotations

import binascii
import re
from typing import Any

import orjson
from pybase64 import b64decode

from rtlog.records import record


@record(slots=True)
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



SPLICE_MIN = 1024  # shorter lines are simply parsed whole
_AUDIO_KEYS = ((b'"delta":', "delta"), (b'"audio":', "audio"))


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
