"""How the conversation felt (rtlog.metrics.turntaking): every metric against the truth
bench/gen_turns.py put in its logs, the rules that hold for any chunking of the audio, logs
that cannot support a metric (null with the reason, never 0), the CLI and the real corpus."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import orjson
import pytest
from conftest import REPO, corpus_files, needs_corpus, run_cli, run_rtlog, write_log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rtlog
from rtlog.metrics.turntaking import Feel, turn_taking

TOL_MS = 1.0  # the generator's times are whole milliseconds; rtlog must get them back to rounding


def gen(seed: int = 1, **kw: object) -> tuple[bytes, dict]:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_turns import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    buf = io.BytesIO()
    truth = generate(buf, seed, **kw)
    return buf.getvalue(), truth


def feel_of(tmp_path: Path, data: bytes, name: str = "t.jsonl", **kw: object) -> Feel:
    p = tmp_path / name
    p.write_bytes(data)
    return turn_taking(rtlog.load(str(p)), **kw)


def close(a: float | None, b: float | None, tol: float = TOL_MS) -> bool:
    return a is not None and b is not None and abs(a - b) <= tol


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_every_turn_gets_back_what_the_generator_put_in(tmp_path: Path, seed: int) -> None:
    data, truth = gen(seed)
    f = feel_of(tmp_path, data)
    assert f.unknown == {}
    assert len(f.turns) == len(truth["turns"])
    for got, want in zip(f.turns, truth["turns"]):
        where = f"seed {seed} turn {want['turn']} ({want['kind']})"
        assert got.item_id == want["item_id"] and got.committed == want["committed"], where
        assert close(got.speech_start * 1000, want["speech_start_ms"]), where
        assert close(got.speech_end * 1000, want["speech_end_ms"]), where
        if want["response_gap_ms"] is None:
            assert got.response_gap_ms is None, where
        else:
            assert close(got.response_gap_ms, want["response_gap_ms"]), where
        assert got.barge_in == want["barge_in"], where
        assert got.agent_interrupted == want["agent_interrupted"], where
        if want["yield_ms"] is None:
            assert got.yield_ms is None, where
        else:
            assert close(got.yield_ms, want["yield_ms"]) and got.yielded_by == want["yielded_by"], where
        assert got.false_barge_in == want["false_barge_in"], where
        assert got.unanswered(truth["unanswered_after_s"]) == want["unanswered"], where
        if want["transcription_lag_ms"] is not None:
            assert close(got.transcription_lag_ms, want["transcription_lag_ms"]), where


@pytest.mark.parametrize("seed", [1, 5])
def test_latency_steps_are_the_generators_and_sum_to_the_total(tmp_path: Path, seed: int) -> None:
    data, truth = gen(seed)
    f = feel_of(tmp_path, data)
    for got, want in zip(f.turns, truth["turns"]):
        lat = got.latency
        assert lat is not None
        steps = {s.name: s.ms for s in lat.steps}
        if not want["committed"]:  # a false start: only the VAD's wait, and commit n/a (never 0)
            assert steps == {"endpointing": pytest.approx(want["latency_steps_ms"]["endpointing"], abs=TOL_MS), "commit": None}
            continue
        assert steps.keys() == want["latency_steps_ms"].keys(), want["kind"]
        for name, ms in want["latency_steps_ms"].items():
            assert close(steps[name], ms), (want["kind"], name)
        if want["latency_total_ms"] is None:
            assert lat.total_ms is None and not lat.complete
            continue
        assert lat.complete and lat.start == "speech_end"
        assert close(lat.total_ms, want["latency_total_ms"])
        assert abs(sum(s.ms for s in lat.steps) - lat.total_ms) <= 1.0  # the steps sum to the total
        if want["tool"]:
            (r,) = lat.tool_rounds
            assert r.call_id == want["tool"]["call_id"] and r.name == "get_weather"
            assert close(r.tool_ms, want["tool"]["tool_ms"]) and close(r.round_trip_ms, want["tool"]["round_trip_ms"])


@pytest.mark.parametrize("seed", [1, 2])
def test_the_session_figures_are_the_generators(tmp_path: Path, seed: int) -> None:
    data, truth = gen(seed)
    f = feel_of(tmp_path, data)
    d = f.to_dict()
    assert close(f.talk_over_seconds * 1000, truth["talk_over_ms"], 5 * TOL_MS)
    assert f.talk_over_count == truth["talk_over_count"]
    assert d["overlap_ratio"] == pytest.approx(truth["talk_over_ms"] / truth["speaking_ms"], abs=1e-4)
    assert d["interruptions_by_user"] == truth["interruptions_by_user"] == 4
    assert d["interruptions_by_agent"] == truth["interruptions_by_agent"] == 1
    assert d["false_barge_ins"] == truth["false_barge_ins"]
    assert len(truth["false_barge_ins"]) == 3  # a cough, a one-word "hmm" nobody answered, a false start
    assert d["unanswered"] == truth["unanswered"]
    assert len(truth["unanswered"]) == 3  # the "hmm", a turn never answered, an answer after 6 s
    assert [x["response_id"] for x in d["delivery"]] == [x["response_id"] for x in truth["delivery"]]
    for got, want in zip(d["delivery"], truth["delivery"]):
        assert got["audio_seconds"] == pytest.approx(want["audio_ms"] / 1000, abs=1e-3)
        assert got["stalls"] == want["stalls"] and got["behind"] == (want["stalls"] > 0)
        assert got["stall_seconds"] == pytest.approx(want["stall_ms"] / 1000, abs=1e-3)
        assert got["ahead_max_seconds"] == pytest.approx(want["ahead_max_ms"] / 1000, abs=1e-3)
    assert d["responses_behind"] == 1
    v = f.vad
    assert v is not None
    assert v.lengths_ms == truth["vad"]["segment_ms"] and v.gaps_ms == truth["vad"]["gap_ms"]
    assert v.short_segments == truth["vad"]["short_segments"] == 2
    assert v.cut_off == truth["vad"]["cut_off_gaps"] == 1
    assert v.timeouts == truth["vad"]["timeout_triggered"] == 1
    assert v.silence_duration_ms == 500


def test_the_unanswered_threshold_is_read_at_the_end(tmp_path: Path) -> None:
    data, truth = gen(1)
    f = feel_of(tmp_path, data, unanswered_after_s=7.0)
    late = next(t["turn"] for t in truth["turns"] if t["kind"] == "late")  # answered after 6.0–6.5 s
    assert late not in f.unanswered and late in truth["unanswered"]
    f.unanswered_after_s = 5.0
    assert f.unanswered == truth["unanswered"]


def test_a_turn_the_log_ends_on_is_not_counted_unanswered(tmp_path: Path) -> None:
    data, _ = gen(1, script=("normal", "unanswered"))
    lines = data.splitlines()
    # cut the log 2 s after the last commit: nobody can tell whether an answer would have come
    last_commit = max(i for i, ln in enumerate(lines) if b'"input_audio_buffer.committed"' in ln and b"timeout" not in lines[i - 1])
    t = orjson.loads(lines[last_commit])["timestamp"]
    kept = [ln for ln in lines if orjson.loads(ln)["timestamp"] <= t + 2.0]
    f = feel_of(tmp_path, b"\n".join(kept) + b"\n")
    assert f.turns[-1].committed and not f.turns[-1].has_output
    assert f.turns[-1].unanswered(5.0) is None
    assert f.turns[-1].unanswered(1.0) is True
    assert f.unanswered == []


def test_without_timestamps_the_timing_metrics_are_unknown_with_the_reason(tmp_path: Path) -> None:
    data, truth = gen(1, timestamps=False)
    f = feel_of(tmp_path, data)
    d = f.to_dict()
    reason = "no timestamps in the log"
    for k in ("talk_over", "time_to_yield", "response_gap", "interruptions", "false_barge_ins", "delivery", "latency"):
        assert f.unknown[k] == reason
    for k in ("talk_over_seconds", "talk_over_count", "overlap_ratio", "interruptions_by_user", "interruptions_by_agent",
              "time_to_yield_ms", "response_gap_ms", "false_barge_ins", "responses_behind", "agent_started_early"):
        assert d[k] is None, k
    assert d["delivery"] == [] and d["latency_steps_ms"] == {} and d["timed"] is False
    for t in d["turns"]:
        assert t["latency"] is None and t["response_gap_ms"] is None and t["barge_in"] is None and t["yield_ms"] is None
    # VAD offsets need no clock: the segmentation is still exact
    assert f.vad is not None and f.vad.lengths_ms == truth["vad"]["segment_ms"] and f.vad.gaps_ms == truth["vad"]["gap_ms"]
    # unanswered without a clock: committed turns that got no reply at all (not the late one)
    never = [t["turn"] for t in truth["turns"] if t["committed"] and t["response_gap_ms"] is None]
    assert d["unanswered"] == never


def test_whole_second_timestamps_measure_nothing(tmp_path: Path) -> None:
    data, _ = gen(1)
    lines = []
    for ln in data.splitlines():
        ev = orjson.loads(ln)
        ev["timestamp"] = float(int(ev["timestamp"]))
        lines.append(orjson.dumps(ev))
    f = feel_of(tmp_path, b"\n".join(lines) + b"\n")
    assert f.unknown["talk_over"] == "timestamps are whole seconds"
    assert f.talk_over_seconds is None and all(t.latency is None for t in f.turns)


def test_without_vad_events_nobody_knows_when_the_user_spoke(tmp_path: Path) -> None:
    # a typed conversation with timed audio replies: latency is known, talk-over is not
    events = [
        {"type": "session.created", "session": {"id": "s", "model": "gpt-realtime"}, "timestamp": 100.0},
        {"type": "conversation.item.create", "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}, "timestamp": 101.0},
        {"type": "response.create", "timestamp": 101.001},
        {"type": "response.created", "response": {"id": "r1", "status": "in_progress"}, "timestamp": 101.020},
        {"type": "response.output_audio.delta", "response_id": "r1", "item_id": "a1", "delta": "AAAA" * 1200, "timestamp": 101.400},
        {"type": "response.done", "response": {"id": "r1", "status": "completed"}, "timestamp": 101.5},
    ]
    p = write_log(tmp_path / "typed.jsonl", events)
    f = turn_taking(rtlog.load(str(p)))
    assert f.unknown["talk_over"].startswith("no VAD events or committed audio")
    assert f.talk_over_seconds is None and f.to_dict()["interruptions_by_user"] is None
    (t,) = f.turns
    assert t.how == "text" and t.latency is not None
    assert [(s.name, s.ms) for s in t.latency.steps] == [("response_start", pytest.approx(20, abs=0.01)),
                                                         ("first_audio", pytest.approx(380, abs=0.01))]  # fmt: skip
    assert t.latency.complete and t.latency.total_ms == pytest.approx(400, abs=0.01)
    assert t.unanswered() is False
    assert f.vad is None and f.unknown["vad"].startswith("no VAD events")


def test_a_false_start_is_no_user_item_but_is_a_turn_of_the_feel(tmp_path: Path) -> None:
    data, truth = gen(1)
    p = tmp_path / "t.jsonl"
    p.write_bytes(data)
    conv = rtlog.load(str(p))
    start = next(t for t in truth["turns"] if t["kind"] == "false_start")
    assert start["item_id"] not in {x.id for x in conv.messages}  # never committed: no user message
    t = turn_taking(conv).turns[start["turn"] - 1]
    assert t.item_id == start["item_id"] and not t.committed and t.false_barge_in and t.unanswered() is None


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(1, 10_000), chunk_ms=st.sampled_from([20, 40, 50, 60, 100, 120, 200]))
def test_any_chunking_of_the_audio_gives_the_same_turn_taking(tmp_path: Path, seed: int, chunk_ms: int) -> None:
    """However the assistant audio is cut into deltas, what was heard and when is the same."""
    data, truth = gen(seed, chunk_ms=chunk_ms)
    f = feel_of(tmp_path, data, name=f"c{seed}-{chunk_ms}.jsonl")
    assert close(f.talk_over_seconds * 1000, truth["talk_over_ms"], 5 * TOL_MS)
    assert f.unanswered == truth["unanswered"] and f.false_barge_ins == truth["false_barge_ins"]
    for got, want in zip(f.turns, truth["turns"]):
        assert got.barge_in == want["barge_in"] and got.agent_interrupted == want["agent_interrupted"]
        if want["yield_ms"] is not None:
            assert close(got.yield_ms, want["yield_ms"])
        if want["response_gap_ms"] is not None:
            assert close(got.response_gap_ms, want["response_gap_ms"])
    stalls = [(d.stalls, round(d.stall_seconds, 3)) for d in f.delivery]
    assert stalls == [(x["stalls"], x["stall_ms"] / 1000) for x in truth["delivery"]]


# -- the CLI -----------------------------------------------------------------------------------


def test_summary_json_has_the_documented_turn_taking_object(tmp_path: Path) -> None:
    data, truth = gen(1)
    p = tmp_path / "t.jsonl"
    p.write_bytes(data)
    d = orjson.loads(run_cli("summary", p, "--json").stdout)["turn_taking"]
    assert set(d) == {
        "talk_over_seconds", "talk_over_count", "overlap_ratio", "interruptions_by_user", "interruptions_by_agent",
        "time_to_yield_ms", "response_gap_ms", "agent_started_early", "timed", "unanswered_after_s", "unanswered",
        "false_barge_in_ms", "false_barge_ins", "unanswered_count", "false_barge_in_count", "latency_steps_ms", "delivery", "responses_behind", "vad", "unknown", "sessions", "turns",
    }  # fmt: skip
    assert d["unanswered"] == truth["unanswered"] and d["unanswered_after_s"] == 5.0
    assert d["talk_over_seconds"] == pytest.approx(truth["talk_over_ms"] / 1000, abs=0.005)
    assert set(d["turns"][0]) >= {"turn", "line", "speech_start", "speech_end", "response_gap_ms", "yield_ms", "latency", "unanswered"}
    d7 = orjson.loads(run_cli("summary", p, "--json", "--unanswered-after", "7").stdout)["turn_taking"]
    late = next(t["turn"] for t in truth["turns"] if t["kind"] == "late")
    assert d7["unanswered_after_s"] == 7.0 and d7["unanswered"] == [n for n in truth["unanswered"] if n != late]


def test_summary_shows_a_turn_taking_block_within_80_columns(tmp_path: Path) -> None:
    data, truth = gen(1)
    p = tmp_path / "t.jsonl"
    p.write_bytes(data)
    r = run_rtlog("summary", p, env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert r.returncode == 0 and r.stderr == b""
    out = r.stdout.decode()
    assert all(len(line) <= 80 for line in out.splitlines())
    block = out[out.index("Turn-taking\n") : out.index("Tokens and cost")]
    u = ", ".join(map(str, truth["unanswered"]))
    assert f"unanswered (>5 s)      3 (turns {u})" in block
    f = ", ".join(map(str, truth["false_barge_ins"]))
    assert f"false barge-ins       3 (turns {f})" in block
    assert "barge-ins by user                        4" in block
    assert "delivery stalled" in block and "1 of " in block
    assert "worst turns" in block and "dead air" in block
    assert "\x1b[" not in out


def test_summary_of_a_log_without_timestamps_says_unknown_not_zero(tmp_path: Path) -> None:
    data, _ = gen(1, timestamps=False)
    p = tmp_path / "t.jsonl"
    p.write_bytes(data)
    out = run_cli("summary", p).stdout
    block = out[out.index("Turn-taking\n") : out.index("Tokens and cost")]
    rows = {" ".join(line.split()[:-1]): line.split()[-1] for line in block.splitlines()[1:6]}
    assert rows == {"talk-over": "unknown", "barge-ins by user": "unknown", "false barge-ins": "unknown",
                    "agent talked over": "unknown", "dead air": "unknown"}  # fmt: skip
    assert "unknown (no timestamps in the log): delivery, false barge ins, interruptions," in block
    assert "unanswered (no reply)" in block


def test_several_files_add_up_in_the_total(tmp_path: Path) -> None:
    a, ta = gen(1)
    b, tb = gen(2)
    (tmp_path / "a.jsonl").write_bytes(a)
    (tmp_path / "b.jsonl").write_bytes(b)
    d = orjson.loads(run_cli("summary", tmp_path / "a.jsonl", tmp_path / "b.jsonl", "--json", "-j", "1").stdout)
    total = d["total"]["turn_taking"]
    assert len(total["turns"]) == len(ta["turns"]) + len(tb["turns"])
    assert total["talk_over_count"] == ta["talk_over_count"] + tb["talk_over_count"]
    assert total["interruptions_by_user"] == 8 and total["vad"]["segments"] == len(ta["turns"]) + len(tb["turns"])
    assert [f["turn_taking"]["unanswered"] for f in d["files"]] == [ta["unanswered"], tb["unanswered"]]
    assert total["unanswered_count"] == len(ta["unanswered"]) + len(tb["unanswered"])
    out = run_cli("summary", tmp_path / "a.jsonl", tmp_path / "b.jsonl", "-j", "1").stdout
    total_block = out[out.rindex("Turn-taking\n") :]
    (row,) = [line.split() for line in total_block.splitlines() if line.startswith("unanswered")]
    assert row == ["unanswered", "(>5", "s)", str(len(ta["unanswered"]) + len(tb["unanswered"]))]
    assert "worst turns" not in total_block  # (turn numbers restart in each file)


# -- the real corpus ------------------------------------------------------------------------------


@needs_corpus
def test_the_real_corpus_says_what_it_cannot_support() -> None:
    """The corpus has no timestamps: every timing metric is null with the reason, never 0;
    what needs no clock (turns, VAD segmentation, replies) is still there."""
    files = corpus_files("derived")
    assert files
    with_vad = 0
    for path in files:
        conv = rtlog.load(str(path))
        f = turn_taking(conv)
        d = f.to_dict()
        assert d["timed"] is False, path.name
        assert f.clock in ("no timestamps in the log", "only some events have timestamps"), path.name  # (xAI: pings only)
        assert d["talk_over_seconds"] is None and d["response_gap_ms"] is None and d["interruptions_by_user"] is None
        assert all(t["latency"] is None and t["yield_ms"] is None for t in d["turns"])
        assert len(d["turns"]) == len(conv.turns)
        if d["vad"] is not None:
            with_vad += 1
            assert all(x > 0 for x in f.vad.lengths_ms), path.name
    assert with_vad >= 5


@needs_corpus
def test_a_real_vad_turn_is_segmented_from_its_offsets() -> None:
    from conftest import corpus_file

    conv = rtlog.load(str(corpus_file("openai_ws__test_audio_in_server_vad_turn.jsonl")))
    f = turn_taking(conv)
    (turn,) = conv.turns
    assert f.vad is not None and f.vad.lengths_ms == [turn.speech_stopped_ms - turn.speech_started_ms]
    (t,) = f.turns
    assert t.committed and t.has_output and t.unanswered() is False


# -- audio quality (summary --audio-quality) ----------------------------------------------------


def test_audio_levels_are_the_samples_levels(tmp_path: Path) -> None:
    """Peak, RMS, DC and clipping of every assistant sample sent (the generator computes them
    the plain way), to 0.01 dB; each response's leading silence and long silences."""
    from rtlog.audio.quality import quality_conversation
    from rtlog.io.reader import Diagnostics, expand_sources

    data, truth = gen(3, tone=True)
    p = tmp_path / "tone.jsonl"
    p.write_bytes(data)
    conv, q = quality_conversation(expand_sources([str(p)])[0], Diagnostics(strict=True))
    d = q.to_dict()
    want = truth["audio"]["assistant"]
    got = d["assistant"]
    assert got["peak_dbfs"] == pytest.approx(want["peak_dbfs"], abs=0.01)
    assert got["rms_dbfs"] == pytest.approx(want["rms_dbfs"], abs=0.01)
    assert got["dc_offset"] == pytest.approx(want["dc_offset"], abs=1e-6)
    assert got["clipped_share"] == pytest.approx(want["clipped_share"], abs=1e-6) and want["clipped_share"] > 0
    assert got["seconds"] == pytest.approx(want["seconds"], abs=1e-3)
    assert d["user"] == {"seconds": pytest.approx(conv.recording.audio_in.seconds, abs=1e-3), "peak_dbfs": None,
                         "rms_dbfs": None, "dc_offset": 0.0, "clipped_share": 0.0, "silent": True}  # fmt: skip
    assert [r["response_id"] for r in d["responses"]] == [r["response_id"] for r in truth["audio"]["responses"]]
    for g, w in zip(d["responses"], truth["audio"]["responses"]):
        assert g["leading_silence_ms"] == pytest.approx(w["leading_silence_ms"], abs=0.1)
        assert [(x["at_ms"], x["ms"]) for x in g["long_silences"]] == [tuple(x) for x in w["long_silences"]]
    assert d["responses_with_long_silences"] == 1
    # the same pass gives the same conversation as rtlog.load
    assert [t.item_id for t in conv.turns] == [t.item_id for t in rtlog.load(str(p)).turns]


def test_without_numpy_the_same_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The `audio` extra only makes it faster: array and the builtins give the same result."""
    from rtlog.audio import quality
    from rtlog.io.reader import Diagnostics, expand_sources

    data, _ = gen(3, tone=True)
    p = tmp_path / "tone.jsonl"
    p.write_bytes(data)
    src = expand_sources([str(p)])[0]
    fast = quality.quality_conversation(src, Diagnostics(strict=True))[1].to_dict()
    monkeypatch.setattr(quality, "_np", None)
    plain = quality.quality_conversation(src, Diagnostics(strict=True))[1].to_dict()
    assert plain == fast


def test_a_sine_measures_as_the_textbook_says(tmp_path: Path) -> None:
    """A 1 kHz sine at half scale: peak -6.02 dBFS, RMS -9.03 dBFS (±0.1 dB); μ-law too."""
    import base64
    import math

    from rtlog.audio import g711
    from rtlog.audio.quality import quality_conversation
    from rtlog.io.reader import Diagnostics, expand_sources

    pcm = b"".join(round(0.5 * 32767 * math.sin(2 * math.pi * k / 24)).to_bytes(2, "little", signed=True) for k in range(24000))
    ulaw = bytes(g711_encode(pcm))
    for fmt, rate, data in (({"type": "audio/pcm", "rate": 24000}, 24000, pcm), ({"type": "audio/pcmu"}, 8000, ulaw)):
        chunk = len(data) // 10
        events = [{"type": "session.created", "session": {"id": "s", "audio": {"output": {"format": fmt}}}},
                  {"type": "response.created", "response": {"id": "r"}}]  # fmt: skip
        events += [{"type": "response.output_audio.delta", "response_id": "r", "item_id": "i",
                    "delta": base64.b64encode(data[i : i + chunk]).decode()} for i in range(0, len(data), chunk)]  # fmt: skip
        p = write_log(tmp_path / f"sine{rate}.jsonl", events)
        _, q = quality_conversation(expand_sources([str(p)])[0], Diagnostics(strict=True))
        a = q.to_dict()["assistant"]
        assert a["clipped_share"] == 0 and abs(a["dc_offset"]) < 1e-3
        if rate == 24000:
            assert a["peak_dbfs"] == pytest.approx(-6.02, abs=0.1) and a["rms_dbfs"] == pytest.approx(-9.03, abs=0.1)
            continue
        # μ-law: the levels of the decoded samples (what extract-audio writes), quantization and all
        x = [int.from_bytes(b[i : i + 2], "little", signed=True) for b in [g711.to_pcm16(ulaw, "g711_ulaw")] for i in range(0, len(b), 2)]
        assert a["peak_dbfs"] == pytest.approx(20 * math.log10(max(map(abs, x)) / 32768), abs=0.01)
        assert a["rms_dbfs"] == pytest.approx(20 * math.log10(math.sqrt(sum(v * v for v in x) / len(x)) / 32768), abs=0.01)
        assert a["rms_dbfs"] == pytest.approx(-9.03, abs=0.1)  # (the peak moves by μ-law's step there: 0.2 dB)


def g711_encode(pcm: bytes) -> list[int]:
    """μ-law encoding of 24 kHz PCM16 taken down to 8 kHz (every third sample), G.711's formula."""
    out = []
    for k in range(0, len(pcm) // 2, 3):
        x = int.from_bytes(pcm[2 * k : 2 * k + 2], "little", signed=True)
        sign = 0x80 if x < 0 else 0
        x = min(abs(x), 32635) + 132
        exp = max(0, x.bit_length() - 8)
        mant = (x >> (exp + 3)) & 0x0F
        out.append(~(sign | (exp << 4) | mant) & 0xFF)
    return out


def test_summary_audio_quality_option(tmp_path: Path) -> None:
    data, truth = gen(3, tone=True)
    p = tmp_path / "tone.jsonl"
    p.write_bytes(data)
    plain = orjson.loads(run_cli("summary", p, "--json").stdout)
    assert plain["audio_quality"] is None  # not measured unless asked: it decodes every chunk
    d = orjson.loads(run_cli("summary", p, "--json", "--audio-quality").stdout)
    assert d["audio_quality"]["assistant"]["rms_dbfs"] == pytest.approx(truth["audio"]["assistant"]["rms_dbfs"], abs=0.01)
    assert {k: v for k, v in d.items() if k != "audio_quality"} == {k: v for k, v in plain.items() if k != "audio_quality"}
    out = run_cli("summary", p, "--audio-quality").stdout
    assert "Audio quality" in out and "user             silent" in out
    assert "silences ≥ 500 ms inside 1 response" in out


def test_webrtc_playback_events_stand_for_the_audio_the_log_lacks(tmp_path: Path) -> None:
    """A sideband log (no audio): output_audio_buffer.started/cleared say when the assistant
    spoke; the user's barge-in and the yield are measured by them."""
    t = 1000.0
    events = [
        {"type": "session.created", "session": {"id": "s", "model": "gpt-realtime"}, "timestamp": t},
        {"type": "input_audio_buffer.speech_started", "audio_start_ms": 1000, "item_id": "u1", "timestamp": t + 1.1},
        {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 2000, "item_id": "u1", "timestamp": t + 2.5},
        {"type": "input_audio_buffer.committed", "item_id": "u1", "timestamp": t + 2.503},
        {"type": "response.created", "response": {"id": "r1"}, "timestamp": t + 2.52},
        {"type": "output_audio_buffer.started", "response_id": "r1", "timestamp": t + 3.0},
        {"type": "input_audio_buffer.speech_started", "audio_start_ms": 4000, "item_id": "u2", "timestamp": t + 4.1},
        {"type": "output_audio_buffer.cleared", "response_id": "r1", "timestamp": t + 4.35},
        {"type": "response.done", "response": {"id": "r1", "status": "cancelled"}, "timestamp": t + 4.36},
        {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 5000, "item_id": "u2", "timestamp": t + 5.5},
        {"type": "input_audio_buffer.committed", "item_id": "u2", "timestamp": t + 5.503},
    ]
    f = turn_taking(rtlog.load(str(write_log(tmp_path / "webrtc.jsonl", events))))
    assert "talk_over" not in f.unknown and f.unknown["delivery"] == "no assistant audio in the log"
    one, two = f.turns
    # (no appends: VAD offsets are placed by the events' times, the first at its own time)
    assert one.response_gap_ms == pytest.approx((3.0 - one.speech_end) * 1000, abs=0.01)
    assert two.barge_in and two.yielded_by == "cleared"
    assert two.yield_ms == pytest.approx((4.35 - two.speech_start) * 1000, abs=0.01)
    assert f.talk_over_seconds == pytest.approx(4.35 - two.speech_start, abs=1e-6)


def test_gpt_realtime_2_first_audio_and_first_final_answer_audio(tmp_path: Path) -> None:
    """A commentary preamble, then the final answer: both firsts are reported."""
    t = 1000.0
    pcm = "AAAA" * 1600  # 0.1 s at 24 kHz
    events = [
        {"type": "session.created", "session": {"id": "s", "model": "gpt-realtime-2"}, "timestamp": t},
        {"type": "conversation.item.create", "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}, "timestamp": t + 1},
        {"type": "response.created", "response": {"id": "r"}, "timestamp": t + 1.01},
        {"type": "response.output_item.added", "response_id": "r", "item": {"id": "c", "type": "message", "role": "assistant", "phase": "commentary"}, "timestamp": t + 1.2},
        {"type": "response.output_audio.delta", "response_id": "r", "item_id": "c", "delta": pcm, "timestamp": t + 1.3},
        {"type": "response.output_item.added", "response_id": "r", "item": {"id": "f", "type": "message", "role": "assistant", "phase": "final_answer"}, "timestamp": t + 2.0},
        {"type": "response.output_audio.delta", "response_id": "r", "item_id": "f", "delta": pcm, "timestamp": t + 2.2},
        {"type": "response.done", "response": {"id": "r", "status": "completed"}, "timestamp": t + 2.5},
    ]
    conv = rtlog.load(str(write_log(tmp_path / "g2.jsonl", events)))
    (turn,) = turn_taking(conv).turns
    assert turn.latency is not None and turn.latency.total_ms == pytest.approx(300, abs=0.01)  # committed → first audio
    assert turn.first_final_audio_ms is None  # a typed turn has no end of speech to measure from
    events[1:2] = [
        {"type": "input_audio_buffer.speech_started", "audio_start_ms": 100, "item_id": "u", "timestamp": t + 0.2},
        {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 500, "item_id": "u", "timestamp": t + 0.9},
        {"type": "input_audio_buffer.committed", "item_id": "u", "timestamp": t + 0.95},
    ]
    conv = rtlog.load(str(write_log(tmp_path / "g2s.jsonl", events)))
    (turn,) = turn_taking(conv).turns
    end = turn.speech_end
    assert turn.first_final_audio_ms == pytest.approx((2.2 - end) * 1000, abs=0.01)
    assert turn.response_gap_ms == pytest.approx((1.3 - end) * 1000, abs=0.01)


def test_pauses_are_measured_on_the_timeline_when_the_mic_stops_during_answers(tmp_path: Path) -> None:
    """gen_session's client stops streaming while the assistant speaks: VAD offsets skip the
    answer, so pauses come from the timeline, and a pause with an answer in it cut nobody off."""
    from conftest import generated_log

    data, truth = generated_log("ga", seed=2, minutes=0.5)
    p = tmp_path / "s.jsonl"
    p.write_bytes(data)
    conv = rtlog.load(str(p))
    f = turn_taking(conv)
    spans = [conv.moments.speech[t.item_id] for t in conv.turns]
    assert len(spans) == truth["user_turns"] >= 3
    assert f.vad.gaps_ms == [round((b[0] - a[1]) * 1000) for a, b in zip(spans, spans[1:])]
    offsets = [b.speech_started_ms - a.speech_stopped_ms for a, b in zip(conv.turns, conv.turns[1:])]
    assert all(g > o for g, o in zip(f.vad.gaps_ms, offsets))  # (the offsets lack the answers' time)
    assert f.vad.cut_off == 0


def test_each_session_of_a_reconnected_log_has_its_figures(tmp_path: Path) -> None:
    script = ("normal", "truncate", "normal", "normal")
    a, ta = gen(1, script=script)
    b, tb = gen(2, script=script)
    second = []
    for line in b.splitlines():  # the same call 300 s later, on a new connection (ids of its own)
        ev = orjson.loads(line.replace(b'"item_0', b'"itemB_0').replace(b'"resp_0', b'"respB_0').replace(b'"call_0', b'"callB_0'))
        ev["timestamp"] += 300
        second.append(orjson.dumps(ev))
    f = feel_of(tmp_path, a + b"\n".join(second) + b"\n")
    got = f.to_dict()["sessions"]
    assert [(s["session"], s["turns"]) for s in got] == [(1, len(ta["turns"])), (2, len(tb["turns"]))]
    assert [s["interruptions_by_user"] for s in got] == [ta["interruptions_by_user"], tb["interruptions_by_user"]] == [1, 1]
    assert got[0]["talk_over_seconds"] == pytest.approx(ta["talk_over_ms"] / 1000, abs=0.005)
    assert got[1]["talk_over_seconds"] == pytest.approx(tb["talk_over_ms"] / 1000, abs=0.005)
    assert got[1]["response_gap_ms"]["count"] == sum(1 for t in tb["turns"] if t["response_gap_ms"] is not None)
