"""Waveform peaks for the report's timeline: a stereo PCM16 WAV → min/max per column.

Owns the reduction of the call's audio (the stereo WAV that `rtlog.audio` writes, user
left, assistant right, on the conversation's timeline) to what a page can draw: for each
of at most `MAX_COLUMNS` columns, the minimum and maximum sample of each channel, as
signed bytes (the sample's top 8 bits, rounded outward so that quiet speech still shows).
The WAV is read one column at a time: memory is one column's samples, whatever the length.
"""

from __future__ import annotations

import math
import warnings
import wave
from array import array
from typing import IO

from rtlog.records import record

try:  # C speed (~1 ns a sample); removed from the standard library in 3.13 (audioop-lts then)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop as _audioop
except ImportError:  # pragma: no cover - the pure Python fallback below
    _audioop = None  # type: ignore[assignment]

#: columns at most (4 bytes each on the page): a one-hour call at 0.12 s a column
MAX_COLUMNS = 30_000
#: columns per second of audio at most: zooming in further shows no more detail
COLUMNS_PER_SECOND = 50
#: columns read from the WAV at once
_READ_COLUMNS = 64


@record(slots=True)
class Peaks:
    """`data`: per column, min and max of the left channel then of the right (int8 each)."""

    columns: int
    seconds: float  # the audio's duration (the columns span it)
    rate: int
    data: bytes


def _minmax(samples: bytes) -> tuple[int, int]:
    if not samples:
        return 0, 0
    if _audioop is not None:
        return _audioop.minmax(samples, 2)  # type: ignore[no-any-return]
    a = array("h")
    a.frombytes(samples)
    return min(a), max(a)


def _channel(frames: bytes, channel: int) -> bytes:
    if _audioop is not None:
        return _audioop.tomono(frames, 2, 1.0 - channel, float(channel))  # type: ignore[no-any-return]
    a = array("h")
    a.frombytes(frames)
    return a[channel::2].tobytes()


def _byte(v: int, up: bool) -> int:
    # the top 8 bits, rounded away from zero so that any sound is at least one step
    q = -((-v) >> 8) if up else v >> 8
    return max(-128, min(127, q)) & 0xFF


def wav_peaks(fp: IO[bytes], *, max_columns: int = MAX_COLUMNS, per_second: int = COLUMNS_PER_SECOND) -> Peaks | None:
    """Peaks of a stereo (or mono: both lanes the same) PCM16 WAV; None for an empty one
    or another format (G.711 kept as recorded is not drawn; an RF64 file, a call's WAV over
    4 GiB, which python's `wave` does not read)."""
    try:
        w = wave.open(fp, "rb")
    except (wave.Error, EOFError):
        return None
    with w:
        if w.getsampwidth() != 2 or w.getnchannels() not in (1, 2):
            return None
        frames, rate, channels = w.getnframes(), w.getframerate(), w.getnchannels()
        if frames <= 0 or rate <= 0:
            return None
        seconds = frames / rate
        wanted = max(1, min(max_columns, math.ceil(seconds * per_second)))
        step = math.ceil(frames / wanted)
        columns = math.ceil(frames / step)
        out = bytearray()
        width = 2 * channels * step  # bytes of one column
        done = 0
        while done < columns:
            many = w.readframes(step * _READ_COLUMNS)  # a few columns a read: ~1 MB
            if not many:
                break
            for at in range(0, len(many), width):
                block = many[at : at + width]
                if channels == 1:
                    lo, hi = _minmax(block)
                    out += bytes((_byte(lo, False), _byte(hi, True))) * 2
                else:
                    lo_l, hi_l = _minmax(_channel(block, 0))
                    lo_r, hi_r = _minmax(_channel(block, 1))
                    out += bytes((_byte(lo_l, False), _byte(hi_l, True), _byte(lo_r, False), _byte(hi_r, True)))
                done += 1
    return Peaks(done, seconds, rate, bytes(out))
