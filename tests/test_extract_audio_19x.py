"""extract-audio: the points of issues #19 and #21 left after the first round — messages over
several files, overrides that contradict the log, `--raw` into a `.wav`, `-n/--no-clobber`."""

from __future__ import annotations

import base64
import json
import os
import wave
from array import array
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli, run_rtlog, write_log

GA = EXAMPLES / "ga_session.jsonl"
BETA = EXAMPLES / "beta_session.jsonl"


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def pcm(path: Path) -> tuple[int, bytes]:
    with wave.open(str(path)) as w:
        return w.getframerate(), w.readframes(w.getnframes())


def rate_log(path: Path, rate: int, n: int = 4) -> Path:
    """A small GA log whose output format states `rate`, with `n` 0.01 s assistant chunks."""
    recs: list = [{"type": "session.created", "session": {"id": "s", "model": "gpt-realtime",
                   "audio": {"output": {"format": {"type": "audio/pcm", "rate": rate}}}}}]  # fmt: skip
    recs += [{"type": "response.output_audio.delta", "response_id": "r", "item_id": "i", "delta": b64(b"\x01\x00" * (rate // 100))}
             for _ in range(n)]  # fmt: skip
    recs.append({"type": "response.done", "response": {"id": "r", "status": "completed"}})
    return write_log(path, recs)


# --- #19: several files: each message names its own file; which files were placed how -----------------


def test_placement_line_says_which_files_were_placed_how(tmp_path: Path) -> None:
    out = tmp_path / "two.wav"
    head = "rtlog: wrote {}: 37.8 s, 24 kHz PCM16 stereo (left: user, right: assistant), 868 chunks (3,628,320 bytes); " \
           "2 interrupted items cut where playback stopped (1.32 s not heard); "  # fmt: skip
    run_cli("extract-audio", GA, BETA, "--side", "both", "-o", out, stderr=head.format(out) + (
        f"placed by timestamps ({GA}) and by VAD offsets ({BETA}: no timestamps)\n"))  # fmt: skip
    r = run_cli("extract-audio", BETA, GA, "--side", "both", "--json", "-o", out, stderr="")
    rep = json.loads(r.stdout)
    assert rep["placed_by"] == "mixed"
    assert rep["placed_by_file"] == [{"file": str(BETA), "placed_by": "vad_offsets"}, {"file": str(GA), "placed_by": "timestamps"}]
    # all files alike: one word, as for one file
    assert run_cli("extract-audio", GA, GA, "--side", "both", "-o", out, stderr=None).stderr.endswith("; placed by timestamps\n")
    r = run_cli("extract-audio", BETA, BETA, "--side", "both", "--json", "-o", out)
    assert json.loads(r.stdout)["placed_by"] == "vad_offsets"


def test_rate_change_is_warned_where_each_rate_came(tmp_path: Path) -> None:
    a = rate_log(tmp_path / "a.jsonl", 24000)
    b = rate_log(tmp_path / "b.jsonl", 16000)
    out = tmp_path / "ab.wav"
    r = run_cli("extract-audio", a, b, "-o", out, stderr=None)
    assert r.stderr.splitlines()[0] == (
        f"rtlog: warning: {a}:2: assistant audio comes at several rates (24 kHz, then 16 kHz from {b}:2): converted to 24 kHz")
    r = run_cli("extract-audio", b, a, "-o", out, stderr=None)
    assert r.stderr.splitlines()[0] == (
        f"rtlog: warning: {b}:2: assistant audio comes at several rates (16 kHz, then 24 kHz from {a}:2): converted to 16 kHz")


def test_silent_channel_over_several_files_names_no_single_file(tmp_path: Path) -> None:
    a = rate_log(tmp_path / "a.jsonl", 24000)
    b = rate_log(tmp_path / "b.jsonl", 24000)
    r = run_cli("extract-audio", a, b, "--side", "both", "-o", tmp_path / "x.wav", stderr=None)
    assert r.stderr.splitlines()[0].startswith(f"rtlog: warning: {a} (and 1 more): no user audio (")
    r = run_cli("extract-audio", a, "--side", "both", "-o", tmp_path / "x.wav", stderr=None)
    assert r.stderr.splitlines()[0].startswith(f"rtlog: warning: {a}: no user audio (")


# --- #19: --rate / --encoding that contradict the log: warned, still obeyed -------------------------------


def test_rate_that_contradicts_the_log_is_warned_and_obeyed(tmp_path: Path) -> None:
    out = tmp_path / "a.wav"
    run_cli("extract-audio", GA, "--rate", "16000", "-o", out, stderr=(
        f"rtlog: warning: {GA}: --rate 16000 contradicts the log's pcm16 at 24000 Hz; decoded as PCM16 at 16000 Hz "
        "as asked (leave --rate out to use the log's)\n"
        f"rtlog: wrote {out}: 12.6 s, 16 kHz PCM16 mono, 134 chunks (403,248 bytes)\n"))  # fmt: skip
    rate, data = pcm(out)
    assert rate == 16000 and len(data) == 403_248  # the same samples, at the rate asked for
    # the rate the log states: nothing to say
    run_cli("extract-audio", GA, "--rate", "24000", "-o", out, stderr=f"rtlog: wrote {out}: 8.40 s, 24 kHz PCM16 mono, 134 chunks (403,248 bytes)\n")


def test_encoding_that_contradicts_the_log_is_warned_and_obeyed(tmp_path: Path) -> None:
    out = tmp_path / "a.wav"
    ulaw = EXAMPLES / "ulaw_session.jsonl"
    r = run_cli("extract-audio", ulaw, "--encoding", "g711_alaw", "-o", out, stderr=None)
    assert r.stderr.splitlines() == [
        f"rtlog: warning: {ulaw}: --encoding g711_alaw contradicts the log's g711_ulaw at 8000 Hz; decoded as G.711 A-law "
        "at 8000 Hz as asked (leave --encoding out to use the log's)",
        f"rtlog: wrote {out}: 4.59 s, 8 kHz PCM16 mono, 74 chunks (73,472 bytes)",
    ]
    r = run_cli("extract-audio", BETA, "--side", "both", "--encoding", "g711_alaw", "--rate", "16000", "--json", "-o", out, stderr=None)
    said = (f"{BETA}: --encoding g711_alaw --rate 16000 contradicts the log's pcm16 at 24000 Hz; decoded as G.711 A-law at "
            "16000 Hz as asked (leave --encoding and --rate out to use the log's)")  # fmt: skip
    assert json.loads(r.stdout)["warnings"] == [said]  # (once, for both sides)
    assert r.stderr == f"rtlog: warning: {said}\n"
    # a log that states no format: the override fills in, silently
    log = write_log(tmp_path / "bare.jsonl", [{"type": "response.output_audio.delta", "response_id": "r", "item_id": "i",
                                               "delta": b64(b"\x01\x00" * 80)}])  # fmt: skip
    run_cli("extract-audio", log, "--rate", "16000", "-o", out, stderr=f"rtlog: wrote {out}: 0.01 s, 16 kHz PCM16 mono, 1 chunk (160 bytes)\n")


# --- #19: --raw into a .wav name ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["x.wav", "X.WAV", "x.wave"])
def test_raw_into_a_wav_name_is_refused(tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    stem = str(out)[: str(out).rfind(".")]
    run_cli("extract-audio", GA, "--raw", "-o", out, exit_code=2, stderr=(
        f"rtlog: error: --raw writes headerless samples, not a WAV: -o {out} would be a .wav no player reads "
        f"(give it another name, e.g. -o {stem}.pcm, or leave --raw out)\n"))  # fmt: skip
    assert not out.exists()
    run_cli("extract-audio", GA, "--raw", "-o", tmp_path / "x.pcm", stderr=None)
    assert (tmp_path / "x.pcm").stat().st_size == 403_248


# --- #19: -n/--no-clobber --------------------------------------------------------------------------------------


def test_no_clobber_refuses_an_existing_output_before_reading(tmp_path: Path) -> None:
    out = tmp_path / "a.wav"
    out.write_bytes(b"mine")
    missing = tmp_path / "missing.jsonl"  # (refused before any input is opened)
    for args in (["extract-audio", missing, "-n", "-o", out], ["extract-audio", GA, "--no-clobber", "--side", "both", "-o", out],
                 ["redact", GA, "-n", "-o", out]):  # fmt: skip
        r = run_rtlog(*args)
        assert (r.returncode, r.stderr.decode()) == (2, f"rtlog: error: {out}: exists; not overwritten (-n/--no-clobber)\n")
        assert out.read_bytes() == b"mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav"]  # no temporary file left
    new = tmp_path / "b.wav"
    run_cli("extract-audio", GA, "-n", "-o", new, stderr=None)
    assert pcm(new)[1][:4] and len(pcm(new)[1]) == 403_248
    run_cli("redact", GA, "-n", "-o", tmp_path / "r.jsonl", stderr=None)


def test_no_clobber_split_moves_nothing_when_one_file_exists(tmp_path: Path) -> None:
    d = tmp_path / "replies"
    run_cli("extract-audio", GA, "--split", "response", "-o", d, stderr=None)
    names = sorted(p.name for p in d.iterdir())
    first = d / names[0]
    first.write_bytes(b"mine")
    (d / "index.json").unlink()
    run_cli("extract-audio", GA, "-n", "--split", "response", "-o", d, exit_code=2,
            stderr=f"rtlog: error: {d}/{names[0]}: exists; not overwritten (-n/--no-clobber)\n")  # fmt: skip
    assert first.read_bytes() == b"mine" and not (d / "index.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["replies"]  # the staging directory is gone


def test_no_clobber_holds_against_a_file_made_during_the_run(tmp_path: Path) -> None:
    from rtlog.errors import OutputError
    from rtlog.io.outfile import atomic_output

    out = tmp_path / "a.wav"
    with pytest.raises(OutputError, match=r"exists; not overwritten"):
        with atomic_output(str(out), no_clobber=True) as fp:
            fp.write(b"new")
            out.write_bytes(b"theirs")  # another process got there first
    assert out.read_bytes() == b"theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]


# --- #21: a placeholder's silence is streamed, not allocated ---------------------------------------------


def _placeholder_log(path: Path, claim_seconds: int, count: int = 3) -> Path:
    """PCM16 at 192 kHz (the highest rate rtlog believes), `count` placeholders each claiming
    `claim_seconds` of audio between real chunks, with user audio for the stereo mix."""
    rate = 192_000
    recs: list = [{"type": "session.created", "session": {"id": "s", "model": "gpt-realtime", "audio": {
        "input": {"format": {"type": "audio/pcm", "rate": rate}}, "output": {"format": {"type": "audio/pcm", "rate": rate}}}}}]  # fmt: skip
    recs.append({"type": "input_audio_buffer.append", "audio": b64(b"\x05\x00" * 1920)})
    for _ in range(count):
        recs.append({"type": "response.output_audio.delta", "response_id": "r", "item_id": "i", "delta": b64(b"\x01\x00" * 1920)})
        recs.append({"type": "response.output_audio.delta", "response_id": "r", "item_id": "i",
                     "delta": f"[trimmed: {claim_seconds * rate * 2} bytes]"})  # fmt: skip
    recs.append({"type": "response.done", "response": {"id": "r", "status": "completed"}})
    return write_log(path, recs)


@pytest.mark.skipif(not os.path.exists("/usr/bin/time"), reason="needs /usr/bin/time for the peak memory")
@pytest.mark.parametrize("side", ["assistant", "both"])
def test_placeholder_silence_is_streamed_in_bounded_memory(tmp_path: Path, side: str) -> None:
    """Three placeholders claiming 59 s each at 192 kHz (21.7 MB of silence each) cost no more
    memory than three claiming 1 s; the WAV holds every byte of the silence."""
    from test_resource_bounds import measured

    peaks = {}
    for secs in (1, 59):
        log = _placeholder_log(tmp_path / f"p{secs}.jsonl", secs)
        out = tmp_path / f"p{secs}.wav"
        p, peaks[secs] = measured(["extract-audio", log, "--side", side, "-o", out], tmp_path)
        assert p.returncode == 0, p.stderr
        assert f"3 assistant audio chunks are recorder placeholders ('[trimmed: {secs * 384000} bytes]'), written as " \
               f"{3 * secs:.2f} s of silence" in p.stderr.decode()  # fmt: skip
        with wave.open(str(out)) as w:
            assert w.getnframes() == 3 * (1920 + secs * 192_000)
            w.setpos(1920 + 1000)
            assert w.readframes(4) == bytes(4 * 2 * w.getnchannels())
    assert peaks[59] - peaks[1] < 6_000, peaks  # kB: the silence is never held (22 MB each before)


def test_a_lane_far_ahead_keeps_one_span_per_run_of_audio() -> None:
    """A channel that runs far ahead spills to a file; a run of contiguous chunks there is one
    queued span, not one per chunk (the queue grew with the log before: #21, --side both)."""
    from rtlog.audio.mix import Lane

    lane = Lane(2, 0, spill=1000)
    for k in range(500):
        lane.place(100 * k, bytes([k % 251, 0]) * 100, 0)
    assert len(lane.pieces) <= 6 and lane.queued == 100_000
    out = array("h", bytes(2 * 2 * 50_000))
    lane.fill(out, 0, 50_000)
    assert bytes(out[0::2]) == b"".join(bytes([k % 251, 0]) * 100 for k in range(500))
    lane.close()


def test_report_no_clobber_refuses_any_file_it_would_write(tmp_path: Path) -> None:
    page, wav = tmp_path / "a.html", tmp_path / "a.wav"
    wav.write_bytes(b"mine")  # the WAV beside the page is one of its outputs too
    run_cli("report", GA, "-n", "-o", page, exit_code=2, stderr=f"rtlog: error: {wav}: exists; not overwritten (-n/--no-clobber)\n")
    assert not page.exists() and wav.read_bytes() == b"mine"
    run_cli("report", GA, "-n", "--audio", "none", "-o", page, stderr=None)  # (no WAV written: none refused)
    assert page.exists()
    d = tmp_path / "pages"
    d.mkdir()
    (d / "index.html").write_bytes(b"mine")
    run_cli("report", GA, BETA, "-n", "-o", d, exit_code=2,
            stderr=f"rtlog: error: {d}/index.html: exists; not overwritten (-n/--no-clobber)\n")  # fmt: skip
    assert sorted(p.name for p in d.iterdir()) == ["index.html"]  # refused before any page was made


def test_placeholder_cut_and_odd_warnings_are_each_files_own(tmp_path: Path) -> None:
    """Two files with placeholders, chunks cut by the recorder and odd bytes: one warning per
    file, with that file's count and its first line (not the first file's line with the total)."""

    def log(path: Path, placeholders: int) -> Path:
        recs: list = [{"type": "session.created", "session": {"id": "s", "model": "gpt-realtime"}}]
        recs += [{"type": "response.output_audio.delta", "response_id": "r", "item_id": "i", "delta": b64(b"\x01\x00" * 100)}]
        recs += [{"type": "response.output_audio.delta", "response_id": "r", "item_id": "i", "delta": "[trimmed: 4800 bytes]"}
                 for _ in range(placeholders)]  # fmt: skip
        recs += [{"type": "response.output_audio.delta", "response_id": "r", "item_id": "i", "delta": b64(b"\x02\x00\x03")},
                 {"type": "response.done", "response": {"id": "r", "status": "completed"}}]  # fmt: skip
        return write_log(path, recs)

    a, b = log(tmp_path / "a.jsonl", 1), log(tmp_path / "b.jsonl", 3)
    r = run_cli("extract-audio", a, b, "-o", tmp_path / "ab.wav", stderr=None)
    assert r.stderr.splitlines()[:4] == [
        f"rtlog: warning: {a}:3: 1 assistant audio chunk is a recorder placeholder ('[trimmed: 4800 bytes]'), written as 0.10 s of silence",
        f"rtlog: warning: {a}:4: assistant audio ended with an odd byte (PCM16 samples are 2 bytes): dropped",
        f"rtlog: warning: {b}:3: 3 assistant audio chunks are recorder placeholders ('[trimmed: 4800 bytes]'), written as 0.30 s of silence",
        f"rtlog: warning: {b}:6: assistant audio ended with an odd byte (PCM16 samples are 2 bytes): dropped",
    ]
    rep = json.loads(run_cli("extract-audio", a, b, "--json", "-o", tmp_path / "ab.wav", stderr=None).stdout)
    assert rep["sides"]["assistant"]["placeholder_chunks"] == 4  # (the totals stay totals)
