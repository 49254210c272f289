"""Conversation reassembly: a stream of events → the ordered entries of a transcript.

Owns the rules that turn deltas and items back into what was said:
- Text is keyed by (item_id, content_index): deltas are appended in arrival order, and a
  final value (`*.done`, `response.content_part.done`, `response.output_item.done`,
  `conversation.item.done`, `response.done` output, a completed input transcription, or
  xAI's cumulative `.updated`) replaces them. An empty final value never erases text
  (the server deletes the transcript of a truncated item; the log still has it).
- User messages: typed `input_text`, or the input-audio transcription whenever it
  arrives; a failed transcription keeps its error. Function calls with their arguments,
  the client's `function_call_output`, and system messages the client created.
  A client-created item and the server's echo of it (matched by id, call_id, or role and
  text) are one entry.
- Order: by `previous_item_id` where the log states it (on `input_audio_buffer.committed`,
  `conversation.item.create/added/created`; a null or unknown id says nothing), else by
  first appearance, so a late transcription lands at its user's turn. Errors (optional)
  stay where they arrived. Each `session.created` after the first starts a new session.
- Interruptions: an item of a cancelled response, or a truncated item, is interrupted;
  for a truncation the text is split where the user stopped hearing it, in proportion to
  `audio_end_ms` over the item's audio duration, at the nearest word gap.
Times come from `rtlog.conversation.timeline` (the same placement `extract-audio --side both` uses).

Memory: the conversation's text and a few fields per item; audio is only counted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rtlog.conversation.session import SessionConfig, SessionTracker
from rtlog.conversation.timeline import Timeline
from rtlog.conversation.truncations import Truncations
from rtlog.io.entries import DigestedLine, FastPath
from rtlog.io.reader import Diagnostics, Source, read_events
from rtlog.protocol.events import (
    INPUT_AUDIO_APPEND,
    OUTPUT_AUDIO_DELTA,
    ErrorInfo,
    Event,
    Item,
    _dict,
    _int,
    _str,
)

ROLES = {"user": "user", "assistant": "assistant", "system": "system", "developer": "system", "tool": "tool"}

#: client-created items waiting for their server echo are matched among the most recent ones
PENDING_ECHO_LIMIT = 64


@dataclass(slots=True)
class Entry:
    """One line of the transcript (see `as_dict` for the JSON form)."""

    session: int  # 1-based, within its file
    role: str  # user | assistant | system | tool
    type: str  # message | function_call | function_call_output | error
    text: str | None = None
    heard_text: str | None = None  # the part before the mark, for truncated items
    unheard_text: str | None = None  # the part after it
    item_id: str | None = None
    response_id: str | None = None
    status: str | None = None
    interrupted: bool = False
    start: float | None = None
    end: float | None = None
    name: str | None = None
    call_id: str | None = None
    arguments: str | None = None
    output: str | None = None
    error: dict[str, Any] | None = None  # failed transcription, or the error of an error entry
    audio_seconds: float | None = None  # duration of the item's generated audio
    audio_end_ms: int | None = None  # truncation point
    reason: str | None = None  # why a response ended early (turn_detected, client_cancelled, …)
    note: str | None = None  # e.g. "not transcribed", "unfinished"
    line: int = 0
    file: str | None = None  # the input it comes from (several files: one conversation each)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "session": self.session, "role": self.role, "type": self.type, "text": self.text,
            "heard_text": self.heard_text, "item_id": self.item_id, "response_id": self.response_id,
            "status": self.status, "interrupted": self.interrupted,
            "start": _round(self.start), "end": _round(self.end),
            "name": self.name, "call_id": self.call_id, "arguments": self.arguments, "output": self.output,
            "error": self.error, "audio_seconds": _round(self.audio_seconds), "audio_end_ms": self.audio_end_ms,
            "reason": self.reason, "note": self.note, "line": self.line,
        }  # fmt: skip


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


@dataclass(slots=True)
class Transcript:
    entries: list[Entry]
    sessions: list[SessionConfig]
    t0: float | None  # epoch seconds of time 0 (None: the log has no timestamps)
    source: str | None = None  # the input file's name (one Transcript per file)
    notes: list[str] = field(default_factory=list)  # what placing its times had to assume (warnings)


# --- assembly state ----------------------------------------------------------------------


class _Part:
    """The text of one content part: deltas, and a final value that replaces them."""

    __slots__ = ("deltas", "final")

    def __init__(self) -> None:
        self.deltas: list[str] = []
        self.final: str | None = None

    def set_final(self, v: str | None) -> None:
        if v is None or (v == "" and (self.final or self.deltas)):
            return
        self.final = v

    @property
    def text(self) -> str | None:
        if self.final is not None:
            return self.final
        return "".join(self.deltas) if self.deltas else None


@dataclass(slots=True, eq=False)
class _Item:
    seq: int
    line: int
    session: int
    kind: str  # message | function_call | function_call_output | …
    role: str | None
    item_id: str | None
    response_id: str | None = None
    status: str | None = None
    parts: dict[int, _Part] = field(default_factory=dict)
    name: str | None = None
    call_id: str | None = None
    args: _Part | None = None
    output: str | None = None
    linked: bool = False
    client: bool = False  # created by the client
    signature: tuple[str | None, ...] | None = None
    speech: bool = False  # user audio
    idle: bool = False  # an idle-timeout commit, not the user speaking
    vad_only: bool = False  # only speech_started/stopped so far: a false start until committed
    trunc_ms: int | None = None
    tr_error: ErrorInfo | None = None
    first_ts: float | None = None
    last_ts: float | None = None

    def part(self, index: int | None) -> _Part:
        i = index or 0
        p = self.parts.get(i)
        if p is None:
            p = self.parts[i] = _Part()
        return p

    def absorb(self, item: Item) -> None:
        """Take what an item object states (final values)."""
        if item.type and self.kind == "message" and item.type != "message":
            self.kind = item.type
        if item.role and self.role is None:
            self.role = item.role
        if item.status:
            self.status = item.status
        if item.name:
            self.name = item.name
        if item.call_id:
            self.call_id = item.call_id
        if item.arguments is not None:
            if self.args is None:
                self.args = _Part()
            self.args.set_final(item.arguments)
        if item.output is not None:
            self.output = item.output
        for i, p in enumerate(item.content):
            if p.type == "input_audio":
                self.speech = True
            if p.text is not None:
                self.part(i).set_final(p.text)

    @property
    def text(self) -> str | None:
        texts = [t for t in (self.parts[i].text for i in sorted(self.parts)) if t is not None]
        if not texts:
            return None
        return texts[0] if len(texts) == 1 else " ".join(t for t in texts if t)


@dataclass(slots=True, eq=False)
class _Error:
    seq: int
    line: int
    session: int
    error: ErrorInfo | None
    text: str
    ts: float | None
    linked: bool = False


def _signature(item: Item) -> tuple[str | None, ...]:
    """What identifies a client-created item in the server's echo (which has a new id)."""
    if item.type == "function_call_output":
        return ("function_call_output", item.call_id)
    if item.type == "function_call":
        return ("function_call", item.call_id)
    return ("message", item.role, item.text or "")


def _error_dict(err: ErrorInfo | None) -> dict[str, Any] | None:
    if err is None:
        return None
    return {"type": err.type, "code": err.code, "message": err.message}


def error_text(err: ErrorInfo | None) -> str:
    """`code: message` (or whichever of them exists)."""
    if err is None:
        return "unknown error"
    head = err.code or err.type
    if head and err.message:
        return f"{head}: {err.message}"
    return head or err.message or "unknown error"


# --- the builder ---------------------------------------------------------------------------


class TranscriptBuilder:
    """Feed every event in order (`feed`), then `finish()` for the transcript."""

    def __init__(self, *, errors: bool = False, timeline: Timeline | None = None, source: str | None = None) -> None:
        """`timeline`: the previous file's timeline, to place this file after it (its own
        epoch: `Timeline.new_file`); `source`: the file's name, put on every entry."""
        self.sessions = SessionTracker()
        if timeline is None:
            self.timeline = Timeline(self.sessions)
        else:
            timeline.new_file(self.sessions)
            self.timeline = timeline
        self._notes_from = len(self.timeline.notes)  # (the timeline's notes of earlier files are theirs)
        self.source = source
        self.errors = errors
        self._session = 1
        self._items: dict[str, _Item] = {}
        self._cuts = Truncations()
        self._order: list[_Item | _Error] = []
        self._done: list[list[_Item | _Error]] = []
        self._pending: list[_Item] = []
        self._responses: dict[str, tuple[str | None, str | None]] = {}  # id → (status, reason)
        self._cleared: set[str] = set()
        self._calls: dict[str, _Item] = {}
        self._outputs: dict[str, _Item] = {}
        self._seq = 0

    def feed(self, ev: Event) -> None:
        kind = ev.kind
        if kind == OUTPUT_AUDIO_DELTA:
            self.timeline.assistant_audio(ev)
        elif kind == INPUT_AUDIO_APPEND:
            self.timeline.user_audio(ev)
        else:
            self.feed_other(ev)

    def fast_audio(self, entries: Sequence[DigestedLine], j: int, line0: int) -> int:
        """The reader's fast path (`reader.FastPath`): audio lines only move the timeline,
        from the same fields their Events would give."""
        user_audio_at, assistant_audio_of = self.timeline.user_audio_at, self.timeline.assistant_audio_of
        m = len(entries)
        while j < m:
            entry = entries[j]
            if len(entry) != 4:
                break  # not an audio line
            t, nbytes, rid, item, ts = entry[3]
            if t == INPUT_AUDIO_APPEND:
                user_audio_at(ts, nbytes)
            else:
                assistant_audio_of(item, rid, ts, nbytes)
            j += 1
        return j

    def feed_other(self, ev: Event) -> None:
        """`feed` for an event that is not audio (audio only moves the timeline)."""
        self.sessions.feed(ev)
        self.timeline.feed(ev)
        handler = _HANDLERS.get(ev.kind)
        if handler is not None:
            handler(self, ev)

    # -- items ------------------------------------------------------------------------------

    def _new(self, ev: Event, kind: str, role: str | None, iid: str | None) -> _Item:
        self._seq += 1
        it = _Item(self._seq, ev.line_no, self._session, kind, role, iid, first_ts=ev.timestamp)
        if iid is not None:
            self._items[iid] = it
        self._order.append(it)
        return it

    def _get(self, ev: Event, iid: str | None, kind: str = "message", role: str | None = None) -> _Item:
        it = self._items.get(iid) if iid is not None else None
        if it is None:
            it = self._new(ev, kind, role, iid)
        it.vad_only = False
        if ev.timestamp is not None:
            it.last_ts = ev.timestamp
        return it

    def _link(self, it: _Item, prev_id: str | None) -> None:
        """Move `it` right after `prev_id` (once; a null or unknown id says nothing)."""
        if it.linked or prev_id is None:
            return
        order = self._order
        if prev_id == "root":  # stated: the start of the conversation
            it.linked = True
            order.insert(0, order.pop(_index(order, it)))
            return
        prev = self._items.get(prev_id)
        if prev is None or prev is it:
            return
        j = _index(order, prev) + 1
        it.linked = True
        i = _index(order, it)
        del order[i]
        if i < j:
            j -= 1
        # entries that arrived before this one and have no stated place stay before it
        while j < len(order) and not order[j].linked and order[j].seq < it.seq:
            j += 1
        order.insert(j, it)

    def _register_call(self, it: _Item) -> None:
        if it.call_id:
            if it.kind == "function_call":
                self._calls.setdefault(it.call_id, it)
            elif it.kind == "function_call_output":
                self._outputs.setdefault(it.call_id, it)

    # -- handlers ---------------------------------------------------------------------------

    def _session_created(self, ev: Event) -> None:
        n = max(len(self.sessions.sessions), 1)
        if n != self._session:
            self._done.append(self._order)
            self._order = []
            self._items = {}
            self._pending = []
            self._session = n

    def _item_create(self, ev: Event) -> None:
        """The client's `conversation.item.create`."""
        item = ev.item
        if item is None:
            return
        it = self._items.get(item.id) if item.id else None
        if it is None:
            it = self._new(ev, item.type or "message", item.role, item.id)
            it.client = True
            if item.id is None:
                it.signature = _signature(item)
                self._pending.append(it)
                if len(self._pending) > PENDING_ECHO_LIMIT:
                    del self._pending[0]
        it.absorb(item)
        self._register_call(it)
        self._link(it, ev.previous_item_id)

    def _item_added(self, ev: Event) -> None:
        """The server's `conversation.item.added` (beta `.created`)."""
        item = ev.item
        if item is None:
            return
        it = self._items.get(item.id) if item.id else None
        if it is None and self._pending:
            sig = _signature(item)
            for k, p in enumerate(self._pending):
                if p.signature == sig:
                    it = p
                    del self._pending[k]
                    it.item_id = item.id
                    if item.id:
                        self._items[item.id] = it
                    break
        if it is None:
            it = self._new(ev, item.type or "message", item.role, item.id)
        elif ev.timestamp is not None:
            it.last_ts = ev.timestamp
        it.absorb(item)
        self._register_call(it)
        self._link(it, ev.previous_item_id)

    def _item_final(self, ev: Event) -> None:
        """An event carrying an item's final state (`conversation.item.done`,
        `response.output_item.added/done`)."""
        item = ev.item
        if item is None:
            return
        it = self._get(ev, item.id, item.type or "message", item.role or "assistant")
        rid = _str(ev.data.get("response_id"))
        if rid:
            it.response_id = rid
        it.absorb(item)
        self._register_call(it)

    def _item_retrieved(self, ev: Event) -> None:
        item = ev.item
        if item is not None and item.id in self._items:
            self._items[item.id].absorb(item)  # type: ignore[index]

    def _assistant_item(self, ev: Event) -> _Item | None:
        iid = _str(ev.data.get("item_id"))
        if iid is None:
            return None
        it = self._get(ev, iid, "message", "assistant")
        if it.response_id is None:
            it.response_id = _str(ev.data.get("response_id"))
        return it

    def _text_delta(self, ev: Event) -> None:
        it = self._assistant_item(ev)
        delta = ev.data.get("delta")
        if it is not None and type(delta) is str:
            it.part(_int(ev.data.get("content_index"))).deltas.append(delta)

    def _text_done(self, ev: Event) -> None:
        it = self._assistant_item(ev)
        if it is not None:
            d = ev.data
            v = d.get("text") if ev.kind == "response.output_text.done" else d.get("transcript")
            it.part(_int(d.get("content_index"))).set_final(_str(v))

    def _part_done(self, ev: Event) -> None:
        part = ev.data.get("part")
        if type(part) is not dict:
            return
        it = self._assistant_item(ev)
        if it is not None:
            v = part.get("text") if type(part.get("text")) is str else part.get("transcript")
            it.part(_int(ev.data.get("content_index"))).set_final(_str(v))

    def _args_delta(self, ev: Event) -> None:
        it = self._call_item(ev)
        delta = ev.data.get("delta")
        if it is not None and type(delta) is str:
            if it.args is None:
                it.args = _Part()
            it.args.deltas.append(delta)

    def _args_done(self, ev: Event) -> None:
        it = self._call_item(ev)
        if it is None:
            return
        if it.args is None:
            it.args = _Part()
        it.args.set_final(_str(ev.data.get("arguments")))
        name = _str(ev.data.get("name"))
        if name:
            it.name = name

    def _call_item(self, ev: Event) -> _Item | None:
        d = ev.data
        iid = _str(d.get("item_id"))
        cid = _str(d.get("call_id"))
        it = self._calls.get(cid) if iid is None and cid else None
        if it is None:
            if iid is None and cid is None:
                return None
            it = self._get(ev, iid, "function_call", "assistant")
        it.kind = "function_call"
        if it.response_id is None:
            it.response_id = _str(d.get("response_id"))
        if cid and it.call_id is None:
            it.call_id = cid
        self._register_call(it)
        return it

    def _response_created(self, ev: Event) -> None:
        resp = ev.response
        if resp is not None and resp.id:
            self._responses.setdefault(resp.id, (resp.status, None))

    def _response_done(self, ev: Event) -> None:
        resp = ev.response
        if resp is None:
            return
        if resp.id:
            self._responses[resp.id] = (resp.status, resp.status_reason)
        for item in resp.output:
            it = self._get(ev, item.id, item.type or "message", item.role or "assistant")
            if resp.id:
                it.response_id = resp.id
            it.absorb(item)
            self._register_call(it)
        if resp.status == "failed" and self.errors:
            details = _dict(ev.data.get("response")).get("status_details")
            err = ErrorInfo.from_obj(_dict(details).get("error")) if type(details) is dict else None
            self._add_error(ev, err, "response failed: " + (error_text(err) if err else resp.status_reason or "no details"))

    def _user_item(self, ev: Event) -> _Item | None:
        iid = _str(ev.data.get("item_id"))
        if iid is None:
            return None
        it = self._get(ev, iid, "message", "user")
        it.speech = True
        return it

    def _speech(self, ev: Event) -> None:
        # speech that is never committed (cleared, or the log ends) is no user turn, as in TurnTracker
        iid = _str(ev.data.get("item_id"))
        prev = self._items.get(iid) if iid is not None else None
        it = self._user_item(ev)
        if it is not None:
            it.vad_only = prev is None or prev.vad_only

    def _committed(self, ev: Event) -> None:
        it = self._user_item(ev)
        if it is not None:
            self._link(it, ev.previous_item_id)

    def _timeout(self, ev: Event) -> None:
        it = self._user_item(ev)
        if it is not None:
            it.idle = True

    def _transcription_delta(self, ev: Event) -> None:
        it = self._user_item(ev)
        delta = ev.data.get("delta")
        if it is not None and type(delta) is str:
            it.part(_int(ev.data.get("content_index"))).deltas.append(delta)

    def _transcription_final(self, ev: Event) -> None:
        # `.completed`, and xAI's cumulative `.updated`: both replace what came before
        it = self._user_item(ev)
        if it is not None:
            it.part(_int(ev.data.get("content_index"))).set_final(_str(ev.data.get("transcript")))

    def _transcription_segment(self, ev: Event) -> None:
        it = self._user_item(ev)
        text = _str(ev.data.get("text"))
        if it is not None and text:
            p = it.part(_int(ev.data.get("content_index")))
            p.deltas.append(text if not p.deltas or text[:1].isspace() else " " + text)

    def _transcription_failed(self, ev: Event) -> None:
        it = self._user_item(ev)
        if it is not None:
            it.tr_error = ev.error or ErrorInfo(None, None, "no details", None, None)

    def _truncated(self, ev: Event) -> None:
        iid = self._cuts.feed(ev)  # the one rule for where an item was cut (truncations.py)
        it = self._items.get(iid) if iid else None
        if it is not None:
            it.trunc_ms = self._cuts.cut_ms(iid)

    def _audio_cleared(self, ev: Event) -> None:
        rid = _str(ev.data.get("response_id"))
        if rid:
            self._cleared.add(rid)

    def _error_event(self, ev: Event) -> None:
        if self.errors:
            err = ev.error
            self._add_error(ev, err, error_text(err))

    def _add_error(self, ev: Event, err: ErrorInfo | None, text: str) -> None:
        self._seq += 1
        self._order.append(_Error(self._seq, ev.line_no, self._session, err, text, ev.timestamp))

    # -- the result ---------------------------------------------------------------------------

    def finish(self) -> Transcript:
        entries: list[Entry] = []
        t0 = self.timeline.t0
        for order in [*self._done, self._order]:
            for x in order:
                if isinstance(x, _Error):
                    entries.append(Entry(
                        x.session, "system", "error", text=x.text, error=_error_dict(x.error), line=x.line,
                        start=None if x.ts is None or t0 is None else x.ts - t0,
                    ))  # fmt: skip
                else:
                    e = self._entry(x, t0)
                    if e is not None:
                        entries.append(e)
        if self.source is not None:
            for e in entries:
                e.file = self.source
        notes = self.timeline.notes[self._notes_from :]
        return Transcript(entries, list(self.sessions.sessions), t0, self.source, notes)

    def _entry(self, it: _Item, t0: float | None) -> Entry | None:
        if it.vad_only:
            return None  # a false start: speech detected, never committed
        kind = it.kind
        e = Entry(it.session, ROLES.get(it.role or "", "assistant"), kind, item_id=it.item_id,
                  response_id=it.response_id, status=it.status, line=it.line)  # fmt: skip
        if kind == "function_call":
            e.role = "assistant"
            e.name, e.call_id = it.name, it.call_id
            e.arguments = it.args.text if it.args else None
            out = self._outputs.get(it.call_id) if it.call_id else None
            e.output = out.output if out else None
        elif kind == "function_call_output":
            e.role = "tool"
            e.call_id, e.output = it.call_id, it.output
            call = self._calls.get(it.call_id) if it.call_id else None
            e.name = call.name if call else None
        elif kind == "message":
            e.text = it.text
        else:
            return None  # mcp items and the like are not part of the spoken conversation
        rstatus, reason = self._responses.get(it.response_id, (None, None)) if it.response_id else (None, None)
        if e.status is None:
            e.status = rstatus
        if it.response_id and e.role == "assistant":
            if rstatus == "cancelled" or it.response_id in self._cleared:
                e.interrupted = True
                e.reason = reason or ("cancelled" if rstatus == "cancelled" else "audio cleared")
            elif rstatus in ("incomplete", "failed"):
                e.reason = reason or rstatus
            elif rstatus in (None, "in_progress") and it.status in (None, "in_progress"):
                e.note = "unfinished: the log ends before the response does"
        self._times(it, e, t0)
        if it.trunc_ms is not None:
            e.interrupted = True
            e.audio_end_ms = it.trunc_ms
            self._heard(e)
        if e.role == "user" and e.type == "message":
            if it.tr_error is not None:
                e.error = _error_dict(it.tr_error)
            if e.text is None and it.tr_error is None:
                e.note = "idle timeout, no speech" if it.idle else ("not transcribed" if it.speech else None)
        return e

    def _times(self, it: _Item, e: Entry, t0: float | None) -> None:
        tl = self.timeline
        if e.role == "user" and it.item_id:
            sp = tl.span(it.item_id)
            if sp is not None:
                e.start, e.end = sp.start, sp.end
        elif it.item_id and it.item_id in tl.items:
            audio = tl.items[it.item_id]
            e.start, e.end, e.audio_seconds = audio.start, audio.end, audio.seconds
        elif t0 is None and it.response_id and e.role == "assistant":
            e.start = tl.response_start(it.response_id)  # no audio, no timestamps: where the rule puts the reply
        if t0 is not None:
            if e.start is None and it.first_ts is not None:
                e.start = it.first_ts - t0
            if e.end is None and it.last_ts is not None and e.start is not None and it.last_ts - t0 > e.start:
                e.end = it.last_ts - t0

    def _heard(self, e: Entry) -> None:
        ms = e.audio_end_ms or 0
        total = e.audio_seconds
        if e.text is None:
            return
        if not total:
            e.note = "the item's audio is not in the log: where it was cut is unknown"
            return
        frac = ms / 1000 / total
        if frac >= 1:
            if ms / 1000 > total + 0.0005:
                e.note = f"audio_end_ms {ms} is beyond the item's {total * 1000:.0f} ms of audio: all of it was heard"
            frac = 1.0
        e.heard_text, e.unheard_text = split_heard(e.text, max(frac, 0.0))


def _index(order: list[Any], x: Any) -> int:
    """Position of `x` in `order`, searched from the end (where new links usually point)."""
    for i in range(len(order) - 1, -1, -1):
        if order[i] is x:
            return i
    raise ValueError("not in order")  # pragma: no cover - callers only look up placed items


_GAP = re.compile(r"\s+")


def split_heard(text: str, frac: float) -> tuple[str, str]:
    """Split `text` at the fraction `frac` of its length, snapped to the nearest word gap
    (text without any whitespace is split at the character). Returns (heard, unheard),
    both without the whitespace at the cut."""
    n = len(text)
    p = frac * n
    if frac >= 1:
        return text, ""
    if frac <= 0:
        return "", text.lstrip()
    gaps = [(m.start(), m.end()) for m in _GAP.finditer(text)]
    if not gaps:
        k = round(p)
        return text[:k], text[k:]
    best = (p, 0, 0)  # the start of the text counts as a gap
    for a, b in gaps + [(n, n)]:
        d = 0.0 if a <= p <= b else min(abs(p - a), abs(p - b))
        if d < best[0]:
            best = (d, a, b)
    _, a, b = best
    return text[:a].rstrip(), text[b:].lstrip()


_HANDLERS = {
    "session.created": TranscriptBuilder._session_created,
    "conversation.item.create": TranscriptBuilder._item_create,
    "conversation.item.added": TranscriptBuilder._item_added,
    "conversation.item.done": TranscriptBuilder._item_final,
    "conversation.item.retrieved": TranscriptBuilder._item_retrieved,
    "response.output_item.added": TranscriptBuilder._item_final,
    "response.output_item.done": TranscriptBuilder._item_final,
    "response.output_text.delta": TranscriptBuilder._text_delta,
    "response.output_audio_transcript.delta": TranscriptBuilder._text_delta,
    "response.output_text.done": TranscriptBuilder._text_done,
    "response.output_audio_transcript.done": TranscriptBuilder._text_done,
    "response.content_part.done": TranscriptBuilder._part_done,
    "response.function_call_arguments.delta": TranscriptBuilder._args_delta,
    "response.function_call_arguments.done": TranscriptBuilder._args_done,
    "response.created": TranscriptBuilder._response_created,
    "response.done": TranscriptBuilder._response_done,
    "input_audio_buffer.speech_started": TranscriptBuilder._speech,
    "input_audio_buffer.speech_stopped": TranscriptBuilder._speech,
    "input_audio_buffer.committed": TranscriptBuilder._committed,
    "input_audio_buffer.timeout_triggered": TranscriptBuilder._timeout,
    "conversation.item.input_audio_transcription.delta": TranscriptBuilder._transcription_delta,
    "conversation.item.input_audio_transcription.completed": TranscriptBuilder._transcription_final,
    "conversation.item.input_audio_transcription.updated": TranscriptBuilder._transcription_final,
    "conversation.item.input_audio_transcription.segment": TranscriptBuilder._transcription_segment,
    "conversation.item.input_audio_transcription.failed": TranscriptBuilder._transcription_failed,
    "conversation.item.truncate": TranscriptBuilder._truncated,
    "conversation.item.truncated": TranscriptBuilder._truncated,
    "output_audio_buffer.cleared": TranscriptBuilder._audio_cleared,
    "error": TranscriptBuilder._error_event,
}


def build_transcript(events: Iterable[Event], *, errors: bool = False) -> Transcript:
    """The transcript of a stream of events (one pass). `errors`: include error events
    (and failed responses) as entries where they arrived."""
    return _run(TranscriptBuilder(errors=errors), events)


def build_transcripts(files: Iterable[tuple[str, Iterable[Event]]], *, errors: bool = False) -> Iterator[Transcript]:
    """One transcript per input file (name, events), each its own conversation: its own
    sessions, and its own epoch on one timeline that starts where the previous file ends
    (so two logs taken hours apart are not hours apart, and a file without timestamps is
    not placed over the one before it). Yields each file's transcript as it finishes."""
    return _transcripts(((name, lambda fast, events=events: events) for name, events in files), errors)


def transcribe_sources(
    sources: Iterable[Source],
    diag: Diagnostics,
    *,
    errors: bool = False,
    jobs: int = 0,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[Transcript]:
    """`build_transcripts` over sources read by the reader, bare audio lines on its fast
    path (`jobs`: processes for a big plain file, 0 = one per CPU; see `rtlog.io.parts`;
    `meanwhile`: see `read_events`, called at most once)."""
    once = [meanwhile] if meanwhile is not None else []

    def first_time() -> None:
        if once:
            once.pop()()

    return _transcripts(
        ((s.name, lambda fast, s=s: read_events(s, diag, fast_path=fast, jobs=jobs, meanwhile=first_time)) for s in sources),
        errors,
    )


def _transcripts(
    files: Iterable[tuple[str, Callable[[FastPath], Iterable[Event]]]], errors: bool
) -> Iterator[Transcript]:
    timeline: Timeline | None = None
    for name, events_of in files:
        b = TranscriptBuilder(errors=errors, timeline=timeline, source=name)
        yield _run(b, events_of(b.fast_audio))
        timeline = b.timeline


def _run(b: TranscriptBuilder, events: Iterable[Event]) -> Transcript:
    # the hot loop: audio events (~95% of a log's bytes) only move the timeline
    assistant_audio, user_audio, other = b.timeline.assistant_audio, b.timeline.user_audio, b.feed_other
    for ev in events:
        kind = ev.kind
        if kind == OUTPUT_AUDIO_DELTA:
            assistant_audio(ev)
        elif kind == INPUT_AUDIO_APPEND:
            user_audio(ev)
        else:
            other(ev)
    return b.finish()
