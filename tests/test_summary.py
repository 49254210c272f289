"""The summary core: exact values on the examples, the real recordings and generated logs;
the fast path for audio lines counts exactly what the normal path counts."""

from __future__ import annotations

import base64
import io
import json
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import EXAMPLES, REPO, corpus_file, corpus_files, write_log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtlog.errors import InputError
from rtlog.io.reader import Diagnostics, expand_sources, iter_events
from rtlog.metrics.pricing import builtin_table, parse_price_file
from rtlog.metrics.summary import latency_stats, summarize, summarize_source


def summary_of(path: Path, prices: Any = None, messages: list[str] | None = None) -> dict[str, Any]:
    """The JSON summary through the fast path, checked against the normal path."""
    diag = Diagnostics(warn=(messages.append if messages is not None else None))
    fast = summarize_source(expand_sources([str(path)])[0], diag, prices).as_json()
    slow = summarize(iter_events([str(path)], Diagnostics()), str(path), prices, malformed=fast["malformed"]).as_json()
    assert {**fast, "lines": 0} == {**slow, "lines": 0}
    return fast


def truth_of(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.truth.json").read_text())


# --- the examples against their truth files --------------------------------------------------


@pytest.mark.parametrize("name", ["beta_session", "ga_session", "ulaw_session"])
def test_examples_match_their_truth(name: str) -> None:
    t = truth_of(name)
    s = summary_of(EXAMPLES / f"{name}.jsonl")
    assert s["events"] == s["lines"] == t["events"]
    assert s["malformed"] == 0
    assert s["event_counts"] == t["event_counts"]
    assert s["directions"] == {"unknown": 0, **t["directions"]}
    assert s["user_turns"] == t["user_turns"]
    assert s["responses"] == {"other": 0, **t["responses"]}
    assert {k: s["usage"][k] for k in t["usage"]} == t["usage"]
    a = t["audio"]
    assert s["audio_seconds"] == {"input": a["input_seconds"], "output": a["output_seconds"], "output_heard": a["output_heard_seconds"]}
    assert s["audio_bytes"] == {"input": a["input_bytes"], "output": a["output_bytes"]}
    assert s["interruptions"] == len(t["interruptions"])
    assert s["function_calls"] == t["function_calls"]
    assert s["function_calls_without_output"] == []
    assert s["errors"] == t["errors"]
    assert s["transcription_failures"] == []
    assert s["warnings"] == []
    sess = s["sessions"]
    assert len(sess) == 1
    ts = t["session"]
    assert (sess[0]["id"], sess[0]["model"], sess[0]["voice"]) == (ts["id"], ts["model"], ts["voice"])
    assert (sess[0]["input_audio_format"], sess[0]["input_sample_rate"]) == (a["encoding"], a["input_rate"])
    assert (sess[0]["output_audio_format"], sess[0]["output_sample_rate"]) == (a["encoding"], a["output_rate"])
    assert sess[0]["transcription_model"] == ts["transcription_model"]
    assert sess[0]["turn_detection"] == ts["turn_detection"]["type"]
    assert sess[0]["tools"] == ts["tools"]
    if t["span"] is None:
        assert s["span"] is None and s["latency_ms"] is None and s["cost_per_minute_usd"] is None
    else:
        assert s["span"]["seconds"] == t["span"]["seconds"]


def test_ga_example_span_and_latency() -> None:
    t = truth_of("ga_session")
    s = summary_of(EXAMPLES / "ga_session.jsonl")
    assert s["span"] == {"start": "2026-11-20T10:00:00.183Z", "end": "2026-11-20T10:00:19.164Z", "seconds": 18.981, "events_with_time": 604, "covers_log": True, "resolution_seconds": 0.001}
    assert t["latency_ms"] == [612, 871, 538, 397]  # the follow-up after the tool call counts for turn 2
    assert s["latency_ms"] == {"count": 4, "p50": 538.0, "p90": 871.0, "max": 871.0}


def test_ga_example_cost() -> None:
    s = summary_of(EXAMPLES / "ga_session.jsonl")
    # gpt-realtime: (875-702)*4 + 702*0.4 + (342-66)*32 + 66*0.4 + 69*16 + 171*64 = 21879.2 USD per 1M tokens
    assert s["cost_usd"] == 0.021879
    assert s["cost_per_minute_usd"] == round(0.0218792 / (18.981 / 60), 6)
    assert s["cost"]["sessions"] == [{"session": 1, "model": "gpt-realtime-2025-08-28", "priced_as": "gpt-realtime", "usd": 0.021879}]
    assert s["cost"]["prices_date"] == "2026-11-23"
    assert s["cost"]["notes"] == ["input transcription is billed separately and not included"]
    assert s["transcription_usage"] == {"seconds": 9}


def test_latency_percentiles_are_observed_values() -> None:
    assert latency_stats([612.0002, 871.0, 538.0001, 397.0]) == {"count": 4, "p50": 538.0, "p90": 871.0, "max": 871.0}
    assert latency_stats([5.0]) == {"count": 1, "p50": 5.0, "p90": 5.0, "max": 5.0}
    assert latency_stats(list(map(float, range(1, 11)))) == {"count": 10, "p50": 5.0, "p90": 9.0, "max": 10.0}
    assert latency_stats([]) == {"count": 0, "p50": None, "p90": None, "max": None}


# --- generated logs with known sums ---------------------------------------------------------


def generated(tmp_path: Path, dialect: str, envelope: str, seed: int = 3) -> tuple[Path, dict[str, Any]]:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_session import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    buf = io.BytesIO()
    truth = generate(buf, minutes=0.5, dialect=dialect, envelope=envelope, seed=seed)
    path = tmp_path / f"gen-{dialect}-{envelope}.jsonl"
    path.write_bytes(buf.getvalue())
    return path, truth


@pytest.mark.parametrize(("dialect", "envelope"), [("beta", "none"), ("ga", "none"), ("ga", "time-source"), ("beta", "direction-data")])
def test_generated_log_matches_its_truth(tmp_path: Path, dialect: str, envelope: str) -> None:
    path, t = generated(tmp_path, dialect, envelope)
    s = summary_of(path)
    assert s["events"] == t["events"]
    assert s["event_counts"] == t["event_counts"]
    assert s["directions"] == {"unknown": 0, **t["directions"]}
    assert s["user_turns"] == t["user_turns"]
    assert {k: v for k, v in s["responses"].items() if v and k != "total"} == t["responses"]
    assert s["responses"]["total"] == t["response_done_lines"]
    assert s["usage"] == {**s["usage"], **t["usage"]}
    assert s["audio_bytes"] == {"input": t["audio_bytes"]["input"], "output": t["audio_bytes"]["output"]}
    assert s["audio_seconds"] == t["audio_seconds"]
    assert s["interruptions"] == len(t["truncations"])
    assert sum(s["function_calls"].values()) == t["function_calls"]
    assert len(s["errors"]) == t["errors"]
    if envelope == "direction-data":  # this recorder writes no timestamps
        assert s["span"] is None and s["latency_ms"] is None
    else:
        assert s["span"]["seconds"] == t["duration_s"]
        assert s["span"]["events_with_time"] == t["events"]
        assert s["latency_ms"]["count"] == t["user_turns"]
    assert s["warnings"] == []


# --- the real recordings --------------------------------------------------------------------


def test_real_full_output_audio_and_its_usage() -> None:
    s = summary_of(corpus_file("test_openai_connect_and_transcript@8cedd8c16"))
    assert s["audio_seconds"] == {"input": None, "output": 1.6, "output_heard": 1.6}
    assert s["audio_bytes"] == {"input": None, "output": 76800}
    assert s["usage"] == {
        "input_tokens": 20, "output_tokens": 45, "total_tokens": 65, "cached_tokens": 0, "input_text_tokens": 20,
        "input_audio_tokens": 0, "input_image_tokens": 0, "cached_text_tokens": 0, "cached_audio_tokens": 0,
        "output_text_tokens": 13, "output_audio_tokens": 32, "reasoning_tokens": 0,
    }  # fmt: skip
    # gpt-4o-realtime-preview: 20 * $5 + 13 * $20 + 32 * $80 per 1M
    assert s["cost_usd"] == 0.00292
    assert s["sessions"][0]["model"] == "gpt-4o-realtime-preview"
    assert s["span"] is None and s["latency_ms"] is None
    assert s["warnings"] == []


def test_real_xai_reconnect_shows_two_sessions_and_top_level_usage() -> None:
    for flavour in ("derived", "wrapped"):
        s = summary_of(corpus_file("test_xai_ws__test_session_resumption_after_drop", flavour))
        assert [(x["id"], x["model"], x["line"]) for x in s["sessions"]] == [
            ("9a503158b91c4e03b3f2b9c9ec16d68d", "grok-voice-latest", 1),
            ("c55214cdbadf45cfb230f0f5da6ec58c", "grok-voice-latest", 25 if flavour == "derived" else 26),
        ]
        # xAI: `response.usage` is {} and the numbers are at the event's top level
        assert (s["usage"]["input_tokens"], s["usage"]["output_tokens"], s["usage"]["total_tokens"]) == (13 + 10, 113 + 198, 126 + 208)
        assert (s["usage"]["output_text_tokens"], s["usage"]["output_audio_tokens"]) == (8 + 13, 105 + 185)
        assert s["responses_without_usage"] == 0
        assert s["cost_usd"] is None
        assert s["cost"]["notes"] == ["no price for 'grok-voice-latest': cost unknown (add it with --pricing FILE)"]
        assert s["event_counts"].get("<close>") == (1 if flavour == "wrapped" else None)


def test_real_xai_cost_with_a_price_file() -> None:
    prices = parse_price_file({"models": {"grok-voice": {"text_input": 1, "cached_text_input": 1, "audio_input": 1,
                                                         "cached_audio_input": 1, "text_output": 10, "audio_output": 100}}})  # fmt: skip
    s = summary_of(corpus_file("test_xai_ws__test_session_resumption_after_drop"), prices)
    assert s["cost_usd"] == round((23 * 1 + 21 * 10 + 290 * 100) / 1e6, 6)
    assert [c["priced_as"] for c in s["cost"]["sessions"]] == ["grok-voice", "grok-voice"]


def test_real_failed_transcription_is_listed() -> None:
    s = summary_of(corpus_file("test_audio_in_server_vad_transcription_requires_deployment"))
    assert s["transcription_failures"] == [
        {"line": 65, "item_id": "item_E4GEZV6Pux1f4VnDEzVPh", "type": "server_error", "code": "DeploymentNotFound",
         "message": "Input transcription failed for item 'item_E4GEZV6Pux1f4VnDEzVPh'."}
    ]  # fmt: skip
    assert s["errors"] == []


def test_real_tool_call_cut_before_response_done() -> None:
    s = summary_of(corpus_file("test_openai__test_openai_tool_call@8cedd8c16"))
    assert s["responses"] == {"total": 1, "completed": 0, "cancelled": 0, "incomplete": 0, "failed": 0, "other": 0, "unfinished": 1}
    assert s["function_calls"] == {"get_weather": 1}
    assert s["function_calls_without_output"] == [{"name": "get_weather", "call_id": "call_Xm4UH9KdJ1s3B8OK", "line": 8}]
    assert s["warnings"] == [
        "1 response never got a response.done (first: resp_DBIfU3wOgSXIQY4GHTyqT, line 7)",
        "function call get_weather (call_Xm4UH9KdJ1s3B8OK, line 8) never got an output item",
    ]
    # the response never finished: its tokens are unknown, so is the cost (was $0.00)
    assert (s["cost_usd"], s["cost_is_lower_bound"], s["cost_responses_without_usage"]) == (None, False, 1)
    assert s["cost"]["notes"] == ["no response carries usage (no response.done, or one without usage): cost unknown"]


def test_real_audio_cut_by_the_recorder_is_flagged() -> None:
    s = summary_of(corpus_file("test_openai_ws__test_audio_in_server_vad_turn.jsonl"))
    assert s["audio_chunks"] == {"input": 55, "output": 27}
    assert s["audio_bytes"] == {"input": 55 * 33, "output": 27 * 33}
    assert s["warnings"] == [
        "user input audio cut by the recorder: every chunk is 33 bytes, so its seconds are not real",
        "assistant audio cut by the recorder: every chunk is 33 bytes, so its seconds are not real",
    ]
    # the older copy has the real input audio: 263,424 bytes = 5.488 s at 24 kHz
    s = summary_of(corpus_file("test_openai_ws__test_audio_in_server_vad_turn@c194c71b8"))
    assert s["audio_seconds"]["input"] == 5.488
    assert s["warnings"] == ["assistant audio cut by the recorder: every chunk is 33 bytes, so its seconds are not real"]


def test_real_webrtc_sideband_has_no_audio() -> None:
    s = summary_of(corpus_file("test_openai_ws_sideband__test_webrtc_sideband_audio_turn"))
    assert s["audio_seconds"] == {"input": None, "output": None, "output_heard": None}
    # a fact about the transport, not a finding: a notice, and `--check` passes (issue 13)
    assert s["warnings"] == []
    assert s["notices"] == ["no audio in this log (WebRTC/SIP sideband, or a recorder that drops audio): audio seconds unknown"]


def test_real_three_turn_conversation() -> None:
    s = summary_of(corpus_file("test_input_audio_retention_segments_three_server_vad_turns@e9c858600"))
    assert (s["user_turns"], s["responses"]["completed"], s["audio_seconds"]["input"]) == (3, 3, 22.464)
    assert s["transcription_usage"]["seconds"] > 0


@pytest.mark.skipif(not corpus_files("derived"), reason="no corpus")
def test_every_real_recording_derived_and_wrapped_agree() -> None:
    for derived in corpus_files("derived"):
        wrapped = derived.parent.parent / "wrapped" / derived.name
        a, b = summary_of(derived), summary_of(wrapped)
        for key in ("sessions", "responses", "user_turns", "usage", "audio_seconds", "function_calls", "errors",
                    "transcription_failures", "cost_usd", "warnings"):  # fmt: skip
            if key == "sessions":
                assert [x["id"] for x in a[key]] == [x["id"] for x in b[key]], derived.name
            elif key not in ("errors", "transcription_failures"):
                assert a[key] == b[key], (derived.name, key)
            else:
                assert [{**e, "line": 0} for e in a[key]] == [{**e, "line": 0} for e in b[key]], derived.name


# --- edge cases, one rule each ---------------------------------------------------------------


def pcm_b64(nbytes: int) -> str:
    return base64.b64encode(bytes(nbytes)).decode()


def session(**kw: Any) -> dict[str, Any]:
    return {"type": "session.created", "event_id": "e0", "session": {"id": "s1", "model": "gpt-realtime", **kw}}


def run(tmp_path: Path, records: list[Any], messages: list[str] | None = None) -> dict[str, Any]:
    return summary_of(write_log(tmp_path / "log.jsonl", records), messages=messages)


def test_placeholders_count_their_stated_size_with_a_warning(tmp_path: Path) -> None:
    s = run(tmp_path, [
        session(),
        {"type": "response.created", "event_id": "e1", "response": {"id": "r1"}},
        {"type": "response.audio.delta", "event_id": "e2", "response_id": "r1", "item_id": "i1", "delta": "[trimmed: 4800 bytes]"},
        {"type": "response.audio.delta", "event_id": "e3", "response_id": "r1", "item_id": "i1", "delta": pcm_b64(4800)},
        {"type": "response.done", "event_id": "e4", "response": {"id": "r1", "status": "completed", "usage": {"total_tokens": 0}}},
    ])  # fmt: skip
    assert s["audio_bytes"]["output"] == 9600
    assert s["audio_seconds"]["output"] == 0.2
    assert s["warnings"] == ["assistant audio replaced by placeholders in 1 chunk (first at line 3): seconds computed from their stated sizes"]


def test_invalid_base64_is_not_counted(tmp_path: Path) -> None:
    bad = pcm_b64(3000)[:-8] + "!!!!!!!!"  # a long payload whose end was mangled
    s = run(tmp_path, [
        session(),
        {"type": "input_audio_buffer.append", "audio": pcm_b64(4800)},
        {"type": "input_audio_buffer.append", "audio": "abc"},
        {"type": "input_audio_buffer.append", "audio": bad},
        {"type": "input_audio_buffer.append"},
    ])  # fmt: skip
    assert s["audio_bytes"]["input"] == 4800
    assert s["audio_chunks"]["input"] == 4
    assert s["warnings"] == [
        "2 user input audio chunks with invalid base64, not counted (first at line 3)",
        "1 user input audio event without a payload (first at line 5)",
    ]


def test_heard_audio_is_cut_at_each_truncation_and_clamped(tmp_path: Path) -> None:
    recs: list[Any] = [session(), {"type": "response.created", "event_id": "e", "response": {"id": "r1"}}]
    for item in ("a", "b", "c", "d"):
        recs += [{"type": "response.audio.delta", "event_id": "e", "response_id": "r1", "item_id": item, "delta": pcm_b64(48000)}] * 2
    recs += [
        {"type": "conversation.item.truncate", "item_id": "a", "content_index": 0, "audio_end_ms": 500},  # client
        {"type": "conversation.item.truncated", "event_id": "e", "item_id": "a", "content_index": 0, "audio_end_ms": 250},  # server wins
        {"type": "conversation.item.truncated", "event_id": "e", "item_id": "b", "content_index": 0, "audio_end_ms": 5000},  # beyond: all heard
        {"type": "conversation.item.truncated", "event_id": "e", "item_id": "c", "content_index": 0, "audio_end_ms": -10},  # nothing heard
        {"type": "conversation.item.truncated", "event_id": "e", "item_id": "zz", "content_index": 0, "audio_end_ms": 10},
        {"type": "response.done", "event_id": "e", "response": {"id": "r1", "status": "cancelled", "usage": {"total_tokens": 0}}},
    ]
    s = run(tmp_path, recs)
    assert s["audio_seconds"] == {"input": None, "output": 8.0, "output_heard": 0.25 + 2 + 0 + 2}
    assert s["interruptions"] == 4
    assert s["warnings"] == ["truncation of an item without recorded audio (zz, line 15)"]


def test_output_format_per_response_and_input_format_per_session(tmp_path: Path) -> None:
    s = run(tmp_path, [
        session(input_audio_format="g711_ulaw", output_audio_format="pcm16"),
        {"type": "input_audio_buffer.append", "audio": pcm_b64(8000)},  # 1 s of μ-law
        {"type": "session.update", "session": {"input_audio_format": "pcm16"}},
        {"type": "input_audio_buffer.append", "audio": pcm_b64(48000)},  # 1 s of PCM16
        {"type": "response.create", "response": {"output_audio_format": "g711_alaw"}},
        {"type": "response.created", "event_id": "e", "response": {"id": "r1"}},
        {"type": "response.audio.delta", "event_id": "e", "response_id": "r1", "item_id": "a", "delta": pcm_b64(8000)},
        {"type": "response.created", "event_id": "e", "response": {"id": "r2"}},
        {"type": "response.audio.delta", "event_id": "e", "response_id": "r2", "item_id": "b", "delta": pcm_b64(48000)},
        {"type": "conversation.item.truncated", "event_id": "e", "item_id": "a", "audio_end_ms": 500},  # 8 bytes per ms
    ])  # fmt: skip
    assert s["audio_seconds"] == {"input": 2.0, "output": 2.0, "output_heard": 1.5}
    assert s["sessions"][0]["input_audio_format"] == "pcm16"  # the format at the end of the session


def test_usage_variants_and_missing_usage(tmp_path: Path) -> None:
    s = run(tmp_path, [
        session(),
        {"type": "response.done", "event_id": "e", "response": {"id": "r1", "status": "completed", "usage": None}},
        {"type": "response.done", "event_id": "e", "response": {"id": "r2", "status": "completed"}},
        # Qwen: *_tokens_details
        {"type": "response.done", "event_id": "e", "response": {"id": "r3", "status": "completed", "usage": {
            "input_tokens": 10, "output_tokens": 20, "total_tokens": 30,
            "input_tokens_details": {"text_tokens": 4, "audio_tokens": 6}, "output_tokens_details": {"text_tokens": 5, "audio_tokens": 15}}}},
        # xAI: usage {} in the response, the numbers at the top level
        {"type": "response.done", "event_id": "e", "response_id": "r4", "response": {"id": "r4", "status": "cancelled", "usage": {}},
         "usage": {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}},
        {"type": "response.done", "event_id": "e", "response": {"id": "r5", "status": "failed", "usage": {"input_tokens": "x"}}},
        {"type": "conversation.item.input_audio_transcription.completed", "event_id": "e", "item_id": "u1", "transcript": "hi",
         "usage": {"type": "tokens", "input_tokens": 7, "output_tokens": 3, "total_tokens": 10}},
        {"type": "conversation.item.input_audio_transcription.completed", "event_id": "e", "item_id": "u2", "transcript": "yo",
         "usage": {"type": "duration", "seconds": 3}},
    ])  # fmt: skip
    u = s["usage"]
    assert (u["input_tokens"], u["output_tokens"], u["total_tokens"]) == (11, 22, 33)
    assert (u["input_text_tokens"], u["input_audio_tokens"], u["output_text_tokens"], u["output_audio_tokens"]) == (4, 6, 5, 15)
    assert s["responses"] == {"total": 5, "completed": 3, "cancelled": 1, "incomplete": 0, "failed": 1, "other": 0, "unfinished": 0}
    assert s["responses_without_usage"] == 2  # r5's garbage counts as a usage of 0 tokens
    assert s["transcription_usage"] == {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10, "seconds": 3}
    assert s["warnings"] == [
        "2 response.dones without usage: token totals and cost cover the others only",
    ]
    # input transcriptions mean there was user audio: a notice
    assert s["notices"] == ["no audio in this log (WebRTC/SIP sideband, or a recorder that drops audio): audio seconds unknown"]


def test_cost_per_session_model(tmp_path: Path) -> None:
    done = {"type": "response.done", "event_id": "e", "response": {"status": "completed", "usage": {
        "input_tokens": 1000, "output_tokens": 1000, "input_token_details": {"text_tokens": 1000},
        "output_token_details": {"audio_tokens": 1000}}}}  # fmt: skip
    s = run(tmp_path, [
        session(), {**done, "response": {**done["response"], "id": "r1"}},
        {"type": "session.created", "event_id": "e", "session": {"id": "s2", "model": "gpt-realtime-mini-2025-10-06"}},
        {**done, "response": {**done["response"], "id": "r2"}},
    ])  # fmt: skip
    assert [(c["model"], c["priced_as"], c["usd"]) for c in s["cost"]["sessions"]] == [
        ("gpt-realtime", "gpt-realtime", (1000 * 4 + 1000 * 64) / 1e6),
        ("gpt-realtime-mini-2025-10-06", "gpt-realtime-mini", (1000 * 0.6 + 1000 * 20) / 1e6),
    ]
    assert s["cost_usd"] == round((68000 + 20600) / 1e6, 6)
    s = run(tmp_path, [{**done, "response": {**done["response"], "id": "r1"}}])  # no session: no model, no price
    assert s["cost_usd"] is None
    assert s["cost"]["notes"] == ["no price for an unnamed model (no session.created in the log): cost unknown (add it with --pricing FILE)"]


def test_latency_falls_back_to_commit_and_text(tmp_path: Path) -> None:
    s = run(tmp_path, [
        {"type": "input_audio_buffer.commit", "timestamp": 100.0},
        {"type": "input_audio_buffer.committed", "event_id": "e", "item_id": "u1", "timestamp": 100.5},
        {"type": "response.created", "event_id": "e", "response": {"id": "r1"}, "timestamp": 100.6},
        {"type": "response.text.delta", "event_id": "e", "response_id": "r1", "item_id": "a", "delta": "Hi", "timestamp": 100.9},
        {"type": "conversation.item.create", "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "x"}]}},
        {"type": "response.create", "timestamp": 200.0},
        {"type": "response.created", "event_id": "e", "response": {"id": "r2"}, "timestamp": 200.1},
        {"type": "response.audio.delta", "event_id": "e", "response_id": "r2", "item_id": "b", "delta": pcm_b64(4800), "timestamp": 200.25},
    ])  # fmt: skip
    assert s["user_turns"] == 2
    assert s["latency_ms"] == {"count": 2, "p50": 250.0, "p90": 400.0, "max": 400.0}
    assert s["span"]["seconds"] == 100.25
    assert s["span"]["events_with_time"] == 7  # of 8


def test_time_of_day_stamps_across_midnight(tmp_path: Path) -> None:
    s = run(tmp_path, [
        {"timestamp": "23:59:58 PM", "type": "session.created", "event_id": "e", "session": {"id": "s"}},
        {"timestamp": "12:00:03 AM", "type": "response.created", "event_id": "e", "response": {"id": "r"}},
    ])  # fmt: skip
    # a time of day (no date in the log) is an ISO 8601 time of day, never a bare number
    assert s["span"] == {"start": "23:59:58.000", "end": "00:00:03.000", "seconds": 5.0, "events_with_time": 2,
                         "covers_log": True, "resolution_seconds": 1.0}  # fmt: skip


def test_unknown_types_errors_and_bad_lines(tmp_path: Path) -> None:
    messages: list[str] = []
    s = run(tmp_path, [
        session(),
        b"{not json",
        {"type": "error", "event_id": "e", "error": {"type": "invalid_request_error", "code": None, "message": "the buffer is empty."}},
        {"type": "error", "event_id": "e", "error": "plain string"},
        {"type": "x.custom", "n": 1},
        {"type": "x.custom", "n": 2},
        b"",
    ], messages)  # fmt: skip
    assert s["lines"] == 7 and s["events"] == 5 and s["malformed"] == 1
    assert messages == [f"{tmp_path / 'log.jsonl'}:2: invalid JSON: unexpected character, expected a string key (column 2)"]
    assert s["errors"] == [
        {"line": 3, "type": "invalid_request_error", "code": None, "message": "the buffer is empty."},
        {"line": 4, "type": None, "code": None, "message": "plain string"},
    ]
    assert s["unknown_event_types"] == {"x.custom": 2}
    assert s["warnings"] == ["unknown event types: x.custom ×2"]
    assert s["directions"] == {"client": 0, "server": 3, "unknown": 2}


def test_empty_log(tmp_path: Path) -> None:
    s = run(tmp_path, [])
    assert (s["events"], s["sessions"], s["span"], s["cost_usd"]) == (0, [], None, 0.0)
    assert s["warnings"] == ["the log holds no events"]


# --- the fast path and the normal path agree, whatever the split ------------------------------

chunk_sizes = st.lists(st.integers(min_value=0, max_value=2400).map(lambda n: n * 2), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    out=chunk_sizes,
    inp=chunk_sizes,
    ga=st.booleans(),
    spaced=st.booleans(),
    stamped=st.booleans(),
    damage=st.sampled_from([None, "escape", "invalid", "trailing", "nested", "dup", "placeholder"]),
)
def test_audio_seconds_hold_for_every_split_on_both_paths(tmp_path: Path, out: list[int], inp: list[int], ga: bool,
                                                          spaced: bool, stamped: bool, damage: str | None) -> None:  # fmt: skip
    delta = "response.output_audio.delta" if ga else "response.audio.delta"
    recs: list[dict[str, Any]] = [session(), {"type": "response.created", "event_id": "e", "response": {"id": "r1"}}]
    recs += [{"type": "input_audio_buffer.append", "audio": pcm_b64(n)} for n in inp]
    recs += [{"type": delta, "event_id": f"e{i}", "response_id": "r1", "item_id": "a", "delta": pcm_b64(n)} for i, n in enumerate(out)]
    if stamped:
        for i, r in enumerate(recs):
            r["timestamp"] = 1767225600 + i / 10
    lines = [(json.dumps(r) if spaced else orjson.dumps(r).decode()) for r in recs]
    expect_in, expect_out = sum(inp), sum(out)
    if damage:
        i = len(lines) - 1  # the last assistant chunk
        payload = pcm_b64(out[-1])
        if damage == "escape" and "A" in payload:
            lines[i] = lines[i].replace("A", "\\u0041", 1)  # still the same JSON string
        elif damage == "invalid" and payload:
            lines[i] = lines[i].replace(payload, payload[:-4] + "@@@@")
            expect_out -= out[-1]
        elif damage == "trailing":
            lines[i] = lines[i][:-1] + ', "x": }'  # not JSON any more: a bad line
            expect_out -= out[-1]
        elif damage == "nested":
            lines[i] = lines[i][:-1] + ', "meta": {"response_id": "other"}}'
        elif damage == "dup":
            lines[i] = lines[i][:-1] + ', "delta": ""}'  # the last key wins in JSON parsers
            expect_out -= out[-1]
        elif damage == "placeholder":
            lines[i] = lines[i].replace(payload, f"[trimmed: {out[-1]} bytes]") if payload else lines[i]
    path = tmp_path / "split.jsonl"
    path.write_text("\n".join(lines) + "\n")
    s = summary_of(path)  # also checks that both paths agree on everything
    chunks = len(out) - (damage == "trailing")
    assert s["audio_chunks"] == {"input": len(inp), "output": chunks}
    assert s["audio_bytes"] == {"input": expect_in, "output": expect_out if chunks else None}
    assert s["audio_seconds"]["input"] == round(expect_in / 48000, 3)
    assert s["audio_seconds"]["output"] == (round(expect_out / 48000, 3) if chunks else None)
    assert s["event_counts"].get(delta, 0) == chunks


def test_price_table_is_passed_through(tmp_path: Path) -> None:
    s = summary_of(EXAMPLES / "ulaw_session.jsonl", builtin_table())
    # gpt-4o-realtime-preview: (122-64)*5 + 64*2.5 + 68*40 + 26*20 + 93*80 per 1M (the cache holds text only here)
    assert s["usage"]["cached_text_tokens"] == 64
    assert s["cost_usd"] == round((58 * 5 + 64 * 2.5 + 68 * 40 + 26 * 20 + 93 * 80) / 1e6, 6)


# --- one big file cut into parts for several processes ----------------------------------------


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    import rtlog.io.parts as parts_module

    monkeypatch.setattr(parts_module, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(parts_module, "SPLIT_PART_BYTES", 100_000)


def both_ways(path: Path, strict: bool = False) -> tuple[dict[str, Any], list[str]]:
    """(summary, warnings) with one process and with 4; they must be the same."""
    import rtlog.io.parts as parts_module

    with open(path, "rb") as f:
        scans = parts_module.start_parts(f, 4)
        assert scans is not None and len(scans.children) == 3 and len(scans.starts) > 3  # really 3 workers, each with parts
        scans.close()
    results = []
    for jobs in (1, 4):
        messages: list[str] = []
        diag = Diagnostics(strict=strict, warn=messages.append)
        results.append((summarize_source(expand_sources([str(path)])[0], diag, jobs=jobs).as_json(), messages))
    assert results[0] == results[1]
    return results[0]


@pytest.mark.usefixtures("small_parts")
@pytest.mark.parametrize(("dialect", "envelope"), [("beta", "none"), ("ga", "none"), ("ga", "time-source")])
def test_parts_give_the_same_summary(tmp_path: Path, dialect: str, envelope: str) -> None:
    path, t = generated(tmp_path, dialect, envelope, seed=5)
    s, messages = both_ways(path)
    assert (s["events"], s["audio_bytes"]["output"], messages) == (t["events"], t["audio_bytes"]["output"], [])


@pytest.mark.usefixtures("small_parts")
def test_parts_with_bad_lines_a_bom_and_a_session_change(tmp_path: Path) -> None:
    path, _ = generated(tmp_path, "beta", "none", seed=6)
    lines = path.read_bytes().splitlines(keepends=True)
    n = len(lines)
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    lines.insert(n // 2, b'{"type":"session.update","session":{"input_audio_format":"g711_ulaw"}}\n')
    for at in (n * 3 // 4, n - 5, n // 3):
        lines.insert(at, b'{"type":"input_audio_buffer.append","audio":"' + b"A" * 100 + b'"\n')  # cut short
    lines.append(b'{"type":"response.audio.delta","delta":"AAAA')  # an unfinished last line
    path.write_bytes(b"".join(lines))
    s, messages = both_ways(path)
    assert s["malformed"] == 4 and len(messages) == 4
    assert s["sessions"][0]["input_audio_format"] == "g711_ulaw"
    errors = []
    for jobs in (1, 4):
        with pytest.raises(InputError) as exc:
            summarize_source(expand_sources([str(path)])[0], Diagnostics(strict=True), jobs=jobs)
        errors.append(str(exc.value))
    assert errors[0] == errors[1]
    assert errors[0].startswith(f"{path}:{n // 3 + 1}: invalid JSON: unexpected end of data")


@pytest.mark.usefixtures("small_parts")
def test_a_failed_worker_leaves_its_part_to_the_main_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rtlog.io.parts as parts_module

    path, _ = generated(tmp_path, "ga", "none", seed=7)
    want = summarize_source(expand_sources([str(path)])[0], Diagnostics(), jobs=1).as_json()

    def broken(*args: Any) -> Any:
        raise RuntimeError("worker failed")

    monkeypatch.setattr(parts_module, "digest_part", broken)  # the forked workers inherit it
    assert summarize_source(expand_sources([str(path)])[0], Diagnostics(), jobs=3).as_json() == want


def test_a_repeated_response_done_counts_its_usage_once(tmp_path: Path) -> None:
    """A relay or recorder that logs a response.done twice: the response, its usage and its
    cost once, and a warning; a repeat that brings the usage the first lacked counts it."""
    usage = {"total_tokens": 30, "input_tokens": 20, "output_tokens": 10,
             "input_token_details": {"text_tokens": 20}, "output_token_details": {"text_tokens": 10}}  # fmt: skip
    done = lambda rid, u: {"type": "response.done", "event_id": "e", "response": {"id": rid, "status": "completed", "usage": u}}  # noqa: E731
    s = run(tmp_path, [session(), done("r1", usage), done("r1", usage), done("r2", None), done("r2", usage), done("r3", usage)])
    assert s["responses"]["total"] == 3 and s["responses"]["completed"] == 3
    assert s["usage"]["total_tokens"] == 90 and s["usage"]["input_tokens"] == 60  # r1, r2 (from its repeat), r3
    assert s["responses_without_usage"] == 0
    assert s["cost_usd"] == round(3 * (20 * 4 + 10 * 16) / 1e6, 6)
    assert "2 repeated response.dones for a response that already had one (first at line 3): its usage is counted once" in s["warnings"]
