"""Writing a changed record back into its line, touching only the values that changed.

Owns finding where the event sits in a recorded line (bare, in an envelope, or as a JSON
string inside one), the ways a JSON writer may have spelled a string, and the splice: each
old value replaced where it stands as a value (not as a key), accepted only if the line then
parses back to exactly the expected record. What the values become is `record`'s business.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

from rtlog.protocol.events import PAYLOAD_KEYS, Event


def record_of(ev: Event) -> tuple[Any, tuple[str, str]]:
    """The top-level record of the line and where the event sits in it: ("bare", ""),
    ("obj", key) or ("str", key) for an event held as a JSON string."""
    env = ev.envelope
    if env is None:
        return ev.data, ("bare", "")
    for k in PAYLOAD_KEYS:
        v = env.get(k)
        if v is ev.data:
            return env, ("obj", k)
    for k in PAYLOAD_KEYS:
        v = env.get(k)
        if type(v) is str and v.lstrip()[:1] == "{":
            try:
                if orjson.loads(v) == ev.data:
                    return env, ("str", k)
            except orjson.JSONDecodeError:
                continue
    return env, ("bare", "") if ev.data is env else ("none", "")


def _encodings(s: str) -> list[bytes]:
    """The ways a JSON writer may have written the string `s`."""
    a = orjson.dumps(s)
    out = [a]
    b = json.dumps(s).encode()
    if b != a:
        out.append(b)
    for x in list(out):
        if b"/" in x:
            out.append(x.replace(b"/", b"\\/"))
    return out


def splice(body: bytes, pairs: list[tuple[str, str]], expected: Any) -> tuple[bytes, Callable[[int], int]] | None:
    """`body` with each old value replaced by its new one where it stands as a value, if the
    result parses back to exactly `expected`; with the shift of each position. None: not so."""
    news: dict[str, str] = {}
    for old, new in pairs:
        if not old or news.setdefault(old, new) != new:
            return None  # not a string, or the same value becoming two things
    cuts: list[tuple[int, int, bytes]] = []
    for old, new in news.items():
        found = False
        for enc in _encodings(old):
            at = body.find(enc)
            while at >= 0:
                end = at + len(enc)
                if body[end : end + 8].lstrip()[:1] != b":":
                    ascii_style = enc != orjson.dumps(old) and b"\\u" in enc
                    cuts.append((at, end, json.dumps(new).encode() if ascii_style else orjson.dumps(new)))
                    found = True
                at = body.find(enc, end)
        if not found:
            return None
    cuts.sort()
    if any(a[1] > b[0] for a, b in zip(cuts, cuts[1:])):
        return None
    parts, pos = [], 0
    for a, b, rep in cuts:
        parts.append(body[pos:a])
        parts.append(rep)
        pos = b
    parts.append(body[pos:])
    line = b"".join(parts)
    try:
        if orjson.loads(line) != expected:
            return None
    except orjson.JSONDecodeError:
        return None

    def shift(p: int) -> int:
        return sum(len(rep) - (b - a) for a, b, rep in cuts if b <= p)

    return line, shift
