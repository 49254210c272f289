"""User turns: which turn every event and response belongs to.

Owns the one definition of a *user turn* that every command shares: a turn is a user
message — speech detected by server VAD (`input_audio_buffer.speech_started`), a manual
commit of the audio buffer without detected speech, or a user message the client created
as text (`conversation.item.create` with role user). The responses created after a turn
starts and before the next one are the responses it triggered (a tool call's follow-up
response stays in the same turn). An event belongs to the turn of its response, else of
its item, else to the turn that is current when it arrives — so a late input transcription
or a late `response.done` is counted where it belongs, not where it arrived.

Memory: a few fields per turn and one dict entry per response and item id.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import field

from rtlog.protocol.events import Event
from rtlog.protocol.objects import _dict, _int, _str
from rtlog.protocol.realtime import CLIENT
from rtlog.records import record


@record(slots=True)
class Turn:
    index: int  # 1-based
    line_no: int  # where the turn started
    how: str  # "speech", "commit" or "text"
    item_id: str | None = None
    started_at: float | None = None
    speech_started_ms: int | None = None
    speech_stopped_ms: int | None = None
    speech_stopped_at: float | None = None
    committed_at: float | None = None
    response_create_at: float | None = None
    response_ids: list[str] = field(default_factory=list)

    @property
    def end_of_speech_at(self) -> float | None:
        """When the user stopped: speech_stopped, else committed, else the client's response.create."""
        for t in (self.speech_stopped_at, self.committed_at, self.response_create_at):
            if t is not None:
                return t
        return None


class TurnTracker:
    """Feed every event in order; `feed` returns the turn number the event belongs to
    (0 for events before the first turn)."""

    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self._by_response: dict[str, int] = {}
        self._by_item: dict[str, int] = {}
        self._committed = True  # the current turn's audio was committed (a new commit starts a turn)
        self._timeout_pending = False  # an idle-timeout commit is a nudge, not a user turn
        self._echo_pending: deque[int] = deque()  # client-created user items awaiting the server's echo

    @property
    def current(self) -> int:
        return len(self.turns)

    def turn_of_response(self, response_id: str | None) -> int | None:
        return None if response_id is None else self._by_response.get(response_id)

    def turn_of_item(self, item_id: str | None) -> int | None:
        return None if item_id is None else self._by_item.get(item_id)

    def _start(self, ev: Event, how: str, item_id: str | None) -> Turn:
        turn = Turn(index=len(self.turns) + 1, line_no=ev.line_no, how=how, item_id=item_id, started_at=ev.timestamp)
        self.turns.append(turn)
        if item_id:
            self._by_item[item_id] = turn.index
        return turn

    def handlers(self) -> dict[str, Callable[[Event], None]]:
        """kind → this tracker's handler, for a caller that routes events itself (and does
        not need `feed`'s answer)."""
        return {k: f.__get__(self) for k, f in _HANDLERS.items()}

    def feed(self, ev: Event) -> int:
        handler = _HANDLERS.get(ev.kind)
        if handler is not None:
            handler(self, ev)
        return self.turn_of(ev)

    def turn_of(self, ev: Event) -> int:
        """The turn an event belongs to, as things stand (after the event has been fed):
        its response's, else its item's, else the current turn (0 before the first)."""
        data = ev.data
        rid = data.get("response_id")
        if type(rid) is str:
            n = self._by_response.get(rid)
            if n is not None:
                return n
        resp = data.get("response")
        if type(resp) is dict and ev.direction != CLIENT:
            rid = resp.get("id")
            n = self._by_response.get(rid) if type(rid) is str else None
            if n is not None:
                return n
        iid = data.get("item_id")
        if iid is None:
            item = data.get("item")
            iid = item.get("id") if type(item) is dict else None
        if type(iid) is str:
            n = self._by_item.get(iid)
            if n is not None:
                return n
        return len(self.turns)

    # -- handlers ---------------------------------------------------------------------

    def _speech_started(self, ev: Event) -> None:
        iid = _str(ev.data.get("item_id"))
        cur = self.turns[-1] if self.turns else None
        # a repeated speech_started for the same uncommitted item is the same turn
        if cur is not None and not self._committed and cur.how == "speech" and not cur.response_ids and (iid is None or iid == cur.item_id):
            return
        turn = self._start(ev, "speech", iid)
        turn.speech_started_ms = _int(ev.data.get("audio_start_ms"))
        self._committed = False

    def _speech_stopped(self, ev: Event) -> None:
        if not self.turns:
            # a log that starts in the middle of the user's speech: its commit ends this turn
            self._start(ev, "speech", _str(ev.data.get("item_id")))
            self._committed = False
        turn = self.turns[-1]
        turn.speech_stopped_ms = _int(ev.data.get("audio_end_ms"))
        turn.speech_stopped_at = ev.timestamp

    def _commit(self, ev: Event) -> None:
        # client input_audio_buffer.commit: a manual commit starts a turn unless one is open
        if self._committed:
            self._start(ev, "commit", None)
            self._committed = False

    def _committed_event(self, ev: Event) -> None:
        iid = _str(ev.data.get("item_id"))
        if self._committed and self._timeout_pending and self.turns:
            self._timeout_pending = False
            if iid:
                self._by_item[iid] = len(self.turns)
            return
        if self._committed or not self.turns:
            self._start(ev, "commit", iid)
        turn = self.turns[-1]
        if iid:
            turn.item_id = turn.item_id or iid
            self._by_item[iid] = turn.index
        turn.committed_at = ev.timestamp
        self._committed = True

    def _timeout(self, ev: Event) -> None:
        self._timeout_pending = True

    def _item_created(self, ev: Event) -> None:
        item = _dict(ev.data.get("item"))
        iid = _str(item.get("id"))
        if iid and iid in self._by_item:
            return  # already known (committed audio, or an echo with the client's id)
        if item.get("type") == "message" and item.get("role") == "user":
            if ev.direction != CLIENT and self._echo_pending:
                # the server's echo, with its own id, of a user item the client created
                n = self._echo_pending.popleft()
                if iid:
                    self._by_item[iid] = n
                return
            turn = self._start(ev, "text", iid)
            turn.committed_at = ev.timestamp
            self._committed = True
            if ev.direction == CLIENT and iid is None:
                self._echo_pending.append(turn.index)
        elif iid:
            self._by_item[iid] = len(self.turns)

    def _response_create(self, ev: Event) -> None:
        if self.turns and self.turns[-1].response_create_at is None:
            self.turns[-1].response_create_at = ev.timestamp

    def _response_created(self, ev: Event) -> None:
        rid = _str(_dict(ev.data.get("response")).get("id")) or _str(ev.data.get("response_id"))
        if rid and rid not in self._by_response:
            self._by_response[rid] = len(self.turns)
            if self.turns:
                self.turns[-1].response_ids.append(rid)

    def _output_item(self, ev: Event) -> None:
        rid = _str(ev.data.get("response_id"))
        iid = _str(_dict(ev.data.get("item")).get("id"))
        if iid and iid not in self._by_item:
            n = self._by_response.get(rid) if rid else None
            self._by_item[iid] = len(self.turns) if n is None else n


_HANDLERS = {
    "input_audio_buffer.speech_started": TurnTracker._speech_started,
    "input_audio_buffer.speech_stopped": TurnTracker._speech_stopped,
    "input_audio_buffer.commit": TurnTracker._commit,
    "input_audio_buffer.committed": TurnTracker._committed_event,
    "input_audio_buffer.timeout_triggered": TurnTracker._timeout,
    "conversation.item.create": TurnTracker._item_created,
    "conversation.item.added": TurnTracker._item_created,
    "response.create": TurnTracker._response_create,
    "response.created": TurnTracker._response_created,
    "response.output_item.added": TurnTracker._output_item,
}
