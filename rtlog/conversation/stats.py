"""What the log is made of: lines, events by type and direction, timestamps, audio per side.

Owns the facts about the recording rather than the conversation: how many events of each
type (as recorded) and direction, unknown types, server events logged twice, the clock
(first, last, earliest and latest timestamp, how many events carry one, and its
resolution), and the audio payloads of each side (`SideAudio`: chunks, bytes by format,
invalid chunks, placeholders, odd lengths). Audio lines contribute sizes and times only:
the fold's fast path updates these counters from a line's digest without an Event.

Memory: counters, and the ids of the last `RECENT_EVENTS` server events (at most twice as many).
"""

from __future__ import annotations

import math
from dataclasses import field
from itertools import islice
from typing import Any

from rtlog.protocol.audio_checks import recorder_cut
from rtlog.protocol.events import Event
from rtlog.protocol.formats import DEFAULT_FORMAT, AudioFormat
from rtlog.protocol.realtime import (
    AUDIO_PAYLOAD_KEY,
    CLIENT,
    INPUT_AUDIO_APPEND,
    KNOWN_TYPES,
    OUTPUT_AUDIO_DELTA,
    SERVER,
    UNKNOWN,
)
from rtlog.records import record

#: server event ids remembered to notice an event logged twice (~150 bytes each)
#: the most audio one recorder placeholder (`[trimmed: N bytes]`) is believed to stand
#: for: one chunk is a delta (~0.1 s) or an append (a few seconds). A larger claim (100
#: bytes of log saying 2 GB) is counted as `IMPLAUSIBLE`, given no time, and extract-audio
#: writes no silence for it, so summary, transcript and the WAV still agree
MAX_PLACEHOLDER_SECONDS = 60
IMPLAUSIBLE = "implausible"

RECENT_EVENTS = 1024
#: timestamps the clock's resolution is judged on (enough to see any fraction of a second)
RESOLUTION_SAMPLES = 2048
#: events that show a conversation had audio even when no audio payload was recorded
AUDIO_EVIDENCE = frozenset(
    {
        "response.output_audio_transcript.delta", "response.output_audio_transcript.done", "response.output_audio.done",
        "output_audio_buffer.started", "output_audio_buffer.stopped", "output_audio_buffer.cleared",
        "input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped", "input_audio_buffer.committed",
    }
)  # fmt: skip


@record(slots=True)
class SideAudio:
    """Audio payloads of one side (user input or assistant output)."""

    chunks: int = 0
    nbytes: int = 0
    seconds: float = 0.0
    first_len: int = -1  # decoded length of the first counted chunk
    same_len: bool = True  # every counted chunk had first_len bytes
    odd: int = 0  # chunks with an odd byte count
    invalid: int = 0
    invalid_line: int = 0
    placeholders: int = 0
    placeholder_line: int = 0
    implausible: int = 0  # placeholders that claim more than MAX_PLACEHOLDER_SECONDS: not counted
    implausible_line: int = 0
    missing: int = 0
    missing_line: int = 0
    by_format: dict[AudioFormat, int] = field(default_factory=dict)
    fmt: AudioFormat | None = None  # the format being accumulated in fmt_bytes (saves hashing)
    fmt_bytes: int = 0

    def add(self, nbytes: int, problem: str | None, fmt: AudioFormat, line_no: int) -> None:
        self.chunks += 1
        if problem is not None:
            if problem == "invalid":
                self.invalid += 1
                self.invalid_line = self.invalid_line or line_no
                return
            if problem == "missing":
                self.missing += 1
                self.missing_line = self.missing_line or line_no
                return
            if problem == IMPLAUSIBLE:
                self.implausible += 1
                self.implausible_line = self.implausible_line or line_no
                return
            self.placeholders += 1
            self.placeholder_line = self.placeholder_line or line_no
        if fmt is self.fmt:
            self.fmt_bytes += nbytes
        else:
            self.switch_format(fmt, nbytes)
        if nbytes != self.first_len:
            self.length_changed(nbytes)
        if nbytes & 1:
            self.odd += 1

    def switch_format(self, fmt: AudioFormat, nbytes: int) -> None:
        if self.fmt is not None:
            self.by_format[self.fmt] = self.by_format.get(self.fmt, 0) + self.fmt_bytes
        self.fmt, self.fmt_bytes = fmt, nbytes

    def length_changed(self, nbytes: int) -> None:
        if self.first_len < 0:
            self.first_len = nbytes
        else:
            self.same_len = False

    def finish(self) -> None:
        self.switch_format(DEFAULT_FORMAT, 0)
        self.fmt = None
        self.by_format = {f: n for f, n in self.by_format.items() if n or f is not DEFAULT_FORMAT}
        self.nbytes = sum(self.by_format.values())
        self.seconds = sum(f.seconds(n) for f, n in self.by_format.items())

    def merge(self, other: SideAudio) -> None:
        """Add another log's finished totals (for totals over several files)."""
        if other.chunks and other.first_len >= 0:
            if self.first_len < 0:
                self.first_len = other.first_len
            self.same_len = self.same_len and other.same_len and other.first_len == self.first_len
        for k in ("chunks", "nbytes", "seconds", "odd", "invalid", "placeholders", "implausible", "missing"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        for f, n in other.by_format.items():
            self.by_format[f] = self.by_format.get(f, 0) + n

    @property
    def cut_by_recorder(self) -> bool:
        """Every chunk has one short odd length: a recorder kept only a head of each (the
        rule shared with extract-audio: `audio_checks.recorder_cut`)."""
        return recorder_cut(self.chunks, self.first_len, self.same_len)


def _same_event(seen: Any, ev: Event) -> bool:
    """`ev` repeats what was kept of an earlier event with its id (see `_note_copy`)."""
    if ev.envelope is None:
        return type(seen) is bytes and seen.rstrip() == ev.raw.rstrip()
    return type(seen) is dict and seen == ev.data


def audio_payload(ev: Event) -> tuple[int, str | None]:
    """Decoded size and problem of an event's audio payload (exact, see `Event.audio_info`)."""
    info = ev.audio_info()
    if info is None:
        return 0, "missing"
    return info.nbytes, info.problem


@record(slots=True)
class Clock:
    """The log's timestamps: the span and how far they can be trusted."""

    first: float | None = None  # the first timestamp in file order
    last: float | None = None  # the last one in file order
    earliest: float = math.inf
    latest: float = -math.inf
    timed_events: int = 0
    covers_log: bool = False  # the first and last events carry a time, or most events do
    #: how fine the timestamps are, in seconds: 1.0 when every one is a whole second
    #: (`10:41:07 AM`-style stamps, epoch seconds), 0.001 for milliseconds, …; None with
    #: fewer than two timestamps
    resolution: float | None = None

    @property
    def start(self) -> float | None:
        """The span's start, earliest to latest whatever the order (time-of-day stamps that
        run past midnight: from the first)."""
        if self.first is None:
            return None
        return self.first if self._past_midnight else self.earliest

    @property
    def end(self) -> float | None:
        if self.first is None:
            return None
        return self.last + 86400 if self._past_midnight else self.latest  # type: ignore[operator]

    @property
    def _past_midnight(self) -> bool:
        return self.last is not None and self.first is not None and self.last < self.first < 86400

    @property
    def seconds(self) -> float | None:
        """The log's duration: None unless the timestamps cover it."""
        if self.first is None or not self.covers_log:
            return None
        return self.end - self.start  # type: ignore[operator]

    @property
    def coarse(self) -> bool:
        """Whole-second (or coarser) stamps: too coarse for sub-second latencies."""
        return self.resolution is not None and self.resolution >= 1.0 - 1e-9


class LogStats:
    """Feed every event (`add`) and, for audio lines the fast path took, the counters
    directly; `finish` resolves the clock and the audio sides."""

    def __init__(self) -> None:
        self.lines = 0
        self.events = 0
        self.counts: dict[str, int] = {}
        self.dirs = {CLIENT: 0, SERVER: 0, UNKNOWN: 0}
        self.unknown: dict[str, int] = {}
        self.clock = Clock()
        self.first_event_timed = False
        self.seen_event = False
        self.last_event_line = 0
        self.last_ts_line = 0
        self.audio_in = SideAudio()
        self.audio_out = SideAudio()
        self.audio_evidence = False
        self.recent_events: dict[str, tuple[int, Any]] = {}  # event_id → (line, its line or, enveloped, its event)
        self.copies = 0  # events that repeat one of those, event_id and all
        self.first_copy: tuple[int, int] | None = None  # (its line, the line it repeats)
        self._decimals = 0  # the decimals the timestamps of the events need (see `timestamp`)
        self._samples = 0  # timestamps the decimals were judged on
        self.whole_seconds = True  # every timestamp so far is a whole second (the fast path keeps it too)
        # events the fast path took, by type, and its last timestamp
        self.fast_counts = {INPUT_AUDIO_APPEND: 0, "response.audio.delta": 0, OUTPUT_AUDIO_DELTA: 0}
        self.last_fast_ts: float | None = None
        self.last_fast_no = 0

    def add(self, ev: Event) -> None:
        self.events += 1
        line = ev.line_no
        if line > self.lines:
            self.lines = line
        t = ev.type
        counts = self.counts
        counts[t] = counts.get(t, 0) + 1
        direction = ev.direction
        self.dirs[direction] += 1
        if t not in KNOWN_TYPES and ev.frame == "message":
            self.unknown[t] = self.unknown.get(t, 0) + 1
        ts = ev.timestamp
        self.last_event_line = line
        if not self.seen_event:
            self.seen_event = True
            self.first_event_timed = ts is not None
        if ts is not None:
            self.timestamp(ts)
            self.last_ts_line = line
        if direction == SERVER:
            eid = ev.data.get("event_id")
            if type(eid) is str and eid and ev.kind not in AUDIO_PAYLOAD_KEY:
                recent = self.recent_events  # (`_note_copy`; its common case, a new id, here)
                seen = recent.pop(eid, None)
                if seen is None:
                    recent[eid] = (line, ev.raw if ev.envelope is None else ev.data)
                    if len(recent) > 2 * RECENT_EVENTS:
                        self._forget(recent)
                else:
                    self._note_copy(eid, ev, seen)
        if not self.audio_evidence:
            kind = ev.kind
            if kind in AUDIO_EVIDENCE or kind.startswith("conversation.item.input_audio_transcription."):
                self.audio_evidence = True

    def add_audio(self, ev: Event) -> None:
        """`add` for an audio chunk taken as an Event: what the fast path counts for one
        (its type, direction and time; the clock's resolution is judged on the other
        events, audio chunks are never copies or evidence)."""
        self.events += 1
        line = ev.line_no
        if line > self.lines:
            self.lines = line
        t = ev.type
        counts = self.counts
        counts[t] = counts.get(t, 0) + 1
        self.dirs[ev.direction] += 1
        ts = ev.timestamp
        self.last_event_line = line
        if not self.seen_event:
            self.seen_event = True
            self.first_event_timed = ts is not None
        if ts is not None:
            self.timestamp(ts, judge=False)
            self.last_ts_line = line

    def first_time(self, ts: float | None) -> None:
        """Not counting (`Fold(recording=False)`): only the log's first timestamp, which
        the fast path leaves to the normal path."""
        if ts is not None and self.clock.first is None:
            self.clock.first = ts

    def timestamp(self, ts: float, *, judge: bool = True) -> None:
        """A timestamp on the clock; `judge`: let it tell the clock's resolution (audio
        chunks do not: the fast path counts them without)."""
        c = self.clock
        c.timed_events += 1
        if c.first is None:
            c.first = ts
        c.last = ts
        if ts < c.earliest:
            c.earliest = ts
        if ts > c.latest:
            c.latest = ts
        # the resolution: the decimals the timestamps need (0: whole seconds, 3: ms, 6: finer),
        # judged on the first RESOLUTION_SAMPLES timestamps of events (a clock does not change)
        if not judge or self._samples >= RESOLUTION_SAMPLES:
            if self.whole_seconds and ts % 1.0:
                self.whole_seconds = False
        else:
            self._samples += 1
            d = self._decimals
            while d < 6:
                v = ts * 10**d
                if abs(v - round(v)) <= 1e-3:
                    break
                d += 1 if d < 3 else 3
            if d != self._decimals:
                self._decimals = d
                self.whole_seconds = False

    def _note_copy(self, eid: str, ev: Event, seen: tuple[int, Any]) -> None:
        """A server event logged twice (a relay or recorder that writes what it passes on
        and what it got): the event_id of one shortly before, and the same event. Only
        server events count: their ids are the server's, one per event, while a client may
        give the same id to every `input_audio_buffer.commit` it sends. Audio chunks are
        not looked at: the fast path counts them without their event_id (and a log that
        doubles its audio doubles the events around it too). Kept per id, for at least the
        last `RECENT_EVENTS` ids (copies are near their original; the oldest half goes at
        once when there are twice as many): its line number and its line (inside an
        envelope, whose time differs, the event alone); two events are compared only when
        their ids are the same, so an event costs a dict lookup, not a hash. (`add` keeps a new id
        itself; this takes an id seen before, with `seen`, what was kept of it.)"""
        recent = self.recent_events
        if _same_event(seen[1], ev):
            self.copies += 1
            if self.first_copy is None:
                self.first_copy = (ev.line_no, seen[0])
            recent[eid] = seen
        else:
            recent[eid] = (ev.line_no, ev.raw if ev.envelope is None else ev.data)
        if len(recent) > 2 * RECENT_EVENTS:
            self._forget(recent)

    def _forget(self, recent: dict[str, tuple[int, Any]]) -> None:
        """The oldest half of the ids kept goes (a dict keeps the order ids came in; one copy in C)."""
        self.recent_events = dict(islice(recent.items(), RECENT_EVENTS, None))

    def finish(self) -> None:
        """Fold the fast path's counters in; resolve the clock and the audio sides. The
        recent events kept to tell copies (up to ~4,000 lines) are let go: nothing is
        added after, and the conversation is made next."""
        self.recent_events = {}
        for t, n in self.fast_counts.items():
            if not n:
                continue
            self.counts[t] = self.counts.get(t, 0) + n
            self.dirs[CLIENT if t == INPUT_AUDIO_APPEND else SERVER] += n
            self.events += n
        c = self.clock
        # the span ends at the last timestamp: maybe on a line the fast path took
        if self.last_fast_no > self.last_ts_line and self.last_fast_ts is not None:
            c.last = self.last_fast_ts
        last_timed = max(self.last_ts_line, self.last_fast_no) == self.last_event_line
        c.covers_log = c.first is not None and ((self.first_event_timed and last_timed) or c.timed_events * 2 > self.events)
        if c.timed_events > 1:
            # the fast path only tells whole seconds from finer: milliseconds, unless the events said
            decimals = 0 if self.whole_seconds else self._decimals or 3
            c.resolution = 10.0**-decimals
        self.audio_in.finish()
        self.audio_out.finish()
