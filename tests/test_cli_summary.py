"""`rtlog summary` end to end: the report, --json, several files (in parallel), --pricing,
--check, bad lines, pipes and colour."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, corpus_file, run_cli, run_rtlog, write_log

GA = EXAMPLES / "ga_session.jsonl"
BETA = EXAMPLES / "beta_session.jsonl"
ULAW = EXAMPLES / "ulaw_session.jsonl"

#: keys the issue requires in every --json summary
REQUIRED_KEYS = {
    "lines", "events", "malformed", "sessions", "span", "event_counts", "directions", "responses", "user_turns",
    "interruptions", "function_calls", "usage", "cost_usd", "audio_seconds", "latency_ms", "errors", "warnings",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("FORCE_COLOR", raising=False)


def as_json(*args: Any, exit_code: int = 0, stderr: str | None = "") -> Any:
    return json.loads(run_cli("summary", "--json", *args, exit_code=exit_code, stderr=stderr).stdout)


# --- the report ---------------------------------------------------------------------------


ULAW_REPORT = """\
╭─ {name} ──────────────────────────────────────────────╮
│ Session  sess_ABBf6JDUpQrKd4W6Udw7w                                        │
│          gpt-4o-realtime-preview-2025-06-03 · voice shimmer · audio + text │
│          audio in G.711 μ-law 8 kHz, out G.711 μ-law 8 kHz                 │
│          transcription whisper-1 · turn detection server_vad               │
│          “You are the phone assistant of an online shop. Keep answers…”    │
│ Span     no timestamps in the log                                          │
│ Events   320 in 320 lines · client 181 · server 139                        │
╰────────────────────────────────────────────────────────────────────────────╯

Conversation            Audio
user turns       2                   seconds     bytes
responses        2      ──────────────────────────────
  completed      2      user input    11.2 s   89.8 kB
interruptions    0      assistant     4.59 s   36.7 kB
function calls   0        heard       4.59 s

Errors and checks
ok   no errors, no failed transcriptions, no bad lines, no warnings

Turn-taking
talk-over              unknown
barge-ins by user      unknown
  false barge-ins      unknown
agent talked over      unknown
dead air               unknown
unanswered (no reply)        0
VAD segments                 2
  short (<250 ms)            0
  cut off mid-thought        0
unknown (no timestamps in the log): delivery, false barge ins, interruptions,
latency, response gap, talk over, time to yield

Tokens and cost
        input   cached   output   total
───────────────────────────────────────
text      122       64       26
audio      68        0       93
all       190       64      119     309
Cost $0.0111  (gpt-4o-realtime-preview prices of 2026-11-23)
input transcription is billed separately and not included

Events by type (21 types)
type                                                    count
─────────────────────────────────────────────────────────────
input_audio_buffer.append                                 180
response.audio.delta                                       74
response.audio_transcript.delta                            18
conversation.item.input_audio_transcription.delta          15
conversation.item.created                                   4
conversation.item.input_audio_transcription.completed       2
input_audio_buffer.committed                                2
input_audio_buffer.speech_started                           2
input_audio_buffer.speech_stopped                           2
rate_limits.updated                                         2
response.audio.done                                         2
response.audio_transcript.done                              2
… 9 more types (--json lists them all)                     15

"""


def plain(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.split("\n"))


def test_report_is_exact_plain_text_at_80_columns() -> None:
    """Piped, the report is its text: what went wrong right after the numbers, the most
    frequent event types, no colour and no padding after a line (it spoils diff, grep -x)."""
    out = run_cli("summary", "examples/ulaw_session.jsonl").stdout
    assert out == ULAW_REPORT.replace("{name}", "examples/ulaw_session.jsonl")
    assert "\x1b[" not in out


@pytest.mark.parametrize("width", [80, 100, 120])
@pytest.mark.parametrize("log", [GA, BETA, ULAW], ids=lambda p: p.stem)
def test_report_fits_the_terminal(monkeypatch: pytest.MonkeyPatch, width: int, log: Path) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    out = run_cli("summary", log).stdout
    assert max(len(line) for line in out.splitlines()) <= width


def test_report_of_the_ga_example_says_what_matters() -> None:
    out = plain(run_cli("summary", GA).stdout)
    for expected in [
        "│ Span     2026-11-20 10:00:00.183 → 10:00:19.164 UTC · 19.0 s",
        "│ Events   604 in 604 lines · client 314 · server 290",
        "  cancelled      1      assistant     8.40 s   403.2 kB",
        "interruptions    1        heard       7.74 s",
        "  get_weather    1      Latency to first audio",
        "                        p50               538 ms",
        "Cost $0.0219 · $0.0692 per minute  (gpt-realtime prices of 2026-11-23)",
        "error   line 136: invalid_request_error · response_cancel_not_active:",
    ]:
        assert expected in out, expected


def test_report_lists_warnings_and_unknown_cost() -> None:
    out = plain(run_cli("summary", corpus_file("test_xai_ws__test_session_resumption_after_drop")).stdout)
    assert "│ Session 1  9a503158b91c4e03b3f2b9c9ec16d68d" in out
    assert "│            partial: only 2 of 53 events have a time, so no duration" in out  # only xAI's pings carry a time: no duration
    assert "1.87 s" not in out
    assert "│ Session 2  c55214cdbadf45cfb230f0f5da6ec58c" in out
    assert "Cost unknown" in out
    assert "no price for 'grok-voice-latest': cost unknown (add it with --pricing FILE)" in out
    assert "warning   assistant audio cut by the recorder: every chunk is 33 bytes, so its" in out


def test_colour_only_when_asked_or_on_a_terminal() -> None:
    piped = run_rtlog("summary", ULAW, env={"COLUMNS": "80"})
    assert piped.returncode == 0 and piped.stderr == b""
    assert b"\x1b[" not in piped.stdout
    forced = run_rtlog("summary", ULAW, env={"COLUMNS": "80", "FORCE_COLOR": "1"})
    assert b"\x1b[1m" in forced.stdout
    # the same text once the colour codes (and the padding a terminal gets) are taken out
    assert b"\n".join(line.rstrip(b" ") for line in re.sub(rb"\x1b\[[0-9;]*m", b"", forced.stdout).split(b"\n")) == piped.stdout


# --- --json ---------------------------------------------------------------------------------


def test_json_has_the_documented_keys_and_values() -> None:
    s = as_json(GA)
    assert REQUIRED_KEYS <= set(s)
    assert s["lines"] == s["events"] == 604
    assert s["responses"] == {"total": 5, "completed": 4, "cancelled": 1, "incomplete": 0, "failed": 0, "other": 0, "unfinished": 0}
    assert s["audio_seconds"] == {"input": 18.712, "output": 8.401, "output_heard": 7.743}
    assert s["latency_ms"] == {"count": 4, "p50": 538.0, "p90": 871.0, "max": 871.0}
    assert s["cost_usd"] == 0.021879
    assert set(s["sessions"][0]) >= {"id", "model", "voice", "input_audio_format", "output_audio_format", "input_sample_rate",
                                     "output_sample_rate", "transcription_model", "tools"}  # fmt: skip
    assert s["usage"]["cached_tokens"] == 768


def test_json_is_written_as_bytes_not_through_rich() -> None:
    out = run_cli("summary", "--json", ULAW).stdout
    assert out.startswith("{\n") and out.endswith("}\n")
    assert max(len(line) for line in out.splitlines()) > 80  # not wrapped at the terminal width


def test_stdin() -> None:
    r = run_cli("summary", "--json", "-", input=ULAW.read_bytes())
    s = json.loads(r.stdout)
    assert (s["source"], s["events"]) == ("<stdin>", 320)


# --- several files --------------------------------------------------------------------------


def test_several_files_give_one_object_with_files_and_total() -> None:
    s = as_json(GA, BETA, ULAW)
    assert [f["file"] for f in s["files"]] == [str(GA), str(BETA), str(ULAW)]
    assert [f["events"] for f in s["files"]] == [604, 594, 320]
    t = s["total"]
    assert REQUIRED_KEYS <= set(t)
    assert (t["file_count"], t["events"], t["user_turns"]) == (3, 1518, 10)
    assert t["usage"]["total_tokens"] == 1457 + 1457 + 309
    assert t["audio_seconds"]["output"] == round(8.401 + 8.401 + 4.592, 3)
    assert t["responses"]["total"] == 12
    assert t["span"]["seconds"] == 18.981  # only the GA example has timestamps
    assert t["latency_ms"]["count"] == 4
    assert [e["file"] for e in t["errors"]] == [str(GA), str(BETA)]
    assert t["cost_usd"] == round(sum(f["cost_usd"] for f in s["files"]), 6)
    # cost per minute only over the file whose duration is known
    assert t["cost_per_minute_usd"] == s["files"][0]["cost_per_minute_usd"]


def test_a_directory_is_its_logs_and_the_report_ends_with_totals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # room for the long temporary paths in the titles
    for p in (GA, ULAW):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    out = plain(run_cli("summary", tmp_path).stdout)
    assert out.index(f"─ {tmp_path / 'ga_session.jsonl'} ─") < out.index(f"─ {tmp_path / 'ulaw_session.jsonl'} ─") < out.index("─ Total: 2 files ─")
    assert "│ Files     2" in out
    assert "│ Sessions  2: gpt-4o-realtime-preview-2025-06-03 ×1, gpt-realtime-2025-08-28 ×1" in out


def test_parallel_run_gives_the_same_answer_and_ordered_warnings(tmp_path: Path) -> None:
    logs = []
    for i in range(6):
        p = write_log(tmp_path / f"log{i}.jsonl", [
            {"type": "session.created", "event_id": "e", "session": {"id": f"s{i}", "model": "gpt-realtime"}},
            b"{broken",
            {"type": "response.done", "event_id": "e", "response": {"id": "r", "status": "completed",
                                                                     "usage": {"input_tokens": i, "output_tokens": 1}}},
        ])  # fmt: skip
        logs.append(p)
    serial = run_rtlog("summary", "--json", "-j", "1", *logs)
    parallel = run_rtlog("summary", "--json", "-j", "3", *logs)
    assert serial.returncode == parallel.returncode == 0
    assert json.loads(serial.stdout) == json.loads(parallel.stdout)
    want = "".join(f"rtlog: warning: {p}:2: invalid JSON: unexpected character, expected a string key (column 2)\n" for p in logs)
    assert serial.stderr.decode() == parallel.stderr.decode() == want
    assert [f["usage"]["input_tokens"] for f in json.loads(parallel.stdout)["files"]] == list(range(6))


# --- --pricing --------------------------------------------------------------------------------


def test_pricing_file_prices_an_unknown_model(tmp_path: Path) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"date": "2027-01-01", "models": {"grok-voice": {
        "text_input": 1, "cached_text_input": 1, "audio_input": 1, "cached_audio_input": 1, "text_output": 10, "audio_output": 100}}}))  # fmt: skip
    log = corpus_file("test_xai_ws__test_session_resumption_after_drop")
    assert as_json(log)["cost_usd"] is None
    s = as_json(log, "--pricing", prices)
    assert s["cost_usd"] == round((23 * 1 + 21 * 10 + 290 * 100) / 1e6, 6)
    assert s["cost"]["prices_date"] == "2027-01-01"


def test_pricing_file_overrides_a_builtin_rate(tmp_path: Path) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text('{"models": {"gpt-realtime": {"audio_output": 0, "text_output": 0}}}')
    assert as_json(GA, "--pricing", prices)["cost_usd"] == round((173 * 4 + 702 * 0.4 + 276 * 32 + 66 * 0.4) / 1e6, 6)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read: No such file or directory"),
        ("{", "not JSON: unexpected end of data: line 1 column 2 (char 1)"),
        ('{"models": {"x": {"text_input": 1}}}', "x: a new model needs cached_text_input, audio_input, cached_audio_input, text_output, audio_output"),
    ],
)  # fmt: skip
def test_bad_pricing_file_is_a_usage_error(tmp_path: Path, content: str | None, message: str) -> None:
    prices = tmp_path / "prices.json"
    if content is not None:
        prices.write_text(content)
    run_cli("summary", GA, "--pricing", prices, exit_code=2, stderr=f"rtlog: error: --pricing {prices}: {message}\n")


# --- exit codes ---------------------------------------------------------------------------


def test_check_exits_1_on_findings_and_0_on_a_clean_log() -> None:
    run_cli("summary", GA)  # a report is a success without --check
    run_cli("summary", "--check", GA, exit_code=1)  # an error event
    run_cli("summary", "--check", ULAW, exit_code=0)
    run_cli("summary", "--check", ULAW, GA, exit_code=1)  # any file with findings
    run_cli("summary", "--check", corpus_file("test_openai__test_openai_tool_call@8cedd8c16"), exit_code=1)  # warnings


def test_bad_lines_are_warned_and_counted_strict_stops(tmp_path: Path) -> None:
    log = write_log(tmp_path / "bad.jsonl", [{"type": "session.created", "event_id": "e", "session": {}}, b"[1]", b"}"])
    warn = f"rtlog: warning: {log}:2: not a JSON object (a JSON array)\nrtlog: warning: {log}:3: invalid JSON: unexpected character, expected a JSON value (column 1)\n"
    r = run_cli("summary", "--json", log, stderr=warn)
    assert json.loads(r.stdout)["malformed"] == 2
    run_cli("summary", "--json", "--check", log, stderr=warn, exit_code=1)
    run_cli("summary", "--strict", log, exit_code=2, stderr=f"rtlog: error: {log}:2: not a JSON object (a JSON array)\n")


def test_missing_file_is_an_error() -> None:
    run_cli("summary", "no-such.jsonl", exit_code=2, stderr="rtlog: error: no-such.jsonl: no such file or directory\n")


def test_closed_pipe_ends_quietly() -> None:
    p = subprocess.run(
        ["bash", "-c", '"$1" -m rtlog summary "$2" | head -1; echo "${PIPESTATUS[0]}"', "bash", sys.executable, str(GA)],
        capture_output=True,
    )  # fmt: skip
    lines = p.stdout.splitlines()
    assert lines[-1] in (b"0", b"141"), p.stdout  # 141 when head exits before rtlog has written everything
    assert p.stderr == b""
