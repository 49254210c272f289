"""Pseudonyms for ids: the same id, the same pseudonym, under a salt.

Owns the shape of a pseudonym — the id's prefix (`item_`, `resp_`, `call_`…) kept, then hex
from HMAC-SHA256(salt, id), then a check made with the same salt, so a pseudonym is
recognised and left alone by a second run (redacting twice changes nothing more).
"""

from __future__ import annotations

import hashlib
import hmac

CHECK = 8  # hex digits that let a pseudonym be recognised with the same salt


def pseudonym(value: str, salt: bytes) -> str:
    """The pseudonym of the id `value` (itself if it is one already, made with `salt`)."""
    prefix, _, rest = value.rpartition("_") if "_" in value else ("", "", value)
    prefix = f"{prefix}_" if prefix else ""
    if _is_pseudonym(rest, salt):
        return value
    n = max(len(rest), 16) - CHECK
    body = _hex(salt, b"id:" + value.encode(), n)
    return prefix + body + _hex(salt, b"check:" + body.encode(), CHECK)


def _hex(salt: bytes, msg: bytes, n: int) -> str:
    out, i = "", 0
    while len(out) < n:
        out += hmac.new(salt, msg + bytes([i]), hashlib.sha256).hexdigest()
        i += 1
    return out[:n]


def _is_pseudonym(rest: str, salt: bytes) -> bool:
    if len(rest) < 16 or any(c not in "0123456789abcdef" for c in rest):
        return False
    body, check = rest[:-CHECK], rest[-CHECK:]
    return _hex(salt, b"check:" + body.encode(), CHECK) == check
