"""Audio made silent without changing its length, and the test that audio is silent.

Owns the silence of each encoding (PCM16 `00 00`, G.711 μ-law `0xFF`, A-law `0xD5`, the
values that decode to 0), base64 silence of N decoded bytes (the same base64 length as the
recorded payload, so sizes, durations and placement are unchanged), the scrubbing of a
payload that is not strict base64 (its alphabet characters replaced, everything else kept,
so rtlog judges it as before and a lenient decoder finds only silence), and `is_silent`.
"""

from __future__ import annotations

import binascii
import re
from functools import lru_cache

from pybase64 import b64decode, b64encode

from rtlog.audio.g711 import SILENCE_BYTE
from rtlog.protocol.formats import ALAW, PCM16, ULAW

_FILL = {PCM16: 0x00, **SILENCE_BYTE}


def fill_byte(encoding: str) -> int:
    """The byte that silence is made of in `encoding` (0 for PCM16 and anything unknown)."""
    return _FILL.get(encoding, 0)


@lru_cache(maxsize=4096)
def silence_b64(nbytes: int, encoding: str) -> bytes:
    """Base64 of `nbytes` of silence in `encoding` (audio chunks come in few sizes)."""
    return b64encode(bytes([fill_byte(encoding)]) * nbytes)


_B64_CHARS = re.compile(r"[A-Za-z0-9+/_-]")


def scrub_invalid(payload: str, encoding: str) -> str:
    """A payload that is not strict base64 (URL-safe alphabet, whitespace, a bad length),
    with each alphabet character replaced by the one of base64 silence at its place among
    them and every other character kept: it stays exactly as invalid, and what a lenient
    decoder makes of it is silence."""
    pattern = silence_b64(3 * (len(payload) // 4 + 1), encoding).decode()
    count = iter(range(len(payload)))
    return _B64_CHARS.sub(lambda m: pattern[next(count) % 4], payload)


def lenient_decode(payload: str | bytes) -> bytes | None:
    """What a forgiving decoder makes of a payload (URL-safe alphabet, whitespace, missing
    padding), or None when nothing can be made of it."""
    s = payload.decode("ascii", "replace") if isinstance(payload, bytes) else payload
    s = re.sub(r"[^A-Za-z0-9+/_-]", "", s).replace("-", "+").replace("_", "/")
    s = s[: len(s) - len(s) % 4] if len(s) % 4 == 1 else s + "=" * (-len(s) % 4)
    try:
        return b64decode(s)
    except (binascii.Error, ValueError):
        return None


#: the codes that decode to the quietest value: μ-law ±0, A-law ±8 (A-law has no 0)
_QUIET_CODES = {ULAW: b"\xff\x7f", ALAW: b"\xd5\x55"}


def is_silent(data: bytes, encoding: str) -> bool:
    """True when every sample of `data` decodes to the quietest value of its encoding
    (PCM16: every byte 0, so an odd trailing byte too)."""
    return not data.translate(None, _QUIET_CODES.get(encoding, b"\x00"))
