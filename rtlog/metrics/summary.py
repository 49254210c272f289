"""What a session log holds, at a glance: a `Conversation` → a `Summary`.

Owns the aggregation behind `rtlog summary` over the conversation model: responses by
status, turns, interruptions, function calls, audio seconds (heard and generated), token
usage and its estimated cost, latency from the end of user speech to the first assistant
audio, and the checks that say where the log itself is wrong or lossy. The facts come from
`rtlog.conversation` (one fold, the same one transcript and extract-audio read); this
module only counts, prices and judges them. `Summary.as_json()` is the stable `--json`
schema; `combine` adds several files' summaries up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import field
from typing import Any, BinaryIO

from rtlog.conversation.fold import fold
from rtlog.conversation.load import conversation_of
from rtlog.conversation.model import Conversation
from rtlog.conversation.session import SessionConfig
from rtlog.conversation.stats import MAX_PLACEHOLDER_SECONDS, SideAudio
from rtlog.conversation.turns import Turn
from rtlog.io.reader import Diagnostics, Source
from rtlog.metrics.pricing import PriceTable, builtin_table, usage_cost
from rtlog.metrics.turntaking import Feel, turn_taking
from rtlog.metrics.turntaking import combine as combine_feel
from rtlog.protocol.events import Event
from rtlog.protocol.formats import MAX_RATE, MIN_RATE, PCM16
from rtlog.protocol.objects import Usage
from rtlog.protocol.realtime import CLIENT, SERVER, UNKNOWN
from rtlog.records import record
from rtlog.units import fmt_usd

RESPONSE_STATUSES = ("completed", "cancelled", "incomplete", "failed")


@record(slots=True)
class Span:
    """From the first timestamp to the last (see `stats.Clock`)."""

    start: float | None = None
    end: float | None = None
    timed_events: int = 0  # events that carry a timestamp
    covers_log: bool = False  # the timestamps cover the log (see `stats.Clock.covers_log`): a duration
    resolution: float | None = None  # see `stats.Clock.resolution`
    total: float | None = None  # totals over several files: the sum of their spans
    files: int = 0  # totals: how many files had timestamps

    @property
    def seconds(self) -> float | None:
        """The log's duration: None unless its timestamps cover it (`covers_log`)."""
        if self.total is not None:
            return self.total
        if self.start is None or self.end is None or not self.covers_log:
            return None
        return self.end - self.start


@record(slots=True)
class Cost:
    """The estimated cost of the tokens in the log, and what it rests on."""

    usd: float | None = None  # None: unknown (responses without usage only, or an unpriced model)
    per_minute: float | None = None  # cost over the conversation's minutes, where both are known
    is_lower_bound: bool = False  # some responses carry no usage: usd covers the others only
    responses_without_usage: int = 0  # responses whose tokens are not in the cost (no usage, or no response.done)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    prices_date: str = ""
    prices_source: str = ""
    transcription_usd: float | None = None  # input transcription by the token, when its model has a price (in usd)
    files_without_cost: list[str] = field(default_factory=list)  # totals: the files whose cost is unknown (not in usd)


@record(slots=True)
class Summary:
    """Everything `rtlog summary` reports about one log (see `as_json` for the schema)."""

    source: str
    lines: int = 0
    events: int = 0
    malformed: int = 0
    sessions: list[SessionConfig] = field(default_factory=list)
    span: Span = field(default_factory=Span)
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
    notices: list[str] = field(default_factory=list)  # informational: no finding (`--check` passes)
    mcp_calls: dict[str, int] = field(default_factory=dict)  # "server/tool" → calls
    mcp_failures: list[dict[str, Any]] = field(default_factory=list)  # failed MCP calls and tool listings
    commentary_items: int = 0  # gpt-realtime-2 preambles (assistant items of phase commentary)
    answer_latencies_ms: list[float] | None = None  # to the first final_answer audio; None: no phases in the log
    cost: Cost = field(default_factory=Cost)
    files: int = 1
    feel: Feel | None = None  # turn-taking, latency steps, delivery, VAD (`turntaking.py`)
    audio_quality: dict[str, Any] | None = None  # `rtlog.audio.quality` (summary --audio-quality), as JSON
    dialect: str | None = None  # realtime-beta | realtime-ga | live | translation | mixed (None: unknown)
    live: list[dict[str, Any]] = field(default_factory=list)  # GPT-Live / Translation sessions (`metrics.live`)

    @property
    def latency_measurable(self) -> bool:
        """The log has timestamps finer than a second (else latency is unknown, not 0)."""
        return self.span.start is not None and not (self.span.resolution is not None and self.span.resolution >= 1.0 - 1e-9)

    @property
    def has_findings(self) -> bool:
        """Errors, failed transcriptions, bad lines or warnings: what `--check` fails on."""
        return bool(self.errors or self.transcription_failures or self.malformed or self.warnings or self.mcp_failures)

    def as_json(self) -> dict[str, Any]:
        """The stable `--json` object (documented in the README)."""
        span = None
        if self.span.start is not None and self.span.end is not None:
            span = {"start": _iso(self.span.start), "end": _iso(self.span.end), "seconds": _r3(self.span.seconds),
                    "events_with_time": self.span.timed_events, "covers_log": self.span.covers_log,
                    "resolution_seconds": _r3(self.span.resolution)}
        heard = self.output_heard_seconds
        head: dict[str, Any] = {"file_count": self.files} if self.files != 1 else {}
        return {
            **head,
            "source": self.source,
            "dialect": self.dialect,
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
            "cost_usd": _r6(self.cost.usd),
            "cost_per_minute_usd": _r6(self.cost.per_minute),
            "cost_is_lower_bound": self.cost.is_lower_bound,
            "cost_responses_without_usage": self.cost.responses_without_usage,
            "cost": {"prices_date": self.cost.prices_date, "prices_source": self.cost.prices_source, "sessions": self.cost.sessions,
                     "transcription_usd": _r6(self.cost.transcription_usd), "notes": self.cost.notes,
                     **({"files_without_cost": self.cost.files_without_cost} if self.files else {})},
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
            "latency_ms": latency_stats(self.latencies_ms) if self.latency_measurable else None,
            "answer_latency_ms": latency_stats(self.answer_latencies_ms)
            if self.latency_measurable and self.answer_latencies_ms is not None else None,
            "commentary_items": self.commentary_items,
            "mcp_calls": dict(sorted(self.mcp_calls.items())),
            "mcp_failures": self.mcp_failures,
            "errors": self.errors,
            "transcription_failures": self.transcription_failures,
            "unknown_event_types": dict(sorted(self.unknown_types.items())),
            "warnings": self.warnings,
            "turn_taking": None if self.feel is None else self.feel.to_dict(),
            "audio_quality": self.audio_quality,
            "live": self.live,
            "notices": self.notices,
        }


def latency_stats(values: list[float]) -> dict[str, Any]:
    """count, p50, p90, max in ms (nearest-rank percentiles: each is an observed value)."""
    if not values:
        return {"count": 0, "p50": None, "p90": None, "max": None}
    v = sorted(values)

    def rank(p: float) -> float:
        return round(v[max(0, math.ceil(p / 100 * len(v)) - 1)], 1)

    return {"count": len(v), "p50": rank(50), "p90": rank(90), "max": round(v[-1], 1)}


def summarize_conversation(conv: Conversation, prices: PriceTable | None = None) -> Summary:
    """The summary of one conversation (one log file), folded with its recording."""
    rec = conv.recording
    if rec is None:
        raise ValueError("a summary counts the recording: fold the log with Fold(recording=True)")
    clock = rec.clock
    s = Summary(conv.source, lines=rec.lines, events=rec.events, malformed=rec.malformed)
    s.event_counts = rec.event_counts
    s.directions = rec.directions
    s.sessions = conv.sessions
    s.span.timed_events = clock.timed_events
    s.span.start, s.span.end = clock.start, clock.end
    s.span.covers_log = clock.covers_log
    s.span.resolution = clock.resolution
    s.responses, s.responses_without_usage = _responses(conv)
    s.user_turns = len(conv.turns)
    for call in conv.tool_calls:
        name = call.name or "(unnamed)"
        s.function_calls[name] = s.function_calls.get(name, 0) + 1
        if not call.has_output:
            s.calls_without_output.append({"name": call.name, "call_id": call.call_id, "line": call.line})
    s.session_usage = conv.session_usage()
    for u in s.session_usage:
        s.usage.add(u)
    s.transcription_usage = _transcription_totals(conv.transcription_usage.values())
    s.audio_in, s.audio_out = rec.audio_in, rec.audio_out
    s.interruptions = len(conv.truncations)
    s.output_heard_seconds = heard_seconds(conv)
    negative = _latencies(conv, s)
    _phases_and_mcp(conv, s)
    s.errors = conv.errors
    s.transcription_failures = conv.transcription_failures
    s.unknown_types = rec.unknown_types
    prices = prices or builtin_table()
    s.dialect = dialect_of(conv)
    live_w: list[str] = []
    if conv.live:  # (the Live rules are imported for a log that has a Live session)
        from rtlog.metrics.live import live_report, live_warnings

        s.live = live_report(conv, prices, latency_stats)
        s.user_turns += sum(r["user_turns"] for r in s.live)
        s.interruptions += sum(r["interruptions"] for r in s.live)
        live_w = live_warnings(s.live)
    _cost(conv, s, prices)
    s.warnings = _warnings(conv, s, negative) + live_w
    s.feel = turn_taking(conv)
    return s


def dialect_of(conv: Conversation) -> str | None:
    """The log's dialect: its sessions' one dialect, "mixed" when they differ, None when
    nothing in the log tells."""
    found = {sess.dialect for sess in conv.sessions if sess.dialect}
    return found.pop() if len(found) == 1 else ("mixed" if found else None)


def _responses(conv: Conversation) -> tuple[dict[str, int], int]:
    """Responses by final status, and the response.done events without usage."""
    r = {"total": len(conv.responses), "other": 0, "unfinished": 0}
    for k in RESPONSE_STATUSES:
        r[k] = 0
    no_usage = 0
    for resp in conv.responses:
        status = resp.status
        if status is None:
            r["unfinished"] += 1
        elif status in RESPONSE_STATUSES:
            r[status] += 1
        else:
            r["other"] += 1
        if status is not None and resp.usage is None:
            no_usage += 1
    return r, no_usage


def heard_seconds(conv: Conversation) -> float | None:
    """Seconds of assistant audio the user heard: all of it, less what each truncation cut
    (the cut is the timeline's, the one `extract-audio --heard` writes). None without
    assistant audio."""
    out = conv.recording.audio_out
    if not out.chunks:
        return None
    by_item = {a.item_id: a for a in conv.assistant_audio if a.item_id is not None}
    cut = 0.0
    for item in conv.truncations:
        a = by_item.get(item)
        if a is None or a.cut_ms is None or not a.nbytes:
            continue  # reported as a warning
        cut += a.seconds * (a.nbytes - a.heard_nbytes) / a.nbytes
    return max(0.0, out.seconds - cut)


def _latencies(conv: Conversation, s: Summary) -> int:
    """Latency per turn, from the end of user speech to the first assistant audio (else
    text) of the responses it triggered, where the clock can tell; returns the turns whose
    audio came before the end of speech."""
    clock = conv.recording.clock
    if clock.first is None or clock.coarse:
        return 0  # no timestamps, or whole seconds: nothing below a second can be told
    negative = 0
    for turn in conv.turns:
        ms = turn_latency_ms(conv, turn)
        if ms is None:
            continue
        if ms < 0:
            negative += 1
            continue
        s.latencies_ms.append(ms)
    return negative


def turn_latency_ms(conv: Conversation, turn: Turn) -> float | None:
    """One turn's latency in ms, from the end of user speech to the first assistant audio
    (else text) of the responses it triggered; None where the log cannot tell. Negative
    (clock skew) is returned as it is: `summarize_conversation` counts it as a warning.
    The caller checks the clock (`_latencies`: none without sub-second timestamps)."""
    end = turn.end_of_speech_at
    if end is None:
        return None
    responses = [r for r in (conv.response(rid) for rid in turn.response_ids) if r is not None]
    firsts = [r.first_audio_at for r in responses if r.first_audio_at is not None]
    if not firsts:
        firsts = [r.first_text_at for r in responses if r.first_text_at is not None]
    if not firsts:
        return None
    return (min(firsts) - end) * 1000


def _phases_and_mcp(conv: Conversation, s: Summary) -> None:
    """gpt-realtime-2 phases (preambles counted; latency to the first audio of a
    `final_answer` item, beside latency to any first audio) and MCP calls and failures."""
    answers: set[str] = set()
    phased = False
    for it in conv.messages:
        if it.phase is not None and it.role in (None, "assistant"):
            phased = True
            if it.phase == "commentary":
                s.commentary_items += 1
            elif it.phase == "final_answer" and it.id is not None:
                answers.add(it.id)
        if it.kind == "mcp_call":
            key = f"{it.server or '?'}/{it.name or '?'}"
            s.mcp_calls[key] = s.mcp_calls.get(key, 0) + 1
        if it.kind in ("mcp_call", "mcp_list_tools") and it.error is not None:
            e = it.error
            err = None if not (e.type or e.code or e.message) else {"type": e.type, "code": e.code, "message": e.message}
            s.mcp_failures.append({"line": it.line, "kind": "call" if it.kind == "mcp_call" else "list_tools",
                                   "server": it.server, "tool": it.name, "item_id": it.id, "error": err})  # fmt: skip
    if not phased:
        return
    s.answer_latencies_ms = []
    clock = conv.recording.clock
    if clock.first is None or clock.coarse:
        return
    first_answer: dict[str, float] = {}  # response → the receive time of its first answer audio
    t0 = conv.t0 or 0.0  # (an item's first_at is its first timed delta's arrival on the timeline)
    for a in conv.assistant_audio:
        if a.item_id in answers and a.first_at is not None and a.response_id is not None:
            t = first_answer.get(a.response_id)
            first_answer[a.response_id] = t0 + a.first_at if t is None else min(t, t0 + a.first_at)
    for turn in conv.turns:
        end = turn.end_of_speech_at
        firsts = [first_answer[rid] for rid in turn.response_ids if rid in first_answer]
        if end is not None and firsts and min(firsts) >= end:
            s.answer_latencies_ms.append((min(firsts) - end) * 1000)


def _cost(conv: Conversation, s: Summary, prices: PriceTable) -> None:
    """The cost of the tokens in the log. A response without usage (none in its
    response.done, or no response.done at all) has an unknown cost: when no response
    has usage the cost is unknown; when some have, their cost is a lower bound. $0 only
    for a session without responses."""
    s.cost.prices_date, s.cost.prices_source = prices.date, prices.source
    missing: dict[int, int] = {}
    with_usage: dict[int, int] = {}
    for r in conv.responses:
        if r.status is None:
            missing[r.session] = missing.get(r.session, 0) + 1
        elif r.usage is None:
            missing[r.done_session] = missing.get(r.done_session, 0) + 1
        else:
            with_usage[r.done_session] = with_usage.get(r.done_session, 0) + 1
    total = 0.0
    known = True
    live = {r["session"]: r for r in s.live}
    for sess, usage in zip(s.sessions, s.session_usage):
        lr = live.get(sess.index)
        if lr is not None:  # GPT-Live / Translation: priced by duration (`metrics.live`)
            c = lr["cost"]
            s.cost.sessions.append({"session": sess.index, "model": sess.model, "priced_as": c["priced_as"], "usd": c["usd"],
                                    "billing": "duration", "seconds": lr["usage_seconds"], "usd_per_minute": c["usd_per_minute"]})  # fmt: skip
            if c["usd"] is None:
                known = False
                what = (f"no duration price for {sess.model or prices.default_model!r}" if c["priced_as"] is None
                        else "no usage.seconds in the log (duration unknown)")  # fmt: skip
                note = f"session {sess.index}: {what}: cost unknown" + (" (name the model with --model NAME)" if not sess.model and not prices.default_model else "")
                s.cost.notes.append(note)
            else:
                total += c["usd"]
                if lr["dialect"] == "live" and not lr["usage_final"]:
                    s.cost.is_lower_bound = True
                    s.cost.notes.append(f"session {sess.index}: usage not final (no session.closed): the cost is a lower bound")
                if lr["backend"]["usage"] and lr["backend"]["cost_usd"] is None:
                    s.cost.notes.append(f"session {sess.index}: backend ({lr['backend_model'] or 'unnamed model'}) tokens are billed on top and not priced here")
                elif lr["backend"]["cost_usd"] is not None:
                    total += lr["backend"]["cost_usd"]
            continue
        fam = prices.family(sess.model or prices.default_model)
        row: dict[str, Any] = {"session": sess.index, "model": sess.model, "priced_as": fam, "usd": None}
        if not with_usage.get(sess.index) and missing.get(sess.index):
            known = False  # responses, none with usage
            note = "no response carries usage (no response.done, or one without usage): cost unknown"
            if note not in s.cost.notes:
                s.cost.notes.append(note)
        elif not any(usage.as_dict().values()):
            row["usd"] = 0.0
        elif fam is None:
            known = False
            what = repr(sess.model) if sess.model else "an unnamed model (no session.created in the log)"
            note = f"no price for {what}: cost unknown (add it with --pricing FILE)"
            if note not in s.cost.notes:
                s.cost.notes.append(note)
        else:
            c = usage_cost(usage, prices.rates[fam])
            row["usd"] = _r6(c.usd)
            total += c.usd
            s.cost.notes.extend(n for n in c.notes if n not in s.cost.notes)
        s.cost.sessions.append(row)
    if s.transcription_usage:
        tr = _transcription_cost(conv, s, prices)
        if tr is not None:
            total += tr
        else:
            s.cost.notes.append("input transcription is billed separately and not included")
    s.cost.usd = total if known else None
    s.cost.responses_without_usage = sum(missing.values())
    s.cost.is_lower_bound = s.cost.usd is not None and (s.cost.responses_without_usage > 0 or s.cost.is_lower_bound)
    seconds = s.span.seconds
    if s.cost.usd is not None and seconds and seconds > 0:
        s.cost.per_minute = s.cost.usd / (seconds / 60)


def _transcription_cost(conv: Conversation, s: Summary, prices: PriceTable) -> float | None:
    """The cost of the log's input-transcription usage, when it is counted in tokens and the
    sessions name one transcription model that has a token price; None otherwise (the
    caller says it is not included). Usage counted in seconds is not token-priced."""
    usages = list(conv.transcription_usage.values())
    models = {sess.transcription_model for sess in s.sessions if sess.transcription_model}
    if len(models) != 1 or any(u.get("type") == "duration" or "seconds" in u for u in usages):
        return None
    model = models.pop()
    fam = prices.family(model)
    if fam is None:
        return None
    total = Usage()
    for u in usages:
        one = Usage.from_obj(u)
        if one is not None:
            if not (one.output_text_tokens or one.output_audio_tokens):
                one.output_text_tokens = one.output_tokens  # a transcription's output is text
            total.add(one)
    c = usage_cost(total, prices.rates[fam])
    s.cost.transcription_usd = c.usd
    s.cost.notes.append(f"input transcription ({model}, {total.total_tokens:,} tokens) included: {fmt_usd(c.usd)}")
    s.cost.notes.extend(n for n in c.notes if n not in s.cost.notes)
    return c.usd


def _warnings(conv: Conversation, s: Summary, negative_latencies: int) -> list[str]:
    rec = conv.recording
    w: list[str] = []
    if not s.events:
        w.append("the log holds no events")
    unfinished = [r for r in conv.responses if r.status is None]
    if unfinished:
        first = unfinished[0]
        w.append(f"{_n(len(unfinished), 'response')} never got a response.done (first: {first.id}, line {first.line})")
    for c in s.calls_without_output:
        w.append(f"function call {c['name'] or '(unnamed)'} ({c['call_id']}, line {c['line']}) never got an output item")
    if rec.repeated_done:
        w.append(
            f"{_n(rec.repeated_done, 'repeated response.done')} for a response that already had one "
            f"(first at line {rec.repeated_done_line}): its usage is counted once"
        )
    if rec.first_copy is not None:
        line, original = rec.first_copy
        w.append(
            f"{_n(rec.copies, 'server event')} (audio aside) {'repeats' if rec.copies == 1 else 'repeat'} an event "
            f"just before, event_id and all (first at line {line}, a copy of line {original}): events logged twice "
            f"(by a relay or recorder?) are counted twice here"
        )
    for sess in conv.sessions:
        for line, what in sess.ignored_rates[:5]:
            w.append(f"line {line}: implausible {what} (rtlog reads {MIN_RATE // 1000}–{MAX_RATE // 1000} kHz): not used")
    for line, what in rec.implausible_usage[:5]:
        w.append(f"line {line}: implausible token count ({what}): this usage is not counted")
    if len(rec.implausible_usage) > 5:
        w.append(f"… and {len(rec.implausible_usage) - 5} more usages with implausible token counts, not counted")
    if s.responses_without_usage:
        w.append(f"{_n(s.responses_without_usage, 'response.done')} without usage: token totals and cost cover the others only")
    for side, a in (("user input", s.audio_in), ("assistant", s.audio_out)):
        if a.invalid:
            w.append(f"{_n(a.invalid, side + ' audio chunk')} with invalid base64, not counted (first at line {a.invalid_line})")
        if a.implausible:
            w.append(f"{_n(a.implausible, side + ' audio placeholder')} claiming more than {MAX_PLACEHOLDER_SECONDS} s of audio, "
                     f"not counted (first at line {a.implausible_line})")  # fmt: skip
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
    if not s.audio_in.chunks and not s.audio_out.chunks and rec.audio_evidence:  # a fact about the transport, no finding
        s.notices.append("no audio in this log (WebRTC/SIP sideband, or a recorder that drops audio): audio seconds unknown")
    if s.audio_out.chunks:
        with_audio = {a.item_id for a in conv.assistant_audio if a.nbytes}
        for item, (ms, line) in conv.truncations.items():
            if item not in with_audio:
                w.append(f"truncation of an item without recorded audio ({item}, line {line})")
            elif ms is None:
                w.append(f"truncation without audio_end_ms ({item}, line {line})")
    if negative_latencies:
        w.append(f"{_n(negative_latencies, 'turn')} with assistant audio before the end of user speech (clock skew?)")
    if rec.clock.coarse and conv.turns:
        w.append("timestamps are whole seconds: latency not measured (it needs sub-second timestamps)")
    for sw in conv.service_warnings[:10]:  # the service says something was off (Voice Live `warning`)
        what = ": ".join(x for x in (sw["code"], sw["message"]) if x) or "no details"
        w.append(f"the service warned (line {sw['line']}): {what}" + (f" (param {sw['param']})" if sw["param"] else ""))
    if len(conv.service_warnings) > 10:
        w.append(f"… and {len(conv.service_warnings) - 10} more service warnings")
    if s.unknown_types:
        names = ", ".join(f"{t} ×{n}" for t, n in sorted(s.unknown_types.items())[:5])
        more = f" and {len(s.unknown_types) - 5} more" if len(s.unknown_types) > 5 else ""
        w.append(f"unknown event types: {names}{more}")
    prefix = f"{conv.source}:"
    for note in conv.notes:  # "FILE:LINE: what" from the timeline: the summary names lines its own way
        line, sep, what = note[len(prefix) :].partition(": ") if note.startswith(prefix) else ("", "", note)
        w.append(f"{what} (line {line})" if sep and line.isdigit() else note)
    return w


def combine(summaries: list[Summary], source: str = "total") -> Summary:
    """Totals over several files, in the same shape as one file's summary. Lists that
    point into files (errors, warnings, sessions, function calls without output) name the
    file; the span runs from the first start to the last end and its seconds are the sum
    of the files' spans. The cost is the sum of the files' that have one: with a file
    whose cost is unknown it is a lower bound naming those files (unknown only when no file
    has a cost). A warning or cost note says which files it is about; the same one of
    several files is one line naming them all, and a cost note every file has stays plain."""
    t = Summary(source, files=len(summaries))
    t.cost.prices_date, t.cost.prices_source = (summaries[0].cost.prices_date, summaries[0].cost.prices_source) if summaries else ("", "")
    spans = []
    costs: list[float | None] = []
    warned: dict[str, list[str]] = {}  # a file's warning → the files that have it
    noted: dict[str, list[str]] = {}  # the same for the cost notes
    timed_cost = timed_seconds = 0.0
    heard: list[float] = []
    for s in summaries:
        t.lines += s.lines
        t.events += s.events
        t.malformed += s.malformed
        t.sessions.extend(s.sessions)
        t.session_usage.extend(s.session_usage)
        if s.span.start is not None and s.span.end is not None:
            t.span.start = s.span.start if t.span.start is None else min(t.span.start, s.span.start)
            t.span.end = s.span.end if t.span.end is None else max(t.span.end, s.span.end)
        seconds = s.span.seconds
        if seconds is not None:  # files whose timestamps cover them
            spans.append(seconds)
            if s.cost.usd is not None and seconds > 0:
                timed_cost += s.cost.usd
                timed_seconds += seconds
        for mine, theirs in ((t.event_counts, s.event_counts), (t.directions, s.directions), (t.responses, s.responses),
                             (t.function_calls, s.function_calls), (t.unknown_types, s.unknown_types),
                             (t.transcription_usage, s.transcription_usage)):  # fmt: skip
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0) + v  # type: ignore[index, operator]
        t.responses_without_usage += s.responses_without_usage
        if s.cost.usd is not None:  # (a file without a cost is counted whole, in files_without_cost)
            t.cost.responses_without_usage += s.cost.responses_without_usage
        t.cost.is_lower_bound = t.cost.is_lower_bound or s.cost.is_lower_bound
        t.span.timed_events += s.span.timed_events
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
        for w in s.warnings:
            warned.setdefault(w, []).append(name)
        t.notices.extend(f"{name}: {n}" for n in s.notices)
        t.mcp_failures.extend({**f, "file": name} for f in s.mcp_failures)
        for k, v in s.mcp_calls.items():
            t.mcp_calls[k] = t.mcp_calls.get(k, 0) + v
        t.commentary_items += s.commentary_items
        if s.cost.transcription_usd is not None:
            t.cost.transcription_usd = (t.cost.transcription_usd or 0.0) + s.cost.transcription_usd
        if s.answer_latencies_ms is not None:
            t.answer_latencies_ms = (t.answer_latencies_ms or []) + s.answer_latencies_ms
        t.cost.sessions.extend({**c, "file": name} for c in s.cost.sessions)
        for n in s.cost.notes:
            noted.setdefault(n, []).append(name)
        t.live.extend({**r, "file": name} for r in s.live)
        if s.dialect is not None:
            t.dialect = s.dialect if t.dialect in (None, s.dialect) else "mixed"
        costs.append(s.cost.usd)
        if s.cost.usd is None:
            t.cost.files_without_cost.append(name)
    t.warnings = [_of_files(w, files) for w, files in warned.items()]
    t.cost.notes = [n if len(files) == len(summaries) > 1 else _of_files(n, files) for n, files in noted.items()]
    t.span.total = sum(spans) if spans else None
    t.span.files = len(spans)
    t.span.covers_log = bool(spans) and len(spans) == len(summaries)
    t.output_heard_seconds = sum(heard) if heard else None
    known = [c for c in costs if c is not None]
    t.cost.usd = sum(known) if known else None
    if t.cost.files_without_cost and t.cost.usd is not None:
        t.cost.is_lower_bound = True  # (the files without a cost are not in it)
    t.cost.per_minute = timed_cost / (timed_seconds / 60) if timed_seconds > 0 and t.cost.usd is not None else None
    feels = [s.feel for s in summaries if s.feel is not None]
    t.feel = combine_feel(feels, source) if feels else None
    return t


def _of_files(text: str, files: list[str]) -> str:
    """A file's warning or note in the totals: `FILE: text`, or for several files `text
    (N files: A, B, C, …)`."""
    if len(files) == 1:
        return f"{files[0]}: {text}"
    shown = ", ".join(files[:3]) + (", …" if len(files) > 3 else "")
    return f"{text} ({len(files)} files: {shown})"


def summarize(events: Iterable[Event], source: str = "", prices: PriceTable | None = None, malformed: int = 0) -> Summary:
    """The summary of a stream of events (every event takes the normal path)."""
    return summarize_conversation(fold(events, source, malformed), prices)


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

    `jobs`: processes for one big plain file (0 = one per free CPU; see `rtlog.io.parts`);
    `meanwhile`: see `read_events`."""
    conv = conversation_of(src, diag, stdin=stdin, on_progress=on_progress, jobs=jobs, meanwhile=meanwhile)[0]
    return summarize_conversation(conv, prices)


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
        "dialect": s.dialect,
    }


USAGE_KEYS = (
    "input_tokens", "output_tokens", "total_tokens", "cached_tokens", "input_text_tokens", "input_audio_tokens",
    "input_image_tokens", "cached_text_tokens", "cached_audio_tokens", "output_text_tokens", "output_audio_tokens",
    "reasoning_tokens",
)  # fmt: skip


def _usage_json(u: Usage) -> dict[str, int]:
    return {k: getattr(u, k) for k in USAGE_KEYS}


def _iso(ts: float) -> str | float:
    """ISO 8601 UTC for epoch timestamps; a time of day (the log has no date) as ISO 8601's
    time of day, `HH:MM:SS.sss`."""
    if ts < 86400 * 2:
        ms = round(ts * 1000) % 86_400_000
        h, rem = divmod(ms, 3_600_000)
        m, rem = divmod(rem, 60_000)
        return f"{h:02d}:{m:02d}:{rem // 1000:02d}.{rem % 1000:03d}"
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

