"""Band-limited sample-rate conversion of a PCM16 stream: a polyphase windowed-sinc filter.

Owns `SincResampler` (and its filter design, `design`). Linear interpolation, what rtlog
used before, leaves images: 8 kHz G.711 brought to 24 kHz by it keeps copies of the speech
at 8 kHz ± f, audible as a metallic hiss. Here every output sample is the input convolved
with a Kaiser-windowed sinc whose cutoff is the lower of the two Nyquist frequencies (images
and aliases ≥ 60 dB down for tones up to 0.42 × the lower rate: `tests/test_resample.py`).

The rates are reduced to L/M (up by L, down by M); the filter is cut into L phases of K
taps (K = 2 × 16 zero crossings, × M/L when the rate goes down, so the transition band stays
as narrow relative to the output). Output sample n sits at input position n·M/L; it needs
K/2 input samples past that position, so a stream's output lags its input by K/2 input
samples until `flush` (which pads with silence: a stream starts and ends in silence).
`pending` says how many output frames are owed at a given point, so a caller that places
chunks by time can place the output where it belongs.

With numpy (the optional `audio` extra, imported only when a rate is converted) the
outputs are computed a block at a time (their windows gathered, multiplied by their phases'
taps and summed): 0.2–0.45 µs per output sample. Without it, pure Python over lists:
one `sum(map(mul, taps, window))` per output sample, 2–6 µs each (figures in
bench/results-resample.md; `RTLOG_NO_NUMPY=1` forces this path). The two give the same samples but for a rare ±1 where a sum
rounds the other way (summation order). Memory: the chunk being converted plus K samples
of history, and with numpy a block of `_NP_BLOCK` × K floats.
"""

from __future__ import annotations

import os
import sys
from array import array
from math import ceil, gcd, pi, sin, sqrt
from operator import mul
from typing import Any

_BIG_ENDIAN = sys.byteorder == "big"

#: zero crossings of the sinc on each side (at the lower rate): the filter's length
ZERO_CROSSINGS = 16
#: Kaiser window's β: stopband ~80 dB below the passband
KAISER_BETA = 7.86


def _i0(x: float) -> float:
    """The modified Bessel function of the first kind, order 0 (power series)."""
    total = term = 1.0
    k = 1
    half = x / 2
    while term > 1e-12 * total:
        term *= (half / k) ** 2
        total += term
        k += 1
    return total


def design(up: int, down: int) -> tuple[list[list[float]], int]:
    """The polyphase filter for a conversion by up/down (reduced): `up` phases of K taps
    each, and K. Phase p holds the taps that make output position i·up + p (in units of
    1/up input samples) from input samples i - K/2 + 1 … i + K/2, in that order; each
    phase sums to 1 (DC passes unchanged, whatever the phase)."""
    ratio = max(1.0, down / up)
    half = ceil(ZERO_CROSSINGS * ratio)  # input samples on each side
    k = 2 * half
    fc = 0.5 / ratio  # cutoff, cycles per input sample
    span = half * up  # the window's half-length, in 1/up input samples
    norm = _i0(KAISER_BETA)
    phases = []
    for p in range(up):
        taps = []
        for j in range(k):
            d = (p + (half - 1 - j) * up) / up  # distance from the output position, input samples
            x = 2 * fc * d
            s = 2 * fc * (sin(pi * x) / (pi * x) if x else 1.0)
            r = d * up / span
            w = _i0(KAISER_BETA * sqrt(1 - r * r)) / norm if abs(r) < 1 else 0.0
            taps.append(s * w)
        total = sum(taps)
        phases.append([t / total for t in taps])
    return phases, k


_DESIGNS: dict[tuple[int, int], tuple[list[list[float]], int]] = {}
#: outputs computed at a time with numpy
_NP_BLOCK = 4096
#: numpy, once imported (False: not installed, or RTLOG_NO_NUMPY set)
_np_module: Any = None


def _numpy() -> Any:
    global _np_module
    if _np_module is None:
        _np_module = False
        if not os.environ.get("RTLOG_NO_NUMPY"):
            try:
                import numpy

                _np_module = numpy
            except ImportError:  # pragma: no cover - depends on the install
                pass
    return _np_module or None


class SincResampler:
    """`src` → `dst` Hz over a stream of PCM16 chunks (native-endian in the WAV sense:
    little-endian bytes). `process` returns what can be computed so far; `flush` the rest
    (the end of the stream, padded with silence); after `flush` it starts a new stream."""

    def __init__(self, src: int, dst: int, *, fast: bool = True) -> None:
        """`fast`: with numpy when it is installed (False: the pure Python path)."""
        g = gcd(src, dst)
        self.up = dst // g  # L
        self.down = src // g  # M
        key = (self.up, self.down)
        if key not in _DESIGNS:
            _DESIGNS[key] = design(*key)
        self._phases, self._k = _DESIGNS[key]
        self._np = _numpy() if fast else None
        if self._np is not None:
            self._taps = self._np.array(self._phases, dtype=self._np.float64)
        self._reset()

    def _reset(self) -> None:
        half = self._k // 2
        self._buf: Any = [0] * (half - 1)  # history (a list, or with numpy an array); buf[0] is input sample `_base`
        if self._np is not None:
            self._buf = self._np.zeros(half - 1)
        self._base = -(half - 1)
        self._n_in = 0  # input samples taken
        self._n_out = 0  # output samples made

    @property
    def pending(self) -> int:
        """Output samples owed for the input taken so far (made when more input or
        `flush` comes): where the next output sample sits, behind the input's end."""
        return -(-self._n_in * self.up // self.down) - self._n_out

    def process(self, data: bytes) -> bytes:
        np = self._np
        if np is not None:
            x = np.frombuffer(data, dtype="<i2")
            self._buf = np.concatenate((self._buf, x))
        else:
            x = array("h", data)
            if _BIG_ENDIAN:
                x.byteswap()
            self._buf.extend(x)
        self._n_in += len(x)
        return self._run(self._n_in - 1 - self._k // 2)

    def flush(self) -> bytes:
        """The output still owed (the stream's end, padded with silence); then a new stream."""
        if self._n_in == 0:
            self._reset()
            return b""
        if self._np is not None:
            self._buf = self._np.concatenate((self._buf, self._np.zeros(self._k // 2)))
        else:
            self._buf.extend([0] * (self._k // 2))
        out = self._run(self._n_in - 1)
        self._reset()
        return out

    def _run(self, last: int) -> bytes:
        """Make the output samples that sit at input `last` or before (their windows end
        at `last + K/2`, which the buffer holds)."""
        if self._np is not None:
            return self._run_np(last)
        up, down, k = self.up, self.down, self._k
        half = k // 2
        phases = self._phases
        buf, base = self._buf, self._base
        n = self._n_out
        # output n sits at input i = n·M // L, phase n·M % L; its window is i-K/2+1 … i+K/2
        stop = -(-(last + 1) * up // down)  # the outputs with i <= last: n·M < (last + 1)·L
        out = array("h", bytes(2 * max(stop - n, 0)))
        o = 0
        t = n * down
        lo, hi = -32768, 32767
        while n < stop:
            i, p = divmod(t, up)
            s = i - half + 1 - base
            y = sum(map(mul, phases[p], buf[s : s + k]))
            v = int(y + 0.5) if y >= 0 else -int(0.5 - y)
            out[o] = lo if v < lo else hi if v > hi else v
            o += 1
            n += 1
            t += down
        self._n_out = n
        # keep the history the next output needs
        first = (n * down) // up - half + 1
        drop = first - base
        if drop > 0:
            del buf[:drop]
            self._base = first
        if _BIG_ENDIAN:
            out.byteswap()
        return out.tobytes()

    def _run_np(self, last: int) -> bytes:
        np = self._np
        up, down, k = self.up, self.down, self._k
        half = k // 2
        n0 = self._n_out
        stop = -(-(last + 1) * up // down)
        if stop <= n0:
            return b""
        windows = np.lib.stride_tricks.sliding_window_view(self._buf, k)
        parts = []
        for a in range(n0, stop, _NP_BLOCK):
            t = np.arange(a, min(a + _NP_BLOCK, stop), dtype=np.int64) * down
            i, p = np.divmod(t, up)
            y = (windows[i - half + 1 - self._base] * self._taps[p]).sum(axis=1)
            y = np.where(y >= 0, np.floor(y + 0.5), -np.floor(0.5 - y))  # (half away from zero, as the pure path)
            parts.append(np.clip(y, -32768, 32767).astype("<i2").tobytes())
        self._n_out = stop
        first = (stop * down) // up - half + 1
        drop = first - self._base
        if drop > 0:
            self._buf = self._buf[drop:]
            self._base = first
        return b"".join(parts)


class ResampledWriter:
    """A `rtlog.audio.wav.WavWriter` (or anything with begin/write/finish/close/nbytes)
    whose PCM16 audio, mono or interleaved stereo, is resampled to `rate` on the way: for
    an extraction that writes its output as one stream (GPT-Live's), `--out-rate`."""

    def __init__(self, writer: Any, rate: int) -> None:
        self.writer = writer
        self.rate = rate
        self.channels = 1
        self._rs: list[SincResampler] = []
        self._carry = b""

    @property
    def nbytes(self) -> int:
        return int(self.writer.nbytes)

    @property
    def rf64(self) -> bool:
        return bool(self.writer.rf64)

    def begin(self, encoding: str, rate: int, channels: int) -> None:
        self.channels = channels
        if rate != self.rate:
            self._rs = [SincResampler(rate, self.rate) for _ in range(channels)]
        self.writer.begin(encoding, self.rate, channels)

    def write(self, data: bytes) -> None:
        if not self._rs:
            self.writer.write(data)
            return
        frame = 2 * self.channels
        data = self._carry + bytes(data)
        n = len(data) - len(data) % frame
        self._carry = data[n:]
        self._emit([rs.process(part) for rs, part in zip(self._rs, self._split(data[:n]))])

    def _split(self, data: bytes) -> list[bytes]:
        if self.channels == 1:
            return [data]
        left, right = bytearray(len(data) // 2), bytearray(len(data) // 2)
        left[0::2], left[1::2], right[0::2], right[1::2] = data[0::4], data[1::4], data[2::4], data[3::4]
        return [bytes(left), bytes(right)]

    def _emit(self, parts: list[bytes]) -> None:
        if self.channels == 1:
            out = parts[0]
        else:
            a, b = parts  # (the same input count through the same filter: the same length)
            buf = bytearray(2 * len(a))
            buf[0::4], buf[1::4], buf[2::4], buf[3::4] = a[0::2], a[1::2], b[0::2], b[1::2]
            out = bytes(buf)
        if out:
            self.writer.write(out)

    def finish(self) -> None:
        if self._rs:
            self._emit([rs.flush() for rs in self._rs])
        self.writer.finish()

    def close(self) -> None:
        self.writer.close()
