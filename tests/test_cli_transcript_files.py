"""transcript with several inputs: each file its own conversation, after the one before (review #5),
and `-f` is not an alias of --format (review #24: it means --follow in filter)."""

from __future__ import annotations

import json

from conftest import EXAMPLES, run_cli, write_log

BETA = EXAMPLES / "beta_session.jsonl"
GA = EXAMPLES / "ga_session.jsonl"


def entries(*args: object) -> list[dict]:
    return json.loads(run_cli("transcript", "--format", "json", *map(str, args)).stdout)


def test_each_file_is_its_own_conversation_placed_after_the_previous_one() -> None:
    beta, ga = entries(BETA), entries(GA)
    both = entries(BETA, GA)
    assert [e["file"] for e in both] == [str(BETA)] * len(beta) + [str(GA)] * len(ga)
    # the first file is as on its own
    assert both[: len(beta)] == beta
    # the second keeps its own times, shifted by where the first file's audio ends
    shift = both[len(beta)]["start"] - ga[0]["start"]
    # without timestamps the beta file's input stream runs from 0 to its end: the truth's input_seconds
    beta_input = json.loads((EXAMPLES / "beta_session.truth.json").read_text())["audio"]["input_seconds"]
    assert abs(shift - beta_input) < 0.002
    assert shift >= max(e["end"] for e in beta if e["end"] is not None)
    for alone, after in zip(ga, both[len(beta):], strict=True):
        assert {k: v for k, v in after.items() if k not in ("start", "end", "file")} == \
            {k: v for k, v in alone.items() if k not in ("start", "end", "file")}
        for k in ("start", "end"):
            assert (after[k] is None) == (alone[k] is None)
            if alone[k] is not None:
                assert abs(after[k] - (alone[k] + shift)) < 0.002
    # within each file, every answer comes after the question before it (review: 0:18.8 vs 0:17.9)
    starts = [e["start"] for e in both if e["start"] is not None]
    assert starts == sorted(starts)


def _timed_text_log(path, t: float, text: str):
    return write_log(path, [
        {"type": "session.created", "timestamp": t, "session": {"id": path.stem}},
        {"type": "conversation.item.added", "timestamp": t + 1,
         "item": {"id": "u1", "type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}},
        {"type": "response.output_text.delta", "timestamp": t + 2, "response_id": "r1", "item_id": "a1", "delta": "ok"},
        {"type": "response.done", "timestamp": t + 3, "response": {"id": "r1", "status": "completed", "output": [
            {"id": "a1", "type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "ok"}]}]}},
    ])  # fmt: skip


def test_two_timestamped_logs_ten_minutes_apart_leave_no_gap(tmp_path) -> None:
    a = _timed_text_log(tmp_path / "a.jsonl", 1_700_000_000.0, "first")
    b = _timed_text_log(tmp_path / "b.jsonl", 1_700_000_600.0, "second")
    got = [(e["file"], e["role"], e["start"]) for e in entries(a, b)]
    assert got == [(str(a), "user", 1.0), (str(a), "assistant", 2.0), (str(b), "user", 4.0), (str(b), "assistant", 5.0)]


def test_text_shows_a_heading_per_file_only_for_several_inputs(tmp_path) -> None:
    a = _timed_text_log(tmp_path / "a.jsonl", 100.0, "first")
    b = _timed_text_log(tmp_path / "b.jsonl", 900.0, "second")
    out = run_cli("transcript", str(a), str(b)).stdout.splitlines()
    assert [ln.split(" ")[0] for ln in out] == [str(a), "0:01.0", "0:02.0", str(b), "0:04.0", "0:05.0"]
    assert out[0].startswith(f"{a} ─") and out[3].startswith(f"{b} ─")
    assert run_cli("transcript", str(a)).stdout == "0:01.0  User       first\n0:02.0  Assistant  ok\n"
    md = run_cli("transcript", "--format", "markdown", str(a), str(b)).stdout.replace("\\_", "_")
    assert md.startswith(f"# {a}\n\n**User** (0:01.0): first\n") and f"\n# {b}\n\n**User** (0:04.0): second\n" in md


def test_a_directory_is_one_conversation_per_file(tmp_path) -> None:
    _timed_text_log(tmp_path / "a.jsonl", 100.0, "first")
    _timed_text_log(tmp_path / "b.jsonl", 50.0, "second")  # earlier clock, later file: still after
    got = [(e["text"], e["start"]) for e in entries(tmp_path)]
    assert got == [("first", 1.0), ("ok", 2.0), ("second", 4.0), ("ok", 5.0)]


def test_f_is_not_short_for_format() -> None:
    res = run_cli("transcript", str(GA), "-f", "json", exit_code=2, stderr=None)
    assert res.stderr == "rtlog: error: transcript: no such option: -f (see 'rtlog transcript -h')\n"


def test_clock_rounds_before_splitting_minutes() -> None:
    from rtlog.commands.transcript import fmt_clock

    cases = {0: "0:00.0", 5.24: "0:05.2", 59.94: "0:59.9", 59.97: "1:00.0", 119.96: "2:00.0", 60.06: "1:00.1",
             3599.9: "59:59.9", 3599.96: "1:00:00", 3600: "1:00:00", 3661.4: "1:01:01", 7199.6: "2:00:00", -1: "0:00.0"}  # fmt: skip
    assert {s: fmt_clock(s) for s in cases} == cases
    assert fmt_clock(None) == ""


def _ptt_records() -> list[dict]:
    """The reviewer's log shape (review #21): typed question, answer, then a push-to-talk buffer."""
    import base64

    audio = base64.b64encode(bytes(12000)).decode()  # 0.25 s at 24 kHz pcm16
    recs = [
        {"type": "session.created", "session": {"id": "s"}},
        {"type": "conversation.item.added", "item": {"id": "u1", "type": "message", "role": "user", "content": [{"type": "input_text", "text": "typed"}]}},
        {"type": "response.created", "response": {"id": "r1", "status": "in_progress"}},
        {"type": "response.output_item.added", "response_id": "r1", "item": {"id": "a1", "type": "message", "role": "assistant"}},
        *[{"type": "response.output_audio.delta", "response_id": "r1", "item_id": "a1", "delta": audio}] * 2,
        {"type": "response.output_audio_transcript.done", "response_id": "r1", "item_id": "a1", "content_index": 0, "transcript": "answer"},
        {"type": "response.done", "response": {"id": "r1", "status": "completed"}},
        *[{"type": "input_audio_buffer.append", "audio": audio}] * 3,
        {"type": "input_audio_buffer.committed", "item_id": "u2", "previous_item_id": "a1"},
        {"type": "conversation.item.added", "item": {"id": "u2", "type": "message", "role": "user", "content": [{"type": "input_audio"}]}},
        {"type": "conversation.item.input_audio_transcription.completed", "item_id": "u2", "content_index": 0, "transcript": "spoken"},
    ]  # fmt: skip
    return recs


def test_push_to_talk_srt_does_not_overlap_the_answer_before_it(tmp_path) -> None:
    log = write_log(tmp_path / "ptt.jsonl", _ptt_records())
    # (the typed question has no time in this log: it keeps its cue, from the start, and says so)
    warn = ("rtlog: warning: 1 subtitle cue has no time in the log: placed right after the cue before it, each lasts "
            "as long as its text takes to say (15 characters a second, at least 1 s), up to the next cue\n")  # fmt: skip
    assert run_cli("transcript", "--format", "srt", str(log), stderr=warn).stdout == (
        "1\n00:00:00,000 --> 00:00:01,000\nUser: typed\n\n"
        "2\n00:00:00,000 --> 00:00:00,500\nAssistant: answer\n\n3\n00:00:00,500 --> 00:00:01,250\nUser: spoken\n"
    )


def test_a_false_start_that_is_cleared_or_never_committed_is_no_user_entry(tmp_path) -> None:
    # review #20: speech_started then input_audio_buffer.cleared (or the log ends) is no user turn
    recs = [
        {"type": "session.created", "session": {"id": "s"}},
        {"type": "input_audio_buffer.speech_started", "item_id": "u1", "audio_start_ms": 100},
        {"type": "input_audio_buffer.speech_stopped", "item_id": "u1", "audio_end_ms": 900},
        {"type": "input_audio_buffer.committed", "item_id": "u1"},
        {"type": "conversation.item.input_audio_transcription.completed", "item_id": "u1", "content_index": 0, "transcript": "hello"},
        {"type": "input_audio_buffer.speech_started", "item_id": "u2", "audio_start_ms": 2000},
        {"type": "input_audio_buffer.cleared"},
        {"type": "input_audio_buffer.speech_started", "item_id": "u3", "audio_start_ms": 3000},
        {"type": "input_audio_buffer.speech_stopped", "item_id": "u3", "audio_end_ms": 3500},
        {"type": "input_audio_buffer.committed", "item_id": "u3"},
        {"type": "input_audio_buffer.speech_started", "item_id": "u4", "audio_start_ms": 4000},
    ]  # fmt: skip
    log = write_log(tmp_path / "fs.jsonl", recs)
    assert run_cli("transcript", str(log)).stdout == "0:00.1  User  hello\n0:03.0  User  [audio, not transcribed]\n"
