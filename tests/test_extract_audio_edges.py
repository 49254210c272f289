"""extract-audio at the edges found in review: broken compressed input and pipes with the
two-pass modes, ids of the wrong type, the recorder-cut rule, invalid chunks, several files."""

from __future__ import annotations

import base64
import gzip
import json
import lzma
import os
import threading
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli, run_rtlog, write_log

TWO_PASS = (["--heard"], ["--side", "both"])


def truth(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.truth.json").read_text())


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


# --- #3: a truncated or corrupt compressed log in the two-pass modes ---------------------------


def _broken_logs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    data = (EXAMPLES / "ga_session.jsonl").read_bytes()
    gz = tmp_path / "t.jsonl.gz"
    gz.write_bytes(gzip.compress(data)[:600_000])
    xz = tmp_path / "c.jsonl.xz"
    raw = bytearray(lzma.compress(data))
    raw[len(raw) // 2 : len(raw) // 2 + 64] = b"\x00" * 64
    xz.write_bytes(bytes(raw))
    return {"gz": (gz, "compressed data ends early"), "xz": (xz, "corrupt compressed data")}


@pytest.mark.parametrize("mode", TWO_PASS, ids=["heard", "both"])
@pytest.mark.parametrize("kind", ["gz", "xz"])
def test_broken_compressed_log_warns_once_and_writes_what_was_read(tmp_path: Path, mode: list[str], kind: str) -> None:
    src, reason = _broken_logs(tmp_path)[kind]
    out = tmp_path / "a.wav"
    r = run_cli("extract-audio", src, *mode, "-o", out, stderr=None)
    lines = r.stderr.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"rtlog: warning: {src}:") and f": cannot read further: {reason}" in lines[0]
    assert lines[1].startswith(f"rtlog: wrote {out}: ")
    # the same log in the one-pass mode reports the same line
    r1 = run_cli("extract-audio", src, "-o", tmp_path / "b.wav", stderr=None)
    assert r1.stderr.splitlines()[0] == lines[0]


# --- #4: a pipe given as a path ---------------------------------------------------------------


def _fifo_with(tmp_path: Path, data: bytes) -> tuple[Path, threading.Thread]:
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as w:
            w.write(data)

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    return fifo, t


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("mode", [*TWO_PASS, ["--split", "turn", "--side", "both"]], ids=["heard", "both", "split"])
def test_fifo_input_is_read_twice(tmp_path: Path, mode: list[str]) -> None:
    log = EXAMPLES / "beta_session.jsonl"
    fifo, t = _fifo_with(tmp_path, log.read_bytes())
    out_f, out_r = tmp_path / "f", tmp_path / "r"
    if "--split" not in mode:
        out_f, out_r = out_f.with_suffix(".wav"), out_r.with_suffix(".wav")
    rf = run_rtlog("extract-audio", fifo, *mode, "-o", out_f, "--json")
    t.join(5)
    rr = run_rtlog("extract-audio", log, *mode, "-o", out_r, "--json")
    assert (rf.returncode, rr.returncode) == (0, 0), (rf.stderr, rr.stderr)
    assert rf.stderr == rr.stderr == b""
    jf, jr = json.loads(rf.stdout), json.loads(rr.stdout)
    assert jf["bytes"] == jr["bytes"] > 0
    if "--split" in mode:
        names = sorted(p.name for p in out_r.iterdir())
        assert sorted(p.name for p in out_f.iterdir()) == names
        for n in names:
            if n != "index.json":
                assert (out_f / n).read_bytes() == (out_r / n).read_bytes()
    else:
        assert out_f.read_bytes() == out_r.read_bytes()


# --- #17: ids of the wrong type -------------------------------------------------------------------


def test_non_string_item_id_is_no_crash(tmp_path: Path) -> None:
    src = write_log(tmp_path / "w.jsonl", [
        {"type": "session.created", "session": {"id": "s"}},
        {"type": "response.output_audio.delta", "response_id": ["r"], "item_id": ["x"], "delta": b64(b"\x01\x00")},
        {"type": "response.output_audio.delta", "response_id": "r", "item_id": {"a": 1}, "delta": b64(b"\x02\x00")},
        {"type": "conversation.item.truncated", "item_id": ["x"], "audio_end_ms": 0},
        {"type": "response.output_audio.done", "response_id": "r", "item_id": ["x"]},
        {"type": "response.done", "response": {"id": ["r"], "status": "completed"}},
    ])  # fmt: skip
    # (--split also runs turns.TurnTracker, which is not this module's: see the report)
    for mode in (["--heard"], ["--side", "both"]):
        out = tmp_path / ("d" + "".join(mode)) if "--split" in mode else tmp_path / "a.wav"
        r = run_cli("extract-audio", src, *mode, "-o", out, "--json", stderr=None)
        assert "Traceback" not in r.stderr and "error" not in r.stderr
        assert json.loads(r.stdout)["sides"]["assistant"]["decoded_bytes"] == 4


# --- #10: cut by the recorder: only many short chunks of one odd length ------------------------------


def _chunked_log(tmp_path: Path, pcm: bytes, size: int) -> Path:
    recs: list = [{"type": "session.created", "session": {"id": "s", "output_audio_format": "pcm16"}}]
    recs += [{"type": "response.audio.delta", "response_id": "r", "item_id": "i", "delta": b64(pcm[i : i + size])}
             for i in range(0, len(pcm), size)]  # fmt: skip
    recs.append({"type": "response.done", "response": {"id": "r", "status": "completed"}})
    return write_log(tmp_path / f"c{size}.jsonl", recs)


def test_real_audio_rechunked_to_an_odd_size_is_written(tmp_path: Path) -> None:
    pcm = bytes(range(256)) * 187 + bytes(58)  # 48,010 bytes: 10 chunks of 4,801
    src = _chunked_log(tmp_path, pcm, 4801)
    out = tmp_path / "a.pcm"
    r = run_cli("extract-audio", src, "-o", out, "--raw", "--json")
    rep = json.loads(r.stdout)
    assert rep["sides"]["assistant"]["cut_by_recorder_chunks"] == 0
    assert out.read_bytes() == pcm
    s = json.loads(run_cli("summary", "--json", src, stderr=None).stdout)
    assert not any("recorder" in w for w in s["warnings"])


@pytest.mark.parametrize(("size", "count", "cut"), [(33, 3, True), (33, 12, True), (33, 2, False), (65, 5, False), (34, 5, False)])
def test_recorder_cut_rule_is_the_same_in_extract_audio_and_summary(tmp_path: Path, size: int, count: int, cut: bool) -> None:
    from rtlog.protocol.audio_checks import recorder_cut

    assert recorder_cut(count, size, True) is cut
    src = _chunked_log(tmp_path, bytes(range(1, 256)) * 3 * count, size)
    src = write_log(src, [json.loads(x) for x in src.read_text().splitlines()[: count + 1]] +
                    [{"type": "response.done", "response": {"id": "r", "status": "completed"}}])  # fmt: skip
    out = tmp_path / "a.raw"
    r = run_cli("extract-audio", src, "-o", out, "--raw", "--json", exit_code=1 if cut else 0, stderr=None)
    s = json.loads(run_cli("summary", "--json", src, stderr=None).stdout)
    assert any("recorder" in w for w in s["warnings"]) is cut
    if cut:
        assert r.stderr == (f"rtlog: {src}: no real assistant audio: the recorder cut every chunk to {size} "
                            "bytes (an odd size for PCM16), so the log does not hold it\n")
    else:
        assert json.loads(r.stdout)["sides"]["assistant"]["cut_by_recorder_chunks"] == 0
        assert len(out.read_bytes()) == size * count - (size * count) % 2


# --- #9: an invalid chunk is skipped, and no time is invented for it ---------------------------------


def _invalid_chunk_log(tmp_path: Path) -> tuple[Path, list[bytes]]:
    user = bytes([1, 1]) * 2400  # 0.1 s at 24 kHz
    asst = [bytes([i + 2, 0]) * 2400 for i in range(10)]
    recs: list = [{"type": "session.created", "session": {"id": "s", "model": "gpt-realtime"}}]
    recs += [{"type": "input_audio_buffer.append", "audio": b64(user)} for _ in range(10)]
    recs += [{"type": "input_audio_buffer.speech_started", "item_id": "u1", "audio_start_ms": 0},
             {"type": "input_audio_buffer.speech_stopped", "item_id": "u1", "audio_end_ms": 1000},
             {"type": "input_audio_buffer.committed", "item_id": "u1"},
             {"type": "response.created", "response": {"id": "r1", "status": "in_progress"}}]  # fmt: skip
    for i, a in enumerate(asst):
        d = b64(a)
        if i == 4:
            d = d[:100] + "!" + d[101:]
        recs.append({"type": "response.output_audio.delta", "response_id": "r1", "item_id": "a1", "delta": d})
    recs.append({"type": "response.done", "response": {"id": "r1", "status": "completed"}})
    return write_log(tmp_path / "inv.jsonl", recs), [a for i, a in enumerate(asst) if i != 4]


def test_invalid_chunk_is_skipped_without_inventing_its_time(tmp_path: Path) -> None:
    src, valid = _invalid_chunk_log(tmp_path)
    warn = f"rtlog: warning: {src}:20: invalid base64 audio (only base64 data is allowed): assistant chunk skipped\n"
    out = tmp_path / "a.raw"
    run_cli("extract-audio", src, "-o", out, "--raw",
            stderr=warn + f"rtlog: wrote {out}: 0.90 s, 24 kHz PCM16 mono, raw (no header), 9 chunks (43,200 bytes)\n")  # fmt: skip
    assert out.read_bytes() == b"".join(valid)
    # the stereo mix: the answer starts when the user stopped (1.0 s) and the chunks after the
    # invalid one follow the one before it: 0.9 s of audio, no 0.1 s hole
    both = tmp_path / "b.raw"
    run_cli("extract-audio", src, "--side", "both", "-o", both, "--raw", stderr=None)
    frames = both.read_bytes()
    right = b"".join(frames[i + 2 : i + 4] for i in range(0, len(frames), 4))
    assert right == bytes(48000) + b"".join(valid)
    # summary counts the same 0.9 s
    s = json.loads(run_cli("summary", "--json", src, stderr=None).stdout)
    assert s["audio_seconds"]["output"] == 0.9


# --- #5: several files: each one after the previous one, never interleaved ----------------------------


def _pcm(path: Path) -> bytes:
    import wave

    with wave.open(str(path)) as w:
        return w.readframes(w.getnframes())


@pytest.mark.parametrize("pair", [("ga_session", "ga_session"), ("beta_session", "ga_session"), ("ga_session", "beta_session")])
@pytest.mark.parametrize("mode", [["--side", "both"], ["--heard"], ["--side", "user"]], ids=["both", "heard", "user"])
def test_several_files_follow_each_other(tmp_path: Path, pair: tuple[str, str], mode: list[str]) -> None:
    # (--side both after a timestamped file: the timeline joins a chunk 1 ms after the audio
    # before it as the mix does, and the mix writes silence up to the rounded frame)
    singles = []
    for i, name in enumerate(pair):
        out = tmp_path / f"{i}.wav"
        run_cli("extract-audio", EXAMPLES / f"{name}.jsonl", *mode, "-o", out, stderr=None)
        singles.append(_pcm(out))
    out = tmp_path / "two.wav"
    run_cli("extract-audio", *(EXAMPLES / f"{n}.jsonl" for n in pair), *mode, "-o", out, stderr=None)
    assert _pcm(out) == singles[0] + singles[1]


# --- the side not extracted is read by the fold's fast path ------------------------------------------


def _starts_with_user_audio(tmp_path: Path, timed: bool) -> list[Path]:
    """Two files; the second starts with bare appends (digested lines, no session.created):
    the fast path meets the new file before any Event of it does (with timestamps, the
    fold leaves the file's first timed line to an Event)."""
    chunk = lambda k: b64(bytes([k, 0]) * 2400)  # noqa: E731 - 0.05 s at 24 kHz
    paths = []
    for f in range(2):
        recs: list = [] if f else [{"type": "session.created", "session": {"id": "s", "model": "gpt-realtime"}}]
        for t in range(2):
            recs += [{"type": "input_audio_buffer.append", "audio": chunk(f * 10 + t)} for _ in range(6)]
            recs += [{"type": "input_audio_buffer.speech_started", "item_id": f"u{t}", "audio_start_ms": 300 * t + 50},
                     {"type": "input_audio_buffer.speech_stopped", "item_id": f"u{t}", "audio_end_ms": 300 * t + 250},
                     {"type": "input_audio_buffer.committed", "item_id": f"u{t}"},
                     {"type": "response.created", "response": {"id": f"r{t}", "status": "in_progress"}}]  # fmt: skip
            recs += [{"type": "response.output_audio.delta", "response_id": f"r{t}", "item_id": f"a{t}",
                      "delta": chunk(100 + f * 10 + t)} for _ in range(3)]  # fmt: skip
            recs.append({"type": "response.done", "response": {"id": f"r{t}", "status": "completed"}})
        if timed:
            recs = [r | {"timestamp": 1000.0 + f * 100 + k * 0.05} for k, r in enumerate(recs)]
        paths.append(write_log(tmp_path / f"f{f}.jsonl", recs))
    return paths


def _extract(paths: list[Path], opts: dict, from_sources: bool) -> tuple[dict, dict[str, bytes]]:
    import contextlib
    import io

    from rtlog.audio.extract import extract_audio
    from rtlog.audio.options import AudioOptions
    from rtlog.audio.prescan import prescan
    from rtlog.io.reader import Diagnostics, expand_sources, iter_events

    o = AudioOptions(**opts)
    diag = Diagnostics()
    sources = expand_sources([str(p) for p in paths])
    facts = prescan(sources) if o.needs_prescan else None
    files: dict[str, io.BytesIO] = {}

    class Keep(io.BytesIO):
        def close(self) -> None:
            pass

    def open_file(name: str) -> contextlib.AbstractContextManager[io.BytesIO]:
        files[name] = Keep()
        return contextlib.nullcontext(files[name])

    out = Keep() if o.split is None else None
    events = None if from_sources else iter_events([str(p) for p in paths], diag)
    report = extract_audio(events, o, diag, sources=sources, facts=facts, out=out,
                           open_file=open_file if o.split else None)  # fmt: skip
    written = {k: v.getvalue() for k, v in files.items()} | ({"out": out.getvalue()} if out is not None else {})
    return report.as_dict(), written


@pytest.mark.parametrize(
    "opts",
    [{}, {"heard": True}, {"split": "item"}, {"split": "turn"}, {"side": "user"}, {"side": "user", "split": "item"},
     {"side": "user", "split": "turn"}],
    ids=["assistant", "heard", "item", "turn", "user", "user-item", "user-turn"],
)  # fmt: skip
@pytest.mark.parametrize("logs", ["user-first", "user-first-timed", "examples"])
def test_the_other_side_by_the_fast_path_is_the_same_as_by_events(tmp_path: Path, opts: dict, logs: str) -> None:
    """Reading the sources (the side not extracted takes the fold's fast path, no Event)
    gives the same audio, index and report as extracting from the events."""
    if logs.startswith("user-first"):
        paths = _starts_with_user_audio(tmp_path, timed=logs.endswith("timed"))
    else:
        paths = [EXAMPLES / "ga_session.jsonl", EXAMPLES / "beta_session.jsonl", EXAMPLES / "ga_session.jsonl"]
    assert _extract(paths, opts, True) == _extract(paths, opts, False)
