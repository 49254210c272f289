"""One log file → its rows in every table of an export.

Owns how the conversation model and the summary become rows: the `files` row is the
summary flattened (`schema.flatten_summary`), the other tables are the model's own records
(sessions, turns, responses, tool calls, errors) with the numbers the summary computes from
them — usage, per-session cost, per-turn latency (`summary.turn_latency_ms`), heard seconds —
so sums over the rows equal `summary --json` over the same files. Conversation text,
instructions and tool data are only filled with `with_text` (privacy by default).

Memory: one conversation's rows.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

from rtlog.conversation.model import Conversation, Item
from rtlog.conversation.session import SessionConfig
from rtlog.export.schema import USAGE, flatten_summary
from rtlog.metrics.pricing import PriceTable, usage_cost
from rtlog.metrics.summary import Summary, turn_latency_ms
from rtlog.protocol.objects import Usage
from rtlog.protocol.realtime import INPUT_AUDIO_APPEND, KIND_ALIASES, OUTPUT_AUDIO_DELTA

Rows = dict[str, list[dict[str, Any]]]

#: event types only one dialect uses (beta names are the aliases' keys, GA their values)
_BETA = {k for k in KIND_ALIASES if k.startswith(("response.", "conversation."))}
_GA = {KIND_ALIASES[k] for k in _BETA} - {"conversation.item.added"}  # Azure's beta also says added


def iso(ts: float | None) -> str | None:
    """Epoch seconds → ISO 8601 UTC; None for no time or a time of day (no date)."""
    if ts is None or ts < 86400 * 2:
        return None
    try:
        return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except (OverflowError, ValueError, OSError):
        return None


def dialect_of(sessions: list[SessionConfig], event_counts: dict[str, int]) -> str | None:
    """The sessions' dialects (`SessionConfig.dialect`), comma-separated in order; without
    one, the Realtime event names tell beta from GA."""
    named = list(dict.fromkeys(s.dialect for s in sessions if s.dialect))
    if named:
        return ",".join(named)
    beta = any(t in _BETA for t in event_counts)
    ga = any(t in _GA for t in event_counts)
    return "realtime-beta,realtime-ga" if beta and ga else "realtime-beta" if beta else "realtime-ga" if ga else None


def provider_of(model: str | None) -> str | None:
    """The model's maker, from its name (an Azure deployment named like an OpenAI model says openai)."""
    if not model:
        return None
    name = model.lower().rsplit("/", 1)[-1]
    for prefix, who in (("gpt-", "openai"), ("gpt4", "openai"), ("grok", "xai"), ("qwen", "qwen"),
                        ("gemini", "google"), ("phi", "azure")):  # fmt: skip
        if name.startswith(prefix):
            return who
    return None


def _usage(u: Usage | None) -> dict[str, Any]:
    return {f"usage_{k}": (getattr(u, k) if u is not None else None) for k in USAGE}


def _cost(u: Usage | None, model: str | None, prices: PriceTable) -> float | None:
    fam = prices.family(model)
    if u is None or fam is None:
        return None
    return round(usage_cost(u, prices.rates[fam]).usd, 9)


def file_rows(
    conv: Conversation, summary: Summary, prices: PriceTable, *, meta: dict[str, Any], with_text: bool = False
) -> Rows:
    """Every table's rows for one file (`meta`: file, file_size, file_mtime_ns, rtlog_version)."""
    f = meta["file"]
    sessions = conv.sessions
    model_of = {s.index: s.model for s in sessions}
    first_model = sessions[0].model if sessions else None
    obj = summary.as_json()
    files_row = {**meta, "dialect": dialect_of(sessions, summary.event_counts), "provider": provider_of(first_model),
                 "model": first_model, **flatten_summary(obj)}  # fmt: skip
    for k in ("span_start", "span_end"):  # a time of day (the log has no date) is no timestamp: unknown
        if not (isinstance(files_row.get(k), str) and len(files_row[k]) > 10 and files_row[k][4] == "-"):
            files_row[k] = None

    # responses: their turn, audio, text
    turn_of: dict[str, int] = {}
    for t in conv.turns:
        for rid in t.response_ids:
            turn_of.setdefault(rid, t.index)
    audio: dict[str | None, list[float]] = {}
    cut: set[str] = set()
    for a in conv.assistant_audio:
        acc = audio.setdefault(a.response_id, [0.0, 0.0])
        acc[0] += a.seconds
        acc[1] += a.heard_seconds
        if a.cut_ms is not None and a.response_id:
            cut.add(a.response_id)
    items = conv.messages
    text_of: dict[str, list[str]] = {}
    calls: dict[str, Item] = {}
    outputs: dict[str, Item] = {}
    for it in items:
        if it.kind == "message" and it.role == "assistant" and it.response_id and it.text:
            text_of.setdefault(it.response_id, []).append(it.text)
        elif it.kind == "function_call" and it.call_id:
            calls.setdefault(it.call_id, it)
        elif it.kind == "function_call_output" and it.call_id:
            outputs.setdefault(it.call_id, it)
    live_kinds = {s.dialect for s in sessions if s.dialect in ("live", "translation")}
    dialect_of_session = {s.index: s.dialect for s in sessions}
    rt_dialect = dialect_of([s for s in sessions if s.dialect not in live_kinds], summary.event_counts) if conv.turns or conv.responses else None
    responses = []
    for r in conv.responses:
        sec = audio.get(r.id) if r.id is not None else None
        err = r.error or {}
        responses.append({
            "file": f, "session": r.session, "response_id": r.id, "line": r.line,
            "turn": turn_of.get(r.id) if r.id else None, "status": r.status, "reason": r.reason,
            "created_at": iso(r.created_at), "done_at": iso(r.done_at),
            "first_audio_at": iso(r.first_audio_at), "first_text_at": iso(r.first_text_at),
            "audio_seconds": round(sec[0], 6) if sec else None, "heard_seconds": round(sec[1], 6) if sec else None,
            "interrupted": r.id in cut if r.id else False, "has_usage": r.usage is not None, **_usage(r.usage),
            "cost_usd": _cost(r.usage, model_of.get(r.done_session), prices),
            "error_code": err.get("code"), "error_message": err.get("message"),
            "text": "\n".join(text_of.get(r.id, [])) or None if with_text and r.id else None,
            "dialect": dialect_of_session.get(r.session) or rt_dialect, "kind": "response",
        })  # fmt: skip

    # turns
    by_item = {it.id: it for it in items if it.id}
    status = {r.id: r.status for r in conv.responses if r.id}
    measurable = summary.latency_measurable and not conv.recording.clock.coarse
    turn_rows = []
    for t in conv.turns:
        ms = turn_latency_ms(conv, t) if measurable else None
        user = by_item.get(t.item_id) if t.item_id else None
        turn_rows.append({
            "file": f, "turn": t.index, "line": t.line_no, "how": t.how, "item_id": t.item_id,
            "started_at": iso(t.started_at), "end_of_speech_at": iso(t.end_of_speech_at),
            "speech_started_ms": t.speech_started_ms, "speech_stopped_ms": t.speech_stopped_ms,
            "responses": len(t.response_ids),
            "responses_cancelled": sum(1 for rid in t.response_ids if status.get(rid) == "cancelled"),
            "latency_ms": round(ms, 1) if ms is not None and ms >= 0 else None,
            "text": (user.text if user is not None else None) if with_text else None,
            "dialect": rt_dialect, "session": None,
        })  # fmt: skip
    _per_turn_metrics(obj, turn_rows)
    _live_rows(f, conv, summary, prices, with_text, turn_rows, responses)

    # sessions: config, usage and cost as the summary prices them
    per_session: dict[int, int] = {}
    for row in responses:
        per_session[row["session"]] = per_session.get(row["session"], 0) + 1
    live = {r["session"]: r for r in summary.live}
    cost_rows = {c["session"]: c for c in summary.cost.sessions}
    session_rows = []
    for s, u in zip(sessions, summary.session_usage):
        c = cost_rows.get(s.index, {})
        lr = live.get(s.index) or {}
        session_rows.append({**_session(f, s, with_text), "responses": per_session.get(s.index, 0), **_usage(u),
                             "cost_usd": c.get("usd"), "priced_as": c.get("priced_as"), "transport": lr.get("transport"),
                             "usage_seconds": lr.get("usage_seconds"), "usage_final": lr.get("usage_final"),
                             "backend_model": lr.get("backend_model"),
                             "backend_cost_usd": (lr.get("backend") or {}).get("cost_usd")})  # fmt: skip

    # tool calls
    call_rows = []
    for c in conv.tool_calls:
        it = calls.get(c.call_id)
        out = outputs.get(c.call_id)
        rid = it.response_id if it is not None else None
        call_rows.append({
            "file": f, "call_id": c.call_id, "name": c.name, "line": c.line, "response_id": rid,
            "turn": turn_of.get(rid) if rid else None, "has_output": c.has_output,
            "called_at": iso(it.last_at) if it is not None else None,
            "output_at": iso(out.first_at) if out is not None else None,
            "arguments": it.arguments if with_text and it is not None else None,
            "output": out.output if with_text and out is not None else None,
        })  # fmt: skip

    errors = [{"file": f, "line": e.get("line"), "kind": "error", "type": e.get("type"), "code": e.get("code"),
               "message": e.get("message"), "item_id": None} for e in summary.errors]  # fmt: skip
    errors += [{"file": f, "line": e.get("line"), "kind": "transcription_failure", "type": e.get("type"),
                "code": e.get("code"), "message": e.get("message"), "item_id": e.get("item_id")}
               for e in summary.transcription_failures]  # fmt: skip
    audio_bytes = {INPUT_AUDIO_APPEND: summary.audio_in.nbytes, OUTPUT_AUDIO_DELTA: summary.audio_out.nbytes}
    counts = []
    for etype, n in sorted(summary.event_counts.items()):
        kind = KIND_ALIASES.get(etype, etype)
        counts.append({"file": f, "type": etype, "count": n,
                       "audio_bytes": audio_bytes.get(kind)})  # fmt: skip
    _split_audio_bytes(counts)
    return {
        "files": [files_row],
        "sessions": session_rows,
        "turns": turn_rows,
        "responses": responses,
        "tool_calls": call_rows,
        "errors": errors,
        "warnings": [{"file": f, "warning": w} for w in summary.warnings],
        "event_counts": counts,
    }


def _live_rows(f: str, conv: Conversation, summary: Summary, prices: PriceTable, with_text: bool,
               turn_rows: list[dict[str, Any]], responses: list[dict[str, Any]]) -> None:  # fmt: skip
    """GPT-Live and Translation sessions (`Conversation.live`) as rows of `turns` (each user
    segment, numbered after the Realtime turns) and `responses` (each assistant segment, the
    `turn` it follows; each delegated backend response with its usage): the counts and the
    latencies are the summary's (`metrics.live`), row by row."""
    if not conv.live:
        return
    from rtlog.metrics.live import _as_text, segment_latencies

    turn = len(turn_rows)
    for s in conv.live:
        latency = segment_latencies(s)
        mine: dict[int, dict[str, Any]] = {}  # this session's user turns by number
        current: dict[str, Any] | None = None
        for i, g in enumerate(s.segments):
            first, last = g.fragments[0], g.fragments[-1]
            if g.role == "user":
                turn += 1
                ms = latency.get(i)
                current = mine[turn] = {
                    "file": f, "turn": turn, "line": first.line, "how": "speech", "item_id": None,
                    "started_at": iso(first.ts), "end_of_speech_at": iso(last.ts),
                    "speech_started_ms": g.start_ms, "speech_stopped_ms": g.end_ms, "responses": 0, "responses_cancelled": 0,
                    "latency_ms": round(ms, 1) if ms is not None else None, "text": g.text if with_text else None,
                    "dialect": s.dialect, "session": s.session,
                }  # fmt: skip
                turn_rows.append(current)
                continue
            if current is not None:
                current["responses"] += 1
                current["responses_cancelled"] += g.interrupted
            responses.append({
                "file": f, "session": s.session, "response_id": None, "line": first.line,
                "turn": current["turn"] if current is not None else None, "status": None,
                "reason": "interrupted" if g.interrupted else None, "created_at": iso(first.ts), "done_at": iso(last.ts),
                "first_audio_at": None, "first_text_at": iso(first.ts), "audio_seconds": None, "heard_seconds": None,
                "interrupted": g.interrupted, "has_usage": False, **_usage(None), "cost_usd": None,
                "error_code": None, "error_message": None, "text": g.text if with_text else None,
                "dialect": s.dialect, "kind": "segment", "start_ms": g.start_ms, "end_ms": g.end_ms,
            })  # fmt: skip
        fam = prices.family(s.backend_model)
        for b in s.backend:
            cost = round(usage_cost(_as_text(b.usage), prices.rates[fam]).usd, 9) if b.usage is not None and fam is not None else None
            responses.append({
                "file": f, "session": s.session, "response_id": b.id, "line": b.line, "turn": None, "status": b.status,
                "reason": None, "created_at": None, "done_at": None, "first_audio_at": None, "first_text_at": None,
                "audio_seconds": None, "heard_seconds": None, "interrupted": False, "has_usage": b.usage is not None,
                **_usage(b.usage), "cost_usd": cost, "error_code": None, "error_message": None, "text": None,
                "dialect": s.dialect, "kind": "backend", "start_ms": None, "end_ms": None,
            })  # fmt: skip


#: where `summary --json` keeps per-turn metrics (turn-taking, issue 15): a list of objects
#: with a "turn" number, under `PER_TURN[0]`
PER_TURN = ("turn_taking", "turns")


def _per_turn_metrics(obj: dict[str, Any], turn_rows: list[dict[str, Any]]) -> None:
    """The summary's per-turn metrics, as `turns` columns named `<key>_<field>` (nested
    objects flattened with `_`, lists as their length): a metric added there is a column here
    without hand work. Nothing when the summary has none."""
    per = obj.get(PER_TURN[0])
    items = per.get(PER_TURN[1]) if isinstance(per, dict) else None
    if not isinstance(items, list):
        return
    by_turn = {r["turn"]: r for r in turn_rows}
    for item in items:
        row = by_turn.get(item.get("turn")) if isinstance(item, dict) else None
        if row is None:
            continue
        flat = flatten_summary({k: v for k, v in item.items() if k not in ("turn", "line", "how", "item_id")})
        for k, v in flat.items():
            row[f"{PER_TURN[0]}_{k}"] = v


def _split_audio_bytes(counts: list[dict[str, Any]]) -> None:
    """A side's audio bytes go to its one audio type; a log with two names for one side
    (beta and GA) cannot say which type carried which bytes: null there."""
    for kind in (INPUT_AUDIO_APPEND, OUTPUT_AUDIO_DELTA):
        rows = [r for r in counts if KIND_ALIASES.get(r["type"], r["type"]) == kind]
        if len(rows) > 1:
            for r in rows:
                r["audio_bytes"] = None


def _session(f: str, s: SessionConfig, with_text: bool) -> dict[str, Any]:
    ins = s.instructions
    return {
        "file": f, "session": s.index, "line": s.line_no, "session_id": s.id, "dialect": s.dialect, "model": s.model,
        "provider": provider_of(s.model), "voice": s.voice, "modalities": ",".join(s.modalities) or None,
        "input_audio_format": s.input_format.encoding, "input_sample_rate": s.input_format.rate,
        "output_audio_format": s.output_format.encoding, "output_sample_rate": s.output_format.rate,
        "transcription_model": s.transcription_model, "turn_detection": s.turn_detection, **_turn_detection(s),
        "tools": ",".join(s.tools) or None, "tool_count": len(s.tools),
        "instructions_sha256": hashlib.sha256(ins.encode()).hexdigest() if ins is not None else None,
        "instructions": ins if with_text else None, "started_at": iso(s.started_at),
    }  # fmt: skip


#: turn detection setting → (column, the types it may have): another type in the log is unknown (null)
_TD = {"threshold": (float, int), "silence_duration_ms": (int,), "prefix_padding_ms": (int,), "eagerness": (str,),
       "create_response": (bool,), "interrupt_response": (bool,), "idle_timeout_ms": (int,)}  # fmt: skip


def _turn_detection(s: SessionConfig) -> dict[str, Any]:
    out = {}
    for key, types in _TD.items():
        v = (s.turn_detection_config or {}).get(key)
        out[f"turn_detection_{key}"] = v if type(v) in types else None
    return out
