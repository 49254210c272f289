#!/usr/bin/env python3
"""Regenerate the example Realtime-API session logs in this folder.

    python examples/make_examples.py

Writes, next to this script:

* ``beta_session.jsonl``  -- beta dialect, bare events, no timestamps, PCM16 24 kHz
* ``ga_session.jsonl``    -- the same conversation in GA dialect, each line wrapped in
                             ``{"time", "source", "event"}``
* ``ulaw_session.jsonl``  -- short beta session in G.711 u-law 8 kHz, each line wrapped in
                             ``{"kind", "direction", "data"}``
* ``<name>.truth.json``   -- what was put into each file (for tests)

Only the standard library plus the ``espeak-ng`` and ``sox`` programs are used. The output is
deterministic: every id, chunk size and timing comes from seeded RNGs, the GA clock starts at
2026-11-20T10:00:00Z, sox runs with ``-D`` (no dither) and espeak-ng is deterministic for a
given version.
"""

import base64
import calendar
import datetime
import hashlib
import json
import math
import os
import random
import re
import shutil
import string
import subprocess
import sys
import tempfile
from array import array

HERE = os.path.dirname(os.path.abspath(__file__))

ALNUM = string.ascii_letters + string.digits
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase

GA_EPOCH = calendar.timegm((2026, 11, 20, 10, 0, 0))  # the brief's fixed base time
# The beta files carry no timestamps; their ids and session ``expires_at`` are derived from a
# date when the beta protocol and ``gpt-4o-realtime-preview-2025-06-03`` were live.
BETA_EPOCH = calendar.timegm((2025, 6, 20, 10, 0, 0))
ULAW_EPOCH = calendar.timegm((2025, 6, 20, 14, 30, 0))

USER_VOICE = {"voice": "en-us", "pitch": 40, "speed": 195}
ASSISTANT_VOICE = {"voice": "en-us+f3", "pitch": 70, "speed": 200}

# One "clause" list per assistant message; each clause is synthesised separately and joined
# with CLAUSE_GAP_MS of silence, so clause boundaries (used for ``heard_text``) are exact.
CLAUSE_GAP_MS = 220


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"))


# --------------------------------------------------------------------------------------------
# audio


class Fmt:
    def __init__(self, name, rate, bytes_per_ms, silence_ms):
        self.name = name  # beta name: pcm16 / g711_ulaw
        self.rate = rate
        self.bpms = bytes_per_ms
        self.silence_ms = silence_ms  # bytes of one ms of digital silence

    def silence(self, ms):
        return self.silence_ms * ms

    def ga_format(self):
        if self.name == "pcm16":
            return {"type": "audio/pcm", "rate": 24000}
        return {"type": "audio/pcmu"}


PCM16 = Fmt("pcm16", 24000, 48, b"\x00\x00" * 24)
ULAW = Fmt("g711_ulaw", 8000, 8, b"\xff" * 8)  # 0xFF = u-law code of 0


def _samples(raw):
    s = array("h")
    s.frombytes(raw)
    if sys.byteorder == "big":
        s.byteswap()
    return s


def _raw(samples):
    s = array("h", samples)
    if sys.byteorder == "big":
        s.byteswap()
    return s.tobytes()


def synth(text, voice, rate):
    """espeak-ng -> sox -> mono PCM16 LE at ``rate``, trimmed to the speech, whole ms long."""
    with tempfile.TemporaryDirectory() as d:
        wav = os.path.join(d, "tts.wav")
        subprocess.run(
            ["espeak-ng", "-v", voice["voice"], "-p", str(voice["pitch"]),
             "-s", str(voice["speed"]), "-w", wav, text],
            check=True,
        )
        raw = subprocess.run(
            ["sox", "-D", "-V1", wav, "-t", "raw", "-r", str(rate), "-c", "1",
             "-e", "signed-integer", "-b", "16", "-L", "-"],
            check=True, stdout=subprocess.PIPE,
        ).stdout
    s = _samples(raw)
    loud = [i for i, v in enumerate(s) if abs(v) > 300]
    spm = rate // 1000
    a = max(0, loud[0] - 10 * spm)
    b = min(len(s), loud[-1] + 40 * spm)
    b = a + (b - a) // spm * spm
    return _raw(s[a:b])


def pcm8k_to_ulaw(pcm):
    return subprocess.run(
        ["sox", "-D", "-V1", "-t", "raw", "-r", "8000", "-c", "1", "-e", "signed-integer",
         "-b", "16", "-L", "-", "-t", "raw", "-r", "8000", "-c", "1", "-e", "u-law", "-b", "8", "-"],
        input=pcm, check=True, stdout=subprocess.PIPE,
    ).stdout


def speech(text, voice, fmt):
    if fmt is PCM16:
        return synth(text, voice, 24000)
    return pcm8k_to_ulaw(synth(text, voice, 8000))


def b64(data):
    return base64.b64encode(data).decode("ascii")


# --------------------------------------------------------------------------------------------
# text helpers

TOKEN_RE = re.compile(r"\s*[^\s,.!?;:]+|[,.!?;:]")


def tokens(text):
    toks = TOKEN_RE.findall(text)
    assert "".join(toks) == text, (toks, text)
    return toks


def chunk_ms(rng, remaining):
    """Next chunk length in ms: 20..100, never leaving a tail shorter than 20 ms."""
    ms = min(rng.randint(20, 100), remaining)
    if 0 < remaining - ms < 20:
        ms = remaining - 20 if remaining >= 40 else remaining
    return ms


# --------------------------------------------------------------------------------------------
# ids


class Ids:
    """OpenAI-looking ids: prefix + 5 time-derived chars + 16 random alnum chars (21 total)."""

    def __init__(self, seed, epoch0):
        self.rng = random.Random(seed)
        self.epoch0 = epoch0

    def rand(self, n):
        return "".join(self.rng.choice(ALNUM) for _ in range(n))

    def stamp(self, t_ms):
        v = self.epoch0 + t_ms // 1000 - 1_600_000_000
        out = ""
        while v:
            v, r = divmod(v, 62)
            out = B62[r] + out
        return out.rjust(5, "0")[-5:]

    def make(self, prefix, t_ms):
        return prefix + self.stamp(t_ms) + self.rand(16)

    def call(self):
        return "call_" + self.rand(16)


# --------------------------------------------------------------------------------------------
# the simulator

NAMES = {
    "beta": {
        "audio_delta": "response.audio.delta",
        "audio_done": "response.audio.done",
        "tr_delta": "response.audio_transcript.delta",
        "tr_done": "response.audio_transcript.done",
        "item_added": "conversation.item.created",
        "content_audio": "audio",
    },
    "ga": {
        "audio_delta": "response.output_audio.delta",
        "audio_done": "response.output_audio.done",
        "tr_delta": "response.output_audio_transcript.delta",
        "tr_done": "response.output_audio_transcript.done",
        "item_added": "conversation.item.added",
        "content_audio": "output_audio",
    },
}

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name"}},
        "required": ["city"],
    },
}

TURN_DETECTION = {
    "type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 200,
    "idle_timeout_ms": None, "create_response": True, "interrupt_response": True,
}
PREFIX_PADDING_MS = 300
SILENCE_MS = 200


class Sim:
    """Builds one session as a list of timed events (ms since the session clock's zero).

    Timing and chunking use their own RNGs which are never consumed by dialect-specific code,
    so the beta and GA renderings of a script share audio chunks and timings.
    """

    def __init__(self, dialect, fmt, epoch0, id_seed, model, voice, instructions_created,
                 instructions, tools, mic_start_ms):
        self.dialect = dialect
        self.n = NAMES[dialect]
        self.fmt = fmt
        self.epoch0 = epoch0
        self.ids = Ids(id_seed, epoch0)
        self.rng = random.Random(20261120)  # timings
        self.crng = random.Random(777)  # chunk sizes
        self.model = model
        self.voice = voice
        self.instructions_created = instructions_created
        self.instructions = instructions
        self.tools = tools
        self.S0 = mic_start_ms
        self.recs = []
        self.seq = 0
        self.last_item = None
        self.user_segments = []
        self.turns = []
        self.responses = []
        self.assistant_items = []
        self.transcript = []
        self.interruptions = []
        self.latencies = []
        self.ctx_text = len(instructions) // 4 + 40 + (70 if tools else 0)
        self.ctx_audio = 0
        self.prev_input = 0
        self.rl_remaining = None

    # ---- emit helpers
    def emit(self, t, source, ev):
        self.recs.append((t, self.seq, source, ev))
        self.seq += 1
        return ev

    def sev(self, t, type_, **fields):
        ev = {"type": type_, "event_id": self.ids.make("event_", t)}
        ev.update(fields)
        return self.emit(t, "server", ev)

    def cev(self, t, ev):
        return self.emit(t, "client", ev)

    def item(self, id_, type_, **rest):
        o = {"id": id_}
        if self.dialect == "beta":
            o["object"] = "realtime.item"
        o["type"] = type_
        o.update(rest)
        return o

    def obf(self, delta):
        return self.ids.rand(max(2, 16 - len(delta)))

    # ---- session
    def session_obj(self, instructions):
        if self.dialect == "beta":
            return {
                "object": "realtime.session", "id": self.sess, "model": self.model,
                "modalities": ["audio", "text"], "instructions": instructions,
                "voice": self.voice, "output_audio_format": self.fmt.name,
                "tools": self.tools, "tool_choice": "auto", "temperature": 0.8,
                "max_response_output_tokens": "inf", "turn_detection": dict(TURN_DETECTION),
                "speed": 1.0, "tracing": None, "truncation": "auto", "prompt": None,
                "expires_at": self.expires_at, "input_audio_noise_reduction": None,
                "input_audio_format": self.fmt.name,
                "input_audio_transcription": {"model": "whisper-1", "language": None, "prompt": None},
                "client_secret": None, "include": None,
            }
        return {
            "type": "realtime", "object": "realtime.session", "id": self.sess, "model": self.model,
            "output_modalities": ["audio"], "instructions": instructions, "tools": self.tools,
            "tool_choice": "auto", "max_output_tokens": "inf", "tracing": None,
            "truncation": "auto", "prompt": None, "expires_at": self.expires_at,
            "audio": {
                "input": {
                    "format": self.fmt.ga_format(),
                    "transcription": {"model": "whisper-1", "language": None, "prompt": None},
                    "noise_reduction": None,
                    "turn_detection": dict(TURN_DETECTION),
                },
                "output": {"format": self.fmt.ga_format(), "voice": self.voice, "speed": 1.0},
            },
            "include": None,
        }

    def session_update(self):
        if self.dialect == "beta":
            s = {
                "instructions": self.instructions, "voice": self.voice,
                "input_audio_format": self.fmt.name, "output_audio_format": self.fmt.name,
                "input_audio_transcription": {"model": "whisper-1"},
                "turn_detection": {"type": "server_vad", "create_response": True,
                                   "interrupt_response": True},
            }
        else:
            s = {
                "type": "realtime", "instructions": self.instructions,
                "output_modalities": ["audio"],
                "audio": {
                    "input": {
                        "format": self.fmt.ga_format(),
                        "turn_detection": {"type": "server_vad", "create_response": True,
                                           "interrupt_response": True},
                        "transcription": {"model": "whisper-1"},
                    },
                    "output": {"format": self.fmt.ga_format(), "voice": self.voice},
                },
            }
        if self.tools:
            s["tools"] = self.tools
        return {"type": "session.update", "session": s}

    def start(self, t_created):
        self.sess = self.ids.make("sess_", t_created)
        self.conv = self.ids.make("conv_", t_created)
        self.expires_at = self.epoch0 + t_created // 1000 + 1800
        self.sev(t_created, "session.created", session=self.session_obj(self.instructions_created))
        t_upd = t_created + self.rng.randint(15, 30)
        self.cev(t_upd, self.session_update())
        self.sev(t_upd + self.rng.randint(140, 190), "session.updated",
                 session=self.session_obj(self.instructions))
        self.session_truth = {
            "id": self.sess,
            "model": self.model,
            "voice": self.voice,
            "input_audio_format": self.fmt.name if self.dialect == "beta" else self.fmt.ga_format(),
            "output_audio_format": self.fmt.name if self.dialect == "beta" else self.fmt.ga_format(),
            "transcription_model": "whisper-1",
            "turn_detection": dict(TURN_DETECTION),
            "tools": [t["name"] for t in self.tools],
            "tool_definitions": self.tools,
            "instructions": self.instructions,
            "conversation_id": self.conv,
        }

    # ---- response objects / usage
    def resp_obj(self, rid, status, status_details, output, usage):
        if self.dialect == "beta":
            return {
                "object": "realtime.response", "id": rid, "status": status,
                "status_details": status_details, "output": output,
                "conversation_id": self.conv, "modalities": ["audio", "text"],
                "voice": self.voice, "output_audio_format": self.fmt.name, "temperature": 0.8,
                "max_output_tokens": "inf", "usage": usage, "metadata": None,
            }
        return {
            "object": "realtime.response", "id": rid, "status": status,
            "status_details": status_details, "output": output, "conversation_id": self.conv,
            "output_modalities": ["audio"], "max_output_tokens": "inf",
            "audio": {"output": {"format": self.fmt.ga_format(), "voice": self.voice}},
            "usage": usage, "metadata": None,
        }

    def usage(self, out_text, out_audio):
        in_text, in_audio = self.ctx_text, self.ctx_audio
        inp = in_text + in_audio
        cached = min(inp, self.prev_input // 64 * 64)
        c_text = min(cached, in_text)
        c_audio = cached - c_text
        self.prev_input = inp
        out = out_text + out_audio
        return {
            "total_tokens": inp + out, "input_tokens": inp, "output_tokens": out,
            "input_token_details": {
                "text_tokens": in_text, "audio_tokens": in_audio, "image_tokens": 0,
                "cached_tokens": cached,
                "cached_tokens_details": {"text_tokens": c_text, "audio_tokens": c_audio,
                                          "image_tokens": 0},
            },
            "output_token_details": {"text_tokens": out_text, "audio_tokens": out_audio},
        }

    def rate_limits(self, t, reserve):
        if self.dialect == "beta":
            if self.rl_remaining is None:
                self.rl_remaining = 800000
            self.rl_remaining -= reserve
            rl = [
                {"name": "requests", "limit": 5000, "remaining": 4999, "reset_seconds": 0.012},
                {"name": "tokens", "limit": 800000, "remaining": self.rl_remaining,
                 "reset_seconds": round(reserve * 60 / 800000, 3)},
            ]
        else:
            if self.rl_remaining is None:
                self.rl_remaining = 15000000
            self.rl_remaining -= reserve
            rl = [{"name": "tokens", "limit": 15000000, "remaining": self.rl_remaining,
                   "reset_seconds": round(reserve * 60 / 15000000, 3)}]
        self.sev(t, "rate_limits.updated", rate_limits=rl)

    # ---- user side
    def user_turn(self, onset, audio, text, det=None):
        """User speech placed at input-stream ms ``onset``; VAD, commit, item, transcription."""
        fmt = self.fmt
        dur = len(audio) // fmt.bpms
        for o, a in self.user_segments:
            assert onset >= o + len(a) // fmt.bpms + 300, "user speech overlaps"
        self.user_segments.append((onset, audio))
        if det is None:
            det = self.rng.randint(130, 210)
        t_ss = self.S0 + onset + det
        start_ms = max(0, (onset - PREFIX_PADDING_MS) // 20 * 20)
        end_ms = math.ceil((onset + dur + SILENCE_MS) / 32) * 32
        t_st = self.S0 + end_ms + self.rng.randint(110, 170)
        iid = self.ids.make("item_", t_ss)
        self.sev(t_ss, "input_audio_buffer.speech_started", audio_start_ms=start_ms, item_id=iid)
        self.sev(t_st, "input_audio_buffer.speech_stopped", audio_end_ms=end_ms, item_id=iid)
        prev = self.last_item
        self.sev(t_st + 3, "input_audio_buffer.committed", previous_item_id=prev, item_id=iid)
        uitem = self.item(iid, "message", status="completed", role="user",
                          content=[{"type": "input_audio", "transcript": None}])
        self.sev(t_st + 4, self.n["item_added"], previous_item_id=prev, item=uitem)
        if self.dialect == "ga":
            self.sev(t_st + 5, "conversation.item.done", previous_item_id=prev, item=uitem)
        self.last_item = iid
        # asynchronous input transcription (whisper-1), arrives while the response streams
        t = t_st + self.rng.randint(260, 420)
        for tok in tokens(" " + text):
            self.sev(t, "conversation.item.input_audio_transcription.delta", item_id=iid,
                     content_index=0, delta=tok, obfuscation=self.obf(tok))
            t += self.rng.randint(25, 70)
        t += self.rng.randint(15, 45)
        self.sev(t, "conversation.item.input_audio_transcription.completed", item_id=iid,
                 content_index=0, transcript=text,
                 usage={"type": "duration", "seconds": math.ceil((end_ms - start_ms) / 1000)})
        self.ctx_audio += math.ceil(dur / 100)
        turn = {
            "item_id": iid, "text": text, "audio_start_ms": start_ms, "audio_end_ms": end_ms,
            "speech_onset_ms": onset, "speech_offset_ms": onset + dur,
            "speech_started_t": t_ss, "speech_stopped_t": t_st,
        }
        self.turns.append(turn)
        self.transcript.append({"role": "user", "text": text, "heard_text": None})
        return turn

    # ---- assistant audio response
    def audio_response(self, t_created, first_audio_t, clauses, clause_audio, speed,
                       turn, cancel_at=None):
        fmt, rng = self.fmt, self.rng
        rid = self.ids.make("resp_", t_created)
        self.sev(t_created, "response.created",
                 response=self.resp_obj(rid, "in_progress", None, [], None))
        if self.dialect == "beta":
            self.rate_limits(t_created + 1, 0)  # placeholder, fixed below
            rl_ev = self.recs[-1][3]
        t_item = first_audio_t - rng.randint(70, 130)
        assert t_item > t_created + 5
        iid = self.ids.make("item_", t_item)
        it0 = self.item(iid, "message", status="in_progress", role="assistant", content=[])
        self.sev(t_item, "response.output_item.added", response_id=rid, output_index=0, item=it0)
        prev = self.last_item
        self.sev(t_item + 1, self.n["item_added"], previous_item_id=prev, item=dict(it0))
        self.last_item = iid
        self.sev(t_item + 2, "response.content_part.added", response_id=rid, item_id=iid,
                 output_index=0, content_index=0, part={"type": "audio", "transcript": ""})

        # full generated audio, clause bounds in ms
        gap = fmt.silence(CLAUSE_GAP_MS)
        bounds, pos = [], 0
        for a in clause_audio:
            d = len(a) // fmt.bpms
            bounds.append((pos, pos + d))
            pos += d + CLAUSE_GAP_MS
        audio = gap.join(clause_audio)
        total_ms = len(audio) // fmt.bpms

        # chunks (20..100 ms) and their send times (bursts, faster than real time)
        chunks, off = [], 0
        while off < total_ms:
            ms = chunk_ms(self.crng, total_ms - off)
            chunks.append((off, ms))
            off += ms
        times, i, prev_t = [], 0, first_audio_t
        while i < len(chunks):
            bt = max(prev_t, first_audio_t + int(chunks[i][0] / speed))
            for _ in range(rng.randint(2, 6)):
                if i >= len(chunks):
                    break
                times.append(bt)
                prev_t = bt
                bt += rng.randint(0, 2)
                i += 1

        # transcript tokens with their (estimated) position in the audio; a token is sent just
        # before the audio chunk that plays ~250 ms before it (the transcript leads the audio)
        toks = []
        for ci, text in enumerate(clauses):
            cstart, cend = bounds[ci]
            prefix = "" if ci == 0 else " "
            ctoks = tokens(prefix + text)
            full = prefix + text
            c = 0
            for tk in ctoks:
                p = cstart + int((cend - cstart) * c / len(full))
                toks.append((tk, p))
                c += len(tk)
        full_text = "".join(t for t, _ in toks)
        assert full_text == " ".join(clauses)
        seq = []  # (t, kind, payload)
        ti = 0
        for ci, (coff, cms) in enumerate(chunks):
            while ti < len(toks) and toks[ti][1] - 250 < coff + cms:
                seq.append((times[ci], "tr", toks[ti][0]))
                ti += 1
            seq.append((times[ci], "au", audio[coff * fmt.bpms:(coff + cms) * fmt.bpms]))
        while ti < len(toks):
            seq.append((times[-1], "tr", toks[ti][0]))
            ti += 1

        if cancel_at is not None:
            seq = [s for s in seq if s[0] < cancel_at]
        sent_audio = b""
        sent_text = ""
        for t, kind, payload in seq:
            if kind == "tr":
                self.sev(t, self.n["tr_delta"], response_id=rid, item_id=iid, output_index=0,
                         content_index=0, delta=payload, obfuscation=self.obf(payload))
                sent_text += payload
            else:
                self.sev(t, self.n["audio_delta"], response_id=rid, item_id=iid, output_index=0,
                         content_index=0, delta=b64(payload))
                sent_audio += payload
        t_end = (cancel_at + 6) if cancel_at is not None else seq[-1][0] + rng.randint(8, 25)
        self.sev(t_end, self.n["audio_done"], response_id=rid, item_id=iid, output_index=0,
                 content_index=0)
        self.sev(t_end + 1, self.n["tr_done"], response_id=rid, item_id=iid, output_index=0,
                 content_index=0, transcript=sent_text)
        self.sev(t_end + 2, "response.content_part.done", response_id=rid, item_id=iid,
                 output_index=0, content_index=0, part={"type": "audio", "transcript": sent_text})
        status = "completed" if cancel_at is None else "incomplete"
        fin = self.item(iid, "message", status=status, role="assistant",
                        content=[{"type": self.n["content_audio"], "transcript": sent_text}])
        if self.dialect == "ga":
            self.sev(t_end + 3, "conversation.item.done", previous_item_id=prev, item=fin)
        self.sev(t_end + 4, "response.output_item.done", response_id=rid, output_index=0,
                 item=fin)
        sent_ms = len(sent_audio) // fmt.bpms
        out_text = len(tokens(sent_text)) + 4
        out_audio = math.ceil(sent_ms * 20 / 1000)
        usage = self.usage(out_text, out_audio)
        if cancel_at is None:
            rstatus, details = "completed", None
        else:
            rstatus, details = "cancelled", {"type": "cancelled", "reason": "turn_detected"}
        self.sev(t_end + 6, "response.done",
                 response=self.resp_obj(rid, rstatus, details, [fin], usage))
        reserve = usage["input_tokens"] + 4096
        if self.dialect == "beta":
            self.rl_remaining = (self.rl_remaining or 800000) - reserve
            rl_ev["rate_limits"][1]["remaining"] = self.rl_remaining
            rl_ev["rate_limits"][1]["reset_seconds"] = round(reserve * 60 / 800000, 3)
        else:
            self.rate_limits(t_end + 7, reserve)

        info = {
            "response_id": rid, "item_id": iid, "status": rstatus, "created_t": t_created,
            "done_t": t_end + 6,
            "audio": sent_audio, "audio_ms": sent_ms, "generated_ms": total_ms,
            "clauses": clauses, "bounds": bounds, "text": sent_text, "usage": usage,
            "turn": turn, "prev_item": prev,
        }
        first_audio = [s for s in seq if s[1] == "au"][0][0]
        info["first_audio_t"] = first_audio
        info["play_end_t"] = first_audio + sent_ms  # overwritten on truncation
        self.responses.append(info)
        # context: the model's own transcript and audio become input for the next turns
        self.ctx_text += len(tokens(sent_text))
        self.ctx_audio += math.ceil(sent_ms / 100)
        return info

    def truncate(self, info, t_client, audio_end_ms):
        """Client barge-in handling: truncate what was played; server confirms."""
        self.cev(t_client, {"type": "conversation.item.truncate", "item_id": info["item_id"],
                            "content_index": 0, "audio_end_ms": audio_end_ms})
        self.sev(t_client + self.rng.randint(35, 60), "conversation.item.truncated",
                 item_id=info["item_id"], content_index=0, audio_end_ms=audio_end_ms)
        info["truncated_ms"] = audio_end_ms
        info["play_end_t"] = t_client
        # the server drops the unheard audio and the transcript from the context
        self.ctx_text -= len(tokens(info["text"]))
        self.ctx_audio -= math.ceil(info["audio_ms"] / 100) - math.ceil(audio_end_ms / 100)
        self.interruptions.append({"item_id": info["item_id"], "audio_end_ms": audio_end_ms})

    # ---- function call response (no audio)
    def function_call_response(self, t_created, name, arg_deltas, turn):
        rng = self.rng
        rid = self.ids.make("resp_", t_created)
        self.sev(t_created, "response.created",
                 response=self.resp_obj(rid, "in_progress", None, [], None))
        if self.dialect == "beta":
            self.rate_limits(t_created + 1, 0)
            rl_ev = self.recs[-1][3]
        t = t_created + rng.randint(150, 210)
        iid = self.ids.make("item_", t)
        call_id = self.ids.call()
        it0 = self.item(iid, "function_call", status="in_progress", name=name, call_id=call_id,
                        arguments="")
        self.sev(t, "response.output_item.added", response_id=rid, output_index=0, item=it0)
        prev = self.last_item
        self.sev(t + 1, self.n["item_added"], previous_item_id=prev, item=dict(it0))
        self.last_item = iid
        t += rng.randint(20, 40)
        for d in arg_deltas:
            self.sev(t, "response.function_call_arguments.delta", response_id=rid, item_id=iid,
                     output_index=0, call_id=call_id, delta=d, obfuscation=self.obf(d))
            t += rng.randint(6, 18)
        args = "".join(arg_deltas)
        self.sev(t, "response.function_call_arguments.done", response_id=rid, item_id=iid,
                 output_index=0, call_id=call_id, name=name, arguments=args)
        fin = self.item(iid, "function_call", status="completed", name=name, call_id=call_id,
                        arguments=args)
        if self.dialect == "ga":
            self.sev(t + 1, "conversation.item.done", previous_item_id=prev, item=fin)
        self.sev(t + 2, "response.output_item.done", response_id=rid, output_index=0, item=fin)
        out_text = len(arg_deltas) + 9
        usage = self.usage(out_text, 0)
        self.sev(t + 4, "response.done",
                 response=self.resp_obj(rid, "completed", None, [fin], usage))
        reserve = usage["input_tokens"] + 4096
        if self.dialect == "beta":
            self.rl_remaining = (self.rl_remaining or 800000) - reserve
            rl_ev["rate_limits"][1]["remaining"] = self.rl_remaining
            rl_ev["rate_limits"][1]["reset_seconds"] = round(reserve * 60 / 800000, 3)
        else:
            self.rate_limits(t + 5, reserve)
        self.ctx_text += out_text
        info = {"response_id": rid, "item_id": iid, "status": "completed", "created_t": t_created,
                "done_t": t + 4, "audio": b"", "audio_ms": 0, "call_id": call_id, "name": name,
                "arguments": args, "usage": usage, "turn": turn, "first_audio_t": None}
        self.responses.append(info)
        self.transcript.append({"role": "assistant", "type": "function_call", "name": name,
                                "call_id": call_id, "arguments": args})
        return info

    def tool_output(self, t, call_id, output):
        """Client returns the tool result and asks for a new response; server echoes the item."""
        self.cev(t, {"type": "conversation.item.create",
                     "item": {"type": "function_call_output", "call_id": call_id,
                              "output": output}})
        self.cev(t + 1, {"type": "response.create"})
        t_echo = t + self.rng.randint(25, 40)
        iid = self.ids.make("item_", t_echo)
        prev = self.last_item
        it = self.item(iid, "function_call_output", call_id=call_id, output=output)
        self.sev(t_echo, self.n["item_added"], previous_item_id=prev, item=it)
        if self.dialect == "ga":
            self.sev(t_echo + 1, "conversation.item.done", previous_item_id=prev, item=dict(it))
        self.last_item = iid
        self.ctx_text += len(output) // 3
        self.transcript.append({"role": "tool", "call_id": call_id, "output": output})
        return t_echo + 2

    def cancel_error(self, t):
        self.cev(t, {"type": "response.cancel"})
        self.sev(t + self.rng.randint(30, 50), "error", error={
            "type": "invalid_request_error", "code": "response_cancel_not_active",
            "message": "Cancellation failed: no active response found", "param": None,
            "event_id": None})

    # ---- input stream
    def finish_input(self, end_ms):
        fmt, rng = self.fmt, self.rng
        stream = bytearray(fmt.silence(end_ms))
        for onset, a in self.user_segments:
            assert onset * fmt.bpms + len(a) <= len(stream)
            stream[onset * fmt.bpms:onset * fmt.bpms + len(a)] = a
        stream = bytes(stream)
        off, prev_t = 0, 0
        while off < end_ms:
            ms = chunk_ms(self.crng, end_ms - off)
            t = max(prev_t, self.S0 + off + ms + rng.randint(0, 3))
            prev_t = t
            self.cev(t, {"type": "input_audio_buffer.append",
                         "audio": b64(stream[off * fmt.bpms:(off + ms) * fmt.bpms])})
            off += ms
        self.input_stream = stream

    def ordered(self):
        return sorted(self.recs, key=lambda r: (r[0], r[1]))


# --------------------------------------------------------------------------------------------
# conversations

MAIN_INSTR_CREATED = "You are a helpful, friendly voice assistant."
MAIN_INSTR = ("You are a friendly travel assistant for Paris. Answer in one or two short "
              "sentences. Use the get_weather tool for weather questions.")

MAIN_USER = [
    "Hi there, can you hear me?",
    "What's the weather like in Paris today?",
    "Tell me about the Eiffel Tower.",
    "Wait, how tall is it?",
]
MAIN_ASSISTANT = [
    ["Yes, loud and clear.", "How can I help?"],
    ["It is sunny and twenty two degrees in Paris."],
    ["It opened in eighteen eighty nine.",
     "It is about three hundred and thirty meters tall,",
     "and it was the tallest structure in the world for forty years."],
    ["About three hundred and thirty meters."],
]
WEATHER_ARGS = ["{\"", "city", "\":\"", "Paris", "\"}"]
WEATHER_OUTPUT = "{\"city\":\"Paris\",\"condition\":\"sunny\",\"temperature_c\":22}"
# speech_stopped -> first assistant audio delta, per user turn (turn 2: of the answer that
# follows the tool call)
MAIN_LATENCY = [612, 871, 538, 397]


def main_conversation(dialect, audio):
    fmt = PCM16
    if dialect == "beta":
        sim = Sim("beta", fmt, BETA_EPOCH, 1001, "gpt-4o-realtime-preview-2025-06-03", "verse",
                  MAIN_INSTR_CREATED, MAIN_INSTR, [WEATHER_TOOL], mic_start_ms=452)
    else:
        sim = Sim("ga", fmt, GA_EPOCH, 2002, "gpt-realtime-2025-08-28", "marin",
                  MAIN_INSTR_CREATED, MAIN_INSTR, [WEATHER_TOOL], mic_start_ms=452)
    rng = sim.rng
    S0 = sim.S0
    sim.start(183)
    users, asst = audio["user"], audio["assistant"]

    # turn 1: greeting
    u = sim.user_turn(420, users[0], MAIN_USER[0])
    r = sim.audio_response(u["speech_stopped_t"] + rng.randint(12, 25),
                           u["speech_stopped_t"] + MAIN_LATENCY[0], MAIN_ASSISTANT[0], asst[0],
                           2.6, u)
    sim.latencies.append(r["first_audio_t"] - u["speech_stopped_t"])
    u["response_id"] = r["response_id"]
    # the client's "stop" button races the end of generation: nothing left to cancel
    sim.cancel_error(r["done_t"] + 14)

    # turn 2: weather -> tool call -> spoken answer
    u = sim.user_turn(r["play_end_t"] - S0 + 360, users[1], MAIN_USER[1])
    fc = sim.function_call_response(u["speech_stopped_t"] + rng.randint(12, 25), "get_weather",
                                    WEATHER_ARGS, u)
    u["response_id"] = fc["response_id"]
    t_next = sim.tool_output(fc["done_t"] + rng.randint(120, 160), fc["call_id"], WEATHER_OUTPUT)
    r = sim.audio_response(t_next + rng.randint(5, 12), u["speech_stopped_t"] + MAIN_LATENCY[1],
                           MAIN_ASSISTANT[1], asst[1], 2.3, u)
    sim.latencies.append(r["first_audio_t"] - u["speech_stopped_t"])

    # turn 3: long answer, interrupted by turn 4 while it is still being played
    u = sim.user_turn(r["play_end_t"] - S0 + 390, users[2], MAIN_USER[2])
    first = u["speech_stopped_t"] + MAIN_LATENCY[2]
    clause1_ms = len(asst[2][0]) // fmt.bpms
    heard_ms = clause1_ms + 90  # the user cuts in during the pause after the first sentence
    det = 160
    t_barge = first + heard_ms - 2  # server speech_started for turn 4
    onset4 = t_barge - det - S0
    r = sim.audio_response(u["speech_stopped_t"] + rng.randint(12, 25), first,
                           MAIN_ASSISTANT[2], asst[2], 1.45, u, cancel_at=t_barge)
    sim.latencies.append(r["first_audio_t"] - u["speech_stopped_t"])
    u["response_id"] = r["response_id"]
    assert r["audio_ms"] > heard_ms, "not enough audio sent before the barge-in"
    b = r["bounds"]
    assert b[0][1] < heard_ms < b[1][0], "truncation point must fall between sentences"
    u4 = sim.user_turn(onset4, users[3], MAIN_USER[3], det=det)
    assert u4["speech_started_t"] == t_barge
    sim.truncate(r, t_barge + 2, heard_ms)
    r["heard_text"] = MAIN_ASSISTANT[2][0]

    # turn 4
    u = u4
    r = sim.audio_response(u["speech_stopped_t"] + rng.randint(12, 25),
                           u["speech_stopped_t"] + MAIN_LATENCY[3], MAIN_ASSISTANT[3], asst[3],
                           2.8, u)
    sim.latencies.append(r["first_audio_t"] - u["speech_stopped_t"])
    u["response_id"] = r["response_id"]

    sim.finish_input(r["play_end_t"] - S0 + 320)
    return sim


ULAW_INSTR_CREATED = "You are a helpful, friendly voice assistant."
ULAW_INSTR = "You are the phone assistant of an online shop. Keep answers very short."
ULAW_USER = ["Hello, I'd like to check my order.", "It's four five six seven."]
ULAW_ASSISTANT = [["Sure, what is your order number?"],
                  ["Thanks!", "Order four five six seven ships tomorrow."]]
ULAW_LATENCY = [655, 583]


def ulaw_conversation(audio):
    sim = Sim("beta", ULAW, ULAW_EPOCH, 3003, "gpt-4o-realtime-preview-2025-06-03", "shimmer",
              ULAW_INSTR_CREATED, ULAW_INSTR, [], mic_start_ms=391)
    rng, S0 = sim.rng, sim.S0
    sim.start(176)
    p = 510
    for i in range(2):
        u = sim.user_turn(p, audio["user"][i], ULAW_USER[i])
        r = sim.audio_response(u["speech_stopped_t"] + rng.randint(12, 25),
                               u["speech_stopped_t"] + ULAW_LATENCY[i], ULAW_ASSISTANT[i],
                               audio["assistant"][i], 2.5, u)
        sim.latencies.append(r["first_audio_t"] - u["speech_stopped_t"])
        u["response_id"] = r["response_id"]
        p = r["play_end_t"] - S0 + 520
    sim.finish_input(r["play_end_t"] - S0 + 400)
    return sim


# --------------------------------------------------------------------------------------------
# rendering + truth


def iso(epoch0, t_ms):
    dt = datetime.datetime.fromtimestamp(epoch0, datetime.timezone.utc) + \
        datetime.timedelta(milliseconds=t_ms)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def render(sim, envelope):
    lines = []
    for t, _, source, ev in sim.ordered():
        if envelope == "bare":
            obj = ev
        elif envelope == "time_source_event":
            obj = {"time": iso(sim.epoch0, t), "source": source, "event": ev}
        elif envelope == "kind_direction_data":
            obj = {"kind": "message", "direction": "sent" if source == "client" else "received",
                   "data": ev}
        else:
            raise ValueError(envelope)
        lines.append(dumps(obj))
    return "\n".join(lines) + "\n"


def truth(sim, name, envelope, timed):
    fmt = sim.fmt
    recs = sim.ordered()
    counts, dirs, errors = {}, {"client": 0, "server": 0}, []
    for n, (t, _, source, ev) in enumerate(recs, 1):
        counts[ev["type"]] = counts.get(ev["type"], 0) + 1
        dirs[source] += 1
        if ev["type"] == "error":
            e = ev["error"]
            errors.append({"line": n, "type": e["type"], "code": e["code"],
                           "message": e["message"]})
    statuses = {"total": 0, "completed": 0, "cancelled": 0, "incomplete": 0, "failed": 0,
                "unfinished": 0}
    usage = dict.fromkeys(["input_tokens", "output_tokens", "total_tokens", "cached_tokens",
                           "input_text_tokens", "input_audio_tokens", "output_text_tokens",
                           "output_audio_tokens"], 0)
    fcalls = {}
    output_audio = b""
    heard_bytes_total = 0
    items, resp_details = [], []
    for r in sim.responses:
        statuses["total"] += 1
        statuses[r["status"]] += 1
        u = r["usage"]
        usage["input_tokens"] += u["input_tokens"]
        usage["output_tokens"] += u["output_tokens"]
        usage["total_tokens"] += u["total_tokens"]
        usage["cached_tokens"] += u["input_token_details"]["cached_tokens"]
        usage["input_text_tokens"] += u["input_token_details"]["text_tokens"]
        usage["input_audio_tokens"] += u["input_token_details"]["audio_tokens"]
        usage["output_text_tokens"] += u["output_token_details"]["text_tokens"]
        usage["output_audio_tokens"] += u["output_token_details"]["audio_tokens"]
        rd = {"response_id": r["response_id"], "status": r["status"],
              "item_ids": [r["item_id"]], "usage": u}
        if r.get("name"):
            fcalls[r["name"]] = fcalls.get(r["name"], 0) + 1
            rd["output_type"] = "function_call"
        else:
            rd["output_type"] = "message"
            output_audio += r["audio"]
            heard = len(r["audio"])
            if "truncated_ms" in r:
                heard = min(heard, r["truncated_ms"] * fmt.bpms)
            heard_bytes_total += heard
            items.append({
                "item_id": r["item_id"], "response_id": r["response_id"],
                "status": "incomplete" if r["status"] == "cancelled" else "completed",
                "audio_bytes": len(r["audio"]), "heard_bytes": heard,
                "audio_seconds": len(r["audio"]) / (fmt.bpms * 1000),
                "heard_seconds": heard / (fmt.bpms * 1000),
                "truncated": "truncated_ms" in r,
                "audio_end_ms": r.get("truncated_ms"),
                "transcript": r["text"],
                "heard_text": r.get("heard_text"),
                "generated_text": " ".join(r["clauses"]),
                "generated_audio_seconds": r["generated_ms"] / 1000,
            })
        resp_details.append(rd)
    msg_items = [r for r in sim.responses if not r.get("name")]
    transcript = conversation_order(sim)
    inp = sim.input_stream
    bps = fmt.bpms * 1000
    first_t, last_t = recs[0][0], recs[-1][0]
    out = {
        "file": name + ".jsonl",
        "dialect": sim.dialect,
        "envelope": envelope,
        "events": len(recs),
        "event_counts": dict(sorted(counts.items())),
        "directions": dirs,
        "user_turns": len(sim.turns),
        "user_turn_details": [
            {k: v for k, v in t.items() if not k.endswith("_t")} for t in sim.turns
        ],
        "responses": statuses,
        "response_details": resp_details,
        "interruptions": sim.interruptions,
        "function_calls": fcalls,
        "usage": usage,
        "audio": {
            "input_bytes": len(inp),
            "output_bytes": len(output_audio),
            "output_heard_bytes": heard_bytes_total,
            "input_sha256": hashlib.sha256(inp).hexdigest(),
            "output_sha256": hashlib.sha256(output_audio).hexdigest(),
            "input_seconds": len(inp) / bps,
            "output_seconds": len(output_audio) / bps,
            "output_heard_seconds": heard_bytes_total / bps,
            "input_rate": fmt.rate,
            "output_rate": fmt.rate,
            "encoding": fmt.name,
            "channels": 1,
            "sample_width_bytes": 2 if fmt is PCM16 else 1,
        },
        "assistant_items": items,
        "transcript": transcript,
        "latency_ms": list(sim.latencies) if timed else None,
        "errors": errors,
        "span": ({"start": sim.epoch0 + first_t / 1000, "end": sim.epoch0 + last_t / 1000,
                  "seconds": (last_t - first_t) / 1000} if timed else None),
        "session": sim.session_truth,
        "conventions": CONVENTIONS,
    }
    if timed:
        out["latency_detail"] = [
            {"user_item_id": t["item_id"],
             "speech_stopped": iso(sim.epoch0, t["speech_stopped_t"]),
             "first_audio_response_id": r["response_id"],
             "first_audio_delta": iso(sim.epoch0, r["first_audio_t"]),
             "latency_ms": r["first_audio_t"] - t["speech_stopped_t"]}
            for t, r in zip(sim.turns, msg_items)
        ]
    return out


CONVENTIONS = {
    "audio_start_ms": "speech onset in the appended input stream minus prefix_padding_ms (300), "
                      "rounded down to 20 ms; user_turn_details.speech_onset_ms is the real onset",
    "audio_end_ms": "speech offset + silence_duration_ms (200), rounded up to 32 ms",
    "heard_text": "only for truncated assistant items: the sentences that were completely "
                  "played before audio_end_ms (audio_end_ms falls in the pause after them); "
                  "null otherwise",
    "output_heard": "output audio with each truncated item cut at audio_end_ms",
    "latency_ms": "per user turn: speech_stopped -> first assistant audio delta answering it; "
                  "for the tool-call turn that is the first delta of the response created "
                  "after the function_call_output (the triggered response has no audio)",
    "usage": "sums over all response.done events",
    "errors.line": "1-based line number in the .jsonl file",
    "span": "epoch seconds of the first and last line (timestamped files only)",
}


def conversation_order(sim):
    """User, function-call, tool and assistant entries in conversation (item) order."""
    entries = []  # (t_order, entry)
    for t in sim.turns:
        entries.append((t["speech_stopped_t"], 0, {"role": "user", "text": t["text"],
                                                    "heard_text": None}))
    for r in sim.responses:
        if r.get("name"):
            entries.append((r["created_t"], 1, {"role": "assistant", "type": "function_call",
                                                "name": r["name"], "call_id": r["call_id"],
                                                "arguments": r["arguments"]}))
        else:
            entries.append((r["created_t"], 3, {"role": "assistant", "text": r["text"],
                                                "heard_text": r.get("heard_text")}))
    for e in sim.transcript:
        if e["role"] == "tool":
            fc = [r for r in sim.responses if r.get("call_id") == e["call_id"]][0]
            entries.append((fc["done_t"], 2, dict(e)))
    entries.sort(key=lambda x: (x[0], x[1]))
    return [e for _, _, e in entries]


def write(name, sim, envelope, timed):
    text = render(sim, envelope)
    with open(os.path.join(HERE, name + ".jsonl"), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    tr = truth(sim, name, envelope, timed)
    with open(os.path.join(HERE, name + ".truth.json"), "w", encoding="utf-8",
              newline="\n") as f:
        f.write(json.dumps(tr, indent=2) + "\n")
    size = len(text.encode("utf-8"))
    print("%-20s %5d lines %9d bytes  in %.2fs out %.2fs" % (
        name + ".jsonl", tr["events"], size, tr["audio"]["input_seconds"],
        tr["audio"]["output_seconds"]))
    return size


def main():
    for tool in ("espeak-ng", "sox"):
        if not shutil.which(tool):
            sys.exit("%s not found (apt-get install -y espeak-ng sox)" % tool)
    main_audio = {
        "user": [speech(t, USER_VOICE, PCM16) for t in MAIN_USER],
        "assistant": [[speech(c, ASSISTANT_VOICE, PCM16) for c in cl] for cl in MAIN_ASSISTANT],
    }
    ulaw_audio = {
        "user": [speech(t, USER_VOICE, ULAW) for t in ULAW_USER],
        "assistant": [[speech(c, ASSISTANT_VOICE, ULAW) for c in cl] for cl in ULAW_ASSISTANT],
    }
    sizes = {
        "beta_session": write("beta_session", main_conversation("beta", main_audio), "bare",
                              False),
        "ga_session": write("ga_session", main_conversation("ga", main_audio),
                            "time_source_event", True),
        "ulaw_session": write("ulaw_session", ulaw_conversation(ulaw_audio),
                              "kind_direction_data", False),
    }
    assert sizes["beta_session"] < 2_000_000 and sizes["ga_session"] < 2_000_000
    assert sizes["ulaw_session"] < 300_000


if __name__ == "__main__":
    main()
