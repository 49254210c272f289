"""Timeline: several input files, each its own conversation (review #5), and chunk sizes (#9)."""

from __future__ import annotations

import base64

import orjson

from rtlog.events import parse_line
from rtlog.session import SessionTracker
from rtlog.timeline import Timeline


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
