"""Where each piece of audio plays on one shared timeline (seconds from t=0).

Owns the placement rule that `transcript` (subtitle and turn times) and
`extract-audio --side both` (where to write each chunk) must agree on:

With timestamps (the event carries one): t=0 is the first timestamp in the log.
- User audio: each `input_audio_buffer.append` plays from the time it was sent, or right
  after the previous user audio if that ends later or less than `SNAP_MS` earlier (audio
  is never dropped or overlapped; the stereo mix joins such chunks the same way). A VAD
  offset (`audio_start_ms`/`audio_end_ms`, a position in the session's appended input
  stream) maps to the time of the append holding that offset; a speech start less than
  the VAD prefix padding (300 ms) before a pause of at least as long in the appends is
  placed after the pause (the padding reaches back into audio sent before it; the speech
  itself follows it).
- Assistant audio: an item's audio starts at its first delta's arrival or when the
  assistant audio placed before it ends, whichever is later (by more than `SNAP_MS`),
  and is contiguous (items of one response follow each other). A truncated item ends at
  its truncation point (`audio_end_ms`), where `--side both` cuts it.
Without timestamps: user audio is one continuous stream from t=0 (so VAD offsets are
times) — except that, until a VAD event says the client streams all the time, a new input
buffer (nothing appended since the last commit or clear: push-to-talk) starts no earlier
than the end of the assistant audio placed so far (the user speaks after the reply) — and
each response starts right after the end of the user speech that triggered it
(`speech_stopped.audio_end_ms`), or when the previous assistant audio ends, whichever is
later. A later session (reconnect) starts where everything placed so far ends.
A log that starts mid-session (a rotated log, a recorder attached late, `rtlog filter
--since`; not one with the session's `session.created`): VAD offsets count the session's
input from its start, which the log lacks. A VAD
event can only speak of audio appended before it (a speech start also of its prefix
padding), so an offset more than `MID_SESSION_MS` past all the input the log appended shows
it; the log's first append is then taken to be at the smallest offset that fits every VAD
event so far, as if the server had reported each one at once (its latency, about 0.1 s,
is not in the log: speech may be placed that much late), and offsets map into the audio
the log has (never before its first append). Without appends but with timestamps, VAD
offsets are placed by the events' times anyway; offset 0 long before the log's first
event says the same. Either way `mid_session` is set and a note says so, and speech that
began before the log (no speech start in it) starts with the log's input.
VAD offsets that restart at each turn (some relays count them from the current input
buffer): an offset more than the prefix padding before the largest one so far cannot be on
the session's clock. From then on (`restarting_offsets`, with a note) an offset counts from
where the current buffer began: with appends, the input appended when the last commit or
clear came; without, by timestamps, from the earliest `time - offset` of the buffer's own
VAD events; with neither, from the end of the speech committed before. A turn whose
restarted offset is still larger than every offset before it cannot be told apart and is
read on the session's clock. A user turn never starts before the one before it.
Several files: each input file is its own conversation. `Timeline.new_file()` starts the
next file's epoch where everything placed so far ends (audio, speech placed by VAD offsets
and the latest timestamp), whether or not either file has timestamps; `t0` then becomes
the epoch seconds that the new file's timeline position 0 stands for (so `ts - t0` stays a
position on the one timeline).

Memory: one small record per assistant item and user turn, and a bounded window of
recent append placements; never audio.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from rtlog.conversation.session import SessionTracker
from rtlog.conversation.truncations import Truncations
from rtlog.protocol.audio_checks import recorder_cut
from rtlog.protocol.events import Event
from rtlog.protocol.objects import _int, _str
from rtlog.protocol.realtime import INPUT_AUDIO_APPEND, OUTPUT_AUDIO_DELTA

#: how many recent append placements are kept to map VAD offsets to times
SEGMENT_WINDOW = 4096
#: server VAD's default prefix padding: how far a speech start reaches back before the speech
PREFIX_PADDING_MS = 300
#: audio placed within this many milliseconds after the end of the audio before it on its side
#: follows it directly (float rounding of timestamps, not timing); the stereo mix joins such
#: chunks too, so the WAV and these times never drift apart
SNAP_MS = 2
_SNAP = SNAP_MS / 1000
#: a VAD offset this far past the input audio appended before it shows a log that starts
#: mid-session (less may be a recorder that logs the client's appends a little late)
MID_SESSION_MS = 500
#: an assistant delta arriving this much after its audio should have started playing is a
#: stall (the listener hears a gap); less is the clock's rounding
STALL_MS = 20
_STALL = STALL_MS / 1000

def decoded_size(ev: Event) -> int:
    """Decoded bytes of an audio event's payload, for placement: `Event.audio_info()`
    (exact, without decoding), the same rule summary and extract-audio use. An invalid
    chunk is 0 bytes (it is skipped, so it takes no time); a placeholder such as
    `[trimmed: 4800 bytes]` keeps its stated size (extract-audio writes that much
    silence)."""
    info = ev.audio_info()
    return info.nbytes if info is not None else 0


@dataclass(slots=True)
class ItemAudio:
    """One assistant item's audio on the timeline."""

    item_id: str | None
    response_id: str | None
    start: float  # seconds on the timeline
    bytes_per_second: int
    bytes_per_sample: int = 2
    nbytes: int = 0  # generated audio, decoded bytes
    cut_ms: int | None = None  # audio_end_ms of a truncation (what was played)
    #: placed where the audio placed before it ends, for want of anything better: a log with
    #: timestamps whose deltas carry none (stereo output needs a place; a transcript shows none)
    guessed: bool = False
    # delivery (`assistant_audio_of`): each timed delta played as soon as it arrives and what
    # came before it has played; a delta that arrives after that is a stall the listener hears
    first_at: float | None = None  # arrival of its first timed delta (timeline seconds)
    last_at: float | None = None  # arrival of its last timed delta
    play_end: float = 0.0  # where that playback ends so far
    stalls: int = 0
    stall_seconds: float = 0.0
    ahead_max: float = 0.0  # the most audio received ahead of playback (what the client buffers)
    untimed: int = 0  # deltas without a timestamp in a log with timestamps

    @property
    def seconds(self) -> float:
        """Duration of the generated audio."""
        return self.nbytes / self.bytes_per_second

    @property
    def heard_seconds(self) -> float:
        """Duration up to the truncation point (the whole audio if not truncated)."""
        if self.cut_ms is None:
            return self.seconds
        return min(self.seconds, max(self.cut_ms, 0) / 1000)

    @property
    def heard_nbytes(self) -> int:
        """Bytes kept by `--side both`: up to the truncation point, whole samples."""
        if self.cut_ms is None:
            return self.nbytes
        n = max(self.cut_ms, 0) * self.bytes_per_second // 1000
        return min(self.nbytes, n - n % self.bytes_per_sample)

    @property
    def end(self) -> float:
        """Where the heard audio ends on the timeline."""
        return self.start + self.heard_seconds


@dataclass(slots=True)
class _Anchor:
    """Timestamps without appends: the estimated time of input offset 0, the earliest
    `time - offset` of the VAD events counted from it (an event comes after its audio)."""

    value: float | None = None

    def note(self, a: float) -> None:
        if self.value is None or a < self.value:
            self.value = a


@dataclass(slots=True)
class _Epoch:
    """Per-session state: the session's origin and its input stream."""

    base: float  # where the session starts on the timeline (no-timestamp rule)
    in_bytes: int = 0  # input audio appended in this session
    buffer_start: int = 0  # input offset where the uncommitted buffer starts
    anchor: _Anchor = field(default_factory=_Anchor)  # of the session's input stream
    buffer_anchor: _Anchor = field(default_factory=_Anchor)  # of the current buffer (offsets that restart)
    buffer_base: float | None = None  # neither timestamps nor appends: where the current buffer starts
    first_time: float | None = None  # the session's first timestamp, as a position
    vad: bool = False  # a VAD event seen: the input is one continuous stream (no timestamps)
    opened: bool = False  # the log has the session's session.created: its input starts in the log
    late: bool = False  # the log starts after this session did (mid-session)
    in_offset: int = 0  # bytes of the session's input before this log's first append (mid-session)
    relative: bool = False  # VAD offsets count from the current buffer, not the session's start
    vad_max: int | None = None  # the largest VAD offset seen (ms)
    last_start: float | None = None  # where the last user speech starts (the next never starts earlier)
    last_end: float | None = None  # where the last user speech ends
    chunk_len: int = 0  # the size of every append so far, -1 once they differ (a recorder's cut)
    first_at: float = 0.0  # where the first append plays
    bps: int = 0  # input rate of the last placement
    offsets: list[int] = field(default_factory=list)  # append placements (discontinuities only)
    starts: list[float] = field(default_factory=list)
    rates: list[int] = field(default_factory=list)


@dataclass(slots=True)
class UserSpan:
    """A user turn's speech on the timeline (seconds; None where unknown)."""

    item_id: str | None
    start: float | None = None
    end: float | None = None
    start_ms: int | None = None  # the VAD offsets as logged
    end_ms: int | None = None
    _epoch: _Epoch | None = field(default=None, repr=False)
    _anchor: _Anchor | None = field(default=None, repr=False)  # placed by it when the session has no appends


class Timeline:
    """Feed every event in order, after `sessions.feed(ev)` (the caller keeps the
    SessionTracker up to date). `feed` returns the start (seconds on the timeline) of
    an audio event's chunk and None for other events.

    For chunks read without decoding, pass the decoded size as `nbytes`; otherwise it
    is taken from `ev.audio_info()`. Results: `t0` (epoch seconds of t=0, or None),
    `items` (assistant item id → ItemAudio), `user_spans` (user item id → UserSpan),
    `cuts` (the file's truncations: where each item was cut, the one rule every view reads).
    What placement had to work around, over all files: `mid_session` (a log that starts
    mid-session, `mid_session_at` the (file, line) that showed it), `restarting_offsets`
    (VAD offsets that restart at each turn, `restarting_offsets_at`), and `notes`, one
    warning line for each (`file:line: …`) for the commands to print.
    """

    def __init__(self, sessions: SessionTracker) -> None:
        self.sessions = sessions
        self.t0: float | None = None
        self.items: dict[str, ItemAudio] = {}
        self.user_spans: dict[str, UserSpan] = {}
        self._epoch = _Epoch(0.0)
        self.cuts = Truncations()
        self._user_cursor = 0.0
        self._asst_cursor = 0.0
        self._current: ItemAudio | None = None  # the item audio placed last
        self._pending_trigger: float | None = None  # lower bound for the next response (no timestamps)
        self._triggers: dict[str, float] = {}
        self._spoken_to: set[str] = set()  # responses triggered by speech (placed by it even without audio)
        self._by_speech = False  # the pending trigger is the end of speech (not a typed message)
        self._anon = 0
        self._epoch_used = False
        self._in_bps = sessions.input_format.bytes_per_second  # refreshed on session events
        self._file_base = 0.0  # where the current file starts on the timeline
        self._latest = 0.0  # the latest timestamp seen, as a position (0 without timestamps)
        self._placed = 0.0  # the latest time placed by VAD offsets or commits (a log without audio)
        self.mid_session = False
        self.mid_session_at: tuple[str, int] | None = None
        self.restarting_offsets = False
        self.restarting_offsets_at: tuple[str, int] | None = None
        self.notes: list[str] = []

    @property
    def end(self) -> float:
        """Where everything placed so far ends: user and assistant audio, user speech placed
        by VAD offsets (a log without audio or timestamps), and the latest timestamp seen (a
        text-only log with timestamps has no audio to place)."""
        return max(self._user_cursor, self._asst_cursor, self._latest, self._placed, self._file_base)

    @property
    def file_base(self) -> float:
        """Where the current file starts on the timeline."""
        return self._file_base

    def extend_to(self, t: float) -> None:
        """Something placed outside these rules (a GPT-Live session's speech) reaches `t`:
        the next file starts after it."""
        self._placed = max(self._placed, t)

    def new_file(self, sessions: SessionTracker | None = None) -> float:
        """Start the next input file: its own conversation, placed from `end` on (an epoch
        per file, like the one per session). Its timestamps (if any) are measured from its
        own first timestamp, so two logs taken hours apart do not leave hours of silence,
        and a file without timestamps does not go back to 0. `items` and `user_spans` start
        empty (read the previous file's first: ids may repeat across files); `sessions`
        replaces the tracker if given. Returns the new file's start on the timeline."""
        base = self.end
        if sessions is not None:
            self.sessions = sessions
        self.t0 = None
        self.items = {}
        self.user_spans = {}
        self._epoch = _Epoch(base)
        self.cuts = Truncations()
        self._user_cursor = self._asst_cursor = self._latest = self._placed = self._file_base = base
        self._current = None
        self._pending_trigger = None
        self._triggers = {}
        self._spoken_to = set()
        self._epoch_used = False
        self._in_bps = self.sessions.input_format.bytes_per_second
        return base

    # -- audio -------------------------------------------------------------------------

    def feed(self, ev: Event, nbytes: int | None = None) -> float | None:
        ts = ev.timestamp
        if ts is not None:
            if self.t0 is None:
                self.t0 = ts - self._file_base
            elif ts - self.t0 > self._latest:
                self._latest = ts - self.t0
            if self._epoch.first_time is None:
                self._epoch.first_time = ts - self.t0
        kind = ev.kind
        if kind == OUTPUT_AUDIO_DELTA:
            return self.assistant_audio(ev, nbytes)
        if kind == INPUT_AUDIO_APPEND:
            return self.user_audio(ev, nbytes)
        if kind in _SESSION_KINDS:
            self._in_bps = self.sessions.input_format.bytes_per_second
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(self, ev)
        return None

    def user_audio(self, ev: Event, nbytes: int | None = None) -> float:
        """Place an `input_audio_buffer.append`; returns its start."""
        return self.user_audio_at(ev.timestamp, decoded_size(ev) if nbytes is None else nbytes)

    def user_audio_at(self, ts: float | None, nbytes: int) -> float:
        """`user_audio` from the append's timestamp and decoded size (a reader's fast path)."""
        bps = self._in_bps
        cursor = self._user_cursor
        ep = self._epoch
        if ts is None:
            start = cursor
            if not ep.vad and ep.in_bytes == ep.buffer_start and self._asst_cursor > cursor:
                start = self._asst_cursor  # push-to-talk: a new buffer is spoken after the reply
        else:
            t0 = self.t0
            if t0 is None:
                t0 = self.t0 = ts - self._file_base
            start = ts - t0
            if start < cursor + _SNAP:
                start = cursor
        if start != cursor or ep.bps != bps:
            if not ep.offsets:
                ep.first_at = start
            self._epoch_used = True
            ep.bps = bps
            ep.offsets.append(ep.in_bytes)
            ep.starts.append(start)
            ep.rates.append(bps)
            if len(ep.offsets) > 2 * SEGMENT_WINDOW:
                del ep.offsets[:SEGMENT_WINDOW], ep.starts[:SEGMENT_WINDOW], ep.rates[:SEGMENT_WINDOW]
        if nbytes != ep.chunk_len:
            ep.chunk_len = -1 if ep.in_bytes else nbytes
        ep.in_bytes += nbytes
        self._user_cursor = start + nbytes / bps
        return start

    def assistant_audio(self, ev: Event, nbytes: int | None = None) -> float:
        """Place an assistant audio delta; returns its start."""
        d = ev.data
        return self.assistant_audio_of(
            d.get("item_id"), d.get("response_id"), ev.timestamp, decoded_size(ev) if nbytes is None else nbytes
        )

    def assistant_audio_of(self, iid: Any, rid: Any, ts: float | None, nbytes: int) -> float:
        """`assistant_audio` from the delta's item_id, response_id (as found), timestamp and
        decoded size (a reader's fast path)."""
        if type(iid) is not str:
            iid = None
        item = self.items.get(iid)
        if item is None:
            item = self._new_item(iid, _str(rid), ts)
        offset = item.nbytes
        total = item.nbytes = offset + nbytes
        bps = item.bytes_per_second
        # the end of the heard audio (item.end, spelled out: this runs for every delta)
        end = item.start + total / bps if item.cut_ms is None else item.end
        if end > self._asst_cursor:
            self._asst_cursor = end
        t0 = self.t0
        if ts is not None and t0 is not None:  # delivery (see ItemAudio)
            a = ts - t0
            pe = item.play_end
            if a > pe + _STALL:
                item.stalls += 1
                item.stall_seconds += a - pe
                pe = a
            pe += nbytes / bps
            item.play_end = pe
            if pe - a > item.ahead_max:
                item.ahead_max = pe - a
            if item.first_at is None:
                item.first_at = a
            item.last_at = a
        elif t0 is not None:
            item.untimed += 1
        return item.start + offset / bps

    def _new_item(self, iid: str | None, rid: str | None, ts: float | None) -> ItemAudio:
        self._epoch_used = True
        fmt = self.sessions.output_format(rid)
        cursor = self._asst_cursor
        cur = self._current
        guessed = False
        if cur is not None and rid is not None and cur.response_id == rid:
            start = cursor  # the next item of the same response follows on
            guessed = cur.guessed
        else:
            if ts is not None:
                if self.t0 is None:
                    self.t0 = ts - self._file_base
                low = ts - self.t0
            else:
                low = self._triggers.get(rid, self._epoch.base) if rid else (self._pending_trigger or self._epoch.base)
                guessed = self.t0 is not None and (rid is None or rid not in self._triggers)
            start = low if low > cursor + _SNAP else cursor
        # (a truncation may come before the item's audio: it is cut from its first chunk)
        item = ItemAudio(iid, rid, start, fmt.bytes_per_second, fmt.bytes_per_sample,
                        cut_ms=self.cuts.cut_ms(iid), guessed=guessed)
        # the next item of a response plays after the one before it has (delivery)
        item.play_end = max(start, cur.play_end) if cur is not None and rid is not None and cur.response_id == rid else start
        if iid is None:
            self._anon += 1
            iid = f"<no item id {self._anon}>"
        self.items[iid] = item
        self._current = item
        return item

    def response_start(self, response_id: str) -> float | None:
        """Without timestamps: where a response starts by the rule (right after the user
        speech or typed message that triggered it) — for a reply the log has no audio of;
        None when nothing placed triggered it, or with timestamps (its events' times say)."""
        if self.t0 is not None or response_id not in self._spoken_to:
            return None  # (a typed message has no time of its own without timestamps or audio)
        return self._triggers.get(response_id)

    # -- mapping input offsets ------------------------------------------------------------

    def user_time(self, offset_ms: int, epoch: _Epoch | None = None, *, start: bool = False) -> float | None:
        """Timeline seconds of a position in a session's input stream (a VAD offset).
        `start`: the position is a speech start (see the module docstring on pauses)."""
        ep = epoch or self._epoch
        if ep.offsets:
            rates, offsets = ep.rates, ep.offsets
            pos = self._input_pos(ep, offset_ms)
            i = max(bisect_right(offsets, pos) - 1, 0)
            starts = ep.starts
            if start:
                # a pause in the appends within the padding after the start: speech follows the pause
                j, reach = i + 1, pos + PREFIX_PADDING_MS * rates[i] // 1000
                while j < len(offsets) and offsets[j] <= reach:
                    if starts[j] - (starts[j - 1] + (offsets[j] - offsets[j - 1]) / rates[j - 1]) >= PREFIX_PADDING_MS / 1000:
                        return starts[j]
                    j += 1
            return starts[i] + (pos - offsets[i]) / rates[i]
        if self.t0 is not None:
            a = (ep.buffer_anchor if ep.relative else ep.anchor).value
            return None if a is None else max(a + offset_ms / 1000, ep.base)
        base = ep.buffer_base if ep.relative and ep.buffer_base is not None else ep.base
        return base + offset_ms / 1000

    @staticmethod
    def _input_pos(ep: _Epoch, offset_ms: int) -> int:
        """Bytes into the session's appended input (as the log has it) where a VAD offset
        lies: past the input the log lacks (`in_offset`), or from the current buffer's start
        for offsets that restart; never before the log's first append or, from a buffer,
        past the audio appended so far."""
        rate = ep.rates[-1]
        if ep.relative:
            pos = ep.buffer_start + offset_ms * rate // 1000
            return pos if pos < ep.in_bytes else ep.in_bytes
        pos = offset_ms * rate // 1000 - ep.in_offset
        return pos if pos > 0 else 0

    def input_seconds(self, offset_ms: int) -> float:
        """Where a VAD offset lies in the input audio appended in the current session (and
        file), in seconds: for cutting the user's own stream (`extract-audio --side user
        --split`) by the same reading of the offsets as `user_time`."""
        ep = self._epoch
        if not ep.offsets:
            return offset_ms / 1000
        return self._input_pos(ep, offset_ms) / ep.rates[-1]

    def _offset_time(self, offset_bytes: int) -> float | None:
        ep = self._epoch
        if ep.offsets:
            i = max(bisect_right(ep.offsets, offset_bytes) - 1, 0)
            return ep.starts[i] + (offset_bytes - ep.offsets[i]) / ep.rates[i]
        if self.t0 is None:
            return ep.base + offset_bytes / self._in_bps
        return None

    def span(self, item_id: str) -> UserSpan | None:
        """A user item's speech span, with times resolved as well as the log allows."""
        sp = self.user_spans.get(item_id)
        if sp is None:
            return None
        ep, a = sp._epoch, sp._anchor
        if ep is not None and a is not None and a.value is not None and not ep.offsets:
            # timestamps but no appends: offsets are placed by the anchor estimated from VAD
            # events (speech that began before the log or session did starts with it)
            if sp.start_ms is not None:
                sp.start = max(a.value + sp.start_ms / 1000, ep.base)
            if sp.end_ms is not None:
                sp.end = max(a.value + sp.end_ms / 1000, ep.base)
        return sp

    # -- handlers -------------------------------------------------------------------------

    def _user_span(self, ev: Event) -> UserSpan | None:
        iid = _str(ev.data.get("item_id"))
        if iid is None:
            return None
        sp = self.user_spans.get(iid)
        if sp is None:
            sp = self.user_spans[iid] = UserSpan(iid, _epoch=self._epoch)
        return sp

    def _note_placed(self, t: float | None) -> None:
        if t is not None and t > self._placed:
            self._placed = t

    def _note_anchor(self, ev: Event, ms: int, sp: UserSpan | None) -> None:
        ep = self._epoch
        if ev.timestamp is None or self.t0 is None or ep.offsets:
            return
        a = ev.timestamp - self.t0 - ms / 1000
        ep.buffer_anchor.note(a)
        if not ep.relative:
            ep.anchor.note(a)
            first = ep.first_time if ep.first_time is not None else self._file_base
            if a < first - MID_SESSION_MS / 1000 and not ep.late and not ep.opened:
                self._found_mid_session(ev, f"its VAD offsets count from {first - a:.1f} s before its first event; "
                                            "user speech is placed by timestamps")  # fmt: skip
        if sp is not None:
            sp._anchor = ep.buffer_anchor if ep.relative else ep.anchor

    def _check_offset(self, ev: Event, ms: int, start: bool) -> None:
        """Read a VAD offset against the input appended before it. Offsets that go back
        across turns count from the current buffer (a relay), not the session's start; an
        offset past all the audio the log appended shows a log that starts mid-session: the
        input it lacks is at least what the offset is past it, plus the prefix padding a
        speech start reaches back (the smallest amount that fits every VAD event so far)."""
        ep = self._epoch
        if not ep.relative and ep.vad_max is not None and ms + PREFIX_PADDING_MS < ep.vad_max:
            ep.relative = True
            if not self.restarting_offsets:
                self.restarting_offsets, self.restarting_offsets_at = True, (ev.source, ev.line_no)
            how = ("from the start of each input buffer (the last commit)" if ep.offsets
                   else "by timestamps, from each buffer's events" if self.t0 is not None
                   else "from the end of the speech before (where its buffer was committed)")  # fmt: skip
            self.notes.append(f"{ev.source}:{ev.line_no}: VAD offsets restart at each turn ({ms} ms after "
                              f"{ep.vad_max} ms): placed {how}, not from the session's start")  # fmt: skip
        if ep.vad_max is None or ms > ep.vad_max:
            ep.vad_max = ms
        if ep.relative or not ep.offsets:
            return
        cl = ep.chunk_len
        if cl > 0 and recorder_cut(ep.in_bytes // cl, cl, True):
            return  # the recorder kept a head of each chunk: what was appended is not known
        rate = ep.rates[-1]
        if self.t0 is not None and 2 * ep.in_bytes < rate * (self._latest - ep.first_at):
            return  # the appends hold less than half the time they span: trimmed or sparse, no measure
        past = ms * rate // 1000 - ep.in_bytes
        if not ep.late and (past <= MID_SESSION_MS * rate // 1000 or ep.opened):
            return  # (a log with the session's start that lacks input audio: its recorder dropped some)
        need = past + (PREFIX_PADDING_MS * rate // 1000 if start else 0)
        if need > ep.in_offset:
            if not ep.late:
                self._found_mid_session(ev, f"its VAD offsets count about {need / rate:.1f} s of input audio before "
                                            "its first append; user speech is placed on the audio it has")  # fmt: skip
            ep.in_offset = need

    def _found_mid_session(self, ev: Event, why: str) -> None:
        self._epoch.late = True
        if not self.mid_session:
            self.mid_session, self.mid_session_at = True, (ev.source, ev.line_no)
        self.notes.append(f"{ev.source}:{ev.line_no}: the log starts mid-session: {why}")

    def _speech_started(self, ev: Event) -> None:
        ms = _int(ev.data.get("audio_start_ms"))
        sp = self._user_span(ev)
        self._epoch_used = True
        ep = self._epoch
        ep.vad = True
        if ms is None:
            return
        self._check_offset(ev, ms, True)
        if sp is None:
            return
        self._note_anchor(ev, ms, sp)
        sp.start_ms = ms
        start = self.user_time(ms, start=True)
        if start is not None:
            if ep.last_start is not None and start < ep.last_start:
                start = ep.last_start  # user turns never go back in time
            ep.last_start = start
        sp.start = start
        self._note_placed(start)

    def _speech_stopped(self, ev: Event) -> None:
        ms = _int(ev.data.get("audio_end_ms"))
        sp = self._user_span(ev)
        ep = self._epoch
        ep.vad = True
        if ms is None:
            return
        self._check_offset(ev, ms, False)
        self._note_anchor(ev, ms, sp)
        end = self.user_time(ms)
        if sp is not None:
            if sp.start is None and sp.start_ms is None and ep.late:
                sp.start = self.user_time(0)  # speech that began before a log that starts mid-session: with it
            if end is not None and sp.start is not None and end < sp.start:
                end = sp.start
            sp.end_ms = ms
            sp.end = end
        if end is None and self.t0 is None:
            end = ep.base + ms / 1000
        if end is not None:
            ep.last_end = end
        self._note_placed(end)
        self._pending_trigger, self._by_speech = end, True

    def _committed(self, ev: Event) -> None:
        ep = self._epoch
        iid = _str(ev.data.get("item_id"))
        if iid is not None and iid not in self.user_spans and ep.in_bytes > ep.buffer_start:
            # a manual commit (no VAD): the item is the audio appended since the last commit
            sp = self.user_spans[iid] = UserSpan(iid, _epoch=ep)
            sp.start = self._offset_time(ep.buffer_start)
            sp.end = self._offset_time(ep.in_bytes)
            if sp.end is not None:
                self._pending_trigger, self._by_speech = sp.end, True
        self._new_buffer()

    def _cleared(self, ev: Event) -> None:
        self._new_buffer()

    def _new_buffer(self) -> None:
        """A commit or clear: the next input buffer starts (offsets that restart count from it)."""
        ep = self._epoch
        ep.buffer_start = ep.in_bytes
        ep.buffer_anchor = _Anchor()
        if ep.last_end is not None:
            ep.buffer_base = ep.last_end

    def _user_text(self, ev: Event) -> None:
        item = ev.item
        if item is not None and item.role == "user" and any(p.type == "input_text" for p in item.content):
            # a typed user message: the response it triggers starts no earlier than "now"
            self._pending_trigger = self._user_cursor if self.t0 is None else None
            self._by_speech = False

    def _response_created(self, ev: Event) -> None:
        resp = ev.data.get("response")
        rid = _str(resp.get("id")) if type(resp) is dict else _str(ev.data.get("response_id"))
        if rid is not None and self._pending_trigger is not None:
            self._triggers[rid] = self._pending_trigger
            if self._by_speech:
                self._spoken_to.add(rid)

    def _truncated(self, ev: Event) -> None:
        iid = self.cuts.feed(ev)
        item = self.items.get(iid) if iid is not None else None
        if item is None:
            return
        item.cut_ms = self.cuts.cut_ms(iid)
        if item is self._current:
            self._asst_cursor = item.end

    def _session_created(self, ev: Event) -> None:
        if not self._epoch_used:
            self._epoch.opened = True
            return
        base = max(self._user_cursor, self._asst_cursor, self._placed)
        self._epoch = _Epoch(base, opened=True)
        if ev.timestamp is not None and self.t0 is not None:
            self._epoch.first_time = ev.timestamp - self.t0
        self._epoch_used = False
        if self.t0 is None:
            self._user_cursor = base
        self._pending_trigger = None
        self._current = None


_SESSION_KINDS = frozenset({"session.created", "session.updated", "session.update"})

_HANDLERS = {
    "input_audio_buffer.speech_started": Timeline._speech_started,
    "input_audio_buffer.speech_stopped": Timeline._speech_stopped,
    "input_audio_buffer.committed": Timeline._committed,
    "input_audio_buffer.cleared": Timeline._cleared,
    "conversation.item.create": Timeline._user_text,
    "conversation.item.added": Timeline._user_text,
    "response.created": Timeline._response_created,
    "conversation.item.truncate": Timeline._truncated,
    "conversation.item.truncated": Timeline._truncated,
    "session.created": Timeline._session_created,
}
