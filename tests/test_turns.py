"""The shared definition of user turns and what belongs to them."""

from __future__ import annotations

import orjson
from conftest import corpus_file, needs_corpus

from rtlog.conversation.turns import TurnTracker
from rtlog.io.reader import Diagnostics, iter_events
from rtlog.protocol.events import parse_line


def feed_all(events: list[dict]) -> tuple[TurnTracker, list[int]]:
    t = TurnTracker()
    out = [t.feed(parse_line(orjson.dumps(e), "t", i)) for i, e in enumerate(events, 1)]
    return t, out


def test_vad_turns_late_transcripts_and_late_done_belong_to_their_turn() -> None:
    events = [
        {"type": "session.created", "session": {"id": "s"}},
        {"type": "input_audio_buffer.append", "audio": ""},
        {"type": "input_audio_buffer.speech_started", "item_id": "u1", "audio_start_ms": 100, "timestamp": 10.0},
        {"type": "input_audio_buffer.speech_stopped", "item_id": "u1", "audio_end_ms": 900, "timestamp": 11.0},
        {"type": "input_audio_buffer.committed", "item_id": "u1", "timestamp": 11.1},
        {"type": "conversation.item.created", "item": {"id": "u1", "type": "message", "role": "user"}},
        {"type": "response.created", "response": {"id": "r1"}},
        {"type": "response.output_item.added", "response_id": "r1", "item": {"id": "a1"}},
        {"type": "response.audio.delta", "response_id": "r1", "item_id": "a1", "delta": ""},
        {"type": "input_audio_buffer.speech_started", "item_id": "u2", "audio_start_ms": 2000},
        {"type": "conversation.item.input_audio_transcription.completed", "item_id": "u1", "transcript": "hi"},
        {"type": "response.done", "response": {"id": "r1", "status": "cancelled"}},
        {"type": "conversation.item.truncate", "item_id": "a1", "audio_end_ms": 500},
        {"type": "input_audio_buffer.speech_stopped", "item_id": "u2", "audio_end_ms": 2600},
        {"type": "input_audio_buffer.committed", "item_id": "u2"},
        {"type": "response.created", "response": {"id": "r2"}},
    ]
    t, turns = feed_all(events)
    assert turns == [0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 2, 2, 2]
    assert [(x.index, x.how, x.item_id, x.speech_started_ms, x.speech_stopped_ms, x.response_ids) for x in t.turns] == [
        (1, "speech", "u1", 100, 900, ["r1"]),
        (2, "speech", "u2", 2000, 2600, ["r2"]),
    ]
    assert t.turns[0].end_of_speech_at == 11.0


def test_text_turns_echo_and_tool_followup_stay_in_the_turn() -> None:
    events = [
        {"type": "conversation.item.create", "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "weather?"}]}},
        {"type": "conversation.item.added", "event_id": "e", "item": {"id": "item_srv", "type": "message", "role": "user"}},
        {"type": "response.create", "timestamp": 5.0},
        {"type": "response.created", "event_id": "e", "response": {"id": "r1"}},
        {"type": "conversation.item.create", "item": {"type": "function_call_output", "call_id": "c1", "output": "{}"}},
        {"type": "response.create"},
        {"type": "response.created", "event_id": "e", "response": {"id": "r2"}},
        {"type": "response.done", "event_id": "e", "response": {"id": "r2"}},
    ]
    t, turns = feed_all(events)
    assert turns == [1, 1, 1, 1, 1, 1, 1, 1]
    assert [(x.how, x.response_ids, x.response_create_at) for x in t.turns] == [("text", ["r1", "r2"], 5.0)]
    assert t.turn_of_item("item_srv") == 1


def test_idle_timeout_commit_is_not_a_user_turn() -> None:
    events = [
        {"type": "input_audio_buffer.speech_started", "item_id": "u1"},
        {"type": "input_audio_buffer.committed", "item_id": "u1"},
        {"type": "input_audio_buffer.timeout_triggered", "item_id": "u2"},
        {"type": "input_audio_buffer.committed", "item_id": "u2"},
        {"type": "response.created", "response": {"id": "r2"}},
    ]
    t, turns = feed_all(events)
    assert len(t.turns) == 1 and t.turns[0].response_ids == ["r2"]


def test_manual_commits_make_turns() -> None:
    events = [
        {"type": "input_audio_buffer.append", "audio": ""},
        {"type": "input_audio_buffer.commit"},
        {"type": "input_audio_buffer.committed", "item_id": "u1"},
        {"type": "response.created", "response": {"id": "r1"}},
        {"type": "input_audio_buffer.append", "audio": ""},
        {"type": "input_audio_buffer.commit"},
        {"type": "input_audio_buffer.committed", "item_id": "u2"},
    ]
    t, turns = feed_all(events)
    assert turns == [0, 1, 1, 1, 1, 2, 2]
    assert [(x.how, x.item_id) for x in t.turns] == [("commit", "u1"), ("commit", "u2")]


@needs_corpus
def test_real_three_turn_file() -> None:
    t = TurnTracker()
    for ev in iter_events([str(corpus_file("three_server_vad_turns@e9c858600"))], Diagnostics()):
        t.feed(ev)
    assert [(x.how, len(x.response_ids)) for x in t.turns] == [("speech", 1)] * 3


@needs_corpus
def test_real_spoken_tool_turn_has_two_responses() -> None:
    t = TurnTracker()
    for ev in iter_events([str(corpus_file("drives_a_tool_and_answers_in_audio@d2c0119bb"))], Diagnostics()):
        t.feed(ev)
    assert [(x.how, len(x.response_ids)) for x in t.turns] == [("speech", 2)]


def test_ids_of_the_wrong_type_are_ignored() -> None:
    events = [
        {"type": "input_audio_buffer.speech_started", "item_id": ["u1"]},
        {"type": "response.created", "response": {"id": ["r1"]}},
        {"type": "response.done", "response": {"id": {"x": 1}}, "response_id": 5},
        {"type": "conversation.item.added", "item": {"id": [], "type": "message", "role": "user"}},
    ]
    t, turns = feed_all(events)
    assert turns == [1, 1, 1, 2]
