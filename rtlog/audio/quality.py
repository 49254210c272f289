"""Audio quality: the levels of each side's decoded audio and of each response, streamed.

Owns one pass (`quality_conversation`) that decodes every audio chunk (base64, G.711 to
PCM16) while feeding the same `Fold` the other commands read, so the conversation comes out
of it too, and the measures (`AudioQuality`), over all the audio of a side as
`extract-audio --side user|assistant` writes it (sox's `stats` reads the same numbers):
- peak level (dBFS, of the largest |sample| / 32768), RMS level (dBFS), DC offset (mean
  sample / 32768), and the share of clipped samples (at ±full scale);
- per response: its leading silence (from its first byte to its first sample at or above
  -40 dBFS: the time the listener waits for audible audio, on top of the latency to the
  first byte) and long silences inside it (≥ `LONG_SILENCE_MS` of 10 ms windows whose peak
  stays under -40 dBFS, between audible audio).
Generated audio, truncated or not. Memory: a few numbers per response and less than one
10 ms window of samples each. The samples are summed by numpy when it is installed (the
`audio` extra: ~15× faster on a 1-hour log, measured), else at C speed by `array` and the
builtins (no Python loop per sample); both give the same numbers.
"""

from __future__ import annotations

import math
import operator
import sys
from array import array
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from rtlog.audio import g711
from rtlog.audio.convert import decode_b64
from rtlog.conversation.fold import Fold
from rtlog.conversation.model import Conversation
from rtlog.io.reader import Diagnostics, Source, read_events
from rtlog.protocol.formats import PCM16
from rtlog.protocol.realtime import INPUT_AUDIO_APPEND, OUTPUT_AUDIO_DELTA

SILENCE_DBFS = -40.0
_AUDIBLE = 32768 * 10 ** (SILENCE_DBFS / 20)  # a |sample| at -40 dBFS
WINDOW_MS = 10
LONG_SILENCE_MS = 500
_BIG = sys.byteorder == "big"

try:  # optional (the `audio` extra): the same sums, ~15× faster
    import numpy as _np
except ImportError:  # pragma: no cover - depends on the install
    _np = None


def _db(x: float) -> float | None:
    return None if x <= 0 else 20 * math.log10(x)


@dataclass(slots=True)
class Level:
    """Sums over PCM16 samples: enough for peak, RMS, DC offset and clipping."""

    samples: int = 0
    rate: int = 0
    peak: int = 0
    clipped: int = 0
    total: int = 0
    squares: int = 0

    def add(self, a: Any) -> None:
        """Take samples: an `array("h")`, or a numpy int16 array."""
        if not len(a):
            return
        self.samples += len(a)
        if _np is not None and isinstance(a, _np.ndarray):
            self.peak = max(self.peak, int(a.max()), -int(a.min()))
            self.clipped += int(_np.count_nonzero(a == 32767)) + int(_np.count_nonzero(a == -32768))
            wide = a.astype(_np.int64)
            self.total += int(wide.sum())
            self.squares += int(_np.dot(wide, wide))
            return
        self.peak = max(self.peak, max(a), -min(a))
        self.clipped += a.count(32767) + a.count(-32768)
        self.total += sum(a)
        self.squares += sum(map(operator.mul, a, a))

    def to_dict(self) -> dict[str, Any]:
        n = self.samples
        rms = math.sqrt(self.squares / n) if n else 0.0
        return {
            "seconds": round(n / self.rate, 3) if self.rate else None,
            "peak_dbfs": _r2(_db(self.peak / 32768)), "rms_dbfs": _r2(_db(rms / 32768)),
            "dc_offset": round(self.total / n / 32768, 6) if n else None,
            "clipped_share": round(self.clipped / n, 6) if n else None, "silent": n > 0 and self.peak == 0,
        }  # fmt: skip


@dataclass(slots=True)
class ResponseLevel:
    """One response's audio: leading silence and long silences inside (ms)."""

    response_id: str | None
    rate: int
    samples: int = 0
    onset: int | None = None  # sample index of its first audible sample
    quiet_from: int | None = None  # where the current run of quiet windows began (after the onset)
    silences: list[tuple[int, int]] = field(default_factory=list)  # (start, length) in samples
    _rest: Any = None  # samples after the last whole window (fewer than one window)

    def add(self, a: Any) -> None:
        w = self.rate * WINDOW_MS // 1000
        buf = a if self._rest is None or not len(self._rest) else _join(self._rest, a)
        n = len(buf) - len(buf) % w
        for i, loud in enumerate(_loud_windows(buf[:n], w)):
            at = self.samples + i * w
            if loud:
                if self.onset is None:
                    win = buf[i * w : (i + 1) * w]
                    self.onset = at + next(k for k, x in enumerate(win) if abs(int(x)) >= _AUDIBLE)
                elif self.quiet_from is not None and at - self.quiet_from >= LONG_SILENCE_MS * self.rate // 1000:
                    self.silences.append((self.quiet_from, at - self.quiet_from))
                self.quiet_from = None
            elif self.onset is not None and self.quiet_from is None:
                self.quiet_from = at
        self.samples += n
        self._rest = buf[n:]

    def to_dict(self) -> dict[str, Any]:
        ms = 1000 / self.rate
        return {
            "response_id": self.response_id,
            "seconds": round((self.samples + (0 if self._rest is None else len(self._rest))) / self.rate, 3),
            "leading_silence_ms": None if self.onset is None else round(self.onset * ms, 1), "audible": self.onset is not None,
            "long_silences": [{"at_ms": round(s * ms, 1), "ms": round(n * ms, 1)} for s, n in self.silences],
        }  # fmt: skip


@dataclass(slots=True)
class AudioQuality:
    """Each side's levels and each response's silences (None: the side has no audio)."""

    user: Level = field(default_factory=Level)
    assistant: Level = field(default_factory=Level)
    responses: dict[str | None, ResponseLevel] = field(default_factory=dict)
    undecodable: int = 0  # chunks that are not valid base64 (skipped, as extract-audio does)

    def to_dict(self) -> dict[str, Any]:
        """The `audio_quality` object of `summary --json --audio-quality` (README)."""
        rs = [r.to_dict() for r in self.responses.values()]
        lead = [r["leading_silence_ms"] for r in rs if r["leading_silence_ms"] is not None]
        return {
            "silence_dbfs": SILENCE_DBFS, "long_silence_ms": LONG_SILENCE_MS,
            "user": self.user.to_dict() if self.user.samples else None,
            "assistant": self.assistant.to_dict() if self.assistant.samples else None,
            "leading_silence_ms": {"count": len(lead), "p50": _p(lead, 50), "max": max(lead) if lead else None},
            "responses_with_long_silences": sum(1 for r in rs if r["long_silences"]),
            "responses": rs, "undecodable_chunks": self.undecodable,
        }  # fmt: skip


def _loud_windows(buf: Any, w: int) -> list[bool]:
    """For each whole window of `w` samples: does it reach -40 dBFS?"""
    if _np is not None and isinstance(buf, _np.ndarray):
        if not len(buf):
            return []
        m = buf.reshape(-1, w)
        return (_np.maximum(m.max(axis=1).astype(_np.int32), -m.min(axis=1).astype(_np.int32)) >= _AUDIBLE).tolist()  # type: ignore[no-any-return]
    return [max(win) >= _AUDIBLE or -min(win) >= _AUDIBLE for win in (buf[i : i + w] for i in range(0, len(buf), w))]


def _join(a: Any, b: Any) -> Any:
    return _np.concatenate((a, b)) if _np is not None and isinstance(a, _np.ndarray) else a + b


def _pcm(data: bytes, encoding: str) -> Any:
    """PCM16 samples of a decoded chunk: a numpy int16 array, else an `array("h")`."""
    if encoding != PCM16:
        data = g711.to_pcm16(data, encoding)
    data = data[: len(data) - len(data) % 2]
    if _np is not None:
        return _np.frombuffer(data, dtype="<i2")
    a = array("h")
    a.frombytes(data)
    if _BIG:
        a.byteswap()
    return a


def quality_conversation(src: Source, diag: Diagnostics, *, stdin: BinaryIO | None = None) -> tuple[Conversation, AudioQuality]:
    """One pass over a log: its conversation (as `rtlog.load` gives it) and the quality of
    its audio. Every audio chunk is decoded, so this is slower than the summary's pass."""
    f = Fold(src.name)
    q = AudioQuality()
    before = diag.by_source.get(src.name, 0)
    for ev in read_events(src, diag, stdin=stdin):
        f.feed(ev)
        kind = ev.kind
        if kind != OUTPUT_AUDIO_DELTA and kind != INPUT_AUDIO_APPEND:
            continue
        b64 = ev.audio_b64()
        info = ev.audio_info()
        if b64 is None or info is None or info.problem is not None:
            q.undecodable += info is not None and info.problem == "invalid"
            continue  # (a placeholder holds no samples; a missing payload none either)
        try:
            data = decode_b64(b64)
        except ValueError:  # (binascii.Error)
            q.undecodable += 1
            continue
        if kind == OUTPUT_AUDIO_DELTA:
            rid = ev.response_id
            fmt = f.ledger.formats.get(rid) or f.sessions.output_format(rid)
            level = q.assistant
            r = q.responses.get(rid)
            if r is None:
                r = q.responses[rid] = ResponseLevel(rid, fmt.rate)
        else:
            fmt, level, r = f.sessions.input_format, q.user, None
        a = _pcm(data, fmt.encoding)
        level.rate = fmt.rate
        level.add(a)
        if r is not None:
            r.add(a)
    conv = f.finish(diag.by_source.get(src.name, 0) - before, diag.lines.get(src.name, 0))
    return conv, q


def _p(v: list[float], p: int) -> float | None:
    if not v:
        return None
    s = sorted(v)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def _r2(x: float | None) -> float | None:
    return None if x is None else round(x, 2)
