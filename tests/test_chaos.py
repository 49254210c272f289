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
    want = _stereo(sane, tmp_path / "want.wav", raw)
    assert want.returncode == 0, want.stderr
    path = write_log(tmp_path / "log.jsonl", timed_log(bogus))
    got = _stereo(path, tmp_path / "got.wav", raw)
    assert got.returncode == 0, got.stderr
    assert (tmp_path / "got.wav").read_bytes() == (tmp_path / "want.wav").read_bytes()


@pytest.mark.parametrize("bogus", JUMPS, ids=str)
@pytest.mark.parametrize("raw", [False, True], ids=["wav", "raw"])
def test_the_stereo_mix_refuses_audio_placed_past_what_a_wav_holds(tmp_path: Path, bogus: object, raw: bool) -> None:
    """User audio sent at such a time would start after that much silence: an error
    naming the line, and nothing written."""
    records = timed_log(1_767_225_600.4)
    records.insert(2, {"type": "input_audio_buffer.append", "audio": b64(pcm(240)), "timestamp": bogus})
    path = write_log(tmp_path / "log.jsonl", records)
    p = _stereo(path, tmp_path / "call.wav", raw)
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
