"""Session configuration and audio formats in both dialects."""

from __future__ import annotations

import orjson
import pytest

from rtlog.conversation.session import SessionTracker
from rtlog.protocol.events import parse_line
from rtlog.protocol.formats import AudioFormat, parse_audio_format


@pytest.mark.parametrize(
    ("value", "hint", "expected"),
    [
        ("pcm16", None, ("pcm16", 24000)),
        ("g711_ulaw", None, ("g711_ulaw", 8000)),
        ("g711_alaw", None, ("g711_alaw", 8000)),
        ({"type": "audio/pcm", "rate": 24000}, None, ("pcm16", 24000)),
        ({"type": "audio/pcm", "rate": 16000}, None, ("pcm16", 16000)),
        ({"type": "audio/pcmu"}, None, ("g711_ulaw", 8000)),
        ({"type": "audio/pcma"}, None, ("g711_alaw", 8000)),
        ("pcm16", 16000, ("pcm16", 16000)),
        ("pcm", None, ("pcm16", 24000)),
        ("not specified", None, None),
        (None, None, None),
        (5, None, None),
    ],
)
def test_parse_audio_format(value: object, hint: object, expected: tuple | None) -> None:
    fmt = parse_audio_format(value, hint)
    assert (None if fmt is None else (fmt.encoding, fmt.rate)) == expected


def feed(tracker: SessionTracker, *events: dict) -> None:
    for i, e in enumerate(events, 1):
        tracker.feed(parse_line(orjson.dumps(e), "t", i))


def test_ga_session_merged_from_created_update_updated() -> None:
    t = SessionTracker()
    feed(
        t,
        {"type": "session.created", "session": {"type": "realtime", "id": "sess_1", "model": "gpt-realtime", "output_modalities": ["audio"],
            "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000}, "transcription": None, "turn_detection": {"type": "server_vad"}},
                      "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}}, "tools": []}},
        {"type": "session.update", "session": {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcmu"}, "transcription": {"model": "gpt-4o-transcribe"}}, "output": {"format": {"type": "audio/pcmu"}}}, "tools": [{"type": "function", "name": "get_weather"}]}},
        {"type": "session.updated", "session": {"type": "realtime", "id": "sess_1", "audio": {"output": {"voice": "cedar"}}}},
    )  # fmt: skip
    s = t.current
    assert (s.id, s.model, s.voice, s.modalities, s.transcription_model, s.turn_detection, s.tools) == ("sess_1", "gpt-realtime", "cedar", ["audio"], "gpt-4o-transcribe", "server_vad", ["get_weather"])
    assert s.input_format == AudioFormat("g711_ulaw", 8000, True) and s.output_format == AudioFormat("g711_ulaw", 8000, True)


def test_voice_live_input_sampling_rate_and_voice_object() -> None:
    t = SessionTracker()
    feed(t, {"type": "session.created", "session": {"id": "s", "voice": {"name": "en-US-Ava:DragonHDLatestNeural", "type": "azure-standard"}, "input_audio_format": "pcm16", "input_audio_sampling_rate": 16000, "output_audio_format": None}})
    s = t.current
    assert (s.voice, s.input_format.rate, s.output_format.rate, s.output_format.stated) == ("en-US-Ava:DragonHDLatestNeural", 16000, 24000, False)


def test_per_response_output_format_override() -> None:
    t = SessionTracker()
    feed(
        t,
        {"type": "session.created", "session": {"id": "s", "output_audio_format": "pcm16"}},
        {"type": "response.create", "response": {"output_audio_format": "g711_alaw"}},
        {"type": "response.created", "response": {"id": "resp_2", "status": "in_progress"}},
        {"type": "response.created", "response": {"id": "resp_3", "audio": {"output": {"format": {"type": "audio/pcmu"}}}}},
    )
    assert t.output_format("resp_2").encoding == "g711_alaw"
    assert t.output_format("resp_3").encoding == "g711_ulaw"
    assert t.output_format("resp_other").encoding == "pcm16"
    assert t.output_format().encoding == "pcm16"


def test_each_session_created_starts_a_new_session() -> None:
    t = SessionTracker()
    feed(t, {"type": "session.created", "session": {"id": "a", "model": "m1"}}, {"type": "session.created", "session": {"id": "b", "model": "m2"}})
    assert [(s.index, s.id, s.model) for s in t.sessions] == [(1, "a", "m1"), (2, "b", "m2")]


def test_qwen_pcm_input_is_16_khz_unless_stated() -> None:
    t = SessionTracker()
    feed(t, {"type": "session.created", "session": {"id": "s", "model": "qwen3-omni-flash-realtime", "input_audio_format": "pcm16", "output_audio_format": "pcm24"}})
    assert (t.current.input_format.rate, t.current.output_format.rate) == (16000, 24000)
    t = SessionTracker()
    feed(t, {"type": "session.created", "session": {"id": "s", "model": "qwen-omni-turbo-realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000}}}}})
    assert t.current.input_format.rate == 24000
