"""Delivery of each response's audio, and the VAD's segmentation of the user's speech.

Owns:
- Delivery, per response, from the timeline's per-delta measure (`timeline.ItemAudio`):
  each delta plays as soon as it has arrived and the audio before it has played; a delta
  that arrives later than that is a *stall* (the listener hears a gap: delivery fell behind
  real time). Reported: audio seconds, the arrival span (first → last delta), the rate
  (audio seconds per second of arrival), stalls and their seconds, and the most audio
  received ahead of playback (`ahead_max_seconds`: the buffer a client needs; a *burst*
  when it is at least `BURST_SECONDS`).
- VAD analysis, from the VAD offsets (`audio_start_ms` / `audio_end_ms`, no timestamps
  needed): speech segment lengths, very short segments (< `SHORT_SEGMENT_MS`), the pauses
  between segments (on the timeline where the clock can measure, else on the offsets) and how
  many were within `RESUME_MS` of the VAD's `silence_duration_ms` with no answer in them
  (the user went on speaking just after the VAD ended the turn: cut off mid-thought), and
  `input_audio_buffer.timeout_triggered` events.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from rtlog.conversation.model import Conversation

BURST_SECONDS = 2.0
SHORT_SEGMENT_MS = 250
RESUME_MS = 500


@dataclass(slots=True)
class ResponseDelivery:
    """How one response's audio arrived (seconds)."""

    response_id: str | None
    audio_seconds: float
    first_at: float | None  # timeline positions of its first and last timed delta
    last_at: float | None
    stalls: int
    stall_seconds: float
    ahead_max_seconds: float
    untimed_deltas: int

    @property
    def arrival_seconds(self) -> float | None:
        return None if self.first_at is None or self.last_at is None else self.last_at - self.first_at

    @property
    def rate(self) -> float | None:
        """Audio seconds received per second since the first delta (None: one delta)."""
        span = self.arrival_seconds
        return None if not span else self.audio_seconds / span

    @property
    def behind(self) -> bool:
        return self.stalls > 0

    @property
    def burst(self) -> bool:
        return self.ahead_max_seconds >= BURST_SECONDS

    def to_dict(self) -> dict[str, Any]:
        rate = self.rate
        return {
            "response_id": self.response_id, "audio_seconds": round(self.audio_seconds, 3),
            "arrival_seconds": _r3(self.arrival_seconds), "rate": None if rate is None else round(rate, 2),
            "stalls": self.stalls, "stall_seconds": round(self.stall_seconds, 3), "behind": self.behind,
            "ahead_max_seconds": round(self.ahead_max_seconds, 3), "burst": self.burst, "untimed_deltas": self.untimed_deltas,
        }  # fmt: skip


def delivery_of(conv: Conversation) -> list[ResponseDelivery]:
    """Each response's delivery, in the order its audio began (items of one response added up)."""
    by: dict[str | None, ResponseDelivery] = {}
    for a in conv.assistant_audio:
        if not a.nbytes:
            continue
        d = by.get(a.response_id)
        if d is None:
            d = by[a.response_id] = ResponseDelivery(a.response_id, 0.0, None, None, 0, 0.0, 0.0, 0)
        d.audio_seconds += a.seconds
        if a.first_at is not None:
            d.first_at = a.first_at if d.first_at is None else min(d.first_at, a.first_at)
        if a.last_at is not None:
            d.last_at = a.last_at if d.last_at is None else max(d.last_at, a.last_at)
        d.stalls += a.stalls
        d.stall_seconds += a.stall_seconds
        d.ahead_max_seconds = max(d.ahead_max_seconds, a.ahead_max)
        d.untimed_deltas += a.untimed
    return list(by.values())


@dataclass(slots=True)
class VadStats:
    """The VAD's speech segments (ms) and pauses, over a log (or several)."""

    lengths_ms: list[int] = field(default_factory=list)
    gaps_ms: list[int] = field(default_factory=list)
    silence_duration_ms: int | None = None  # as the session stated it (the first that did)
    cut_off: int | None = None  # pauses within RESUME_MS of silence_duration_ms (None: not stated)
    timeouts: int = 0

    @property
    def short_segments(self) -> int:
        return sum(1 for x in self.lengths_ms if x < SHORT_SEGMENT_MS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "segments": len(self.lengths_ms), "segment_ms": _stats(self.lengths_ms),
            "short_segments": self.short_segments, "short_segment_ms": SHORT_SEGMENT_MS,
            "gaps": len(self.gaps_ms), "gap_ms": _stats(self.gaps_ms),
            "silence_duration_ms": self.silence_duration_ms, "cut_off_gaps": self.cut_off, "resume_ms": RESUME_MS,
            "timeout_triggered": self.timeouts,
        }  # fmt: skip

    @staticmethod
    def merge(a: VadStats | None, b: VadStats | None) -> VadStats | None:
        if a is None or b is None:
            return a or b
        cut = None if a.cut_off is None and b.cut_off is None else (a.cut_off or 0) + (b.cut_off or 0)
        return VadStats([*a.lengths_ms, *b.lengths_ms], [*a.gaps_ms, *b.gaps_ms],
                        a.silence_duration_ms or b.silence_duration_ms, cut, a.timeouts + b.timeouts)  # fmt: skip


def vad_stats(conv: Conversation, answers: list[float] | None = None) -> VadStats | None:
    """The VAD analysis (see the module docstring); None without VAD events. `answers`: where
    assistant audio started (timeline seconds), for a log whose clock can measure: pauses are
    then measured on the timeline (a client that stops streaming while the assistant speaks
    leaves no trace in the offsets), and a pause with an answer in it cut nobody off.
    Without, pauses are measured on the offsets."""
    m = conv.moments
    speech = [t for t in conv.turns if t.how == "speech"]
    if not speech and not m.timeouts:
        return None
    v = VadStats(timeouts=len(m.timeouts))
    v.silence_duration_ms = next((x.silence_duration_ms for x in m.vad if x.silence_duration_ms is not None), None)
    starts = sorted(answers) if answers is not None else None
    prev: tuple[int | None, float | None] = (None, None)  # the previous segment's end: offset, position
    cut = 0
    for t in speech:
        start, end = t.speech_started_ms, t.speech_stopped_ms
        if start is not None and end is not None and end >= start:
            v.lengths_ms.append(end - start)
        span = m.speech.get(t.item_id) if t.item_id else None
        gap: int | None = None
        if starts is not None:
            if span is not None and span[0] is not None and prev[1] is not None and span[0] >= prev[1]:
                gap = round((span[0] - prev[1]) * 1000)
                answered = bisect_right(starts, span[0]) > bisect_right(starts, prev[1])
        elif start is not None and prev[0] is not None and start >= prev[0]:
            gap = start - prev[0]  # (offsets that go back: a new session or buffer, no pause to measure)
            answered = False
        if gap is not None:
            v.gaps_ms.append(gap)
            if v.silence_duration_ms is not None and gap < v.silence_duration_ms + RESUME_MS and not answered:
                cut += 1
        prev = (end, span[1] if span is not None else None)
    if v.silence_duration_ms is not None:
        v.cut_off = cut
    return v


def _stats(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "min": None, "p50": None, "max": None}
    v = sorted(values)
    return {"count": len(v), "min": v[0], "p50": v[max(0, math.ceil(len(v) / 2) - 1)], "max": v[-1]}


def _r3(x: float | None) -> float | None:
    return None if x is None else round(x, 3)
