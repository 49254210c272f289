"""GPT-Live and Realtime Translation sessions in the fold: the dialect of every session,
and what a Live or Translation session holds.

Owns (the rule the fold gives every non-audio event first, `LiveTracker.takes`):
- the dialect in force (`rtlog.protocol.live.event_dialect`), each session's dialect
  (`SessionConfig.dialect`), and the start of a new session on `session.start` /
  `session.started` (Live) or a Translation `session.created`;
- the facts of a Live or Translation session (`LiveSession`): transport, delegation
  mode and backend model, usage (cumulative `usage.seconds`: never summed; the final value
  from `session.closed`, else the largest snapshot, and which), the close reason, the
  delegations and the backend (Responses) stream nested in `response.event` — responses,
  their token usage counted once per response id, function calls (counted when
  `completed`, once per `call_id`) and their outputs from `response.item.create` —,
  errors and `info`, DTMF and call-leg events (counted, digits never kept), mutes, and the
  audio of each side (chunks, bytes; sideband output placed by `start_ms`/`end_ms`, gaps);
- the transcript of such a session: fragments joined by speaker in delivery order into
  segments (a new segment of one speaker after more than 1,000 ms of its silence, or more
  than 300 ms with a whole fragment of the other speaker in between), timed by
  `start_ms`/`end_ms`; an assistant segment into which user speech starts is interrupted
  (barge-in); backend function calls where their delegation happened.
Realtime sessions are left to the other rules: this module only names their dialect.

Memory: per session, the transcript text and a few fields per fragment, delegation,
backend response and call; never audio.
"""

from __future__ import annotations

from typing import Any

from rtlog.conversation.ledger import Ledger, ToolCall
from rtlog.conversation.live_model import (
    NO_AUDIO,
    PRIMARY,
    SIDEBAND,
    SIDEBAND_FORMAT,
    BackendResponse,
    Delegation,
    Fragment,
    LiveCall,
    LiveSession,
    Segment,
)
from rtlog.conversation.model import ErrorNote, Item
from rtlog.conversation.session import SessionConfig, SessionTracker
from rtlog.protocol import live as L
from rtlog.protocol.events import Event
from rtlog.protocol.formats import parse_audio_format
from rtlog.protocol.objects import ErrorInfo, Usage, _dict, _str

#: a speaker's new segment after this much of its own silence (ms)…
SEGMENT_GAP_MS = 1000
#: …or after this much when a whole fragment of the other speaker lies in the gap
SEGMENT_GAP_OTHER_MS = 300
#: Translation output frames (ms): `elapsed_ms` advances by this
TRANSLATION_FRAME_MS = 200


class LiveTracker:
    """The dialect of every session, and the Live and Translation sessions themselves (see
    the module docstring). The fold asks `takes(ev)` of every non-audio event before any
    other rule; True: the event is a Live or Translation event and was taken."""

    def __init__(self, sessions: SessionTracker, ledger: Ledger) -> None:
        self.sessions = sessions
        self.ledger = ledger
        self.current: str | None = None  # the dialect in force
        self.live: list[LiveSession] = []
        self._cur: LiveSession | None = None
        self._by_line: dict[int, str] = {}  # a Realtime session.created's line → its dialect
        self._hints: dict[int, str] = {}  # sessions so far → a Realtime dialect its event names tell
        self.side = L.AppendSide()
        self._seq = 0
        self._items: dict[int, list[tuple[float, int, Item | ErrorNote]]] = {}
        self._fragments: dict[int, list[tuple[str, Fragment]]] = {}
        self._calls: dict[str, LiveCall] = {}
        self._responses: dict[str, BackendResponse] = {}
        self._started_seen = False
        self._start_seen = False
        self.end = 0.0  # (after `finish`) where the Live sessions' speech ends on the timeline

    # -- routing ------------------------------------------------------------------------------

    def takes(self, ev: Event) -> bool:
        t = ev.type
        cur = self.current
        if cur is not None and cur[0] == "r" and t not in _SIGNALS:
            return False  # (the common case: a Realtime event in a Realtime session)
        data = ev.data
        self.side.feed(t, data)
        d = L.event_dialect(t, data, self.current)
        if d is None:
            return L.is_live_family(self.current) and t not in _REALTIME_ONLY
        if d == L.LIVE or d == L.TRANSLATION:
            if ev.direction == "unknown" and t in L.INPUT_AUDIO_TYPES:
                ev.direction = self.side.side()
            starts = t in ("session.start", "session.started") or (t == "session.created" and d == L.TRANSLATION)
            if self._cur is None or self.current != d or (starts and self._starts_new(t)):
                self._open(ev, d)
            self.current = d
            return True
        # a Realtime dialect
        if t == "session.created":
            self._by_line[ev.line_no] = d
            self._cur = None
        elif L.is_live_family(self.current):
            # Realtime events after a Live session without a session.created: a new session
            self._new_config(ev).dialect = d
            self._cur = None
        elif len(self.sessions.sessions) not in self._hints:
            self._hints[len(self.sessions.sessions)] = d
        self.current = d
        return False

    def _starts_new(self, t: str) -> bool:
        """A second `session.start`, or a second `session.started`, is a new session (a
        `session.started` answers the `session.start` before it)."""
        if self._cur is None:
            return True
        return self._started_seen or (t == "session.start" and self._start_seen)

    def _created(self, s: LiveSession, ev: Event) -> None:
        """A Translation session's `session.created` (the next one starts a new session)."""
        self._started_seen = True
        self._session_object(s, ev)

    def _new_config(self, ev: Event) -> SessionConfig:
        ss = self.sessions.sessions
        last = ss[-1] if ss else None
        if last is not None and not last.id and not last.line_no and last.dialect is None:
            last.line_no, last.started_at = ev.line_no, ev.timestamp
            return last
        cfg = SessionConfig(index=len(ss) + 1, line_no=ev.line_no, started_at=ev.timestamp)
        ss.append(cfg)
        return cfg

    def _open(self, ev: Event, dialect: str) -> None:
        cfg = self._new_config(ev)
        cfg.dialect = dialect
        s = LiveSession(cfg.index, dialect, ev.line_no, first_at=ev.timestamp)
        if dialect == L.TRANSLATION:
            s.transport = "WebSocket"
        self.live.append(s)
        self._cur = s
        self._started_seen = False
        self._start_seen = False

    # -- events ---------------------------------------------------------------------------------

    def feed(self, ev: Event) -> None:
        s = self._cur
        if s is None:  # (takes() opened one)
            return
        if ev.timestamp is not None:
            if s.first_at is None:
                s.first_at = ev.timestamp
            s.last_at = ev.timestamp
        h = _HANDLERS.get(ev.type)
        if h is not None:
            h(self, s, ev)
        elif ev.type.startswith("transport."):
            s.telephony[ev.type] = s.telephony.get(ev.type, 0) + 1

    def _config(self, s: LiveSession) -> SessionConfig:
        return self.sessions.sessions[s.session - 1]

    def _session_object(self, s: LiveSession, ev: Event) -> None:
        """`session.start` / `.started` / `.updated` / `.closed` (Live) or a Translation
        `session.created` / `.updated`: the resource."""
        obj = _dict(ev.data.get("session"))
        if not obj:
            return
        cfg = self._config(s)
        if _str(obj.get("id")):
            cfg.id = obj["id"]
        if _str(obj.get("model")):
            cfg.model = obj["model"]
        if _str(obj.get("instructions")) is not None:
            cfg.instructions = obj["instructions"]
        audio = _dict(obj.get("audio"))
        out = _dict(audio.get("output"))
        voice = out.get("voice", obj.get("voice"))
        if type(voice) is dict:
            voice = _str(voice.get("id")) or _str(voice.get("name"))
        if _str(voice):
            cfg.voice = voice
        if s.dialect == L.LIVE:
            fmt = parse_audio_format(audio.get("format"))
            if fmt is not None and s.transport != SIDEBAND:
                cfg.input_format = cfg.output_format = s.input_format = s.output_format = fmt
            deleg = obj.get("delegation", ...)
            if deleg is not ...:
                dd = _dict(deleg)
                s.delegation = _str(dd.get("type")) or "client"
                model = _str(_dict(dd.get("responses")).get("model"))
                if model:
                    s.backend_model = model
                tools = _dict(dd.get("responses")).get("tools")
                if type(tools) is list:
                    cfg.tools = [n for n in (_str(_dict(t).get("name")) or _str(_dict(t).get("type")) for t in tools) if n]
        else:
            lang = _str(_dict(out).get("language"))
            if lang:
                s.language = lang
            tr = _dict(_dict(audio.get("input")).get("transcription"))
            if _str(tr.get("model")):
                cfg.transcription_model = tr["model"]

    def _start(self, s: LiveSession, ev: Event) -> None:
        self._start_seen = True
        s.transport = PRIMARY
        self._session_object(s, ev)

    def _started(self, s: LiveSession, ev: Event) -> None:
        self._started_seen = True
        self._session_object(s, ev)

    def _usage(self, s: LiveSession, ev: Event) -> None:
        u = _dict(ev.data.get("usage"))
        sec = u.get("seconds")
        s.usage_updates += 1
        if type(sec) in (int, float) and sec >= 0 and not s.closed:
            if s.usage_seconds is None or sec > s.usage_seconds:
                s.usage_seconds, s.usage_source, s.usage_line = float(sec), "session.usage.updated", ev.line_no
        cw = _dict(ev.data.get("context_window")).get("usage_ratio")
        if type(cw) in (int, float):
            s.context_ratio = float(cw)

    def _closed(self, s: LiveSession, ev: Event) -> None:
        s.closed, s.closed_line = True, ev.line_no
        s.close_reason = _str(ev.data.get("reason"))
        sec = _dict(ev.data.get("usage")).get("seconds")
        if type(sec) in (int, float) and sec >= 0:
            s.usage_seconds, s.usage_source, s.usage_line = float(sec), "session.closed", ev.line_no
        self._session_object(s, ev)

    def _error(self, s: LiveSession, ev: Event) -> None:
        s.errors += 1
        self.ledger._error(ev)
        err = ev.error
        text = ": ".join(x for x in (err.code, err.message) if x) if err else "error"
        self._place(s, None, ErrorNote(s.session, ev.line_no, err, text or "error", ev.timestamp))

    def _info(self, s: LiveSession, ev: Event) -> None:
        s.info.append({"line": ev.line_no, "code": _str(ev.data.get("code")), "message": _str(ev.data.get("message"))})

    def _dtmf(self, s: LiveSession, ev: Event) -> None:
        s.dtmf += 1

    def _mute(self, s: LiveSession, ev: Event) -> None:
        if ev.type == "session.input_audio.muted":
            s.mutes += 1

    def _append(self, s: LiveSession, ev: Event) -> None:
        kind = ev.type.split(".")[1]
        s.appends[kind] = s.appends.get(kind, 0) + 1

    # -- audio ------------------------------------------------------------------------------------

    def audio(self, ev: Event, nbytes: int, valid: bool) -> None:
        """An audio event of the session in force (the fold passes its decoded size)."""
        s = self._cur
        if s is None:
            return
        if ev.timestamp is not None:
            s.last_at = ev.timestamp
        a = s.audio_in if ev.type in L.INPUT_AUDIO_TYPES else s.audio_out
        a.chunks += 1
        if not valid:
            a.invalid += 1
            return
        a.nbytes += nbytes
        if s.dialect == L.LIVE and ev.type == L.INPUT_APPEND and ev.direction == "server" and s.transport != PRIMARY:
            self._sideband(s)
        if a is s.audio_out:
            st, en = ev.data.get("start_ms"), ev.data.get("end_ms")
            if type(st) is int and type(en) is int:
                if s.transport != PRIMARY:
                    self._sideband(s)
                a.timed += 1
                if a.first_ms is None:
                    a.first_ms = st
                elif a.end_ms is not None:
                    if st > a.end_ms:
                        a.gaps.append((a.end_ms, st))
                    elif st < a.end_ms:
                        a.overlaps += 1
                a.end_ms = en if a.end_ms is None else max(a.end_ms, en)
                if (en - st) * s.output_format.bytes_per_second // 1000 != nbytes:
                    a.mismatched += 1
            if s.transport == NO_AUDIO and s.dialect == L.LIVE:
                s.transport = PRIMARY

    def _sideband(self, s: LiveSession) -> None:
        """A sideband's mirrors are PCM16 at 24 kHz whatever the session's format."""
        if s.transport != SIDEBAND:
            s.transport = SIDEBAND
            s.input_format = s.output_format = SIDEBAND_FORMAT

    @property
    def session(self) -> LiveSession | None:
        """The Live or Translation session in force (None in a Realtime one)."""
        return self._cur

    # -- transcript ---------------------------------------------------------------------------------

    def _transcript(self, s: LiveSession, ev: Event) -> None:
        d = ev.data
        text = d.get("delta")
        if type(text) is not str:
            return
        st, en = d.get("start_ms"), d.get("end_ms")
        if type(st) is not int:
            el = d.get("elapsed_ms")
            st = el if type(el) is int else None
            en = st + TRANSLATION_FRAME_MS if st is not None else None
        elif type(en) is not int:
            en = st
        self._seq += 1
        role = "user" if ev.type == L.INPUT_TRANSCRIPT else "assistant"
        self._fragments.setdefault(s.session, []).append((role, Fragment(text, st, en, ev.line_no, self._seq, ev.timestamp)))

    # -- delegation and the backend ------------------------------------------------------------------

    def _delegation(self, s: LiveSession, ev: Event) -> None:
        dd = _dict(ev.data.get("delegation"))
        off = ev.data.get("offset_ms")
        d = Delegation(_str(dd.get("id")), _str(dd.get("target")), off if type(off) is int else None, ev.line_no, _str(dd.get("response_id")))
        s.delegations.append(d)
        if s.delegation is None and d.target:
            s.delegation = d.target

    def _delegation_of(self, s: LiveSession, did: str | None) -> Delegation | None:
        for d in reversed(s.delegations):
            if did is None or d.id == did:
                return d
        return None

    def _response_event(self, s: LiveSession, ev: Event) -> None:
        inner = L.nested_event(ev.data)
        if inner is None:
            return
        did = _str(ev.data.get("delegation_id"))
        t = _str(inner.get("type")) or ""
        resp = _dict(inner.get("response"))
        rid = _str(resp.get("id")) or _str(inner.get("response_id"))
        r = self._responses.get(rid) if rid else None
        if r is None and (rid or t.startswith("response.")) and t in _BACKEND_LIFECYCLE:
            r = BackendResponse(rid, ev.line_no, did)
            s.backend.append(r)
            if rid:
                self._responses[rid] = r
        if r is not None:
            if _str(resp.get("model")):
                r.model = resp["model"]
            if t in _BACKEND_FINAL:
                r.status = _str(resp.get("status")) or t.split(".")[-1]
                usage = Usage.from_obj(resp.get("usage"))
                if usage is not None and r.usage is None:
                    r.usage = usage  # (each completed response counted once)
        if t == "response.output_item.done":
            item = _dict(inner.get("item"))
            if item.get("type") == "function_call":
                self._backend_call(s, ev, item, rid, did)
        elif t == "error" or t == "response.failed":
            err = _dict(inner.get("error")) or _dict(resp.get("error"))
            self._place(s, None, ErrorNote(s.session, ev.line_no, ErrorInfo.from_obj(err),
                                            "backend: " + (_str(err.get("message")) or t), ev.timestamp))  # fmt: skip

    def _backend_call(self, s: LiveSession, ev: Event, item: dict[str, Any], rid: str | None, did: str | None) -> None:
        status = item.get("status")
        call_id = _str(item.get("call_id"))
        if status is not None and status != "completed":
            s.incomplete_calls += 1
            return
        if call_id is None:
            return
        if call_id in self._calls:
            s.duplicate_calls += 1
            return
        d = self._delegation_of(s, did)
        args = item.get("arguments")
        self._seq += 1
        c = LiveCall(call_id, _str(item.get("name")), args if type(args) is str else None, ev.line_no, rid, did,
                     d.offset_ms if d else None, seq=self._seq)  # fmt: skip
        self._calls[call_id] = c
        s.calls.append(c)
        self.ledger.calls.setdefault(call_id, ToolCall(call_id, c.name, ev.line_no))

    def _item_create(self, s: LiveSession, ev: Event) -> None:
        item = _dict(ev.data.get("item"))
        if item.get("type") != "function_call_output":
            return
        call_id = _str(item.get("call_id"))
        out = item.get("output")
        if call_id is None:
            return
        self.ledger.outputs.add(call_id)
        c = self._calls.get(call_id)
        if c is not None and c.output is None:
            c.output = out if type(out) is str else None
            c.output_line = ev.line_no

    def _response_create(self, s: LiveSession, ev: Event) -> None:
        s.backend_continuations += 1

    # -- the result -----------------------------------------------------------------------------------

    def _place(self, s: LiveSession, key_ms: float | None, x: Item | ErrorNote) -> None:
        self._seq += 1
        self._items.setdefault(s.session, []).append((key_ms if key_ms is not None else -1.0, self._seq, x))

    def finish(self, t0: float | None, base: float = 0.0) -> dict[int, list[Item | ErrorNote]]:
        """Resolve the sessions: dialects, segments, and the items of each Live or
        Translation session in order (session index → items), on the conversation's
        timeline (`t0`: its origin as a receive timestamp, None without timestamps; `base`:
        where this file starts on it). `end` is then where the last session's speech ends."""
        for cfg in self.sessions.sessions:
            if cfg.dialect is None:
                cfg.dialect = self._by_line.get(cfg.line_no) or self._hints.get(cfg.index) or self._hints.get(cfg.index - 1)
        out: dict[int, list[Item | ErrorNote]] = {}
        end_before = base
        for s in self.live:
            if t0 is not None and s.first_at is not None:
                s.offset = max(base, s.first_at - t0)
            else:
                s.offset = end_before
            self._segment(s)
            for seg in s.segments:
                it = Item(s.session, seg.fragments[0].line, "message", seg.role, None, text=seg.text, speech=seg.role == "user",
                          first_at=seg.fragments[0].ts, last_at=seg.fragments[-1].ts)  # fmt: skip
                it.interrupted = seg.interrupted
                st, en = seg.start_ms, seg.end_ms
                if st is not None:
                    it.start = s.offset + st / 1000
                    it.end = s.offset + (en if en is not None else st) / 1000
                self._place_ordered(s, st, seg.fragments[0].seq, it)
            for c in s.calls:
                key = c.offset_ms
                call = Item(s.session, c.line, "function_call", "assistant", None, response_id=c.response_id, status="completed",
                            name=c.name, call_id=c.call_id, arguments=c.arguments, output=c.output)  # fmt: skip
                if key is not None:
                    call.start = s.offset + key / 1000
                self._place_ordered(s, key, c.seq, call)
                if c.output is not None:
                    o = Item(s.session, c.output_line, "function_call_output", "tool", None, call_id=c.call_id, output=c.output, name=c.name)
                    o.start = call.start
                    self._place_ordered(s, key, c.seq + 0.5, o)
            entries = self._items.get(s.session, [])
            # by session time; what has none follows what arrived before it
            entries.sort(key=lambda e: e[1])
            keyed: list[tuple[float, float, Item | ErrorNote]] = []
            last = -1.0
            for k, seq, x in entries:
                if k < 0:
                    k = last
                last = k
                keyed.append((k, seq, x))
            keyed.sort(key=lambda e: (e[0], e[1]))
            items = [x for _, _, x in keyed]
            for x in items:
                if isinstance(x, ErrorNote) and x.at is not None and t0 is not None:
                    x.start = x.at - t0
            out[s.session] = items
            span = s.span_ms
            end_before = s.offset + (span[1] / 1000 if span else 0.0)
        self.end = end_before
        return out

    def _place_ordered(self, s: LiveSession, key_ms: int | None, seq: float, x: Item | ErrorNote) -> None:
        self._items.setdefault(s.session, []).append((float(key_ms) if key_ms is not None else -1.0, seq, x))  # type: ignore[arg-type]

    def _segment(self, s: LiveSession) -> None:
        """Fragments → segments, per speaker in delivery order (module docstring)."""
        frags = self._fragments.get(s.session, [])
        open_: dict[str, Segment] = {}
        segs: list[Segment] = []
        for role, f in frags:
            cur = open_.get(role)
            other = open_.get("assistant" if role == "user" else "user")
            new = cur is None
            if cur is not None and f.start_ms is not None and cur.end_ms is not None:
                gap = f.start_ms - cur.end_ms
                if gap > SEGMENT_GAP_MS:
                    new = True
                elif gap > SEGMENT_GAP_OTHER_MS and other is not None:
                    new = any(g.start_ms is not None and g.end_ms is not None and g.start_ms >= cur.end_ms and g.end_ms <= f.start_ms
                              for g in other.fragments)  # fmt: skip
            if new:
                cur = open_[role] = Segment(role)
                segs.append(cur)
            cur.fragments.append(f)  # type: ignore[union-attr]
        # barge-in: user speech that starts inside an assistant segment which began before it
        for u in segs:
            if u.role != "user" or u.start_ms is None:
                continue
            for a in segs:
                a_st, a_en = a.start_ms, a.end_ms
                if a.role == "assistant" and not a.interrupted and a_st is not None and a_en is not None and a_st < u.start_ms < a_en:
                    a.interrupted = True
                    s.interruptions += 1
        segs.sort(key=lambda g: (g.start_ms if g.start_ms is not None else -1, g.fragments[0].seq))
        s.segments = segs


#: the names that can change the dialect in force, or that the dialects share
_SIGNALS = L.LIVE_ONLY | L.SHARED_SERVER_TYPES | {L.TRANSLATION_APPEND, "session.created"}
#: Realtime names that never belong to a Live or Translation session, whatever is in force
_REALTIME_ONLY = frozenset({"session.created"})
_BACKEND_LIFECYCLE = frozenset({
    "response.created", "response.in_progress", "response.completed", "response.failed", "response.incomplete",
    "response.cancelled",
})  # fmt: skip
_BACKEND_FINAL = frozenset({"response.completed", "response.failed", "response.incomplete", "response.cancelled"})

_HANDLERS = {
    "session.start": LiveTracker._start,
    "session.started": LiveTracker._started,
    "session.updated": LiveTracker._session_object,
    "session.update": LiveTracker._session_object,
    "session.created": LiveTracker._created,
    "session.usage.updated": LiveTracker._usage,
    "session.closed": LiveTracker._closed,
    "error": LiveTracker._error,
    "info": LiveTracker._info,
    "transport.dtmf.received": LiveTracker._dtmf,
    "transport.dtmf.sent": LiveTracker._dtmf,
    "transport.dtmf.send": LiveTracker._dtmf,
    "session.input_audio.muted": LiveTracker._mute,
    "session.input_audio.unmuted": LiveTracker._mute,
    "session.instructions.append": LiveTracker._append,
    "session.thinking.append": LiveTracker._append,
    "session.commentary.append": LiveTracker._append,
    L.INPUT_TRANSCRIPT: LiveTracker._transcript,
    L.OUTPUT_TRANSCRIPT: LiveTracker._transcript,
    "session.delegation.created": LiveTracker._delegation,
    "response.event": LiveTracker._response_event,
    "response.item.create": LiveTracker._item_create,
    "response.create": LiveTracker._response_create,
}


class LiveTurnCounter:
    """`filter --turn` on GPT-Live / Translation events, in one pass: the user turn an event
    belongs to is the number of user segments begun so far (0 before the first), by the
    segmentation rule above, decided as the input transcript fragments arrive (a whole
    output fragment in the gap counts when it arrived before the input fragment)."""

    __slots__ = ("turn", "_in_end", "_out_in_gap")

    def __init__(self) -> None:
        self.turn = 0
        self._in_end: int | None = None
        self._out_in_gap = False

    def feed(self, ev: Event) -> int:
        t = ev.type
        if t == "session.start" or t == "session.created":
            self._in_end, self._out_in_gap = None, False
        elif t == L.INPUT_TRANSCRIPT:
            d = ev.data
            st, en = d.get("start_ms"), d.get("end_ms")
            if type(st) is not int:
                st = en = d.get("elapsed_ms") if type(d.get("elapsed_ms")) is int else None
            if self._in_end is None or st is None:
                new = self._in_end is None
            else:
                gap = st - self._in_end
                new = gap > SEGMENT_GAP_MS or (gap > SEGMENT_GAP_OTHER_MS and self._out_in_gap)
            if new:
                self.turn += 1
            self._out_in_gap = False
            if type(en) is int:
                self._in_end = en if self._in_end is None else max(self._in_end, en)
        elif t == L.OUTPUT_TRANSCRIPT and self._in_end is not None:
            st = ev.data.get("start_ms")
            if type(st) is int and st >= self._in_end:
                self._out_in_gap = True
        return self.turn
