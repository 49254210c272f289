"""The fold: one pass over a log's events → its `Conversation`.

Owns the order in which every event reaches the rules, and nothing else: each rule lives
in its own module and sees the events it needs —
- `session.SessionTracker`: each session's configuration and audio formats;
- `timeline.Timeline`: where each piece of audio plays (the placement extract-audio uses),
  and, by `truncations.Truncations` (`Timeline.cuts`), where each item was cut;
- `turns.TurnTracker`: user turns and the responses each triggered;
- `ledger.Ledger`: responses, usage, tool calls, errors;
- `items.ItemAssembler`: the items, their text and their order;
- `stats.LogStats`: event counts, the clock and the audio payloads of each side;
- `live.LiveTracker`: the dialect of every session, and GPT-Live / Translation sessions,
  whose events it takes before any Realtime rule sees them (their names collide).

Audio chunks (~95 % of a log's bytes) contribute sizes and times only. The reader's fast
path (`fast_lines`) takes runs of audio lines from their digests, without an Event, and
does what `feed` would do for them; a line it cannot take (a response's first timed
audio, the first timestamp of the log) goes to `feed`. Both paths give the same model.
extract-audio, which decodes every chunk, feeds its audio events through `feed_audio`
with the size it writes, and places each chunk where that returns.

Several files: each is its own conversation; `Fold(after=previous)` places the next file's
timeline after the previous one's (see `Timeline.new_file`).

Memory: the conversation (a few records per turn, response and item, and its text); never
audio.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial

from rtlog.conversation.items import ItemAssembler, _Error, _Item
from rtlog.conversation.ledger import Ledger
from rtlog.conversation.live import LiveTracker
from rtlog.conversation.model import AssistantAudio, Conversation, ErrorNote, Item, Recording
from rtlog.conversation.moments import MomentTracker
from rtlog.conversation.session import SESSION_KINDS, SessionTracker
from rtlog.conversation.stats import IMPLAUSIBLE, MAX_PLACEHOLDER_SECONDS, LogStats, audio_payload
from rtlog.conversation.timeline import Timeline
from rtlog.conversation.turns import TurnTracker
from rtlog.io.entries import DigestedLine
from rtlog.protocol.events import Event
from rtlog.protocol.formats import DEFAULT_FORMAT
from rtlog.protocol.item_audio import ITEM_CREATE, item_audio_appends
from rtlog.protocol.live import INPUT_AUDIO_TYPES as LIVE_INPUT_AUDIO
from rtlog.protocol.live import OUTPUT_AUDIO_TYPES
from rtlog.protocol.realtime import INPUT_AUDIO_APPEND, OUTPUT_AUDIO_DELTA

LIVE_AUDIO = LIVE_INPUT_AUDIO | OUTPUT_AUDIO_TYPES

#: what happens in a resumed session once its replayed history is over
REPLAY_ENDS = frozenset({
    "conversation.item.create", "response.create", "response.created", "input_audio_buffer.speech_started",
    "input_audio_buffer.committed", "input_audio_buffer.commit",
})  # fmt: skip


class Fold:
    """Feed every event in order (`feed`, or the reader's fast path `fast_lines`), then
    `finish()` for the Conversation.

    No part of a fold refers back to the fold or to itself (no bound method of its own
    kept, no closure over it): dropped, it is freed at once by reference counting. A cycle
    would keep the whole of it (timeline, items, counts) until the cyclic collector ran —
    which, at the threshold `rtlog.__main__` sets for speed, may be never: a 20-hour log's
    summary peaked ~10 MB higher for one."""

    def __init__(self, source: str = "", *, after: Fold | None = None, recording: bool = True) -> None:
        """`after`: the previous file's fold, to place this file after it; `recording`: count
        what the log is made of (`Conversation.recording`: events by type, audio payloads,
        copies, the clock) — a view that reads none of it (transcript, extract-audio) folds
        without, and gets `recording` None."""
        self.source = source
        self._recording = recording
        self.sessions = SessionTracker()
        if after is None:
            self.timeline = Timeline(self.sessions)
        else:
            self.timeline = after.timeline
            self.timeline.new_file(self.sessions)
        if after is not None:
            self.sessions.notes = after.sessions.notes  # (one list for chained files, as the timeline's notes)
        self._session_notes_from = len(self.sessions.notes)
        self._notes_from = len(self.timeline.notes)  # (the timeline's notes of earlier files are theirs)
        self.turns = TurnTracker()
        self.ledger = Ledger(self.sessions)
        self.items = ItemAssembler(self.sessions)
        self.stats = LogStats()
        self._clock = self.stats.clock  # (the object stays; `feed` reads its `first`)
        self.moments = MomentTracker(self.sessions)
        self.live = LiveTracker(self.sessions, self.ledger)
        self._handlers = (self.turns.handlers(), self.ledger.handlers(), self.items.handlers(), self.moments.handlers())
        self._routes: dict[str, tuple[Callable[[Event], None], ...]] = {}
        stats = self.stats  # what `fast_lines` works on (the objects stay, their contents change)
        self._fast = (stats, stats.clock, self.ledger.formats, self.ledger.responses, stats.audio_in, stats.audio_out,
                      stats.fast_counts, self.timeline.user_audio_at, self.timeline.assistant_audio_of)  # fmt: skip

    # -- the normal path ---------------------------------------------------------------------

    def feed(self, ev: Event) -> bool:
        """Take one event. False: history a resumed session replayed, which only the items
        keep (it is no new turn, call or response, and places nothing)."""
        kind = ev.kind
        if kind == OUTPUT_AUDIO_DELTA or kind == INPUT_AUDIO_APPEND:
            self.feed_audio(ev)
            return True
        if self.live.takes(ev):
            self._feed_live(ev)
            return True
        if self._recording:
            self.stats.add(ev)
        elif self._clock.first is None:  # (not counting: only the log's first timestamp)
            self.stats.first_time(ev.timestamp)
        items = self.items
        if items.replay_open:
            if kind == "conversation.item.added" and items.is_replay(ev):
                items.replayed(ev)
                return False
            if kind in REPLAY_ENDS:
                items.replay_open = False
        route = self._routes.get(kind)
        if route is None:
            route = self._routes[kind] = self._route(kind)
        for handle in route:
            handle(ev)
        return True

    def feed_audio(self, ev: Event, nbytes: int | None = None, payload: tuple[int, str | None] | None = None) -> float:
        """Take an audio event (`input_audio_buffer.append` or an assistant audio delta);
        returns where its chunk starts on the timeline. For a caller that decoded the chunk
        (extract-audio): `nbytes`, the size to place it by (what it writes), and `payload`,
        the payload's decoded size and problem as `audio_payload(ev)` gives them (the
        recording's audio counts take these); by default both come from `audio_payload`."""
        counting = self._recording
        if counting:
            self.stats.add_audio(ev)
        elif self._clock.first is None:  # (not counting: only the log's first timestamp)
            self.stats.first_time(ev.timestamp)
        assistant = ev.kind == OUTPUT_AUDIO_DELTA
        fmt = self.ledger.output_audio(ev) if assistant else None  # (and the response's first audio)
        if nbytes is None or counting:  # (extract-audio, which knows the size, places by it: no format needed)
            if fmt is None:
                fmt = self.sessions.input_format
            size, problem = audio_payload(ev) if payload is None else payload
            if problem == "placeholder" and size > MAX_PLACEHOLDER_SECONDS * fmt.bytes_per_second:
                problem, size = IMPLAUSIBLE, 0  # not believed: no time, no silence (as extract-audio skips it)
            if nbytes is None:
                nbytes = size
        if assistant:
            if counting:
                self.stats.audio_out.add(size, problem, fmt, ev.line_no)
            return self.timeline.assistant_audio(ev, nbytes)
        if counting:
            self.stats.audio_in.add(size, problem, fmt, ev.line_no)
        return self.timeline.user_audio_at(ev.timestamp, nbytes)

    def _feed_live(self, ev: Event) -> None:
        """A GPT-Live or Translation event: counted, its time on the timeline, then the
        Live rules (audio: its decoded size, through the normal path)."""
        if self._recording:
            self.stats.add(ev)
        elif self._clock.first is None:  # (not counting: only the log's first timestamp)
            self.stats.first_time(ev.timestamp)
        if ev.kind != "session.created":
            self.timeline.feed(ev)
        if ev.kind in LIVE_AUDIO:
            size, problem = audio_payload(ev)
            valid = problem is None or problem == "placeholder"
            self.live.audio(ev, size, valid)
            if self._recording:
                s = self.live.session
                side = self.stats.audio_in if ev.kind in LIVE_INPUT_AUDIO else self.stats.audio_out
                fmt = (s.input_format if side is self.stats.audio_in else s.output_format) if s is not None else DEFAULT_FORMAT
                side.add(size, problem, fmt, ev.line_no)
            return
        self.live.feed(ev)

    def _route(self, kind: str) -> tuple[Callable[[Event], None], ...]:
        """The rules an event of this kind goes to, in order: sessions first (a new session
        is in force for everything after it), then the timeline (every event: its timestamp;
        truncations), turns, the ledger and the items. Only the rules that look at the
        kind are called."""
        route: list[Callable[[Event], None]] = []
        if kind in SESSION_KINDS:
            route.append(self.sessions.feed)
        route.append(self.timeline.feed)
        if kind == ITEM_CREATE and self._recording:
            route.append(partial(_item_audio, self.stats, self.sessions, self.timeline))
        for handlers in self._handlers:
            h = handlers.get(kind)
            if h is not None:
                route.append(h)
        return tuple(route)

    # -- the fast path: audio lines from their digests -------------------------------------------

    def fast_lines(self, entries: Sequence[DigestedLine], j: int, line0: int) -> int:
        """The reader's fast path (`reader.FastPath`): take the bare audio lines entries[j],
        entries[j + 1], … from their digests, up to the first that needs `feed`: a
        response's first audio (its format and time are needed), or a line whose timestamp
        is the log's first. Returns the index of the first entry not taken."""
        stats, clock, formats, responses, audio_in, audio_out, counts, user_audio_at, assistant_audio_of = self._fast
        in_fmt = self.sessions.input_format
        # LogStats.timestamp, inlined, in locals written back once (the resolution is judged
        # on the other events): this loop runs for ~95% of a log's bytes
        counting = self._recording
        first_known, whole = clock.first is not None, stats.whole_seconds
        earliest, latest = clock.earliest, clock.latest
        timed = 0
        last_timed: DigestedLine | None = None
        m = len(entries)
        taken = j
        # the response of the last assistant chunk: its format, and whether its first timed
        # audio is still to come (consecutive chunks are of one response; nothing but this
        # loop changes either until it returns)
        last_rid: object = None
        out_fmt = in_fmt
        first_due = False
        while j < m:
            entry = entries[j]
            if len(entry) != 4:
                break  # not an audio line
            t, nbytes, rid, item, ts = entry[3]
            if t == INPUT_AUDIO_APPEND:
                a = audio_in
                fmt = in_fmt
            else:
                if rid != last_rid:
                    out_fmt = formats.get(rid)
                    if out_fmt is None:
                        break  # a response's first audio: its format is fixed by `feed`
                    r = responses.get(rid)
                    first_due = r is not None and r.first_audio_at is None
                    last_rid = rid
                if first_due and ts is not None:
                    break  # its first timed audio: latency needs it
                fmt = out_fmt
                a = audio_out
            if ts is not None:
                if not first_known:
                    break  # the span starts here
                last_timed = entry
                timed += 1
                if ts > latest:
                    latest = ts
                elif ts < earliest:
                    earliest = ts
                if whole and ts % 1.0:
                    whole = False
            elif not stats.seen_event:
                stats.seen_event = True  # the log's first event, without a time
            if a is audio_in:
                user_audio_at(ts, nbytes)
            else:
                assistant_audio_of(item, rid, ts, nbytes)
            if counting:  # SideAudio.add, inlined
                a.chunks += 1
                if fmt is a.fmt:
                    a.fmt_bytes += nbytes
                else:
                    a.switch_format(fmt, nbytes)
                if nbytes != a.first_len and a.same_len:
                    a.length_changed(nbytes)
                if nbytes & 1:
                    a.odd += 1
                counts[t] += 1
            j += 1
        if j > taken:
            stats.lines = stats.last_event_line = line0 + entries[j - 1][0] + 1
            if last_timed is not None:
                clock.timed_events += timed
                clock.earliest, clock.latest = earliest, latest
                stats.whole_seconds = whole
                stats.last_fast_ts = last_timed[3][4]
                stats.last_fast_no = line0 + last_timed[0] + 1
        return j

    # -- the result ---------------------------------------------------------------------------------

    def finish(self, malformed: int = 0, lines: int = 0) -> Conversation:
        """The conversation of everything fed so far (`malformed`: bad lines the reader
        skipped; `lines`: the lines it read, blank and bad ones at the end included)."""
        stats, ledger = self.stats, self.ledger
        stats.finish()
        rec = None if not self._recording else Recording(
            lines=max(stats.lines, lines), events=stats.events, malformed=malformed,
            event_counts=stats.counts, directions=stats.dirs, unknown_types=stats.unknown, clock=stats.clock,
            audio_in=stats.audio_in, audio_out=stats.audio_out, audio_evidence=stats.audio_evidence,
            copies=stats.copies, first_copy=stats.first_copy,
            repeated_done=ledger.repeated_done, repeated_done_line=ledger.repeated_done_line,
            implausible_usage=ledger.implausible,
        )  # fmt: skip
        cuts = self.timeline.cuts.items()
        tl = self.timeline
        for iid in tl.user_spans:  # every user turn's speech, committed or not (the metrics of how it felt)
            sp = tl.span(iid)
            if sp is not None:
                self.moments.moments.speech[iid] = (sp.start, sp.end)
        audio = self._assistant_audio()
        conv = Conversation(
            source=self.source,
            recording=rec,
            sessions=list(self.sessions.sessions),
            turns=self.turns.turns,
            responses=ledger.all_responses(),
            items=self._items(),
            tool_calls=ledger.tool_calls(),
            errors=ledger.errors,
            transcription_failures=ledger.transcription_failures,
            transcription_usage=ledger.transcription_usage,
            truncations=ledger.truncations,
            cuts=cuts,
            assistant_audio=audio,
            t0=self.timeline.t0,
            cleared_responses=ledger.cleared,
            moments=self.moments.moments,
            service_warnings=ledger.service_warnings,
            notes=self.timeline.notes[self._notes_from :] + self.sessions.notes[self._session_notes_from :],
            live=self.live.live,
        )
        conv.by_response_id = {r.id: r for r in conv.responses if r.id is not None}
        return conv

    def _assistant_audio(self) -> list[AssistantAudio]:
        out = []
        for a in self.timeline.items.values():
            out.append(AssistantAudio(a.item_id, a.response_id, a.start, a.seconds, a.heard_seconds, a.nbytes, a.heard_nbytes, a.cut_ms,
                                      a.first_at, a.last_at, a.stalls, a.stall_seconds, a.ahead_max, a.untimed, a.guessed))  # fmt: skip
        return out

    def _items(self) -> list[Item | ErrorNote]:
        """The assembled items and errors, resolved: text joined, calls paired with their
        outputs, each placed on the timeline."""
        out: list[Item | ErrorNote] = []
        asm, tl = self.items, self.timeline
        t0 = tl.t0
        live = self.live.finish(t0, tl.file_base)
        if live:
            tl.extend_to(self.live.end)
        for order in asm.take_sessions():
            for k, x in enumerate(order):
                if isinstance(x, _Error):
                    start = None if x.ts is None or t0 is None else x.ts - t0
                    out.append(ErrorNote(x.session, x.line, x.error, x.text, x.ts, start))
                elif not x.vad_only:  # a false start: speech detected, never committed
                    out.append(self._item(x, t0))
                order[k] = None  # type: ignore[call-overload]  # (its deltas go now, not after the last item is made)
        if live:  # GPT-Live / Translation sessions' items, each session's in its place
            for items in live.values():
                out.extend(items)
            out.sort(key=lambda x: x.session)
        return out

    def _item(self, it: _Item, t0: float | None) -> Item:
        output = it.output
        name = it.name
        if it.kind == "function_call" and it.call_id:
            out = self.items.outputs.get(it.call_id)
            output = out.output if out else None
        elif it.kind == "function_call_output" and it.call_id:
            call = self.items.calls.get(it.call_id)
            name = call.name if call else None
        cut = self.timeline.cuts.cut_ms(it.item_id)
        item = Item(
            it.session, it.line, it.kind, it.role, it.item_id, it.response_id, it.status, it.text, name, it.call_id,
            it.args.text if it.args else None, output, it.client, it.speech, it.idle,
            cut, it.tr_error, it.first_ts, it.last_ts, replayed=it.replayed,
            server=it.server, error=it.error, phase=it.phase, images=it.images, keys=it.keys,
        )  # fmt: skip
        tl = self.timeline
        user = it.role == "user" and it.kind == "message"
        if user and it.item_id:
            sp = tl.span(it.item_id)
            if sp is not None:
                item.start, item.end = sp.start, sp.end
        elif it.item_id and it.item_id in tl.items:
            a = tl.items[it.item_id]
            item.audio_seconds = a.seconds
            if not a.guessed:  # (a guess is no time to show: the log's clock says nothing of this audio)
                item.start, item.end = a.start, a.end
        elif t0 is None and it.response_id and not user and it.kind != "function_call_output":
            item.start = tl.response_start(it.response_id)  # no audio, no timestamps: where the rule puts the reply
        if t0 is not None:
            if item.start is None and it.first_ts is not None:
                item.start = it.first_ts - t0
            if item.end is None and it.last_ts is not None and item.start is not None and it.last_ts - t0 > item.start:
                item.end = it.last_ts - t0
        return item


def fold(events: Iterable[Event], source: str = "", malformed: int = 0, *, recording: bool = True) -> Conversation:
    """The conversation of a stream of events (every event takes the normal path)."""
    f = Fold(source, recording=recording)
    feed = f.feed
    for ev in events:
        feed(ev)
    return f.finish(malformed)


def _item_audio(stats: LogStats, sessions: SessionTracker, timeline: Timeline, ev: Event) -> None:
    """User audio sent in a `conversation.item.create` (`input_audio` content parts):
    counted as user input and placed on the timeline as appended audio is. (extract-audio,
    which folds without recording, gives these parts to `feed_audio` itself, with the
    audio it writes.) A function of the parts it needs, not a method: a route holding a
    bound method of the fold would be a reference cycle (see `Fold`)."""
    for part in item_audio_appends(ev):
        size, problem = audio_payload(part)
        stats.audio_in.add(size, problem, sessions.input_format, ev.line_no)
        timeline.user_audio(part, size)
