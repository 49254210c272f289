"""G.711 μ-law and A-law → 16-bit linear PCM, by table lookup (ITU-T G.711).

Owns the two 256-entry decoding tables and fast whole-chunk decoding (two C-level
`bytes.translate` passes, one for each byte of the little-endian result). The tables
are the standard expansions scaled to 16 bits — μ-law: ±(((2q+33) << s) − 33) × 4,
A-law: ±(2q+1) × 8 in segment 0 and ±((2q+33) << (s−1)) × 8 above — the values
Sun's `g711.c` and Python's former `audioop.ulaw2lin`/`alaw2lin` produce.

Python's `audioop` is gone in 3.13, hence the tables. Encoding is not needed: rtlog only
reads audio.
"""

from __future__ import annotations

from rtlog.protocol.formats import ALAW, ULAW

#: the sample value of silence in each encoding (what a gap is filled with)
SILENCE_BYTE = {ULAW: 0xFF, ALAW: 0xD5}


def _ulaw(code: int) -> int:
    u = ~code & 0xFF  # μ-law codes are stored inverted
    segment = (u >> 4) & 0x07
    step = u & 0x0F
    magnitude = ((((step << 1) + 33) << segment) - 33) << 2
    return -magnitude if u & 0x80 else magnitude


def _alaw(code: int) -> int:
    a = code ^ 0x55  # even bits are inverted on the wire
    segment = (a >> 4) & 0x07
    step = a & 0x0F
    if segment == 0:
        magnitude = ((step << 1) + 1) << 3
    else:
        magnitude = (((step << 1) + 33) << (segment - 1)) << 3
    return magnitude if a & 0x80 else -magnitude


#: code → 16-bit sample
ULAW_TO_LINEAR: tuple[int, ...] = tuple(_ulaw(c) for c in range(256))
ALAW_TO_LINEAR: tuple[int, ...] = tuple(_alaw(c) for c in range(256))


def _split_table(table: tuple[int, ...]) -> tuple[bytes, bytes]:
    lo = bytes(v & 0xFF for v in table)
    hi = bytes((v >> 8) & 0xFF for v in table)
    return lo, hi


_TABLES = {ULAW: _split_table(ULAW_TO_LINEAR), ALAW: _split_table(ALAW_TO_LINEAR)}


def to_pcm16(data: bytes, encoding: str) -> bytes:
    """Decode G.711 bytes (`g711_ulaw` or `g711_alaw`) to PCM16 little-endian."""
    lo, hi = _TABLES[encoding]
    out = bytearray(2 * len(data))
    out[0::2] = data.translate(lo)
    out[1::2] = data.translate(hi)
    return bytes(out)
