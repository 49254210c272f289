"""Decoding and converting chunks: base64 → bytes, source format → output format.

Owns strict base64 decoding (`decode_b64`), G.711 decoding and rate conversion per stream
(`Converter`, through `rtlog.audio.resample.SincResampler`: band-limited, no images), the names of the encodings in messages, and `FormatChange`, raised when
the output cannot follow a change of format (`--keep-encoding`). Nothing here knows sides,
placement or files.
"""

from __future__ import annotations

import binascii
import sys
from typing import Any

from pybase64 import b64decode

from rtlog.audio import g711
from rtlog.audio.resample import SincResampler
from rtlog.protocol.formats import ALAW, PCM16, ULAW, AudioFormat

ENCODING_NAMES = {PCM16: "PCM16", ULAW: "G.711 μ-law", ALAW: "G.711 A-law"}


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


class FormatChange(Exception):
    """The audio's format changes in a way the output cannot follow (message for the user)."""


class Converter:
    """Source-format chunks → the output encoding and rate (G.711 decoded to PCM16
    unless kept; rates converted). One per stream, so interpolation state is per stream."""

    def __init__(self, encoding: str, rate: int, keep: bool = False) -> None:
        self.encoding = encoding
        self.rate = rate
        self.keep = keep
        self._resampler: SincResampler | None = None
        self._from = 0  # the rate the resampler converts from

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
            if rs is not None and self._from == fmt.rate:
                return rs.process(data)
            head = rs.flush() if rs is not None else b""  # (the rate changes within the stream)
            self._resampler, self._from = SincResampler(fmt.rate, self.rate), fmt.rate
            return head + self._resampler.process(data)
        if self._resampler is not None:  # back at the output rate: what the resampler held comes first
            head, self._resampler = self._resampler.flush(), None
            return head + data
        return data

    @property
    def pending(self) -> int:
        """Output frames owed for the audio converted so far (rate conversion lags by half
        its filter): the next chunk's output starts that much before the chunk."""
        return self._resampler.pending if self._resampler is not None else 0

    def tail(self) -> bytes:
        """The converted samples still held back (rate conversion lags by half its
        filter): the end of the current stream."""
        rs = self._resampler
        return rs.flush() if rs is not None else b""
