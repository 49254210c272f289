"""Who spoke when: the assistant audio the user heard, and how it meets the user's speech.

Owns the intervals the turn-taking metrics (`turntaking.py`) are measured on: what was heard
of each assistant item (`assistant_heard`: cut at its truncation or at
`output_audio_buffer.cleared`; without audio, WebRTC's `output_audio_buffer.started` →
`stopped`/`cleared`), contiguous audio joined into runs (`runs_of`), a turn's barge-in and
time to yield (`barge_in`), and the talk-over of a whole log (`talk_over`), in one sweep.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from rtlog.conversation.model import Conversation

_EPS = 0.002  # the timeline's snap: audio this close is contiguous


@dataclass(slots=True)
class Heard:
    start: float
    end: float
    stop: str  # what ended it: truncated | cleared | cancelled | end_of_audio


def assistant_heard(conv: Conversation) -> tuple[list[Heard], str | None]:
    """What the user heard of the assistant, in order; or why it is not known."""
    rec = conv.recording
    if rec is not None and rec.audio_out.cut_by_recorder:
        return [], "assistant audio cut by the recorder: its length is not real"
    out: list[Heard] = []
    m = conv.moments
    t0 = conv.t0 or 0.0
    with_audio = set()
    for a in conv.assistant_audio:
        if a.guessed or not a.nbytes:
            continue
        with_audio.add(a.response_id)
        end, stop = a.end, "end_of_audio"
        rm = m.response(a.response_id)
        r = conv.response(a.response_id)
        if a.cut_ms is not None and a.heard_seconds < a.seconds:
            stop = "truncated"
        elif rm is not None and rm.cleared_at is not None and rm.cleared_at - t0 < end:
            end, stop = max(a.start, rm.cleared_at - t0), "cleared"
        elif r is not None and r.status == "cancelled":
            stop = "cancelled"
        out.append(Heard(a.start, end, stop))
    for rid, rm in m.responses.items():  # WebRTC: no audio, the server's playback events
        if rid not in with_audio and rm.audio_started_at is not None:
            stop_at = rm.cleared_at or rm.audio_stopped_at
            if stop_at is not None:
                out.append(Heard(rm.audio_started_at - t0, stop_at - t0, "cleared" if rm.cleared_at else "end_of_audio"))
    if not out:
        return [], "no assistant audio in the log"
    out.sort(key=lambda h: h.start)
    return out, None


def runs_of(heard: list[Heard]) -> list[Heard]:
    """Contiguous assistant audio as one run (its stop is the last piece's)."""
    runs: list[Heard] = []
    for h in heard:
        if runs and h.start <= runs[-1].end + _EPS:
            if h.end > runs[-1].end:
                runs[-1] = Heard(runs[-1].start, h.end, h.stop)
        else:
            runs.append(Heard(h.start, h.end, h.stop))
    return runs


def barge_in(us: float, ue: float, runs: list[Heard], starts: list[float]) -> tuple[Heard | None, bool]:
    """For user speech [us, ue]: the run of assistant audio it began inside (a barge-in), if
    any, and whether a run began inside it (the agent interrupted). `starts`: the runs'."""
    inside: Heard | None = None
    agent = False
    k = max(bisect_right(starts, us) - 1, 0)
    for run in runs[k:]:  # (runs are in order and apart: from the one that may hold the start on)
        if run.start >= ue:
            break
        if run.start + _EPS < us < run.end - _EPS:
            inside = run
        if us + _EPS < run.start < ue - _EPS:
            agent = True
    return inside, agent


@dataclass(slots=True)
class TalkOver:
    """Talk-over over a log: seconds, episodes, each span's seconds, and the time anyone spoke."""

    seconds: float
    episodes: int
    per_span: list[float]
    speaking_seconds: float


def talk_over(spans: list[tuple[float, float]], heard: list[Heard]) -> TalkOver:
    """Talk-over of the user's speech `spans` (apart from each other) with the assistant's
    audio, and the time anyone speaks: one sweep over both, in order."""
    runs = [(h.start, h.end) for h in runs_of(heard)]
    order = sorted(range(len(spans)), key=lambda k: spans[k])
    per = [0.0] * len(spans)
    both, episodes = 0.0, 0
    j = 0
    for k in order:
        us, ue = spans[k]
        while j < len(runs) and runs[j][1] <= us:
            j += 1
        i = j
        while i < len(runs) and runs[i][0] < ue:
            lo, hi = max(us, runs[i][0]), min(ue, runs[i][1])
            if hi - lo > _EPS:
                per[k] += hi - lo
                episodes += 1
            i += 1
        both += per[k]
    union = 0.0
    end = -math.inf
    for s, e in sorted([*spans, *runs]):
        if s > end:
            union += e - s
            end = e
        elif e > end:
            union += e - end
            end = e
    return TalkOver(both, episodes, per, union)
