"""The conversation model (rtlog.conversation): the fold on small logs with known truth, the
public `rtlog.load`, and the wrong answers the shared model fixes (forks in
`previous_item_id`, history a resumed session replays, whole-second clocks)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import EXAMPLES, corpus_file, run_cli, write_log

import rtlog
from rtlog.conversation.fold import fold
from rtlog.conversation.model import ErrorNote, Item
from rtlog.protocol.events import parse_line


def conv_of(records: list[dict[str, Any]]):
    return fold([parse_line(orjson.dumps(r), "t", i) for i, r in enumerate(records, 1)], "t")


def said(conv) -> list[tuple[str | None, str, str | None]]:
    """(role, kind, what: the text, a call's name or an output)."""
    what = {"message": "text", "function_call": "name", "function_call_output": "output"}
    return [(x.role, x.kind, getattr(x, what[x.kind])) for x in conv.items if isinstance(x, Item)]


def msg(iid: str, role: str, text: str, prev: str | None = None, kind: str = "conversation.item.added", **extra: Any) -> dict:
    part = "input_text" if role == "user" else "text"
    ev = {"type": kind, "item": {"id": iid, "type": "message", "role": role, "status": "completed",
                                 "content": [{"type": part, "text": text}]}, **extra}  # fmt: skip
    if prev is not None:
        ev["previous_item_id"] = prev
    return ev


# --- the model on a small log ------------------------------------------------------------------


def test_fold_builds_turns_responses_items_and_calls() -> None:
    conv = conv_of([
        {"type": "session.created", "session": {"id": "s1", "model": "gpt-realtime"}},
        msg("u1", "user", "Weather in Paris?"),
        {"type": "response.created", "response": {"id": "r1", "status": "in_progress"}},
        {"type": "response.output_item.done", "response_id": "r1",
         "item": {"id": "c1", "type": "function_call", "name": "get_weather", "call_id": "call1", "arguments": "{\"city\":\"Paris\"}"}},
        {"type": "response.done", "response": {"id": "r1", "status": "completed", "usage": {"total_tokens": 10, "input_tokens": 7, "output_tokens": 3}}},
        {"type": "conversation.item.create", "item": {"type": "function_call_output", "call_id": "call1", "output": "sunny"}},
        {"type": "response.created", "response": {"id": "r2"}},
        {"type": "response.output_audio_transcript.done", "response_id": "r2", "item_id": "a2", "transcript": "It is sunny."},
        {"type": "response.done", "response": {"id": "r2", "status": "cancelled", "status_details": {"reason": "turn_detected"}}},
        {"type": "error", "error": {"type": "invalid_request_error", "code": "bad", "message": "no"}},
    ])  # fmt: skip
    assert [s.id for s in conv.sessions] == ["s1"]
    assert [(t.index, t.how, t.item_id, t.response_ids) for t in conv.turns] == [(1, "text", "u1", ["r1", "r2"])]
    assert [(r.id, r.status, r.reason, r.line, r.done_line) for r in conv.responses] == [
        ("r1", "completed", None, 3, 5), ("r2", "cancelled", "turn_detected", 7, 9)]  # fmt: skip
    assert said(conv) == [
        ("user", "message", "Weather in Paris?"),
        ("assistant", "function_call", "get_weather"),
        (None, "function_call_output", "sunny"),
        ("assistant", "message", "It is sunny."),
    ]
    call = conv.messages[1]
    assert (call.call_id, call.arguments, call.output, call.response_id, call.line) == ("call1", '{"city":"Paris"}', "sunny", "r1", 4)
    assert [(c.call_id, c.name, c.line, c.has_output) for c in conv.tool_calls] == [("call1", "get_weather", 4, True)]
    (note,) = [x for x in conv.items if isinstance(x, ErrorNote)]
    assert (note.line, note.text) == (10, "bad: no")
    assert conv.session_usage()[0].total_tokens == 10
    assert (conv.recording.events, conv.recording.lines, conv.t0) == (10, 10, None)


def test_finish_hands_the_assembled_items_over() -> None:
    """The fold's item state is let go at `finish` (each assembled item dropped once its
    finished `Item` is made), so the two are never all alive at once; the items are all in
    the conversation."""
    from rtlog.conversation.fold import Fold

    f = Fold("t")
    for i, r in enumerate([msg("u1", "user", "hi"), msg("a1", "assistant", "hello", "u1"), msg("u2", "user", "bye", "a1")], 1):
        f.feed(parse_line(orjson.dumps(r), "t", i))
    assert [len(order) for order in f.items.sessions()] == [3]
    conv = f.finish()
    assert f.items.sessions() == [[]]
    assert [(x.role, x.text) for x in conv.messages] == [("user", "hi"), ("assistant", "hello"), ("user", "bye")]


def test_load_is_the_model_the_commands_read(tmp_path: Path) -> None:
    conv = rtlog.load(str(EXAMPLES / "ga_session.jsonl"))
    summary = json.loads(run_cli("summary", str(EXAMPLES / "ga_session.jsonl"), "--json").stdout)
    transcript = json.loads(run_cli("transcript", str(EXAMPLES / "ga_session.jsonl"), "--format", "json").stdout)
    assert len(conv.turns) == summary["user_turns"]
    assert len(conv.responses) == summary["responses"]["total"]
    assert len(conv.truncations) == summary["interruptions"]
    said_ = [(e["role"], e["text"]) for e in transcript if e["type"] == "message"]
    assert said_ == [({"assistant": "assistant", "user": "user"}[m.role], m.text) for m in conv.messages if m.kind == "message"]
    starts = [e["start"] for e in transcript if e["type"] == "message"]
    assert starts == [None if m.start is None else round(m.start, 3) for m in conv.messages if m.kind == "message"]


def test_load_errors_are_rtlog_errors(tmp_path: Path) -> None:
    from rtlog.errors import InputError

    with pytest.raises(InputError, match="no such file"):
        rtlog.load(str(tmp_path / "missing.jsonl"))
    bad = write_log(tmp_path / "bad.jsonl", [b"{not json", {"type": "session.created", "session": {"id": "s"}}])
    assert rtlog.load(str(bad)).recording.malformed == 1
    with pytest.raises(InputError, match="bad.jsonl:1: invalid JSON"):
        rtlog.load(str(bad), strict=True)


# --- a fork in previous_item_id ------------------------------------------------------------------


def test_two_items_naming_the_same_previous_item_keep_their_arrival_order() -> None:
    # the server names the function call as the previous item of both the tool output and
    # the reply that follows it: a fork; the conversation is call, output, reply, in arrival order
    conv = conv_of([
        msg("u1", "user", "Weather?"),
        {"type": "conversation.item.added", "previous_item_id": "u1",
         "item": {"id": "c1", "type": "function_call", "name": "get_weather", "call_id": "k1", "arguments": "{}"}},
        {"type": "conversation.item.added", "previous_item_id": "c1",
         "item": {"id": "o1", "type": "function_call_output", "call_id": "k1", "output": "sunny"}},
        msg("a1", "assistant", "It is sunny.", prev="c1"),
        msg("u2", "user", "Thanks", prev="a1"),
    ])  # fmt: skip
    assert said(conv) == [
        ("user", "message", "Weather?"),
        (None, "function_call", "get_weather"),
        (None, "function_call_output", "sunny"),
        ("assistant", "message", "It is sunny."),
        ("user", "message", "Thanks"),
    ]


# --- history a resumed session replays ----------------------------------------------------------------


def test_history_replayed_after_a_resumption_is_no_new_turn() -> None:
    f = corpus_file("pydantic__pydantic-ai__test_xai_ws__test_session_resumption_after_drop")
    out = run_cli("transcript", str(f), "--format", "json").stdout
    entries = [(e["session"], e["role"], e["text"]) for e in json.loads(out)]
    assert entries == [
        (1, "user", "Remember exactly: the code word is cobalt. Briefly acknowledge it."),
        (1, "assistant", "Got it—code word is cobalt."),
        (2, "user", "What code word did I ask you to remember?"),
        (2, "assistant", "Cobalt. The code word you asked me to remember is cobalt."),
    ]
    conv = rtlog.load(str(f))
    (replayed,) = [m for m in conv.messages if m.replayed]
    assert (replayed.session, replayed.line, replayed.text) == (2, 29, "Got it—code word is cobalt.")
    assert len(conv.turns) == 2


def test_replayed_user_history_starts_no_turn() -> None:
    conv = conv_of([
        {"type": "session.created", "session": {"id": "s1"}},
        msg("u1", "user", "Hello"),
        {"type": "response.created", "response": {"id": "r1"}},
        {"type": "response.output_item.done", "response_id": "r1", "item": {"id": "a1", "type": "message", "role": "assistant",
                                                                             "content": [{"type": "text", "text": "Hi"}]}},
        {"type": "response.done", "response": {"id": "r1", "status": "completed"}},
        {"type": "session.created", "session": {"id": "s2"}},
        msg("u1b", "user", "Hello"),
        msg("a1b", "assistant", "Hi", prev="u1b"),
        msg("u2", "user", "Bye", kind="conversation.item.create"),
    ])  # fmt: skip
    assert [(m.session, m.role, m.text, m.replayed) for m in conv.messages] == [
        (1, "user", "Hello", False), (1, "assistant", "Hi", False),
        (2, "user", "Hello", True), (2, "assistant", "Hi", True), (2, "user", "Bye", False),
    ]  # fmt: skip
    assert [t.item_id for t in conv.turns] == ["u1", "u2"]


def test_a_new_message_that_repeats_old_text_is_not_replay() -> None:
    # the user says the same thing again in the new session, after it has started talking
    conv = conv_of([
        msg("u1", "user", "Yes"),
        {"type": "session.created", "session": {"id": "s2"}},
        msg("u9", "user", "Something else", kind="conversation.item.create"),
        msg("u10", "user", "Yes", kind="conversation.item.create"),
    ])
    assert [m.replayed for m in conv.messages] == [False, False, False]


# --- one-second timestamps ---------------------------------------------------------------------------------


def _console_log(tmp_path: Path) -> Path:
    """A log as the console exports it: `10:41:07 AM` times, one second apart at best."""
    return write_log(tmp_path / "console.jsonl", [
        {"timestamp": "10:41:05 AM", "type": "session.created", "session": {"id": "s", "model": "gpt-realtime"}},
        {"timestamp": "10:41:07 AM", "type": "input_audio_buffer.speech_started", "audio_start_ms": 100, "item_id": "u1"},
        {"timestamp": "10:41:09 AM", "type": "input_audio_buffer.speech_stopped", "audio_end_ms": 2100, "item_id": "u1"},
        {"timestamp": "10:41:09 AM", "type": "input_audio_buffer.committed", "item_id": "u1"},
        {"timestamp": "10:41:09 AM", "type": "response.created", "response": {"id": "r1"}},
        {"timestamp": "10:41:10 AM", "type": "response.output_text.delta", "response_id": "r1", "item_id": "a1", "delta": "Hi"},
        {"timestamp": "10:41:10 AM", "type": "response.done", "response": {"id": "r1", "status": "completed"}},
    ])  # fmt: skip


def test_whole_second_timestamps_give_no_invented_latency(tmp_path: Path) -> None:
    log = _console_log(tmp_path)
    s = json.loads(run_cli("summary", str(log), "--json").stdout)
    assert s["latency_ms"] is None  # unknown, not 0 ms or 1000 ms
    assert s["span"] == {"start": "10:41:05.000", "end": "10:41:10.000", "seconds": 5.0, "events_with_time": 7,
                         "covers_log": True, "resolution_seconds": 1.0}  # fmt: skip
    assert "timestamps are whole seconds: latency not measured (it needs sub-second timestamps)" in s["warnings"]


def test_millisecond_timestamps_keep_their_latency(tmp_path: Path) -> None:
    log = write_log(tmp_path / "ms.jsonl", [
        {"timestamp": 1700000000.000, "type": "session.created", "session": {"id": "s"}},
        {"timestamp": 1700000000.100, "type": "input_audio_buffer.speech_started", "audio_start_ms": 100, "item_id": "u1"},
        {"timestamp": 1700000001.000, "type": "input_audio_buffer.speech_stopped", "audio_end_ms": 900, "item_id": "u1"},
        {"timestamp": 1700000001.012, "type": "input_audio_buffer.committed", "item_id": "u1"},
        {"timestamp": 1700000001.020, "type": "response.created", "response": {"id": "r1"}},
        {"timestamp": 1700000001.250, "type": "response.output_text.delta", "response_id": "r1", "item_id": "a1", "delta": "Hi"},
    ])  # fmt: skip
    s = json.loads(run_cli("summary", str(log), "--json").stdout)
    assert s["latency_ms"] == {"count": 1, "p50": 250.0, "p90": 250.0, "max": 250.0}
    assert s["span"]["resolution_seconds"] == 0.001


def test_summary_says_when_a_log_starts_mid_session(tmp_path: Path) -> None:
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(run_cli("filter", str(EXAMPLES / "ga_session.jsonl"), "--since", "11s").stdout_bytes)
    s = json.loads(run_cli("summary", str(cut), "--json").stdout)
    assert s["warnings"] == [
        "the log starts mid-session: its VAD offsets count about 10.6 s of input audio before its first append; "
        "user speech is placed on the audio it has (line 9)"
    ]
    assert rtlog.load(str(cut)).notes == [f"{cut}:9: the log starts mid-session: its VAD offsets count about 10.6 s "
                                          "of input audio before its first append; user speech is placed on the audio it has"]


def test_no_invented_time_for_audio_the_clock_says_nothing_of() -> None:
    # xAI: two pings carry the log's only timestamps; the replies' audio has none, so their
    # times are unknown (blank), not 0:00.0
    f = corpus_file("pydantic__pydantic-ai__test_xai_ws__test_session_resumption_after_drop")
    entries = json.loads(run_cli("transcript", str(f), "--format", "json").stdout)
    assert [(e["role"], e["start"], e["end"]) for e in entries] == [("user", None, None), ("assistant", None, None)] * 2
    assert [e["audio_seconds"] is not None for e in entries] == [False, True, False, True]
    text = run_cli("transcript", str(f)).stdout
    assert "0:00.0" not in text


def test_the_report_says_why_latency_is_unknown(tmp_path: Path) -> None:
    text = run_cli("summary", str(_console_log(tmp_path))).stdout
    assert "unknown: whole-second timestamps" in text
    assert "Span     10:41:05 → 10:41:10 · 5.00 s (whole-second timestamps)" in text
    assert "p50" not in text


def test_a_fold_without_its_recording_is_the_same_conversation() -> None:
    # transcript and extract-audio fold without counting what the log is made of; every
    # other part of the conversation is the same, and a summary of it is refused, not wrong
    from rtlog.conversation.fold import Fold
    from rtlog.io.reader import Diagnostics, expand_sources, read_events
    from rtlog.metrics.summary import summarize_conversation

    (src,) = expand_sources([str(EXAMPLES / "ga_session.jsonl")])
    convs = []
    for recording in (True, False):
        f = Fold(src.name, recording=recording)
        for ev in read_events(src, Diagnostics(), fast_path=f.fast_lines):
            f.feed(ev)
        convs.append(f.finish())
    full, lean = convs
    assert lean.recording is None and full.recording is not None
    for part in ("sessions", "turns", "responses", "tool_calls", "errors", "truncations", "cuts", "assistant_audio", "t0", "notes"):
        assert getattr(lean, part) == getattr(full, part), part
    assert [(m.id, m.text, m.start, m.end) for m in lean.messages] == [(m.id, m.text, m.start, m.end) for m in full.messages]
    with pytest.raises(ValueError, match="fold the log with Fold"):
        summarize_conversation(lean)


def test_progress_over_several_sources_counts_on(tmp_path) -> None:
    """The bytes `conversations` reports go on from one file to the next (a progress bar over
    a folder), never back, and end at the total size."""
    from conftest import EXAMPLES

    from rtlog.conversation.load import conversations
    from rtlog.io.reader import Diagnostics, expand_sources

    sources = expand_sources([str(EXAMPLES / "ga_session.jsonl"), str(EXAMPLES / "beta_session.jsonl")])
    seen: list[int] = []
    convs = list(conversations(sources, Diagnostics(), jobs=1, on_progress=seen.append))
    assert len(convs) == 2 and seen == sorted(seen)
    assert seen[-1] == sum(s.size for s in sources)
    assert any(x > sources[0].size for x in seen)


def test_an_items_parts_join_in_index_order_however_they_came() -> None:
    """One part is kept without a dict, several by index: the text is the same either way
    (parts joined by a space in index order, an empty one left out, none: None)."""
    from rtlog.conversation.items import _Item

    def item(*parts: tuple[int | None, str | None, str | None]) -> _Item:
        it = _Item(1, 1, 1, "message", "assistant", "i")
        for index, delta, final in parts:
            p = it.part(index)
            if delta is not None:
                p.add(delta)
            if final is not None:
                p.set_final(final)
        return it

    assert item().text is None
    assert item((None, "Hel", None), (0, "lo", None)).text == "Hello"
    assert item((0, "x", "final")).text == "final"
    assert item((1, "b", None), (0, "a", None)).text == "a b"
    assert item((0, "a", None), (2, None, "c"), (1, None, "")).text == "a c"
    assert item((1, None, None)).text is None
    it = item((0, "one", None))
    assert it.part(0) is it.part(None) is it.parts  # (one part: no dict)
    it.part(1).add("two")
    assert it.text == "one two" and sorted(it.parts) == [0, 1]
