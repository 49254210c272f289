"""What a session log holds, at a glance: one pass over its events → a `Summary`.

Owns the aggregation behind `rtlog summary`: sessions, time span, event counts,
conversation (turns, responses by status, interruptions, function calls), audio seconds
from payload lengths (never decoded), token usage and its estimated cost, latency from
the end of user speech to the first assistant audio, errors, and checks that say where
the log itself is wrong or lossy. `Summary.as_json()` is the stable `--json` schema.

Speed: audio payload lines are ~95% of a log's bytes. `SummaryBuilder.fast_lines` counts
bare audio lines from its `events.audio_digest` (a strict base64 check and the rest of
the line parsed without the payload) instead of building an Event; anything unusual goes
the normal way, so both paths count the same things. A big plain file is read by several
processes (`rtlog.io.parts`); the result is the same as one pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import orjson

from rtlog.conversation.session import SessionConfig, SessionTracker
from rtlog.conversation.truncations import Truncations
from rtlog.conversation.turns import TurnTracker
from rtlog.io.entries import DigestedLine
from rtlog.io.reader import Diagnostics, Source, read_events
from rtlog.metrics.pricing import PriceTable, builtin_table, usage_cost
from rtlog.protocol.audio_checks import recorder_cut
from rtlog.protocol.events import (
    AUDIO_PAYLOAD_KEY,
    CLIENT,
    INPUT_AUDIO_APPEND,
    KNOWN_TYPES,
    OUTPUT_AUDIO_DELTA,
    SERVER,
    UNKNOWN,
    Event,
    Usage,
    _str,
)
from rtlog.protocol.formats import DEFAULT_FORMAT, PCM16, AudioFormat

RESPONSE_STATUSES = ("completed", "cancelled", "incomplete", "failed")
#: events that show a conversation had audio even when no audio payload was recorded
AUDIO_EVIDENCE = frozenset(
    {
        "response.output_audio_transcript.delta", "response.output_audio_transcript.done", "response.output_audio.done",
        "output_audio_buffer.started", "output_audio_buffer.stopped", "output_audio_buffer.cleared",
        "input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped", "input_audio_buffer.committed",
    }
)  # fmt: skip
_SESSION_KINDS = frozenset({"session.created", "session.updated", "session.update", "response.create", "response.created"})
_RECENT_EVENTS = 1024  # server event ids remembered to notice an event logged twice (~150 bytes each)


@dataclass(slots=True)
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

    def add_bytes(self, nbytes: int, fmt: AudioFormat) -> None:
        """Decoded bytes whose chunks are counted elsewhere (`merge_counts`)."""
        self.by_format[fmt] = self.by_format.get(fmt, 0) + nbytes

    def merge_counts(self, stats: tuple[int, int, bool, int]) -> None:
        """Chunk statistics of a part of the same log: (chunks, first length, all that length, odd)."""
        chunks, first_len, same_len, odd = stats
        if not chunks:
            return
        self.chunks += chunks
        self.odd += odd
        if self.first_len < 0:
            self.first_len = first_len
        self.same_len = self.same_len and same_len and first_len == self.first_len

    def merge(self, other: SideAudio) -> None:
        """Add another log's finished totals (for totals over several files)."""
        if other.chunks and other.first_len >= 0:
            if self.first_len < 0:
                self.first_len = other.first_len
            self.same_len = self.same_len and other.same_len and other.first_len == self.first_len
        for k in ("chunks", "nbytes", "seconds", "odd", "invalid", "placeholders", "missing"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        for f, n in other.by_format.items():
            self.by_format[f] = self.by_format.get(f, 0) + n

    @property
    def cut_by_recorder(self) -> bool:
        """Every chunk has one short odd length: a recorder kept only a head of each (the
        rule shared with extract-audio: `audio_checks.recorder_cut`)."""
        return recorder_cut(self.chunks, self.first_len, self.same_len)


@dataclass(slots=True)
class Summary:
    """Everything `rtlog summary` reports about one log (see `as_json` for the schema)."""

    source: str
    lines: int = 0
    events: int = 0
    malformed: int = 0
    sessions: list[SessionConfig] = field(default_factory=list)
    span_start: float | None = None
    span_end: float | None = None
    timed_events: int = 0  # events that carry a timestamp
    span_covers_log: bool = False  # the timestamps cover the log (see `SummaryBuilder.finish`): a duration
    event_counts: dict[str, int] = field(default_factory=dict)
    directions: dict[str, int] = field(default_factory=dict)
    responses: dict[str, int] = field(default_factory=dict)
    responses_without_usage: int = 0
    user_turns: int = 0
    interruptions: int = 0
    function_calls: dict[str, int] = field(default_factory=dict)
    calls_without_output: list[dict[str, Any]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    session_usage: list[Usage] = field(default_factory=list)
    transcription_usage: dict[str, float] = field(default_factory=dict)
    audio_in: SideAudio = field(default_factory=SideAudio)
    audio_out: SideAudio = field(default_factory=SideAudio)
    output_heard_seconds: float | None = None
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    transcription_failures: list[dict[str, Any]] = field(default_factory=list)
    unknown_types: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    cost_usd: float | None = None
    cost_sessions: list[dict[str, Any]] = field(default_factory=list)
    cost_notes: list[str] = field(default_factory=list)
    prices_date: str = ""
    prices_source: str = ""
    cost_per_minute: float | None = None  # cost over the conversation's minutes, where both are known
    cost_is_lower_bound: bool = False  # some responses carry no usage: cost_usd covers the others only
    cost_responses_without_usage: int = 0  # responses whose tokens are not in the cost (no usage, or no response.done)
    files: int = 1
    span_total: float | None = None  # totals over several files: the sum of their spans
    span_files: int = 0  # totals: how many files had timestamps

    @property
    def span_seconds(self) -> float | None:
        """The log's duration: None unless its timestamps cover it (`span_covers_log`)."""
        if self.span_total is not None:
            return self.span_total
        if self.span_start is None or self.span_end is None or not self.span_covers_log:
            return None
        return self.span_end - self.span_start

    @property
    def has_findings(self) -> bool:
        """Errors, failed transcriptions, bad lines or warnings: what `--check` fails on."""
        return bool(self.errors or self.transcription_failures or self.malformed or self.warnings)

    def as_json(self) -> dict[str, Any]:
        """The stable `--json` object (documented in the README)."""
        span = None
        if self.span_start is not None and self.span_end is not None:
            span = {"start": _iso(self.span_start), "end": _iso(self.span_end), "seconds": _r3(self.span_seconds),
                    "events_with_time": self.timed_events, "covers_log": self.span_covers_log}
        heard = self.output_heard_seconds
        head: dict[str, Any] = {"file_count": self.files} if self.files != 1 else {}
        return {
            **head,
            "source": self.source,
            "lines": self.lines,
            "events": self.events,
            "malformed": self.malformed,
            "sessions": [_session_json(s) for s in self.sessions],
            "span": span,
            "event_counts": dict(sorted(self.event_counts.items())),
            "directions": {k: self.directions.get(k, 0) for k in (CLIENT, SERVER, UNKNOWN)},
            "user_turns": self.user_turns,
            "responses": {k: self.responses.get(k, 0) for k in ("total", *RESPONSE_STATUSES, "other", "unfinished")},
            "responses_without_usage": self.responses_without_usage,
            "interruptions": self.interruptions,
            "function_calls": dict(sorted(self.function_calls.items())),
            "function_calls_without_output": self.calls_without_output,
            "usage": _usage_json(self.usage),
            "transcription_usage": self.transcription_usage,
            "cost_usd": _r6(self.cost_usd),
            "cost_per_minute_usd": _r6(self.cost_per_minute),
            "cost_is_lower_bound": self.cost_is_lower_bound,
            "cost_responses_without_usage": self.cost_responses_without_usage,
            "cost": {"prices_date": self.prices_date, "prices_source": self.prices_source, "sessions": self.cost_sessions, "notes": self.cost_notes},
            "audio_seconds": {
                "input": _r3(self.audio_in.seconds) if self.audio_in.chunks else None,
                "output": _r3(self.audio_out.seconds) if self.audio_out.chunks else None,
                "output_heard": _r3(heard) if heard is not None else None,
            },
            "audio_bytes": {
                "input": self.audio_in.nbytes if self.audio_in.chunks else None,
                "output": self.audio_out.nbytes if self.audio_out.chunks else None,
            },
            "audio_chunks": {"input": self.audio_in.chunks, "output": self.audio_out.chunks},
            "latency_ms": latency_stats(self.latencies_ms) if self.span_start is not None else None,
            "errors": self.errors,
            "transcription_failures": self.transcription_failures,
            "unknown_event_types": dict(sorted(self.unknown_types.items())),
            "warnings": self.warnings,
        }


def latency_stats(values: list[float]) -> dict[str, Any]:
    """count, p50, p90, max in ms (nearest-rank percentiles: each is an observed value)."""
    if not values:
        return {"count": 0, "p50": None, "p90": None, "max": None}
    v = sorted(values)

    def rank(p: float) -> float:
        return round(v[max(0, math.ceil(p / 100 * len(v)) - 1)], 1)

    return {"count": len(v), "p50": rank(50), "p90": rank(90), "max": round(v[-1], 1)}


class SummaryBuilder:
    """Accumulates one log's summary: give `fast_lines` the digested lines (optional) and
    `add` with every event that it did not consume, in order; then `finish`."""

    def __init__(self, source: str, prices: PriceTable | None = None) -> None:
        self.source = source
        self.prices = prices or builtin_table()
        self.tracker = SessionTracker()
        self.turns = TurnTracker()
        self.lines = 0
        self.events = 0
        self.counts: dict[str, int] = {}
        self.dirs = {CLIENT: 0, SERVER: 0, UNKNOWN: 0}
        self.first_ts: float | None = None  # in file order
        self.last_ts: float | None = None
        self.last_ts_line = 0
        self.min_ts = math.inf  # the span runs from the earliest to the latest time, whatever the order
        self.max_ts = -math.inf
        self.first_event_timed = False
        self.seen_event = False
        self.last_event_line = 0
        self.resp_session: dict[str, int] = {}  # response → the session it was created in
        self.session_with_usage: dict[int, int] = {}  # session → responses whose response.done has usage
        self.session_no_usage: dict[int, int] = {}  # session → response.dones without usage
        self.audio_in = SideAudio()
        self.audio_out = SideAudio()
        self.in_fmt = DEFAULT_FORMAT  # the current session's input format (kept up to date in `add`)
        self.resp_fmt: dict[str | None, AudioFormat] = {}  # response → its output format (from its first audio)
        self.first_audio_at: dict[str | None, float | None] = {}
        self.first_text_at: dict[str, float] = {}
        self.item_bytes: dict[str | None, int] = {}
        self.item_fmt: dict[str | None, AudioFormat] = {}
        self.truncations: dict[str, tuple[int | None, int]] = {}  # item → (audio_end_ms, line) as first reported
        self.cuts = Truncations()
        self.responses: dict[str, str | None] = {}  # id → final status (None: no response.done yet)
        self.response_lines: dict[str, int] = {}
        self.anonymous_done: list[str | None] = []
        self.done_usage: dict[str, tuple[bool, int]] = {}  # response → (its usage counted, session)
        self.repeated_done = 0  # response.done events for a response that already had one
        self.repeated_done_line = 0
        self.recent_events: dict[str, tuple[int, int]] = {}  # event_id → (line, hash of the event) of the last ones
        self.copies = 0  # events that repeat one of those, event_id and all
        self.first_copy: tuple[int, int] | None = None  # (its line, the line it repeats)
        self.no_usage = 0
        self.usage = Usage()
        self.session_usage: dict[int, Usage] = {}
        self.calls: dict[str, list[Any]] = {}  # call id → [name, line]
        self.call_outputs: set[str] = set()
        self.transcription_usage: dict[str, dict[str, Any]] = {}
        self.errors: list[dict[str, Any]] = []
        self.transcription_failures: list[dict[str, Any]] = []
        self.unknown: dict[str, int] = {}
        self.audio_evidence = False
        self.negative_latencies = 0
        # events the fast path took, by type
        self._fast_counts = {INPUT_AUDIO_APPEND: 0, "response.audio.delta": 0, OUTPUT_AUDIO_DELTA: 0}
        self._last_fast_ts: float | None = None  # the timestamp of the last one that had one
        self._last_fast_no = 0
        self.first_ts_line = 0
        self.timed = 0
        self._handlers: dict[str, Callable[[Event], None]] = {
            OUTPUT_AUDIO_DELTA: self._output_audio,
            INPUT_AUDIO_APPEND: self._input_audio,
            "response.created": self._response_created,
            "response.done": self._response_done,
            "response.output_text.delta": self._text_delta,
            "response.output_audio_transcript.delta": self._text_delta,
            "conversation.item.truncate": self._truncation,
            "conversation.item.truncated": self._truncation,
            "error": self._error,
            "conversation.item.input_audio_transcription.failed": self._transcription_failed,
            "conversation.item.input_audio_transcription.completed": self._transcription_completed,
            "response.output_item.added": self._item,
            "response.output_item.done": self._item,
            "conversation.item.added": self._item,
            "conversation.item.done": self._item,
            "conversation.item.create": self._item,
            "response.function_call_arguments.done": self._arguments_done,
        }

    # -- the normal path: every event ----------------------------------------------------

    def add(self, ev: Event) -> None:
        self.events += 1
        if ev.line_no > self.lines:
            self.lines = ev.line_no
        t = ev.type
        counts = self.counts
        counts[t] = counts.get(t, 0) + 1
        self.dirs[ev.direction] += 1
        if t not in KNOWN_TYPES and ev.frame == "message":
            self.unknown[t] = self.unknown.get(t, 0) + 1
        ts = ev.timestamp
        self.last_event_line = ev.line_no
        if not self.seen_event:
            self.seen_event = True
            self.first_event_timed = ts is not None
        if ts is not None:
            self.timed += 1
            if self.first_ts is None:
                self.first_ts, self.first_ts_line = ts, ev.line_no
            self.last_ts = ts
            self.last_ts_line = ev.line_no
            if ts < self.min_ts:
                self.min_ts = ts
            if ts > self.max_ts:
                self.max_ts = ts
        kind = ev.kind
        eid = ev.data.get("event_id")
        if type(eid) is str and eid and ev.direction == SERVER and kind not in AUDIO_PAYLOAD_KEY:  # see _note_copy
            self._note_copy(eid, ev)
        if kind in _SESSION_KINDS:
            self.tracker.feed(ev)
            self.in_fmt = self.tracker.input_format
        self.turns.feed(ev)
        if not self.audio_evidence and (kind in AUDIO_EVIDENCE or kind.startswith("conversation.item.input_audio_transcription.")):
            self.audio_evidence = True
        handler = self._handlers.get(kind)
        if handler is not None:
            handler(ev)

    def _note_copy(self, eid: str, ev: Event) -> None:
        """A server event logged twice (a relay or recorder that writes what it passes on
        and what it got): the event_id of one shortly before, and the same event. Only
        server events count: their ids are the server's, one per event, while a client may
        give the same id to every `input_audio_buffer.commit` it sends. Audio chunks are
        not looked at: the fast path counts them without their event_id (and a log that
        doubles its audio doubles the events around it too). Kept per id: the line and a
        hash of the event (its line; of the event alone inside an envelope), for the last
        `_RECENT_EVENTS` ids (copies are near their original)."""
        if ev.envelope is None:
            fingerprint = hash(ev.raw.rstrip())
        else:
            fingerprint = hash(orjson.dumps(ev.data))
        recent = self.recent_events
        seen = recent.pop(eid, None)
        if seen is not None and seen[1] == fingerprint:
            self.copies += 1
            if self.first_copy is None:
                self.first_copy = (ev.line_no, seen[0])
        recent[eid] = seen if seen is not None and seen[1] == fingerprint else (ev.line_no, fingerprint)
        if len(recent) > _RECENT_EVENTS:
            del recent[next(iter(recent))]

    def _output_audio(self, ev: Event) -> None:
        nbytes, problem = _audio_payload(ev)
        rid, item = ev.response_id, ev.item_id
        fmt = self.resp_fmt.get(rid)
        if fmt is None:
            fmt = self.resp_fmt[rid] = self.tracker.output_format(rid)
            self.first_audio_at[rid] = ev.timestamp
        elif self.first_audio_at.get(rid) is None and ev.timestamp is not None:
            self.first_audio_at[rid] = ev.timestamp
        self.audio_out.add(nbytes, problem, fmt, ev.line_no)
        if problem not in ("invalid", "missing"):
            self.item_bytes[item] = self.item_bytes.get(item, 0) + nbytes
            self.item_fmt.setdefault(item, fmt)

    def _input_audio(self, ev: Event) -> None:
        nbytes, problem = _audio_payload(ev)
        self.audio_in.add(nbytes, problem, self.in_fmt, ev.line_no)

    def _text_delta(self, ev: Event) -> None:
        rid = ev.response_id
        if rid is not None and rid not in self.first_text_at and ev.timestamp is not None:
            self.first_text_at[rid] = ev.timestamp

    def _response_created(self, ev: Event) -> None:
        rid = ev.response_id
        if rid is not None and rid not in self.responses:
            self.responses[rid] = None
            self.response_lines[rid] = ev.line_no
            self.resp_session[rid] = self.tracker.current.index

    def _response_done(self, ev: Event) -> None:
        resp = ev.response
        if resp is None:
            return
        status = resp.status or "other"
        index = self.tracker.current.index
        count = True
        if resp.id is None:
            self.anonymous_done.append(status)
        else:
            self.responses[resp.id] = status
            self.response_lines.setdefault(resp.id, ev.line_no)
            seen = self.done_usage.get(resp.id)
            if seen is not None:  # the same response.done again (a relay or recorder that logs it twice)
                self.repeated_done += 1
                self.repeated_done_line = self.repeated_done_line or ev.line_no
                had_usage, first_index = seen
                if had_usage or resp.usage is None:
                    count = False  # its usage is counted once
                else:  # the first had none: this one's usage counts instead
                    self.no_usage -= 1
                    left = self.session_no_usage[first_index] - 1
                    if left:
                        self.session_no_usage[first_index] = left
                    else:
                        del self.session_no_usage[first_index]
                    self.done_usage[resp.id] = (True, first_index)
                    index = first_index
            else:
                self.done_usage[resp.id] = (resp.usage is not None, index)
        if not count:
            pass
        elif resp.usage is None:
            self.no_usage += 1
            self.session_no_usage[index] = self.session_no_usage.get(index, 0) + 1
        else:
            self.usage.add(resp.usage)
            self.session_with_usage[index] = self.session_with_usage.get(index, 0) + 1
            su = self.session_usage.get(index)
            if su is None:
                su = self.session_usage[index] = Usage()
            su.add(resp.usage)
        for item in resp.output:
            if item.type == "function_call":
                self._call(item.call_id or item.id, item.name, ev.line_no)

    def _truncation(self, ev: Event) -> None:
        item = ev.item_id
        if item is None:
            return
        ms = ev.data.get("audio_end_ms")
        ms = ms if type(ms) is int or (type(ms) is float and math.isfinite(ms)) else None
        old = self.truncations.get(item)
        if old is None or old[0] is None:  # the first truncation of the item (with its ms) is the one reported
            self.truncations[item] = (ms, ev.line_no)
        self.cuts.feed(ev)  # where it was cut: the one rule (truncations.py)

    def _error(self, ev: Event) -> None:
        err = ev.error
        self.errors.append(
            {"line": ev.line_no, "type": err.type if err else None, "code": err.code if err else None, "message": err.message if err else None}
        )

    def _transcription_failed(self, ev: Event) -> None:
        err = ev.error
        self.transcription_failures.append(
            {"line": ev.line_no, "item_id": ev.item_id, "type": err.type if err else None,
             "code": err.code if err else None, "message": err.message if err else None}
        )  # fmt: skip

    def _transcription_completed(self, ev: Event) -> None:
        usage = ev.data.get("usage")
        if type(usage) is dict and usage:
            # xAI repeats `.completed` for one item with growing text: the last one counts
            self.transcription_usage[ev.item_id or f"line {ev.line_no}"] = usage

    def _item(self, ev: Event) -> None:
        item = ev.item
        if item is None:
            return
        if item.type == "function_call":
            self._call(item.call_id or item.id, item.name, ev.line_no)
        elif item.type == "function_call_output" and item.call_id:
            self.call_outputs.add(item.call_id)

    def _arguments_done(self, ev: Event) -> None:
        self._call(ev.call_id or ev.item_id, _str(ev.data.get("name")), ev.line_no)

    def _call(self, call_id: str | None, name: str | None, line_no: int) -> None:
        if call_id is None:
            return
        known = self.calls.get(call_id)
        if known is None:
            self.calls[call_id] = [name, line_no]
        elif known[0] is None and name:
            known[0] = name

    # -- the fast path: bare audio lines -------------------------------------------------

    def fast_lines(self, entries: Sequence[DigestedLine], j: int, line0: int) -> int:
        """The reader's fast path (`reader.FastPath`): count the bare audio lines
        entries[j], entries[j + 1], … from their digests, without building Events, up to
        the first that needs the normal path (`add`): a response's first audio (its format
        and timestamp are needed), or a line whose timestamp opens the span. Returns the
        index of the first entry not taken."""
        m = len(entries)
        resp_fmt, first_audio_at, ib, item_fmt = self.resp_fmt, self.first_audio_at, self.item_bytes, self.item_fmt
        audio_in, audio_out, counts = self.audio_in, self.audio_out, self._fast_counts
        taken = j
        while j < m:
            entry = entries[j]
            if len(entry) != 4:
                break  # not an audio line
            t, nbytes, rid, item, ts = entry[3]
            if t == INPUT_AUDIO_APPEND:
                a = audio_in
                fmt = self.in_fmt
            else:
                fmt = resp_fmt.get(rid)
                if fmt is None or (ts is not None and first_audio_at[rid] is None):
                    break  # a response's first audio (with a time): format and latency need it
                a = audio_out
            if ts is not None:
                if self.first_ts is None:
                    break  # the span starts here
                self._last_fast_ts = ts
                self._last_fast_no = line0 + entry[0] + 1
                self.timed += 1
                if ts < self.min_ts:
                    self.min_ts = ts
                if ts > self.max_ts:
                    self.max_ts = ts
            elif not self.seen_event:
                self.seen_event = True  # the log's first event, without a time
            if a is audio_out:
                if item in ib:
                    ib[item] += nbytes
                else:
                    ib[item] = nbytes
                    item_fmt.setdefault(item, fmt)
            # SideAudio.add, inlined: this runs for ~95% of a log's bytes
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
            self.lines = self.last_event_line = line0 + entries[j - 1][0] + 1
        return j

    # -- the result ------------------------------------------------------------------------

    def finish(self, malformed: int = 0) -> Summary:
        """The summary of everything fed so far (`malformed`: bad lines the reader skipped)."""
        counts = dict(self.counts)
        dirs = dict(self.dirs)
        for t, n in self._fast_counts.items():
            if not n:
                continue
            counts[t] = counts.get(t, 0) + n
            dirs[CLIENT if t == INPUT_AUDIO_APPEND else SERVER] += n
            self.events += n
        # the span ends at the last timestamp: maybe on a line the fast path took
        if self._last_fast_no > self.last_ts_line and self._last_fast_ts is not None:
            self.last_ts = self._last_fast_ts
        s = Summary(self.source, lines=self.lines, events=self.events, malformed=malformed)
        s.event_counts = counts
        s.directions = dirs
        s.sessions = list(self.tracker.sessions)
        s.timed_events = self.timed
        if self.first_ts is not None and self.last_ts is not None and self.last_ts < self.first_ts < 86400:
            s.span_start, s.span_end = self.first_ts, self.last_ts + 86400  # time-of-day stamps across midnight
        elif self.first_ts is not None:
            s.span_start, s.span_end = self.min_ts, self.max_ts  # earliest to latest, whatever the order
        # a duration only when the timestamps cover the log: its first and last events carry a
        # time, or most events do (not two timestamped pings among untimed events)
        last_timed = max(self.last_ts_line, self._last_fast_no) == self.last_event_line
        s.span_covers_log = self.first_ts is not None and (
            (self.first_event_timed and last_timed) or self.timed * 2 > self.events
        )
        self._responses(s)
        s.user_turns = len(self.turns.turns)
        s.function_calls = {}
        for call_id, (name, line) in self.calls.items():
            s.function_calls[name or "(unnamed)"] = s.function_calls.get(name or "(unnamed)", 0) + 1
            if call_id not in self.call_outputs:
                s.calls_without_output.append({"name": name, "call_id": call_id, "line": line})
        s.usage = self.usage
        s.session_usage = [self.session_usage.get(x.index, Usage()) for x in s.sessions]
        s.transcription_usage = _transcription_totals(self.transcription_usage.values())
        self.audio_in.finish()
        self.audio_out.finish()
        s.audio_in, s.audio_out = self.audio_in, self.audio_out
        self._heard(s)
        self._latencies(s)
        s.errors = self.errors
        s.transcription_failures = self.transcription_failures
        s.unknown_types = self.unknown
        self._cost(s)
        s.warnings = self._warnings(s)
        return s

    def _responses(self, s: Summary) -> None:
        r = {"total": len(self.responses) + len(self.anonymous_done), "other": 0, "unfinished": 0}
        for k in RESPONSE_STATUSES:
            r[k] = 0
        for status in [*self.responses.values(), *self.anonymous_done]:
            if status is None:
                r["unfinished"] += 1
            elif status in RESPONSE_STATUSES:
                r[status] += 1
            else:
                r["other"] += 1
        s.responses = r
        s.responses_without_usage = self.no_usage

    def _heard(self, s: Summary) -> None:
        s.interruptions = len(self.truncations)
        if not s.audio_out.chunks:
            return
        cut = 0.0
        for item in self.truncations:
            nbytes = self.item_bytes.get(item)
            ms = self.cuts.cut_ms(item)
            if nbytes is None or ms is None:
                continue  # reported as a warning
            fmt = self.item_fmt[item]
            heard = int(max(0, ms) * fmt.rate // 1000) * fmt.bytes_per_sample
            cut += fmt.seconds(nbytes - min(heard, nbytes))
        s.output_heard_seconds = max(0.0, s.audio_out.seconds - cut)

    def _latencies(self, s: Summary) -> None:
        if self.first_ts is None:
            return
        for turn in self.turns.turns:
            end = turn.end_of_speech_at
            if end is None:
                continue
            firsts = [t for r in turn.response_ids if (t := self.first_audio_at.get(r)) is not None]
            if not firsts:
                firsts = [t for r in turn.response_ids if (t := self.first_text_at.get(r)) is not None]
            if not firsts:
                continue
            ms = (min(firsts) - end) * 1000
            if ms < 0:
                self.negative_latencies += 1
                continue
            s.latencies_ms.append(ms)

    def _cost(self, s: Summary) -> None:
        """The cost of the tokens in the log. A response without usage (none in its
        response.done, or no response.done at all) has an unknown cost: when no response
        has usage the cost is unknown; when some have, their cost is a lower bound. $0 only
        for a session without responses."""
        s.prices_date, s.prices_source = self.prices.date, self.prices.source
        missing = dict(self.session_no_usage)
        for rid, status in self.responses.items():
            if status is None:
                index = self.resp_session.get(rid, 0)
                missing[index] = missing.get(index, 0) + 1
        total = 0.0
        known = True
        for sess, usage in zip(s.sessions, s.session_usage):
            fam = self.prices.family(sess.model)
            row: dict[str, Any] = {"session": sess.index, "model": sess.model, "priced_as": fam, "usd": None}
            with_usage = self.session_with_usage.get(sess.index, 0)
            if not with_usage and missing.get(sess.index):
                known = False  # responses, none with usage
                note = "no response carries usage (no response.done, or one without usage): cost unknown"
                if note not in s.cost_notes:
                    s.cost_notes.append(note)
            elif not any(usage.as_dict().values()):
                row["usd"] = 0.0
            elif fam is None:
                known = False
                what = repr(sess.model) if sess.model else "an unnamed model (no session.created in the log)"
                note = f"no price for {what}: cost unknown (add it with --pricing FILE)"
                if note not in s.cost_notes:
                    s.cost_notes.append(note)
            else:
                c = usage_cost(usage, self.prices.rates[fam])
                row["usd"] = _r6(c.usd)
                total += c.usd
                s.cost_notes.extend(n for n in c.notes if n not in s.cost_notes)
            s.cost_sessions.append(row)
        if s.transcription_usage:
            s.cost_notes.append("input transcription is billed separately and not included")
        s.cost_usd = total if known else None
        s.cost_responses_without_usage = sum(missing.values())
        s.cost_is_lower_bound = s.cost_usd is not None and s.cost_responses_without_usage > 0
        seconds = s.span_seconds
        if s.cost_usd is not None and seconds and seconds > 0:
            s.cost_per_minute = s.cost_usd / (seconds / 60)

    def _warnings(self, s: Summary) -> list[str]:
        w: list[str] = []
        if not s.events:
            w.append("the log holds no events")
        unfinished = [rid for rid, st in self.responses.items() if st is None]
        if unfinished:
            first = unfinished[0]
            w.append(f"{_n(len(unfinished), 'response')} never got a response.done (first: {first}, line {self.response_lines[first]})")
        for c in s.calls_without_output:
            w.append(f"function call {c['name'] or '(unnamed)'} ({c['call_id']}, line {c['line']}) never got an output item")
        if self.repeated_done:
            w.append(
                f"{_n(self.repeated_done, 'repeated response.done')} for a response that already had one "
                f"(first at line {self.repeated_done_line}): its usage is counted once"
            )
        if self.first_copy is not None:
            line, original = self.first_copy
            w.append(
                f"{_n(self.copies, 'server event')} (audio aside) {'repeats' if self.copies == 1 else 'repeat'} an event "
                f"just before, event_id and all (first at line {line}, a copy of line {original}): events logged twice "
                f"(by a relay or recorder?) are counted twice here"
            )
        if self.no_usage:
            w.append(f"{_n(self.no_usage, 'response.done')} without usage: token totals and cost cover the others only")
        for side, a in (("user input", s.audio_in), ("assistant", s.audio_out)):
            if a.invalid:
                w.append(f"{_n(a.invalid, side + ' audio chunk')} with invalid base64, not counted (first at line {a.invalid_line})")
            if a.missing:
                w.append(f"{_n(a.missing, side + ' audio event')} without a payload (first at line {a.missing_line})")
            if a.placeholders:
                w.append(
                    f"{side} audio replaced by placeholders in {_n(a.placeholders, 'chunk')} (first at line {a.placeholder_line}): "
                    "seconds computed from their stated sizes"
                )
            if a.cut_by_recorder:
                w.append(f"{side} audio cut by the recorder: every chunk is {a.first_len} bytes, so its seconds are not real")
            elif a.odd and PCM16 in {f.encoding for f in a.by_format}:
                w.append(f"{_n(a.odd, side + ' audio chunk')} with an odd byte count (not whole 16-bit samples)")
        if not s.audio_in.chunks and not s.audio_out.chunks and self.audio_evidence:
            w.append("no audio in this log (WebRTC/SIP sideband, or a recorder that drops audio): audio seconds unknown")
        if s.audio_out.chunks:
            for item, (ms, line) in self.truncations.items():
                if item not in self.item_bytes:
                    w.append(f"truncation of an item without recorded audio ({item}, line {line})")
                elif ms is None:
                    w.append(f"truncation without audio_end_ms ({item}, line {line})")
        if self.negative_latencies:
            w.append(f"{_n(self.negative_latencies, 'turn')} with assistant audio before the end of user speech (clock skew?)")
        if s.unknown_types:
            names = ", ".join(f"{t} ×{n}" for t, n in sorted(s.unknown_types.items())[:5])
            more = f" and {len(s.unknown_types) - 5} more" if len(s.unknown_types) > 5 else ""
            w.append(f"unknown event types: {names}{more}")
        return w


def _audio_payload(ev: Event) -> tuple[int, str | None]:
    """Decoded size and problem of an event's audio payload (exact, see `Event.audio_info`)."""
    info = ev.audio_info()
    if info is None:
        return 0, "missing"
    return info.nbytes, info.problem


def combine(summaries: list[Summary], source: str = "total") -> Summary:
    """Totals over several files, in the same shape as one file's summary. Lists that
    point into files (errors, warnings, sessions, function calls without output) name the
    file; the span runs from the first start to the last end and its seconds are the sum
    of the files' spans; the cost is unknown if any file's is."""
    t = Summary(source, files=len(summaries))
    t.prices_date, t.prices_source = (summaries[0].prices_date, summaries[0].prices_source) if summaries else ("", "")
    spans = []
    costs: list[float | None] = []
    timed_cost = timed_seconds = 0.0
    heard: list[float] = []
    for s in summaries:
        t.lines += s.lines
        t.events += s.events
        t.malformed += s.malformed
        t.sessions.extend(s.sessions)
        t.session_usage.extend(s.session_usage)
        if s.span_start is not None and s.span_end is not None:
            t.span_start = s.span_start if t.span_start is None else min(t.span_start, s.span_start)
            t.span_end = s.span_end if t.span_end is None else max(t.span_end, s.span_end)
        seconds = s.span_seconds
        if seconds is not None:  # files whose timestamps cover them
            spans.append(seconds)
            if s.cost_usd is not None and seconds > 0:
                timed_cost += s.cost_usd
                timed_seconds += seconds
        for mine, theirs in ((t.event_counts, s.event_counts), (t.directions, s.directions), (t.responses, s.responses),
                             (t.function_calls, s.function_calls), (t.unknown_types, s.unknown_types),
                             (t.transcription_usage, s.transcription_usage)):  # fmt: skip
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0) + v  # type: ignore[index, operator]
        t.responses_without_usage += s.responses_without_usage
        t.cost_responses_without_usage += s.cost_responses_without_usage
        t.cost_is_lower_bound = t.cost_is_lower_bound or s.cost_is_lower_bound
        t.timed_events += s.timed_events
        t.user_turns += s.user_turns
        t.interruptions += s.interruptions
        t.usage.add(s.usage)
        t.audio_in.merge(s.audio_in)
        t.audio_out.merge(s.audio_out)
        if s.output_heard_seconds is not None:
            heard.append(s.output_heard_seconds)
        t.latencies_ms.extend(s.latencies_ms)
        name = s.source
        t.calls_without_output.extend({**c, "file": name} for c in s.calls_without_output)
        t.errors.extend({**e, "file": name} for e in s.errors)
        t.transcription_failures.extend({**f, "file": name} for f in s.transcription_failures)
        t.warnings.extend(f"{name}: {w}" for w in s.warnings)
        t.cost_sessions.extend({**c, "file": name} for c in s.cost_sessions)
        t.cost_notes.extend(n for n in s.cost_notes if n not in t.cost_notes)
        costs.append(s.cost_usd)
    t.span_total = sum(spans) if spans else None
    t.span_files = len(spans)
    t.span_covers_log = bool(spans) and len(spans) == len(summaries)
    t.output_heard_seconds = sum(heard) if heard else None
    t.cost_usd = None if any(c is None for c in costs) else sum(c for c in costs if c is not None)
    t.cost_per_minute = timed_cost / (timed_seconds / 60) if timed_seconds > 0 and t.cost_usd is not None else None
    return t


def summarize(events: Iterable[Event], source: str = "", prices: PriceTable | None = None, malformed: int = 0) -> Summary:
    """The summary of a stream of events (every event takes the normal path)."""
    b = SummaryBuilder(source, prices)
    add = b.add
    for ev in events:
        add(ev)
    return b.finish(malformed)


def summarize_source(
    src: Source,
    diag: Diagnostics,
    prices: PriceTable | None = None,
    *,
    stdin: BinaryIO | None = None,
    on_progress: Callable[[int], None] | None = None,
    jobs: int = 1,
    meanwhile: Callable[[], None] | None = None,
) -> Summary:
    """The summary of one log file (or stdin), bare audio lines on the fast path.

    `jobs`: processes for one big plain file (0 = one per CPU; see `rtlog.io.parts`);
    `meanwhile`: see `read_events`."""
    b = SummaryBuilder(src.name, prices)
    add = b.add
    before = diag.by_source.get(src.name, 0)
    events = read_events(src, diag, stdin=stdin, on_progress=on_progress, fast_path=b.fast_lines, jobs=jobs, meanwhile=meanwhile)
    for ev in events:
        add(ev)
    b.lines = max(b.lines, diag.lines.get(src.name, 0))  # blank and bad lines at the end count too
    return b.finish(diag.by_source.get(src.name, 0) - before)


# -- JSON helpers ----------------------------------------------------------------------------


def _transcription_totals(usages: Iterable[dict[str, Any]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for u in usages:
        if u.get("type") == "duration" or "seconds" in u:
            v = u.get("seconds")
            if type(v) in (int, float):
                out["seconds"] = out.get("seconds", 0) + v
        for k in ("input_tokens", "output_tokens", "total_tokens"):
            v = u.get(k)
            if type(v) is int:
                out[k] = out.get(k, 0) + v
    return out


def _session_json(s: SessionConfig) -> dict[str, Any]:
    return {
        "index": s.index,
        "line": s.line_no,
        "id": s.id,
        "model": s.model,
        "voice": s.voice,
        "modalities": s.modalities,
        "input_audio_format": s.input_format.encoding,
        "output_audio_format": s.output_format.encoding,
        "input_sample_rate": s.input_format.rate,
        "output_sample_rate": s.output_format.rate,
        "audio_formats_stated": {"input": s.input_format.stated, "output": s.output_format.stated},
        "transcription_model": s.transcription_model,
        "turn_detection": s.turn_detection,
        "tools": s.tools,
        "instructions": s.instructions,
        "started_at": _iso(s.started_at) if s.started_at is not None else None,
    }


USAGE_KEYS = (
    "input_tokens", "output_tokens", "total_tokens", "cached_tokens", "input_text_tokens", "input_audio_tokens",
    "input_image_tokens", "cached_text_tokens", "cached_audio_tokens", "output_text_tokens", "output_audio_tokens",
    "reasoning_tokens",
)  # fmt: skip


def _usage_json(u: Usage) -> dict[str, int]:
    return {k: getattr(u, k) for k in USAGE_KEYS}


def _iso(ts: float) -> str | float:
    """ISO 8601 UTC for epoch timestamps; seconds since midnight stay a number."""
    if ts < 86400 * 2:
        return round(ts, 3)
    from datetime import datetime, timezone

    try:
        return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except (OverflowError, ValueError, OSError):  # past year 9999: a bogus timestamp, kept as the number
        return round(ts, 3)


def _r3(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def _r6(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


def _n(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")

