"""`rtlog transcript` (alias `reassemble-transcript`) through the CLI: every format, exit
codes, stderr, stdin, pipes."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import EXAMPLES, corpus_file, run_cli, run_rtlog, write_log

GA = EXAMPLES / "ga_session.jsonl"
BETA = EXAMPLES / "beta_session.jsonl"
ULAW = EXAMPLES / "ulaw_session.jsonl"


@pytest.fixture(autouse=True)
def _width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("FORCE_COLOR", raising=False)


GA_TEXT = """\
0:00.5  User       Hi there, can you hear me?
0:03.1  Assistant  Yes, loud and clear. How can I help?
0:05.6  User       What's the weather like in Paris today?
0:08.1  Assistant  → get_weather({"city":"Paris"})
0:08.3  Tool       ← {"city":"Paris","condition":"sunny","temperature_c":22}
0:08.8  Assistant  It is sunny and twenty two degrees in Paris.
0:11.1  User       Tell me about the Eiffel Tower.
0:13.6  Assistant  It opened in eighteen eighty nine. ‖ It is about three [interrupted at 1.4 s of 2.1 s]
0:14.7  User       Wait, how tall is it?
0:16.8  Assistant  About three hundred and thirty meters.
"""


def test_text_is_the_conversation_with_times_and_the_heard_mark() -> None:
    """Piped: one line per turn, whatever the width (for grep)."""
    assert run_cli("transcript", GA).stdout == GA_TEXT


def test_alias_reassemble_transcript_gives_the_same() -> None:
    assert run_cli("reassemble-transcript", GA).stdout == GA_TEXT


def test_errors_are_shown_in_place_when_asked() -> None:
    out = run_cli("transcript", GA, "--errors").stdout.splitlines()
    assert out[2] == "0:04.0  Error      response_cancel_not_active: Cancellation failed: no active response found"
    assert out[:2] + out[3:] == GA_TEXT.splitlines()


def test_on_a_terminal_text_wraps_to_its_width_under_the_label(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich takes stdout for a terminal
    monkeypatch.setenv("COLUMNS", "44")  # 19 columns of time and label leave 25 for the text
    out = run_cli("transcript", ULAW).stdout
    assert "\x1b[" in out
    assert re.sub(r"\x1b\[[0-9;]*m", "", out) == (
        "0:00.2  User       Hello, I'd like to check\n"
        "                   my order.\n"
        "0:02.5  Assistant  Sure, what is your order\n"
        "                   number?\n"
        "0:05.2  User       It's four five six seven.\n"
        "0:07.2  Assistant  Thanks! Order four five\n"
        "                   six seven ships tomorrow.\n"
    )


def test_wrap_keeps_remarks_whole_and_cuts_words_longer_than_a_line() -> None:
    from rtlog.commands.transcript import wrap_styled

    lines = wrap_styled([("It is about three", None, False), ("[interrupted at 1.4 s of 2.1 s]", "dim", True)], 32)
    assert lines == [[("It is about three", None)], [("[interrupted at 1.4 s of 2.1 s]", "dim")]]
    assert wrap_styled([("ab " + "x" * 10, "i", False)], 4) == [[("ab", "i")], [("xxxx", "i")], [("xxxx", "i")], [("xx", "i")]]
    assert wrap_styled([("one\ntwo", None, False)], 20) == [[("one", None)], [("two", None)]]
    assert wrap_styled([("天気 はいいです", None, False)], 6) == [[("天気", None)], [("はいい", None)], [("です", None)]]


def test_markdown() -> None:
    assert run_cli("transcript", BETA, "--format", "markdown").stdout == """\
**User** (0:00.1): Hi there, can you hear me?

**Assistant** (0:02.1): Yes, loud and clear. How can I help?

**User** (0:05.2): What's the weather like in Paris today?

**Assistant** (0:07.5): → `get_weather({"city":"Paris"})`

**Tool**: ← `{"city":"Paris","condition":"sunny","temperature_c":22}`

**Assistant** (0:07.5): It is sunny and twenty two degrees in Paris.

**User** (0:10.8): Tell me about the Eiffel Tower.

**Assistant** (0:12.7): It opened in eighteen eighty nine. ‖ It is about three *[interrupted at 1.4 s of 2.1 s]*

**User** (0:14.3): Wait, how tall is it?

**Assistant** (0:16.0): About three hundred and thirty meters.
"""


def test_json_entries() -> None:
    entries = json.loads(run_cli("transcript", GA, "--format", "json").stdout)
    required = {"role", "type", "text", "heard_text", "item_id", "response_id", "status", "interrupted", "start", "end",
                "name", "call_id", "arguments", "output", "session"}  # fmt: skip
    assert all(required <= set(e) for e in entries)
    assert [(e["role"], e["type"]) for e in entries] == [
        ("user", "message"), ("assistant", "message"), ("user", "message"), ("assistant", "function_call"),
        ("tool", "function_call_output"), ("assistant", "message"), ("user", "message"), ("assistant", "message"),
        ("user", "message"), ("assistant", "message"),
    ]  # fmt: skip
    cut = entries[7]
    assert {k: cut[k] for k in ("text", "heard_text", "interrupted", "status", "audio_end_ms", "reason", "start", "end")} == {
        "text": "It opened in eighteen eighty nine. It is about three",
        "heard_text": "It opened in eighteen eighty nine.",
        "interrupted": True, "status": "incomplete", "audio_end_ms": 1418, "reason": "turn_detected",
        "start": 13.612, "end": 15.03,
    }  # fmt: skip
    call = entries[3]
    assert (call["name"], call["arguments"], call["output"]) == (
        "get_weather", '{"city":"Paris"}', '{"city":"Paris","condition":"sunny","temperature_c":22}',
    )  # fmt: skip
    assert all(e["heard_text"] is None for e in entries if not e["interrupted"])


def test_srt_times_are_the_audio_timeline() -> None:
    out = run_cli("transcript", BETA, "--format", "srt").stdout
    assert out.startswith(
        "1\n00:00:00,120 --> 00:00:02,080\nUser: Hi there, can you hear me?\n\n"
        "2\n00:00:02,080 --> 00:00:04,389\nAssistant: Yes, loud and clear. How can I help?\n\n"
    )
    assert out.endswith(
        "7\n00:00:14,280 --> 00:00:16,000\nUser: Wait, how tall is it?\n\n"
        "8\n00:00:16,000 --> 00:00:17,857\nAssistant: About three hundred and thirty meters.\n"
    )
    assert "6\n00:00:12,672 --> 00:00:14,090\nAssistant: It opened in eighteen eighty nine. ‖ It is about three [interrupted at 1.4 s of 2.1 s]\n" in out


def test_vtt() -> None:
    assert run_cli("transcript", ULAW, "--format", "vtt").stdout == """\
WEBVTT

00:00:00.200 --> 00:00:02.496
<v User>Hello, I'd like to check my order.

00:00:02.496 --> 00:00:04.181
<v Assistant>Sure, what is your order number?

00:00:05.180 --> 00:00:07.168
<v User>It's four five six seven.

00:00:07.168 --> 00:00:10.075
<v Assistant>Thanks! Order four five six seven ships tomorrow.
"""


def test_stdin() -> None:
    assert run_cli("transcript", "-", input=GA.read_bytes()).stdout == GA_TEXT


def test_failed_transcription_and_sessions_in_the_real_recordings() -> None:
    out = run_cli("transcript", corpus_file("transcription_requires_deployment")).stdout
    assert out.splitlines()[0] == (
        "0:01.6  User       [transcription failed: DeploymentNotFound: Input transcription failed for item 'item_E4GEZV6Pux1f4VnDEzVPh'.]"
    )
    out = run_cli("transcript", corpus_file("xai_ws__test_session_resumption_after_drop")).stdout
    rules = [ln for ln in out.splitlines() if ln.startswith("─")]
    assert [r.strip("─ ") for r in rules] == [
        "Session 1 · 9a503158b91c4e03b3f2b9c9ec16d68d · grok-voice-latest",
        "Session 2 · c55214cdbadf45cfb230f0f5da6ec58c · grok-voice-latest",
    ]
    md = run_cli("transcript", corpus_file("xai_ws__test_session_resumption_after_drop"), "--format", "markdown").stdout
    assert "## Session 2 · c55214cdbadf45cfb230f0f5da6ec58c · grok-voice-latest\n" in md


def test_bad_line_is_warned_about_and_skipped(tmp_path) -> None:
    log = write_log(tmp_path / "x.jsonl", [
        {"type": "conversation.item.added", "item": {"id": "m1", "type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hello"}]}},
        b"{not json",
    ])  # fmt: skip
    reason = "invalid JSON: unexpected character, expected a string key (column 2)"
    res = run_cli("transcript", log, stderr=f"rtlog: warning: {log}:2: {reason}\n")
    assert res.stdout == "User  Hello\n"
    run_cli("transcript", log, "--strict", exit_code=2, stderr=f"rtlog: error: {log}:2: {reason}\n")


def test_nothing_to_show_exits_1(tmp_path) -> None:
    log = write_log(tmp_path / "x.jsonl", [{"type": "session.created", "session": {"id": "s"}}])
    run_cli("transcript", log, exit_code=1,
            stderr=f"rtlog: no conversation found in {log}: no messages, transcriptions or function calls\n")  # fmt: skip
    run_cli("transcript", log, log, exit_code=1,
            stderr="rtlog: no conversation found in any of the 2 files: no messages, transcriptions or function calls\n")  # fmt: skip
    text_only = write_log(tmp_path / "y.jsonl", [
        {"type": "conversation.item.added", "item": {"id": "m1", "type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hello"}]}},
    ])  # fmt: skip
    run_cli("transcript", text_only, "--format", "srt", exit_code=1,
            stderr="rtlog: no turn has a known time: the log has neither timestamps nor audio to place them\n")  # fmt: skip


def test_missing_file_is_an_error() -> None:
    run_cli("transcript", "/nonexistent.jsonl", exit_code=2, stderr="rtlog: error: /nonexistent.jsonl: no such file or directory\n")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_closed_pipe_ends_quietly_with_141(fmt: str) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    p = subprocess.Popen([sys.executable, "-m", "rtlog", "transcript", str(GA), "--format", fmt],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)  # fmt: skip
    p.stdout.close()  # the reader is gone before anything is written
    err = p.stderr.read()
    assert (p.wait(timeout=60), err) == (141, b"")


def test_piped_text_has_no_colour_and_a_terminal_gets_it() -> None:
    plain = run_rtlog("transcript", GA)
    assert (plain.returncode, plain.stderr) == (0, b"")
    assert b"\x1b[" not in plain.stdout
    coloured = run_rtlog("transcript", GA, env={"FORCE_COLOR": "1"})
    assert b"\x1b[" in coloured.stdout


def test_untranscribed_speech_a_cancelled_reply_and_an_unfinished_one(tmp_path) -> None:
    log = write_log(tmp_path / "x.jsonl", [
        {"type": "input_audio_buffer.speech_started", "item_id": "u1", "audio_start_ms": 100},
        {"type": "input_audio_buffer.speech_stopped", "item_id": "u1", "audio_end_ms": 1100},
        {"type": "input_audio_buffer.committed", "item_id": "u1"},
        {"type": "response.created", "response": {"id": "r1"}},
        {"type": "response.output_item.added", "response_id": "r1", "item": {"id": "a1", "type": "message", "role": "assistant"}},
        {"type": "response.text.delta", "response_id": "r1", "item_id": "a1", "delta": "Let me"},
        {"type": "response.done", "response": {"id": "r1", "status": "cancelled", "status_details": {"type": "cancelled", "reason": "client_cancelled"}}},
        {"type": "response.created", "response": {"id": "r2"}},
        {"type": "response.output_item.added", "response_id": "r2", "item": {"id": "a2", "type": "message", "role": "assistant"}},
        {"type": "response.text.delta", "response_id": "r2", "item_id": "a2", "delta": "So"},
    ])  # fmt: skip
    assert run_cli("transcript", log).stdout == (
        "0:00.1  User       [audio, not transcribed]\n"
        "0:01.1  Assistant  Let me [interrupted: client_cancelled]\n"
        "0:01.1  Assistant  So [unfinished: the log ends first]\n"
    )
    entries = json.loads(run_cli("transcript", log, "--format", "json").stdout)
    assert [(e["text"], e["heard_text"], e["interrupted"], e["note"]) for e in entries] == [
        (None, None, False, "not transcribed"),
        ("Let me", None, True, None),
        ("So", None, False, "unfinished: the log ends before the response does"),
    ]


# --- JSON written entry by entry ---------------------------------------------------------------


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=8), _json_values, max_size=6), max_size=5))
def test_json_written_entry_by_entry_is_the_whole_list_dumped(items: list[dict]) -> None:
    """`--format json` streams its entries; the bytes are exactly orjson's indented list."""
    import io

    import orjson

    from rtlog.io.jsonout import write_json_list

    out = io.BytesIO()
    write_json_list(iter(items), out)
    assert out.getvalue() == orjson.dumps(items, option=orjson.OPT_INDENT_2) + b"\n"


def test_a_cue_too_short_to_read_lasts_as_long_as_its_text() -> None:
    """Issue 19: the recorder cut every audio chunk of this real log to 33 bytes, so the
    reply's audio lasts 3 ms; its subtitle lasts as long as 'Hi there!' takes to say
    (at least 1 s) instead."""
    log = corpus_file("test_openai_ws__test_text_in_audio_out_turn")
    srt = run_cli("transcript", log, "--format", "srt", stderr=None).stdout
    assert "2\n00:00:00,000 --> 00:00:01,000\nAssistant: Hi there!\n" in srt
