#!/usr/bin/env python3
"""Deterministic generator of GPT-Live (and Realtime Translation) session logs, with the
truth it put in.

Wire shapes follow ../shared/docs/gpt-live.md (§2–§11 Live, §13 Translation). Importable
from tests::

    import io
    from gen_live import generate_live          # bench/ on sys.path
    buf = io.BytesIO()
    truth = generate_live(buf, transport="primary", closed=True, envelope="none")

CLI::

    python bench/gen_live.py OUT.jsonl [--transport primary|sideband] [--no-close]
        [--envelope none|time-source] [--rate 24000|16000] [--malformed N] [--seed 1]
        [--translation]

writes OUT.jsonl and OUT.truth.json.

A Live session (`transport="primary"`): the client's `session.start` (gpt-live-1, voice
marin, PCM16 at `rate`, Responses delegation to gpt-5.1 with a `get_weather` tool),
`session.started`; the client streams microphone audio the whole session
(`session.input_audio.append`, 100 ms chunks, silence between the user's utterances);
each turn the user speaks (input transcript fragments timed by `start_ms`/`end_ms`, cut
inside words) and the assistant answers (output transcript fragments and untimed
`session.output_audio.delta` chunks on the primary socket). Turn 2 is delegated: the
assistant says a preamble, `session.delegation.created`, the backend's Responses stream in
`response.event` envelopes (a function call — delivered once as not yet completed, then
completed twice —, the app's `response.item.create` output and `response.create`, a second
backend response with text), then the spoken answer. Turn 3's answer is interrupted: the
user starts speaking inside it and the assistant stops shortly after. Every other
documented event appears at least once (mute/unmute, instruction/thinking/commentary
appends and their acks, `session.update`/`.updated`, `info`, an `error`, fixture playback,
decision events, usage snapshots every ~10 s), then `session.close` → `session.closed`
(`close_requested`, the final usage) unless `closed=False`.

A sideband log (`transport="sideband"`): no `session.start`, the server's mirrors of the
input (`session.input_audio.append`, 24 kHz, no event_id) and timed output deltas
(`start_ms`/`end_ms`, 24 kHz), plus telephony (`transport.ringing/answered`, DTMF).

Truth: the segments (role, exact text, start_ms, end_ms, interrupted), the audio of each
side as delivered (sha256, bytes), sideband output placed on the session timeline (sha256
of the placed PCM, the gaps), the usage seconds (final or largest) and its source, the
cost at $0.05/min, the close reason, backend tokens and the tool call.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from typing import IO, Any

import orjson

BASE_TS = 1_790_000_000.0  # 2026-09-21
CHUNK_MS = 100
LIVE_USD_PER_MINUTE = 0.05

TURNS = [
    ("Hi, can you hear me?", "Yes, I hear you fine. How can I help?"),
    ("What's the weather in Lyon today?", None),  # delegated (see DELEGATED)
    ("Tell me about the old town.", "The old town has narrow lanes and hidden passages called traboules"),
    ("Wait, how old are they?", "Some date back to the fourth century."),
]
PREAMBLE = "Let me check that for you."
ANSWER = "It is sunny and 21 degrees in Lyon, with a light breeze."
TOOL_ARGS = '{"city":"Lyon"}'
TOOL_OUTPUT = '{"city":"Lyon","condition":"sunny","temperature_c":21}'
BACKEND_USAGE = [
    {"input_tokens": 812, "input_tokens_details": {"cached_tokens": 128}, "output_tokens": 37,
     "output_tokens_details": {"reasoning_tokens": 12}, "total_tokens": 849},
    {"input_tokens": 905, "input_tokens_details": {"cached_tokens": 768}, "output_tokens": 41,
     "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 946},
]  # fmt: skip


def _fragments(rng: random.Random, text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """`text` cut into pieces of 2–7 characters (inside words too), each with its share of
    [start, end) in whole ms, contiguous."""
    pieces = []
    i = 0
    while i < len(text):
        n = rng.randint(2, 7)
        pieces.append(text[i : i + n])
        i += n
    out = []
    for k, p in enumerate(pieces):
        a = start + (end - start) * k // len(pieces)
        b = start + (end - start) * (k + 1) // len(pieces)
        out.append((p, a, b))
    return out


def _speech(rng: random.Random, nbytes: int) -> bytes:
    """Deterministic noise (even length: whole PCM16 samples)."""
    return rng.randbytes(nbytes)


class _Log:
    def __init__(self) -> None:
        self.events: list[tuple[float, int, str, dict[str, Any]]] = []  # (ms, seq, direction, event)
        self.seq = 0

    def add(self, ms: float, direction: str, ev: dict[str, Any]) -> None:
        self.seq += 1
        self.events.append((ms, self.seq, direction, ev))


def generate_live(
    out: IO[bytes],
    *,
    transport: str = "primary",
    closed: bool = True,
    envelope: str = "none",
    rate: int = 24000,
    malformed: int = 0,
    seed: int = 1,
    model: str = "gpt-live-1",
    with_model: bool = True,
) -> dict[str, Any]:
    """Write one Live session log to `out`; return its truth (module docstring)."""
    rng = random.Random(seed)
    log = _Log()
    sideband = transport == "sideband"
    in_rate = 24000 if sideband else rate
    out_rate = 24000 if sideband else rate
    in_chunk = in_rate * 2 * CHUNK_MS // 1000
    out_chunk = out_rate * 2 * CHUNK_MS // 1000
    ev_n = [0]

    def eid() -> str:
        ev_n[0] += 1
        return f"event_{ev_n[0]:05d}"

    session = {
        "id": "live_" + "".join(rng.choice("abcdefghijklmnop0123456789") for _ in range(20)),
        "object": "live.session", "status": "active", "expires_at": int(BASE_TS) + 7200,
        "model": model, "instructions": "You are a helpful city guide.", "input": [],
        "audio": {"format": {"type": "audio/pcm", "rate": rate}, "output": {"voice": "marin"}},
        "delegation": {"type": "responses", "responses": {"model": "gpt-5.1", "tools": [
            {"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]}},
        "store": False,
    }  # fmt: skip
    if not with_model:
        del session["model"]
    start_cfg = {k: v for k, v in session.items() if k not in ("id", "object", "status", "expires_at")}
    if not sideband:
        log.add(0, "client", {"type": "session.start", "session": start_cfg})
    else:
        log.add(0, "server", {"type": "transport.ringing", "event_id": eid(), "session_id": session["id"]})
    log.add(120 if not sideband else 1, "server", {"type": "session.started", "event_id": eid(), "session": session})
    if sideband:
        log.add(130, "server", {"type": "transport.answered", "event_id": eid(), "session_id": session["id"]})

    segments: list[dict[str, Any]] = []
    out_audio = bytearray()  # output as delivered
    placed_ranges: list[tuple[int, int, bytes]] = []  # sideband: (start_ms, end_ms, bytes)

    def say(role: str, text: str, start: int, end: int, *, interrupted: bool = False, delivery_lag: int = 60) -> None:
        frags = _fragments(rng, text, start, end)
        kind = "session.input_transcript.delta" if role == "user" else "session.output_transcript.delta"
        for piece, a, b in frags:
            log.add(b + delivery_lag if role == "user" else a + 5, "server",
                    {"type": kind, "event_id": eid(), "delta": piece, "start_ms": a, "end_ms": b})  # fmt: skip
        segments.append({"role": role, "text": text, "start_ms": start, "end_ms": end, "interrupted": interrupted})
        if role == "assistant":
            for a in range(start, end, CHUNK_MS):
                b = min(end, a + CHUNK_MS)
                data = _speech(rng, out_chunk * (b - a) // CHUNK_MS)
                out_audio.extend(data)
                ev: dict[str, Any] = {"type": "session.output_audio.delta", "delta": _b64(data)}
                if sideband:
                    ev["start_ms"], ev["end_ms"] = a, b
                    placed_ranges.append((a, b, data))
                log.add(a + 10, "server", ev)

    t = 500
    usage_snapshots: list[float] = []
    calls: list[dict[str, Any]] = []
    for k, (user_text, reply) in enumerate(TURNS, start=1):
        u_len = 180 * max(4, len(user_text) // 3) // CHUNK_MS * CHUNK_MS
        say("user", user_text, t, t + u_len)
        t += u_len + 500
        if k == 2:
            pre_len = 1200
            say("assistant", PREAMBLE, t, t + pre_len)
            deleg_ms = t
            did, rid1, rid2 = "deleg_01", "resp_back_01", "resp_back_02"
            log.add(t + 30, "server", {"type": "session.delegation.created", "event_id": eid(), "offset_ms": deleg_ms,
                                       "delegation": {"id": did, "type": "delegation", "target": "responses", "response_id": rid1}})  # fmt: skip
            call_item = {"type": "function_call", "id": "fc_01", "call_id": "call_weather_01", "name": "get_weather", "arguments": TOOL_ARGS}
            nested = [
                {"type": "response.created", "response": {"id": rid1, "object": "response", "status": "in_progress", "model": "gpt-5.1", "output": []}},
                {"type": "response.in_progress", "response": {"id": rid1, "status": "in_progress"}},
                {"type": "response.output_item.added", "output_index": 0, "item": {**call_item, "arguments": "", "status": "in_progress"}},
                {"type": "response.function_call_arguments.delta", "item_id": "fc_01", "output_index": 0, "delta": TOOL_ARGS[:8]},
                {"type": "response.function_call_arguments.delta", "item_id": "fc_01", "output_index": 0, "delta": TOOL_ARGS[8:]},
                {"type": "response.function_call_arguments.done", "item_id": "fc_01", "output_index": 0, "arguments": TOOL_ARGS},
                {"type": "response.output_item.done", "output_index": 0, "item": {**call_item, "status": "in_progress"}},
                {"type": "response.output_item.done", "output_index": 0, "item": {**call_item, "status": "completed"}},
                {"type": "response.output_item.done", "output_index": 0, "item": {**call_item, "status": "completed"}},
                {"type": "response.completed", "response": {"id": rid1, "status": "completed", "model": "gpt-5.1", "output": [], "usage": BACKEND_USAGE[0]}},
            ]  # fmt: skip
            for j, n in enumerate(nested):
                log.add(t + 200 + 40 * j, "server", {"type": "response.event", "event_id": eid(), "delegation_id": did, "event": n})
            t_out = t + 200 + 40 * len(nested) + 50
            log.add(t_out, "client", {"type": "response.item.create", "event_id": "client_out_1",
                                      "item": {"type": "function_call_output", "call_id": "call_weather_01", "output": TOOL_OUTPUT}})  # fmt: skip
            log.add(t_out + 5, "client", {"type": "response.create", "event_id": "client_rc_1"})
            nested2 = [
                {"type": "response.created", "response": {"id": rid2, "status": "in_progress", "model": "gpt-5.1", "output": []}},
                {"type": "response.output_item.added", "output_index": 0, "item": {"type": "message", "id": "msg_02", "role": "assistant", "status": "in_progress", "content": []}},
                {"type": "response.output_text.delta", "item_id": "msg_02", "output_index": 0, "content_index": 0, "delta": "Sunny, 21 C"},
                {"type": "response.output_text.done", "item_id": "msg_02", "output_index": 0, "content_index": 0, "text": "Sunny, 21 C"},
                {"type": "response.output_item.done", "output_index": 0, "item": {"type": "message", "id": "msg_02", "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": "Sunny, 21 C"}]}},
                {"type": "response.completed", "response": {"id": rid2, "status": "completed", "model": "gpt-5.1", "output": [], "usage": BACKEND_USAGE[1]}},
            ]  # fmt: skip
            for j, n in enumerate(nested2):
                log.add(t_out + 100 + 40 * j, "server", {"type": "response.event", "event_id": eid(), "delegation_id": did, "event": n})
            t = t_out + 100 + 40 * len(nested2) + 1500
            calls.append({"call_id": "call_weather_01", "name": "get_weather", "arguments": TOOL_ARGS, "output": TOOL_OUTPUT,
                          "offset_ms": deleg_ms})  # fmt: skip
            a_len = 2600
            say("assistant", ANSWER, t, t + a_len)
            t += a_len + 1500
        elif k == 3:
            # interrupted: the assistant planned 3.0 s; the user starts at +1.0 s, it stops at +1.3 s
            said = reply  # what the model generated before it stopped (the transcript shows what was generated)
            a_len = 1300
            say("assistant", said, t, t + a_len, interrupted=True)
            t += 1000
        else:
            a_len = 1800 if k == 1 else 1600
            say("assistant", reply, t, t + a_len)
            t += a_len + 1500
        if k in (1, 3):
            usage_snapshots.append(round(t / 1000, 1))
            log.add(t + 1, "server", {"type": "session.usage.updated", "event_id": eid(), "usage": {"seconds": usage_snapshots[-1]},
                                      "context_window": {"usage_ratio": 0.01 * k}})  # fmt: skip

    # the other documented events, once each
    extra = t
    log.add(extra, "client", {"type": "session.input_audio.mute", "event_id": "c_mute"})
    log.add(extra + 5, "server", {"type": "session.input_audio.muted", "event_id": eid(), "client_event_id": "c_mute"})
    log.add(extra + 10, "client", {"type": "session.input_audio.unmute"})
    log.add(extra + 15, "server", {"type": "session.input_audio.unmuted", "event_id": eid()})
    for what in ("instructions", "thinking", "commentary"):
        log.add(extra + 20, "client", {"type": f"session.{what}.append", "content": f"{what} note", "delegation_id": None})
        log.add(extra + 25, "server", {"type": f"session.{what}.appended", "event_id": eid(), "start_ms": extra, "end_ms": extra})
    log.add(extra + 30, "client", {"type": "session.update", "session": {"delegation": {"type": "responses", "responses": {"model": "gpt-5.1"}}}})
    log.add(extra + 35, "server", {"type": "session.updated", "event_id": eid(), "session": session})
    log.add(extra + 40, "server", {"type": "info", "event_id": eid(), "code": "data_channel_permissions", "message": "events filtered"})
    log.add(extra + 45, "server", {"type": "error", "event_id": eid(), "error": {"type": "invalid_request_error", "code": "invalid_audio",
                                                                                "message": "Audio must be PCM16", "param": "audio"}})  # fmt: skip
    log.add(extra + 50, "client", {"type": "session.output_audio.fixture.play", "audio": _b64(b"\x00\x00" * 240)})
    log.add(extra + 55, "server", {"type": "session.output_audio.fixture.playing", "event_id": eid()})
    log.add(extra + 60, "server", {"type": "session.output_audio.fixture.played", "event_id": eid()})
    log.add(extra + 65, "client", {"type": "decision.item.create", "item": {"type": "message", "role": "user", "content": []}})
    log.add(extra + 70, "server", {"type": "decision.item.created", "event_id": eid(), "item": {"id": "ditem_1"}})
    log.add(extra + 72, "server", {"type": "decision.event", "event_id": eid(), "delegation_id": None, "trigger_id": "tr_1",
                                   "source_event_id": "event_00001", "source_event_type": "session.input_transcript.delta",
                                   "event": {"type": "response.completed"}})  # fmt: skip
    log.add(extra + 75, "client", {"type": "decision.item.delete", "item_id": "ditem_1"})
    log.add(extra + 80, "server", {"type": "decision.item.deleted", "event_id": eid(), "item_id": "ditem_1"})
    dtmf = 0
    if sideband:
        for j, digit in enumerate("42#"):
            log.add(extra + 90 + j, "server", {"type": "transport.dtmf.received", "event_id": eid(), "event": digit})
            dtmf += 1
        log.add(extra + 95, "server", {"type": "transport.dtmf.send", "event_id": eid(), "event": "1"})
        log.add(extra + 96, "server", {"type": "transport.dtmf.sent", "event_id": eid(), "event": "2"})
        dtmf += 2
    t = extra + 300
    final_seconds = round(t / 1000, 2)
    if closed:
        log.add(t, "client", {"type": "session.close", "event_id": "c_close"})
        log.add(t + 10, "server", {"type": "session.closed", "event_id": eid(), "reason": "close_requested",
                                   "session": session, "usage": {"seconds": final_seconds}})  # fmt: skip
    # the microphone stream (the whole session, silence between utterances)
    in_audio = bytearray()
    session_end = t
    user_spans = [(s["start_ms"], s["end_ms"]) for s in segments if s["role"] == "user"]
    for a in range(0, session_end, CHUNK_MS):
        speaking = any(st <= a < en for st, en in user_spans)
        data = _speech(rng, in_chunk) if speaking else b"\x00" * in_chunk
        in_audio.extend(data)
        ev = {"type": "session.input_audio.append", "audio": _b64(data)}
        log.add(a + CHUNK_MS - 1, "server" if sideband else "client", ev)

    log.events.sort(key=lambda e: (e[0], e[1]))
    lines = []
    for ms, _seq, direction, ev in log.events:
        ts = BASE_TS + ms / 1000
        if envelope == "none":
            lines.append(orjson.dumps(ev))
        else:
            lines.append(orjson.dumps({"time": _iso(ts), "source": direction, "event": ev}))
    bad_lines = []
    if malformed:
        step = max(1, len(lines) // (malformed + 1))
        for j in range(malformed):
            at = step * (j + 1) + j
            lines.insert(at, [b'{"type": "session.output_transcript.delta", "delta": "x"', b"not json at all", b'["an", "array"]'][j % 3])
            bad_lines.append(at + 1)
    for line in lines:
        out.write(line + b"\n")

    placed = bytearray()
    gaps = []
    cursor = 0
    for a, b, data in placed_ranges:
        if a > cursor:
            if cursor:
                gaps.append([cursor, a])
            placed.extend(b"\x00" * ((a - cursor) * 48))
        placed.extend(data)
        cursor = b
    usage = final_seconds if closed else max(usage_snapshots)
    ordered = sorted(segments, key=lambda s: s["start_ms"])
    backend = {"input_tokens": 812 + 905, "cached_tokens": 128 + 768, "output_tokens": 37 + 41, "reasoning_tokens": 12,
               "total_tokens": 849 + 946}  # fmt: skip
    return {
        "transport": transport,
        "dialect": "live",
        "model": model if with_model else None,
        "session_id": session["id"],
        "voice": "marin",
        "rate": rate,
        "lines": len(lines),
        "malformed_lines": bad_lines,
        "segments": ordered,
        "user_text": [s["text"] for s in ordered if s["role"] == "user"],
        "assistant_text": [s["text"] for s in ordered if s["role"] == "assistant"],
        "interrupted": sum(1 for s in ordered if s["interrupted"]),
        "input_audio": {"bytes": len(in_audio), "sha256": hashlib.sha256(in_audio).hexdigest(), "rate": in_rate,
                        "chunks": len(range(0, session_end, CHUNK_MS))},  # fmt: skip
        "output_audio": {"bytes": len(out_audio), "sha256": hashlib.sha256(out_audio).hexdigest(), "rate": out_rate,
                         "chunks": sum(1 for e in log.events if e[3]["type"] == "session.output_audio.delta")},  # fmt: skip
        "output_placed": {"bytes": len(placed), "sha256": hashlib.sha256(placed).hexdigest(), "gaps_ms": gaps} if sideband else None,
        "usage_seconds": usage,
        "usage_source": "session.closed" if closed else "session.usage.updated",
        "usage_snapshots": usage_snapshots,
        "closed": closed,
        "close_reason": "close_requested" if closed else None,
        "cost_usd": round(usage * LIVE_USD_PER_MINUTE / 60, 6),
        "backend_model": "gpt-5.1",
        "backend_tokens": backend,
        "backend_responses": 2,
        "calls": calls,
        "delegations": 1,
        "errors": 1,
        "info": 1,
        "dtmf": dtmf,
    }


def generate_translation(out: IO[bytes], *, seed: int = 2) -> dict[str, Any]:
    """A Realtime Translation session (§13): session.created with type translation, the
    client's 24 kHz input, transcripts and audio deltas with `elapsed_ms`, session.close(d)."""
    rng = random.Random(seed)
    lines: list[dict[str, Any]] = []
    lines.append({"type": "session.created", "event_id": "ev_t1", "session": {"id": "sess_tr1", "type": "translation",
                  "model": "gpt-realtime-translate", "expires_at": int(BASE_TS) + 3600,
                  "audio": {"output": {"language": "fr"}, "input": {"transcription": {"model": "gpt-live-transcribe"}}}}})  # fmt: skip
    lines.append({"type": "session.update", "session": {"audio": {"output": {"language": "fr"}}}})
    lines.append({"type": "session.updated", "event_id": "ev_t2", "session": {"id": "sess_tr1", "type": "translation"}})
    in_audio = bytearray()
    out_audio = bytearray()
    src, dst = "Good morning, where is the station?", "Bonjour, où est la gare ?"
    for k in range(15):
        data = rng.randbytes(9600)
        in_audio.extend(data)
        lines.append({"type": "session.input_audio_buffer.append", "audio": _b64(data)})
        if k == 5:
            lines.append({"type": "session.input_transcript.delta", "event_id": "ev_in", "delta": src, "elapsed_ms": 1000})
        if k >= 6 and k < 11:
            o = rng.randbytes(9600)
            out_audio.extend(o)
            lines.append({"type": "session.output_audio.delta", "event_id": f"ev_o{k}", "delta": _b64(o), "sample_rate": 24000,
                          "channels": 1, "format": "pcm16", "elapsed_ms": k * 200})  # fmt: skip
        if k == 7:
            lines.append({"type": "session.output_transcript.delta", "event_id": "ev_out", "delta": dst, "elapsed_ms": 1400})
    lines.append({"type": "session.close"})
    lines.append({"type": "session.closed", "event_id": "ev_close"})
    for ev in lines:
        out.write(orjson.dumps(ev) + b"\n")
    return {
        "dialect": "translation", "model": "gpt-realtime-translate", "language": "fr",
        "input_audio": {"bytes": len(in_audio), "sha256": hashlib.sha256(in_audio).hexdigest()},
        "output_audio": {"bytes": len(out_audio), "sha256": hashlib.sha256(out_audio).hexdigest()},
        "input_seconds": len(in_audio) / 48000, "user_text": [src], "assistant_text": [dst],
    }  # fmt: skip


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def _iso(ts: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out")
    p.add_argument("--transport", choices=("primary", "sideband"), default="primary")
    p.add_argument("--no-close", action="store_true")
    p.add_argument("--envelope", choices=("none", "time-source"), default="none")
    p.add_argument("--rate", type=int, choices=(16000, 24000), default=24000)
    p.add_argument("--malformed", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--translation", action="store_true")
    a = p.parse_args(argv)
    with open(a.out, "wb") as f:
        if a.translation:
            truth = generate_translation(f, seed=a.seed)
        else:
            truth = generate_live(f, transport=a.transport, closed=not a.no_close, envelope=a.envelope, rate=a.rate,
                                  malformed=a.malformed, seed=a.seed)  # fmt: skip
    stem = a.out[: -len(".jsonl")] if a.out.endswith(".jsonl") else a.out
    with open(stem + ".truth.json", "wb") as f:
        f.write(orjson.dumps(truth, option=orjson.OPT_INDENT_2) + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
