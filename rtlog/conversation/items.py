"""Items: what was said and done, reassembled from deltas, in the conversation's order.

Owns the rules that turn deltas and item objects back into messages, function calls and
their outputs:
- Text is keyed by (item_id, content_index): deltas are appended in arrival order, and a
  final value (`*.done`, `response.content_part.done`, `response.output_item.done`,
  `conversation.item.done`, `response.done` output, a completed input transcription, or
  xAI's cumulative `.updated`) replaces them. An empty final value never erases text
  (the server deletes the transcript of a truncated item; the log still has it).
- User messages: typed `input_text`, or the input-audio transcription whenever it
  arrives; a failed transcription keeps its error. Function calls with their arguments,
  the client's `function_call_output`, and system messages the client created.
  A client-created item and the server's echo of it (matched by id, call_id, or role and
  text) are one item.
- Order: by `previous_item_id` where the log states it (on `input_audio_buffer.committed`,
  `conversation.item.create/added/created`; a null or unknown id says nothing), else by
  first appearance, so a late transcription lands at its user's turn. Items that arrived
  earlier stay before a later one that names the same previous item (a fork keeps arrival
  order). Errors stay where
  they arrived. Each `session.created` after the first starts a new session.
- Speech detected but never committed (VAD only) is no item.

Memory: the conversation's text and a few fields per item; never audio.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rtlog.conversation.session import SessionTracker
from rtlog.protocol.events import Event
from rtlog.protocol.objects import ErrorInfo, Item, _dict, _int, _str
from rtlog.protocol.realtime import CLIENT
from rtlog.records import record

#: client-created items waiting for their server echo are matched among the most recent ones
PENDING_ECHO_LIMIT = 64


# --- assembly state ----------------------------------------------------------------------


class _Part:
    """The text of one content part: deltas, and a final value that replaces them.

    Deltas are kept as they come, and every `_JOIN` of them joined into one string: a
    small str costs ~50 bytes besides its text, so a reply streamed two characters at a
    time held ~30 times its text as a list of deltas."""

    __slots__ = ("_joined", "_n", "deltas", "final")

    def __init__(self) -> None:
        # the lists are made at the first delta: most parts only ever get a final value
        self.deltas: list[str] = _NONE  # the latest deltas, not joined yet
        self._joined: list[str] = _NONE  # the earlier ones, `_JOIN` at a time
        self._n = 0  # deltas added in all
        self.final: str | None = None

    def add(self, delta: str) -> None:
        d = self.deltas
        if d is _NONE:
            d = self.deltas = []
            if self._joined is _NONE:
                self._joined = []
        d.append(delta)
        self._n += 1
        if len(d) >= _JOIN:
            self._joined.append("".join(d))
            d.clear()

    @property
    def has_deltas(self) -> bool:
        return self._n > 0

    def set_final(self, v: str | None) -> None:
        if v is None or (v == "" and (self.final or self._n)):
            return
        self.final = v
        self.deltas = self._joined = _NONE  # (replaced: never shown again)

    @property
    def text(self) -> str | None:
        if self.final is not None:
            return self.final
        if not self._n:
            return None
        if self.deltas or len(self._joined) != 1:  # joined once, then kept as one string (not twice)
            self._joined = ["".join([*self._joined, *self.deltas])]
            self.deltas = _NONE
        return self._joined[0]


#: no deltas (shared, and a tuple so that nothing can append to it: `add` makes a part
#: its own lists)
_NONE: Any = ()
#: deltas joined into one string at a time (see `_Part`)
_JOIN = 256


@record(slots=True, eq=False)
class _Item:
    seq: int
    line: int
    session: int
    kind: str  # message | function_call | function_call_output | …
    role: str | None
    item_id: str | None
    response_id: str | None = None
    status: str | None = None
    #: the content parts' text: None, the one part (index 0, as most items have: a dict per
    #: item cost ~230 bytes, 3 MB of a 20-hour log's fold), or index → part when there are more
    parts: _Part | dict[int, _Part] | None = None
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
    replayed: bool = False  # history the server replayed into a resumed session
    tr_error: ErrorInfo | None = None
    first_ts: float | None = None
    last_ts: float | None = None
    server: str | None = None  # an MCP item's server
    error: ErrorInfo | None = None  # a failed MCP call or tool listing
    phase: str | None = None  # gpt-realtime-2: commentary (a preamble) or final_answer
    images: int = 0  # images the user sent (content parts, or Qwen's image buffer appends in a row)
    keys: list[str] | None = None  # DTMF keypresses in a row

    def part(self, index: int | None) -> _Part:
        i = index or 0
        parts = self.parts
        if parts is None:
            if i == 0:
                p = self.parts = _Part()
                return p
            parts = self.parts = {}
        elif type(parts) is _Part:
            if i == 0:
                return parts
            parts = self.parts = {0: parts}
        p = parts.get(i)  # type: ignore[union-attr]
        if p is None:
            p = parts[i] = _Part()  # type: ignore[index]
        return p

    def arguments(self) -> _Part:
        """The call's arguments, made at their first delta or final value."""
        if self.args is None:
            self.args = _Part()
        return self.args

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
            self.arguments().set_final(item.arguments)
        if item.output is not None:
            self.output = item.output
        if item.server_label:
            self.server = item.server_label
        if item.error is not None:
            self.error = item.error
        if item.phase:
            self.phase = item.phase
        images = 0
        for i, p in enumerate(item.content):
            if p.type == "input_audio":
                self.speech = True
            elif p.type == "input_image":
                images += 1
            if p.text is not None:
                self.part(i).set_final(p.text)
        if images:
            self.images = max(self.images, images)  # (the server's echo states them again)

    @property
    def text(self) -> str | None:
        parts = self.parts
        if parts is None:
            return None
        if type(parts) is _Part:
            return parts.text
        texts = [t for t in (parts[i].text for i in sorted(parts)) if t is not None]
        if not texts:
            return None
        return texts[0] if len(texts) == 1 else " ".join(t for t in texts if t)


@record(slots=True, eq=False)
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


def error_text(err: ErrorInfo | None) -> str:
    """`code: message` (or whichever of them exists)."""
    if err is None:
        return "unknown error"
    head = err.code or err.type
    if head and err.message:
        return f"{head}: {err.message}"
    return head or err.message or "unknown error"


# --- the assembler ---------------------------------------------------------------------------


class ItemAssembler:
    """Give every event that is not an audio chunk, in order and after the session tracker,
    to the handler of its kind (`handlers`); `sessions()` gives the items and errors of each
    session in order."""

    def __init__(self, sessions: SessionTracker) -> None:
        self._sessions = sessions
        self._session = 1
        self._items: dict[str, _Item] = {}
        self._order: list[_Item | _Error] = []
        self._done: list[list[_Item | _Error]] = []
        self._pending: list[_Item] = []
        self._history: set[tuple[str | None, ...]] = set()  # what earlier sessions hold (`_history_keys`)
        self.replay_open = False
        self.calls: dict[str, _Item] = {}  # call_id → its function call item (the first)
        self.outputs: dict[str, _Item] = {}  # call_id → its output item (the first)
        self._seq = 0

    def handlers(self) -> dict[str, Callable[[Event], None]]:
        """kind → this assembler's handler (the fold routes each event to the rules of its kind)."""
        return {k: f.__get__(self) for k, f in _HANDLERS.items()}

    def sessions(self) -> list[list[_Item | _Error]]:
        """Each session's items and errors, in the conversation's order."""
        return [*self._done, self._order]

    def take_sessions(self) -> list[list[_Item | _Error]]:
        """`sessions()`, handed over for good: the assembler lets go of its items, so that
        the caller (the fold's `finish`) can drop each one once it has made the finished
        item of it, rather than hold both for the whole conversation. Nothing is fed after.
        (`calls` and `outputs`, which the finished items are paired by, stay.)"""
        out = [*self._done, self._order]
        self._done, self._order, self._items, self._pending = [], [], {}, []
        return out

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
        # entries that arrived before this one stay before it: those without a stated place,
        # and those that named the same previous item (a fork: tool outputs and the reply
        # after them both name the call) with what followed them
        while j < len(order) and order[j].seq < it.seq:
            j += 1
        order.insert(j, it)

    def _register_call(self, it: _Item) -> None:
        if it.call_id:
            if it.kind == "function_call":
                self.calls.setdefault(it.call_id, it)
            elif it.kind == "function_call_output":
                self.outputs.setdefault(it.call_id, it)

    # -- handlers ---------------------------------------------------------------------------

    def _session_created(self, ev: Event) -> None:
        n = max(len(self._sessions.sessions), 1)
        if n != self._session:
            self._history.update(_history_keys(self._order))
            self._done.append(self._order)
            self._order = []
            self._items = {}
            self._pending = []
            self._session = n
            self.replay_open = bool(self._history)

    # -- history replayed into a resumed session ----------------------------------------------

    def is_replay(self, ev: Event) -> bool:
        """A `conversation.item.added` that replays history: a resumed session's server adds
        items the earlier sessions of the log already hold (same role and text, or the same
        call id) before anything new happens in it (`replay_open`, closed by the fold at the
        session's first client item, response or speech)."""
        if not self.replay_open or ev.direction == CLIENT:
            return False
        item = ev.item
        if item is None or (item.id is not None and item.id in self._items):
            return False
        return bool(_history_keys([item]) & self._history)

    def replayed(self, ev: Event) -> None:
        """Keep a replayed item, marked: it is history, not something said in this session."""
        item = ev.item
        assert item is not None
        it = self._new(ev, item.type or "message", item.role, item.id)
        it.replayed = True
        it.absorb(item)
        self._link(it, ev.previous_item_id)

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
            it.part(_int(ev.data.get("content_index"))).add(delta)

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
            it.arguments().add(delta)

    def _args_done(self, ev: Event) -> None:
        it = self._call_item(ev)
        if it is None:
            return
        it.arguments().set_final(_str(ev.data.get("arguments")))
        name = _str(ev.data.get("name"))
        if name:
            it.name = name

    def _call_item(self, ev: Event) -> _Item | None:
        d = ev.data
        iid = _str(d.get("item_id"))
        cid = _str(d.get("call_id"))
        it = self.calls.get(cid) if iid is None and cid else None
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

    def _response_done(self, ev: Event) -> None:
        resp = ev.response
        if resp is None:
            return
        for item in resp.output:
            it = self._get(ev, item.id, item.type or "message", item.role or "assistant")
            if resp.id:
                it.response_id = resp.id
            it.absorb(item)
            self._register_call(it)
        if resp.status == "failed":
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
        vad_only = prev is None or prev.vad_only  # (read before `_get`, which clears it)
        it = self._user_item(ev)
        if it is not None:
            it.vad_only = vad_only

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
            it.part(_int(ev.data.get("content_index"))).add(delta)

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
            p.add(text if not p.has_deltas or text[:1].isspace() else " " + text)

    def _transcription_failed(self, ev: Event) -> None:
        it = self._user_item(ev)
        if it is not None:
            it.tr_error = ev.error or ErrorInfo(None, None, "no details", None, None)

    # -- MCP, images and keypresses -------------------------------------------------------------

    def _mcp_args_delta(self, ev: Event) -> None:
        it = self._mcp_item(ev)
        delta = ev.data.get("delta")
        if it is not None and type(delta) is str:
            it.arguments().add(delta)

    def _mcp_args_done(self, ev: Event) -> None:
        it = self._mcp_item(ev)
        if it is not None:
            it.arguments().set_final(_str(ev.data.get("arguments")))

    def _mcp_failed(self, ev: Event) -> None:
        """`response.mcp_call.failed`, `mcp_list_tools.failed`: the item failed (its error,
        when the log states one, comes with the item itself)."""
        kind = "mcp_list_tools" if ev.kind == "mcp_list_tools.failed" else "mcp_call"
        it = self._mcp_item(ev, kind)
        if it is not None:
            it.status = "failed"
            if it.error is None:
                it.error = ErrorInfo(None, None, None, None, None)

    def _mcp_item(self, ev: Event, kind: str = "mcp_call") -> _Item | None:
        iid = _str(ev.data.get("item_id"))
        if iid is None:
            return None
        it = self._get(ev, iid, kind, "assistant")
        if it.kind == "message":
            it.kind = kind
        if it.response_id is None:
            it.response_id = _str(ev.data.get("response_id"))
        return it

    def _image_append(self, ev: Event) -> None:
        """Qwen's `input_image_buffer.append`: images sent in a row are one entry."""
        last = self._order[-1] if self._order else None
        if isinstance(last, _Item) and last.kind == "input_image":
            last.images += 1
            if ev.timestamp is not None:
                last.last_ts = ev.timestamp
            return
        it = self._new(ev, "input_image", "user", None)
        it.images = 1

    def _dtmf(self, ev: Event) -> None:
        """`input_audio_buffer.dtmf_event_received`: keys pressed in a row are one entry."""
        key = ev.data.get("event")
        key = key if type(key) is str else str(key) if type(key) is int else "?"
        last = self._order[-1] if self._order else None
        if isinstance(last, _Item) and last.kind == "dtmf" and last.keys is not None:
            last.keys.append(key)
            if ev.timestamp is not None:
                last.last_ts = ev.timestamp
            return
        it = self._new(ev, "dtmf", "user", None)
        it.keys = [key]

    def _error_event(self, ev: Event) -> None:
        err = ev.error
        self._add_error(ev, err, error_text(err))

    def _add_error(self, ev: Event, err: ErrorInfo | None, text: str) -> None:
        self._seq += 1
        self._order.append(_Error(self._seq, ev.line_no, self._session, err, text, ev.timestamp))


def _history_keys(items: list[Any]) -> set[tuple[str | None, ...]]:
    """What identifies an item when a resumed session replays it (with a new id): a
    message's role and text, a call's or an output's call id."""
    keys: set[tuple[str | None, ...]] = set()
    for it in items:
        kind = it.kind if isinstance(it, _Item) else getattr(it, "type", None)
        if kind == "message":
            text = it.text
            if text:
                keys.add(("message", it.role, text))
        elif kind in ("function_call", "function_call_output") and it.call_id:
            keys.add((kind, it.call_id))
    return keys


def _index(order: list[Any], x: Any) -> int:
    """Position of `x` in `order`, searched from the end (where new links usually point)."""
    for i in range(len(order) - 1, -1, -1):
        if order[i] is x:
            return i
    raise ValueError("not in order")  # pragma: no cover - callers only look up placed items


_HANDLERS = {
    "session.created": ItemAssembler._session_created,
    "conversation.item.create": ItemAssembler._item_create,
    "conversation.item.added": ItemAssembler._item_added,
    "conversation.item.done": ItemAssembler._item_final,
    "conversation.item.retrieved": ItemAssembler._item_retrieved,
    "response.output_item.added": ItemAssembler._item_final,
    "response.output_item.done": ItemAssembler._item_final,
    "response.output_text.delta": ItemAssembler._text_delta,
    "response.output_audio_transcript.delta": ItemAssembler._text_delta,
    "response.output_text.done": ItemAssembler._text_done,
    "response.output_audio_transcript.done": ItemAssembler._text_done,
    "response.content_part.done": ItemAssembler._part_done,
    "response.function_call_arguments.delta": ItemAssembler._args_delta,
    "response.function_call_arguments.done": ItemAssembler._args_done,
    "response.done": ItemAssembler._response_done,
    "input_audio_buffer.speech_started": ItemAssembler._speech,
    "input_audio_buffer.speech_stopped": ItemAssembler._speech,
    "input_audio_buffer.committed": ItemAssembler._committed,
    "input_audio_buffer.timeout_triggered": ItemAssembler._timeout,
    "conversation.item.input_audio_transcription.delta": ItemAssembler._transcription_delta,
    "conversation.item.input_audio_transcription.completed": ItemAssembler._transcription_final,
    "conversation.item.input_audio_transcription.updated": ItemAssembler._transcription_final,
    "conversation.item.input_audio_transcription.segment": ItemAssembler._transcription_segment,
    "conversation.item.input_audio_transcription.failed": ItemAssembler._transcription_failed,
    "error": ItemAssembler._error_event,
    "response.mcp_call_arguments.delta": ItemAssembler._mcp_args_delta,
    "response.mcp_call_arguments.done": ItemAssembler._mcp_args_done,
    "response.mcp_call.failed": ItemAssembler._mcp_failed,
    "mcp_list_tools.failed": ItemAssembler._mcp_failed,
    "input_image_buffer.append": ItemAssembler._image_append,
    "input_audio_buffer.dtmf_event_received": ItemAssembler._dtmf,
}


