"""Every real recording reads cleanly, with the right direction for every event."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from conftest import corpus_file, corpus_files, needs_corpus

from rtlog.conversation.session import SessionTracker
from rtlog.io.reader import Diagnostics, iter_events

pytestmark = needs_corpus


def read_all(path: Path) -> tuple[list, Diagnostics]:
    warnings: list[str] = []
    diag = Diagnostics(warn=warnings.append)
    evs = list(iter_events([str(path)], diag))
    assert warnings == []
    return evs, diag


@pytest.mark.parametrize("path", corpus_files("wrapped"), ids=lambda p: p.name[:60])
def test_wrapped_recordings_read_with_the_recorded_direction(path: Path) -> None:
    evs, diag = read_all(path)
    records = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    assert diag.bad_lines == 0 and len(evs) == len(records)
    for ev, rec in zip(evs, records):
        if rec.get("kind", "message") == "message":
            assert ev.direction == {"sent": "client", "received": "server"}[rec["direction"]], (ev.line_no, ev.type)
            data = dict(ev.data)
            if ev.payload_span is not None:  # the audio payload was cut out before parsing
                key = "delta" if "delta" in data else "audio"
                assert data[key] == ""
                data[key] = bytes(ev.audio_b64()).decode()
            assert data == rec["data"]
        else:
            assert (ev.type, ev.frame) == (f"<{rec['kind']}>", rec["kind"])


@pytest.mark.parametrize("path", corpus_files("derived"), ids=lambda p: p.name[:60])
def test_bare_recordings_infer_direction_from_the_type(path: Path) -> None:
    evs, diag = read_all(path)
    assert diag.bad_lines == 0 and evs
    for ev in evs:
        # in these recordings server events carry an event_id and client events do not
        assert ev.direction == ("server" if "event_id" in ev.data else "client"), (ev.line_no, ev.type)


def test_real_full_audio_file_payload_lengths() -> None:
    evs, _ = read_all(corpus_file("test_openai_connect_and_transcript@8cedd8c16"))
    sizes = [ev.audio_info().nbytes for ev in evs if ev.kind == "response.output_audio.delta"]
    assert sizes == [4800, 7200, 12000, 12000, 12000, 28800]


def test_xai_reconnect_gives_two_sessions() -> None:
    tracker = SessionTracker()
    evs, _ = read_all(corpus_file("test_session_resumption_after_drop", "wrapped"))
    for ev in evs:
        tracker.feed(ev)
    assert [(s.index, s.line_no, s.model) for s in tracker.sessions] == [(1, 1, "grok-voice-latest"), (2, 26, "grok-voice-latest")]
    assert [ev.type for ev in evs if ev.frame != "message"] == ["<close>"]


def test_session_formats_beta_and_ga() -> None:
    for name, model in (("test_openai_connect_and_transcript@8cedd8c16", "gpt-4o-realtime-preview"), ("test_openai_ws__test_audio_in_server_vad_turn@c194c71b8", "gpt-realtime")):
        tracker = SessionTracker()
        evs, _ = read_all(corpus_file(name))
        for ev in evs:
            tracker.feed(ev)
        s = tracker.sessions[0]
        assert s.model == model
        assert (s.input_format.encoding, s.input_format.rate, s.output_format.encoding, s.output_format.rate) == ("pcm16", 24000, "pcm16", 24000)
        assert s.input_format.stated and s.output_format.stated
