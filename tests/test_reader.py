"""The streaming reader: inputs, compression, bad lines, strictness, following."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import threading
import time
from pathlib import Path

import orjson
import pytest

from rtlog.errors import InputError
from rtlog.io.reader import Diagnostics, Source, expand_sources, iter_events, read_events

EVENTS = [
    {"type": "session.created", "event_id": "event_1", "session": {"id": "sess_1"}},
    {"type": "response.create"},
    {"type": "response.done", "event_id": "event_2", "response": {"id": "resp_1", "status": "completed"}},
]
BODY = b"".join(orjson.dumps(e) + b"\n" for e in EVENTS)


def collect(paths: list[str], **kw: object) -> tuple[list[str], list[str], Diagnostics]:
    warnings: list[str] = []
    diag = Diagnostics(warn=warnings.append, **kw)  # type: ignore[arg-type]
    types = [ev.type for ev in iter_events(paths, diag)]
    diag.finish()
    return types, warnings, diag


@pytest.mark.parametrize("compress", [lambda b: b, gzip.compress, bz2.compress, lzma.compress])
def test_compression_detected_by_magic_bytes_not_name(tmp_path: Path, compress) -> None:
    p = tmp_path / "log.data"
    p.write_bytes(compress(BODY))
    assert collect([str(p)])[0] == ["session.created", "response.create", "response.done"]


def test_gzip_on_stdin() -> None:
    diag = Diagnostics()
    evs = list(read_events(Source("<stdin>", None), diag, stdin=io.BytesIO(gzip.compress(BODY))))
    assert [e.line_no for e in evs] == [1, 2, 3]
    assert evs[0].source == "<stdin>"


def test_directory_expands_to_its_logs_sorted(tmp_path: Path) -> None:
    (tmp_path / "b.jsonl").write_bytes(orjson.dumps(EVENTS[2]) + b"\n")
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(orjson.dumps(EVENTS[0]) + b"\n"))
    (tmp_path / "notes.txt").write_bytes(b"not a log\n")
    assert [s.name for s in expand_sources([str(tmp_path)])] == [str(tmp_path / "a.jsonl.gz"), str(tmp_path / "b.jsonl")]
    assert collect([str(tmp_path)])[0] == ["session.created", "response.done"]


def test_missing_file_and_empty_directory_are_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^nope\.jsonl: no such file or directory$"):
        expand_sources(["nope.jsonl"])
    with pytest.raises(InputError, match=r": no logs in this directory or its subfolders \(a log is named \*\.jsonl, \*\.jsonl\.gz, .*\*\.ndjson\.gz, \*\.json \(a JSON array of events\)\)$"):
        expand_sources([str(tmp_path)])


def test_binary_file_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "x.wav"
    p.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(100))
    with pytest.raises(InputError, match=r"x\.wav: binary data, not a JSONL event log$"):
        collect([str(p)])


def test_bom_crlf_and_blank_lines_are_fine(tmp_path: Path) -> None:
    p = tmp_path / "w.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + BODY.replace(b"\n", b"\r\n\r\n  \r\n"))
    types, warnings, diag = collect([str(p)])
    assert types == ["session.created", "response.create", "response.done"]
    assert warnings == [] and diag.bad_lines == 0


def test_bad_lines_are_warned_with_file_and_line_and_skipped(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_bytes(BODY + b"oops\n[1]\n" + b'{"type": "x\xff"}\n' + b'{"no": "type"}\n' + orjson.dumps(EVENTS[1]) + b"\n" + b'{"type": "response.do')
    types, warnings, diag = collect([str(p)])
    assert types == ["session.created", "response.create", "response.done", "response.create"]
    assert warnings == [
        f"{p}:4: invalid JSON: unexpected character, expected a JSON value (column 1)",
        f"{p}:5: not a JSON object (a JSON array)",
        f"{p}:6: invalid UTF-8",
        f"{p}:7: no event type",
        f"{p}:9: incomplete last line, no newline at the end (log still being written?): invalid JSON: unexpected end of data (column 22)",
    ]
    assert diag.bad_lines == 5


def test_last_line_without_newline_is_fine_when_complete(tmp_path: Path) -> None:
    p = tmp_path / "n.jsonl"
    p.write_bytes(BODY.rstrip(b"\n"))
    assert collect([str(p)])[0] == ["session.created", "response.create", "response.done"]


def test_strict_makes_the_first_bad_line_fatal(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_bytes(BODY + b"oops\n" + BODY)
    with pytest.raises(InputError) as exc:
        collect([str(p)], strict=True)
    assert str(exc.value) == f"{p}:4: invalid JSON: unexpected character, expected a JSON value (column 1)"


def test_warnings_are_capped_then_counted(tmp_path: Path) -> None:
    p = tmp_path / "many.jsonl"
    p.write_bytes(BODY + b"x\n" * 30)
    types, warnings, diag = collect([str(p)], limit=3)
    assert len(types) == 3 and diag.bad_lines == 30
    assert warnings[:3] == [f"{p}:{n}: invalid JSON: unexpected character, expected a JSON value (column 1)" for n in (4, 5, 6)]
    assert warnings[3:] == ["27 more bad lines not shown (30 in all)"]


def test_a_text_file_with_no_events_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "cassette.yaml"
    p.write_bytes(b"version: 1\ninteractions:\n- kind: message\n")
    with pytest.raises(InputError, match=r"cassette\.yaml: no events found: not a JSONL event log\?$"):
        collect([str(p)])


def test_empty_file_gives_no_events_and_no_error(tmp_path: Path) -> None:
    p = tmp_path / "empty.jsonl"
    p.write_bytes(b"")
    assert collect([str(p)]) [0] == []


def test_corrupt_gzip_reports_where_it_stopped(tmp_path: Path) -> None:
    p = tmp_path / "cut.jsonl.gz"
    data = gzip.compress(BODY * 200)
    p.write_bytes(data[: len(data) - 20])
    types, warnings, diag = collect([str(p)])
    assert len(types) >= 3 and diag.bad_lines == 1
    assert warnings[-1].startswith(f"{p}:") and warnings[-1].endswith("cannot read further: compressed data ends early")


def test_long_line_memory_is_one_line(tmp_path: Path) -> None:
    import base64

    big = {"type": "response.audio.delta", "delta": base64.b64encode(bytes(3_000_000)).decode()}
    p = tmp_path / "big.jsonl"
    p.write_bytes(orjson.dumps(big) + b"\n" + BODY)
    evs = list(iter_events([str(p)], Diagnostics()))
    assert evs[0].audio_info().nbytes == 3_000_000
    assert [e.type for e in evs[1:]] == ["session.created", "response.create", "response.done"]


def test_follow_reads_lines_as_they_are_appended(tmp_path: Path) -> None:
    p = tmp_path / "live.jsonl"
    p.write_bytes(orjson.dumps(EVENTS[0]) + b"\n")
    seen: list[str] = []

    def writer() -> None:
        time.sleep(0.3)
        with open(p, "ab") as f:
            f.write(orjson.dumps(EVENTS[1])[:10])  # half a line first
            f.flush()
            time.sleep(0.3)
            f.write(orjson.dumps(EVENTS[1])[10:] + b"\n")
            f.write(orjson.dumps(EVENTS[2]) + b"\n")

    t = threading.Thread(target=writer)
    t.start()
    for ev in read_events(Source(str(p), str(p)), Diagnostics(warn=pytest.fail), follow=True):
        seen.append(ev.type)
        if len(seen) == 3:
            break
    t.join()
    assert seen == ["session.created", "response.create", "response.done"]
