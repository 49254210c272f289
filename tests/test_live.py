"""GPT-Live and Realtime Translation logs in every command, against the truth that
bench/gen_live.py writes (exact text, times, bytes, duration, cost, tokens), and the
dialect of every session (the name collisions of ../shared/docs/gpt-live.md §1)."""

from __future__ import annotations

import hashlib
import io
import os
import sys
import wave
from pathlib import Path

import orjson
import pytest
from conftest import EXAMPLES, REPO, run_cli, run_rtlog, write_log

from rtlog.conversation.fold import fold
from rtlog.protocol import live as L
from rtlog.protocol.events import parse_line

sys.path.insert(0, str(REPO / "bench"))
try:
    from gen_live import generate_live, generate_translation
finally:
    sys.path.remove(str(REPO / "bench"))


def live_log(tmp_path: Path, name: str = "live.jsonl", **kw: object) -> tuple[Path, dict]:
    buf = io.BytesIO()
    truth = generate_live(buf, **kw)  # type: ignore[arg-type]
    p = tmp_path / name
    p.write_bytes(buf.getvalue())
    return p, truth


def summary_json(path: Path, *args: str, stderr: str | None = "") -> dict:
    return orjson.loads(run_cli("summary", path, "--json", *args, stderr=stderr).stdout)


CASES = [
    pytest.param({"transport": "primary", "closed": True, "envelope": "none"}, id="primary-closed-bare"),
    pytest.param({"transport": "primary", "closed": False, "envelope": "time-source", "malformed": 3}, id="primary-open-wrapped-malformed"),
    pytest.param({"transport": "sideband", "closed": False, "envelope": "none"}, id="sideband-open-bare"),
    pytest.param({"transport": "sideband", "closed": True, "envelope": "time-source", "rate": 16000}, id="sideband-closed-wrapped"),
    pytest.param({"transport": "primary", "closed": True, "envelope": "none", "rate": 16000}, id="primary-16k"),
]


# --- summary -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kw", CASES)
def test_summary_of_generated_live_logs(tmp_path: Path, kw: dict) -> None:
    path, truth = live_log(tmp_path, **kw)
    bad = truth["malformed_lines"]
    res = run_cli("summary", path, "--json", stderr=None)
    # each malformed line is one warning with its line, and nothing else is
    warned = [line for line in res.stderr.splitlines() if line.startswith("rtlog: warning:")]
    assert [int(w.split(":")[3]) for w in warned] == bad
    s = orjson.loads(res.stdout)
    assert s["malformed"] == len(bad)
    assert s["dialect"] == "live"
    assert [x["dialect"] for x in s["sessions"]] == ["live"]
    assert s["sessions"][0]["id"] == truth["session_id"]
    assert s["sessions"][0]["model"] == "gpt-live-1" and s["sessions"][0]["voice"] == "marin"
    assert s["unknown_event_types"] == {}
    (lv,) = s["live"]
    assert lv["transport"] == ("sideband" if kw["transport"] == "sideband" else "primary WebSocket")
    assert lv["usage_seconds"] == truth["usage_seconds"]
    assert lv["usage_source"] == truth["usage_source"]
    assert lv["usage_final"] is truth["closed"]
    assert lv["closed"] is truth["closed"] and lv["close_reason"] == truth["close_reason"]
    assert lv["cost"]["usd"] == truth["cost_usd"] and s["cost_usd"] == truth["cost_usd"]
    assert lv["cost"]["priced_as"] == "gpt-live-1" and lv["cost"]["usd_per_minute"] == 0.05
    assert lv["delegation"] == "responses" and lv["backend_model"] == truth["backend_model"]
    u = lv["backend"]["usage"]
    assert {k: u[k] for k in truth["backend_tokens"]} == truth["backend_tokens"]
    assert lv["backend"]["responses"] == truth["backend_responses"] == lv["backend"]["completed"]
    assert [(c["name"], c["call_id"], c["arguments"], c["has_output"]) for c in lv["tool_calls"]] == [
        (c["name"], c["call_id"], c["arguments"], True) for c in truth["calls"]
    ]
    assert (lv["tool_calls_repeated"], lv["tool_calls_not_completed"]) == (1, 1)  # delivered twice; once not completed
    assert s["function_calls"] == {"get_weather": 1}
    assert (lv["errors"], len(lv["info"]), lv["dtmf_events"]) == (truth["errors"], truth["info"], truth["dtmf"])
    assert [e["code"] for e in s["errors"]] == ["invalid_audio"]
    assert lv["info"][0]["code"] == "data_channel_permissions"
    assert s["user_turns"] == len(truth["user_text"]) and s["interruptions"] == truth["interrupted"] == lv["interruptions"]
    a = lv["audio"]
    assert (a["input"]["bytes"], a["output"]["bytes"]) == (truth["input_audio"]["bytes"], truth["output_audio"]["bytes"])
    assert (a["input"]["rate"], a["output"]["rate"]) == (truth["input_audio"]["rate"], truth["output_audio"]["rate"])
    if truth["output_placed"]:
        assert a["output"]["gaps"] == len(truth["output_placed"]["gaps_ms"])
    # the final usage is never a sum of the snapshots
    assert lv["usage_seconds"] != round(sum(truth["usage_snapshots"]), 3)
    not_final = "session 1: the log ends without session.closed: usage not final"
    assert any(w.startswith(not_final) for w in s["warnings"]) is (not truth["closed"])
    assert s["cost_is_lower_bound"] is (not truth["closed"])


def test_summary_report_of_a_live_log(tmp_path: Path) -> None:
    path, truth = live_log(tmp_path, transport="sideband", closed=False)
    out = run_cli("summary", path).stdout
    assert "GPT-Live session 1" in out
    assert "sideband · delegation responses → gpt-5.1" in out
    assert "the log ends without session.closed: usage not final" in out
    assert f"≥ ${truth['cost_usd']:.4f}" in out
    assert "tokens in 1,717 (cached 896) · out 78 (reasoning 12)" in out
    assert "DTMF 5" in out and "42#" not in out  # digits are never shown
    assert "Tokens and cost" not in out and "\nresponses " not in out  # no Realtime tokens or responses in a Live log
    assert max(len(line) for line in out.splitlines()) <= 80


def test_usage_is_the_largest_snapshot_never_the_sum() -> None:
    lines = [
        {"type": "session.started", "event_id": "e1", "session": {"id": "live_1", "model": "gpt-live-1.1"}},
        {"type": "session.usage.updated", "event_id": "e2", "usage": {"seconds": 12}},
        {"type": "session.usage.updated", "event_id": "e3", "usage": {"seconds": 32.5}},
        {"type": "session.usage.updated", "event_id": "e4", "usage": {"seconds": 30}},  # out of order
    ]
    conv = fold([parse_line(orjson.dumps(x), "t", i + 1) for i, x in enumerate(lines)])
    (s,) = conv.live
    assert (s.usage_seconds, s.usage_source, s.closed) == (32.5, "session.usage.updated", False)
    closed = {"type": "session.closed", "event_id": "e5", "reason": "remote_hangup", "session": {}, "usage": {"seconds": 40.25}}
    conv = fold([parse_line(orjson.dumps(x), "t", i + 1) for i, x in enumerate([*lines, closed])])
    (s,) = conv.live
    assert (s.usage_seconds, s.usage_source, s.close_reason) == (40.25, "session.closed", "remote_hangup")


def test_model_option_prices_a_log_that_names_no_model(tmp_path: Path) -> None:
    path, truth = live_log(tmp_path, with_model=False)
    s = summary_json(path)
    assert s["cost_usd"] is None
    assert any("name the model with --model NAME" in n for n in s["cost"]["notes"])
    s = summary_json(path, "--model", "gpt-live-1.1")
    assert s["cost_usd"] == truth["cost_usd"]  # the same $0.05 a minute
    assert s["live"][0]["cost"]["priced_as"] == "gpt-live-1.1" and s["live"][0]["cost"]["model_from_option"] is True
    res = run_cli("summary", path, "--model", "no-such-model", exit_code=2, stderr=None)
    assert "rtlog: error: --model no-such-model: no price for this model" in res.stderr


def test_price_file_sets_a_per_minute_price(tmp_path: Path) -> None:
    path, truth = live_log(tmp_path)
    prices = tmp_path / "p.json"
    prices.write_bytes(orjson.dumps({"date": "2027-01-01", "source": "contract", "models": {"gpt-live-1": {"usd_per_minute": 0.04}}}))
    s = summary_json(path, "--pricing", str(prices))
    assert s["cost_usd"] == round(truth["usage_seconds"] * 0.04 / 60, 6)
    assert (s["live"][0]["cost"]["prices_date"], s["live"][0]["cost"]["prices_source"]) == ("2027-01-01", "contract")
    prices.write_bytes(orjson.dumps({"models": {"gpt-live-1": {"usd_per_minute": -1}}}))
    res = run_cli("summary", path, "--pricing", str(prices), exit_code=2, stderr=None)
    assert "usd_per_minute must be a number ≥ 0" in res.stderr


def test_builtin_duration_prices_are_dated_and_sourced() -> None:
    from rtlog.metrics.pricing import BUILTIN_MINUTE_RATES

    want = {"gpt-live-1": 0.05, "gpt-live-1.1": 0.05, "gpt-realtime-translate": 0.034, "gpt-live-transcribe": 0.017,
            "gpt-realtime-whisper": 0.017}  # fmt: skip
    assert {k: r.usd_per_minute for k, r in BUILTIN_MINUTE_RATES.items()} == want
    for name, r in BUILTIN_MINUTE_RATES.items():
        assert r.date and r.source.endswith("/" + name)
    assert BUILTIN_MINUTE_RATES["gpt-live-1.1"].standby_usd_per_minute == 0.02


# --- transcript ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kw", CASES[:3])
def test_transcript_is_exact(tmp_path: Path, kw: dict) -> None:
    path, truth = live_log(tmp_path, **kw)
    entries = orjson.loads(run_cli("transcript", path, "--format", "json", stderr=None).stdout)
    said = [(e["role"], e["text"], e["start"], e["end"], e["interrupted"]) for e in entries if e["type"] == "message"]
    assert said == [(s["role"], s["text"], s["start_ms"] / 1000, s["end_ms"] / 1000, s["interrupted"]) for s in truth["segments"]]
    (call,) = [e for e in entries if e["type"] == "function_call"]
    (out,) = [e for e in entries if e["type"] == "function_call_output"]
    t = truth["calls"][0]
    assert (call["name"], call["arguments"], call["output"], call["start"]) == (t["name"], t["arguments"], t["output"], t["offset_ms"] / 1000)
    assert (out["role"], out["output"]) == ("tool", t["output"])


def test_transcript_text_and_subtitles(tmp_path: Path) -> None:
    path, truth = live_log(tmp_path)
    text = run_cli("transcript", path).stdout.splitlines()
    seg = truth["segments"]
    assert text[0] == f"0:00.5  User       {seg[0]['text']}"
    cut = next(s for s in seg if s["interrupted"])
    assert any(line.endswith(f"{cut['text']} [interrupted: barge-in]") for line in text)
    assert "0:07.7  Assistant  → get_weather({\"city\":\"Lyon\"})" in text
    srt = run_cli("transcript", path, "--format", "srt").stdout
    assert srt.startswith(f"1\n00:00:00,500 --> 00:00:01,500\nUser: {seg[0]['text']}\n")


# --- extract-audio ---------------------------------------------------------------------------------


def _wav(path: Path) -> tuple[int, int, bytes]:
    with wave.open(str(path)) as w:
        return w.getframerate(), w.getnchannels(), w.readframes(w.getnframes())


@pytest.mark.parametrize("kw", [CASES[0], CASES[2], CASES[4]])
def test_extract_audio_is_byte_exact(tmp_path: Path, kw: dict) -> None:
    path, truth = live_log(tmp_path, **kw)
    sideband = kw["transport"] == "sideband"
    res = run_cli("extract-audio", path, "-o", tmp_path / "a.wav", stderr=None)
    rate, ch, data = _wav(tmp_path / "a.wav")
    want = truth["output_placed"] if sideband else truth["output_audio"]
    assert (rate, ch, len(data), hashlib.sha256(data).hexdigest()) == (truth["output_audio"]["rate"], 1, want["bytes"], want["sha256"])
    if sideband:
        n = len(truth["output_placed"]["gaps_ms"])
        assert f"sideband output placed by start_ms on the session timeline: {n} gaps" in res.stderr
    else:
        assert res.stderr == f"rtlog: wrote {tmp_path / 'a.wav'}: {len(data) / rate / 2:.2f} s, {rate / 1000:g} kHz PCM16 mono, {want and truth['output_audio']['chunks']} chunks ({len(data):,} bytes)\n"
    run_cli("extract-audio", path, "--side", "user", "-o", tmp_path / "u.wav", stderr=None)
    rate, ch, data = _wav(tmp_path / "u.wav")
    assert (rate, len(data), hashlib.sha256(data).hexdigest()) == (truth["input_audio"]["rate"], truth["input_audio"]["bytes"], truth["input_audio"]["sha256"])
    run_cli("extract-audio", path, "--side", "both", "-o", tmp_path / "b.wav", stderr=None)
    rate, ch, data = _wav(tmp_path / "b.wav")
    assert ch == 2
    left = b"".join(data[i : i + 2] for i in range(0, len(data), 4))
    right = b"".join(data[i + 2 : i + 4] for i in range(0, len(data), 4))
    assert left[: truth["input_audio"]["bytes"]] == _input_bytes(path)
    # the assistant's first words start where the transcript says they do
    first = next(s for s in truth["segments"] if s["role"] == "assistant")
    at = first["start_ms"] * rate // 1000 * 2
    assert right[:at] == bytes(at) and right[at : at + 2] != b"\x00\x00"
    if sideband:
        placed = right[: truth["output_placed"]["bytes"]]
        assert hashlib.sha256(placed).hexdigest() == truth["output_placed"]["sha256"]


def _input_bytes(path: Path) -> bytes:
    import base64

    out = bytearray()
    for line in path.read_bytes().splitlines():
        ev = orjson.loads(line)
        ev = ev if "type" in ev else ev["event"]
        if ev.get("type") == "session.input_audio.append":
            out += base64.b64decode(ev["audio"])
    return bytes(out)


def test_extract_audio_refuses_what_live_has_not(tmp_path: Path) -> None:
    path, _ = live_log(tmp_path)
    res = run_cli("extract-audio", path, "--heard", "-o", tmp_path / "x.wav", exit_code=2, stderr=None)
    assert res.stderr.startswith("rtlog: error: --split and --heard are not supported for GPT-Live")
    assert not (tmp_path / "x.wav").exists()


def test_extract_audio_of_a_live_log_on_stdin(tmp_path: Path) -> None:
    path, truth = live_log(tmp_path)
    res = run_cli("extract-audio", "-", "-o", tmp_path / "x.wav", input=path.read_bytes(), exit_code=1, stderr=None)
    assert res.stderr == ("rtlog: <stdin>: a GPT-Live / Translation log from a pipe is read as Realtime here: "
                          "give it as a file (or use --side both, which copies a pipe to a file first)\n")  # fmt: skip
    run_cli("extract-audio", "-", "--side", "both", "-o", tmp_path / "b.wav", input=path.read_bytes(), stderr=None)
    rate, ch, data = _wav(tmp_path / "b.wav")
    assert (rate, ch) == (24000, 2) and len(data) == 2 * truth["input_audio"]["bytes"]


def test_extract_audio_of_a_log_without_audio(tmp_path: Path) -> None:
    lines = [{"type": "session.started", "event_id": "e1", "session": {"id": "live_1", "model": "gpt-live-1"}},
             {"type": "session.output_transcript.delta", "event_id": "e2", "delta": "Hi", "start_ms": 10, "end_ms": 200}]  # fmt: skip
    p = write_log(tmp_path / "webrtc.jsonl", lines)
    res = run_cli("extract-audio", p, "-o", tmp_path / "x.wav", exit_code=1, stderr=None)
    assert "no assistant audio in this GPT-Live / Translation log" in res.stderr
    assert not (tmp_path / "x.wav").exists()


# --- filter ------------------------------------------------------------------------------------------


def test_filter_on_live_names(tmp_path: Path) -> None:
    path, truth = live_log(tmp_path, transport="sideband", closed=True, envelope="time-source")

    def count(*args: str) -> int:
        return int(run_cli("filter", path, "-c", *args).stdout)

    assert count("-t", "response.output_audio.delta") == truth["output_audio"]["chunks"]  # its Live counterpart
    assert count("-t", "session.output_audio.delta") == truth["output_audio"]["chunks"]
    assert count("-t", "response.completed") == 3  # nested: the two backend responses' and a decision.event's
    assert count("-t", "response.*", "-x", "response.event") == 3  # response.item.create, response.create, decision.event (nested)
    assert count("-t", "session.input_audio.append", "--from", "server") == truth["input_audio"]["chunks"]  # sideband mirrors
    assert run_cli("filter", path, "-c", "-t", "session.input_audio.append", "--from", "client", exit_code=1).stdout == "0\n"
    assert count("--call", "call_weather_01") == 5
    assert count("--response", "resp_back_01") == 4
    assert count("--where", "usage.seconds>0") == 3
    assert count("--where", "event.response.usage.output_tokens=37") == 1
    lines = run_cli("filter", path, "--turn", "2", "-t", "session.input_transcript.delta").stdout.splitlines()
    text = "".join(orjson.loads(x)["event"]["delta"] for x in lines)
    assert text == truth["user_text"][1]


def test_filter_pretty_view_of_live_events(tmp_path: Path) -> None:
    path, truth = live_log(tmp_path, rate=16000)
    out = run_cli("filter", path, "-t", "session.closed", "-t", "response.completed", "-t", "session.input_audio.append",
                  "-m", "4", "--format", "pretty").stdout.splitlines()  # fmt: skip
    assert out[0].endswith("→ session.input_audio.append     3,200 B · 100 ms")  # 16 kHz: the session's rate
    out = run_cli("filter", path, "-t", "session.closed", "-t", "response.completed", "--format", "pretty").stdout
    assert "response.event                 response.completed completed tokens 812 " in out  # (cut at 80 columns)
    assert f"session.closed                 close_requested usage {truth['usage_seconds']:g} s" in out


@pytest.mark.parametrize("transport", ["primary", "sideband"])
def test_strip_audio_on_live_logs(tmp_path: Path, transport: str) -> None:
    path, truth = live_log(tmp_path, transport=transport)
    stripped = run_cli("filter", path, "--strip-audio").stdout_bytes
    assert b'"audio":"[trimmed: ' in stripped and b'"delta":"[trimmed: ' in stripped
    assert stripped.count(b"[trimmed: ") == truth["input_audio"]["chunks"] + truth["output_audio"]["chunks"] + 1  # + the fixture
    p2 = tmp_path / "stripped.jsonl"
    p2.write_bytes(stripped)
    a, b = summary_json(path, stderr=None)["audio_seconds"], summary_json(p2, stderr=None)["audio_seconds"]
    assert a == b


def test_filter_from_client_on_a_primary_log(tmp_path: Path) -> None:
    path, truth = live_log(tmp_path)
    out = run_cli("filter", path, "--from", "client", "-t", "session.input_audio.append", "-c").stdout
    assert int(out) == truth["input_audio"]["chunks"]


# --- dialects ----------------------------------------------------------------------------------------


def test_translation_log(tmp_path: Path) -> None:
    buf = io.BytesIO()
    truth = generate_translation(buf)
    p = tmp_path / "tr.jsonl"
    p.write_bytes(buf.getvalue())
    s = summary_json(p)
    assert s["dialect"] == "translation" and s["sessions"][0]["dialect"] == "translation"
    assert s["unknown_event_types"] == {}
    (lv,) = s["live"]
    assert (lv["language"], lv["usage_seconds"], lv["usage_estimated"]) == ("fr", truth["input_seconds"], True)
    assert s["cost_usd"] == round(truth["input_seconds"] * 0.034 / 60, 6)
    entries = orjson.loads(run_cli("transcript", p, "--format", "json").stdout)
    assert [(e["role"], e["text"]) for e in entries] == [("user", truth["user_text"][0]), ("assistant", truth["assistant_text"][0])]
    run_cli("extract-audio", p, "-o", tmp_path / "t.wav", stderr=None)
    _, _, data = _wav(tmp_path / "t.wav")
    assert hashlib.sha256(data).hexdigest() == truth["output_audio"]["sha256"]
    p2 = tmp_path / "two.jsonl"
    p2.write_bytes(buf.getvalue() * 2)  # two Translation sessions, one after the other
    s = summary_json(p2)
    assert [x["dialect"] for x in s["sessions"]] == ["translation", "translation"] and len(s["live"]) == 2


def test_mixed_log_realtime_then_live(tmp_path: Path) -> None:
    ga = (EXAMPLES / "ga_session.jsonl").read_bytes()
    buf = io.BytesIO()
    truth = generate_live(buf)
    p = tmp_path / "mixed.jsonl"
    p.write_bytes(ga + buf.getvalue())
    alone = summary_json(EXAMPLES / "ga_session.jsonl")
    s = summary_json(p)
    assert s["dialect"] == "mixed"
    assert [x["dialect"] for x in s["sessions"]] == ["realtime-ga", "live"]
    assert [x["model"] for x in s["sessions"]] == [alone["sessions"][0]["model"], "gpt-live-1"]
    # the Realtime part is what it is alone; the Live part is the Live session's
    for key in ("responses", "usage", "function_calls_without_output"):
        assert s[key] == alone[key], key
    assert s["user_turns"] == alone["user_turns"] + len(truth["user_text"])
    assert s["unknown_event_types"] == {}
    (lv,) = s["live"]
    assert (lv["session"], lv["usage_seconds"]) == (2, truth["usage_seconds"])
    assert s["cost_usd"] == pytest.approx(alone["cost_usd"] + truth["cost_usd"], abs=1e-6)
    entries = orjson.loads(run_cli("transcript", p, "--format", "json").stdout)
    live_said = [e["text"] for e in entries if e["session"] == 2 and e["type"] == "message"]
    assert live_said == [x["text"] for x in truth["segments"]]
    # turns are numbered on: the Live session's first user turn comes after the Realtime ones
    n = alone["user_turns"] + 1
    lines = run_cli("filter", p, "--turn", str(n), "-t", "session.input_transcript.delta").stdout.splitlines()
    assert "".join(orjson.loads(x)["delta"] for x in lines) == truth["user_text"][0]


def test_several_files_of_different_dialects(tmp_path: Path) -> None:
    path, truth = live_log(tmp_path)
    res = orjson.loads(run_cli("summary", EXAMPLES / "ga_session.jsonl", path, "--json").stdout)
    assert [f["dialect"] for f in res["files"]] == ["realtime-ga", "live"]
    t = res["total"]
    assert t["dialect"] == "mixed" and [(r["file"], r["usage_seconds"]) for r in t["live"]] == [(str(path), truth["usage_seconds"])]
    assert t["cost_usd"] == pytest.approx(res["files"][0]["cost_usd"] + truth["cost_usd"], abs=1e-6)


@pytest.mark.parametrize(("name", "dialect"), [("beta_session.jsonl", "realtime-beta"), ("ga_session.jsonl", "realtime-ga")])
def test_realtime_dialects(name: str, dialect: str) -> None:
    s = summary_json(EXAMPLES / name)
    assert s["dialect"] == dialect and s["live"] == []


COLLISIONS = [
    ("session.output_audio.delta", {"delta": "AAAA", "start_ms": 0, "end_ms": 10}, None, "live"),
    ("session.output_audio.delta", {"delta": "AAAA"}, None, "live"),  # Live audio deltas carry no event_id
    ("session.output_audio.delta", {"event_id": "e", "delta": "AAAA", "sample_rate": 24000, "elapsed_ms": 200}, None, "translation"),
    ("session.input_transcript.delta", {"event_id": "e", "delta": "x", "elapsed_ms": 200}, None, "translation"),
    ("session.input_transcript.delta", {"event_id": "e", "delta": "x", "start_ms": 1, "end_ms": 2}, None, "live"),
    ("session.closed", {"event_id": "e", "reason": "expired", "usage": {"seconds": 3}}, None, "live"),
    ("session.closed", {"event_id": "e"}, "translation", "translation"),
    ("session.created", {"session": {"type": "translation"}}, None, "translation"),
    ("session.created", {"session": {"type": "realtime", "audio": {"input": {}}}}, "live", "realtime-ga"),
    ("session.created", {"session": {"modalities": ["audio"], "input_audio_format": "pcm16"}}, None, "realtime-beta"),
    ("response.create", {}, "live", "live"),
    ("response.create", {}, "realtime-ga", "realtime-ga"),
    ("error", {"error": {"client_event_id": "x"}}, "live", "live"),
    ("response.audio.delta", {}, None, "realtime-beta"),
    ("conversation.item.added", {}, None, "realtime-ga"),
]


@pytest.mark.parametrize(("etype", "data", "current", "want"), COLLISIONS)
def test_event_dialect_resolves_the_collisions(etype: str, data: dict, current: str | None, want: str) -> None:
    assert L.event_dialect(etype, {"type": etype, **data}, current) == want


#: every event type gpt-live.md documents (§4, §5, §11, §13)
DOCUMENTED = """
session.start session.update session.input_audio.append session.input_audio.mute session.input_audio.unmute
session.instructions.append session.thinking.append session.commentary.append response.item.create response.create
session.close session.output_audio.fixture.play decision.item.create session.started session.updated
session.input_audio.muted session.input_audio.unmuted session.instructions.appended session.thinking.appended
session.commentary.appended session.output_audio.delta session.input_transcript.delta session.output_transcript.delta
session.delegation.created response.event session.usage.updated session.closed error info
session.output_audio.fixture.playing session.output_audio.fixture.played decision.event decision.item.created
decision.item.deleted transport.dtmf.received transport.dtmf.sent transport.dtmf.send transport.ringing
transport.answered transport.failed session.created session.input_audio_buffer.append
""".split()


def test_no_documented_event_is_unknown() -> None:
    lines = [orjson.dumps({"type": "session.started", "event_id": "e0", "session": {"id": "live_x"}})]
    lines += [orjson.dumps({"type": t, "event_id": f"e{i + 1}"}) for i, t in enumerate(DOCUMENTED)]
    conv = fold([parse_line(x, "t", i + 1) for i, x in enumerate(lines)])
    assert conv.recording is not None and conv.recording.unknown_types == {}


def test_as_a_subprocess(tmp_path: Path) -> None:
    path, truth = live_log(tmp_path, envelope="time-source")
    p = run_rtlog("summary", path, "--json")
    assert (p.returncode, p.stderr) == (0, b"")
    assert orjson.loads(p.stdout)["live"][0]["usage_seconds"] == truth["usage_seconds"]
    p = run_rtlog("extract-audio", path, "-o", "-", "--raw")
    assert p.returncode == 0 and hashlib.sha256(p.stdout).hexdigest() == truth["output_audio"]["sha256"]


# --- hostile input -----------------------------------------------------------------------------------

HOSTILE = [None, 5, -1, 10**15, 1e300, "x", "", [], {}, True, {"seconds": "x"}, [1, 2]]


def _mutations(lines: list[bytes], n: int, seed: int) -> list[bytes]:
    """`n` logs, each the given lines with a few events given hostile field values (or a
    field removed, or a line cut short)."""
    import random

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        log = list(lines)
        for _ in range(rng.randint(1, 6)):
            i = rng.randrange(len(log))
            try:
                ev = orjson.loads(log[i])
            except orjson.JSONDecodeError:
                continue
            target = ev
            if "event" in ev and type(ev["event"]) is dict and rng.random() < 0.5:
                target = ev["event"]
            keys = [k for k in target if k != "type"] or ["delta"]
            k = rng.choice(keys)
            r = rng.random()
            if r < 0.15:
                target.pop(k, None)
            elif r < 0.25:
                log[i] = log[i][: rng.randrange(1, len(log[i]))]
                continue
            else:
                target[k] = rng.choice(HOSTILE)
            log[i] = orjson.dumps(ev)
        out.append(b"\n".join(log) + b"\n")
    return out


def test_hostile_live_logs_never_raise(tmp_path: Path) -> None:
    """Mutated Live logs (fields of the wrong type, huge or negative times, cut lines):
    every command ends with a documented exit code and no traceback."""
    from typer.testing import CliRunner

    from rtlog.cli import app

    buf = io.BytesIO()
    generate_live(buf, transport="sideband", closed=True)
    lines = buf.getvalue().splitlines()
    keep = [x for i, x in enumerate(lines) if b"input_audio.append" not in x or i % 10 == 0]  # (fewer audio lines: faster)
    runner = CliRunner()
    for k, log in enumerate(_mutations(keep, int(os.environ.get("RTLOG_FUZZ_EXAMPLES", 12)), seed=int(os.environ.get("RTLOG_LIVE_SEED", 7)))):
        p = tmp_path / f"m{k}.jsonl"
        p.write_bytes(log)
        for args in (["summary", p, "--json"], ["summary", p], ["transcript", p, "--format", "srt"],
                     ["extract-audio", p, "--side", "both", "-o", tmp_path / f"m{k}.wav"], ["filter", p, "-t", "response.*", "-c"]):  # fmt: skip
            res = runner.invoke(app, [str(a) for a in args])
            assert res.exit_code in (0, 1, 2), (args, res.exit_code, res.stderr)
            assert res.exception is None or isinstance(res.exception, SystemExit), (args, res.exception)
            assert "Traceback" not in res.stderr and all(line.startswith("rtlog: ") for line in res.stderr.splitlines()), (args, res.stderr)


def test_g711_live_session(tmp_path: Path) -> None:
    """A primary socket in `audio/pcmu`: summary states it, extract-audio decodes it to
    PCM16 at 8 kHz (or keeps it with --keep-encoding)."""
    import base64

    from rtlog.audio.g711 import to_pcm16

    ulaw_in, ulaw_out = bytes(range(256)) * 4, bytes(reversed(range(256))) * 3
    lines = [
        {"type": "session.start", "session": {"model": "gpt-live-1", "audio": {"format": {"type": "audio/pcmu", "rate": 8000}}}},
        {"type": "session.started", "event_id": "e1", "session": {"id": "live_u", "model": "gpt-live-1", "audio": {"format": {"type": "audio/pcmu", "rate": 8000}}}},
        {"type": "session.input_audio.append", "audio": base64.b64encode(ulaw_in).decode()},
        {"type": "session.output_audio.delta", "delta": base64.b64encode(ulaw_out).decode()},
    ]  # fmt: skip
    p = write_log(tmp_path / "ulaw.jsonl", lines)
    s = summary_json(p)
    sess = s["sessions"][0]
    assert (sess["input_audio_format"], sess["input_sample_rate"], sess["output_audio_format"]) == ("g711_ulaw", 8000, "g711_ulaw")
    assert s["audio_seconds"]["input"] == len(ulaw_in) / 8000 and s["audio_seconds"]["output"] == len(ulaw_out) / 8000
    run_cli("extract-audio", p, "-o", tmp_path / "a.wav", stderr=None)
    rate, ch, data = _wav(tmp_path / "a.wav")
    assert (rate, ch, data) == (8000, 1, to_pcm16(ulaw_out, "g711_ulaw"))
    run_cli("extract-audio", p, "--side", "user", "--keep-encoding", "-o", tmp_path / "u.wav", stderr=None)
    raw = (tmp_path / "u.wav").read_bytes()
    assert raw[20:22] == (7).to_bytes(2, "little") and raw.endswith(ulaw_in)  # WAV format 7: μ-law, as recorded


# --- a real recording's shapes ---------------------------------------------------------------------


def _real_delegated_round() -> list[dict]:
    """The events of a real GPT-Live session recorded by pydantic-ai
    (`tests/realtime/cassettes/test_openai_live_ws/test_audio_in_delegated_tool_round.yaml`,
    2026-09; values as recorded, the long Responses snapshots cut to the fields rtlog
    reads, and fewer of the audio chunks, which the recorder cut to 33 bytes each), in
    the cassette's `{"kind", "direction", "data"}` records."""

    def rec(direction: str, data: dict) -> dict:
        return {"kind": "message", "direction": direction, "data": data}

    cut = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"  # 33 bytes, as the recorder kept them
    deleg, r1, r2 = "item_ERPviV38IWjTevtgdVZ3X", "resp_0e27e46db52c8ed8006ab45566a99487d19505728b991f94e3", "resp_0e27e46db52c8ed8006ab45567a08087d19d413aee345d9f0d"
    call = {"id": "fc_0e27e46db52c8ed8006ab45567572c87d1a83ce91932903ebb", "type": "function_call", "status": "completed",
            "arguments": '{"city":"Amsterdam"}', "call_id": "call_sMcOazdoNl2difiyfEE12nUN", "name": "lookup_forecast"}  # fmt: skip

    def ev(delegation: str, inner: dict, n: int) -> dict:
        return rec("received", {"event_id": f"event_R{n}", "type": "response.event", "delegation_id": delegation, "event": inner})

    session = {"id": "live_u0_ERPvdp3oMOAyUkpQRPeC4pd87XMfQvR7", "expires_at": 1790210434, "model": "gpt-live-1",
               "instructions": "You are a voice assistant.", "audio": {"output": {"voice": "marin"}, "format": {"type": "audio/pcm", "rate": 24000}},
               "delegation": {"type": "responses", "responses": {"model": "gpt-5.6-sol", "tools": [{"type": "function", "name": "lookup_forecast"}],
                                                                  "tool_choice": "auto"}}, "status": "active", "input": []}  # fmt: skip
    out = [rec("sent", {"type": "session.start", "session": {k: v for k, v in session.items() if k not in ("id", "expires_at", "status", "input")}}),
           rec("received", {"event_id": "event_ERPveRgzZHl2M8SAauoRX", "type": "session.started", "session": session})]  # fmt: skip
    said_in = [("What", 600, 800), (" will the", 800, 1000), (" weather", 1200, 1400), (" be", 1400, 1600), (" in", 1600, 1800),
               (" Amsterdam", 2200, 2400), (" tomorrow", 2800, 3000), ("? Please look", 3600, 3800), (" it up", 3800, 4000)]  # fmt: skip
    for i, (d, a, b) in enumerate(said_in):
        out += [rec("sent", {"type": "session.input_audio.append", "audio": cut}), rec("received", {"type": "session.output_audio.delta", "delta": cut}),
                rec("received", {"type": "session.input_transcript.delta", "start_ms": a, "end_ms": b, "delta": d, "event_id": f"event_I{i}"})]  # fmt: skip
    out.append(rec("received", {"type": "session.delegation.created", "offset_ms": 3800, "event_id": "event_D",
                                "delegation": {"id": deleg, "type": "delegation", "response_id": r1, "target": "responses"}}))  # fmt: skip
    out += [ev(deleg, {"type": "response.created", "response": {"id": r1, "status": "in_progress", "model": "gpt-5.6-sol", "usage": None}}, 1),
            ev(deleg, {"type": "response.in_progress", "response": {"id": r1, "status": "in_progress", "usage": None}}, 2),
            rec("received", {"type": "session.output_transcript.delta", "start_ms": 4000, "end_ms": 4200, "delta": "Sure,", "event_id": "event_O1"}),
            rec("received", {"type": "session.output_transcript.delta", "start_ms": 4200, "end_ms": 4400, "delta": " okay,", "event_id": "event_O2"}),
            ev(deleg, {"type": "response.output_item.added", "item": {**call, "status": "in_progress", "arguments": ""}, "output_index": 0}, 3),
            ev(deleg, {"type": "response.function_call_arguments.delta", "delta": '{"', "item_id": call["id"], "output_index": 0}, 4),
            ev(deleg, {"type": "response.function_call_arguments.done", "arguments": call["arguments"], "item_id": call["id"]}, 5),
            ev(deleg, {"type": "response.output_item.done", "item": call, "output_index": 0, "sequence_number": 9}, 6),
            rec("sent", {"type": "response.item.create", "item": {"type": "function_call_output", "call_id": call["call_id"],
                                                                  "output": "Amsterdam: 14 degrees Celsius, light rain."}}),
            rec("sent", {"type": "response.create"}),
            rec("received", {"type": "session.output_transcript.delta", "start_ms": 4600, "end_ms": 4800, "delta": " I’m", "event_id": "event_O3"}),
            ev(deleg, {"type": "response.completed", "response": {"id": r1, "status": "completed", "model": "gpt-5.6-sol", "output": [],
               "usage": {"input_tokens": 805, "input_tokens_details": {"cache_write_tokens": 805, "cached_tokens": 0}, "output_tokens": 19,
                         "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 824}}}, 7),
            rec("received", {"type": "session.output_transcript.delta", "start_ms": 4800, "end_ms": 5000, "delta": " checking", "event_id": "event_O4"}),
            ev(deleg, {"type": "response.created", "response": {"id": r2, "status": "in_progress", "model": "gpt-5.6-sol", "usage": None}}, 8),
            rec("received", {"type": "session.output_transcript.delta", "start_ms": 5000, "end_ms": 5200, "delta": " the forecast", "event_id": "event_O5"}),
            ev(deleg, {"type": "response.output_text.done", "text": "Tomorrow in Amsterdam, it’ll be around 14°C with light rain."}, 9),
            rec("received", {"type": "session.output_transcript.delta", "start_ms": 5400, "end_ms": 5600, "delta": " now.", "event_id": "event_O6"}),
            ev(deleg, {"type": "response.completed", "response": {"id": r2, "status": "completed", "model": "gpt-5.6-sol", "output": [],
               "usage": {"input_tokens": 846, "input_tokens_details": {"cache_write_tokens": 0, "cached_tokens": 0}, "output_tokens": 19,
                         "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 865}}}, 10)]  # fmt: skip
    for i, (d, a, b) in enumerate([(" It’ll", 6400, 6600), (" be about", 6600, 6800), (" 14", 6800, 7000), ("°C", 7000, 7200), (" with", 7800, 8000),
                                   (" light", 8000, 8200), (" rain", 8400, 8600), (" tomorrow", 8600, 8800), (" in Amsterdam", 9000, 9200), (".", 9200, 9400)]):  # fmt: skip
        out += [rec("sent", {"type": "session.input_audio.append", "audio": cut}), rec("received", {"type": "session.output_audio.delta", "delta": cut}),
                rec("received", {"type": "session.output_transcript.delta", "start_ms": a, "end_ms": b, "delta": d, "event_id": f"event_P{i}"})]  # fmt: skip
    out.append(rec("received", {"type": "session.usage.updated", "usage": {"seconds": 14.0}, "context_window": {"usage_ratio": 0.0103203125},
                                "event_id": "event_ERPvtbtDwaVupFCZACDfl"}))  # fmt: skip
    return out


def test_a_real_recordings_shapes(tmp_path: Path) -> None:
    p = write_log(tmp_path / "real.jsonl", _real_delegated_round())
    s = summary_json(p)
    assert (s["dialect"], s["unknown_event_types"]) == ("live", {})
    (lv,) = s["live"]
    assert (lv["transport"], lv["backend_model"], lv["usage_seconds"], lv["usage_final"]) == ("primary WebSocket", "gpt-5.6-sol", 14.0, False)
    assert lv["cost"]["usd"] == round(14.0 * 0.05 / 60, 6) and s["cost_is_lower_bound"] is True
    assert {k: lv["backend"]["usage"][k] for k in ("input_tokens", "output_tokens", "cached_tokens")} == {"input_tokens": 1651, "output_tokens": 38, "cached_tokens": 0}
    assert [(c["name"], c["arguments"], c["has_output"]) for c in lv["tool_calls"]] == [("lookup_forecast", '{"city":"Amsterdam"}', True)]
    assert "user input audio cut by the recorder: every chunk is 33 bytes, so its seconds are not real" in s["warnings"]
    entries = orjson.loads(run_cli("transcript", p, "--format", "json").stdout)
    assert [(e["role"], e["type"], e["text"] or e["output"], e["start"]) for e in entries] == [
        ("user", "message", "What will the weather be in Amsterdam tomorrow? Please look it up", 0.6),
        ("assistant", "function_call", "Amsterdam: 14 degrees Celsius, light rain.", 3.8),
        ("tool", "function_call_output", "Amsterdam: 14 degrees Celsius, light rain.", 3.8),
        ("assistant", "message", "Sure, okay, I’m checking the forecast now. It’ll be about 14°C with light rain tomorrow in Amsterdam.", 4.0),
    ]
    res = run_cli("extract-audio", p, "-o", tmp_path / "x.wav", exit_code=1, stderr=None)
    assert "no real assistant audio: the recorder cut every chunk to 33 bytes" in res.stderr


def test_backend_tokens_priced_when_the_table_knows_the_backend_model(tmp_path: Path) -> None:
    path, truth = live_log(tmp_path)
    prices = tmp_path / "p.json"
    rates = {"text_input": 1.0, "cached_text_input": 0.1, "audio_input": 0, "cached_audio_input": 0, "text_output": 10.0, "audio_output": 0}
    prices.write_bytes(orjson.dumps({"models": {"gpt-5.1": rates}}))
    s = summary_json(path, "--pricing", str(prices))
    b = truth["backend_tokens"]
    # cached tokens at the cached rate, the rest of the input at the input rate; reasoning is part of the output
    want = round(((b["input_tokens"] - b["cached_tokens"]) * 1.0 + b["cached_tokens"] * 0.1 + b["output_tokens"] * 10.0) / 1e6, 6)
    assert s["live"][0]["backend"]["cost_usd"] == want
    assert s["cost_usd"] == pytest.approx(truth["cost_usd"] + want, abs=1e-9)
    assert not any("not priced" in n for n in s["cost"]["notes"])
