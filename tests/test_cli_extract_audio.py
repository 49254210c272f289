"""`rtlog extract-audio` end to end: real recordings, the examples' truth, a generated
long log's truth, pipes, safety (atomic output, inputs, terminals), options."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import struct
import sys
import wave
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import EXAMPLES, REPO, corpus_file, needs_corpus, run_cli, run_rtlog, write_log

from rtlog import output
from rtlog.audio.g711 import to_pcm16


def frames(data: bytes) -> tuple[Any, bytes]:
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getparams(), w.readframes(w.getnframes())


def wav_frames(path: Path) -> tuple[Any, bytes]:
    return frames(path.read_bytes())


def decoded_payloads(path: Path, key: str, types: tuple[str, ...]) -> list[bytes]:
    """The test's own reading of a bare-JSONL log: each payload decoded on its own."""
    out = []
    for line in path.read_bytes().splitlines():
        ev = orjson.loads(line)
        if ev.get("type") in types:
            out.append(base64.b64decode(ev[key], validate=True))
    return out


def truth(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.truth.json").read_text())


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


ASSISTANT_TYPES = ("response.audio.delta", "response.output_audio.delta")

# --- real recordings ------------------------------------------------------------------------------


@needs_corpus
def test_real_full_output_audio_is_76800_bytes(tmp_path: Path) -> None:
    src = corpus_file("test_openai_connect_and_transcript@8cedd8c16")
    out = tmp_path / "reply.wav"
    run_cli("extract-audio", src, "-o", out, stderr=f"rtlog: wrote {out}: 1.60 s, 24 kHz PCM16 mono, 6 chunks (76,800 bytes)\n")
    params, data = wav_frames(out)
    assert (params.nchannels, params.sampwidth, params.framerate, params.nframes) == (1, 2, 24000, 38400)
    assert data == b"".join(decoded_payloads(src, "delta", ASSISTANT_TYPES))
    assert len(data) == 76800


@needs_corpus
@pytest.mark.parametrize(
    ("name", "nbytes", "chunks"),
    [
        ("test_openai_ws__test_audio_in_server_vad_turn@c194c71b8", 263424, 55),
        ("test_xai_ws__test_audio_in_server_vad_turn@c194c71b8", 263424, 55),
        ("test_azure_ws__test_audio_in_server_vad_turn@fb15682d6", 263424, 55),
        ("test_spoken_turn_transcribed_drives_a_tool_and_answers_in_audio@d2c0119bb", 263424, 55),
        ("three_server_vad_turns@e9c858600", 1078272, 225),
    ],
)
def test_real_full_input_audio_gives_the_appended_bytes(tmp_path: Path, name: str, nbytes: int, chunks: int) -> None:
    src = corpus_file(name)
    out = tmp_path / "user.wav"
    secs = f"{nbytes / 48000:.2f} s" if nbytes < 480000 else f"{nbytes / 48000:.1f} s"
    run_cli("extract-audio", src, "--side", "user", "-o", out,
            stderr=f"rtlog: wrote {out}: {secs}, 24 kHz PCM16 mono, {chunks} chunks ({nbytes:,} bytes)\n")  # fmt: skip
    _, data = wav_frames(out)
    assert data == b"".join(decoded_payloads(src, "audio", ("input_audio_buffer.append",)))
    assert len(data) == nbytes


@needs_corpus
def test_webrtc_sideband_has_no_audio(tmp_path: Path) -> None:
    src = corpus_file("test_openai_ws_sideband__test_webrtc_sideband_audio_turn")
    out = tmp_path / "x.wav"
    run_cli("extract-audio", src, "-o", out, exit_code=1, stderr=(
        f"rtlog: {src}: no assistant audio (no response.output_audio.delta or response.audio.delta events; "
        "WebRTC and SIP sessions carry audio outside the event log)\n"))  # fmt: skip
    assert list(tmp_path.iterdir()) == []  # no empty WAV, no temporary file


@needs_corpus
def test_audio_cut_by_the_recorder_is_reported_not_written(tmp_path: Path) -> None:
    src = corpus_file("test_openai_ws__test_text_in_audio_out_turn.jsonl")
    out = tmp_path / "x.wav"
    run_cli("extract-audio", src, "-o", out, exit_code=1, stderr=(
        f"rtlog: {src}: no real assistant audio: the recorder cut every chunk to 33 bytes "
        "(an odd size for PCM16), so the log does not hold it\n"))  # fmt: skip
    assert not out.exists()


@needs_corpus
def test_stereo_keeps_the_real_side_when_the_other_was_cut(tmp_path: Path) -> None:
    src = corpus_file("test_openai_ws__test_audio_in_server_vad_turn@c194c71b8")
    out = tmp_path / "call.wav"
    run_cli("extract-audio", src, "--side", "both", "-o", out, stderr=(
        f"rtlog: warning: {src}: no real assistant audio: the recorder cut every chunk to 33 bytes (an odd size for PCM16), "
        "so the log does not hold it: the right channel is silent\n"
        f"rtlog: wrote {out}: 5.49 s, 24 kHz PCM16 stereo (left: user, right: assistant), 55 chunks (526,848 bytes); "
        "placed by VAD offsets (no timestamps)\n"))  # fmt: skip
    params, data = wav_frames(out)
    user = b"".join(decoded_payloads(src, "audio", ("input_audio_buffer.append",)))
    left = b"".join(data[i : i + 2] for i in range(0, len(data), 4))
    assert params.nchannels == 2 and left == user
    assert data[2::4] == data[3::4] == bytes(len(user) // 2)  # right channel: silence


# --- the examples' truth ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["beta_session", "ga_session"])
def test_examples_assistant_user_and_heard_audio(tmp_path: Path, name: str) -> None:
    t = truth(name)["audio"]
    src = EXAMPLES / f"{name}.jsonl"
    out = tmp_path / "a.wav"
    run_cli("extract-audio", src, "-o", out, stderr=None)
    assert sha(wav_frames(out)[1]) == t["output_sha256"]
    run_cli("extract-audio", src, "--side", "user", "-o", out, stderr=None)
    _, data = wav_frames(out)
    assert (sha(data), len(data)) == (t["input_sha256"], t["input_bytes"])
    run_cli("extract-audio", src, "--heard", "-o", out, stderr=(
        f"rtlog: wrote {out}: 7.74 s, 24 kHz PCM16 mono, 125 chunks (371,664 bytes); "
        "1 interrupted item cut where playback stopped (0.66 s not heard)\n"))  # fmt: skip
    assert len(wav_frames(out)[1]) == t["output_heard_bytes"]


def test_ulaw_example_decoded_or_kept(tmp_path: Path) -> None:
    t = truth("ulaw_session")["audio"]
    src = EXAMPLES / "ulaw_session.jsonl"
    kept, dec = tmp_path / "kept.wav", tmp_path / "pcm.wav"
    run_cli("extract-audio", src, "--keep-encoding", "-o", kept, stderr=(
        f"rtlog: wrote {kept}: 4.59 s, 8 kHz G.711 μ-law mono, 74 chunks (36,736 bytes); G.711 kept as recorded\n"))
    raw = kept.read_bytes()
    assert struct.unpack("<HHIIHH", raw[20:36]) == (7, 1, 8000, 8000, 1, 8)  # WAVE_FORMAT_MULAW
    assert raw[38:50] == b"fact" + struct.pack("<II", 4, 36736) and raw[50:58] == b"data" + struct.pack("<I", 36736)
    assert sha(raw[58:]) == t["output_sha256"]
    run_cli("extract-audio", src, "-o", dec, stderr=f"rtlog: wrote {dec}: 4.59 s, 8 kHz PCM16 mono, 74 chunks (73,472 bytes)\n")
    params, data = wav_frames(dec)
    assert params.framerate == 8000 and data == to_pcm16(raw[58:], "g711_ulaw")


def test_example_stereo_with_and_without_timestamps(tmp_path: Path) -> None:
    out = tmp_path / "call.wav"
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "--side", "both", "-o", out, stderr=(
        f"rtlog: wrote {out}: 19.1 s, 24 kHz PCM16 stereo (left: user, right: assistant), 434 chunks (1,831,968 bytes); "
        "1 interrupted item cut where playback stopped (0.66 s not heard); placed by timestamps\n"))  # fmt: skip
    params, data = wav_frames(out)
    t = truth("ga_session")["audio"]
    right = b"".join(data[i + 2 : i + 4] for i in range(0, len(data), 4))
    # each assistant item's heard audio is where the shared timeline (subtitles) puts it
    items = timeline_items(EXAMPLES / "ga_session.jsonl")
    assert len(items) == 4
    for item in items.values():
        f = round(item.start * 24000) * 2
        audio = item_audio(EXAMPLES / "ga_session.jsonl", item.item_id)[: item.heard_nbytes]
        assert right[f : f + len(audio)] == audio
        assert right[f + len(audio) : f + len(audio) + 4800].count(0) == 4800  # then silence
    run_cli("extract-audio", EXAMPLES / "beta_session.jsonl", "--side", "both", "-o", out, stderr=(
        f"rtlog: wrote {out}: 18.7 s, 24 kHz PCM16 stereo (left: user, right: assistant), 434 chunks (1,796,352 bytes); "
        "1 interrupted item cut where playback stopped (0.66 s not heard); placed by VAD offsets (no timestamps)\n"))  # fmt: skip
    params, data = wav_frames(out)
    left = b"".join(data[i : i + 2] for i in range(0, len(data), 4))
    assert sha(left) == t["input_sha256"]  # without timestamps the user stream is continuous from 0


def timeline_items(path: Path) -> dict:
    from rtlog.conversation.session import SessionTracker
    from rtlog.conversation.timeline import Timeline
    from rtlog.io.reader import Diagnostics, iter_events

    sessions = SessionTracker()
    tl = Timeline(sessions)
    for ev in iter_events([str(path)], Diagnostics()):
        sessions.feed(ev)
        tl.feed(ev)
    return tl.items


def item_audio(path: Path, item_id: str) -> bytes:
    out = []
    for line in path.read_bytes().splitlines():
        ev = orjson.loads(line)
        ev = ev.get("event", ev)
        if ev.get("type") in ASSISTANT_TYPES and ev.get("item_id") == item_id:
            out.append(base64.b64decode(ev["delta"], validate=True))
    return b"".join(out)


def test_generated_long_log_matches_its_truth(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_session import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    log = tmp_path / "gen.jsonl"
    with open(log, "wb") as fp:
        t = generate(fp, minutes=0.3, dialect="ga", envelope="time-source", seed=3)
    out = tmp_path / "o.raw"
    for args, key in ((["--raw"], "output"), (["--raw", "--heard"], "output_heard"), (["--raw", "--side", "user"], "input")):
        run_cli("extract-audio", log, *args, "-o", out, stderr=None)
        data = out.read_bytes()
        assert (len(data), sha(data)) == (t["audio_bytes"][key], t["sha256"][key]), key


# --- stdout and pipes ---------------------------------------------------------------------------------------


def test_raw_to_stdout(tmp_path: Path) -> None:
    t = truth("ga_session")["audio"]
    r = run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "-o", "-", "--raw", stderr=(
        "rtlog: wrote <stdout>: 8.40 s, 24 kHz PCM16 mono, raw (no header), 134 chunks (403,248 bytes)\n"))
    assert sha(r.stdout_bytes) == t["output_sha256"]


def test_wav_to_a_pipe_gets_a_correct_header() -> None:
    p = run_rtlog("extract-audio", EXAMPLES / "ga_session.jsonl", "-o", "-")
    assert p.returncode == 0, p.stderr
    params, data = frames(p.stdout)
    assert params.nframes == 403248 // 2 and sha(data) == truth("ga_session")["audio"]["output_sha256"]


def test_closed_pipe_ends_quietly() -> None:
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    cmd = f"{sys.executable} -m rtlog extract-audio {EXAMPLES / 'ga_session.jsonl'} -o - --raw | head -c 100 > /dev/null; echo ${{PIPESTATUS[0]}}"
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, env=env, timeout=60)
    assert p.stdout.strip() == b"141" and p.stderr == b""


def test_refuses_binary_to_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "-o", "-", exit_code=2,
            stderr="rtlog: error: refusing to write binary audio to a terminal; use -o FILE or a pipe\n")  # fmt: skip


def test_stdin_with_heard_is_read_twice(tmp_path: Path) -> None:
    out = tmp_path / "h.raw"
    run_cli("extract-audio", "-", "--heard", "--raw", "-o", out, input=(EXAMPLES / "ga_session.jsonl").read_bytes(), stderr=None)
    assert len(out.read_bytes()) == truth("ga_session")["audio"]["output_heard_bytes"]


# --- reports ------------------------------------------------------------------------------------------------


def test_json_report(tmp_path: Path) -> None:
    out = tmp_path / "a.wav"
    r = run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "--heard", "-o", out, "--json")
    rep = json.loads(r.stdout)
    assert rep["files"] == [{"file": str(out), "side": "assistant", "seconds": 7.743, "rate": 24000, "encoding": "pcm16",
                             "channels": 1, "bytes": 371664, "chunks": 125}]  # fmt: skip
    a = rep["sides"]["assistant"]
    assert (a["events"], a["chunks"], a["decoded_bytes"], a["truncated_items"], a["not_heard_bytes_dropped"]) == (134, 125, 403248, 1, 31584)
    assert (rep["format"], rep["heard"], rep["warnings"]) == ("wav", True, [])


def test_json_cannot_share_stdout_with_the_audio() -> None:
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "-o", "-", "--json", exit_code=2,
            stderr="rtlog: error: --json writes its report to stdout, which -o - uses for the audio: give -o FILE\n")  # fmt: skip


# --- bad input ----------------------------------------------------------------------------------------------


def small_log(tmp_path: Path, *payloads: str) -> Path:
    recs: list[Any] = [{"type": "session.created", "session": {"output_audio_format": "pcm16"}}]
    recs += [{"type": "response.audio.delta", "response_id": "r", "item_id": "i", "delta": p} for p in payloads]
    return write_log(tmp_path / "s.jsonl", recs)


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def test_invalid_base64_warns_with_the_line_and_skips(tmp_path: Path) -> None:
    src = small_log(tmp_path, b64(b"\x01\x00"), "AAA*", b64(b"\x02\x00"))
    out = tmp_path / "a.wav"
    run_cli("extract-audio", src, "-o", out, stderr=(
        f"rtlog: warning: {src}:3: invalid base64 audio (only base64 data is allowed): assistant chunk skipped\n"
        f"rtlog: wrote {out}: 0.00 s, 24 kHz PCM16 mono, 2 chunks (4 bytes)\n"))  # fmt: skip
    assert wav_frames(out)[1] == b"\x01\x00\x02\x00"


def test_strict_stops_and_leaves_no_file(tmp_path: Path) -> None:
    src = small_log(tmp_path, *[b64(b"\x01\x00" * 100)] * 50, "AAA")
    out = tmp_path / "a.wav"
    run_cli("extract-audio", src, "-o", out, "--strict", exit_code=2,
            stderr=f"rtlog: error: {src}:52: invalid base64 audio (incorrect padding): assistant chunk skipped\n")  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl"]


def test_placeholders_and_odd_bytes_are_reported(tmp_path: Path) -> None:
    src = small_log(tmp_path, b64(b"\x01\x00"), "[trimmed: 480 bytes]", b64(b"\x02\x00\x03"))
    out = tmp_path / "a.wav"
    run_cli("extract-audio", src, "-o", out, stderr=(
        f"rtlog: warning: {src}:3: 1 assistant audio chunk is a recorder placeholder ('[trimmed: 480 bytes]'), "
        "written as 0.01 s of silence\n"
        f"rtlog: warning: {src}:4: assistant audio ended with an odd byte (PCM16 samples are 2 bytes): dropped\n"
        f"rtlog: wrote {out}: 0.01 s, 24 kHz PCM16 mono, 3 chunks (484 bytes)\n"))  # fmt: skip
    assert wav_frames(out)[1] == b"\x01\x00" + bytes(480) + b"\x02\x00"


# --- output safety ------------------------------------------------------------------------------------------


def test_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    src = tmp_path / "log.jsonl"
    src.write_bytes((EXAMPLES / "ga_session.jsonl").read_bytes())
    before = src.read_bytes()
    run_cli("extract-audio", src, "-o", src, exit_code=2, stderr=f"rtlog: error: {src}: refusing to overwrite an input file\n")
    assert src.read_bytes() == before


def test_missing_output_directory(tmp_path: Path) -> None:
    out = tmp_path / "nope" / "a.wav"
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "-o", out, exit_code=2,
            stderr=f"rtlog: error: {out}: cannot write: directory does not exist\n")  # fmt: skip


def test_interrupted_run_leaves_nothing_under_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rtlog.audio import extract as audio

    def interrupted(self, events):  # type: ignore[no-untyped-def]
        # interrupted half-way through the assistant's audio (its 67 chunks of 134 written)
        chunks = (ev for ev in events if ev.kind == "response.output_audio.delta")
        for n, ev in enumerate(chunks):
            if n == 67:
                raise KeyboardInterrupt
            self._audio(ev, "assistant")

    monkeypatch.setattr(audio.Extraction, "run", interrupted)
    out = tmp_path / "a.wav"
    out.write_bytes(b"previous")
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "-o", out, exit_code=130, stderr="rtlog: error: interrupted\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav"] and out.read_bytes() == b"previous"


def test_output_is_a_directory_without_split(tmp_path: Path) -> None:
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "-o", tmp_path, exit_code=2,
            stderr=f"rtlog: error: {tmp_path}: is a directory (use --split to write one file per response, item or turn)\n")  # fmt: skip


# --- splits -------------------------------------------------------------------------------------------------


def test_split_by_response_with_index(tmp_path: Path) -> None:
    d = tmp_path / "out"
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "--split", "response", "-o", d, stderr=(
        f"rtlog: wrote 4 files to {d}/ with index.json: 8.40 s, 24 kHz PCM16 mono, 134 chunks (403,248 bytes)\n"))
    index = json.loads((d / "index.json").read_text())
    items = truth("ga_session")["assistant_items"]
    assert [f["item_ids"] for f in index["files"]] == [[i["item_id"]] for i in items]
    assert [f["transcript"] for f in index["files"]] == [i["transcript"] for i in items]
    assert [f["seconds"] for f in index["files"]] == [i["audio_seconds"] for i in items]
    names = sorted(p.name for p in d.iterdir())
    assert names == sorted([f["file"] for f in index["files"]] + ["index.json"])
    assert all(n.startswith(f"{k + 1:03d}_resp_") for k, n in enumerate(names[:-1]))
    for f, item in zip(index["files"], items):
        assert len(wav_frames(d / f["file"])[1]) == item["audio_bytes"]
        assert f["start"] is not None and f["start_at"] is not None


def test_split_turns_of_the_stereo_mix_add_up_to_the_mix(tmp_path: Path) -> None:
    whole, d = tmp_path / "call.wav", tmp_path / "turns"
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "--side", "both", "-o", whole, stderr=None)
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "--side", "both", "--split", "turn", "-o", d, stderr=None)
    index = json.loads((d / "index.json").read_text())
    parts = b"".join(wav_frames(d / f["file"])[1] for f in index["files"])
    assert parts == wav_frames(whole)[1]
    t = truth("ga_session")
    assert [f["transcript"]["user"] for f in index["files"][1:]] == [u["text"] for u in t["user_turn_details"]]


def test_split_user_items_are_the_vad_segments(tmp_path: Path) -> None:
    d = tmp_path / "u"
    run_cli("extract-audio", EXAMPLES / "beta_session.jsonl", "--side", "user", "--split", "item", "-o", d, stderr=None)
    stream = b"".join(decoded_payloads(EXAMPLES / "beta_session.jsonl", "audio", ("input_audio_buffer.append",)))
    index = json.loads((d / "index.json").read_text())
    turns = truth("beta_session")["user_turn_details"]
    assert [f["user_item_ids"] for f in index["files"]] == [[u["item_id"]] for u in turns]
    for f, u in zip(index["files"], turns):
        assert wav_frames(d / f["file"])[1] == stream[u["audio_start_ms"] * 48 : u["audio_end_ms"] * 48]
        assert f["transcript"] == u["text"]


def _reply_only_in_response_done(tmp_path: Path) -> Path:
    """A typed question whose spoken answer's transcript only `response.done` carries (no
    transcript deltas: a recorder that drops them), then a spoken turn."""
    def b64(b: bytes) -> str:
        return base64.b64encode(b).decode()

    typed = {"id": "u1", "type": "message", "role": "user", "content": [{"type": "input_text", "text": "What time is it?"}]}
    recs: list[Any] = [
        {"type": "session.created", "session": {"id": "s1", "model": "gpt-realtime"}},
        {"type": "conversation.item.create", "item": typed},
        {"type": "conversation.item.added", "previous_item_id": None, "item": typed},
        {"type": "response.created", "response": {"id": "r1", "status": "in_progress"}},
        {"type": "response.output_item.added", "response_id": "r1", "item": {"id": "a1", "type": "message", "role": "assistant"}},
        *[{"type": "response.output_audio.delta", "response_id": "r1", "item_id": "a1", "delta": b64(bytes([3, 0]) * 2400)}] * 3,
        {"type": "response.output_audio.done", "response_id": "r1", "item_id": "a1"},
        {"type": "response.done", "response": {"id": "r1", "status": "completed", "output": [
            {"id": "a1", "type": "message", "role": "assistant", "content": [{"type": "output_audio", "transcript": "It is noon."}]}]}},
        *[{"type": "input_audio_buffer.append", "audio": b64(bytes([1, 0]) * 2400)}] * 10,
        {"type": "input_audio_buffer.speech_started", "item_id": "u2", "audio_start_ms": 100},
        {"type": "input_audio_buffer.speech_stopped", "item_id": "u2", "audio_end_ms": 900},
        {"type": "input_audio_buffer.committed", "item_id": "u2", "previous_item_id": "a1"},
        {"type": "conversation.item.input_audio_transcription.completed", "item_id": "u2", "transcript": "Thanks, bye."},
        {"type": "response.created", "response": {"id": "r2", "status": "in_progress"}},
        *[{"type": "response.output_audio.delta", "response_id": "r2", "item_id": "a2", "delta": b64(bytes([5, 0]) * 2400)}] * 2,
        {"type": "response.output_audio_transcript.delta", "response_id": "r2", "item_id": "a2", "delta": "Good"},
        {"type": "response.output_audio_transcript.delta", "response_id": "r2", "item_id": "a2", "delta": " bye!"},
        {"type": "response.done", "response": {"id": "r2", "status": "completed"}},
    ]  # fmt: skip
    return write_log(tmp_path / "t.jsonl", recs)


@pytest.mark.parametrize("split", [["--split", "response"], ["--split", "item"], ["--side", "both", "--split", "item"]])
def test_index_transcripts_are_the_transcripts(tmp_path: Path, split: list[str]) -> None:
    """index.json's transcripts are the conversation's text, as `rtlog transcript` shows it
    (not a copy of the rules that knew only transcript deltas)."""
    log = _reply_only_in_response_done(tmp_path)
    entries = json.loads(run_cli("transcript", log, "--format", "json").stdout)
    text = {e["item_id"]: e["text"] for e in entries}
    assert (text["a1"], text["a2"], text["u2"]) == ("It is noon.", "Good bye!", "Thanks, bye.")
    d = tmp_path / "out"
    run_cli("extract-audio", log, *split, "-o", d, stderr=None)
    for f in json.loads((d / "index.json").read_text())["files"]:
        said = " ".join(text[i] for i in f["item_ids"]) or None
        heard = " ".join(text[i] for i in f["user_item_ids"]) or None
        assert f["transcript"] == (heard if f["side"] == "user" else said), f


def test_a_file_given_twice_has_turns_of_its_own(tmp_path: Path) -> None:
    """Each input file is its own conversation: the second copy's responses (the same ids)
    are in its own turns, numbered on after the first copy's."""
    d = tmp_path / "turns"
    log = EXAMPLES / "ga_session.jsonl"
    run_cli("extract-audio", log, log, "--split", "turn", "-o", d, stderr=None)
    files = json.loads((d / "index.json").read_text())["files"]
    assert [f["turn"] for f in files] == [1, 2, 3, 4, 5, 6, 7, 8]
    first, second = files[:4], files[4:]
    assert [(f["response_ids"], f["transcript"]) for f in first] == [(f["response_ids"], f["transcript"]) for f in second]
    assert [f["file"].split("_", 2)[1] for f in files] == [f"turn{n}" for n in range(1, 9)]


# --- options --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "extract-audio: -o/--output is required (a .wav file, '-' for stdout, or a directory with --split)"),
        (["-o", "x.wav", "--side", "left"], "--side must be one of assistant, user, both (got 'left')"),
        (["-o", "d", "--split", "word"], "--split must be one of response, item, turn (got 'word')"),
        (["-o", "-", "--split", "item"], "--split writes several files: give a directory with -o, not '-'"),
        (["-o", "d", "--split", "response", "--side", "user"],
         "--split response is for assistant audio; use --split item or turn for the user side"),
        (["-o", "x.wav", "--encoding", "mp3"], "--encoding must be pcm16, g711_ulaw or g711_alaw (got 'mp3')"),
    ],
)  # fmt: skip
def test_bad_options(args: list[str], message: str) -> None:
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", *args, exit_code=2, stderr=f"rtlog: error: {message}\n")


def test_split_items_of_both_sides_in_conversation_order(tmp_path: Path) -> None:
    d = tmp_path / "items"
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "--side", "both", "--split", "item", "-o", d, stderr=None)
    index = json.loads((d / "index.json").read_text())
    t = truth("ga_session")
    expected = []
    for u, a in zip(t["user_turn_details"], t["assistant_items"]):
        expected += [("user", u["item_id"]), ("assistant", a["item_id"])]
    got = [(f["side"], (f["user_item_ids"] or f["item_ids"])[0]) for f in index["files"]]
    assert got == expected
    assert [f["file"].split("_", 1)[1].split("_item_")[0] for f in index["files"]] == [s for s, _ in expected]


def test_split_assistant_audio_by_turn(tmp_path: Path) -> None:
    d = tmp_path / "turns"
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "--split", "turn", "-o", d, stderr=None)
    index = json.loads((d / "index.json").read_text())
    t = truth("ga_session")
    assert [f["turn"] for f in index["files"]] == [1, 2, 3, 4]
    assert [f["transcript"] for f in index["files"]] == [a["transcript"] for a in t["assistant_items"]]
    # turn 2 holds both responses (the tool call and the spoken answer)
    turn2 = index["files"][1]
    assert len(turn2["response_ids"]) == 2 and t["assistant_items"][1]["response_id"] in turn2["response_ids"]
    assert turn2["bytes"] == t["assistant_items"][1]["audio_bytes"]


def test_several_files_are_one_stream(tmp_path: Path) -> None:
    out = tmp_path / "a.raw"
    src = EXAMPLES / "ga_session.jsonl"
    run_cli("extract-audio", src, src, "--raw", "-o", out, stderr=None)
    one = truth("ga_session")["audio"]["output_bytes"]
    data = out.read_bytes()
    assert len(data) == 2 * one and data[:one] == data[one:]


def test_compressed_log_with_heard(tmp_path: Path) -> None:
    import gzip

    gz = tmp_path / "s.jsonl.gz"
    gz.write_bytes(gzip.compress((EXAMPLES / "beta_session.jsonl").read_bytes()))
    out = tmp_path / "h.raw"
    run_cli("extract-audio", gz, "--heard", "--raw", "-o", out, stderr=None)
    assert len(out.read_bytes()) == truth("beta_session")["audio"]["output_heard_bytes"]


def test_split_into_a_wav_name_and_heard_on_the_user_side_are_said(tmp_path: Path) -> None:
    """Issue 19: `--split turn -o out.wav` made a directory called out.wav; `--side user
    --heard` ignored --heard silently."""
    ga = EXAMPLES / "ga_session.jsonl"
    out = tmp_path / "out.wav"
    run_cli("extract-audio", ga, "--split", "turn", "-o", out, exit_code=2,
            stderr=f"rtlog: error: --split writes a directory of files and index.json: -o {out} names a file "
                   f"(give a directory, e.g. -o {tmp_path / 'out'}/)\n")  # fmt: skip
    assert not out.exists()
    user = tmp_path / "user.wav"
    r = run_cli("extract-audio", ga, "--side", "user", "--heard", "-o", user, stderr=None)
    assert r.stderr.splitlines()[0] == "rtlog: warning: --heard cuts the assistant's audio where it was interrupted: with --side user it changes nothing"
    plain = tmp_path / "plain.wav"
    run_cli("extract-audio", ga, "--side", "user", "-o", plain, stderr=None)
    assert user.read_bytes() == plain.read_bytes()
