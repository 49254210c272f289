"""Decoding and converting chunks: base64 → bytes, source format → output format.

Owns strict base64 decoding (`decode_b64`), G.711 decoding and rate conversion per stream
(`Converter`, `Resampler`: linear interpolation, exact for integer ratios at the original
sample positions), the names of the encodings in messages, and `FormatChange`, raised when
the output cannot follow a change of format (`--keep-encoding`). Nothing here knows sides,
placement or files.
"""

from __future__ import annotations

import binascii
import sys
from array import array
from math import gcd
from typing import Any

from pybase64 import b64decode

from rtlog.audio import g711
from rtlog.protocol.formats import ALAW, PCM16, ULAW, AudioFormat

ENCODING_NAMES = {PCM16: "PCM16", ULAW: "G.711 μ-law", ALAW: "G.711 A-law"}

_BIG_ENDIAN = sys.byteorder == "big"


def decode_b64(s: str | memoryview) -> bytes:
    """Strict base64 (standard alphabet, length a multiple of 4, padding only at the end:
    what `events.b64_decoded_size` accepts), decoded by pybase64 (SIMD). binascii's
    strict mode would also take `AAAA==` (padding after a full group), which the other
    commands count as invalid. The error says why in binascii's words."""
    try:
        return b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        pass
    if sys.version_info >= (3, 11):
        binascii.a2b_base64(s, strict_mode=True)  # raises with the reason
    else:  # pragma: no cover - Python 3.10
        import base64

        base64.b64decode(s, validate=True)
    raise binascii.Error("excess padding")


class Resampler:
    """Linear interpolation from `src` to `dst` Hz over a stream of PCM16 chunks (state
    carries over chunk boundaries). Output sample n sits at input position n·src/dst;
    samples at integer positions are copied exactly."""

    def __init__(self, src: int, dst: int) -> None:
        g = gcd(src, dst)
        self.up = dst // g  # L
        self.down = src // g  # M
        self._prev: int | None = None  # last input sample of the previous chunk
        self._pos = 0  # next output position, in 1/L input samples from the buffer start

    def process(self, data: bytes) -> bytes:
        buf = array("h")
        if self._prev is not None:
            buf.append(self._prev)
        x = array("h", data)
        if _BIG_ENDIAN:
            x.byteswap()
        buf.extend(x)
        n = len(buf)
        if n == 0:
            return b""
        L, M = self.up, self.down
        limit = (n - 1) * L
        pos0 = self._pos
        count = (limit - pos0 + M - 1) // M if pos0 < limit else 0
        out = array("h", bytes(2 * count))
        half = L // 2
        for p in range(min(L, count)):
            pp = pos0 + p * M
            i0, f = divmod(pp, L)
            cnt = (count - p + L - 1) // L
            a = buf[i0 : i0 + cnt * M : M]
            if f == 0:
                out[p::L] = a
            else:
                b = buf[i0 + 1 : i0 + 1 + cnt * M : M]
                g = L - f
                out[p::L] = array("h", [(u * g + v * f + half) // L for u, v in zip(a, b)])
        self._pos = pos0 + count * M - limit
        self._prev = buf[-1]
        if _BIG_ENDIAN:
            out.byteswap()
        return out.tobytes()

    def flush(self) -> bytes:
        """The output samples after the last input sample (held at its value)."""
        if self._prev is None:
            return b""
        L, M = self.up, self.down
        count = (L - self._pos + M - 1) // M if self._pos < L else 0
        out = array("h", [self._prev]) * count
        self._prev, self._pos = None, 0
        if _BIG_ENDIAN:
            out.byteswap()
        return out.tobytes()


class FormatChange(Exception):
    """The audio's format changes in a way the output cannot follow (message for the user)."""


class Converter:
    """Source-format chunks → the output encoding and rate (G.711 decoded to PCM16
    unless kept; rates converted). One per stream, so interpolation state is per stream."""

    def __init__(self, encoding: str, rate: int, keep: bool = False) -> None:
        self.encoding = encoding
        self.rate = rate
        self.keep = keep
        self._resampler: Resampler | None = None

    def convert(self, key: Any, fmt: AudioFormat, data: bytes) -> bytes:
        if fmt.encoding != self.encoding:
            if self.keep:
                raise FormatChange(
                    f"the audio changes from {ENCODING_NAMES[self.encoding]} to {ENCODING_NAMES[fmt.encoding]}: "
                    "--keep-encoding cannot keep both (leave it out to decode everything to PCM16)"
                )
            data = g711.to_pcm16(data, fmt.encoding)
        if fmt.rate != self.rate:
            if self.encoding != PCM16:
                raise FormatChange(
                    f"the audio changes from {self.rate} Hz to {fmt.rate} Hz: "
                    "--keep-encoding cannot convert G.711 rates (leave it out)"
                )
            rs = self._resampler
            if rs is None or rs.down * self.rate != rs.up * fmt.rate:
                rs = self._resampler = Resampler(fmt.rate, self.rate)
            return rs.process(data)
        return data

    def tail(self) -> bytes:
        """The converted samples still held back (rate conversion lags by a sample): the
        end of the current stream."""
        rs = self._resampler
        return rs.flush() if rs is not None else b""
