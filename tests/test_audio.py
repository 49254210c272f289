"""The audio core: decoding, screening, rate conversion, the stereo call mix, splits."""

from __future__ import annotations

import base64
import io
import wave
from array import array
from pathlib import Path
from typing import Any

import pytest
from conftest import write_log
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import rtlog.audio.prescan as prescan_module
from rtlog.audio.extract import extract_audio
from rtlog.audio.g711 import to_pcm16
from rtlog.audio.mix import Lane
from rtlog.audio.options import AudioOptions
from rtlog.audio.prescan import LogFacts, prescan
from rtlog.audio.report import SideStats
from rtlog.audio.screen import SideScreen
from rtlog.errors import InputError, NothingFound, UsageError
from rtlog.io.reader import Diagnostics, expand_sources, iter_events
from rtlog.protocol.formats import PCM16, ULAW, AudioFormat

B64 = lambda b: base64.b64encode(b).decode()  # noqa: E731


def pcm(*samples: int) -> bytes:
    return array("h", samples).tobytes()


def const(value: int, n: int) -> bytes:
    return (array("h", [value]) * n).tobytes()


def frames_of(data: bytes) -> tuple[Any, bytes]:
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getparams(), w.readframes(w.getnframes())


def session(rate_in: int = 24000, rate_out: int = 24000, ts: float | None = None, enc: str = "audio/pcm") -> dict:
    fmt = lambda r: {"type": enc, "rate": r} if enc == "audio/pcm" else {"type": enc}  # noqa: E731
    s = {"type": "session.created", "session": {"type": "realtime", "id": "sess_1", "audio": {"input": {"format": fmt(rate_in)}, "output": {"format": fmt(rate_out)}}}}
    return s | ({"timestamp": ts} if ts is not None else {})


def delta(data: bytes | str, item: str = "item_A", resp: str = "resp_A", ts: float | None = None) -> dict:
    d = {"type": "response.output_audio.delta", "response_id": resp, "item_id": item, "output_index": 0, "content_index": 0,
         "delta": data if isinstance(data, str) else B64(data)}  # fmt: skip
    return d | ({"timestamp": ts} if ts is not None else {})


def append(data: bytes | str, ts: float | None = None) -> dict:
    d = {"type": "input_audio_buffer.append", "audio": data if isinstance(data, str) else B64(data)}
    return d | ({"timestamp": ts} if ts is not None else {})


def ev(type_: str, ts: float | None = None, **fields: Any) -> dict:
    return {"type": type_, **fields} | ({"timestamp": ts} if ts is not None else {})


def run(tmp_path: Path, records: list, warn: list | None = None, strict: bool = False, **opts: Any):  # type: ignore[no-untyped-def]
    """Extract from a log written from `records`; returns (report, output bytes)."""
    path = write_log(tmp_path / "t.jsonl", records)
    o = AudioOptions(**opts)
    diag = Diagnostics(strict=strict, warn=(warn.append if warn is not None else None))
    facts = prescan(expand_sources([str(path)])) if o.needs_prescan else None
    out = io.BytesIO()
    report = extract_audio(iter_events([str(path)], diag), o, diag, facts=facts, out=out, out_name="out.wav")
    return report, out.getvalue()


# --- rate conversion: tests/test_resample.py (band-limited, since linear interpolation left images) ---


# --- screening one side ---------------------------------------------------------------------------

FMT = AudioFormat(PCM16, 24000, True)


class _Ev:
    source, line_no = "t.jsonl", 7


def screen(cuts: dict | None = None) -> tuple[SideScreen, list]:
    got: list = []
    st_ = SideStats("assistant")
    return SideScreen(st_, lambda k, f, d, p: got.append((k, d)), cuts), got


def test_odd_byte_is_carried_into_the_next_chunk_of_the_same_item() -> None:
    s, got = screen()
    s.push("A", FMT, b"\x01\x02\x03", None, _Ev())  # type: ignore[arg-type]
    s.push("A", FMT, b"\x04\x05\x06\x07\x08", None, _Ev())  # type: ignore[arg-type]
    s.finish()
    assert b"".join(d for _, d in got) == b"\x01\x02\x03\x04\x05\x06\x07\x08"
    assert s.stats.odd_dropped == 0 and s.cut_size is None


def test_odd_byte_at_the_end_of_an_item_is_dropped_and_counted() -> None:
    s, got = screen()
    s.push("A", FMT, b"\x01\x02", None, _Ev())  # type: ignore[arg-type]
    s.push("A", FMT, b"\x03\x04\x05", None, _Ev())  # type: ignore[arg-type]
    s.push("B", FMT, b"\x06\x07", None, _Ev())  # type: ignore[arg-type]
    s.finish()
    assert got == [("A", b"\x01\x02"), ("A", b"\x03\x04"), ("B", b"\x06\x07")]
    assert s.stats.odd_dropped == 1 and s.stats.first_odd == ("t.jsonl", 7)


def test_two_chunks_of_the_same_odd_length_are_a_recorder_cut() -> None:
    s, got = screen()
    for _ in range(5):
        s.push("A", FMT, b"\x00" * 33, None, _Ev())  # type: ignore[arg-type]
    s.finish()
    assert got == [] and s.dead
    assert (s.stats.cut_chunks, s.stats.cut_size) == (5, 33)


def test_a_first_odd_chunk_is_released_when_the_next_differs() -> None:
    s, got = screen()
    s.push("A", FMT, b"\x01\x02\x03", None, _Ev())  # type: ignore[arg-type]
    assert got == []  # held until the next chunk says whether it was cut
    s.push("A", FMT, b"\x04", None, _Ev())  # type: ignore[arg-type]
    s.finish()
    assert b"".join(d for _, d in got) == b"\x01\x02\x03\x04" and not s.dead


def test_heard_cut_at_audio_end_ms_on_a_sample_boundary() -> None:
    s, got = screen({"A": 10})  # 10 ms at 24 kHz PCM16 = 480 bytes
    for _ in range(3):
        s.push("A", FMT, b"\x01" * 300, None, _Ev())  # type: ignore[arg-type]
    s.push("B", FMT, b"\x02" * 4, None, _Ev())  # type: ignore[arg-type]
    assert [len(d) for k, d in got if k == "A"] == [300, 180]
    assert got[-1] == ("B", b"\x02" * 4)
    assert (s.stats.truncated_items, s.stats.heard_dropped_bytes) == (1, 420)


# --- mono extraction --------------------------------------------------------------------------------


def pcm_bytes(min_size: int = 2, max_size: int = 600) -> st.SearchStrategy[bytes]:
    return st.binary(min_size=min_size // 2, max_size=max_size // 2).map(lambda b: b + b)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=pcm_bytes(), cuts=st.lists(st.integers(0, 600), max_size=12))
def test_any_split_into_base64_chunks_gives_the_same_wav(tmp_path: Path, data: bytes, cuts: list[int]) -> None:
    points = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in zip(points, points[1:])]
    # the one split that is indistinguishable from a recorder cut (tested on its own)
    assume(not (len(chunks) > 1 and len(chunks[0]) % 2 and len(chunks[1]) == len(chunks[0])))
    report, out = run(tmp_path, [session()] + [delta(c) for c in chunks])
    params, frames = frames_of(out)
    assert frames == data
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 24000)
    assert report.files[0].nbytes == len(data)


def test_each_delta_is_decoded_on_its_own(tmp_path: Path) -> None:
    # joined, "AQI=" + "AwQF" would decode to 01 02 and silently lose the rest
    _, out = run(tmp_path, [session(), delta("AQI="), delta("AwQF")], warn=[])
    _, frames = frames_of(out)
    assert frames == b"\x01\x02\x03\x04"  # 5 bytes decoded; the odd last byte dropped


def test_invalid_base64_is_skipped_with_its_line(tmp_path: Path) -> None:
    warnings: list[str] = []
    report, out = run(tmp_path, [session(), delta(pcm(1, 2)), delta("AQ I="), delta(pcm(3))], warn=warnings)
    assert frames_of(out)[1] == pcm(1, 2, 3)
    assert warnings == [f"{tmp_path / 't.jsonl'}:3: invalid base64 audio (only base64 data is allowed): assistant chunk skipped"]
    assert report.sides["assistant"].invalid == 1


def test_invalid_base64_is_fatal_with_strict(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"t.jsonl:3: invalid base64 audio \(incorrect padding\)"):
        run(tmp_path, [session(), delta(pcm(1, 2)), delta("AQI")], strict=True)


def test_placeholders_become_silence_of_their_stated_length(tmp_path: Path) -> None:
    report, out = run(tmp_path, [session(), delta(pcm(5, 5)), delta("[trimmed: 4800 bytes]"), delta(pcm(7))])
    assert frames_of(out)[1] == pcm(5, 5) + bytes(4800) + pcm(7)
    assert report.warnings == [
        f"{tmp_path / 't.jsonl'}:3: 1 assistant audio chunk is a recorder placeholder ('[trimmed: 4800 bytes]'), "
        "written as 0.10 s of silence"
    ]


def test_only_placeholders_is_no_audio(tmp_path: Path) -> None:
    with pytest.raises(NothingFound, match=r"no real assistant audio: all 2 chunks are recorder placeholders \('\[trimmed: 4800 bytes\]'\)"):
        run(tmp_path, [session(), delta("[trimmed: 4800 bytes]"), delta("[trimmed: 4800 bytes]")])


def test_recorder_cut_chunks_are_not_written(tmp_path: Path) -> None:
    with pytest.raises(NothingFound, match="the recorder cut every chunk to 33 bytes"):
        run(tmp_path, [session()] + [delta(b"\x01" * 33) for _ in range(4)])


def test_no_audio_at_all(tmp_path: Path) -> None:
    with pytest.raises(NothingFound, match=r"t.jsonl: no assistant audio \(no response.output_audio.delta"):
        run(tmp_path, [session(), ev("response.done", response={"id": "r"})])


def test_g711_is_decoded_to_pcm16_or_kept(tmp_path: Path) -> None:
    data = bytes(range(256))
    recs = [session(enc="audio/pcmu"), delta(data[:100]), delta(data[100:])]
    report, out = run(tmp_path, recs)
    params, frames = frames_of(out)
    assert (params.framerate, params.sampwidth) == (8000, 2) and frames == to_pcm16(data, ULAW)
    _, kept = run(tmp_path, recs, keep_encoding=True)
    assert kept[:4] == b"RIFF" and kept[20:22] == b"\x07\x00" and kept[58:] == data


def test_overrides_fill_in_what_the_log_does_not_say(tmp_path: Path) -> None:
    data = bytes(range(0, 256, 3))
    _, out = run(tmp_path, [delta(data)], encoding="g711_alaw")  # no session at all
    params, frames = frames_of(out)
    assert params.framerate == 8000 and frames == to_pcm16(data, "g711_alaw")
    _, out = run(tmp_path, [session(), delta(pcm(1, 2, 3))], rate=16000)
    params, frames = frames_of(out)
    assert params.framerate == 16000 and frames == pcm(1, 2, 3)


def test_a_response_in_another_format_is_converted_to_the_first(tmp_path: Path) -> None:
    recs = [
        session(), delta(pcm(0, 0)),
        ev("response.created", response={"id": "resp_B", "audio": {"output": {"format": {"type": "audio/pcmu"}}}}),
        delta(b"\xff\xff", item="item_B", resp="resp_B"),
    ]  # fmt: skip
    report, out = run(tmp_path, recs)
    params, frames = frames_of(out)
    assert params.framerate == 24000 and frames == pcm(0, 0) + bytes(12)  # 2 μ-law silences at 8 kHz → 6 samples
    log = tmp_path / "t.jsonl"
    assert report.warnings == [f"{log}:2: assistant audio comes at several rates (24 kHz, then 8 kHz from {log}:4): converted to 24 kHz"]


def test_keep_encoding_cannot_mix_encodings(tmp_path: Path) -> None:
    recs = [
        session(), delta(pcm(0, 0)),
        ev("response.created", response={"id": "resp_B", "output_audio_format": "g711_ulaw"}),
        delta(b"\xff\xff", item="item_B", resp="resp_B"),
    ]  # fmt: skip
    with pytest.raises(InputError, match=r"t.jsonl:4: the audio changes from PCM16 to G.711 μ-law: --keep-encoding cannot keep both"):
        run(tmp_path, recs, keep_encoding=True)


def test_heard_cuts_at_the_truncation_that_follows_the_audio(tmp_path: Path) -> None:
    recs = [
        session(), delta(const(1, 2400)), delta(const(2, 2400)),
        ev("conversation.item.truncate", item_id="item_A", content_index=0, audio_end_ms=150),
        ev("conversation.item.truncated", item_id="item_A", content_index=0, audio_end_ms=125),
        delta(const(3, 100), item="item_B", resp="resp_B"),
    ]  # fmt: skip
    report, out = run(tmp_path, recs, heard=True)
    assert frames_of(out)[1] == const(1, 2400) + const(2, 600) + const(3, 100)  # the server's 125 ms wins
    a = report.sides["assistant"]
    assert (a.truncated_items, a.heard_dropped_bytes) == (1, 3600)
    _, everything = run(tmp_path, recs)
    assert len(frames_of(everything)[1]) == 2 * 4900


def test_user_side_is_the_appended_audio_in_order(tmp_path: Path) -> None:
    recs = [session(), append(pcm(1, 2)), delta(pcm(9)), append(pcm(3)), ev("input_audio_buffer.commit"), append(pcm(4, 5, 6))]
    _, out = run(tmp_path, recs, side="user")
    assert frames_of(out)[1] == pcm(1, 2, 3, 4, 5, 6)


# --- the stereo call mix ------------------------------------------------------------------------------


def channels(out: bytes) -> tuple[list[int], list[int]]:
    params, frames = frames_of(out)
    assert params.nchannels == 2
    a = array("h", frames).tolist()
    return a[0::2], a[1::2]


def runs(samples: list[int]) -> list[tuple[int, int, int]]:
    """[(start, end, value)] of constant runs."""
    out: list[tuple[int, int, int]] = []
    for i, v in enumerate(samples):
        if out and out[-1][2] == v and out[-1][1] == i:
            out[-1] = (out[-1][0], i + 1, v)
        else:
            out.append((i, i + 1, v))
    return out


def test_stereo_with_timestamps_places_each_sample(tmp_path: Path) -> None:
    recs = [
        session(8000, 8000, ts=1000.0),
        append(const(100, 4000), ts=1000.5),  # user audio at the time it was appended
        append(const(200, 4000), ts=1001.0),
        ev("response.created", ts=1001.1, response={"id": "resp_A"}),
        delta(const(1000, 8000), ts=1001.2),  # first delta's arrival
        delta(const(2000, 8000), ts=1001.3),  # the item continues after its previous audio
        ev("response.output_audio.done", ts=1001.4, response_id="resp_A", item_id="item_A"),
        ev("response.done", ts=1001.5, response={"id": "resp_A", "status": "completed"}),
        ev("conversation.item.truncate", ts=1002.8, item_id="item_A", content_index=0, audio_end_ms=1500),
        ev("conversation.item.truncated", ts=1002.85, item_id="item_A", content_index=0, audio_end_ms=1500),
        append(const(300, 4000), ts=1003.0),
        ev("response.created", ts=1003.9, response={"id": "resp_B"}),
        delta(const(3000, 4000), item="item_B", resp="resp_B", ts=1004.0),
        ev("response.done", ts=1004.1, response={"id": "resp_B", "status": "completed"}),
    ]  # fmt: skip
    report, out = run(tmp_path, recs, side="both")
    left, right = channels(out)
    assert runs(left) == [(0, 4000, 0), (4000, 8000, 100), (8000, 12000, 200), (12000, 24000, 0), (24000, 28000, 300), (28000, 36000, 0)]
    assert runs(right) == [(0, 9600, 0), (9600, 17600, 1000), (17600, 21600, 2000), (21600, 32000, 0), (32000, 36000, 3000)]
    assert report.timestamps is True
    assert report.sides["assistant"].truncated_items == 1


def test_stereo_without_timestamps_follows_the_vad_offsets(tmp_path: Path) -> None:
    recs = [
        session(8000, 8000),
        append(const(100, 4000)),
        ev("input_audio_buffer.speech_started", audio_start_ms=100, item_id="item_U1"),
        append(const(200, 4000)),
        ev("input_audio_buffer.speech_stopped", audio_end_ms=800, item_id="item_U1"),
        ev("input_audio_buffer.committed", item_id="item_U1"),
        ev("response.created", response={"id": "resp_A"}),
        delta(const(1000, 8000)),  # placed where the user's speech ended (800 ms)
        delta(const(2000, 8000)),
        ev("response.done", response={"id": "resp_A"}),
        append(const(300, 4000)),
        ev("input_audio_buffer.speech_started", audio_start_ms=1100, item_id="item_U2"),
        ev("input_audio_buffer.speech_stopped", audio_end_ms=1400, item_id="item_U2"),
        ev("input_audio_buffer.committed", item_id="item_U2"),
        ev("conversation.item.truncated", item_id="item_A", content_index=0, audio_end_ms=1500),
        ev("response.created", response={"id": "resp_B"}),
        delta(const(3000, 4000), item="item_B", resp="resp_B"),  # after the previous audio (2.3 s) > 1.4 s
    ]  # fmt: skip
    report, out = run(tmp_path, recs, side="both")
    left, right = channels(out)
    assert runs(left) == [(0, 4000, 100), (4000, 8000, 200), (8000, 12000, 300), (12000, 22400, 0)]
    assert runs(right) == [(0, 6400, 0), (6400, 14400, 1000), (14400, 18400, 2000), (18400, 22400, 3000)]
    assert report.timestamps is False


def test_stereo_converts_the_lower_rate(tmp_path: Path) -> None:
    recs = [
        session(16000, 24000, ts=10.0),
        append(const(500, 8000), ts=10.0),  # 0.5 s at 16 kHz
        delta(const(-7, 2400), ts=10.25),  # 0.1 s at 24 kHz
    ]  # fmt: skip
    _, out = run(tmp_path, recs, side="both")
    params, _ = frames_of(out)
    assert params.framerate == 24000
    left, right = channels(out)
    # band-limited: a step from the silence before the stream rings for half the filter
    # (16 input samples = 24 output frames), then the level is exact (each phase sums to 1)
    assert len(left) == 12000 and runs(left[24:-24]) == [(0, 12000 - 48, 500)]
    assert max(left) < 600 and min(left) > -100
    assert runs(right) == [(0, 6000, 0), (6000, 8400, -7), (8400, 12000, 0)]


def test_stereo_g711_kept_fills_silence_with_the_silent_code(tmp_path: Path) -> None:
    recs = [session(enc="audio/pcmu", ts=0.0), append(b"\x10" * 8, ts=0.0), delta(b"\x20" * 4, ts=0.005)]
    _, out = run(tmp_path, recs, side="both", keep_encoding=True)
    assert out[20:22] == b"\x07\x00" and out[22:24] == b"\x02\x00"  # μ-law, 2 channels
    assert out[58:] == b"\x10\xff" * 8 + b"\xff\xff" * 32 + b"\xff\x20" * 4  # assistant at 5 ms = frame 40


def test_stereo_keep_encoding_needs_one_format(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="needs one encoding and rate on both sides"):
        run(tmp_path, [session(16000, 24000), append(pcm(1)), delta(pcm(2))], side="both", keep_encoding=True)


def test_a_channel_that_runs_far_ahead_spills_to_disk_with_the_same_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recs = [session(8000, 8000)] + [delta(const(i, 800), item=f"item_{i}", resp=f"resp_{i}") for i in range(1, 9)]
    recs += [append(const(5, 8000))]
    _, normal = run(tmp_path, recs, side="both")
    monkeypatch.setattr(Lane.__init__, "__defaults__", (1000,))
    _, spilled = run(tmp_path, recs, side="both")
    assert spilled == normal
    left, right = channels(normal)
    # no timestamps and no VAD: the responses follow each other from 0; the user's buffer,
    # appended after them, starts where they end (timeline: push-to-talk follows the answer)
    assert runs(right) == [(800 * i, 800 * (i + 1), i + 1) for i in range(8)] + [(6400, 14400, 0)]
    assert runs(left) == [(0, 6400, 0), (6400, 14400, 5)]


# --- splits -------------------------------------------------------------------------------------------


def split_run(tmp_path: Path, records: list, **opts: Any) -> tuple[Any, dict[str, bytes]]:
    path = write_log(tmp_path / "t.jsonl", records)
    o = AudioOptions(**opts)
    diag = Diagnostics()
    facts = prescan(expand_sources([str(path)])) if o.needs_prescan else None
    files: dict[str, io.BytesIO] = {}

    class Keep(io.BytesIO):
        def close(self) -> None:  # keep the bytes readable after the writer is done
            pass

    def open_file(name: str):  # type: ignore[no-untyped-def]
        import contextlib

        files[name] = Keep()
        return contextlib.nullcontext(files[name])

    report = extract_audio(iter_events([str(path)], diag), o, diag, facts=facts, open_file=open_file)
    return report, {k: v.getvalue() for k, v in files.items()}


def test_user_items_are_the_vad_segments_of_the_input_stream(tmp_path: Path) -> None:
    stream = array("h", range(8000)).tobytes()  # 1 s at 8 kHz, every sample distinct
    recs = [session(8000, 8000), append(stream[:4000]),
            ev("input_audio_buffer.speech_started", audio_start_ms=100, item_id="item_U1"),  # in audio already written
            append(stream[4000:12000]),
            ev("input_audio_buffer.speech_stopped", audio_end_ms=600, item_id="item_U1"),
            ev("input_audio_buffer.committed", item_id="item_U1"),
            append(stream[12000:]),
            ev("input_audio_buffer.commit"), ev("input_audio_buffer.committed", item_id="item_U2"),  # a manual commit
            ]  # fmt: skip
    report, files = split_run(tmp_path, recs, side="user", split="item")
    assert list(files) == ["001_user_item_U1.wav", "002_user_item_U2.wav"]
    assert frames_of(files["001_user_item_U1.wav"])[1] == stream[1600:9600]  # 100..600 ms
    assert frames_of(files["002_user_item_U2.wav"])[1] == stream[12000:]  # appended since the last commit
    assert [f.user_item_ids for f in report.files] == [["item_U1"], ["item_U2"]]


def test_split_by_response_names_files_with_ids(tmp_path: Path) -> None:
    recs = [session(),
            ev("response.created", response={"id": "resp_A"}),
            ev("response.output_item.added", response_id="resp_A", item={"id": "item_A", "type": "message"}),
            delta(pcm(1, 2)), ev("response.output_audio_transcript.delta", item_id="item_A", delta="Hel"),
            ev("response.output_audio_transcript.delta", item_id="item_A", delta="lo"),
            ev("response.done", response={"id": "resp_A"}),
            ev("response.created", response={"id": "xai-uuid-1"}),
            delta(pcm(3), item="item_B", resp="xai-uuid-1"),
            ev("response.output_audio_transcript.done", item_id="item_B", transcript="Bye."),
            ]  # fmt: skip
    report, files = split_run(tmp_path, recs, split="response")
    assert list(files) == ["001_resp_A.wav", "002_resp_xai-uuid-1.wav"]
    assert frames_of(files["001_resp_A.wav"])[1] == pcm(1, 2)
    assert [(f.index, f.response_ids, f.item_ids, f.transcript) for f in report.files] == [
        (1, ["resp_A"], ["item_A"], "Hello"), (2, ["xai-uuid-1"], ["item_B"], "Bye.")]


def test_stereo_turn_files_partition_the_whole_mix(tmp_path: Path) -> None:
    recs = [session(8000, 8000, ts=0.0), append(const(1, 4000), ts=0.0),
            ev("input_audio_buffer.speech_started", ts=0.6, audio_start_ms=200, item_id="item_U1"),
            append(const(2, 4000), ts=0.5),
            ev("input_audio_buffer.speech_stopped", ts=1.0, audio_end_ms=900, item_id="item_U1"),
            ev("input_audio_buffer.committed", ts=1.0, item_id="item_U1"),
            ev("response.created", ts=1.1, response={"id": "resp_A"}),
            delta(const(9, 8000), ts=1.2), append(const(3, 8000), ts=1.2),
            ev("input_audio_buffer.speech_started", ts=2.5, audio_start_ms=1800, item_id="item_U2"),
            append(const(4, 4000), ts=2.2)]  # fmt: skip
    _, whole = run(tmp_path, recs, side="both")
    report, files = split_run(tmp_path, recs, side="both", split="turn")
    assert list(files) == ["001_turn0.wav", "002_turn1_item_U1.wav", "003_turn2_item_U2.wav"]
    joined = b"".join(frames_of(files[n])[1] for n in files)
    assert joined == frames_of(whole)[1]
    # each turn starts where its user speech started (200 ms, 1800 ms of input)
    # (the third append came after a 0.2 s gap, so 1800 ms of input plays at 2.0 s)
    assert [len(frames_of(files[n])[1]) // 4 for n in files] == [1600, 14400, len(joined) // 4 - 16000]


# --- prescan ------------------------------------------------------------------------------------------


def test_prescan_finds_truncations_across_block_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recs = [session()] + [delta(const(i, 500), item=f"item_{i}") for i in range(20)]
    recs += [ev("conversation.item.truncated", item_id="item_3", audio_end_ms=7),
             ev("conversation.item.truncate", item_id="item_3", audio_end_ms=9),  # the server's word wins
             ev("conversation.item.truncate", item_id="item_5", audio_end_ms=11),
             ev("response.output_audio_transcript.delta", item_id="x", delta="conversation.item.truncate")]  # fmt: skip
    path = write_log(tmp_path / "t.jsonl", recs)
    expected = LogFacts({"item_3": 7, "item_5": 11}, has_user_audio=False, has_assistant_audio=True)
    assert prescan(expand_sources([str(path)])) == expected
    for block in (7, 64, 1000, 1337):
        monkeypatch.setattr(prescan_module, "_PRESCAN_BLOCK", block)
        assert prescan(expand_sources([str(path)])) == expected
