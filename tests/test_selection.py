"""Selection core: predicates, the byte-level prefilter, --strip-audio, --since/--until."""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
from pathlib import Path

import orjson
import pytest
from conftest import corpus_files, needs_corpus, write_log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtlog import selection
from rtlog.errors import InputError, UsageError
from rtlog.io.reader import Diagnostics, Source, expand_sources, read_events
from rtlog.protocol.events import parse_line
from rtlog.protocol.payload import inspect_b64
from rtlog.selection import Bound, Selector, TypeGlobs, Where, strip_audio

B64 = base64.b64encode(bytes(range(256)) * 20).decode()  # 5120 bytes of "audio"


def run(path: Path | list[Path], **opts: object) -> tuple[list[int], list[str]]:
    """Line numbers selected, and the warnings given."""
    warnings: list[str] = []
    diag = Diagnostics(warn=warnings.append)
    paths = path if isinstance(path, list) else [path]
    max_count = opts.pop("max_count", None)
    sel = Selector(**opts)  # type: ignore[arg-type]
    lines = [ev.line_no for ev in selection.select(expand_sources([str(p) for p in paths]), sel, diag, max_count=max_count)]  # type: ignore[arg-type]
    diag.finish()
    return lines, warnings


def full_read(path: Path, **opts: object) -> tuple[list[bytes], list[str]]:
    """The reference: every line parsed by the reader, then matched (no prefilter)."""
    warnings: list[str] = []
    diag = Diagnostics(warn=warnings.append)
    sel = Selector(**opts)  # type: ignore[arg-type]
    src = expand_sources([str(path)])[0]
    sel.start(src.name)
    out = [ev.raw for ev in read_events(src, diag) if sel(ev)]
    diag.finish()
    return out, warnings


def prefiltered(path: Path, **opts: object) -> tuple[list[bytes], list[str]]:
    warnings: list[str] = []
    diag = Diagnostics(warn=warnings.append)
    sel = Selector(**opts)  # type: ignore[arg-type]
    assert sel.needles, "this test expects a prefilter"
    out = [ev.raw for ev in selection.select(expand_sources([str(path)]), sel, diag)]
    diag.finish()
    return out, warnings


# --- type globs and needles ----------------------------------------------------------------


def ev(obj: object, line_no: int = 1) -> object:
    return parse_line(orjson.dumps(obj) + b"\n", "t.jsonl", line_no)


def test_a_glob_matches_the_recorded_name_and_every_alias_of_it() -> None:
    beta = ev({"type": "response.audio.delta", "delta": ""})
    ga = ev({"type": "response.output_audio.delta", "delta": ""})
    for pattern in ("response.output_audio.delta", "response.audio.delta", "response.*audio.delta", "*.delta"):
        g = TypeGlobs([pattern])
        assert g(beta) and g(ga), pattern
    assert not TypeGlobs(["response.output_text.*"])(beta)
    assert TypeGlobs(["conversation.item.added"])(ev({"type": "conversation.item.created", "item": {}}))
    close = parse_line(b'{"kind":"close","code":1011}\n', "t", 1)
    assert TypeGlobs(["<close>"])(close) and TypeGlobs(["<*>"])(close) and not TypeGlobs(["close"])(close)


@pytest.mark.parametrize(
    ("patterns", "needles"),
    [
        (["response.done"], (b"response.done",)),
        (["response.*"], (b"response.",)),
        (["*.done"], (b".done",)),
        # (and its GPT-Live counterpart: an exact name selects it too)
        (["response.output_audio.delta"], (b"response.audio.delta", b"response.output_audio.delta", b"session.output_audio.delta")),
        (["conversation.item.added"], (b"conversation.item.added", b"conversation.item.created")),
        (["session.update"], (b"session.update",)),  # also finds transcription_session.update
        (["error", "response.done"], (b"error", b"response.done")),
        (["response.done", "e*"], None),  # "e" would pass most lines: not worth it
        (["*"], None),
        (["*close*"], None),  # could match the synthesised `<close>`, which is not in the bytes
        (["resp[aeiou]nse.done"], (b"resp",)),  # what follows a class is not used
        (["response.[od]*"], (b"response.",)),
    ],
)
def test_needles_of_type_globs(patterns: list[str], needles: tuple[bytes, ...] | None) -> None:
    got = TypeGlobs(patterns).needles()
    assert (sorted(got) if got else got) == (sorted(needles) if needles else needles)


def test_prefilter_is_off_when_every_event_is_needed() -> None:
    assert Selector(types=["response.done"]).needles == (b"response.done",)
    assert Selector(types=["response.done"], invert=True).needles is None
    assert Selector(types=["response.done"], turns=[1]).needles is None
    assert Selector(types=["response.done"], since="10s").needles is None
    assert Selector(types=["response.done"], since="line:10").needles == (b"response.done",)
    assert Selector(responses=["resp_123456"]).needles == (b"resp_123456",)
    assert Selector(items=["it"]).needles is None  # too short to find only its lines
    assert Selector(items=['a"b\\c1234']).needles is None  # would be escaped in JSON


# --- the prefilter selects exactly what a full read selects -----------------------------------


TRICKY = [
    {"type": "session.created", "session": {"instructions": 'say "response.done" and {"type":"response.done"}'}},
    {"type": "response.audio.delta", "response_id": "resp_1", "delta": B64},
    {"type": "response.done", "response": {"id": "resp_1", "status": "completed"}},
    {"type": "conversation.item.created", "item": {"id": "item_1", "content": [{"type": "input_text", "text": "response.done"}]}},
    {"type": "response.text.delta", "delta": "response.done"},
    {"time": "2025-01-01T00:00:01Z", "source": "server", "event": {"type": "response.done", "response": {"id": "resp_2"}}},
    {"event_type": "response.done", "event_data": {"response": {"id": "resp_3"}}},
    {"kind": "message", "direction": "received", "data": orjson.dumps({"type": "response.done", "response": {"id": "resp_4"}}).decode()},
    {"kind": "close", "code": 1000, "reason": "response.done"},
]


def test_the_needle_in_other_events_spaces_after_colons_and_envelopes(tmp_path: Path) -> None:
    spaced = [json.dumps(r, separators=(", ", ": ")).encode() for r in TRICKY]
    p = write_log(tmp_path / "t.jsonl", [*TRICKY, *spaced])
    lines, warnings = run(p, types=["response.done"])
    assert lines == [3, 6, 7, 8, 12, 15, 16, 17]
    assert warnings == []
    assert prefiltered(p, types=["response.done"]) == full_read(p, types=["response.done"])


def test_bad_lines_are_warned_as_by_a_full_read_even_where_the_prefilter_skips(tmp_path: Path) -> None:
    rows = [
        orjson.dumps(TRICKY[1]),
        b"2025-01-01 INFO connected",  # log text: not `{...}`
        b'{"type":"response.audio.delta","delta":"AAAA',  # truncated
        b"",  # blank: fine
        b'  {"type":"response.done","response":{"id":"r"}}  ',  # spaces around: still an event
        b'{"type":"response.done","response":',  # truncated, holds the needle
        b"[1, 2]",
        orjson.dumps(TRICKY[2]),
    ]
    p = tmp_path / "bad.jsonl"
    p.write_bytes(b"\n".join(rows) + b"\n" + b'{"type":"response.done"')  # last line cut, no newline
    got = prefiltered(p, types=["response.done"])
    assert got == full_read(p, types=["response.done"])
    assert [line.strip() for line in got[0]] == [rows[4].strip(), rows[7]]
    assert got[1] == [
        f"{p}:2: invalid JSON: unexpected content after document (column 5)",
        f"{p}:3: invalid JSON: unexpected control character in string (column 45)",
        f"{p}:6: invalid JSON: unexpected end of data (column 1)",
        f"{p}:7: not a JSON object (a JSON array)",
        f"{p}:9: incomplete last line, no newline at the end (log still being written?): invalid JSON: unexpected end of data (column 24)",
    ]


def test_what_the_prefilter_does_not_report(tmp_path: Path) -> None:
    """Documented trade-off: a line that looks like a whole object (`{` … `}`) but cannot
    match is skipped unparsed, so its inner defects are only reported by a full read."""
    p = write_log(tmp_path / "t.jsonl", [b'{"type":"ping",,}', b'{"no_type":1}', orjson.dumps(TRICKY[2])])
    assert prefiltered(p, types=["response.done"]) == ([orjson.dumps(TRICKY[2]) + b"\n"], [])
    assert full_read(p, types=["response.done"])[1] == [
        f"{p}:1: invalid JSON: unexpected character, expected a string key (column 16)",
        f"{p}:2: no event type",
    ]


def test_only_bad_lines_is_still_not_an_event_log(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_bytes(b"hello\nworld\n")
    with pytest.raises(InputError, match="no events found: not a JSONL event log"):
        run(p, types=["response.done"])


def test_bom_crlf_long_lines_and_gzip(tmp_path: Path) -> None:
    long_audio = {"type": "input_audio_buffer.append", "audio": base64.b64encode(b"\x01" * 300_000).decode()}
    body = b"\r\n".join(orjson.dumps(r) for r in [TRICKY[2], long_audio, TRICKY[2], long_audio, long_audio, TRICKY[5]]) + b"\r\n"
    p = tmp_path / "t.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + body)
    assert prefiltered(p, types=["response.done"]) == full_read(p, types=["response.done"])
    assert run(p, types=["response.done"]) == ([1, 3, 6], [])
    gz = tmp_path / "t.jsonl.gz"
    gz.write_bytes(gzip.compress(body))
    assert run(gz, types=["response.done"]) == ([1, 3, 6], [])
    assert run(gz, types=["input_audio_buffer.append"]) == ([2, 4, 5], [])


def test_prefilter_on_stdin_reads_what_is_there() -> None:
    body = b"".join(orjson.dumps(r) + b"\n" for r in TRICKY)
    diag = Diagnostics()
    evs = list(selection.prefiltered_events(Source("<stdin>", None), diag, [b"response.done"], stdin=io.BytesIO(body)))
    assert [e.line_no for e in evs] == [1, 3, 4, 5, 6, 7, 8, 9]  # candidates, before exact matching


RECORD_SHAPES = st.sampled_from(["bare", "time_source_event", "direction_data", "string_payload", "event_type"])
TYPES = [
    "response.done", "response.audio.delta", "response.output_audio.delta", "response.text.delta",
    "conversation.item.created", "conversation.item.added", "input_audio_buffer.append", "session.update",
    "transcription_session.update", "error", "response.created",
]  # fmt: skip


def _record(etype: str, shape: str, decoy: str) -> dict:
    event = {"type": etype, "event_id": "event_x", "note": decoy}
    if "audio" in etype:
        event["delta" if etype.startswith("response") else "audio"] = "AAAA"
    if shape == "bare":
        return event
    if shape == "time_source_event":
        return {"time": "2025-01-01T00:00:00Z", "source": "server", "event": event}
    if shape == "direction_data":
        return {"kind": "message", "direction": "received", "data": event}
    if shape == "string_payload":
        return {"event": orjson.dumps(event).decode()}
    del event["type"]
    return {"event_type": etype, "event_data": event}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(TYPES), RECORD_SHAPES, st.sampled_from(["", *TYPES]), st.booleans(), st.sampled_from(["ok", "blank", "cut", "text"])),
        max_size=25,
    ),
    pattern=st.sampled_from(["response.done", "response.output_audio.delta", "conversation.item.*", "*.delta", "session.update", "respon*"]),
    crlf=st.booleans(),
)
def test_prefilter_equals_full_read_for_any_log(tmp_path: Path, rows: list, pattern: str, crlf: bool) -> None:
    lines = []
    for etype, shape, decoy, spaced, health in rows:
        rec = _record(etype, shape, decoy)
        line = json.dumps(rec, separators=(", ", ": ")).encode() if spaced else orjson.dumps(rec)
        line = {"ok": line, "blank": b"  ", "cut": line[: len(line) // 2], "text": b"INFO " + line}[health]
        lines.append(line)
    p = tmp_path / "h.jsonl"
    end = b"\r\n" if crlf else b"\n"
    p.write_bytes(b"".join(line + end for line in lines))
    if Selector(types=[pattern]).needles is None:
        return
    assert outcome(prefiltered, p, types=[pattern]) == outcome(full_read, p, types=[pattern])


def outcome(how, *args, **kw):  # type: ignore[no-untyped-def]
    try:
        return how(*args, **kw)
    except InputError as exc:
        return str(exc)


@needs_corpus
@pytest.mark.parametrize("flavour", ["derived", "wrapped"])
def test_prefilter_equals_full_read_on_the_real_recordings(flavour: str) -> None:
    for path in corpus_files(flavour):
        for pattern in ("response.done", "response.output_audio.delta", "conversation.item.added", "response.*", "*.done"):
            assert prefiltered(path, types=[pattern]) == full_read(path, types=[pattern]), (path.name, pattern)


# --- ids, --where, --grep ---------------------------------------------------------------------


ID_EVENTS = [
    {"type": "response.created", "response": {"id": "resp_A", "status": "in_progress"}},
    {"type": "response.output_item.added", "response_id": "resp_A", "item": {"id": "item_B", "type": "function_call", "call_id": "call_C"}},
    {"type": "response.function_call_arguments.done", "response_id": "resp_A", "item_id": "item_B", "call_id": "call_C", "arguments": "{}"},
    {"type": "response.done", "response": {"id": "resp_A", "status": "completed", "output": [{"id": "item_B", "call_id": "call_C"}]}},
    {"type": "conversation.item.create", "item": {"type": "function_call_output", "call_id": "call_C", "output": "sunny"}},
    {"type": "conversation.item.added", "previous_item_id": "item_B", "item": {"id": "item_D", "call_id": "call_C"}},
    {"type": "response.create", "response": {"instructions": "resp_A"}},
    {"type": "error", "error": {"code": "bad", "message": "item_B is bad", "event_id": "e1"}},
]


def test_ids_are_found_wherever_they_appear(tmp_path: Path) -> None:
    p = write_log(tmp_path / "ids.jsonl", ID_EVENTS)
    assert run(p, responses=["resp_A"]) == ([1, 2, 3, 4], [])
    assert run(p, items=["item_B"]) == ([2, 3, 4, 6], [])
    assert run(p, calls=["call_C"]) == ([2, 3, 4, 5, 6], [])
    assert run(p, items=["item_B", "item_D"], responses=["resp_A"]) == ([2, 3, 4], [])  # AND across, OR within
    assert run(p, items=["item_B"], invert=True) == ([1, 5, 7, 8], [])


@pytest.mark.parametrize(
    ("where", "lines"),
    [
        ("response.status=completed", [4]),
        ("response.status~^in_", [1]),
        ("item.type=function_call_output", [5]),
        ("error.code", [8]),
        ("response.output.0.call_id=call_C", [4]),
        ("response.output.-1.id~B$", [4]),
        ("response.output.1.id", []),
        ("arguments={}", [3]),
        ("n=2", [9]),
        ("n=2.0", [9]),
        ("n=2e0", [9]),
        ("n~^2$", [9]),
        ("s=2", [10]),
        ("flag=true", [9]),
        ("nothing=null", [10]),
        ("nothing", []),
        ("flag", [9]),
    ],
)
def test_where(tmp_path: Path, where: str, lines: list[int]) -> None:
    p = write_log(tmp_path / "w.jsonl", [*ID_EVENTS, {"type": "x", "n": 2, "flag": True}, {"type": "x", "s": "2", "nothing": None}])
    assert run(p, wheres=[where]) == (lines, [])


@pytest.mark.parametrize("bad", ["", "=x", "a..b=1", ".a", "a~("])
def test_bad_where_is_a_usage_error(bad: str) -> None:
    with pytest.raises(UsageError, match="--where"):
        Where.parse(bad)


def test_grep_searches_the_text_but_not_the_audio(tmp_path: Path) -> None:
    rows = [
        {"type": "response.audio.delta", "delta": B64},
        {"type": "input_audio_buffer.append", "audio": B64},
        {"type": "response.audio_transcript.delta", "delta": "Hello there"},
        {"time": 1, "source": "client", "event": orjson.dumps({"type": "conversation.item.create", "item": {"role": "user"}}).decode()},
    ]
    p = write_log(tmp_path / "g.jsonl", rows)
    assert run(p, greps=[B64[100:120]]) == ([], [])
    assert run(p, greps=["AAEC"]) == ([], [])  # the start of every payload
    assert run(p, greps=["Hello", "nothing"]) == ([3], [])
    assert run(p, greps=['"role":"user"']) == ([4], [])  # the event as compact JSON, though the line escapes it
    assert run(p, greps=['\\\\"role']) == ([4], [])  # the line as recorded
    assert run(p, greps=[r'"delta":"\[trimmed: 5120 bytes\]"']) == ([1], [])  # as --strip-audio writes it
    with pytest.raises(UsageError, match=r"^--grep '\(': bad regular expression"):
        Selector(greps=["ok", "("])


# --- --since / --until / --turn ---------------------------------------------------------------------


def test_bound_parsing() -> None:
    assert Bound.parse("90s", "--since") == Bound("offset", 90)
    assert Bound.parse("2m30s", "--since") == Bound("offset", 150)
    assert Bound.parse("12.5", "--since") == Bound("offset", 12.5)
    assert Bound.parse("line:120", "--since") == Bound("line", 120)
    assert Bound.parse("2025-01-01T00:00:10Z", "--since") == Bound("time", 1735689610.0)
    for bad in ("line:x", "soon", "-5s"):
        with pytest.raises(UsageError, match=f"^--until {bad!r}: "):
            Bound.parse(bad, "--until")


TIMED = [
    {"type": "session.created", "timestamp": "2025-01-01T00:00:00Z"},
    {"type": "response.create"},  # no timestamp: at 0 s, like the event before it
    {"type": "response.created", "timestamp": "2025-01-01T00:00:30Z"},
    {"type": "response.done", "timestamp": "2025-01-01T00:01:30Z"},
    {"type": "response.create"},  # at 90 s
    {"type": "response.done", "timestamp": "2025-01-01T00:02:30Z"},
]


@pytest.mark.parametrize(
    ("since", "until", "lines"),
    [
        ("30s", None, [3, 4, 5, 6]),
        ("31s", None, [4, 5, 6]),
        (None, "1m30s", [1, 2, 3, 4, 5]),
        ("1m", "2m", [4, 5]),
        ("2025-01-01T00:01:30Z", None, [4, 5, 6]),
        ("2025-01-01T00:01:30", "2025-01-01T00:02:00+00:00", [4, 5]),
        ("line:2", "line:3", [2, 3]),
        ("0s", None, [1, 2, 3, 4, 5, 6]),
    ],
)
def test_since_until(tmp_path: Path, since: str | None, until: str | None, lines: list[int]) -> None:
    p = write_log(tmp_path / "t.jsonl", TIMED)
    assert run(p, since=since, until=until) == (lines, [])


def test_time_offsets_are_per_log(tmp_path: Path) -> None:
    a = write_log(tmp_path / "a.jsonl", TIMED)
    later = [{**e, "timestamp": e["timestamp"].replace("T00:", "T05:")} if "timestamp" in e else e for e in TIMED]
    b = write_log(tmp_path / "b.jsonl", later)
    assert run([a, b], since="2m") == ([6, 6], [])


def test_time_bounds_on_a_log_without_timestamps_are_an_error(tmp_path: Path) -> None:
    p = write_log(tmp_path / "t.jsonl", [{"type": "response.done"}])
    with pytest.raises(InputError, match=r"t\.jsonl: the log has no timestamps, so --since/--until can only be used as line:N$"):
        run(p, since="10s")
    assert run(p, since="line:1") == ([1], [])


def test_until_a_line_stops_reading(tmp_path: Path) -> None:
    p = tmp_path / "t.jsonl"
    p.write_bytes(orjson.dumps(TIMED[0]) + b"\n" + b"garbage\n")
    assert run(p, until="line:1") == ([1], [])  # the bad line 2 is never read
    assert run(p, until="line:1", invert=True) == ([], [f"{p}:2: invalid JSON: unexpected character, expected a JSON value (column 1)"])


def test_turns_are_the_users_and_their_responses(tmp_path: Path) -> None:
    rows = [
        {"type": "session.created", "session": {}},
        {"type": "input_audio_buffer.speech_started", "item_id": "u1", "audio_start_ms": 0},
        {"type": "input_audio_buffer.committed", "item_id": "u1"},
        {"type": "response.created", "response": {"id": "r1"}},
        {"type": "input_audio_buffer.speech_started", "item_id": "u2", "audio_start_ms": 900},
        {"type": "conversation.item.input_audio_transcription.completed", "item_id": "u1", "transcript": "hi"},
        {"type": "response.done", "response": {"id": "r1", "status": "cancelled"}},
        {"type": "input_audio_buffer.committed", "item_id": "u2"},
    ]
    p = write_log(tmp_path / "t.jsonl", rows)
    assert run(p, turns=[1]) == ([2, 3, 4, 6, 7], [])
    assert run(p, turns=[0, 2]) == ([1, 5, 8], [])
    assert run(p, turns=[1], types=["response.*"]) == ([4, 7], [])


def test_max_count_stops_after_n(tmp_path: Path) -> None:
    p = write_log(tmp_path / "t.jsonl", TIMED)
    assert run(p, types=["response.*"], max_count=2) == ([2, 3], [])
    assert run(p, max_count=0) == ([], [])


# --- --strip-audio ---------------------------------------------------------------------------


def test_strip_audio_splices_the_payload_out_and_keeps_every_other_byte() -> None:
    raw = b'{"type": "response.audio.delta",  "response_id":"r1", "delta": "' + B64.encode() + b'", "z": 1}\r\n'
    e = parse_line(raw, "t", 1)
    out = strip_audio(e)
    assert out == raw.replace(B64.encode(), b"[trimmed: 5120 bytes]")
    again = parse_line(out, "t", 1)
    assert again.audio_info() == inspect_b64("[trimmed: 5120 bytes]")
    assert again.audio_info().nbytes == 5120 and again.audio_info().problem == "placeholder"


def test_strip_audio_in_envelopes_and_item_content() -> None:
    inner = orjson.dumps({"type": "input_audio_buffer.append", "audio": B64}).decode()
    raw = orjson.dumps({"time": "2025-01-01T00:00:00Z", "source": "client", "event": inner}) + b"\n"
    out = strip_audio(parse_line(raw, "t", 1))
    assert out == raw.replace(B64.encode(), b"[trimmed: 5120 bytes]")
    item = {"type": "conversation.item.create", "item": {"type": "message", "role": "user", "content": [{"type": "input_audio", "audio": B64}]}}
    raw = orjson.dumps({"kind": "message", "direction": "sent", "data": item}) + b"\n"
    assert strip_audio(parse_line(raw, "t", 1)) == raw.replace(B64.encode(), b"[trimmed: 5120 bytes]")


def test_strip_audio_reserialises_when_the_payload_is_not_in_the_line_as_is() -> None:
    b64 = base64.b64encode(b"\xff\xff\xfe" * 400).decode()  # has '/', which some writers escape
    raw = b'{"type":"response.audio.delta", "delta":"' + b64.replace("/", "\\/").encode() + b'"}\n'
    out = strip_audio(parse_line(raw, "t", 1))
    assert out == b'{"type":"response.audio.delta","delta":"[trimmed: 1200 bytes]"}\n'
    twice = b'{"type":"response.audio.delta","delta":"AAAA","echo":"AAAA"}\n'
    assert strip_audio(parse_line(twice, "t", 1)) == b'{"type":"response.audio.delta","delta":"[trimmed: 3 bytes]","echo":"AAAA"}\n'


def test_strip_audio_leaves_invalid_payloads_placeholders_and_other_events() -> None:
    for raw in (
        b'{"type":"response.audio.delta","delta":"not base64!"}\n',
        b'{"type":"response.audio.delta","delta":"[trimmed: 10 bytes]"}\n',
        b'{"type":"response.audio.delta","delta":""}\n',
        b'{"type":"response.done","response":{"id":"r"}}',
    ):
        assert strip_audio(parse_line(raw, "t", 1)) == raw


def test_write_lines_terminates_every_line(tmp_path: Path) -> None:
    p = tmp_path / "t.jsonl"
    p.write_bytes(b'{"type":"a"}\r\n{"type":"b"}')
    out = io.BytesIO()
    n = selection.write_lines(read_events(expand_sources([str(p)])[0], Diagnostics()), out)
    assert (n, out.getvalue()) == (2, b'{"type":"a"}\r\n{"type":"b"}\n')


# --- the prefilter on several processes -------------------------------------------------------


def test_prefilter_parts_give_the_single_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A log cut into 20 kB parts searched by 3 workers: the same candidate events (lines,
    line numbers, bytes) and the same warnings as one process, bad lines, a BOM and a last
    line without its newline included; a worker that fails leaves its parts to the main
    process."""
    from conftest import generated_log

    import rtlog.io.parts as parts_module

    lines = generated_log("beta", "none", seed=21)[0].splitlines(keepends=True)
    n = len(lines)
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    for at, bad in ((n // 5, b"log text\n"), (n // 2, b'{"type":"response.done"\n'), (n * 4 // 5, b"\n")):
        lines.insert(at, bad)
    lines.append(b'{"type":"response.done","response":{"id":"r_last"}}')
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"".join(lines))
    needles = TypeGlobs(["response.done"]).needles()
    assert needles

    def run(jobs: int) -> tuple[list[tuple[int, bytes]], list[str]]:
        messages: list[str] = []
        diag = Diagnostics(warn=messages.append)
        (src,) = expand_sources([str(path)])
        got = [(ev.line_no, ev.raw) for ev in selection.prefiltered_events(src, diag, needles, jobs=jobs)]
        return got, messages

    want = run(1)
    assert len(want[0]) == 5 and want[0][-1][1].endswith(b'"r_last"}}') and len(want[1]) == 2  # the blank line is fine
    monkeypatch.setattr(parts_module, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(parts_module, "SPLIT_PART_BYTES", 20_000)
    with open(path, "rb") as f:
        scans = parts_module.start_parts(f, 4)
        assert scans is not None and len(scans.children) == 3 and len(scans.starts) > 6
        scans.close()
    assert run(4) == want

    def broken(*args: object) -> object:
        raise RuntimeError("worker failed")

    monkeypatch.setattr(selection, "_scan_part", broken)  # the forked workers inherit it
    assert run(4) == want


def test_since_and_until_at_the_printed_offset_take_that_event(tmp_path: Path) -> None:
    """1767225604.093 - 1767225600.125 is 3.9679999… as floats: the event rtlog prints at
    +0:03.968 must be in `--since 3.968s --until 3.968s` (offsets compare in whole ms)."""
    p = write_log(tmp_path / "t.jsonl", [
        {"type": "session.created", "timestamp": 1767225600.125},
        {"type": "response.created", "timestamp": 1767225604.093},
        {"type": "response.done", "timestamp": 1767225604.094},
    ])  # fmt: skip
    assert 1767225604.093 - 1767225600.125 < 3.968
    assert run(p, since="3.968s", until="3.968s") == ([2], [])
    assert run(p, since="+0:03.968", until="0:03.968") == ([2], [])
    assert run(p, since="+0:00:03.969") == ([3], [])


def test_the_offsets_rtlog_prints_are_accepted() -> None:
    assert Bound.parse("+0:15.002", "--since") == Bound("offset", 15.002)
    assert Bound.parse("0:13.6", "--since") == Bound("offset", 13.6)
    assert Bound.parse("+1:02:03.5", "--since") == Bound("offset", 3723.5)
    assert Bound.parse("10:00:05", "--since") == Bound("clock", 36005.0)  # no `+`: a time of day


@pytest.mark.parametrize("bad", ["10:00:99", "25:00:00", "12:60:00 PM", "0:75", "+1:60:00"])
def test_impossible_times_are_refused(bad: str) -> None:
    with pytest.raises(UsageError, match=f"^--until {re.escape(repr(bad))}: expected "):
        Bound.parse(bad, "--until")


def test_double_equals_in_where_is_equals() -> None:
    assert Where.parse("a==b") == Where.parse("a=b") == Where(("a",), "=", "b")
    assert Where.parse("response.status == completed") == Where(("response", "status"), "=", "completed")
