"""`rtlog filter`: --strict with the prefilter, --since as a time of day, --where operators,
and the pretty view's type column (review findings 6, 12, 13, 24)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli, write_log

from rtlog.protocol.events import parse_line
from rtlog.protocol.timestamps import parse_timestamp

GA = EXAMPLES / "ga_session.jsonl"
BETA = EXAMPLES / "beta_session.jsonl"


def events(log: Path) -> list[tuple[bytes, dict]]:
    out = []
    for line in log.read_bytes().splitlines(keepends=True):
        obj = json.loads(line)
        out.append((line, obj.get("event") or obj.get("data") or obj))
    return out


# --- #6: --strict parses every line, whatever the selection ----------------------------------------


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (b'{"type": oops}', "invalid JSON: unexpected character, expected a JSON value (column 10)"),
        (b'{"foo":1}', "no event type"),
    ],
)
@pytest.mark.parametrize("selection", [["-t", "response.done"], ["--response", "resp_0001"], []])
def test_strict_is_fatal_at_the_first_bad_line_with_any_selection(
    tmp_path: Path, bad: bytes, reason: str, selection: list[str]
) -> None:
    log = write_log(tmp_path / "s.jsonl", [
        {"type": "session.created", "session": {"id": "sess_0001"}},
        bad,
        {"type": "response.done", "response": {"id": "resp_0001", "status": "completed"}},
    ])  # fmt: skip
    r = run_cli("filter", log, *selection, "--strict", exit_code=2, stderr=None)
    assert r.stderr == f"rtlog: error: {log}:2: {reason}\n"


# --- #12: a time of day on a dated log ----------------------------------------------------------------


def _times(log: Path) -> list[float | None]:
    """Each line's time for --since/--until: its timestamp, else the last one before it."""
    out: list[float | None] = []
    last = None
    for i, (line, _) in enumerate(events(log), 1):
        ts = parse_line(line, "x", i).timestamp
        last = ts if ts is not None else last
        out.append(last)
    return out


@pytest.mark.parametrize(("since", "until"), [("10:00:10", None), ("10:00:05.5", "10:00:12"), (None, "10:00:03")])
def test_time_of_day_is_placed_on_the_logs_date(since: str | None, until: str | None) -> None:
    day = "2026-11-20T"  # the date of the first timestamp in ga_session.jsonl
    lo = parse_timestamp(day + since + "Z") if since else -1.0
    hi = parse_timestamp(day + until + "Z") if until else float("inf")
    want = b"".join(
        line for (line, _), t in zip(events(GA), _times(GA)) if t is not None and lo <= t <= hi
    )  # fmt: skip
    args = [*(["--since", since] if since else []), *(["--until", until] if until else [])]
    r = run_cli("filter", GA, *args)
    assert r.stdout_bytes == want
    assert 0 < want.count(b"\n") < len(events(GA))  # a real cut, not everything
    iso = [*(["--since", day + since + "Z"] if since else []), *(["--until", day + until + "Z"] if until else [])]
    assert run_cli("filter", GA, *iso).stdout_bytes == want


def test_time_of_day_uses_the_utc_date_of_the_first_timestamp(tmp_path: Path) -> None:
    log = write_log(tmp_path / "t.jsonl", [
        {"type": "session.created", "timestamp": "2025-03-01T23:59:58Z", "session": {"id": "s"}},
        {"type": "response.created", "timestamp": "2025-03-02T00:00:02Z", "response": {"id": "r"}},
        {"type": "response.done", "timestamp": "2025-03-02T00:00:05Z", "response": {"id": "r"}},
    ])  # fmt: skip
    assert run_cli("filter", log, "--since", "23:59:59", "-c").stdout == "2\n"
    assert run_cli("filter", log, "--since", "00:00:03", "-c").stdout == "3\n"  # 2025-03-01 00:00:03: all


def test_time_of_day_on_a_time_of_day_log_and_a_date_on_it(tmp_path: Path) -> None:
    log = write_log(tmp_path / "tod.jsonl", [
        {"type": "session.created", "timestamp": "10:00:00", "session": {"id": "s"}},
        {"type": "response.created", "timestamp": "10:00:05", "response": {"id": "r"}},
        {"type": "response.done", "timestamp": "10:00:09", "response": {"id": "r"}},
    ])  # fmt: skip
    assert run_cli("filter", log, "--since", "10:00:04", "--until", "10:00:06", "-c").stdout == "1\n"
    r = run_cli("filter", log, "--since", "2025-01-01T10:00:04Z", exit_code=2, stderr=None)
    assert r.stderr == (
        f"rtlog: error: {log}: --since '2025-01-01T10:00:04Z': the log's timestamps are times of day "
        "without a date; give a time of day (10:00:05) or an offset (90s)\n"
    )


# --- #13: --where operators ----------------------------------------------------------------------------


def _dig(d: object, path: str) -> object:
    for seg in path.split("."):
        if not isinstance(d, dict) or seg not in d:
            return KeyError
        d = d[seg]
    return d


@pytest.mark.parametrize(
    ("where", "keep"),
    [
        ("response.usage.total_tokens>100", lambda v: type(v) is int and v > 100),
        ("response.usage.total_tokens >= 255", lambda v: type(v) is int and v >= 255),
        ("response.usage.total_tokens<255", lambda v: type(v) is int and v < 255),
        ("response.usage.total_tokens<=1e3", lambda v: type(v) is int and v <= 1000),
        ("item.role!=user", lambda v: v is not KeyError and v != "user"),
        ("item.role != user", lambda v: v is not KeyError and v != "user"),
        ("response.status = cancelled", lambda v: v == "cancelled"),
        ("response.status=cancelled", lambda v: v == "cancelled"),
        ("item.role !~ ^u", lambda v: isinstance(v, str) and not v.startswith("u")),
    ],
)
def test_where_operators_select_exactly(where: str, keep) -> None:  # type: ignore[no-untyped-def]
    path = where.split("!")[0].split("=")[0].split(">")[0].split("<")[0].split("~")[0].strip()
    want = b"".join(line for line, ev in events(BETA) if keep(_dig(ev, path)))
    assert want  # each case selects something
    r = run_cli("filter", BETA, "--where", where)
    assert r.stdout_bytes == want


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("x>abc", "--where 'x>abc': > compares numbers, and 'abc' is not a number"),
        ("x<=", "--where 'x<=': <= compares numbers, and '' is not a number"),
        (
            "a b=1",
            "--where 'a b=1': expected PATH=VALUE, PATH!=VALUE, PATH~REGEX, PATH!~REGEX, PATH>N, PATH>=N, "
            "PATH<N, PATH<=N, or PATH alone (present, not null), with a dotted PATH such as response.status",
        ),
        (
            "response status",
            "--where 'response status': expected PATH=VALUE, PATH!=VALUE, PATH~REGEX, PATH!~REGEX, "
            "PATH>N, PATH>=N, PATH<N, PATH<=N, or PATH alone (present, not null), with a dotted PATH such as response.status",
        ),
        ("x!~(", "--where 'x!~(': bad regular expression: missing ), unterminated subpattern at position 0"),
    ],
)
def test_where_rejects_what_it_cannot_do(where: str, message: str) -> None:
    r = run_cli("filter", BETA, "--where", where, exit_code=2, stderr=None)
    assert (r.stdout, r.stderr) == ("", f"rtlog: error: {message}\n")


def test_where_grammar_is_in_the_help() -> None:
    out = " ".join(run_cli("filter", "--help").stdout.split())
    for op in ("PATH!=VALUE", "PATH>=N", "PATH<=N", "PATH!~REGEX", "Spaces around the operator"):
        assert op in out.replace("│ ", "")


# --- #24: the type column ----------------------------------------------------------------------------------


def test_fit_type_keeps_both_ends() -> None:
    from rtlog.commands.filter import fit_type

    assert fit_type("response.done", 38) == "response.done"  # (the view pads, outside the name's style)
    assert fit_type("response.output_audio_transcript.delta", 38) == "response.output_audio_transcript.delta"
    long = fit_type("conversation.item.input_audio_transcription.delta", 38)
    assert long == "conversation.item.i…ranscription.delta"
    assert len(long) == 38


@pytest.mark.parametrize("columns", [120, 80, 60])
def test_pretty_ids_line_up_and_lines_fit(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    from rtlog.commands.filter import PrettyView

    monkeypatch.setenv("COLUMNS", str(columns))
    out = run_cli("filter", GA, "--format", "pretty", "--turn", "3", "-x", "*append", "-x", "*audio.delta").stdout
    lines = out.splitlines()
    assert len(lines) > 20
    assert max(len(x) for x in lines) <= columns
    type_end = 18 + PrettyView(columns).type_width  # "  348 +0:11.471 ← " is 18 wide
    assert all(x[type_end] == " " for x in lines if len(x) > type_end)  # the column holds every type
    with_ids = [x for x in lines if len(x) > type_end + 1 and x[type_end + 1] == "…"]
    assert len(with_ids) > 15  # ids start in the same column on every line that has one
    assert any(x[18:].startswith("conversation") and "…" in x[18:type_end] for x in lines)  # a long type, abbreviated
