#!/usr/bin/env python3
"""Generator of GA Realtime logs with known turn-taking, for rtlog's "how it felt" metrics.

``gen_session.py`` makes long, realistic logs for speed; this one makes short logs whose every
interval is chosen, and writes what it put in: each user turn's speech, the response gap, who
talked over whom and for how long, how long the assistant took to yield and what stopped it,
false barge-ins, unanswered turns, the latency steps of each turn, tool round trips, each
response's delivery (stalls) and the VAD segmentation::

    import io
    from bench.gen_turns import generate          # or put bench/ on sys.path
    buf = io.BytesIO()
    truth = generate(buf, seed=3)                   # truth["turns"], truth["talk_over_ms"], …

CLI: ``python bench/gen_turns.py OUT.jsonl [--seed N] [--no-timestamps] [--chunk-ms 100] [--tone]``
writes OUT.jsonl and OUT.truth.json.

The script: a microphone that streams 100 ms appends all along (so VAD offsets are times),
server VAD (``silence_duration_ms`` 500), and a sequence of turns of these kinds, their
lengths and delays drawn from ``seed``: ``normal``; ``tool`` (a function call round trip);
an answer cut by the next turn's speech (``truncate``: the client truncates; ``clear``:
``output_audio_buffer.cleared``; ``overlap``: the user talks over its last part and it plays
on); interrupting turns that are false barge-ins (``cough``: 200 ms, committed, answered;
``hmm``: a one-word transcript and no answer; ``false_start``: never committed); an
``unanswered`` turn, a ``late`` answer (after 6 s), an answer that starts while the user is
still speaking (``early``: the agent interrupts; the pause before it is one the VAD cut the
user off at), and a ``stall`` (audio delivered in real time with one delta 300 ms late).
Times are whole milliseconds from the first event (t=0); timestamps are epoch seconds.
With ``tone=True`` the assistant speaks a 1 kHz tone after a leading silence (one response
in four clipped, one with 700 ms of silence inside) and the truth holds the levels of every
sample sent, computed the plain way, and each response's leading and long silences.
"""

from __future__ import annotations

import argparse
import array
import base64
import math
import random
import sys
from typing import Any, BinaryIO

import orjson

BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
RATE = 24000
MIC_START = 100  # the first append (ms); VAD offsets count from it
MIC_CHUNK = 100
SILENCE_MS = 500
UNANSWERED_AFTER_S = 5.0
SCRIPT = ("normal", "tool", "truncate", "cough", "clear", "hmm", "normal", "overlap", "normal", "truncate",
          "false_start", "normal", "unanswered", "late", "early", "stall", "normal")  # fmt: skip


class _Log:
    def __init__(self) -> None:
        self.events: list[tuple[int, int, dict[str, Any]]] = []
        self.n = 0

    def at(self, t: int, ev: dict[str, Any]) -> None:
        self.n += 1
        self.events.append((t, self.n, ev))


def _pcm(ms: int) -> str:
    return base64.b64encode(bytes(ms * RATE // 1000 * 2)).decode()


class _Gen:
    def __init__(self, seed: int, chunk_ms: int, tone: bool = False) -> None:
        self.rng = random.Random(seed)
        self.chunk_ms = chunk_ms
        self.tone = tone
        self.samples = array.array("h")  # every assistant sample sent (tone logs): the reference levels
        self.levels: list[dict[str, Any]] = []  # per response: leading silence, long silences
        self.log = _Log()
        self.ids = 0
        self.turns: list[dict[str, Any]] = []
        self.heard: list[tuple[int, int]] = []  # assistant audio heard, [start, end) ms
        self.speech: list[tuple[int, int]] = []
        self.delivery: list[dict[str, Any]] = []
        self.audio_end = 0  # where the assistant audio placed so far ends

    def id(self, p: str) -> str:
        self.ids += 1
        return f"{p}_{self.ids:04d}"

    def r(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    # -- pieces --------------------------------------------------------------------------

    def user(self, start: int, length: int, *, commit: bool = True, words: str = "could you tell me more") -> dict[str, Any]:
        """User speech [start, start+length): VAD events, commit, transcription."""
        iid = self.id("item")
        end = start + length
        lg = self.log
        lg.at(start + self.r(80, 150), {"type": "input_audio_buffer.speech_started", "audio_start_ms": start - MIC_START, "item_id": iid})
        stopped = end + SILENCE_MS + self.r(10, 60)
        lg.at(stopped, {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": end - MIC_START, "item_id": iid})
        self.speech.append((start, end))
        t = {"item_id": iid, "speech_start": start, "speech_end": end, "committed": commit, "stopped": stopped,
             "steps": {"endpointing": stopped - end}, "words": len(words.split()) if commit else None}  # fmt: skip
        if commit:
            committed = stopped + self.r(2, 6)
            lg.at(committed, {"type": "input_audio_buffer.committed", "item_id": iid, "previous_item_id": None})
            lg.at(committed + 1, {"type": "conversation.item.added", "item": {
                "id": iid, "type": "message", "role": "user", "status": "completed",
                "content": [{"type": "input_audio", "transcript": None}]}})  # fmt: skip
            lag = self.r(300, 900)
            lg.at(committed + lag, {"type": "conversation.item.input_audio_transcription.completed", "item_id": iid,
                                    "content_index": 0, "transcript": words})  # fmt: skip
            t.update(committed=True, committed_at=committed, transcription_lag=lag)
            t["steps"]["commit"] = committed - stopped
        self.turns.append(t)
        return t

    def response(self, created: int, audio_ms: int, first: int, *, interval: int = 40, late: tuple[int, int] | None = None,
                 cut_at: int | None = None, cancel_at: int | None = None, clear_at: int | None = None) -> dict[str, Any]:  # fmt: skip
        """A response created at `created`, its first delta at `first`, `audio_ms` of audio
        in chunks arriving `interval` ms per 100 ms of audio (`late`: chunk k arrives that much later).
        `cancel_at`: the server stops sending then (response cancelled); `cut_at`: the client
        truncates there (playback position); `clear_at`: output_audio_buffer.cleared then."""
        lg = self.log
        rid, iid = self.id("resp"), self.id("item")
        lg.at(created, {"type": "response.created", "response": {"id": rid, "object": "realtime.response", "status": "in_progress", "output": []}})
        lg.at(created + 1, {"type": "response.output_item.added", "response_id": rid, "output_index": 0,
                            "item": {"id": iid, "type": "message", "role": "assistant", "status": "in_progress", "content": []}})  # fmt: skip
        start = max(first, self.audio_end)
        play = start
        voice = self._voice(rid, audio_ms, late is not None) if self.tone else None
        arrival = first
        sent = 0
        stalls, stall_ms, ahead = 0, 0, 0
        k = 0
        last = first
        while sent < audio_ms:
            n = min(self.chunk_ms, audio_ms - sent)
            a = arrival + (late[1] if late and k == late[0] else 0)
            if cancel_at is not None and a >= cancel_at:
                break
            if a > play + 20:
                stalls, stall_ms, play = stalls + 1, stall_ms + a - play, a
            play += n
            ahead = max(ahead, play - a)
            lg.at(a, {"type": "response.output_audio.delta", "response_id": rid, "item_id": iid, "output_index": 0,
                      "content_index": 0, "delta": voice(sent, n) if voice else _pcm(n)})  # fmt: skip
            last = a
            sent += n
            arrival = a + interval * n // 100
            k += 1
        if voice is not None:  # what was sent is the reference
            self.samples.extend(self.levels[-1].pop("samples")[: sent * RATE // 1000])
        status = "cancelled" if cancel_at is not None else "completed"
        end_t = (cancel_at if cancel_at is not None else last) + 2
        lg.at(end_t, {"type": "response.output_audio.done", "response_id": rid, "item_id": iid, "output_index": 0, "content_index": 0})
        lg.at(end_t + 1, {"type": "response.done", "response": {
            "id": rid, "object": "realtime.response", "status": status,
            "status_details": {"type": "cancelled", "reason": "turn_detected"} if cancel_at is not None else None,
            "output": [{"id": iid, "type": "message", "role": "assistant", "status": "incomplete" if cancel_at else "completed"}],
            "usage": {"total_tokens": 10, "input_tokens": 5, "output_tokens": 5}}})  # fmt: skip
        heard_end, stop = start + sent, "end_of_audio"
        if cut_at is not None:
            lg.at(cut_at, {"type": "conversation.item.truncate", "item_id": iid, "content_index": 0, "audio_end_ms": cut_at - start})
            lg.at(cut_at + 3, {"type": "conversation.item.truncated", "item_id": iid, "content_index": 0, "audio_end_ms": cut_at - start})
            if cut_at < heard_end:  # (a cut past the audio received cuts nothing: it all played)
                heard_end, stop = cut_at, "truncated"
            else:
                stop = "cancelled"
        self.audio_end = heard_end
        if cut_at is not None:
            pass
        elif clear_at is not None:
            # (the timeline still places the next answer after all the audio received)
            lg.at(clear_at, {"type": "output_audio_buffer.cleared", "response_id": rid})
            heard_end, stop = clear_at, "cleared"
        elif cancel_at is not None:
            stop = "cancelled"
        self.heard.append((start, heard_end))
        self.delivery.append({"response_id": rid, "audio_ms": sent, "stalls": stalls, "stall_ms": stall_ms, "ahead_max_ms": ahead})
        return {"id": rid, "created": created, "first": first, "start": start, "end": heard_end, "stop": stop}

    def _voice(self, rid: str, audio_ms: int, gap: bool) -> Any:
        """A response's audio as a 1 kHz tone (amplitude 0.5, DC offset +100; one response in
        four at 1.5, clipped) after a leading silence of whole 10 ms; `gap`: 700 ms of silence
        inside. Returns chunk(offset_ms, n_ms) → base64; records the truth."""
        lead = 10 * self.r(2, 30)
        amp = 1.5 if self.r(0, 3) == 0 else 0.5
        gap_at = lead + 500 if gap else None
        pcm = array.array("h")
        for k in range(audio_ms * RATE // 1000):
            ms = k * 1000 // RATE
            if ms < lead or (gap_at is not None and gap_at <= ms < gap_at + 700):
                x = 0
            else:
                x = round(amp * 32767 * math.sin(2 * math.pi * 1000 * k / RATE)) + 100
            pcm.append(max(-32768, min(32767, x)))
        onset = next((k for k, x in enumerate(pcm) if abs(x) >= 32768 * 10 ** (-40 / 20)), None)
        level = {"response_id": rid, "leading_silence_ms": None if onset is None else onset * 1000 / RATE,
                 "long_silences": [] if gap_at is None else [[gap_at, 700]], "samples": pcm}  # fmt: skip
        self.levels.append(level)
        if sys.byteorder == "big":
            pcm.byteswap()
        raw = pcm.tobytes()

        def chunk(at_ms: int, n_ms: int) -> str:
            b = at_ms * RATE // 1000 * 2
            return base64.b64encode(raw[b : b + n_ms * RATE // 1000 * 2]).decode()

        return chunk

    def answer(self, t: dict[str, Any], audio_ms: int, **kw: Any) -> dict[str, Any]:
        """The response to turn `t`: created after its commit, first audio after that."""
        created = t["committed_at"] + self.r(10, 30)
        first = kw.pop("first", None) or created + self.r(300, 700)
        r = self.response(created, audio_ms, first, **kw)
        t["steps"].update(response_start=created - t["committed_at"], first_audio=first - created)
        t.update(response=r["id"], first_audio_at=first, audio_start=r["start"])
        return r

    def tool(self, t: dict[str, Any], audio_ms: int) -> dict[str, Any]:
        lg = self.log
        created = t["committed_at"] + self.r(10, 30)
        rid, iid, call = self.id("resp"), self.id("item"), self.id("call")
        item = {"id": iid, "type": "function_call", "call_id": call, "name": "get_weather", "arguments": ""}
        lg.at(created, {"type": "response.created", "response": {"id": rid, "status": "in_progress", "output": []}})
        lg.at(created + 1, {"type": "response.output_item.added", "response_id": rid, "output_index": 0, "item": item})
        args = created + self.r(150, 300)
        lg.at(args, {"type": "response.function_call_arguments.done", "response_id": rid, "item_id": iid, "call_id": call,
                     "name": "get_weather", "arguments": '{"city":"Paris"}'})  # fmt: skip
        lg.at(args + 1, {"type": "response.done", "response": {"id": rid, "status": "completed", "output": [{**item, "arguments": '{"city":"Paris"}'}],
                                                             "usage": {"total_tokens": 10, "input_tokens": 5, "output_tokens": 5}}})  # fmt: skip
        out = args + self.r(100, 400)
        lg.at(out, {"type": "conversation.item.create", "item": {"type": "function_call_output", "call_id": call, "output": '{"c":21}'}})
        lg.at(out + 1, {"type": "response.create"})
        created2 = out + self.r(20, 50)
        first = created2 + self.r(300, 600)
        r = self.response(created2, audio_ms, first)
        t["steps"].update(response_start=created - t["committed_at"], tool_call=args - created, tool_execution=out - args,
                          tool_followup=created2 - out, first_audio=first - created2)  # fmt: skip
        t.update(response=r["id"], first_audio_at=first, audio_start=r["start"], tool={"call_id": call, "tool_ms": out - args,
                 "round_trip_ms": first - args})  # fmt: skip
        return r

    # -- the script ------------------------------------------------------------------------

    def run(self, script: tuple[str, ...]) -> int:
        now = 400
        i = 0
        pending: dict[str, Any] | None = None  # a response that the next turn interrupts
        while i < len(script):
            kind = script[i]
            if kind in ("truncate", "clear", "overlap"):
                t = self.user(now, self.r(900, 2000))
                pending = {"kind": kind, "turn": t}
                i += 1
                kind = script[i] if script[i] in ("cough", "hmm", "false_start") else "normal"
                if kind != "normal":
                    i += 1
                now = self._interrupted(pending, kind)
                continue
            now = self._plain(kind, now)
            i += 1
        # an idle timeout at the end (it starts no turn)
        iid = self.id("item")
        self.log.at(now + 1000, {"type": "input_audio_buffer.timeout_triggered", "audio_start_ms": now - MIC_START,
                                 "audio_end_ms": now + 1000 - MIC_START, "item_id": iid})  # fmt: skip
        self.log.at(now + 1002, {"type": "input_audio_buffer.committed", "item_id": iid, "previous_item_id": None})
        return now + 1500

    def _plain(self, kind: str, now: int) -> int:
        t = self.user(now, self.r(800, 2500))
        t["kind"] = kind
        if kind == "unanswered":
            return t["committed_at"] + int(UNANSWERED_AFTER_S * 1000) + 1500
        if kind == "late":
            r = self.answer(t, 1000, first=t["speech_end"] + 6000 + self.r(0, 500))
            return r["end"] + self.r(400, 900)
        if kind == "tool":
            r = self.tool(t, self.r(1000, 2500))
        elif kind == "stall":
            r = self.answer(t, 1500, interval=100, late=(5 * 100 // self.chunk_ms, 300))
        elif kind == "early":
            # the user pauses (the VAD ends the turn) and goes on; the answer to the first part
            # starts while the second is spoken (the agent interrupts)
            gap = SILENCE_MS + self.r(100, 300)
            u2 = t["speech_end"] + gap
            r = self.answer(t, 1500, first=u2 + self.r(300, 500))
            t2 = self.user(u2, self.r(1200, 1800))
            t2["kind"] = "early2"
            t["cut_off_gap"] = gap
            r2 = self.answer(t2, 1000, first=max(r["end"], t2["committed_at"] + 40) + self.r(200, 400))
            return r2["end"] + self.r(400, 900)
        else:
            r = self.answer(t, self.r(1000, 3000))
        return r["end"] + self.r(400, 900)

    def _interrupted(self, p: dict[str, Any], kind: str) -> int:
        """Turn p["turn"]'s answer, cut by the next user speech (of `kind`)."""
        t = p["turn"]
        t["kind"] = "answered"
        how = p["kind"]
        audio = 3000
        created = t["committed_at"] + self.r(10, 30)
        first = created + self.r(300, 600)
        start = max(first, self.audio_end)
        if how == "overlap":
            u = start + audio - self.r(300, 600)
        else:
            u = start + self.r(800, 1600)
        length = {"cough": 200, "hmm": 600, "false_start": 180}.get(kind, self.r(900, 1800))
        detect = u + self.r(80, 150)  # speech_started (the user() below draws its own)
        yield_ms = self.r(250, 500)
        kw: dict[str, Any] = {}
        if how == "truncate":
            kw = {"cancel_at": detect + 20, "cut_at": u + yield_ms}
        elif how == "clear":
            kw = {"cancel_at": detect + 20, "clear_at": u + yield_ms}
        r = self.response(created, audio, first, **kw)
        t["steps"].update(response_start=created - t["committed_at"], first_audio=first - created)
        t.update(response=r["id"], first_audio_at=first, audio_start=r["start"])
        words = {"hmm": "hmm", "cough": ""}.get(kind, "wait I meant tomorrow")
        t2 = self.user(u, length, commit=kind != "false_start", words=words)
        t2["kind"] = kind
        t2["interrupts"] = {"stop": r["stop"], "yield_ms": r["end"] - u}
        if kind in ("hmm", "false_start"):
            return max(r["end"], t2["stopped"]) + int(UNANSWERED_AFTER_S * 1000) + 1000
        r2 = self.answer(t2, self.r(800, 1500), first=max(self.audio_end, t2["committed_at"]) + self.r(300, 600))
        return r2["end"] + self.r(400, 900)


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> tuple[int, int]:
    both = n = 0
    for s1, e1 in a:
        for s2, e2 in b:
            lo, hi = max(s1, s2), min(e1, e2)
            if hi - lo > 2:
                both += hi - lo
                n += 1
    return both, n


def _union(iv: list[tuple[int, int]]) -> int:
    total, end = 0, -(10**12)
    for s, e in sorted(iv):
        if s > end:
            total, end = total + e - s, e
        elif e > end:
            total, end = total + e - end, e
    return total


def _truth(g: _Gen, end: int, chunk_ms: int, timestamps: bool) -> dict[str, Any]:
    turns = []
    for k, t in enumerate(g.turns, 1):
        s, e = t["speech_start"], t["speech_end"]
        inside = [(hs, he) for hs, he in g.heard if hs + 2 < s < he - 2]
        agent = any(s + 2 < hs < e - 2 for hs, _ in g.heard)
        intr = t.get("interrupts")
        false = False
        if inside:
            if intr and intr["stop"] != "end_of_audio":
                false = (e - s) < 300 or not t["committed"] or (t["words"] is not None and t["words"] <= 1 and "response" not in t)
        answered = "first_audio_at" in t
        if not t["committed"]:
            unanswered = None
        elif answered:
            unanswered = t["audio_start"] - e > UNANSWERED_AFTER_S * 1000
        else:
            unanswered = True
        total = t["first_audio_at"] - e if answered else None
        turns.append({
            "turn": k, "kind": t.get("kind"), "item_id": t["item_id"], "committed": t["committed"],
            "speech_start_ms": s, "speech_end_ms": e, "response_gap_ms": t["audio_start"] - e if answered else None,
            "barge_in": bool(inside), "yield_ms": inside[0][1] - s if inside else None,
            "yielded_by": intr["stop"] if intr else None, "false_barge_in": false, "agent_interrupted": agent,
            "unanswered": unanswered, "transcription_lag_ms": t.get("transcription_lag"),
            "latency_steps_ms": t["steps"] if answered else {k2: v for k2, v in t["steps"].items()},
            "latency_total_ms": total, "tool": t.get("tool"),
        })  # fmt: skip
    both, n = _overlap(g.speech, g.heard)
    lengths = [e - s for s, e in g.speech]
    gaps = [b[0] - a[1] for a, b in zip(g.speech, g.speech[1:])]
    return {
        "generator": "gen_turns", "chunk_ms": chunk_ms, "timestamps": timestamps, "t0_epoch_ms": BASE_MS, "end_ms": end,
        "unanswered_after_s": UNANSWERED_AFTER_S, "silence_duration_ms": SILENCE_MS,
        "turns": turns, "talk_over_ms": both, "talk_over_count": n, "speaking_ms": _union([*g.speech, *g.heard]),
        "interruptions_by_user": sum(1 for t in turns if t["barge_in"]),
        "interruptions_by_agent": sum(1 for t in turns if t["agent_interrupted"]),
        "false_barge_ins": [t["turn"] for t in turns if t["false_barge_in"]],
        "unanswered": [t["turn"] for t in turns if t["unanswered"]],
        "delivery": g.delivery,
        "vad": {"segment_ms": lengths, "gap_ms": gaps, "short_segments": sum(1 for x in lengths if x < 250),
                "cut_off_gaps": sum(1 for x in gaps if x < SILENCE_MS + 500), "timeout_triggered": 1},
    }  # fmt: skip


def generate(fp: BinaryIO, seed: int = 1, *, timestamps: bool = True, chunk_ms: int = 100,
             script: tuple[str, ...] = SCRIPT, tone: bool = False) -> dict[str, Any]:  # fmt: skip
    """Write a log to `fp` (binary); return the truth it holds (see the module docstring).
    `tone`: the assistant speaks a tone instead of silence, and the truth has its levels."""
    g = _Gen(seed, chunk_ms, tone)
    end = g.run(script)
    lg = g.log
    lg.at(0, {"type": "session.created", "session": {
        "type": "realtime", "object": "realtime.session", "id": "sess_turns", "model": "gpt-realtime",
        "output_modalities": ["audio"],
        "audio": {"input": {"format": {"type": "audio/pcm", "rate": RATE},
                            "turn_detection": {"type": "server_vad", "silence_duration_ms": SILENCE_MS, "prefix_padding_ms": 300},
                            "transcription": {"model": "whisper-1"}},
                  "output": {"format": {"type": "audio/pcm", "rate": RATE}, "voice": "marin"}}}})  # fmt: skip
    mic = _pcm(MIC_CHUNK)
    for t in range(MIC_START, end, MIC_CHUNK):
        lg.at(t, {"type": "input_audio_buffer.append", "audio": mic})
    out = []
    for t, _, ev in sorted(lg.events, key=lambda x: (x[0], x[1])):
        if timestamps:
            ev = {**ev, "timestamp": (BASE_MS + t) / 1000}
        out.append(orjson.dumps(ev))
    fp.write(b"\n".join(out) + b"\n")
    truth = _truth(g, end, chunk_ms, timestamps)
    if tone:
        truth["audio"] = {"assistant": _levels(g.samples), "responses": g.levels}
    return truth


def _levels(a: array.array) -> dict[str, Any]:  # type: ignore[type-arg]
    """Peak, RMS (dBFS), DC offset and clipped share of samples, the plain way."""
    n = len(a)
    peak = max(abs(x) for x in a)
    rms = math.sqrt(sum(x * x for x in a) / n)
    return {"peak_dbfs": 20 * math.log10(peak / 32768), "rms_dbfs": 20 * math.log10(rms / 32768),
            "dc_offset": sum(a) / n / 32768, "clipped_share": sum(1 for x in a if x in (32767, -32768)) / n,
            "seconds": n / RATE}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunk-ms", type=int, default=100)
    ap.add_argument("--no-timestamps", action="store_true")
    ap.add_argument("--tone", action="store_true", help="the assistant speaks a tone (audio-quality truth)")
    a = ap.parse_args(argv)
    with open(a.out, "wb") as f:
        truth = generate(f, a.seed, timestamps=not a.no_timestamps, chunk_ms=a.chunk_ms, tone=a.tone)
    with open(a.out.removesuffix(".jsonl") + ".truth.json", "wb") as f:
        f.write(orjson.dumps(truth, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
