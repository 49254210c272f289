"""Chaos that real logs contain, through every command, with exact outcomes: audio that is
not what it claims (bad base64, other alphabets, empty and odd chunks, a format change,
truncations beyond the audio), events out of order (deltas before their item, `.done`
without deltas, unknown responses, duplicate event ids, two sessions interleaved by a
relay), timestamps out of any range, and text that would drive a terminal."""

from __future__ import annotations

import base64
import os
import resource
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from conftest import run_cli, write_log
from hostile import COMMANDS, check_outcome, run, verdict, wav_data


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def pcm(n: int, start: int = 1) -> bytes:
    """n samples of PCM16 with distinct values (so any misplaced byte shows)."""
    return b"".join(((start + i) & 0x7FFF).to_bytes(2, "little") for i in range(n))


def session(fmt: str = "pcm16", sid: str = "sess_1") -> dict:
    return {"type": "session.created", "event_id": f"ev_{sid}", "session": {"id": sid, "model": "gpt-realtime",
            "input_audio_format": fmt, "output_audio_format": fmt, "modalities": ["audio", "text"]}}  # fmt: skip


def delta(data: bytes | str, item: str = "i1", resp: str = "r1", **extra: object) -> dict:
    return {"type": "response.output_audio.delta", "response_id": resp, "item_id": item, "output_index": 0,
            "content_index": 0, "delta": data if isinstance(data, str) else b64(data), **extra}  # fmt: skip


def words(text: str, item: str = "i1", resp: str = "r1") -> dict:
    return {"type": "response.output_audio_transcript.delta", "response_id": resp, "item_id": item,
            "output_index": 0, "content_index": 0, "delta": text}  # fmt: skip


def item_added(item: str = "i1", resp: str = "r1", role: str = "assistant") -> dict:
    return {"type": "response.output_item.added", "response_id": resp, "output_index": 0,
            "item": {"id": item, "type": "message", "role": role, "status": "in_progress", "content": []}}  # fmt: skip


def response_done(resp: str = "r1", item: str = "i1", text: str | None = None, status: str = "completed") -> dict:
    content = [{"type": "output_audio", "transcript": text}] if text is not None else []
    return {"type": "response.done", "response": {"id": resp, "status": status, "output": [
        {"id": item, "type": "message", "role": "assistant", "status": status, "content": content}],
        "usage": {"total_tokens": 30, "input_tokens": 10, "output_tokens": 20}}}  # fmt: skip


def every_command(tmp_path: Path, records: list, name: str = "log.jsonl") -> dict:
    """Every command on the log, each outcome checked by the rules of README "Bad input"."""
    path = write_log(tmp_path / name, records)
    data = path.read_bytes()
    v = verdict(data, str(path))
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    runs = {}
    for cmd, args in COMMANDS.items():
        r = run([*args, str(path)], workdir=str(work))
        r.log = str(path)
        check_outcome(cmd, args, r, v, str(work))
        runs[cmd] = r
    assert path.read_bytes() == data
    return runs


def transcript_of(runs: dict) -> list[tuple]:
    return [(e["role"], e["type"], e["text"]) for e in orjson.loads(runs["transcript-json"].stdout)]


def assistant_pcm(runs: dict) -> bytes:
    return wav_data(runs["extract-audio"].files["out.wav"])


def warnings(r, log: str) -> list[str]:
    return [ln.replace(log, "LOG") for ln in r.stderr.splitlines() if ln.startswith("rtlog: warning: ")]


# --- text that would drive a terminal ----------------------------------------------------------


def test_pretty_view_keeps_one_line_per_event_and_no_control_characters(tmp_path: Path) -> None:
    log = write_log(tmp_path / "log.jsonl", [
        {"type": "a\u001b[31mred\nsecond line\r", "item_id": "i\u001b]0;title\u0007"},
        {"type": "error", "error": {"code": "c\u009b5m", "message": "line\nbreak\u001b[2J"}},
        {"type": "conversation.item.created", "item": {"id": "i_\u001b", "type": "message", "role": "user\u001b[1m",
                                                        "content": [{"type": "input_text", "text": "hi\u001b[31m"}]}},
    ])  # fmt: skip
    out = run_cli("filter", log, "--format", "pretty").stdout
    assert out == (
        "    1 · a\ufffd[31mred\ufffdsecond line         …title\n"
        "    2 ← error                          c\ufffd5m line\ufffdbreak\ufffd[2J\n"
        '    3 ← conversation.item.created      i_\ufffd user\ufffd[1m "hi\\u001b[31m"\n'
    )


# --- timestamps out of any range -----------------------------------------------------------------

BOGUS_TIMES = [1e300, 2**63, "9999-12-31T23:59:59Z", 1e20]


def timed_log(bogus: object) -> list[dict]:
    t0 = 1_767_225_600.0
    return [
        {**session(), "timestamp": t0},
        {"type": "input_audio_buffer.append", "audio": b64(pcm(2400)), "timestamp": t0 + 0.1},
        {**item_added(), "timestamp": t0 + 0.2},
        {**delta(pcm(2400)), "timestamp": t0 + 0.3},
        {**words("Hello there."), "timestamp": t0 + 0.35},
        {**delta(pcm(2400, 7)), "timestamp": bogus},
        {**response_done(text="Hello there."), "timestamp": t0 + 0.5},
        {"type": "rate_limits.updated", "rate_limits": [], "timestamp": bogus},
    ]


@pytest.mark.parametrize("bogus", BOGUS_TIMES, ids=str)
def test_a_timestamp_out_of_any_range_is_no_traceback(tmp_path: Path, bogus: object) -> None:
    commands = {k: v for k, v in COMMANDS.items() if k not in ("extract-audio-both",)}  # (below, as a subprocess)
    path = write_log(tmp_path / "log.jsonl", timed_log(bogus))
    v = verdict(path.read_bytes(), str(path))
    for name, args in commands.items():
        r = run([*args, str(path)], workdir=str(tmp_path))
        check_outcome(name, args, r, v, str(tmp_path))
    summary = orjson.loads(run_cli("summary", "--json", path).stdout)
    assert summary["events"] == 8 and summary["span"]["events_with_time"] == 8
    assert summary["span"]["start"] == "2026-01-01T00:00:00.000Z"
    assert wav_data((lambda r: r.files["out.wav"])(run(["extract-audio", str(path), "-o", "{out}"], workdir=str(tmp_path)))) == pcm(2400) + pcm(2400, 7)


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))  # a runaway write dies (EFBIG)


def _stereo(path: Path, out: Path, raw: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-m", "rtlog", "extract-audio", str(path), "--side", "both", *(["--raw"] if raw else []), "-o", str(out)],
        capture_output=True, env=env, timeout=120, preexec_fn=_limit_file_size,
    )  # fmt: skip


JUMPS = [*BOGUS_TIMES, 1_767_225_600.0 + 13 * 3600]


@pytest.mark.parametrize("bogus", JUMPS, ids=str)
@pytest.mark.parametrize("raw", [False, True], ids=["wav", "raw"])
def test_the_stereo_mix_writes_no_silence_up_to_a_bogus_time(tmp_path: Path, bogus: object, raw: bool) -> None:
    """A time far in the future on events that place no audio (here a continuing delta
    and rate_limits.updated) used to make `--side both` write silence up to it: 4 GiB
    before failing with a WAV, until the disk was full with --raw. The mix is what it
    is with sane times."""
    sane = write_log(tmp_path / "sane.jsonl", timed_log(1_767_225_600.4))
    ext = ".pcm" if raw else ".wav"  # (--raw into a .wav name is refused)
    want = _stereo(sane, tmp_path / f"want{ext}", raw)
    assert want.returncode == 0, want.stderr
    path = write_log(tmp_path / "log.jsonl", timed_log(bogus))
    got = _stereo(path, tmp_path / f"got{ext}", raw)
    assert got.returncode == 0, got.stderr
    assert (tmp_path / f"got{ext}").read_bytes() == (tmp_path / f"want{ext}").read_bytes()


@pytest.mark.parametrize("bogus", JUMPS, ids=str)
@pytest.mark.parametrize("raw", [False, True], ids=["wav", "raw"])
def test_the_stereo_mix_refuses_audio_placed_past_what_a_wav_holds(tmp_path: Path, bogus: object, raw: bool) -> None:
    """User audio sent at such a time would start after that much silence: an error
    naming the line, and nothing written."""
    records = timed_log(1_767_225_600.4)
    records.insert(2, {"type": "input_audio_buffer.append", "audio": b64(pcm(240)), "timestamp": bogus})
    path = write_log(tmp_path / "log.jsonl", records)
    p = _stereo(path, tmp_path / ("call.pcm" if raw else "call.wav"), raw)
    assert p.returncode == 2, (p.returncode, p.stderr)
    err = p.stderr.decode()
    assert err.startswith(f"rtlog: error: {path}:3: the timestamps jump "), err
    assert err.endswith(" ahead: the stereo mix would need more silence than a WAV file holds; extract one side at a "
                        "time (--side assistant, --side user)\n"), err
    assert sorted(os.listdir(tmp_path)) == ["log.jsonl"]


# --- huge text ----------------------------------------------------------------------------------


def test_a_huge_transcript_is_rendered_in_linear_time(tmp_path: Path) -> None:
    """A 2 MB transcript delta (400,000 words): the text rendering joined each word to the
    line with `+` on a string inside a tuple, quadratic: 10 s here, 40 s for twice as much."""
    import time

    log = write_log(tmp_path / "log.jsonl", [session(), item_added(), words("word " * 400_000), response_done()])
    t = time.perf_counter()
    out = run_cli("transcript", log).stdout
    assert time.perf_counter() - t < 3.0
    assert out == "Assistant  " + " ".join(["word"] * 400_000) + "\n"


def test_the_pretty_view_of_a_huge_line_takes_little_memory(tmp_path: Path) -> None:
    """An 8 MB transcript delta in `filter --format pretty`: the view builds the whole
    gist and cuts it to the width at the end; rich needed ~110 bytes per byte of it
    (886 MB) to do that."""
    log = write_log(tmp_path / "log.jsonl", [session(), words("word " * 1_600_000)])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    p = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "rtlog", "filter", "--format", "pretty", str(log)],
                       capture_output=True, env={**env, "COLUMNS": "100"}, timeout=120)  # fmt: skip
    assert p.returncode == 0
    lines = p.stdout.decode().splitlines()
    assert lines[1] == '    2 ← response.output_audio_transcript.delta r1 i1 "' + "word " * 9 + "…"
    assert int(p.stderr.split()[-1]) < 80_000  # KB of peak RSS


ESCAPES = [
    {"type": "session.created", "session": {"id": "s\u001b]0;pwned\u0007", "model": "m\u001b[31mRED\r", "voice": "v\nx",
                                            "instructions": "hi\u001b[2J", "tools": [{"type": "function", "name": "f\u009b5m"}]}},
    {"type": "a\u001b[31mred\nsecond", "item_id": "x"},
    {"type": "error", "error": {"code": "c\u001b[5m", "message": "m\nnewline\u001b[2J\b\b"}},
    {"type": "conversation.item.created", "item": {"id": "i1", "type": "function_call", "name": "fn\u001b[1m", "call_id": "c\u001b", "arguments": "{}"}},
    {"type": "response.done", "response": {"id": "r\u001b[1m", "status": "failed\u001b[1m",
                                           "status_details": {"type": "failed", "error": {"code": "x\u001b[31m", "message": "y\u0007"}}}},
]  # fmt: skip


@pytest.mark.parametrize("args", [["summary"], ["transcript", "--errors"], ["transcript", "--format", "markdown", "--errors"],
                                  ["filter", "--format", "pretty"]], ids=" ".join)  # fmt: skip
def test_no_control_character_from_a_log_reaches_the_terminal(tmp_path: Path, args: list[str]) -> None:
    """Escape sequences in ids, models, types, error messages… would restyle, retitle or
    clear the user's terminal; a carriage return would overwrite what was printed."""
    log = write_log(tmp_path / "log.jsonl", ESCAPES)
    r = run([*args, str(log)], workdir=str(tmp_path))
    assert r.exit_code in (0, 1)
    for stream in (r.stdout.decode(), r.stderr):
        assert not set(stream) & {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)] if c != 0x0A}, stream


# --- audio that is not what it claims ---------------------------------------------------------------


def _lenient_b64(s: str) -> bytes:
    try:
        return base64.b64decode(s, validate=True)
    except ValueError:
        return base64.urlsafe_b64decode("".join(s.split()))


def test_audio_payloads_of_every_kind(tmp_path: Path) -> None:
    """Invalid base64, base64 broken by whitespace or in the URL-safe alphabet, empty
    deltas, odd-length PCM16 chunks: whatever extract-audio skips it reports with the line;
    what it keeps is the decoded bytes in order, exactly (odd bytes carried across chunks);
    summary counts the same bytes."""
    std = b64(pcm(6))
    payloads = [pcm(4), "@@@@", std[:4] + "\n" + std[4:], std[:4] + " " + std[4:],
                base64.urlsafe_b64encode(bytes([0xFB, 0xFF, 0xFE, 0xFB])).decode(), "", b"\x01\x02\x03",
                b"\x04\x05\x06\x07\x08", b"\x09\x0a", "", pcm(3, 40)]  # fmt: skip
    records = [session(), item_added(), *[delta(p) for p in payloads], response_done()]
    runs = every_command(tmp_path, records)
    log = runs["extract-audio"].log
    warned = set(runs["extract-audio"].warned_lines(log))
    for n in warned:
        assert f"rtlog: warning: {log}:{n}: invalid base64 audio (" in runs["extract-audio"].stderr
    kept = [p if isinstance(p, bytes) else _lenient_b64(p) for n, p in enumerate(payloads, 3) if n not in warned]
    assert assistant_pcm(runs) == b"".join(kept)
    assert {4} <= warned  # "@@@@" is no audio under any reading
    summary = orjson.loads(runs["summary-json"].stdout)
    assert summary["audio_bytes"]["output"] == len(assistant_pcm(runs))
    skipped = len(warned)
    if skipped:
        assert f"{skipped} assistant audio chunk{'s' if skipped > 1 else ''} with invalid base64, not counted (first at line 4)" in summary["warnings"]


def test_a_format_change_mid_session(tmp_path: Path) -> None:
    """PCM16 24 kHz, then the session switches to G.711 μ-law 8 kHz: the second response is
    decoded and converted to the first one's rate, and said so."""
    records = [session(), item_added(), delta(pcm(240)), response_done(),
               {"type": "session.updated", "session": {"id": "sess_1", "output_audio_format": "g711_ulaw", "input_audio_format": "g711_ulaw"}},
               item_added("i2", "r2"), delta(bytes([0xFF] * 80), "i2", "r2"), response_done("r2", "i2")]  # fmt: skip
    runs = every_command(tmp_path, records)
    out = assistant_pcm(runs)
    assert out[:480] == pcm(240) and out[480:] == bytes(480)  # μ-law 0xFF is silence; 80 samples at 8 kHz → 240 at 24 kHz
    assert warnings(runs["extract-audio"], runs["extract-audio"].log) == [
        "rtlog: warning: LOG:3: assistant audio comes at several rates (24 kHz, then 8 kHz from LOG:7): converted to 24 kHz"]
    summary = orjson.loads(runs["summary-json"].stdout)
    assert summary["audio_seconds"]["output"] == 0.02 and summary["audio_bytes"]["output"] == 480 + 80


def test_deltas_for_items_and_responses_never_announced(tmp_path: Path) -> None:
    records = [session(), delta(pcm(4), "ghost", "rX"), words("boo", "ghost", "rX"), delta(pcm(4, 50), "ghost2", "rY")]
    runs = every_command(tmp_path, records)
    assert assistant_pcm(runs) == pcm(4) + pcm(4, 50)
    assert transcript_of(runs) == [("assistant", "message", "boo")]
    assert orjson.loads(runs["transcript-json"].stdout)[0]["note"] == "unfinished: the log ends before the response does"


def _truncated_log(ms: int) -> list[dict]:
    return [session(), item_added(), delta(pcm(2400)), words("Hello there friend"), response_done(),
            {"type": "conversation.item.truncated", "item_id": "i1", "content_index": 0, "audio_end_ms": ms}]  # fmt: skip


@pytest.mark.parametrize(("ms", "heard_bytes"), [(10**6, 4800), (50, 2400), (0, 0), (-5, 0)])
def test_a_truncation_beyond_the_audio_or_negative(tmp_path: Path, ms: int, heard_bytes: int) -> None:
    """The item has 100 ms of audio. summary, extract-audio --heard and transcript agree on
    what was heard: all of it past the end, nothing at or below 0."""
    path = write_log(tmp_path / "log.jsonl", _truncated_log(ms))
    every_command(tmp_path, _truncated_log(ms))
    summary = orjson.loads(run_cli("summary", "--json", path).stdout)
    assert (summary["audio_seconds"]["output"], summary["audio_seconds"]["output_heard"]) == (0.1, heard_bytes / 48000)
    entry = orjson.loads(run_cli("transcript", "--format", "json", path).stdout)[0]
    assert entry["interrupted"] and entry["audio_end_ms"] == max(ms, 0)
    assert entry["heard_text"] == {4800: "Hello there friend", 0: ""}.get(heard_bytes, entry["heard_text"])
    out = tmp_path / "heard.wav"
    if heard_bytes:
        run_cli("extract-audio", path, "--heard", "-o", out, stderr=None)
        assert wav_data(out.read_bytes()) == pcm(2400)[:heard_bytes]
    else:
        r = run_cli("extract-audio", path, "--heard", "-o", out, exit_code=1, stderr=None)
        assert r.stderr.startswith(f"rtlog: {path}: ") and not out.exists()


# --- events out of order --------------------------------------------------------------------------


def _created(resp: str = "r1") -> dict:
    return {"type": "response.created", "response": {"id": resp, "status": "in_progress", "output": []}}


def test_deltas_before_their_item_exists(tmp_path: Path) -> None:
    records = [session(), _created(), words("Hel"), delta(pcm(4)), words("lo."), item_added(), delta(pcm(4, 9)), response_done(text="Hello.")]
    runs = every_command(tmp_path, records)
    assert transcript_of(runs) == [("assistant", "message", "Hello.")]
    assert assistant_pcm(runs) == pcm(4) + pcm(4, 9)


def test_a_done_without_deltas(tmp_path: Path) -> None:
    done = {"type": "response.output_audio_transcript.done", "response_id": "r1", "item_id": "i1", "output_index": 0,
            "content_index": 0, "transcript": "Just the done."}  # fmt: skip
    runs = every_command(tmp_path, [session(), _created(), item_added(), done, response_done()])
    assert transcript_of(runs) == [("assistant", "message", "Just the done.")]


def test_a_response_done_for_an_unknown_response(tmp_path: Path) -> None:
    runs = every_command(tmp_path, [session(), response_done("r_ghost", "i_ghost", text="From nowhere.")])
    assert transcript_of(runs) == [("assistant", "message", "From nowhere.")]
    summary = orjson.loads(runs["summary-json"].stdout)
    assert (summary["responses"]["total"], summary["responses"]["completed"], summary["usage"]["total_tokens"]) == (1, 1, 30)


def test_duplicate_event_ids(tmp_path: Path) -> None:
    """A relay or recorder that logs an event twice: every command runs; every line is an
    event (rtlog does not deduplicate: see the report)."""
    dup_text = {**words("Hi "), "event_id": "event_dup1"}
    dup_audio = {**delta(pcm(4)), "event_id": "event_dup2"}
    runs = every_command(tmp_path, [session(), _created(), item_added(), dup_text, dup_text, dup_audio, dup_audio, words("there."), response_done()])
    assert orjson.loads(runs["summary-json"].stdout)["events"] == 9
    assert len(assistant_pcm(runs)) == orjson.loads(runs["summary-json"].stdout)["audio_bytes"]["output"]


def test_two_sessions_interleaved_by_a_relay(tmp_path: Path) -> None:
    """Lines of two sessions alternate: nothing is lost (both sessions, both responses,
    both texts and both sides' audio), whatever session the text is filed under."""
    a = [session(sid="sess_A"), _created("rA"), item_added("iA", "rA"), words("Alpha one.", "iA", "rA"), delta(pcm(4), "iA", "rA"), response_done("rA", "iA", text="Alpha one.")]
    b = [session(sid="sess_B"), _created("rB"), item_added("iB", "rB"), words("Bravo two.", "iB", "rB"), delta(pcm(4, 100), "iB", "rB"), response_done("rB", "iB", text="Bravo two.")]
    runs = every_command(tmp_path, [x for pair in zip(a, b, strict=True) for x in pair])
    summary = orjson.loads(runs["summary-json"].stdout)
    assert [s["id"] for s in summary["sessions"]] == ["sess_A", "sess_B"]
    assert (summary["responses"]["total"], summary["responses"]["completed"], summary["usage"]["total_tokens"]) == (2, 2, 60)
    assert transcript_of(runs) == [("assistant", "message", "Alpha one."), ("assistant", "message", "Bravo two.")]
    assert assistant_pcm(runs) == pcm(4) + pcm(4, 100)
