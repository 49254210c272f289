#!/usr/bin/env python3
"""Deterministic generator of long, realistic OpenAI-Realtime session logs (JSONL).

Used by ``bench/run.py`` (a 1-hour log of ~240 MB) and importable from tests
(a 0.5-minute log of a few MB) to check rtlog against a known truth::

    import io
    from bench.gen_session import generate      # or put bench/ on sys.path
    buf = io.BytesIO()
    truth = generate(buf, minutes=0.5, dialect="ga", envelope="none", seed=1)

CLI::

    python bench/gen_session.py OUT.jsonl --minutes 60 --dialect beta \
        [--envelope none|time-source|direction-data] [--seed 1] [--gzip]

writes OUT.jsonl (or OUT.jsonl.gz with --gzip) and OUT.truth.json.

What a session looks like (wire shapes follow shared/docs/realtime-events.md):

* start: client ``session.update`` answered by ``session.created`` (first) and
  ``session.updated``; beta = flat session with ``pcm16``, GA = nested
  ``audio.input.format {"type":"audio/pcm","rate":24000}``.
* every turn: the client streams microphone audio (``input_audio_buffer.append``,
  base64 PCM16 24 kHz mono, 20-100 ms per chunk) from the start of the user's turn
  until the assistant's first audio arrives; server VAD events
  (``speech_started`` / ``speech_stopped`` whose ``audio_start_ms`` /
  ``audio_end_ms`` are positions in that cumulative appended stream),
  ``committed``, the user item, ASR ``input_audio_transcription.delta`` /
  ``.completed`` interleaved with the response; then the response
  (``response.created``, ``rate_limits.updated``, ``output_item.added``, item,
  ``content_part.added``, transcript deltas interleaved with audio deltas of
  20-100 ms, the ``.done`` events, ``response.done`` with full usage).
* turn 3, 13, 23, ...: a function-call round trip (a function-call response,
  client ``function_call_output`` + ``response.create``, then the audio answer).
* audio responses 2, 9, 16, ...: interrupted by the next user turn (barge-in):
  ``speech_started`` → the response's ``.done`` events with status
  ``incomplete`` → ``response.done`` ``cancelled`` (``turn_detected``) → client
  ``conversation.item.truncate`` with ``audio_end_ms`` → ``conversation.item.truncated``.
* turn 2, 22, 42, ...: a client ``response.cancel`` with nothing active answered
  by an ``error`` (``response_cancel_not_active``).

Timestamps are epoch seconds (ms resolution) starting 2026-01-01T00:00:00Z, strictly
increasing line by line; audio chunks advance the clock by their duration, so the
log's wall time is ~``minutes`` and about half of it is user audio, half
assistant audio.
"""

from __future__ import annotations

import argparse
import array
import binascii
import gzip
import hashlib
import math
import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any, BinaryIO

import orjson

SAMPLE_RATE = 24000
BYTES_PER_MS = SAMPLE_RATE * 2 // 1000  # PCM16 mono: 48 bytes per ms
BASE_EPOCH_MS = 1767225600000  # 2026-01-01T00:00:00Z
DIALECTS = ("beta", "ga")
ENVELOPES = ("none", "time-source", "direction-data")
KEY_ORDERS = ("type-first", "api")

_B62 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_M128 = (1 << 128) - 1

_WORDS = (
    "the a to and of in is it you that for on with this be are was have not at "
    "can your we will do but what so if about from they just like know there all "
    "would one time weather today tomorrow order number account check please "
    "sure thanks great okay right let me see here looks good really think maybe "
    "need help question answer minute second morning evening afternoon flight "
    "hotel booking train ticket price delivery package address city London Paris "
    "Berlin Tokyo rain sunny cloudy warm cold degrees forecast week weekend "
    "meeting calendar schedule reminder note message email phone call later "
    "soon again another first last next every few many much more most other "
    "some such only also very well still even back way because when where which "
    "who how why could should might must shall may been being had has did does "
    "doing make made take took give gave find found tell told ask asked work "
    "working play music song playlist volume louder quieter stop start pause "
    "continue repeat explain describe summary details option choice problem"
).split()

_FUNCTIONS = (
    ("get_weather", lambda r: {"city": r.choice(("London", "Paris", "Berlin", "Tokyo", "Lisbon"))},
     lambda a, r: {"city": a["city"], "temperature_c": r.randint(-5, 32),
                   "conditions": r.choice(("sunny", "cloudy", "rain", "windy"))}),
    ("lookup_order", lambda r: {"order_id": "A%06d" % r.randrange(10**6)},
     lambda a, r: {"order_id": a["order_id"], "status": r.choice(("shipped", "processing", "delivered")),
                   "eta_days": r.randint(0, 6)}),
    ("set_reminder", lambda r: {"text": "call back", "minutes": r.choice((5, 10, 15, 30, 60))},
     lambda a, r: {"ok": True, "reminder_id": "rem_%d" % r.randrange(10**5)}),
)

_TOOLS = [
    {"type": "function", "name": "get_weather", "description": "Get the current weather for a city.",
     "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}},
                    "required": ["city"]}},
    {"type": "function", "name": "lookup_order", "description": "Look up the status of an order.",
     "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}},
    {"type": "function", "name": "set_reminder", "description": "Set a reminder.",
     "parameters": {"type": "object", "properties": {"text": {"type": "string"}, "minutes": {"type": "integer"}},
                    "required": ["text", "minutes"]}},
]

_INSTRUCTIONS = ("You are a helpful voice assistant. Answer briefly and warmly. "
                 "Use the tools when the user asks about weather, orders or reminders.")


# --------------------------------------------------------------------------- audio

def _waveform(rng: random.Random, n: int, f0_lo: float, f0_hi: float, amp: float, noise: float) -> bytes:
    """Speech-like PCM16: a few harmonics of a drifting f0 under a syllable envelope."""
    out = array.array("h", bytes(2 * n))
    f0 = rng.uniform(f0_lo, f0_hi)
    phase = 0.0
    two_pi = 2.0 * math.pi
    syl = rng.uniform(3.0, 5.0)
    for i in range(n):
        if i % 2400 == 0:  # new pitch target every 100 ms
            f0 += (rng.uniform(f0_lo, f0_hi) - f0) * 0.5
        phase += two_pi * f0 / SAMPLE_RATE
        env = 0.55 + 0.45 * math.sin(two_pi * syl * i / SAMPLE_RATE)
        v = amp * env * (math.sin(phase) + 0.5 * math.sin(2 * phase) + 0.25 * math.sin(3 * phase)) / 1.75
        v += rng.uniform(-noise, noise)
        out[i] = int(max(-32768, min(32767, v)))
    if sys.byteorder == "big":
        out.byteswap()
    return out.tobytes()


class _Pool:
    """Precomputed audio chunks (raw PCM, base64 bytes, duration ms), reused all session long."""

    def __init__(self, rng: random.Random, size: int, base: bytes):
        self.raw: list[bytes] = []
        self.b64: list[bytes] = []
        self.ms: list[int] = []
        base_samples = len(base) // 2
        for _ in range(size):
            ms = rng.randint(20, 100)
            n = ms * SAMPLE_RATE // 1000
            off = rng.randrange(0, base_samples - n)
            raw = base[2 * off: 2 * (off + n)]
            self.raw.append(raw)
            self.b64.append(binascii.b2a_base64(raw, newline=False))
            self.ms.append(ms)
        self.n = size


# --------------------------------------------------------------------------- generator

class _Gen:
    def __init__(self, fp: BinaryIO, minutes: float, dialect: str, envelope: str, seed: int, key_order: str = "type-first"):
        if key_order not in KEY_ORDERS:
            raise ValueError(f"key_order must be one of {KEY_ORDERS}, not {key_order!r}")
        self.key_order = key_order
        if dialect not in DIALECTS:
            raise ValueError(f"dialect must be one of {DIALECTS}, not {dialect!r}")
        if envelope not in ENVELOPES:
            raise ValueError(f"envelope must be one of {ENVELOPES}, not {envelope!r}")
        if not minutes > 0:
            raise ValueError("minutes must be > 0")
        self.fp = fp
        self.minutes = minutes
        self.ga = dialect == "ga"
        self.dialect = dialect
        self.envelope = envelope
        self.seed = seed
        self.rng = random.Random(seed)
        self.total_ms = int(round(minutes * 60000))
        self._idmix = (seed * 0x9E3779B97F4A7C15 + 0x1234567) & _M128
        self._idn = 0

        arng = random.Random(f"audio-{seed}")
        voice_a = _waveform(arng, 3 * SAMPLE_RATE, 140.0, 240.0, 9000.0, 300.0)
        voice_u = _waveform(arng, 3 * SAMPLE_RATE, 95.0, 170.0, 7000.0, 500.0)
        quiet = _waveform(arng, 1 * SAMPLE_RATE, 50.0, 60.0, 0.0, 40.0)
        self.pool_a = _Pool(arng, 384, voice_a)
        self.pool_u = _Pool(arng, 256, voice_u)
        self.pool_q = _Pool(arng, 64, quiet)

        # clock / output state
        self.now = 0  # ms since BASE_EPOCH_MS
        self.first_ts: int | None = None
        self._buf: list[bytes] = []
        self._buflen = 0
        self.nbytes = 0
        self.nlines = 0
        self.counts: dict[str, int] = {}
        self.dirs = {"client": 0, "server": 0}
        self._iso_sec = -1
        self._iso_prefix = b""

        # conversation state
        self.in_ms = 0  # cumulative appended input audio (ms)
        self.last_item: str | None = None
        self.audio_responses = 0
        self.sha_in = hashlib.sha256()
        self.sha_out = hashlib.sha256()
        self.sha_heard = hashlib.sha256()
        self.in_bytes = 0
        self.out_bytes = 0
        self.heard_bytes = 0
        self.user_transcripts: list[str] = []
        self.assistant_items: list[dict[str, Any]] = []
        self.function_calls: list[dict[str, Any]] = []
        self.truncations: list[dict[str, Any]] = []
        self.resp_status: dict[str, int] = {}
        self.errors = 0
        self.usage = dict.fromkeys(("input_tokens", "output_tokens", "total_tokens", "cached_tokens",
                                    "input_text_tokens", "input_audio_tokens", "output_text_tokens",
                                    "output_audio_tokens"), 0)
        self.ctx_text = 260
        self.ctx_audio = 0
        self.prev_input = 0
        self.cache_reset = True
        self.session_id = ""
        self.conv_id = ""

    # ---------------------------------------------------------------- ids
    def _id(self, prefix: str, nchars: int = 21) -> str:
        self._idn += 1
        x = ((self._idn * 0xD6E8FEB86659FD93 + 0x9E3779B97F4A7C15) & _M128) ^ self._idmix
        x = (x * 0xBF58476D1CE4E5B9D6E8FEB86659FD93 + 1) & _M128
        x ^= x >> 61
        chars = bytearray(nchars)
        for i in range(nchars):
            x, r = divmod(x, 62)
            chars[i] = _B62[r]
        return prefix + chars.decode()

    # ---------------------------------------------------------------- output
    def _write(self, body: bytes, etype: str, client: bool, delay: int = 1) -> None:
        """Write one event (``body`` = compact JSON of the bare event) at now+delay ms."""
        self.now += delay if delay > 0 else 1
        t = BASE_EPOCH_MS + self.now
        if self.first_ts is None:
            self.first_ts = t
        env = self.envelope
        if env == "none":
            line = b"".join((body[:-1], b',"timestamp":', repr(t / 1000).encode(), b"}\n"))
        elif env == "time-source":
            sec = t // 1000
            if sec != self._iso_sec:
                self._iso_sec = sec
                self._iso_prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)).encode()
            line = b"".join((b'{"time":"', self._iso_prefix, b".%03dZ" % (t % 1000),
                             b'","source":"client","event":' if client else b'","source":"server","event":',
                             body, b"}\n"))
        else:
            line = b"".join((b'{"direction":"sent","data":' if client else b'{"direction":"received","data":',
                             body, b"}\n"))
        self._buf.append(line)
        self._buflen += len(line)
        if self._buflen >= 1 << 22:
            self._flush()
        self.nlines += 1
        self.counts[etype] = self.counts.get(etype, 0) + 1
        self.dirs["client" if client else "server"] += 1

    def _flush(self) -> None:
        if self._buf:
            data = b"".join(self._buf)
            self.fp.write(data)
            self.nbytes += len(data)
            self._buf = []
            self._buflen = 0

    def server(self, ev: dict, delay: int = 1) -> None:
        t = ev.pop("type")
        if self.key_order == "api":  # as the API sends its events: the event_id first
            ev = {"event_id": self._id("event_"), "type": t, **ev}
        else:
            ev = {"type": t, "event_id": self._id("event_"), **ev}
        self._write(orjson.dumps(ev), t, False, delay)

    def client(self, ev: dict, delay: int = 1, with_id: bool = True) -> str | None:
        eid = None
        if with_id:
            eid = self._id("evt_", 17)
            ev = {"type": ev.pop("type"), "event_id": eid, **ev}
        self._write(orjson.dumps(ev), ev["type"], True, delay)
        return eid

    def append_chunk(self, pool: _Pool) -> None:
        k = self.rng.randrange(pool.n)
        ms = pool.ms[k]
        raw = pool.raw[k]
        self._write(b'{"type":"input_audio_buffer.append","audio":"' + pool.b64[k] + b'"}',
                    "input_audio_buffer.append", True, ms)
        self.in_ms += ms
        self.in_bytes += len(raw)
        self.sha_in.update(raw)

    # ---------------------------------------------------------------- text helpers
    def _sentence(self, nwords: int) -> list[str]:
        rng = self.rng
        words = [rng.choice(_WORDS) for _ in range(nwords)]
        words[0] = words[0][:1].upper() + words[0][1:]
        if nwords > 6:
            j = rng.randrange(2, nwords - 2)
            words[j] += ","
        words[-1] += rng.choice((".", ".", ".", "?", "!"))
        return words

    # ---------------------------------------------------------------- shapes (dialect)
    def _t(self, beta: str, ga: str) -> str:
        return ga if self.ga else beta

    def _item_obj(self, item: dict) -> dict:
        if self.ga:
            return item
        return {"id": item["id"], "object": "realtime.item", **{k: v for k, v in item.items() if k != "id"}}

    def _item_announce(self, item: dict, previous: str | None, done: bool = True) -> None:
        """Server announces an item: beta conversation.item.created; GA .added (+ .done)."""
        it = self._item_obj(item)
        if self.ga:
            self.server({"type": "conversation.item.added", "previous_item_id": previous, "item": it})
            if done:
                self.server({"type": "conversation.item.done", "previous_item_id": previous, "item": it})
        else:
            self.server({"type": "conversation.item.created", "previous_item_id": previous, "item": it})

    def _response_obj(self, rid: str, status: str, status_details: Any, output: list, usage: Any) -> dict:
        if self.ga:
            return {"object": "realtime.response", "id": rid, "status": status, "status_details": status_details,
                    "output": output, "conversation_id": self.conv_id, "output_modalities": ["audio"],
                    "max_output_tokens": "inf",
                    "audio": {"output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}},
                    "usage": usage, "metadata": None}
        return {"object": "realtime.response", "id": rid, "status": status, "status_details": status_details,
                "output": output, "conversation_id": self.conv_id, "modalities": ["audio", "text"],
                "voice": "alloy", "output_audio_format": "pcm16", "temperature": 0.8,
                "max_output_tokens": "inf", "usage": usage, "metadata": None}

    def _rate_limits(self) -> None:
        self.server({"type": "rate_limits.updated", "rate_limits": [
            {"name": "requests", "limit": 20000, "remaining": 19999, "reset_seconds": 0.003},
            {"name": "tokens", "limit": 15000000, "remaining": 15000000 - self.rng.randrange(500, 40000),
             "reset_seconds": round(self.rng.uniform(0.001, 0.2), 3)}]})

    def _usage(self, out_text: int, out_audio: int) -> dict:
        it, ia = self.ctx_text, self.ctx_audio
        inp = it + ia
        cached = 0 if self.cache_reset else min(self.prev_input, inp) // 64 * 64
        self.cache_reset = False
        self.prev_input = inp
        ct = min(cached, it)
        ca = cached - ct
        out = out_text + out_audio
        u = self.usage
        u["input_tokens"] += inp
        u["output_tokens"] += out
        u["total_tokens"] += inp + out
        u["cached_tokens"] += cached
        u["input_text_tokens"] += it
        u["input_audio_tokens"] += ia
        u["output_text_tokens"] += out_text
        u["output_audio_tokens"] += out_audio
        return {"total_tokens": inp + out, "input_tokens": inp, "output_tokens": out,
                "input_token_details": {"text_tokens": it, "audio_tokens": ia, "image_tokens": 0,
                                        "cached_tokens": cached,
                                        "cached_tokens_details": {"text_tokens": ct, "audio_tokens": ca,
                                                                  "image_tokens": 0}},
                "output_token_details": {"text_tokens": out_text, "audio_tokens": out_audio}}

    def _grow_ctx(self, text: int, audio: int) -> None:
        self.ctx_text += text
        self.ctx_audio += audio
        if self.ctx_text + self.ctx_audio > 28000:  # truncation "auto": drop old turns, cache busted
            self.ctx_text = 260 + (self.ctx_text - 260) // 2
            self.ctx_audio //= 2
            self.cache_reset = True

    def _response_done(self, rid: str, status: str, details: Any, output: list, usage: dict) -> None:
        self.server({"type": "response.done", "response": self._response_obj(rid, status, details, output, usage)})
        self.resp_status[status] = self.resp_status.get(status, 0) + 1

    # ---------------------------------------------------------------- session start
    def session_start(self) -> None:
        rng = self.rng
        self.session_id = self._id("sess_")
        self.conv_id = self._id("conv_")
        expires = (BASE_EPOCH_MS // 1000) + 1800
        td = {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 200,
              "idle_timeout_ms": None, "create_response": True, "interrupt_response": True}
        td_upd = dict(td, silence_duration_ms=500)
        if self.ga:
            def sess(instr: str, tools: list, tdet: dict, transcription: Any) -> dict:
                return {"type": "realtime", "object": "realtime.session", "id": self.session_id,
                        "model": "gpt-realtime-2025-08-28", "output_modalities": ["audio"],
                        "instructions": instr, "tools": tools, "tool_choice": "auto", "max_output_tokens": "inf",
                        "tracing": None, "truncation": "auto", "prompt": None, "expires_at": expires,
                        "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000},
                                            "transcription": transcription, "noise_reduction": None,
                                            "turn_detection": tdet},
                                  "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin",
                                             "speed": 1.0}},
                        "include": None}
            update = {"type": "realtime", "instructions": _INSTRUCTIONS, "output_modalities": ["audio"],
                      "tools": _TOOLS,
                      "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000},
                                          "transcription": {"model": "gpt-4o-transcribe"},
                                          "turn_detection": {"type": "server_vad", "silence_duration_ms": 500,
                                                             "create_response": True, "interrupt_response": True}},
                                "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}}}
            created = sess("You are a helpful assistant.", [], td, None)
            updated = sess(_INSTRUCTIONS, _TOOLS, td_upd,
                           {"model": "gpt-4o-transcribe", "language": None, "prompt": None})
        else:
            def sess(instr: str, tools: list, tdet: dict, transcription: Any) -> dict:
                return {"object": "realtime.session", "id": self.session_id,
                        "model": "gpt-4o-realtime-preview-2025-06-03", "modalities": ["audio", "text"],
                        "instructions": instr, "voice": "alloy", "input_audio_format": "pcm16",
                        "output_audio_format": "pcm16", "input_audio_transcription": transcription,
                        "turn_detection": tdet, "tools": tools, "tool_choice": "auto", "temperature": 0.8,
                        "max_response_output_tokens": "inf", "speed": 1.0, "tracing": None,
                        "expires_at": expires, "input_audio_noise_reduction": None}
            update = {"instructions": _INSTRUCTIONS, "modalities": ["audio", "text"], "voice": "alloy",
                      "input_audio_format": "pcm16", "output_audio_format": "pcm16",
                      "input_audio_transcription": {"model": "gpt-4o-transcribe"},
                      "turn_detection": {"type": "server_vad", "silence_duration_ms": 500,
                                         "create_response": True, "interrupt_response": True},
                      "tools": _TOOLS}
            created = sess("You are a helpful assistant.", [], td, None)
            updated = sess(_INSTRUCTIONS, _TOOLS, td_upd,
                           {"model": "gpt-4o-transcribe", "language": None, "prompt": None})
        self.server({"type": "session.created", "session": created}, delay=rng.randint(150, 400))
        self.client({"type": "session.update", "session": update}, delay=rng.randint(5, 40))
        self.server({"type": "session.updated", "session": updated}, delay=rng.randint(60, 200))

    # ---------------------------------------------------------------- one turn
    def turn(self, n: int, pending: dict | None) -> dict | None:
        rng = self.rng
        is_fc = n % 10 == 3
        user_item = self._id("item_")
        lead = rng.randint(200, 700)
        speech = rng.randint(1200, 7000)
        silence = 500
        in0 = self.in_ms
        onset = in0 + lead
        speech_end = onset + speech
        audio_start_ms = max(0, onset - 300)
        audio_end_ms = speech_end + silence
        nwords = max(2, speech // 380)
        uwords = self._sentence(nwords)
        user_text = " ".join(uwords)
        udeltas = [" " + w for w in uwords]
        # group ASR deltas: 1-3 words each
        ud: list[str] = []
        i = 0
        while i < len(udeltas):
            k = rng.randint(1, 3)
            ud.append("".join(udeltas[i:i + k]))
            i += k
        resp = {"id": self._id("resp_"), "item": self._id("item_")}
        sched: list[tuple[int, int, Callable[[], None]]] = []

        def at(pos: int, fn: Callable[[], None]) -> None:
            sched.append((pos, len(sched), fn))

        # an occasional client mistake: cancel with nothing active -> error
        if n % 20 == 2 and pending is None:
            eid = self.client({"type": "response.cancel"}, delay=rng.randint(20, 200))
            self.server({"type": "error", "error": {
                "type": "invalid_request_error", "code": "response_cancel_not_active",
                "message": "Cancellation failed: no active response found", "param": None, "event_id": eid}},
                delay=rng.randint(20, 80))
            self.errors += 1

        def on_speech_started() -> None:
            self.server({"type": "input_audio_buffer.speech_started", "audio_start_ms": audio_start_ms,
                         "item_id": user_item})
            if pending is not None:
                self._cancel_interrupted(pending)

        at(onset + rng.randint(60, 160), on_speech_started)

        def on_stopped() -> None:
            self.server({"type": "input_audio_buffer.speech_stopped", "audio_end_ms": audio_end_ms,
                         "item_id": user_item})
            prev = self.last_item
            self.server({"type": "input_audio_buffer.committed", "previous_item_id": prev, "item_id": user_item},
                        delay=rng.randint(1, 20))
            self._item_announce({"id": user_item, "type": "message", "status": "completed", "role": "user",
                                 "content": [{"type": "input_audio", "transcript": None}]}, prev)
            self.last_item = user_item

        at(audio_end_ms, on_stopped)
        self._grow_ctx(0, (audio_end_ms - in0) // 100)

        t = audio_end_ms + rng.randint(10, 40)
        if is_fc:
            fc_rid = self._id("resp_")
            fc_item = self._id("item_")
            call_id = "call_" + self._id("", 16)
            fname, mkargs, mkres = _FUNCTIONS[(n // 10) % len(_FUNCTIONS)]
            args = orjson.dumps(mkargs(rng)).decode()
            result = orjson.dumps(mkres(orjson.loads(args), rng)).decode()
            pieces = [args[j:j + 6] for j in range(0, len(args), 6)]
            at(t, lambda: (self.server({"type": "response.created", "response": self._response_obj(
                fc_rid, "in_progress", None, [], None)}), self._rate_limits()))
            t += rng.randint(150, 350)
            fc_base = {"id": fc_item, "type": "function_call", "status": "in_progress", "name": fname,
                       "call_id": call_id, "arguments": ""}

            def fc_start() -> None:
                self.server({"type": "response.output_item.added", "response_id": fc_rid, "output_index": 0,
                             "item": self._item_obj(fc_base)})
                self._item_announce(fc_base, self.last_item, done=False)
                self.last_item = fc_item

            at(t, fc_start)
            for p in pieces:
                t += rng.randint(15, 40)
                at(t, lambda p=p: self.server({"type": "response.function_call_arguments.delta",
                                               "response_id": fc_rid, "item_id": fc_item, "output_index": 0,
                                               "call_id": call_id, "delta": p,
                                               "obfuscation": "x" * (16 - min(len(p), 15))}))
            t += rng.randint(10, 30)
            fc_out_tokens = len(args) // 4 + 6

            def fc_done() -> None:
                self.server({"type": "response.function_call_arguments.done", "response_id": fc_rid,
                             "item_id": fc_item, "output_index": 0, "call_id": call_id, "name": fname,
                             "arguments": args})
                final = self._item_obj(dict(fc_base, status="completed", arguments=args))
                if self.ga:
                    self.server({"type": "conversation.item.done", "previous_item_id": user_item, "item": final})
                self.server({"type": "response.output_item.done", "response_id": fc_rid, "output_index": 0,
                             "item": final})
                self._response_done(fc_rid, "completed", None, [final], self._usage(fc_out_tokens, 0))
                self._grow_ctx(fc_out_tokens, 0)

            at(t, fc_done)
            t += rng.randint(150, 400)  # the client runs the tool
            out_item = self._id("item_")

            def fc_output() -> None:
                self.client({"type": "conversation.item.create", "item": {
                    "type": "function_call_output", "call_id": call_id, "output": result}})
                self._item_announce({"id": out_item, "type": "function_call_output", "call_id": call_id,
                                     "output": result}, self.last_item)
                self.last_item = out_item
                self.client({"type": "response.create"}, delay=rng.randint(1, 5))
                self._grow_ctx(len(result) // 4 + 4, 0)

            at(t, fc_output)
            self.function_calls.append({"name": fname, "call_id": call_id, "arguments": args,
                                        "output": result, "item_id": fc_item, "response_id": fc_rid})
            t += rng.randint(20, 60)

        def resp_created() -> None:
            self.server({"type": "response.created", "response": self._response_obj(
                resp["id"], "in_progress", None, [], None)})
            self._rate_limits()

        at(t, resp_created)
        # ASR deltas while the response starts
        t_asr = audio_end_ms + rng.randint(120, 250)
        for d in ud[:-1] if len(ud) > 1 else ud:
            at(t_asr, lambda d=d: self.server({"type": "conversation.item.input_audio_transcription.delta",
                                               "item_id": user_item, "content_index": 0, "delta": d,
                                               "obfuscation": "q" * max(1, 14 - len(d))}))
            t_asr += rng.randint(20, 60)
        rest_delta = ud[-1] if len(ud) > 1 else None
        t = max(t, t_asr) + rng.randint(150, 500)

        def resp_start() -> None:
            base = {"id": resp["item"], "type": "message", "status": "in_progress", "role": "assistant",
                    "content": []}
            self.server({"type": "response.output_item.added", "response_id": resp["id"], "output_index": 0,
                         "item": self._item_obj(base)})
            resp["prev"] = self.last_item
            self._item_announce(base, self.last_item, done=False)
            self.last_item = resp["item"]
            self.server({"type": "response.content_part.added", "response_id": resp["id"],
                         "item_id": resp["item"], "output_index": 0, "content_index": 0,
                         "part": {"type": "audio", "transcript": ""}})

        at(t, resp_start)
        until = t + 1

        # ---- stream microphone audio, firing the scheduled server/client events in order
        sched.sort(key=lambda s: (s[0], s[1]))
        si = 0
        pool_u, pool_q = self.pool_u, self.pool_q
        while self.in_ms < until:
            pos = self.in_ms
            self.append_chunk(pool_u if onset <= pos < speech_end else pool_q)
            while si < len(sched) and sched[si][0] <= self.in_ms:
                sched[si][2]()
                si += 1
        while si < len(sched):
            sched[si][2]()
            si += 1
        self.user_transcripts.append(user_text)

        # ---- the assistant speaks
        def asr_done() -> None:
            if rest_delta is not None:
                self.server({"type": "conversation.item.input_audio_transcription.delta",
                             "item_id": user_item, "content_index": 0, "delta": rest_delta,
                             "obfuscation": "q" * max(1, 14 - len(rest_delta))})
            usage = ({"type": "duration", "seconds": max(1, round((audio_end_ms - audio_start_ms) / 1000))}
                     if self.ga else
                     {"type": "tokens", "input_tokens": (audio_end_ms - audio_start_ms) // 100,
                      "output_tokens": len(uwords) + 2,
                      "total_tokens": (audio_end_ms - audio_start_ms) // 100 + len(uwords) + 2,
                      "input_token_details": {"text_tokens": 0,
                                              "audio_tokens": (audio_end_ms - audio_start_ms) // 100}})
            self.server({"type": "conversation.item.input_audio_transcription.completed", "item_id": user_item,
                         "content_index": 0, "transcript": user_text, "usage": usage})

        self.audio_responses += 1
        interrupted = self.audio_responses % 7 == 2
        return self._assistant(resp["id"], resp["item"], resp.get("prev"), interrupted, asr_done)

    def _assistant(self, rid: str, item: str, prev: str | None, interrupted: bool,
                   asr_done: Callable[[], None]) -> dict | None:
        rng = self.rng
        target = rng.randint(2000, 9000)
        cut = int(target * rng.uniform(0.3, 0.75)) if interrupted else None
        nwords = max(2, target // 330)
        words = self._sentence(nwords)
        wdeltas = [words[0]] + [" " + w for w in words[1:]]
        step = target / nwords
        pool = self.pool_a
        tdelta = self._t("response.audio_transcript.delta", "response.output_audio_transcript.delta")
        adelta = self._t("response.audio.delta", "response.output_audio.delta")
        apre = (b'{"type":"' + adelta.encode() + b'","event_id":"')
        amid = (b'","response_id":"' + rid.encode() + b'","item_id":"' + item.encode()
                + b'","output_index":0,"content_index":0,"delta":"')
        gen = 0
        wi = 0
        chunks: list[int] = []
        nd = 0
        asr_pending = True
        while True:
            while wi < nwords and wi * step - 250 <= gen:
                d = wdeltas[wi]
                self.server({"type": tdelta, "response_id": rid, "item_id": item, "output_index": 0,
                             "content_index": 0, "delta": d, "obfuscation": "o" * max(1, 15 - len(d))})
                wi += 1
            if cut is not None and gen >= cut:
                break
            if cut is None and gen >= target:
                break
            k = rng.randrange(pool.n)
            ms = pool.ms[k]
            # the first delta comes right after content_part.added; the rest at playback pace
            self._write(b"".join((apre, self._id("event_").encode(), amid, pool.b64[k], b'"}')), adelta, False,
                        ms if nd else rng.randint(5, 30))
            chunks.append(k)
            raw = pool.raw[k]
            self.sha_out.update(raw)
            self.out_bytes += len(raw)
            gen += ms
            nd += 1
            if asr_pending and nd == 2:
                asr_done()
                asr_pending = False
        if asr_pending:
            asr_done()
        transcript = "".join(wdeltas[:wi])
        out_text = len(transcript) // 4 + 1
        out_audio = gen // 50
        st = {"rid": rid, "item": item, "prev": prev, "gen_ms": gen, "chunks": chunks, "transcript": transcript,
              "out_text": out_text, "out_audio": out_audio}
        if interrupted:
            return st
        self._finish_audio_item(st, "completed")
        self._response_done(rid, "completed", None, [self._final_item(st, "completed")],
                            self._usage(out_text, out_audio))
        self._grow_ctx(out_text, out_audio)
        self._record_item(st, "completed", None)
        return None

    def _final_item(self, st: dict, status: str) -> dict:
        return self._item_obj({"id": st["item"], "type": "message", "status": status, "role": "assistant",
                               "content": [{"type": self._t("audio", "output_audio"),
                                            "transcript": st["transcript"]}]})

    def _finish_audio_item(self, st: dict, status: str) -> None:
        rid, item = st["rid"], st["item"]
        common = {"response_id": rid, "item_id": item, "output_index": 0, "content_index": 0}
        self.server({"type": self._t("response.audio.done", "response.output_audio.done"), **common},
                    delay=self.rng.randint(5, 60))
        self.server({"type": self._t("response.audio_transcript.done", "response.output_audio_transcript.done"),
                     **common, "transcript": st["transcript"]})
        self.server({"type": "response.content_part.done", **common,
                     "part": {"type": "audio", "transcript": st["transcript"]}})
        final = self._final_item(st, status)
        if self.ga:
            self.server({"type": "conversation.item.done", "previous_item_id": st["prev"], "item": final})
        self.server({"type": "response.output_item.done", "response_id": rid, "output_index": 0, "item": final})

    def _record_item(self, st: dict, status: str, heard_ms: int | None) -> None:
        pool = self.pool_a
        total = sum(len(pool.raw[k]) for k in st["chunks"])
        heard = total if heard_ms is None else min(total, heard_ms * BYTES_PER_MS)
        left = heard
        for k in st["chunks"]:
            if left <= 0:
                break
            raw = pool.raw[k]
            self.sha_heard.update(raw if len(raw) <= left else raw[:left])
            left -= len(raw)
        self.heard_bytes += heard
        self.assistant_items.append({"item_id": st["item"], "response_id": st["rid"], "status": status,
                                     "audio_bytes": total, "heard_bytes": heard, "audio_end_ms": heard_ms,
                                     "transcript": st["transcript"]})

    def _cancel_interrupted(self, st: dict) -> None:
        """Barge-in: the in-progress response is cancelled, the client truncates what was heard."""
        rng = self.rng
        self._finish_audio_item(st, "incomplete")
        self._response_done(st["rid"], "cancelled", {"type": "cancelled", "reason": "turn_detected"},
                            [self._final_item(st, "incomplete")], self._usage(st["out_text"], st["out_audio"]))
        gen = st["gen_ms"]
        heard = max(1, gen - rng.randint(40, max(41, min(400, gen // 2))))
        self.client({"type": "conversation.item.truncate", "item_id": st["item"], "content_index": 0,
                     "audio_end_ms": heard}, delay=rng.randint(1, 15))
        self.server({"type": "conversation.item.truncated", "item_id": st["item"], "content_index": 0,
                     "audio_end_ms": heard}, delay=rng.randint(20, 80))
        self.truncations.append({"item_id": st["item"], "response_id": st["rid"], "audio_end_ms": heard})
        self._grow_ctx(st["out_text"] // 2, heard // 50)
        self._record_item(st, "incomplete", heard)

    # ---------------------------------------------------------------- main
    def run(self) -> dict:
        self.session_start()
        n = 0
        pending = None
        while n == 0 or self.now < self.total_ms or pending is not None:
            n += 1
            pending = self.turn(n, pending)
        self._flush()
        return self._truth(n)

    def _truth(self, turns: int) -> dict:
        ms_per_byte = 1000 / (SAMPLE_RATE * 2)
        first = (self.first_ts or BASE_EPOCH_MS) / 1000
        last = (BASE_EPOCH_MS + self.now) / 1000
        return {
            "generator": "bench/gen_session.py",
            "minutes": self.minutes, "dialect": self.dialect, "envelope": self.envelope, "seed": self.seed, "key_order": self.key_order,
            "bytes": self.nbytes,
            "events": self.nlines,
            "event_counts": dict(sorted(self.counts.items())),
            "directions": dict(self.dirs),
            "first_timestamp": first, "last_timestamp": last, "duration_s": round(last - first, 3),
            "session_id": self.session_id,
            "user_turns": turns,
            "responses": dict(sorted(self.resp_status.items())),
            "response_done_lines": self.counts.get("response.done", 0),
            "function_calls": len(self.function_calls),
            "function_call_list": self.function_calls,
            "truncations": self.truncations,
            "errors": self.errors,
            "usage": dict(self.usage),
            "sample_rate": SAMPLE_RATE,
            "audio_bytes": {"input": self.in_bytes, "output": self.out_bytes, "output_heard": self.heard_bytes},
            "audio_seconds": {"input": round(self.in_bytes * ms_per_byte / 1000, 3),
                              "output": round(self.out_bytes * ms_per_byte / 1000, 3),
                              "output_heard": round(self.heard_bytes * ms_per_byte / 1000, 3)},
            "sha256": {"input": self.sha_in.hexdigest(), "output": self.sha_out.hexdigest(),
                       "output_heard": self.sha_heard.hexdigest()},
            "user_transcripts": self.user_transcripts,
            "assistant_transcripts": [it["transcript"] for it in self.assistant_items],
            "assistant_items": self.assistant_items,
        }


def generate(fp_binary: BinaryIO, minutes: float, dialect: str, envelope: str = "none", seed: int = 1,
             key_order: str = "type-first") -> dict:
    """Write a synthetic session log (JSONL bytes) to ``fp_binary``; return the truth dict.

    Same arguments -> same bytes. No global state, prints nothing. ``key_order``: server
    events start with their ``type`` ("type-first") or, as the API sends them, with their
    ``event_id`` ("api").
    """
    return _Gen(fp_binary, minutes, dialect, envelope, seed, key_order).run()


def truth_path_for(out: str) -> str:
    for suf in (".jsonl.gz", ".jsonl", ".gz"):
        if out.endswith(suf):
            return out[: -len(suf)] + ".truth.json"
    return out + ".truth.json"


def write_session(out: str, minutes: float, dialect: str, envelope: str = "none", seed: int = 1,
                  gzip_: bool = False, key_order: str = "type-first") -> dict:
    """Generate to ``out`` (atomically, via a temp file) and write the truth next to it."""
    tmp = out + ".tmp"
    with open(tmp, "wb") as raw:
        if gzip_:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0) as gz:
                truth = generate(gz, minutes, dialect, envelope, seed, key_order)
        else:
            truth = generate(raw, minutes, dialect, envelope, seed, key_order)
    os.replace(tmp, out)
    tp = truth_path_for(out)
    with open(tp + ".tmp", "wb") as f:
        f.write(orjson.dumps(truth, option=orjson.OPT_INDENT_2))
    os.replace(tp + ".tmp", tp)
    return truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="output path (OUT.jsonl; with --gzip '.gz' is appended if missing)")
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--dialect", choices=DIALECTS, default="beta")
    ap.add_argument("--envelope", choices=ENVELOPES, default="none")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--key-order", choices=KEY_ORDERS, default="type-first",
                    help="server events start with their type, or with their event_id as the API sends them ('api')")
    ap.add_argument("--gzip", action="store_true", help="gzip the output (level 1, mtime 0: deterministic)")
    a = ap.parse_args(argv)
    out = a.out
    if a.gzip and not out.endswith(".gz"):
        out += ".gz"
    t0 = time.perf_counter()
    truth = write_session(out, a.minutes, a.dialect, a.envelope, a.seed, a.gzip, a.key_order)
    dt = time.perf_counter() - t0
    print(f"wrote {out}: {truth['bytes'] / 1e6:.1f} MB uncompressed, {truth['events']} events, "
          f"{truth['duration_s'] / 60:.1f} min, in {dt:.1f} s; truth: {truth_path_for(out)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
