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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtlog.io import arrays
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


# --- MCP, images, keypresses: a gpt-realtime-2 session built from the documented events ----------

T0 = 1767000000.0
PCM = base64.b64encode(b"\0" * 4800).decode()  # 0.1 s at 24 kHz


def realtime2_log(tmp_path: Path) -> Path:
    """A GA session with a failed MCP tool listing, an image and text from the client, three
    DTMF keys, a spoken turn answered by a preamble, a failed MCP call and the answer, then
    two Qwen-style image buffer appends."""

    def ev(t: float, **k: Any) -> dict:
        return {"timestamp": T0 + t, **k}

    usage = {"input_tokens": 10, "output_tokens": 20, "input_token_details": {"text_tokens": 10},
             "output_token_details": {"text_tokens": 12, "audio_tokens": 8, "reasoning_tokens": 5}}  # fmt: skip
    return write_log(tmp_path / "realtime2.jsonl", [
        ev(0, type="session.created", event_id="e0", session={"id": "s1", "model": "gpt-realtime-2", "type": "realtime"}),
        ev(0.1, type="mcp_list_tools.in_progress", event_id="e1", item_id="mcpl_2"),
        ev(0.2, type="conversation.item.added", event_id="e2", item={"id": "mcpl_2", "type": "mcp_list_tools", "server_label": "billing", "tools": []}),
        ev(0.3, type="mcp_list_tools.failed", event_id="e3", item_id="mcpl_2"),
        ev(0.5, type="conversation.item.create", item={"type": "message", "role": "user", "content": [
            {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}, {"type": "input_text", "text": "what is this?"}]}),
        ev(0.6, type="input_audio_buffer.dtmf_event_received", event="1", received_at=1),
        ev(0.7, type="input_audio_buffer.dtmf_event_received", event="2", received_at=1),
        ev(0.8, type="input_audio_buffer.dtmf_event_received", event="3", received_at=1),
        ev(1.0, type="input_audio_buffer.speech_started", event_id="e4", item_id="u1", audio_start_ms=0),
        ev(2.0, type="input_audio_buffer.speech_stopped", event_id="e5", item_id="u1", audio_end_ms=1000),
        ev(2.01, type="input_audio_buffer.committed", event_id="e6", item_id="u1"),
        ev(2.05, type="response.created", event_id="e7", response={"id": "r1", "status": "in_progress"}),
        ev(2.1, type="response.output_item.added", event_id="e8", response_id="r1",
           item={"id": "a1", "type": "message", "role": "assistant", "phase": "commentary", "content": []}),
        ev(2.3, type="response.output_audio.delta", event_id="e9", response_id="r1", item_id="a1", delta=PCM),
        ev(2.3, type="response.output_audio_transcript.done", event_id="e10", response_id="r1", item_id="a1", transcript="Let me check."),
        ev(2.4, type="response.output_item.added", event_id="e11", response_id="r1",
           item={"id": "mcp_1", "type": "mcp_call", "server_label": "docs", "name": "search", "arguments": ""}),
        ev(2.5, type="response.mcp_call_arguments.done", event_id="e12", response_id="r1", item_id="mcp_1", arguments='{"q":"x"}'),
        ev(2.6, type="response.mcp_call.failed", event_id="e13", item_id="mcp_1"),
        ev(2.7, type="response.output_item.done", event_id="e14", response_id="r1", item={
            "id": "mcp_1", "type": "mcp_call", "server_label": "docs", "name": "search", "arguments": '{"q":"x"}',
            "error": {"type": "tool_execution_error", "message": "index offline"}}),
        ev(2.8, type="response.output_item.added", event_id="e15", response_id="r1",
           item={"id": "a2", "type": "message", "role": "assistant", "phase": "final_answer", "content": []}),
        ev(3.1, type="response.output_audio.delta", event_id="e16", response_id="r1", item_id="a2", delta=PCM),
        ev(3.15, type="response.output_audio.delta", event_id="e16b", response_id="r1", item_id="a2", delta=PCM),
        ev(3.15, type="response.output_audio_transcript.done", event_id="e17", response_id="r1", item_id="a2",
           transcript="The index is offline."),
        ev(3.2, type="response.done", event_id="e18", response={"id": "r1", "status": "completed", "output": [], "usage": usage}),
        ev(3.3, type="input_image_buffer.append", image="AAAA"),
        ev(3.4, type="input_image_buffer.append", image="AAAA"),
    ])  # fmt: skip


def test_mcp_failures_are_reported_and_fail_the_check(tmp_path: Path) -> None:
    path = realtime2_log(tmp_path)
    s = summary_json(path)
    assert s["mcp_calls"] == {"docs/search": 1}
    assert s["mcp_failures"] == [
        {"line": 3, "kind": "list_tools", "server": "billing", "tool": None, "item_id": "mcpl_2", "error": None},
        {"line": 16, "kind": "call", "server": "docs", "tool": "search", "item_id": "mcp_1",
         "error": {"type": "tool_execution_error", "code": None, "message": "index offline"}},
    ]  # fmt: skip
    assert s["warnings"] == [] and s["errors"] == []  # the MCP failures alone fail --check
    r = run_cli("summary", "--check", path, exit_code=1)
    assert "line 3: listing the tools of billing: no details in the log" in r.stdout
    assert "line 16: MCP call search on docs: tool_execution_error: index offline" in r.stdout


def test_the_transcript_shows_mcp_calls_images_keys_and_preambles(tmp_path: Path) -> None:
    path = realtime2_log(tmp_path)
    assert run_cli("transcript", path).stdout.splitlines() == [
        "0:00.2  System     listing the tools of MCP server billing failed [failed: no details in the log]",
        "0:00.5  User       [image] what is this?",
        "0:00.6  User       [keys: 1 2 3]",
        "0:01.0  User       [audio, not transcribed]",
        "0:02.3  Assistant  [preamble] Let me check.",
        '0:02.4  Assistant  → docs: search({"q":"x"}) [failed: tool_execution_error: index offline]',
        "0:02.4  Assistant  The index is offline.",
        "0:03.3  User       [image ×2]",
    ]
    entries = json.loads(run_cli("transcript", path, "--format", "json").stdout)
    call = next(e for e in entries if e["type"] == "mcp_call")
    assert (call["server"], call["name"], call["arguments"], call["output"]) == ("docs", "search", '{"q":"x"}', None)
    assert call["error"] == {"type": "tool_execution_error", "code": None, "message": "index offline"}
    assert [e["phase"] for e in entries if e["role"] == "assistant" and e["type"] == "message"] == ["commentary", "final_answer"]
    # the JSON keeps what was sent apart from the text: images counted, keys listed
    assert [(e["type"], e["text"], e["images"], e["keys"]) for e in entries if e["role"] == "user"] == [
        ("message", "what is this?", 1, None), ("dtmf", None, 0, ["1", "2", "3"]), ("message", None, 0, None),
        ("input_image", None, 2, None)]


def test_first_audio_and_first_answer_audio_are_both_reported(tmp_path: Path) -> None:
    s = summary_json(realtime2_log(tmp_path))
    assert s["commentary_items"] == 1
    # speech ends at 2.0 s; the preamble's audio arrives at 2.3 s, the answer's at 3.1 s
    assert s["latency_ms"] == {"count": 1, "p50": 300.0, "p90": 300.0, "max": 300.0}
    assert s["answer_latency_ms"] == {"count": 1, "p50": 1100.0, "p90": 1100.0, "max": 1100.0}
    assert s["audio_seconds"]["output"] == 0.3  # a response holds several audio items: all counted
    out = run_cli("summary", realtime2_log(tmp_path)).stdout
    assert "preambles        1" in out and "to the answer" in out


def test_no_phases_no_answer_latency(tmp_path: Path) -> None:
    s = summary_json(write_log(tmp_path / "x.jsonl", [{"type": "session.created", "event_id": "e", "session": {"id": "s"}}]))
    assert (s["answer_latency_ms"], s["commentary_items"], s["mcp_calls"], s["mcp_failures"]) == (None, 0, {}, [])


# --- user audio sent in conversation.item.create ----------------------------------------------


def test_user_audio_in_an_item_create_is_counted_extracted_and_placed(tmp_path: Path) -> None:
    clip = bytes(range(256)) * 150  # 38,400 bytes: 0.8 s of PCM16 at 24 kHz
    path = write_log(tmp_path / "clip.jsonl", [  # the reference JS client's recorder envelope
        {"time": "2026-12-01T10:00:00.000Z", "source": "server", "event": {"type": "session.created", "event_id": "e0",
         "session": {"id": "s1", "model": "gpt-4o-realtime-preview", "input_audio_format": "pcm16"}}},
        {"time": "2026-12-01T10:00:01.000Z", "source": "client", "event": {"type": "conversation.item.create", "event_id": "evt_1",
         "item": {"type": "message", "role": "user", "content": [{"type": "input_audio", "audio": base64.b64encode(clip).decode()}]}}},
        {"time": "2026-12-01T10:00:01.050Z", "source": "server", "event": {"type": "conversation.item.created", "event_id": "e1",
         "item": {"id": "item_u1", "type": "message", "role": "user", "content": [{"type": "input_audio", "transcript": None}]}}},
        {"time": "2026-12-01T10:00:01.100Z", "source": "client", "event": {"type": "response.create", "event_id": "evt_2"}},
    ])  # fmt: skip
    s = summary_json(path)
    assert (s["audio_seconds"]["input"], s["audio_bytes"]["input"], s["audio_chunks"]["input"]) == (0.8, 38400, 1)
    assert s["events"] == 4 and s["event_counts"].get("input_audio_buffer.append") is None  # no event is invented
    assert s["user_turns"] == 1 and s["warnings"] == [] and s["notices"] == []
    out = tmp_path / "user.wav"
    run_cli("extract-audio", path, "--side", "user", "-o", out, stderr=f"rtlog: wrote {out}: 0.80 s, 24 kHz PCM16 mono, 1 chunk (38,400 bytes)\n")
    assert _wav(out.read_bytes()) == (24000, clip)
    both = tmp_path / "both.wav"
    run_cli("extract-audio", path, "--side", "both", "-o", both, stderr=None)
    with wave.open(str(both), "rb") as w:  # placed at its time on the session's timeline: 1.0 s in
        assert (w.getnchannels(), w.getnframes()) == (2, 24000 + 19200)
        frames = w.readframes(w.getnframes())
    left = b"".join(frames[i : i + 2] for i in range(0, len(frames), 4))
    assert left == b"\0" * 48000 + clip


# --- the array reader: the same events whatever the layout and wherever a block ends ----------

_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\\n\t[]{},é', max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet='k"\\[]{}', max_size=4), inner, max_size=3),
    max_leaves=8,
)
_events = st.lists(st.fixed_dictionaries({"type": st.sampled_from(["session.created", "response.done", "x.y"])},
                                         optional={"data": _values, "event_id": st.text(max_size=5)}), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(_events, st.sampled_from([None, 1, 2]), st.integers(1, 40))
def test_an_array_converts_to_its_events_for_every_layout_and_block_size(events: list[dict], indent: int | None, block: int) -> None:
    text = json.dumps(events, indent=indent, ensure_ascii=False).encode()
    original = arrays.BLOCK
    arrays.BLOCK = block  # blocks end inside strings, escapes and elements
    try:
        lines = b"".join(arrays.convert(io.BytesIO(text))).splitlines()
    finally:
        arrays.BLOCK = original
    got = [json.loads(x) for x in lines if x.strip()]
    assert got == events
    if indent is not None:  # each element on the line where it starts in the file
        starts = [i for i, x in enumerate(text.splitlines()) if x == b" " * indent + b"{"]
        assert [i for i, x in enumerate(lines) if x.strip()] == starts


def test_an_unknown_format_stated_by_a_response_is_warned_at_its_line(tmp_path: Path) -> None:
    path = write_log(tmp_path / "r.jsonl", [
        {"type": "session.created", "event_id": "e1", "session": {"id": "s", "output_audio_format": "pcm16", "input_audio_format": "not specified"}},
        {"type": "response.created", "event_id": "e2", "response": {"id": "r1", "audio": {"output": {"format": {"type": "audio/mp3"}}}}},
    ])  # fmt: skip
    assert summary_json(path)["warnings"][-1] == (
        "output audio format 'audio/mp3' is not one rtlog knows: its audio is taken as PCM16 24 kHz, which may be wrong (line 2)")


def test_a_voice_live_service_warning_is_reported(tmp_path: Path) -> None:
    path = write_log(tmp_path / "w.jsonl", [
        {"type": "session.created", "event_id": "e1", "session": {"id": "s"}},
        {"type": "warning", "event_id": "e2", "warning": {"code": "unsupported_param", "message": "temperature is ignored", "param": "temperature"}},
        {"type": "warning", "event_id": "e3", "warning": {"message": "slow down"}},
    ])  # fmt: skip
    s = summary_json(path)
    assert s["warnings"] == [
        "the service warned (line 2): unsupported_param: temperature is ignored (param temperature)",
        "the service warned (line 3): slow down",
    ]
    assert s["errors"] == [] and s["unknown_event_types"] == {}


def test_a_json_array_on_stdin_and_compressed_is_read_too(tmp_path: Path) -> None:
    import gzip

    events = [{"type": "session.created", "event_id": "e1", "session": {"id": "s1", "model": "gpt-realtime"}},
              {"type": "response.done", "event_id": "e2", "response": {"id": "r1", "status": "completed",
               "usage": {"input_tokens": 1000, "output_tokens": 0, "input_token_details": {"text_tokens": 1000}}}}]  # fmt: skip
    data = json.dumps(events, indent=1).encode()
    for args, stdin in ((["-"], data), ([str(write_gz(tmp_path / "s.json.gz", data, gzip))], None)):
        s = json.loads(run_cli("summary", "--json", *args, input=stdin).stdout)
        assert (s["events"], s["malformed"], s["cost_usd"]) == (2, 0, 0.004)


def write_gz(path: Path, data: bytes, gzip: Any) -> Path:
    path.write_bytes(gzip.compress(data))
    return path
