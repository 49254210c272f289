"""Conversation reassembly (rtlog.transcript.entries) and the shared audio timeline (rtlog.conversation.timeline)."""

from __future__ import annotations

import base64
import io
import json
import random
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import EXAMPLES, REPO, corpus_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtlog.conversation.session import SessionTracker
from rtlog.conversation.timeline import Timeline, decoded_size
from rtlog.io.reader import Diagnostics, iter_events
from rtlog.protocol.events import parse_line
from rtlog.transcript.entries import Entry, Transcript, build_transcript, split_heard


def events(records: list[dict[str, Any]]) -> list:
    return [parse_line(orjson.dumps(r), "t", i) for i, r in enumerate(records, 1)]


def transcript_of(records: list[dict[str, Any]], **kw: Any) -> Transcript:
    return build_transcript(events(records), **kw)


def from_file(path: Path, **kw: Any) -> Transcript:
    return build_transcript(iter_events([str(path)], Diagnostics()), **kw)


def brief(t: Transcript) -> list[tuple]:
    """(role, type, text or name/arguments/output) per entry."""
    out = []
    for e in t.entries:
        if e.type == "function_call":
            out.append((e.role, e.type, e.name, e.arguments, e.output))
        elif e.type == "function_call_output":
            out.append((e.role, e.type, e.call_id, e.output))
        else:
            out.append((e.role, e.type, e.text))
    return out


def b64(n: int, seed: int = 0) -> str:
    return base64.b64encode(random.Random(seed).randbytes(n)).decode()


# --- the examples, against what was put into them ---------------------------------------------


def truth_view(t: Transcript) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for e in t.entries:
        if e.type == "message":
            out.append({"role": e.role, "text": e.text, "heard_text": e.heard_text})
        elif e.type == "function_call":
            out.append({"role": "assistant", "type": "function_call", "name": e.name, "call_id": e.call_id, "arguments": e.arguments})
        elif e.type == "function_call_output":
            out.append({"role": "tool", "call_id": e.call_id, "output": e.output})
    return out


@pytest.mark.parametrize("name", ["beta_session", "ga_session", "ulaw_session"])
def test_examples_reassemble_to_their_truth(name: str) -> None:
    truth = json.loads((EXAMPLES / f"{name}.truth.json").read_text())
    t = from_file(EXAMPLES / f"{name}.jsonl")
    assert truth_view(t) == truth["transcript"]
    interrupted = [(e.item_id, e.audio_end_ms) for e in t.entries if e.interrupted]
    assert interrupted == [(x["item_id"], x["audio_end_ms"]) for x in truth["interruptions"]]
    assert {e.session for e in t.entries} == {1}


def test_examples_truncated_item_is_marked_with_what_was_heard() -> None:
    t = from_file(EXAMPLES / "ga_session.jsonl")
    (e,) = [e for e in t.entries if e.interrupted]
    assert (e.text, e.heard_text, e.unheard_text) == (
        "It opened in eighteen eighty nine. It is about three", "It opened in eighteen eighty nine.", "It is about three",
    )  # fmt: skip
    assert (e.status, e.reason, e.audio_end_ms, e.audio_seconds) == ("incomplete", "turn_detected", 1418, 99648 / 48000)


def test_beta_example_times_follow_the_no_timestamp_rule() -> None:
    """User turns at their VAD offsets; each answer right after the speech that triggered
    it or after the previous answer, lasting its (heard) audio."""
    truth = json.loads((EXAMPLES / "beta_session.truth.json").read_text())
    t = from_file(EXAMPLES / "beta_session.jsonl")
    users = [(e.start, e.end) for e in t.entries if e.role == "user"]
    assert users == [(u["audio_start_ms"] / 1000, u["audio_end_ms"] / 1000) for u in truth["user_turn_details"]]
    expected, prev_end = [], 0.0
    for turn, item in zip(truth["user_turn_details"], truth["assistant_items"], strict=True):
        start = max(turn["audio_end_ms"] / 1000, prev_end)
        prev_end = start + item["heard_bytes"] / 48000
        expected += [start, prev_end]
    got = [x for e in t.entries if e.role == "assistant" and e.type == "message" for x in (e.start, e.end)]
    assert got == pytest.approx(expected, abs=1e-9)


def _ga_oracle(path: Path) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """Independent reading of the GA example: user spans by the append placement rule and
    the first audio delta's arrival of every assistant item."""
    t0 = None
    cursor, offset = 0.0, 0
    appends: list[tuple[int, float]] = []  # (input offset, where it plays)
    spans: dict[str, list[float]] = {}
    first_delta: dict[str, float] = {}
    for line in path.read_bytes().splitlines():
        rec = json.loads(line)
        from rtlog.protocol.timestamps import parse_timestamp

        ts = parse_timestamp(rec["time"])
        ev = rec["event"]
        t0 = ts if t0 is None else t0
        if ev["type"] == "input_audio_buffer.append":
            start = ts - t0 if ts - t0 > cursor + 0.002 else cursor  # within 2 ms: follows on (SNAP_MS)
            n = len(base64.b64decode(ev["audio"]))
            appends.append((offset, start))
            offset += n
            cursor = start + n / 48000
        elif ev["type"] in ("input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped"):
            ms = ev.get("audio_start_ms", ev.get("audio_end_ms"))
            pos = ms * 48
            o, s = [a for a in appends if a[0] <= pos][-1]
            spans.setdefault(ev["item_id"], []).append(s + (pos - o) / 48000)
        elif ev["type"] == "response.output_audio.delta":
            first_delta.setdefault(ev["item_id"], ts - t0)
    return {k: (v[0], v[1]) for k, v in spans.items()}, first_delta


def test_ga_example_times_follow_the_timestamp_rule() -> None:
    path = EXAMPLES / "ga_session.jsonl"
    truth = json.loads((EXAMPLES / "ga_session.truth.json").read_text())
    spans, first_delta = _ga_oracle(path)
    t = from_file(path)
    assert t.t0 == truth["span"]["start"]
    for e in t.entries:
        if e.role == "user":
            assert (e.start, e.end) == pytest.approx(spans[e.item_id], abs=1e-9), e.text
    prev_end = 0.0
    for e, item in zip([e for e in t.entries if e.role == "assistant" and e.type == "message"], truth["assistant_items"], strict=True):
        arrival = first_delta[e.item_id]
        assert e.start == pytest.approx(arrival if arrival > prev_end + 0.002 else prev_end, abs=1e-9)
        assert e.end == pytest.approx(e.start + item["heard_seconds"], abs=1e-3)
        prev_end = e.end


# --- the real recordings ----------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["derived", "wrapped"])
def test_real_full_audio_file_reads_hi_there_friend(flavour: str) -> None:
    t = from_file(corpus_file("test_openai_connect_and_transcript@8cedd8c16", flavour))
    assert brief(t) == [("user", "message", "Say hello in exactly three words."), ("assistant", "message", "Hi there, friend!")]
    a = t.entries[1]
    assert (a.audio_seconds, a.start, a.end, a.status, a.interrupted) == (1.6, 0.0, 1.6, "completed", False)


@pytest.mark.parametrize("flavour", ["derived", "wrapped"])
def test_real_three_server_vad_turns_in_order(flavour: str) -> None:
    t = from_file(corpus_file("three_server_vad_turns@e9c858600", flavour))
    assert brief(t) == [
        ("user", "message", "Hello, my name is Marcelo."),
        ("assistant", "message", "Hi Marcelo! Nice to meet you."),
        ("user", "message", "Hello, my name is Marcelo."),
        ("assistant", "message", "Hi Marcelo! Great to meet you."),
        ("user", "message", "Hello, my name is Marcelo."),
        ("assistant", "message", "Hey Marcelo, nice meeting you."),
    ]
    # no timestamps: user turns sit at their VAD offsets in the appended stream
    assert [(e.start, e.end) for e in t.entries if e.role == "user"] == [(1.46, 4.256), (8.948, 11.744), (16.436, 19.232)]


def test_real_interleaved_items_of_one_response_stay_apart() -> None:
    t = from_file(corpus_file("multi_item_response_late_transcript_done"))
    assert [(e.item_id, e.response_id, e.text) for e in t.entries if e.role == "assistant"] == [
        ("item_late_a", "resp_late_multi", "Hello world."),
        ("item_late_b", "resp_late_multi", "Bonjour tout le monde."),
    ]


def test_real_failed_transcription_shows_its_error() -> None:
    t = from_file(corpus_file("transcription_requires_deployment"))
    user = t.entries[0]
    assert (user.role, user.text, user.note) == ("user", None, None)
    assert user.error == {"type": "server_error", "code": "DeploymentNotFound", "message": "Input transcription failed for item 'item_E4GEZV6Pux1f4VnDEzVPh'."}
    assert brief(t)[1] == ("assistant", "message", "Hi Marcelo, it's great to meet you. How can I help you today?")


def test_real_xai_cumulative_transcription_replaces_not_appends() -> None:
    t = from_file(corpus_file("xai_ws__test_audio_in_server_vad_turn@c194c71b8"))
    assert brief(t) == [
        ("user", "message", "Hello, my name is Marcelo."),
        ("assistant", "message", "Hello Marcelo! Nice to meet you. How can I help you today?"),
    ]


def test_real_two_sessions_in_one_log() -> None:
    t = from_file(corpus_file("xai_ws__test_session_resumption_after_drop"))
    assert [(e.session, e.role, e.text) for e in t.entries] == [
        (1, "user", "Remember exactly: the code word is cobalt. Briefly acknowledge it."),
        (1, "assistant", "Got it—code word is cobalt."),
        # (the server replays session 1's reply into session 2: history, not a new turn;
        # see tests/test_conversation.py)
        (2, "user", "What code word did I ask you to remember?"),
        (2, "assistant", "Cobalt. The code word you asked me to remember is cobalt."),
    ]
    assert [s.id for s in t.sessions] == ["9a503158b91c4e03b3f2b9c9ec16d68d", "c55214cdbadf45cfb230f0f5da6ec58c"]


def test_real_tool_round_pairs_call_and_output() -> None:
    t = from_file(corpus_file("test_text_tool_round_parity[openai-current]"))
    calls = [e for e in t.entries if e.type != "message"]
    assert [(e.role, e.type, e.name, e.call_id, e.arguments, e.output) for e in calls] == [
        ("assistant", "function_call", "get_weather", calls[0].call_id, '{"city":"London"}', "It is foggy and 12 degrees in London."),
        ("tool", "function_call_output", "get_weather", calls[0].call_id, None, "It is foggy and 12 degrees in London."),
    ]
    assert calls[0].call_id.startswith("call_")


def test_real_log_that_ends_mid_call_marks_it_unfinished() -> None:
    t = from_file(corpus_file("test_openai_tool_call@8cedd8c16"))
    call = t.entries[1]
    assert (call.type, call.name, call.arguments, call.status) == ("function_call", "get_weather", '{"city":"London"}', "in_progress")
    assert call.note == "unfinished: the log ends before the response does"


# --- generated long sessions with known truth ----------------------------------------------------


@pytest.mark.parametrize(("dialect", "envelope"), [("beta", "none"), ("ga", "time-source")])
def test_generated_session_against_its_truth(dialect: str, envelope: str) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_session import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    buf = io.BytesIO()
    truth = generate(buf, minutes=1, dialect=dialect, envelope=envelope, seed=3)
    evs = [parse_line(line, "gen", i) for i, line in enumerate(buf.getvalue().splitlines(keepends=True), 1)]
    from rtlog.conversation.fold import Fold
    from rtlog.transcript.entries import transcript_of

    f = Fold()
    for ev in evs:
        f.feed(ev)
    conv = f.finish()
    t = transcript_of(conv)
    assert [e.text for e in t.entries if e.role == "user"] == truth["user_transcripts"]
    assert [e.text for e in t.entries if e.role == "assistant" and e.type == "message"] == truth["assistant_transcripts"]
    calls = [(e.name, e.call_id, e.arguments, e.output) for e in t.entries if e.type == "function_call"]
    assert calls == [(c["name"], c["call_id"], c["arguments"], c["output"]) for c in truth["function_call_list"]]
    assert [e.item_id for e in t.entries if e.audio_end_ms is not None] == [x["item_id"] for x in truth["truncations"]]
    audio = {a.item_id: a for a in conv.assistant_audio}
    for item in truth["assistant_items"]:
        got = audio[item["item_id"]]
        assert (got.nbytes, got.heard_nbytes) == (item["audio_bytes"], item["heard_bytes"])


# --- properties ------------------------------------------------------------------------------------


def _interleave(streams: list[list[Any]], rnd: random.Random) -> list[Any]:
    """A random merge of the streams that keeps each stream's own order."""
    out, pos = [], [0] * len(streams)
    live = [i for i, s in enumerate(streams) if s]
    while live:
        i = rnd.choice(live)
        out.append(streams[i][pos[i]])
        pos[i] += 1
        if pos[i] == len(streams[i]):
            live.remove(i)
    return out


def _split(text: str, cuts: set[int]) -> list[str]:
    points = [0, *sorted(c for c in cuts if 0 < c < len(text)), len(text)]
    return [text[a:b] for a, b in zip(points, points[1:], strict=False)] or [""]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_split_into_interleaved_deltas_reassembles(data: st.DataObject) -> None:
    texts = data.draw(st.lists(st.text(max_size=30), min_size=1, max_size=4), label="assistant texts")
    user_text = data.draw(st.text(max_size=30), label="user text")
    with_done = data.draw(st.booleans(), label="done events")
    rnd = data.draw(st.randoms(use_true_random=False))
    records: list[dict[str, Any]] = [{"type": "session.created", "session": {"id": "s"}}]
    streams = []
    for k, text in enumerate(texts):
        rid = f"r{k % 2}"  # two parallel responses
        iid = f"a{k}"
        records.append({"type": "response.output_item.added", "response_id": rid, "output_index": k, "item": {"id": iid, "type": "message", "role": "assistant"}})
        kind = "response.audio_transcript.delta" if k % 2 else "response.output_text.delta"
        pieces = _split(text, data.draw(st.sets(st.integers(0, 30), max_size=8)))
        stream = [{"type": kind, "response_id": rid, "item_id": iid, "content_index": 0, "delta": p} for p in pieces]
        if with_done:
            key, done = ("transcript", "response.audio_transcript.done") if k % 2 else ("text", "response.output_text.done")
            stream.append({"type": done, "response_id": rid, "item_id": iid, "content_index": 0, key: text})
        streams.append(stream)
    records.append({"type": "input_audio_buffer.committed", "item_id": "u"})
    user = [{"type": "conversation.item.input_audio_transcription.delta", "item_id": "u", "content_index": 0, "delta": p}
            for p in _split(user_text, data.draw(st.sets(st.integers(0, 30), max_size=8)))]  # fmt: skip
    streams.append(user)
    records += _interleave(streams, rnd)
    t = transcript_of(records)
    got = {e.item_id: e.text for e in t.entries}
    assert got == {"u": user_text, **{f"a{k}": text for k, text in enumerate(texts)}}


@settings(max_examples=50)
@given(raw=st.binary(min_size=800, max_size=4000))
def test_decoded_size_of_a_spliced_payload_is_its_decoded_length(raw: bytes) -> None:
    line = orjson.dumps({"type": "response.output_audio.delta", "item_id": "a", "delta": base64.b64encode(raw).decode()})
    ev = parse_line(line, "t", 1)
    assert decoded_size(ev) == len(raw) == ev.audio_info().nbytes


# --- order ---------------------------------------------------------------------------------------------


def test_previous_item_id_puts_an_early_user_turn_after_the_answer_it_follows() -> None:
    t = transcript_of([
        {"type": "input_audio_buffer.speech_started", "item_id": "u1", "audio_start_ms": 0},
        {"type": "input_audio_buffer.committed", "item_id": "u1", "previous_item_id": None},
        {"type": "response.created", "response": {"id": "r1"}},
        # the user speaks again before the answer's item is announced
        {"type": "input_audio_buffer.speech_started", "item_id": "u2", "audio_start_ms": 900},
        {"type": "response.output_item.added", "response_id": "r1", "item": {"id": "a1", "type": "message", "role": "assistant"}},
        {"type": "conversation.item.added", "previous_item_id": "u1", "item": {"id": "a1", "type": "message", "role": "assistant"}},
        {"type": "response.output_audio_transcript.delta", "response_id": "r1", "item_id": "a1", "delta": "Hi."},
        {"type": "response.done", "response": {"id": "r1", "status": "cancelled", "status_details": {"reason": "turn_detected"}}},
        {"type": "input_audio_buffer.committed", "item_id": "u2", "previous_item_id": "a1"},
        # transcripts arrive late, after everything else
        {"type": "conversation.item.input_audio_transcription.completed", "item_id": "u2", "content_index": 0, "transcript": "Second."},
        {"type": "conversation.item.input_audio_transcription.completed", "item_id": "u1", "content_index": 0, "transcript": "First."},
    ])  # fmt: skip
    assert [(e.item_id, e.text, e.interrupted, e.reason) for e in t.entries] == [
        ("u1", "First.", False, None), ("a1", "Hi.", True, "turn_detected"), ("u2", "Second.", False, None),
    ]  # fmt: skip


def test_unknown_or_null_previous_item_id_keeps_arrival_order_and_root_goes_first() -> None:
    t = transcript_of([
        {"type": "conversation.item.added", "previous_item_id": None, "item": {"id": "m1", "type": "message", "role": "user", "content": [{"type": "input_text", "text": "one"}]}},
        {"type": "conversation.item.added", "previous_item_id": "item_TESTUSER1", "item": {"id": "m2", "type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "two"}]}},
        {"type": "conversation.item.done", "previous_item_id": None, "item": {"id": "m2", "type": "message", "role": "assistant"}},
        {"type": "conversation.item.added", "previous_item_id": "root", "item": {"id": "m0", "type": "message", "role": "system", "content": [{"type": "input_text", "text": "zero"}]}},
    ])  # fmt: skip
    assert brief(t) == [("system", "message", "zero"), ("user", "message", "one"), ("assistant", "message", "two")]


def test_client_items_and_their_server_echo_are_one_entry() -> None:
    records = [
        {"type": "conversation.item.create", "item": {"type": "message", "role": "system", "content": [{"type": "input_text", "text": "Be brief."}]}},
        {"type": "conversation.item.create", "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]}},
        {"type": "conversation.item.create", "item": {"type": "function_call_output", "call_id": "c1", "output": "{\"ok\":true}"}},
        {"type": "conversation.item.added", "event_id": "e1", "item": {"id": "i1", "type": "message", "role": "system", "content": [{"type": "input_text", "text": "Be brief."}]}},
        {"type": "conversation.item.added", "event_id": "e2", "previous_item_id": "i1", "item": {"id": "i2", "type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]}},
        {"type": "conversation.item.added", "event_id": "e3", "previous_item_id": "i2", "item": {"id": "i3", "type": "function_call_output", "call_id": "c1", "output": "{\"ok\":true}"}},
    ]  # fmt: skip
    both = transcript_of(records)
    assert brief(both) == [("system", "message", "Be brief."), ("user", "message", "Hi"), ("tool", "function_call_output", "c1", '{"ok":true}')]
    assert [e.item_id for e in both.entries] == ["i1", "i2", "i3"]
    assert brief(transcript_of(records[:3])) == brief(both)  # client events only
    assert brief(transcript_of(records[3:])) == brief(both)  # server events only


def test_errors_appear_in_place_only_when_asked() -> None:
    records = [
        {"type": "conversation.item.added", "item": {"id": "m1", "type": "message", "role": "user", "content": [{"type": "input_text", "text": "one"}]}},
        {"type": "error", "event_id": "e", "error": {"type": "invalid_request_error", "code": "response_cancel_not_active", "message": "no active response"}},
        {"type": "conversation.item.added", "previous_item_id": "m1", "item": {"id": "m2", "type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "two"}]}},
        {"type": "response.done", "event_id": "e", "response": {"id": "r", "status": "failed", "status_details": {"type": "failed", "error": {"type": "server_error", "code": "boom", "message": "it broke"}}}},
    ]  # fmt: skip
    assert brief(transcript_of(records)) == [("user", "message", "one"), ("assistant", "message", "two")]
    assert brief(transcript_of(records, errors=True)) == [
        ("user", "message", "one"),
        ("system", "error", "response_cancel_not_active: no active response"),
        ("assistant", "message", "two"),
        ("system", "error", "response failed: boom: it broke"),
    ]


# --- final values and what the server deletes -----------------------------------------------------------


def test_final_values_win_over_deltas_but_an_empty_one_never_erases() -> None:
    t = transcript_of([
        {"type": "response.output_item.added", "response_id": "r", "item": {"id": "a", "type": "message", "role": "assistant"}},
        {"type": "response.output_audio_transcript.delta", "response_id": "r", "item_id": "a", "delta": "Helo wrld"},
        {"type": "response.output_audio_transcript.done", "response_id": "r", "item_id": "a", "transcript": "Hello world"},
        {"type": "conversation.item.truncated", "item_id": "a", "content_index": 0, "audio_end_ms": 0},
        {"type": "conversation.item.retrieved", "item": {"id": "a", "type": "message", "role": "assistant", "content": [{"type": "output_audio", "transcript": ""}]}},
        {"type": "response.done", "response": {"id": "r", "status": "completed", "output": [{"id": "a", "type": "message", "content": [{"type": "output_audio", "transcript": ""}]}]}},
    ])  # fmt: skip
    (e,) = t.entries
    assert (e.text, e.interrupted, e.audio_end_ms) == ("Hello world", True, 0)
    assert (e.heard_text, e.note) == (None, "the item's audio is not in the log: where it was cut is unknown")


def _truncated(total_bytes: int, audio_end_ms: int, text: str = "one two three four") -> Entry:
    t = transcript_of([
        {"type": "response.created", "response": {"id": "r"}},
        {"type": "response.output_item.added", "response_id": "r", "item": {"id": "a", "type": "message", "role": "assistant"}},
        {"type": "response.audio.delta", "response_id": "r", "item_id": "a", "delta": base64.b64encode(bytes(total_bytes)).decode()},
        {"type": "response.audio_transcript.done", "response_id": "r", "item_id": "a", "transcript": text},
        {"type": "conversation.item.truncate", "item_id": "a", "content_index": 0, "audio_end_ms": audio_end_ms},
    ])  # fmt: skip
    return t.entries[0]


def test_heard_mark_is_proportional_and_snaps_to_a_word_gap() -> None:
    e = _truncated(48000, 500)  # half of one second
    assert (e.heard_text, e.unheard_text, e.audio_seconds, e.end) == ("one two", "three four", 1.0, 0.5)
    assert _truncated(48000, 0).heard_text == ""
    assert _truncated(48000, -20).heard_text == ""
    assert _truncated(48000, 1000).heard_text == "one two three four"


def test_heard_mark_beyond_the_audio_means_all_was_heard_and_says_so() -> None:
    e = _truncated(48000, 1500)
    assert (e.heard_text, e.unheard_text, e.end) == ("one two three four", "", 1.0)
    assert e.note == "audio_end_ms 1500 is beyond the item's 1000 ms of audio: all of it was heard"


def test_split_heard() -> None:
    text = "It opened in eighteen eighty nine. It is about three"
    assert split_heard(text, 1418 / 2076) == ("It opened in eighteen eighty nine.", "It is about three")
    assert split_heard(text, 0.0) == ("", text)
    assert split_heard(text, 1.0) == (text, "")
    assert split_heard("  padded  text ", 0.5) == ("  padded", "text ")
    assert split_heard("天気はいいです", 0.5) == ("天気はい", "いです")  # no spaces: at the character


# --- the timeline ---------------------------------------------------------------------------------------


def _timeline(records: list[dict[str, Any]]) -> tuple[Timeline, list[float | None]]:
    sessions = SessionTracker()
    tl = Timeline(sessions)
    placed = []
    for ev in events(records):
        sessions.feed(ev)
        placed.append(tl.feed(ev))
    return tl, placed


def _append(n: int, ts: float | None = None) -> dict[str, Any]:
    rec: dict[str, Any] = {"type": "input_audio_buffer.append", "audio": base64.b64encode(bytes(n)).decode()}
    if ts is not None:
        rec["timestamp"] = ts
    return rec


def _delta(rid: str, iid: str, n: int, ts: float | None = None) -> dict[str, Any]:
    rec: dict[str, Any] = {"type": "response.audio.delta", "response_id": rid, "item_id": iid, "delta": base64.b64encode(bytes(n)).decode()}
    if ts is not None:
        rec["timestamp"] = ts
    return rec


def test_timeline_without_timestamps() -> None:
    tl, placed = _timeline([
        _append(4800), _append(4800), _append(4800),
        {"type": "input_audio_buffer.speech_started", "item_id": "u", "audio_start_ms": 50},
        {"type": "input_audio_buffer.speech_stopped", "item_id": "u", "audio_end_ms": 250},
        {"type": "response.created", "response": {"id": "r1"}},
        _delta("r1", "a", 4800), _delta("r1", "b", 4800),  # two items of one response, one after the other
        {"type": "response.created", "response": {"id": "r2"}},  # no new speech: after the previous answer
        _delta("r2", "c", 2400),
    ])  # fmt: skip
    assert placed == [0.0, 0.1, 0.2, None, None, None, 0.25, 0.35, None, pytest.approx(0.45)]
    sp = tl.span("u")
    assert (sp.start, sp.end, sp.start_ms, sp.end_ms) == (0.05, 0.25, 50, 250)
    assert [x for i in tl.items.values() for x in (i.start, i.end)] == pytest.approx([0.25, 0.35, 0.35, 0.45, 0.45, 0.5])
    assert tl.t0 is None


def test_timeline_with_timestamps() -> None:
    tl, placed = _timeline([
        _append(4800, 100.0), _append(4800, 100.05),  # sent faster than real time: back to back
        _append(4800, 101.0),  # after a pause: at its send time
        {"type": "input_audio_buffer.speech_started", "item_id": "u1", "audio_start_ms": 150, "timestamp": 101.1},
        {"type": "input_audio_buffer.speech_stopped", "item_id": "u1", "audio_end_ms": 250, "timestamp": 101.3},
        _delta("r1", "a", 48000, 102.0),
        {"type": "conversation.item.truncated", "item_id": "a", "content_index": 0, "audio_end_ms": 50, "timestamp": 102.2},
        _delta("r2", "b", 4800, 102.01),  # arrives while a would still play, but a was cut at 2.05
    ])  # fmt: skip
    assert placed == [0.0, 0.1, 1.0, None, None, 2.0, None, pytest.approx(2.05)]
    assert tl.t0 == 100.0
    # 150 ms lies less than the 300 ms padding before the pause: the speech starts after it
    sp = tl.span("u1")
    assert (sp.start, sp.end) == (1.0, pytest.approx(1.05))
    a, b = tl.items["a"], tl.items["b"]
    assert (a.start, a.end, a.nbytes, a.heard_nbytes) == (2.0, pytest.approx(2.05), 48000, 2400)
    assert (b.start, b.end) == (pytest.approx(2.05), pytest.approx(2.15))


def test_timeline_maps_offsets_through_the_appends_and_a_new_session_starts_after_the_last() -> None:
    tl, _ = _timeline([
        {"type": "session.created", "session": {"id": "s1"}},
        _append(4800, 10.0), _append(4800, 10.1), _append(48000, 12.0),
        {"type": "input_audio_buffer.speech_started", "item_id": "u1", "audio_start_ms": 500, "timestamp": 12.5},
        {"type": "input_audio_buffer.speech_stopped", "item_id": "u1", "audio_end_ms": 1000, "timestamp": 13.0},
        {"type": "session.created", "session": {"id": "s2"}},
        _append(4800),  # no timestamp: continues the stream
        {"type": "input_audio_buffer.speech_started", "item_id": "u2", "audio_start_ms": 0},
    ])  # fmt: skip
    assert (tl.span("u1").start, tl.span("u1").end) == (pytest.approx(2.3), pytest.approx(2.8))
    assert tl.span("u2").start == pytest.approx(3.0)


# --- the reader's fast path and parts: the same transcript as the Event path ------------------


def _gen_log(tmp_path: Path, dialect: str, envelope: str, seed: int) -> Path:
    from conftest import generated_log

    path = tmp_path / f"gen-{dialect}-{envelope}-{seed}.jsonl"
    path.write_bytes(generated_log(dialect, envelope, seed=seed)[0])
    return path


def _three_ways(path: Path, monkeypatch: pytest.MonkeyPatch, parts: int = 4) -> tuple[list[dict[str, Any]], list[str]]:
    """The transcript (entries as JSON, warnings) by the Event path, by the fast path in one
    process, and with the file cut into 100 kB parts for 3 workers: all the same."""
    import rtlog.io.parts as parts_module
    from rtlog.io.reader import expand_sources
    from rtlog.transcript.entries import build_transcripts, transcribe_sources

    results = []
    for how in ("events", "fast", "parts"):
        messages: list[str] = []
        diag = Diagnostics(warn=messages.append)
        if how == "events":
            (t,) = build_transcripts([(str(path), iter_events([str(path)], diag))])
        else:
            with monkeypatch.context() as mp:
                mp.setattr(parts_module, "SPLIT_MIN_BYTES", 0)
                mp.setattr(parts_module, "SPLIT_PART_BYTES", 100_000)
                if how == "parts":
                    with open(path, "rb") as f:
                        scans = parts_module.start_parts(f, 4)
                        assert scans is not None and len(scans.starts) >= parts - 1  # really cut
                        scans.close()
                (t,) = transcribe_sources(expand_sources([str(path)]), diag, jobs=1 if how == "fast" else 4)
        results.append(([e.as_dict() for e in t.entries], messages))
    assert results[0] == results[1] == results[2]
    return results[0]


@pytest.mark.parametrize(
    ("dialect", "envelope"), [("beta", "none"), ("ga", "none"), ("ga", "time-source"), ("beta", "direction-data")]
)
def test_fast_path_and_parts_give_the_event_path_transcript(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dialect: str, envelope: str
) -> None:
    path = _gen_log(tmp_path, dialect, envelope, seed=11)
    entries, messages = _three_ways(path, monkeypatch)
    assert messages == [] and entries and any(e["start"] is not None for e in entries)


def test_fast_path_and_parts_with_bad_lines_a_bom_and_odd_audio_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines the fast path must decline (escaped payload, non-string ids, a duplicate type
    key, a short placeholder) and bad lines, spread over the parts."""
    path = _gen_log(tmp_path, "ga", "none", seed=12)
    lines = path.read_bytes().splitlines(keepends=True)
    n = len(lines)
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    odd = [
        b'{"type":"response.output_audio.delta","response_id":7,"item_id":["x"],"delta":"' + b"AAAA" * 40 + b'"}\n',
        b'{"type":"response.output_audio.delta","type":"x.custom","delta":"' + b"AAAA" * 40 + b'"}\n',
        b'{"type":"input_audio_buffer.append","audio":"AAAA\\/AAA' + b"AAAA" * 40 + b'"}\n',
        b'{"type":"input_audio_buffer.append","audio":"[trimmed: 4800 bytes]"}\n',
        b'{"type":"input_audio_buffer.append","audio":"' + b"A" * 100 + b'"\n',  # cut short: a bad line
    ]
    for k, line in enumerate(odd):
        lines.insert(n * (k + 1) // (len(odd) + 1), line)
    path.write_bytes(b"".join(lines))
    entries, messages = _three_ways(path, monkeypatch)
    assert len(messages) == 1 and "invalid JSON" in messages[0]


@pytest.mark.parametrize("name", ["beta_session", "ga_session", "ulaw_session"])
def test_fast_path_gives_the_event_path_transcript_on_the_examples(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    entries, messages = _three_ways(EXAMPLES / f"{name}.jsonl", monkeypatch, parts=2)
    assert messages == [] and entries
