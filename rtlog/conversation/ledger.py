"""The accounts of a conversation: responses, usage, tool calls, errors, truncations.

Owns the rules for:
- Responses: created (`response.created`) and finished (`response.done`, whose status is
  final: completed, cancelled, incomplete, failed; none yet is *unfinished*); a
  `response.done` without an id is counted on its own; the first audio and text of each
  (for latency) and its output format (from the session or its override).
- Usage: a response's tokens count once, in the session it was created in, even when a
  relay logs its `response.done` twice (then a later copy with usage replaces a first
  without); responses without usage make the cost a lower bound.
- Tool calls: every function call named anywhere (output items, `response.done` output,
  `conversation.item.*`, `function_call_arguments.done`) once by call id, and whether an
  output item for it followed.
- Errors (`error` events), failed input transcriptions, transcription usage (the last
  `.completed` of an item counts: xAI repeats it with growing text), and truncations as
  first reported (where an item was cut is `truncations.Truncations`' rule).

Memory: a few fields per response, call and error.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from rtlog.conversation.session import SessionTracker
from rtlog.protocol.events import Event
from rtlog.protocol.formats import AudioFormat
from rtlog.protocol.objects import ErrorInfo, Usage, _dict, _str, usage_problem
from rtlog.records import record


@record(slots=True)
class Response:
    """One response of the model (see the module docstring for the rules)."""

    id: str | None
    line: int  # where it was created (or finished, without a response.created)
    session: int
    status: str | None = None  # None: no response.done yet (unfinished)
    created_status: str | None = None  # as stated by response.created (in_progress)
    done_session: int = 0  # the session its first response.done arrived in (its usage counts there)
    reason: str | None = None  # why it ended early (turn_detected, client_cancelled, …)
    usage: Usage | None = None
    done_line: int = 0
    first_audio_at: float | None = None  # the timestamp of its first audio delta
    first_text_at: float | None = None  # of its first text or transcript delta
    error: dict[str, Any] | None = None  # status_details.error of a failed response
    created_at: float | None = None  # the timestamp of its response.created
    done_at: float | None = None  # of its first response.done


@record(slots=True)
class ToolCall:
    call_id: str
    name: str | None
    line: int
    has_output: bool = False


class Ledger:
    """Give every event that is not an audio chunk to the handler of its kind (`handlers`);
    audio chunks go to `output_audio` (their response's format and first time)."""

    def __init__(self, sessions: SessionTracker) -> None:
        self.sessions = sessions
        self.responses: dict[str, Response] = {}
        self.anonymous: list[Response] = []  # response.done events without an id
        self.formats: dict[str | None, AudioFormat] = {}  # response → its output format (from its first audio)
        self.repeated_done = 0  # response.done events for a response that already had one
        self.repeated_done_line = 0
        self.implausible: list[tuple[int, str]] = []  # (line, what): usages not counted (`usage_problem`)
        self.cleared: set[str] = set()  # responses whose playback output_audio_buffer.cleared cut
        self.calls: dict[str, ToolCall] = {}
        self.outputs: set[str] = set()
        self.errors: list[dict[str, Any]] = []
        self.service_warnings: list[dict[str, Any]] = []  # Voice Live `warning` events (non-fatal)
        self.transcription_failures: list[dict[str, Any]] = []
        self.transcription_usage: dict[str, dict[str, Any]] = {}
        self.truncations: dict[str, tuple[int | None, int]] = {}  # item → (audio_end_ms, line) as first reported

    def handlers(self) -> dict[str, Callable[[Event], None]]:
        """kind → the ledger's handler (the fold routes each event to the rules of its kind).
        Made for the caller, not kept: bound methods kept on the ledger would be a
        reference cycle, holding it (and its sessions, formats, responses) until the cyclic
        collector runs."""
        return {
            "response.created": self._response_created,
            "response.done": self._response_done,
            "response.output_text.delta": self._text_delta,
            "response.output_audio_transcript.delta": self._text_delta,
            "conversation.item.truncate": self._truncation,
            "conversation.item.truncated": self._truncation,
            "output_audio_buffer.cleared": self._audio_cleared,
            "error": self._error,
            "warning": self._service_warning,
            "conversation.item.input_audio_transcription.failed": self._transcription_failed,
            "conversation.item.input_audio_transcription.completed": self._transcription_completed,
            "response.output_item.added": self._item,
            "response.output_item.done": self._item,
            "conversation.item.added": self._item,
            "conversation.item.done": self._item,
            "conversation.item.create": self._item,
            "response.function_call_arguments.done": self._arguments_done,
        }

    # -- audio --------------------------------------------------------------------------

    def output_audio(self, ev: Event) -> AudioFormat:
        """An assistant audio delta: its response's format (fixed at its first audio) and
        the time of the response's first audio (its first timed delta)."""
        rid = ev.response_id
        fmt = self.formats.get(rid)
        if fmt is None:
            fmt = self.formats[rid] = self.sessions.output_format(rid)
        ts = ev.timestamp
        if ts is not None:
            r = self.responses.get(rid) if rid is not None else None
            if r is not None and r.first_audio_at is None:
                r.first_audio_at = ts
        return fmt

    # -- responses ------------------------------------------------------------------------

    def _response_created(self, ev: Event) -> None:
        rid = ev.response_id
        if rid is not None and rid not in self.responses:
            resp = ev.response
            self.responses[rid] = Response(rid, ev.line_no, self.sessions.current.index, created_status=resp.status if resp else None,
                                           created_at=ev.timestamp)  # fmt: skip

    def _response_done(self, ev: Event) -> None:
        resp = ev.response
        if resp is None:
            return
        if resp.usage_problem is not None:
            self.implausible.append((ev.line_no, resp.usage_problem))
        status = resp.status or "other"
        err = None
        if resp.status == "failed":
            details = _dict(ev.data.get("response")).get("status_details")
            e = _dict(_dict(details).get("error"))
            err = {"type": _str(e.get("type")), "code": _str(e.get("code")), "message": _str(e.get("message"))} if e else None
        if resp.id is None:
            index = self.sessions.current.index
            r = Response(None, ev.line_no, index, status, reason=resp.status_reason, usage=resp.usage, done_line=ev.line_no,
                         done_session=index, error=err, done_at=ev.timestamp)  # fmt: skip
            self.anonymous.append(r)
            return
        r = self.responses.get(resp.id)
        if r is None:
            r = self.responses[resp.id] = Response(resp.id, ev.line_no, self.sessions.current.index)
        if r.done_line:  # the same response.done again (a relay or recorder that logs it twice)
            self.repeated_done += 1
            self.repeated_done_line = self.repeated_done_line or ev.line_no
            if r.usage is None and resp.usage is not None:
                r.usage = resp.usage  # the first had none: this one's usage counts instead
        else:
            r.done_line = ev.line_no
            r.done_at = ev.timestamp
            r.done_session = self.sessions.current.index
            r.usage = resp.usage
        r.status, r.reason = status, resp.status_reason
        if err is not None:
            r.error = err
        for item in resp.output:
            if item.type == "function_call":
                self._call(item.call_id or item.id, item.name, ev.line_no)

    def _text_delta(self, ev: Event) -> None:
        rid = ev.response_id
        r = self.responses.get(rid) if rid is not None else None
        if r is not None and r.first_text_at is None and ev.timestamp is not None:
            r.first_text_at = ev.timestamp

    def _audio_cleared(self, ev: Event) -> None:
        rid = _str(ev.data.get("response_id"))
        if rid:
            self.cleared.add(rid)

    def all_responses(self) -> list[Response]:
        return [*self.responses.values(), *self.anonymous]

    # -- tool calls ---------------------------------------------------------------------------

    def _item(self, ev: Event) -> None:
        item = ev.item
        if item is None:
            return
        if item.type == "function_call":
            self._call(item.call_id or item.id, item.name, ev.line_no)
        elif item.type == "function_call_output" and item.call_id:
            self.outputs.add(item.call_id)

    def _arguments_done(self, ev: Event) -> None:
        self._call(ev.call_id or ev.item_id, _str(ev.data.get("name")), ev.line_no)

    def _call(self, call_id: str | None, name: str | None, line_no: int) -> None:
        if call_id is None:
            return
        known = self.calls.get(call_id)
        if known is None:
            self.calls[call_id] = ToolCall(call_id, name, line_no)
        elif known.name is None and name:
            known.name = name

    def tool_calls(self) -> list[ToolCall]:
        for c in self.calls.values():
            c.has_output = c.call_id in self.outputs
        return list(self.calls.values())

    # -- errors and transcriptions --------------------------------------------------------------

    def _error(self, ev: Event) -> None:
        err = ev.error
        self.errors.append(
            {"line": ev.line_no, "type": err.type if err else None, "code": err.code if err else None, "message": err.message if err else None}
        )

    def _service_warning(self, ev: Event) -> None:
        """Azure Voice Live's `warning` event: `{"warning": {"code"?, "message", "param"?}}`."""
        w = ErrorInfo.from_obj(ev.data.get("warning"))
        self.service_warnings.append(
            {"line": ev.line_no, "code": w.code if w else None, "message": w.message if w else None, "param": w.param if w else None}
        )

    def _transcription_failed(self, ev: Event) -> None:
        err = ev.error
        self.transcription_failures.append(
            {"line": ev.line_no, "item_id": ev.item_id, "type": err.type if err else None,
             "code": err.code if err else None, "message": err.message if err else None}
        )  # fmt: skip

    def _transcription_completed(self, ev: Event) -> None:
        usage = ev.data.get("usage")
        problem = usage_problem(usage)
        if problem is not None:
            self.implausible.append((ev.line_no, problem))
        elif type(usage) is dict and usage:
            self.transcription_usage[ev.item_id or f"line {ev.line_no}"] = usage

    def _truncation(self, ev: Event) -> None:
        item = ev.item_id
        if item is None:
            return
        ms = ev.data.get("audio_end_ms")
        ms = ms if type(ms) is int or (type(ms) is float and math.isfinite(ms)) else None
        old = self.truncations.get(item)
        if old is None or old[0] is None:  # the first truncation of the item (with its ms) is the one reported
            self.truncations[item] = (ms, ev.line_no)
