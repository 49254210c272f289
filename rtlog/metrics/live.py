"""GPT-Live and Realtime Translation sessions in the summary: duration, cost, backend.

Owns what `rtlog summary` says about each Live or Translation session of a conversation
(`live_report`), as the JSON object of `summary --json`'s `live` list, and the checks it
adds. The facts are the fold's (`rtlog.conversation.live`); the rules applied here:
- duration is the session's own usage: `usage.seconds` is cumulative, so it is never
  summed — the final value from `session.closed`, else the largest snapshot, which is
  then a lower bound ("the log ends without session.closed: usage not final"); without
  any usage event the duration is unknown (null), never 0;
- Live cost = seconds × the model's dated per-minute price / 60 (billed per second, not
  rounded up; exact for WebSocket sessions, an upper bound for WebRTC ones with standby);
  Translation has no usage event: its duration is estimated from the input audio bytes
  (PCM16 at 24 kHz: 48,000 bytes a second) and said to be an estimate;
- backend (delegated Responses) tokens: each response's `response.completed` usage, once
  per response id, priced only if the price table knows the backend model;
- latency, where the session timeline supports it: from the end of each user segment to
  the start of the assistant segment after it (the model's own `start_ms`/`end_ms`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from rtlog.conversation.live_model import LiveSession
from rtlog.conversation.model import Conversation
from rtlog.metrics.pricing import PriceTable, usage_cost
from rtlog.protocol.live import LIVE, TRANSLATION
from rtlog.protocol.objects import Usage

TRANSLATION_BYTES_PER_SECOND = 48000


def live_report(conv: Conversation, prices: PriceTable, stats: Callable[[list[float]], dict[str, Any]]) -> list[dict[str, Any]]:
    """One object per Live or Translation session (the `live` list of `summary --json`);
    `stats`: latency figures of a list of ms (the summary's own `latency_stats`)."""
    by_index = {s.index: s for s in conv.sessions}
    return [_session(s, by_index.get(s.session), prices, stats) for s in conv.live]


def _session(s: LiveSession, cfg: Any, prices: PriceTable, stats: Callable[[list[float]], dict[str, Any]]) -> dict[str, Any]:
    model = cfg.model if cfg is not None else None
    priced_model = model or prices.default_model
    seconds, source, final = s.usage_seconds, s.usage_source, s.closed and s.usage_source == "session.closed"
    estimated = False
    if s.dialect == TRANSLATION and seconds is None and s.audio_in.nbytes:
        seconds, source, estimated = s.audio_in.nbytes / TRANSLATION_BYTES_PER_SECOND, "input audio bytes (estimate)", True
    rate = prices.minute_rate(priced_model)
    cost: dict[str, Any] = {"usd": None, "usd_per_minute": None, "priced_as": None, "prices_date": None, "prices_source": None,
                            "model_from_option": model is None and priced_model is not None}  # fmt: skip
    if rate is not None:
        fam, r = rate
        cost.update(usd_per_minute=r.usd_per_minute, priced_as=fam, prices_date=r.date, prices_source=r.source)
        if seconds is not None:
            cost["usd"] = round(seconds * r.usd_per_minute / 60, 6)
    backend = s.backend_usage
    backend_cost = None
    if s.backend and any(r.usage is not None for r in s.backend):
        fam = prices.family(s.backend_model)
        if fam is not None:
            backend_cost = round(usage_cost(_as_text(backend), prices.rates[fam]).usd, 6)
    span = s.span_ms
    gaps = s.audio_out.gaps
    latencies = _latencies(s)
    latency = stats(latencies) if latencies else None
    return {
        "session": s.session,
        "dialect": s.dialect,
        "transport": s.transport,
        "model": model,
        "delegation": s.delegation if s.dialect == LIVE else None,
        "backend_model": s.backend_model,
        "language": s.language,
        "usage_seconds": None if seconds is None else round(seconds, 3),
        "usage_source": source,
        "usage_final": bool(final),
        "usage_estimated": estimated,
        "usage_updates": s.usage_updates,
        "context_usage_ratio": s.context_ratio,
        "closed": s.closed,
        "close_reason": s.close_reason,
        "timeline_ms": list(span) if span else None,
        "cost": cost,
        "user_turns": s.user_turns,
        "assistant_segments": sum(1 for g in s.segments if g.role == "assistant"),
        "interruptions": s.interruptions,
        "latency_ms": latency,
        "delegations": len(s.delegations),
        "delegation_targets": sorted({d.target for d in s.delegations if d.target}),
        "backend": {
            "responses": len(s.backend),
            "completed": sum(1 for r in s.backend if r.status == "completed"),
            "usage": backend.as_dict() if s.backend else None,
            "cost_usd": backend_cost,
        },
        "tool_calls": [{"name": c.name, "call_id": c.call_id, "arguments": c.arguments, "has_output": c.output is not None,
                        "line": c.line} for c in s.calls],  # fmt: skip
        "tool_calls_repeated": s.duplicate_calls,
        "tool_calls_not_completed": s.incomplete_calls,
        "backend_continuations": s.backend_continuations,
        "context_appends": dict(sorted(s.appends.items())),
        "errors": s.errors,
        "info": s.info,
        "dtmf_events": s.dtmf,
        "telephony": dict(sorted(s.telephony.items())),
        "mutes": s.mutes,
        "audio": {
            "input": {"chunks": s.audio_in.chunks, "bytes": s.audio_in.nbytes, "rate": s.input_format.rate,
                      "format": s.input_format.encoding, "seconds": round(s.input_format.seconds(s.audio_in.nbytes), 3)},
            "output": {"chunks": s.audio_out.chunks, "bytes": s.audio_out.nbytes, "rate": s.output_format.rate,
                       "format": s.output_format.encoding, "seconds": round(s.output_format.seconds(s.audio_out.nbytes), 3),
                       "timed_chunks": s.audio_out.timed, "gaps": len(gaps),
                       "gap_seconds": round(sum(b - a for a, b in gaps) / 1000, 3)},
        },  # fmt: skip
    }


def _as_text(u: Usage) -> Usage:
    """Responses usage has no text/audio split: its tokens are text (cached ones too)."""
    t = dataclasses.replace(u)
    if not (t.input_text_tokens or t.input_audio_tokens or t.input_image_tokens):
        t.input_text_tokens = t.input_tokens
        if not (t.cached_text_tokens or t.cached_audio_tokens):
            t.cached_text_tokens = t.cached_tokens
    if not (t.output_text_tokens or t.output_audio_tokens):
        t.output_text_tokens = t.output_tokens
    return t


def _latencies(s: LiveSession) -> list[float]:
    """From the end of each user segment to the start of the next assistant segment (ms)."""
    return list(segment_latencies(s).values())


def segment_latencies(s: LiveSession) -> dict[int, float]:
    """User segment (its index in `s.segments`) → ms from its end to the start of the
    assistant segment that answers it: the next one starting after it, with no other user
    segment starting in between (else it has none)."""
    values: dict[int, float] = {}
    segs = s.segments
    for i, u in enumerate(segs):
        if u.role != "user" or u.end_ms is None:
            continue
        nxt = next((g for g in segs[i + 1 :] if g.role == "assistant" and g.start_ms is not None and g.start_ms >= u.end_ms), None)
        if nxt is not None:
            later_user = any(g.role == "user" and g.start_ms is not None and u.end_ms < g.start_ms < nxt.start_ms for g in segs[i + 1 :])  # type: ignore[operator]
            if not later_user:
                values[i] = float(nxt.start_ms - u.end_ms)  # type: ignore[operator]
    return values


def live_warnings(rows: list[dict[str, Any]]) -> list[str]:
    w: list[str] = []
    for r in rows:
        n = r["session"]
        if r["dialect"] == LIVE and not r["closed"]:
            sec = r["usage_seconds"]
            largest = f"the largest snapshot, {sec:g} s, is a lower bound" if sec is not None else "no usage event at all: duration unknown"
            w.append(f"session {n}: the log ends without session.closed: usage not final ({largest})")
        for c in r["tool_calls"]:
            if not c["has_output"]:
                w.append(f"session {n}: backend function call {c['name'] or '(unnamed)'} ({c['call_id']}, line {c['line']}) never got an output")
    return w
