"""One rule for where an item was cut, and every command following it."""

from __future__ import annotations

import base64
import wave
from pathlib import Path

import orjson
import pytest
from conftest import run_cli, write_log

from rtlog.conversation.truncations import Truncations
from rtlog.protocol.events import parse_line


def ev(obj: dict) -> object:
    return parse_line(orjson.dumps(obj), "t", 1)


@pytest.mark.parametrize(
    ("events", "cut"),
    [
        ([("truncate", 700)], 700),
        ([("truncate", 700), ("truncate", 300)], 300),  # each truncation can only shorten
        ([("truncate", 300), ("truncate", 700)], 300),
        ([("truncate", 700), ("truncated", 650)], 650),  # the server's cut is what happened
        ([("truncated", 650), ("truncate", 100)], 650),  # a later request does not override it
        ([("truncate", -5)], 0),
    ],
)
def test_the_rule(events: list[tuple[str, int]], cut: int) -> None:
    t = Truncations()
    for kind, ms in events:
        t.feed(ev({"type": f"conversation.item.{kind}", "item_id": "a1", "content_index": 0, "audio_end_ms": ms}))
    assert t.cut_ms("a1") == cut and t.cut_ms("other") is None and len(t) == 1


def test_events_without_item_or_ms_are_ignored() -> None:
    t = Truncations()
    assert t.feed(ev({"type": "conversation.item.truncate", "audio_end_ms": 5})) is None
    assert t.feed(ev({"type": "conversation.item.truncate", "item_id": "x", "audio_end_ms": "5"})) is None
    assert t.feed(ev({"type": "response.done"})) is None
    assert len(t) == 0


def test_every_command_cuts_a_twice_truncated_item_at_the_same_place(tmp_path: Path) -> None:
    pcm = bytes(range(256)) * 375  # 96,000 bytes = 2.0 s at 24 kHz PCM16
    words = "one two three four five six seven eight nine ten"
    log = [
        {"type": "session.created", "event_id": "e0", "session": {"id": "s", "model": "gpt-realtime", "output_audio_format": "pcm16"}},
        {"type": "response.created", "event_id": "e1", "response": {"id": "r1", "status": "in_progress"}},
        {"type": "response.output_item.added", "event_id": "e2", "response_id": "r1", "item": {"id": "a1", "type": "message", "role": "assistant"}},
        *({"type": "response.audio.delta", "event_id": f"d{i}", "response_id": "r1", "item_id": "a1", "output_index": 0, "content_index": 0,
           "delta": base64.b64encode(pcm[i * 9600 : (i + 1) * 9600]).decode()} for i in range(10)),  # fmt: skip
        {"type": "response.audio_transcript.done", "event_id": "e3", "response_id": "r1", "item_id": "a1", "content_index": 0, "transcript": words},
        {"type": "conversation.item.truncate", "item_id": "a1", "content_index": 0, "audio_end_ms": 1000},
        {"type": "conversation.item.truncate", "item_id": "a1", "content_index": 0, "audio_end_ms": 500},
        {"type": "response.done", "event_id": "e4", "response": {"id": "r1", "status": "cancelled", "output": []}},
    ]
    p = write_log(tmp_path / "t.jsonl", log)
    summary = orjson.loads(run_cli("summary", p, "--json").stdout)
    assert summary["audio_seconds"]["output"] == 2.0
    assert summary["audio_seconds"]["output_heard"] == 0.5
    entries = orjson.loads(run_cli("transcript", p, "--format", "json").stdout)
    (reply,) = [e for e in entries if e["role"] == "assistant"]
    assert reply["audio_end_ms"] == 500 and reply["heard_text"] == "one two three"
    out = tmp_path / "heard.wav"
    run_cli("extract-audio", p, "--heard", "-o", out, stderr=None)
    with wave.open(str(out)) as w:
        assert w.readframes(w.getnframes()) == pcm[:24000]  # 0.5 s
