"""Issue 13, "gaps found on real logs from other sources": each gap has a test here that
fails on the code before it was closed. Real recordings where the corpus has the shape
(../shared/corpus/real), else logs built from the documented events."""

from __future__ import annotations

import base64
import io
import json
import wave
from pathlib import Path
from typing import Any

import orjson
from conftest import corpus_file, needs_corpus, run_cli, run_rtlog, write_log

from rtlog.metrics.summary import summarize
from rtlog.protocol.events import parse_line


def summary_json(*args: Any, stderr: str | None = "", exit_code: int = 0) -> dict[str, Any]:
    r = run_cli("summary", "--json", *args, stderr=stderr, exit_code=exit_code)
    return json.loads(r.stdout)


def events_of(records: list[dict]) -> list:
    return [parse_line(orjson.dumps(r), "t", i + 1) for i, r in enumerate(records)]


# --- a session saved as a JSON array ---------------------------------------------------------


@needs_corpus
def test_a_json_array_is_read_as_the_same_session_as_its_jsonl(tmp_path: Path) -> None:
    src = corpus_file("test_openai_ws__test_tool_call_round")
    events = [json.loads(line) for line in src.read_bytes().splitlines()]
    want = summary_json(src)
    assert want["events"] == 50 and want["cost_usd"] == 0.000994
    one_line = tmp_path / "one_line.json"
    one_line.write_text(json.dumps(events))
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(events, indent=2) + "\n")
    for path in (one_line, pretty):
        got = summary_json(path)
        for key in ("events", "malformed", "responses", "usage", "cost_usd", "function_calls", "event_counts"):
            assert got[key] == want[key], (path.name, key)
        assert [{**x, "line": 0} for x in got["sessions"]] == [{**x, "line": 0} for x in want["sessions"]]
    assert summary_json(pretty)["sessions"][0]["line"] == 2  # where its session.created starts in the file
    assert summary_json(one_line)["lines"] == 50  # one line per element
    assert summary_json(pretty)["lines"] == len(pretty.read_text().splitlines())  # the file's own lines
    # every command reads it: the transcript is the JSONL's, filter writes the events as JSONL
    assert run_cli("transcript", pretty).stdout == run_cli("transcript", src).stdout
    r = run_cli("filter", pretty, "-t", "response.done")
    assert [json.loads(x) for x in r.stdout.splitlines()] == [e for e in events if e["type"] == "response.done"]


def test_a_bad_element_of_a_pretty_array_is_reported_at_its_line(tmp_path: Path) -> None:
    good = {"type": "session.created", "event_id": "e1", "session": {"id": "s1", "model": "gpt-realtime"}}
    text = json.dumps([good, {"no_type": 1}, {"type": "response.created", "event_id": "e2", "response": {"id": "r1"}}], indent=2)
    path = tmp_path / "log.json"
    path.write_text(text)
    line = 1 + [i for i, x in enumerate(text.splitlines()) if x == "  {"][1]  # where the second element starts
    s = summary_json(path, stderr=f"rtlog: warning: {path}:{line}: no event type\n")
    assert (s["events"], s["malformed"]) == (2, 1)


def test_a_json_array_cut_short_reports_the_cut_element_and_keeps_the_others(tmp_path: Path) -> None:
    events = [{"type": "session.created", "event_id": f"e{i}", "session": {"id": "s1"}} for i in range(3)]
    path = tmp_path / "cut.json"
    path.write_bytes(orjson.dumps(events)[:-20])  # inside the third element
    r = run_rtlog("summary", "--json", path)  # a real process: one warning line, exit 0, no traceback
    assert r.returncode == 0, r.stderr
    assert r.stderr.decode() == (f"rtlog: warning: {path}:3: incomplete last line, no newline at the end (log still being "
                                 "written?): invalid JSON: unexpected end of data (column 46)\n")
    assert json.loads(r.stdout)["events"] == 2


# --- Azure Voice Live output formats --------------------------------------------------------


def _voice_live_at(tmp_path: Path, fmt: str) -> tuple[Path, list[bytes]]:
    """The real Voice Live turn with its output format stated as `fmt` and distinct 3,200-byte
    audio chunks (the corpus keeps only 33 bytes of each)."""
    src = corpus_file("test_azure_voice_live_ws__test_text_in_audio_out_turn")
    records, chunks = [], []
    for line in src.read_bytes().splitlines():
        ev = json.loads(line)
        if ev["type"] in ("session.update", "session.updated"):
            ev["session"]["output_audio_format"] = fmt
        if ev["type"] == "response.created":  # (the server echoes the session's format)
            ev["response"]["output_audio_format"] = fmt
        if ev["type"] == "response.audio.delta":
            pcm = bytes([len(chunks) + 1]) * 3200
            chunks.append(pcm)
            ev["delta"] = base64.b64encode(pcm).decode()
        records.append(ev)
    return write_log(tmp_path / "voice_live.jsonl", records), chunks


@needs_corpus
def test_voice_live_pcm16_at_16_and_8_khz_are_read(tmp_path: Path) -> None:
    for fmt, rate in (("pcm16_16000hz", 16000), ("pcm16_8000hz", 8000)):
        path, chunks = _voice_live_at(tmp_path, fmt)
        s = summary_json(path)
        assert s["sessions"][0]["output_sample_rate"] == rate
        assert s["audio_seconds"]["output"] == round(6 * 3200 / (2 * rate), 3)  # 0.6 s at 16 kHz, 1.2 s at 8 kHz
        out = tmp_path / f"{rate}.wav"
        run_cli("extract-audio", path, "-o", out, stderr=None)
        with wave.open(str(out), "rb") as w:
            assert (w.getframerate(), w.getnframes()) == (rate, 6 * 1600)
            assert w.readframes(w.getnframes()) == b"".join(chunks)


@needs_corpus
def test_an_unknown_stated_format_is_a_warning_never_a_silent_guess(tmp_path: Path) -> None:
    path, _ = _voice_live_at(tmp_path, "opus_48000hz")
    s = summary_json(path)
    note = "output audio format 'opus_48000hz' is not one rtlog knows: its audio is taken as PCM16 24 kHz, which may be wrong"
    assert s["warnings"] == [f"{note} (line 2)"]  # the client's session.update states it first (once)
    r = run_cli("extract-audio", path, "-o", tmp_path / "x.wav", stderr=None)
    assert f"{path}:2: {note}" in r.stderr
    assert run_cli("summary", "--check", path, stderr=None, exit_code=1)


# --- Voice Live events ---------------------------------------------------------------------

#: every event type of the Voice Live reference (azure-rest-api-specs VoiceLive/events.tsp and
#: the @azure/ai-voicelive ServerEvent union) that the OpenAI Realtime vocabulary does not have
VOICE_LIVE_SERVER = [
    "warning", "session.avatar.connecting", "session.avatar.switch_to_speaking", "session.avatar.switch_to_idle",
    "response.animation_blendshapes.delta", "response.animation_blendshapes.done", "response.audio_timestamp.delta",
    "response.audio_timestamp.done", "response.animation_viseme.delta", "response.animation_viseme.done",
    "response.video.delta", "response.web_search_call.searching", "response.web_search_call.in_progress",
    "response.web_search_call.completed", "response.file_search_call.searching", "response.file_search_call.in_progress",
    "response.file_search_call.completed", "response.audio_transcript.annotation.added", "response.invocation.delta",
    "rtc.call.sdp.created", "rtc.call.error", "byom_credential.updated", "mcp_list_tools.in_progress",
    "mcp_list_tools.completed", "response.mcp_call_arguments.delta", "response.mcp_call_arguments.done",
    "response.mcp_call.in_progress", "response.mcp_call.completed",
]  # fmt: skip
VOICE_LIVE_CLIENT = [
    "session.avatar.connect", "input_text.delta", "input_text.done", "input_audio.turn.start", "input_audio.turn.append",
    "input_audio.turn.end", "input_audio.turn.cancel", "input_audio.clear", "mcp_approval_response",
    "rtc.call.sdp.create", "byom_credential.update",
]  # fmt: skip


def test_every_voice_live_event_is_known_and_has_its_direction(tmp_path: Path) -> None:
    records = [{"type": t, "event_id": f"event_{i}"} for i, t in enumerate(VOICE_LIVE_SERVER)]
    records += [{"type": t} for t in VOICE_LIVE_CLIENT]
    s = summary_json(write_log(tmp_path / "vl.jsonl", records))
    assert s["unknown_event_types"] == {}
    assert not any("unknown event types" in w for w in s["warnings"])
    assert s["directions"] == {"client": len(VOICE_LIVE_CLIENT), "server": len(VOICE_LIVE_SERVER), "unknown": 0}


# --- an informational notice is not a finding -------------------------------------------------


@needs_corpus
def test_check_passes_a_healthy_webrtc_sideband_log() -> None:
    for name in ("test_openai_ws_sideband__test_webrtc_sideband_audio_turn", "test_openai_ws_sideband__test_webrtc_sideband_text_turn"):
        path = corpus_file(name)
        r = run_cli("summary", "--check", path)
        s = summary_json(path)
        assert s["warnings"] == [] and s["errors"] == []
        if s["notices"]:
            assert s["notices"] == ["no audio in this log (WebRTC/SIP sideband, or a recorder that drops audio): audio seconds unknown"]
            assert "note" in r.stdout and "no audio in this log" in r.stdout


# --- usage without a text/audio split -------------------------------------------------------


def test_usage_without_a_text_audio_split_shows_a_dash(tmp_path: Path) -> None:
    path = write_log(tmp_path / "x.jsonl", [
        {"type": "session.created", "event_id": "e1", "session": {"id": "s", "model": "gpt-realtime"}},
        {"type": "response.done", "event_id": "e2", "response": {"id": "r1", "status": "completed",
         "usage": {"input_tokens": 120, "output_tokens": 30, "total_tokens": 150}}},
    ])  # fmt: skip
    out = run_cli("summary", path, stderr=None).stdout
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.split()[:1] in (["text"], ["audio"], ["all"])}
    assert rows["text"] == ["–", "0", "–"]  # input, cached (0 stated: no cached tokens), output
    assert rows["audio"] == ["–", "0", "–"]
    assert rows["all"] == ["120", "0", "30", "150"]


def test_reasoning_tokens_are_shown_inside_the_text_output_and_billed_once(tmp_path: Path) -> None:
    usage = {"input_tokens": 100, "output_tokens": 300, "total_tokens": 400,
             "input_token_details": {"text_tokens": 100, "audio_tokens": 0},
             "output_token_details": {"text_tokens": 120, "audio_tokens": 180, "reasoning_tokens": 80}}  # fmt: skip
    records = [
        {"type": "session.created", "event_id": "e1", "session": {"id": "s", "model": "gpt-realtime-2"}},
        {"type": "response.done", "event_id": "e2", "response": {"id": "r1", "status": "completed", "usage": usage}},
    ]
    s = summarize(events_of(records)).as_json()
    assert s["usage"]["reasoning_tokens"] == 80 and s["usage"]["output_text_tokens"] == 120
    # 100 text in × $4 + 120 text out × $24 + 180 audio out × $64 (per 1M): the 80 reasoning tokens are in the 120
    assert s["cost_usd"] == round((100 * 4 + 120 * 24 + 180 * 64) / 1e6, 6)
    out = run_cli("summary", write_log(tmp_path / "r.jsonl", records), stderr=None).stdout
    reasoning = next(line for line in out.splitlines() if line.strip().startswith("reasoning"))
    assert reasoning.split() == ["reasoning", "80"]
    assert "output tokens without a text/audio split" not in out


def _wav(data: bytes) -> tuple[int, bytes]:
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getframerate(), w.readframes(w.getnframes())
