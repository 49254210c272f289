"""Timeline: several input files, each its own conversation (review #5), and chunk sizes (#9)."""

from __future__ import annotations

import base64

import orjson

from rtlog.conversation.session import SessionTracker
from rtlog.conversation.timeline import Timeline
from rtlog.protocol.events import parse_line


def ev(rec: dict, line_no: int = 1):
    return parse_line(orjson.dumps(rec) + b"\n", "t.jsonl", line_no)


PCM_1S = base64.b64encode(bytes(48000)).decode()  # 1 s of pcm16 at 24 kHz


def feed(tl: Timeline, sessions: SessionTracker, recs: list[dict]) -> list:
    out = []
    for i, r in enumerate(recs, 1):
        e = ev(r, i)
        sessions.feed(e)
        out.append(tl.feed(e))
    return out


def delta(rid: str, iid: str, ts: float | None = None) -> dict:
    r = {"type": "response.output_audio.delta", "response_id": rid, "item_id": iid, "delta": PCM_1S}
    if ts is not None:
        r["timestamp"] = ts
    return r


def test_new_file_starts_after_the_previous_file_without_timestamps() -> None:
    s = SessionTracker()
    tl = Timeline(s)
    assert feed(tl, s, [{"type": "session.created", "session": {"id": "a"}}, delta("r1", "i1"), delta("r1", "i1")])[1:] == [0.0, 1.0]
    assert tl.end == 2.0
    s2 = SessionTracker()
    assert tl.new_file(s2) == 2.0
    assert tl.items == {}
    # the same ids again (the same file given twice) are a new item, placed after the first file
    starts = feed(tl, s2, [{"type": "session.created", "session": {"id": "a"}}, delta("r1", "i1")])
    assert starts[1] == 2.0
    assert tl.items["i1"].start == 2.0


def test_new_file_with_timestamps_is_measured_from_its_own_first_timestamp() -> None:
    s = SessionTracker()
    tl = Timeline(s)
    feed(tl, s, [{"type": "session.created", "timestamp": 1000.0, "session": {"id": "a"}}, delta("r1", "i1", 1001.0)])
    assert tl.t0 == 1000.0 and tl.end == 2.0
    s2 = SessionTracker()
    tl.new_file(s2)
    # ten minutes later: no ten-minute gap, the file starts at 2.0
    starts = feed(tl, s2, [{"type": "session.created", "timestamp": 1600.0, "session": {"id": "b"}}, delta("r9", "i9", 1600.5)])
    assert tl.t0 == 1598.0
    assert starts[1] == 2.5
    assert tl.items["i9"].start == 2.5


def test_new_file_after_a_text_only_log_with_timestamps_starts_after_its_last_event() -> None:
    s = SessionTracker()
    tl = Timeline(s)
    feed(tl, s, [{"type": "session.created", "timestamp": 50.0, "session": {"id": "a"}},
                 {"type": "response.done", "timestamp": 57.5, "response": {"id": "r", "status": "completed"}}])
    assert tl.end == 7.5
    assert tl.new_file() == 7.5
    starts = feed(tl, s, [delta("r1", "i1")])  # no timestamps in the second file
    assert starts == [7.5]


def test_an_invalid_chunk_takes_no_time_and_a_placeholder_keeps_its_stated_size() -> None:
    # review #9: summary and extract-audio skip an invalid chunk; the timeline must not give it a duration
    s = SessionTracker()
    tl = Timeline(s)
    bad = "A" * 2047 + "*"  # long, a multiple of 4, one character outside base64
    recs = [
        delta("r1", "i1"),
        {"type": "response.output_audio.delta", "response_id": "r1", "item_id": "i1", "delta": bad},
        delta("r1", "i1"),
        {"type": "response.output_audio.delta", "response_id": "r1", "item_id": "i1", "delta": "[trimmed: 24000 bytes]"},
        delta("r1", "i1"),
    ]
    assert feed(tl, s, recs) == [0.0, 1.0, 1.0, 2.0, 2.5]
    assert tl.items["i1"].nbytes == 3 * 48000 + 24000


def test_push_to_talk_without_timestamps_speaks_after_the_reply() -> None:
    # review #21: a typed question, a 1 s answer, then a push-to-talk buffer: the user speaks after the answer
    s = SessionTracker()
    tl = Timeline(s)
    half = base64.b64encode(bytes(24000)).decode()
    recs = [
        {"type": "session.created", "session": {"id": "a"}},
        {"type": "response.created", "response": {"id": "r1"}},
        delta("r1", "a1"),
        {"type": "input_audio_buffer.append", "audio": half},
        {"type": "input_audio_buffer.append", "audio": half},
        {"type": "input_audio_buffer.committed", "item_id": "u2"},
        {"type": "response.created", "response": {"id": "r2"}},
        delta("r2", "a2"),
        {"type": "input_audio_buffer.append", "audio": half},
        {"type": "input_audio_buffer.committed", "item_id": "u3"},
    ]
    starts = feed(tl, s, recs)
    assert [starts[i] for i in (2, 3, 4, 7, 8)] == [0.0, 1.0, 1.5, 2.0, 3.0]
    assert (tl.user_spans["u2"].start, tl.user_spans["u2"].end) == (1.0, 2.0)
    assert (tl.user_spans["u3"].start, tl.user_spans["u3"].end) == (3.0, 3.5)


def test_with_vad_the_input_stays_one_continuous_stream_without_timestamps() -> None:
    s = SessionTracker()
    tl = Timeline(s)
    half = base64.b64encode(bytes(24000)).decode()
    recs = [
        {"type": "session.created", "session": {"id": "a"}},
        {"type": "input_audio_buffer.append", "audio": half},
        {"type": "input_audio_buffer.speech_started", "item_id": "u1", "audio_start_ms": 100},
        {"type": "input_audio_buffer.speech_stopped", "item_id": "u1", "audio_end_ms": 400},
        {"type": "input_audio_buffer.committed", "item_id": "u1"},
        {"type": "response.created", "response": {"id": "r1"}},
        delta("r1", "a1"),
        {"type": "input_audio_buffer.append", "audio": half},  # the mic kept streaming during the answer
    ]
    starts = feed(tl, s, recs)
    assert (starts[1], starts[6], starts[7]) == (0.0, 0.4, 0.5)
