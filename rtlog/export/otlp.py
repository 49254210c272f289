"""A conversation as OpenTelemetry traces, in OTLP/JSON (what a Collector's `otlpjsonfile`
receiver, Jaeger, Phoenix or Langfuse ingest).

Owns the mapping: one trace per session; its root span is the session, then a span per user
turn, a `chat` span per response (under its turn) and an `execute_tool` span per function
call (under the response that made it, from the call's arguments to the client's output).
Attributes follow the GenAI semantic conventions where they have a name (`gen_ai.operation.name`,
`gen_ai.provider.name`, `gen_ai.request.model`, `gen_ai.conversation.id`, `gen_ai.response.id`,
`gen_ai.response.finish_reasons`, `gen_ai.usage.input_tokens` / `output_tokens` /
`cache_read.input_tokens`, `gen_ai.tool.name`, `gen_ai.tool.call.id`); what is voice-specific
(audio tokens and seconds, latency, turn detection, interruptions) is under `rtlog.*` until the
GenAI voice conventions exist.

Rules: spans need times, so a log without epoch timestamps gets no trace (a note says so);
a span whose own start is not in the log starts at the first time it has (a response without
`response.created` at its first audio or its `response.done`), and one without any is left out
(its children hang from its parent). Ids are derived from the file name and session, so a
re-export gives the same ids. OTLP/JSON writes ids as hex and 64-bit integers as strings.
"""

from __future__ import annotations

import hashlib
from typing import Any

from rtlog import __version__
from rtlog.conversation.model import Conversation
from rtlog.export.rows import provider_of
from rtlog.metrics.pricing import PriceTable
from rtlog.metrics.summary import Summary, turn_latency_ms

INTERNAL, CLIENT = 1, 3
STATUS_ERROR = 2
_EPOCH_MIN = 86400 * 2  # below: a time of day, no date


def _ns(ts: float) -> str:
    """Epoch seconds → nanoseconds, at the microsecond (a float's digits end there)."""
    return str(round(ts * 1e6) * 1000)


def _attr(key: str, v: Any) -> dict[str, Any] | None:
    if v is None:
        return None
    if isinstance(v, bool):
        val: dict[str, Any] = {"boolValue": v}
    elif isinstance(v, int):
        val = {"intValue": str(v)}
    elif isinstance(v, float):
        val = {"doubleValue": v}
    elif isinstance(v, list | tuple):
        val = {"arrayValue": {"values": [{"stringValue": str(x)} for x in v]}}
    else:
        val = {"stringValue": str(v)}
    return {"key": key, "value": val}


def _attrs(pairs: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in (_attr(k, v) for k, v in pairs.items()) if a is not None]


def _id(*parts: Any, n: int) -> str:
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[: n * 2]


def _usage_attrs(u: Any) -> dict[str, Any]:
    if u is None:
        return {}
    return {
        "gen_ai.usage.input_tokens": u.input_tokens, "gen_ai.usage.output_tokens": u.output_tokens,
        "gen_ai.usage.cache_read.input_tokens": u.cached_tokens,
        "rtlog.usage.input_audio_tokens": u.input_audio_tokens, "rtlog.usage.output_audio_tokens": u.output_audio_tokens,
        "rtlog.usage.input_text_tokens": u.input_text_tokens, "rtlog.usage.output_text_tokens": u.output_text_tokens,
        "rtlog.usage.cached_audio_tokens": u.cached_audio_tokens,
    }  # fmt: skip


def trace_request(conv: Conversation, summary: Summary, prices: PriceTable, *, file: str) -> tuple[dict[str, Any] | None, str | None]:
    """(an OTLP/JSON ExportTraceServiceRequest for the file's sessions, or None; a note)."""
    clock = conv.recording.clock if conv.recording is not None else None
    if clock is None or clock.start is None or clock.start < _EPOCH_MIN or clock.end is None:
        return None, "no dated timestamps in the log: no trace written (OTLP spans need times)"
    sessions = conv.sessions
    spans: list[dict[str, Any]] = []
    if not sessions:
        return None, "no session in the log: no trace written"
    bounds = [s.line_no for s in sessions[1:]] + [1 << 62]
    starts = [s.started_at if s.started_at is not None else None for s in sessions]

    def session_of_line(line: int) -> int:
        for k, b in enumerate(bounds):
            if line < b:
                return k
        return len(sessions) - 1

    cost = {c["session"]: c.get("usd") for c in summary.cost.sessions}
    usage = summary.session_usage
    by_call = {it.call_id: it for it in conv.messages if it.kind == "function_call" and it.call_id}
    by_output = {it.call_id: it for it in conv.messages if it.kind == "function_call_output" and it.call_id}
    measurable = summary.latency_measurable and not clock.coarse
    turn_span: dict[int, tuple[str, str]] = {}  # turn → (trace, span id)
    resp_span: dict[str, tuple[str, str]] = {}
    untimed = [0] * len(sessions)
    roots: list[dict[str, Any]] = []
    for k, s in enumerate(sessions):
        trace = _id(file, s.index, n=16)
        start = starts[k] if starts[k] is not None and starts[k] >= _EPOCH_MIN else (clock.start if k == 0 else None)
        if start is None:  # a later session without session.created's time: from its first timed turn or response
            start = min((r.created_at for r in conv.responses if r.session == s.index and r.created_at), default=None)
        end = next((x for x in starts[k + 1 :] if x is not None), clock.end)
        if start is None:
            untimed[k] += 1
            continue
        model = s.model
        root = {
            "traceId": trace, "spanId": _id(trace, "session", n=8), "name": f"realtime {model or 'session'}",
            "kind": CLIENT, "startTimeUnixNano": _ns(start), "endTimeUnixNano": _ns(max(start, end)),
            "attributes": _attrs({
                "gen_ai.operation.name": "realtime", "gen_ai.provider.name": provider_of(model),
                "gen_ai.request.model": model, "gen_ai.conversation.id": s.id, **_usage_attrs(usage[k] if k < len(usage) else None),
                "rtlog.file": file, "rtlog.session.index": s.index, "rtlog.voice": s.voice,
                "rtlog.turn_detection": s.turn_detection, "rtlog.transcription_model": s.transcription_model,
                "rtlog.tools": list(s.tools) or None, "rtlog.cost_usd": cost.get(s.index),
            }),
        }  # fmt: skip
        if k == 0:  # the file's numbers are the first session's root's (a file is usually one session)
            root["attributes"] += _attrs({
                "rtlog.audio.input_seconds": _r(summary.audio_in.seconds) if summary.audio_in.chunks else None,
                "rtlog.audio.output_seconds": _r(summary.audio_out.seconds) if summary.audio_out.chunks else None,
                "rtlog.audio.heard_seconds": _r(summary.output_heard_seconds), "rtlog.interruptions": summary.interruptions,
                "rtlog.user_turns": summary.user_turns, "rtlog.warnings": len(summary.warnings),
            })  # fmt: skip
        roots.append(root)
        spans.append(root)
    root_of = {int(a["value"]["intValue"]): r for r in roots for a in r["attributes"] if a["key"] == "rtlog.session.index"}
    status_of = {r.id: r for r in conv.responses if r.id}

    for t in conv.turns:
        k = session_of_line(t.line_no)
        root = root_of.get(sessions[k].index)
        if root is None:
            continue
        responses = [status_of[rid] for rid in t.response_ids if rid in status_of]
        times = [x for x in (t.started_at, t.end_of_speech_at, *(r.done_at for r in responses),
                             *(r.created_at for r in responses)) if x is not None and x >= _EPOCH_MIN]  # fmt: skip
        if not times:
            untimed[k] += 1
            continue
        ms = turn_latency_ms(conv, t) if measurable else None
        span = {
            "traceId": root["traceId"], "spanId": _id(root["traceId"], "turn", t.index, n=8), "parentSpanId": root["spanId"],
            "name": f"turn {t.index}", "kind": INTERNAL, "startTimeUnixNano": _ns(min(times)), "endTimeUnixNano": _ns(max(times)),
            "attributes": _attrs({"rtlog.turn.index": t.index, "rtlog.turn.how": t.how, "rtlog.turn.item_id": t.item_id,
                                  "rtlog.turn.latency_ms": round(ms, 1) if ms is not None and ms >= 0 else None}),
        }  # fmt: skip
        spans.append(span)
        turn_span[t.index] = (span["traceId"], span["spanId"])

    turn_of = {rid: t.index for t in conv.turns for rid in t.response_ids}
    cut = {a.response_id for a in conv.assistant_audio if a.cut_ms is not None and a.response_id}
    for r in conv.responses:
        k = next((i for i, s in enumerate(sessions) if s.index == r.session), 0)
        root = root_of.get(sessions[k].index)
        if root is None:
            continue
        start = next((x for x in (r.created_at, r.first_audio_at, r.first_text_at, r.done_at) if x is not None and x >= _EPOCH_MIN), None)
        if start is None:
            untimed[k] += 1
            continue
        end = r.done_at if r.done_at is not None and r.done_at >= start else start
        parent = turn_span.get(turn_of.get(r.id, -1)) if r.id else None
        model = sessions[k].model
        span = {
            "traceId": root["traceId"], "spanId": _id(root["traceId"], "response", r.id or r.line, n=8),
            "parentSpanId": parent[1] if parent else root["spanId"], "name": f"chat {model or ''}".strip(), "kind": CLIENT,
            "startTimeUnixNano": _ns(start), "endTimeUnixNano": _ns(end),
            "attributes": _attrs({
                "gen_ai.operation.name": "chat", "gen_ai.provider.name": provider_of(model), "gen_ai.request.model": model,
                "gen_ai.conversation.id": sessions[k].id, "gen_ai.response.id": r.id,
                "gen_ai.response.finish_reasons": [r.status] if r.status else None, **_usage_attrs(r.usage),
                "rtlog.response.reason": r.reason, "rtlog.response.line": r.line,
                "rtlog.response.first_audio_ms": round((r.first_audio_at - start) * 1000, 1) if r.first_audio_at else None,
                "rtlog.response.interrupted": r.id in cut if r.id else None,
            }),
        }  # fmt: skip
        if r.status == "failed" or r.error:
            err = r.error or {}
            span["status"] = {"code": STATUS_ERROR, "message": err.get("message") or err.get("code") or "failed"}
            span["attributes"] += _attrs({"error.type": err.get("code") or err.get("type") or "failed"})
        if r.id:
            resp_span[r.id] = (span["traceId"], span["spanId"])
        spans.append(span)

    for c in conv.tool_calls:
        call = by_call.get(c.call_id)
        out = by_output.get(c.call_id)
        k = session_of_line(c.line)
        root = root_of.get(sessions[k].index)
        if root is None:
            continue
        start = next((x for x in ((call.last_at if call else None), (call.first_at if call else None)) if x is not None and x >= _EPOCH_MIN), None)
        if start is None:
            untimed[k] += 1
            continue
        end = out.first_at if out is not None and out.first_at is not None and out.first_at >= start else start
        parent = resp_span.get(call.response_id) if call is not None and call.response_id else None
        span = {
            "traceId": root["traceId"], "spanId": _id(root["traceId"], "tool", c.call_id, n=8),
            "parentSpanId": parent[1] if parent else root["spanId"], "name": f"execute_tool {c.name or ''}".strip(),
            "kind": INTERNAL, "startTimeUnixNano": _ns(start), "endTimeUnixNano": _ns(end),
            "attributes": _attrs({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": c.name,
                                  "gen_ai.tool.call.id": c.call_id, "gen_ai.tool.type": "function",
                                  "rtlog.tool.has_output": c.has_output}),
        }  # fmt: skip
        if not c.has_output:
            span["status"] = {"code": STATUS_ERROR, "message": "the call never got an output item"}
        spans.append(span)

    for k, root in enumerate(roots):
        n = untimed[k] if k < len(untimed) else 0
        if n:
            root["attributes"] += _attrs({"rtlog.spans_without_time": n})
    if not spans:
        return None, "no span with a time in the log: no trace written"
    request = {
        "resourceSpans": [{
            "resource": {"attributes": _attrs({"service.name": "rtlog", "rtlog.file": file})},
            "scopeSpans": [{"scope": {"name": "rtlog", "version": __version__}, "spans": spans}],
        }]
    }  # fmt: skip
    return request, None


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)
