"""Review findings on `summary`: the span from the earliest to the latest time (#22), a
duration only when timestamps cover the log (#8), cost with missing usage (#7), one bad
file among many (#15) and the report's wording (#24)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, run_cli, write_log
from orjson import loads as orjson_loads

from rtlog.commands.summary import fit_name
from rtlog.io.reader import Diagnostics, expand_sources, iter_events
from rtlog.metrics.pricing import parse_price_file
from rtlog.metrics.summary import summarize, summarize_source
from rtlog.protocol.realtime import SERVER_TYPES

PRICES = parse_price_file({"models": {"gpt-realtime": {"text_input": 1, "cached_text_input": 1, "audio_input": 1,
                                                       "cached_audio_input": 1, "text_output": 1, "audio_output": 1}}})  # fmt: skip


@pytest.fixture(autouse=True)
def _width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("FORCE_COLOR", raising=False)


def both(path: Path) -> dict[str, Any]:
    """--json of a log on the fast path, checked against the normal path."""
    fast = summarize_source(expand_sources([str(path)])[0], Diagnostics(), PRICES).as_json()
    slow = summarize(iter_events([str(path)], Diagnostics()), str(path), PRICES).as_json()
    assert fast == slow
    return fast


def audio(rid: str, ts: float | None = None) -> dict[str, Any]:
    ev = {"type": "response.output_audio.delta", "response_id": rid, "item_id": "i" + rid,
          "delta": base64.b64encode(bytes(4800)).decode()}  # fmt: skip
    if ts is not None:
        ev["timestamp"] = ts
    return ev


def session() -> dict[str, Any]:
    return {"type": "session.created", "session": {"id": "s1", "model": "gpt-realtime"}}


def done(rid: str, tokens: int | None, **kw: Any) -> dict[str, Any]:
    usage = {"input_tokens": tokens, "output_tokens": 0, "total_tokens": tokens, "input_token_details": {"text_tokens": tokens}}
    r: dict[str, Any] = {"id": rid, "status": "completed"}
    if tokens is not None:
        r["usage"] = usage
    return {"type": "response.done", "response": r, **kw}


# --- #22: the span runs from the earliest to the latest time ------------------------------------


def test_span_is_min_to_max_not_first_to_last(tmp_path: Path) -> None:
    s = both(write_log(tmp_path / "a.jsonl", [
        {**session(), "timestamp": 1700000100},
        {"type": "response.created", "timestamp": 1700000200, "response": {"id": "r"}},
        {"type": "response.done", "timestamp": 1700000150, "response": {"id": "r", "status": "completed"}},
    ]))  # fmt: skip
    assert s["span"] == {"start": "2023-11-14T22:15:00.000Z", "end": "2023-11-14T22:16:40.000Z", "seconds": 100,
                         "events_with_time": 3, "covers_log": True, "resolution_seconds": 1.0}  # fmt: skip


def test_span_max_on_a_fast_path_audio_line(tmp_path: Path) -> None:
    # the latest time is on the second audio line, which the fast path counts
    s = both(write_log(tmp_path / "a.jsonl", [
        {**session(), "timestamp": 1700000000},
        audio("r", 1700000010), audio("r", 1700000300),
        {**done("r", None), "timestamp": 1700000020},
    ]))  # fmt: skip
    assert (s["span"]["seconds"], s["span"]["end"]) == (300, "2023-11-14T22:18:20.000Z")


# --- #8: a duration only when the timestamps cover the log --------------------------------------


def test_two_timestamped_pings_are_not_a_duration(tmp_path: Path) -> None:
    records = [session(), done("r0", 1000)] + [{"type": "ping", "timestamp": 1700000000 + i} for i in (0, 2)]
    records += [done(f"r{i}", 1000) for i in range(1, 5)]
    s = both(write_log(tmp_path / "a.jsonl", records))
    assert s["span"] == {"start": "2023-11-14T22:13:20.000Z", "end": "2023-11-14T22:13:22.000Z", "seconds": None,
                         "events_with_time": 2, "covers_log": False, "resolution_seconds": 1.0}  # fmt: skip
    assert s["cost_usd"] == 0.005 and s["cost_per_minute_usd"] is None
    out = run_cli("summary", str(tmp_path / "a.jsonl"), "--pricing", write_prices(tmp_path)).stdout
    assert "partial: only 2 of 8 events have a time, so no duration" in out
    assert "per minute" not in out


def test_first_and_last_event_timed_cover_the_log(tmp_path: Path) -> None:
    records = [{**session(), "timestamp": 1700000000}, *[done(f"r{i}", 1000) for i in range(5)], {**done("r9", 1000), "timestamp": 1700000060}]
    s = both(write_log(tmp_path / "a.jsonl", records))
    assert (s["span"]["seconds"], s["span"]["covers_log"]) == (60, True)
    assert s["cost_per_minute_usd"] == 0.006


def write_prices(tmp_path: Path) -> str:
    p = tmp_path / "p.json"
    p.write_text(json.dumps({"models": {"gpt-realtime": dict.fromkeys(
        ("text_input", "cached_text_input", "audio_input", "cached_audio_input", "text_output", "audio_output"), 1)}}))
    return str(p)


# --- #7: cost with missing usage ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("records", "cost", "lower", "missing"),
    [
        ([session()], 0.0, False, 0),  # no responses: nothing spent
        ([session(), {"type": "response.created", "response": {"id": "r"}}], None, False, 1),  # cut before response.done
        ([session(), done("r", None), done("q", None)], None, False, 2),  # response.done without usage
        ([session(), done("r", 1000), done("q", None)], 0.001, True, 1),
        ([session(), done("r", 1000), {"type": "response.created", "response": {"id": "q"}}], 0.001, True, 1),
        ([session(), done("r", 1000), done("q", 2000)], 0.003, False, 0),
    ],
    ids=["no-responses", "unfinished", "no-usage", "one-without-usage", "one-unfinished", "all-usage"],
)
def test_cost_is_unknown_or_a_lower_bound_when_usage_is_missing(
    tmp_path: Path, records: list[Any], cost: float | None, lower: bool, missing: int
) -> None:
    s = both(write_log(tmp_path / "a.jsonl", records))
    assert (s["cost_usd"], s["cost_is_lower_bound"], s["cost_responses_without_usage"]) == (cost, lower, missing)


def test_report_labels_a_lower_bound(tmp_path: Path) -> None:
    log = write_log(tmp_path / "a.jsonl", [session(), done("r", 1000), done("q", None), done("p", None)])
    out = run_cli("summary", str(log), "--pricing", write_prices(tmp_path)).stdout
    assert "Cost ≥ $0.0010 (2 responses without usage)  (gpt-realtime prices of " in out


def test_report_says_why_the_cost_is_unknown(tmp_path: Path) -> None:
    log = write_log(tmp_path / "a.jsonl", [session(), done("r", None)])
    out = run_cli("summary", str(log)).stdout
    assert "Cost unknown\nno response carries usage (no response.done, or one without usage): cost unknown\n" in out
    assert "$0.00" not in out


# --- #15: one bad file among several --------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bad_file_is_an_error_entry_and_the_others_are_summarized(tmp_path: Path, jobs: str) -> None:
    d = tmp_path / "d"
    d.mkdir()
    for name in ("beta_session.jsonl", "ga_session.jsonl"):
        (d / name).write_bytes((EXAMPLES / name).read_bytes())
    (d / "b.jsonl").write_bytes(bytes(range(256)) * 8)
    bad = str(d / "b.jsonl")
    err = f"rtlog: error: {bad}: binary data, not a JSONL event log\n"
    obj = json.loads(run_cli("summary", "--json", "-j", jobs, str(d), exit_code=2, stderr=err).stdout)
    assert obj["files"][0] == {"file": bad, "error": "binary data, not a JSONL event log"}
    assert [f["file"] for f in obj["files"][1:]] == [str(d / "beta_session.jsonl"), str(d / "ga_session.jsonl")]
    assert obj["total"]["file_count"] == 2 and obj["total"]["events"] == 594 + 604
    out = run_cli("summary", "-j", jobs, str(d), exit_code=2, stderr=err).stdout
    assert out.startswith(f"{fit_name(bad, 80)}\nnot summarized: binary data, not a JSONL event log\n")
    assert "Total: 2 files (1 more could not be read)" in out


def test_a_single_bad_file_is_still_one_error(tmp_path: Path) -> None:
    bad = tmp_path / "b.jsonl"
    bad.write_bytes(bytes(range(256)) * 8)
    r = run_cli("summary", "--json", str(bad), exit_code=2, stderr=f"rtlog: error: {bad}: binary data, not a JSONL event log\n")
    assert r.stdout == ""


# --- #24: the report's wording --------------------------------------------------------------


def test_long_file_name_is_shortened_in_the_middle_keeping_the_base_name(tmp_path: Path) -> None:
    d = tmp_path / ("a_rather_long_directory_name_" * 3)
    d.mkdir()
    log = d / "session_resumption_after_drop.jsonl"
    log.write_bytes((EXAMPLES / "beta_session.jsonl").read_bytes())
    first = run_cli("summary", str(log)).stdout.splitlines()[0]
    assert first.endswith("…/session_resumption_after_drop.jsonl ─╮") and len(first) <= 80


def test_log_without_session_and_error_without_message(tmp_path: Path) -> None:
    log = write_log(tmp_path / "a.jsonl", [{"type": "error", "error": {"type": "server_error"}}])
    (tmp_path / "a.jsonl").write_bytes((tmp_path / "a.jsonl").read_bytes() + b"{bad\n")
    out = run_cli("summary", str(log), stderr=f"rtlog: warning: {log}:2: invalid JSON: unexpected character, expected a string key (column 2)\n").stdout
    assert "│ Session  none: no session.created or session.updated in the log" in out
    assert "1 bad line skipped" in out and "1 bad lines" not in out
    assert "Events by type (1 type)\n" in out
    plain = "\n".join(x.rstrip() for x in out.split("\n"))
    assert "error       line 1: server_error\n" in plain  # no trailing ": "
    assert "Cost $0.00  (no tokens used)\n" in out


# --- a log that holds its events twice ----------------------------------------------------------


def test_events_logged_twice_are_reported(tmp_path: Path) -> None:
    """A relay or recorder that writes every event twice: the server events' copies (same
    event_id, same event) are named in a warning, with where the first one is, on both
    paths; bare and in an envelope whose own fields differ between the copies."""
    lines = (EXAMPLES / "beta_session.jsonl").read_bytes().splitlines(keepends=True)
    doubled = tmp_path / "doubled.jsonl"
    doubled.write_bytes(b"".join(line + line for line in lines))
    s = both(doubled)
    once = both(EXAMPLES / "beta_session.jsonl")
    assert s["events"] == 2 * once["events"]
    events = [json.loads(line) for line in lines]
    copies = sum(1 for e in events if e["type"] in SERVER_TYPES and "event_id" in e and e["type"] != "response.audio.delta")
    assert copies > 50
    first = 1 + next(i for i, e in enumerate(events) if e["type"] in SERVER_TYPES and "event_id" in e) * 2
    message = (f"{copies} server events (audio aside) repeat an event just before, event_id and all (first at line {first + 1}, "
               f"a copy of line {first}): events logged twice (by a relay or recorder?) are counted twice here")  # fmt: skip
    assert message in s["warnings"]
    assert not any("repeat an event" in w for w in once["warnings"])
    assert "logged twice (by a relay" in " ".join(run_cli("summary", str(doubled)).stdout.split())
    wrapped = tmp_path / "wrapped.jsonl"  # each copy with its own time
    wrapped.write_bytes(b"".join(json.dumps({"time": f"2025-01-01T00:00:{n % 60:02d}Z", "direction": "received", "data": e}).encode() + b"\n"
                                 for e in events for n in (0, 1)))  # fmt: skip
    assert sum("repeat an event just before" in w for w in both(wrapped)["warnings"]) == 1


def test_a_reused_event_id_is_not_a_copy(tmp_path: Path) -> None:
    """Client events may share an id (a client that sends every commit as "commit"), and
    a server event with another's id but other content is not its copy: no warning."""
    path = write_log(tmp_path / "a.jsonl", [
        {**session(), "event_id": "event_1"},
        {"type": "input_audio_buffer.commit", "event_id": "commit"},
        {"type": "input_audio_buffer.committed", "event_id": "event_2", "item_id": "u1"},
        {"type": "input_audio_buffer.commit", "event_id": "commit"},
        {"type": "input_audio_buffer.committed", "event_id": "event_2", "item_id": "u2"},
        {"type": "response.create", "event_id": "e"},
        {"type": "response.create", "event_id": "e"},
    ])  # fmt: skip
    assert not any("repeat" in w for w in both(path)["warnings"])


def test_one_copy_is_one_server_event(tmp_path: Path) -> None:
    done_line = {"type": "response.done", "event_id": "event_9", "response": {"id": "r1", "status": "completed"}}
    path = write_log(tmp_path / "a.jsonl", [{**session(), "event_id": "event_1"}, done_line, done_line])
    assert "1 server event (audio aside) repeats an event just before, event_id and all (first at line 3, a copy of line 2): " \
           "events logged twice (by a relay or recorder?) are counted twice here" in both(path)["warnings"]  # fmt: skip


def test_settings_a_log_never_states_are_unknown_not_off(tmp_path: Path) -> None:
    """Issue 19: without session events nothing says transcription was off or there was no
    turn detection; with them, a null is off."""
    events = [line for line in (EXAMPLES / "ga_session.jsonl").read_bytes().splitlines(keepends=True) if b'"session.' not in line]
    log = tmp_path / "cut.jsonl"
    log.write_bytes(b"".join(events))
    out = run_cli("summary", str(log)).stdout
    assert "transcription unknown · turn detection unknown" in out and "transcription off" not in out
    out = run_cli("summary", str(EXAMPLES / "ga_session.jsonl")).stdout
    assert "transcription whisper-1 · turn detection server_vad" in out


# --- the same error again and again is one row, with where it came ---------------------------------


def test_repeated_errors_are_one_row_with_their_lines(tmp_path: Path) -> None:
    def err(code: str, msg: str) -> dict[str, Any]:
        return {"type": "error", "error": {"type": "invalid_request_error", "code": code, "message": msg}}

    late = ("response_cancel_not_active", "Cancellation failed: no active response found")
    log = write_log(tmp_path / "s.jsonl", [session(), err(*late), audio("r1"), err("bad_item", "No such item"), err(*late),
                                           err(*late), err(*late), err(*late)])  # fmt: skip
    out = run_cli("summary", log).stdout
    rows = out[out.index("Errors and checks"):].split("\n\n")[0].splitlines()[1:]
    assert rows == [
        "error   5 × invalid_request_error · response_cancel_not_active: Cancellation",
        "        failed: no active response found (lines 2, 5, 6, … 8)",
        "error   line 4: invalid_request_error · bad_item: No such item",
    ]
    assert len(both(log)["errors"]) == 6  # --json keeps every one


# --- #19: folder totals — one file without a cost does not hide the others' ---------------------


def _folder(tmp_path: Path) -> Path:
    """Two priced logs, one without any response.done (no usage) and one of an unpriced model."""
    d = tmp_path / "calls"
    d.mkdir()
    for name in ("beta_session.jsonl", "ga_session.jsonl"):
        (d / name).write_bytes((EXAMPLES / name).read_bytes())
    ga = (EXAMPLES / "ga_session.jsonl").read_bytes().splitlines(keepends=True)
    (d / "nousage.jsonl").write_bytes(b"".join(x for x in ga if b'"type":"response.done"' not in x))
    (d / "unpriced.jsonl").write_bytes((EXAMPLES / "beta_session.jsonl").read_bytes().replace(b"gpt-4o-realtime-preview-2025-06-03", b"my-own-model"))
    return d


def test_folder_cost_is_a_lower_bound_naming_the_files_without_one(tmp_path: Path) -> None:
    d = _folder(tmp_path)
    one = {n: orjson_loads(run_cli("summary", d / n, "--json").stdout)["cost_usd"] for n in ("beta_session.jsonl", "ga_session.jsonl")}
    total = orjson_loads(run_cli("summary", d, "--json").stdout)["total"]
    assert total["cost_usd"] == pytest.approx(sum(one.values()), abs=1e-6)
    assert total["cost_is_lower_bound"] is True
    assert total["cost"]["files_without_cost"] == [str(d / "nousage.jsonl"), str(d / "unpriced.jsonl")]
    assert total["cost_responses_without_usage"] == 0  # (nousage's responses are in its file, not counted twice)
    notes = total["cost"]["notes"]
    assert f"{d / 'nousage.jsonl'}: no response carries usage (no response.done, or one without usage): cost unknown" in notes
    assert f"{d / 'unpriced.jsonl'}: no price for 'my-own-model': cost unknown (add it with --pricing FILE)" in notes
    assert "input transcription is billed separately and not included" in notes  # every file's note: once, plain
    out = run_cli("summary", d).stdout
    assert f"Cost ≥ ${total['cost_usd']:.4f} (2 files without a cost)" in out


def test_folder_totals_name_each_warning_s_files_once(tmp_path: Path) -> None:
    d = tmp_path / "calls"
    d.mkdir()
    log = [session(), {"type": "response.created", "response": {"id": "r1", "status": "in_progress"}}, audio("r1")]
    for name in ("a.jsonl", "b.jsonl", "c.jsonl"):
        write_log(d / name, log)
    single = orjson_loads(run_cli("summary", d / "a.jsonl", "--json").stdout)["warnings"]
    assert single  # a response without response.done
    total = orjson_loads(run_cli("summary", d, "--json").stdout)["total"]
    files = ", ".join(str(d / n) for n in ("a.jsonl", "b.jsonl", "c.jsonl"))
    assert total["warnings"] == [f"{w} (3 files: {files})" for w in single]
