"""filter's block prefilter against the full parser: for any log and any type or id
selection, searching blocks for the needle and parsing only the lines that hold it selects
exactly the lines (bytes, line numbers) and gives exactly the warnings that parsing every
line gives — whatever the buffer size, so lines cut by a read, lines longer than the
buffer and a last line without its newline are all covered."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtlog import selection
from rtlog.io.reader import Diagnostics, Source, expand_sources, read_events
from rtlog.selection import Selector

TYPES = ["response.done", "response.audio.delta", "response.output_item.added", "conversation.item.created",
         "conversation.item.added", "error", "session.update", "response.created"]  # fmt: skip
IDS = ["resp_0042", "item_0042", "call_0042", "resp_0043"]
#: a base64 payload that contains an id's bytes (ids are base64 characters too)
PAYLOAD = base64.b64encode(b"\x00" * 30).decode() + "item0042resp0042" + base64.b64encode(b"\x01" * 30).decode()


def _event(etype: str, rid: str, iid: str, cid: str, decoy: str) -> dict:
    ev: dict = {"type": etype, "event_id": "event_1", "note": decoy}
    if etype == "response.audio.delta":
        ev.update(response_id=rid, item_id=iid, delta=PAYLOAD)
    elif etype.startswith("response.") and etype != "response.output_item.added":
        ev["response"] = {"id": rid, "status": "completed", "output": [{"id": iid, "call_id": cid}]}
    else:
        ev["item"] = {"id": iid, "type": "function_call", "call_id": cid}
        ev["previous_item_id"] = iid
    return ev


def _line(ev: dict, shape: str, spaced: bool) -> bytes:
    rec: object = ev
    if shape == "time_source":
        rec = {"time": "2025-01-01T00:00:00Z", "source": "server", "event": ev}
    elif shape == "direction_data":
        rec = {"direction": "received", "data": ev}
    elif shape == "string_event":  # the event as a JSON string: its quotes escaped
        rec = {"kind": "message", "direction": "received", "data": orjson.dumps(ev).decode()}
    if spaced:
        import json

        return json.dumps(rec, separators=(", ", ": ")).encode()
    return orjson.dumps(rec)


DECOYS = st.sampled_from([
    "", "response.done", '{"type":"response.done"}', "resp_0042", "said item_0042 twice: item_0042",
    "response\\u002edone",  # escaped in the line: the needle's bytes are not there
])  # fmt: skip
ROWS = st.lists(
    st.tuples(
        st.sampled_from(TYPES), st.sampled_from(IDS), st.sampled_from(IDS), st.sampled_from(IDS), DECOYS,
        st.sampled_from(["bare", "time_source", "direction_data", "string_event"]), st.booleans(),
        st.sampled_from(["ok", "ok", "ok", "blank", "cut", "text", "escaped_decoy"]),
    ),
    max_size=20,
)
SELECTIONS = st.sampled_from([
    {"types": ["response.done"]}, {"types": ["response.*"]}, {"types": ["*.added"]},
    {"types": ["conversation.item.added"]}, {"types": ["error", "session.update"]},
    {"responses": ["resp_0042"]}, {"items": ["item_0042"]}, {"calls": ["call_0042"]},
    {"items": ["item_0042", "resp_0043"]}, {"types": ["response.*"], "responses": ["resp_0043"]},
])  # fmt: skip


def _log(rows: list, crlf: bool, last_newline: bool) -> bytes:
    lines = []
    for etype, rid, iid, cid, decoy, shape, spaced, health in rows:
        line = _line(_event(etype, rid, iid, cid, decoy), shape, spaced)
        if health == "escaped_decoy":  # the decoy's text escaped by the writer, as JSON allows
            line = line.replace(b'"note":"response.done"', b'"note":"response\\u002edone"')
        # (a cut line that still ends in `}` is the prefilter's documented trade-off: not
        # reported where it cannot match, unless it is the last line; test_selection shows it)
        cut = line[: len(line) // 2].rstrip(b"}")
        line = {"blank": b"  ", "cut": cut, "text": b"INFO " + line}.get(health, line)
        lines.append(line)
    end = b"\r\n" if crlf else b"\n"
    body = b"".join(line + end for line in lines)
    return body if last_newline or not body else body[: -len(end)]


def _full(path: Path, opts: dict) -> tuple[list[tuple[int, bytes]], list[str]]:
    warnings: list[str] = []
    diag = Diagnostics(warn=warnings.append)
    sel = Selector(**opts)
    (src,) = expand_sources([str(path)])
    sel.start(src.name)
    try:
        got = [(e.line_no, e.raw) for e in read_events(src, diag) if sel(e)]
        diag.finish()
    except Exception as exc:  # noqa: BLE001 - the same error either way
        return [], [repr(exc)]
    return got, warnings


def _prefiltered(path: Path | None, opts: dict, body: bytes = b"") -> tuple[list[tuple[int, bytes]], list[str]]:
    warnings: list[str] = []
    diag = Diagnostics(warn=warnings.append)
    sel = Selector(**opts)
    assert sel.needles, "the prefilter is on for these selections"
    srcs = expand_sources([str(path)]) if path is not None else [Source("<stdin>", None)]
    try:
        got = [(e.line_no, e.raw) for e in selection.select(srcs, sel, diag, stdin=io.BytesIO(body), jobs=1)]
        diag.finish()
    except Exception as exc:  # noqa: BLE001
        return [], [repr(exc)]
    return got, [w.replace("<stdin>", str(path)) for w in warnings] if path is None else warnings


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, opts=SELECTIONS, crlf=st.booleans(), last_newline=st.booleans(),
       block=st.sampled_from([64, 200, 1000, 1 << 20]))  # fmt: skip
def test_prefilter_selects_what_parsing_every_line_selects(
    tmp_path: Path, rows: list, opts: dict, crlf: bool, last_newline: bool, block: int
) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(_log(rows, crlf, last_newline))
    want = _full(path, opts)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(selection, "BLOCK", block)
        assert _prefiltered(path, opts) == want


class _Trickle(io.RawIOBase):
    """A pipe that gives a few bytes at a time (a read never fills the buffer)."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.at, self.step = data, 0, step

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(b), self.step, len(self.data) - self.at)
        b[:n] = self.data[self.at : self.at + n]
        self.at += n
        return n


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, opts=SELECTIONS, step=st.integers(1, 700))
def test_prefilter_on_a_pipe_that_trickles(tmp_path: Path, rows: list, opts: dict, step: int) -> None:
    body = _log(rows, False, True)
    path = tmp_path / "p.jsonl"
    path.write_bytes(body)
    want = _full(path, opts)
    warnings: list[str] = []
    diag = Diagnostics(warn=warnings.append)
    sel = Selector(**opts)
    pipe = io.BufferedReader(_Trickle(body, step), 4096)
    try:
        got = [(e.line_no, e.raw) for e in selection.select([Source("<stdin>", None)], sel, diag, stdin=pipe, jobs=1)]
        diag.finish()
        result = (got, [w.replace("<stdin>", str(path)) for w in warnings])
    except Exception as exc:  # noqa: BLE001
        result = ([], [repr(exc).replace("<stdin>", str(path))])
    assert result == want


def test_a_line_longer_than_the_buffer_between_candidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 3-buffer line (no needle), then a candidate whose start shares the long line's last
    read, then a long candidate: line numbers and bytes as the full read has them."""
    long_plain = orjson.dumps({"type": "input_audio_buffer.append", "audio": "A" * 2500})
    long_hit = orjson.dumps({"type": "response.done", "response": {"id": "r", "note": "B" * 2500}})
    short_hit = orjson.dumps({"type": "response.done", "response": {"id": "s"}})
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"\n".join([short_hit, long_plain, short_hit, long_hit, long_plain, short_hit]) + b"\n")
    monkeypatch.setattr(selection, "BLOCK", 1000)
    got = _prefiltered(path, {"types": ["response.done"]})
    assert got == _full(path, {"types": ["response.done"]})
    assert [n for n, _ in got[0]] == [1, 3, 4, 6] and got[0][2][1] == long_hit + b"\n" and got[1] == []


def test_a_cut_last_line_is_reported_even_when_it_ends_in_a_brace(tmp_path: Path) -> None:
    """Mid-file, a line that looks whole (`{` … `}`) and cannot match is skipped unparsed;
    the last line without its newline is always parsed, so a log cut while being written
    says so as a full read does."""
    ok = orjson.dumps({"type": "response.done", "response": {"id": "r"}})
    cut = b'{"type":"input_audio_buffer.append","audio":{}'
    path = tmp_path / "cut.jsonl"
    path.write_bytes(ok + b"\n" + cut)
    got = _prefiltered(path, {"types": ["response.done"]})
    assert got == _full(path, {"types": ["response.done"]})
    assert got[1] == [f"{path}:2: incomplete last line, no newline at the end (log still being written?): "
                      "invalid JSON: unexpected end of data (column 47)"]  # fmt: skip


def test_a_line_over_the_limit_is_skipped_and_reading_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A line over RTLOG_MAX_LINE_BYTES is read past in bounded memory, reported, and the
    lines after it (in the same read as its end, and after) are searched as usual."""
    import rtlog.io.reader as reader

    hit = orjson.dumps({"type": "response.done", "response": {"id": "r"}})
    huge = orjson.dumps({"type": "input_audio_buffer.append", "audio": "A" * 5000})
    path = tmp_path / "huge.jsonl"
    path.write_bytes(b"\n".join([hit, huge, hit, huge, hit]) + b"\n")
    monkeypatch.setattr(selection, "BLOCK", 256)
    monkeypatch.setattr(selection, "MAX_LINE_BYTES", 1000)
    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 1000)
    got, warnings = _prefiltered(path, {"types": ["response.done"]})
    assert [n for n, _ in got] == [1, 3, 5] and all(raw == hit + b"\n" for _, raw in got)
    assert warnings == [f"{path}:{n}: a line of {len(huge) + 1:,} bytes, over the limit of 1,000 (RTLOG_MAX_LINE_BYTES): skipped"
                        for n in (2, 4)]  # fmt: skip
