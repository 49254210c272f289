"""What a longer hostile-input campaign found (issue 21; `RTLOG_FUZZ_ALL=1
RTLOG_FUZZ_EXAMPLES=N pytest tests/test_fuzz_commands.py` runs the fuzzers against every
command, export, diff and redact included), each pinned here."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

GOOD = b'{"type": "session.created"}\n'
BAD_DELTA = b'{"type": "session.created", "event_id": null, "delta": null, "status": NaN}\n'
WARNING = "rtlog: warning: log.jsonl:2: invalid JSON: unexpected character, expected a JSON value (column 72)\n"


def test_redact_reads_a_log_whose_only_delta_line_is_bad(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """redact's first pass (deltas reassembled, when text is kept, and for --check) parses
    only lines that mention a delta, and judged the log by them: a bad one beside good
    lines without a delta made it 'no events found: not a JSONL event log?' (exit 2)."""
    monkeypatch.chdir(tmp_path)
    Path("log.jsonl").write_bytes(GOOD + BAD_DELTA)
    r = run_cli("redact", "--check", "--json", "log.jsonl", stderr=WARNING)
    assert r.stdout.startswith('{\n  "files": [\n    {\n      "file": "log.jsonl",\n      "events": 1,')
    run_cli("redact", "--keep", "text", "-o", "out.jsonl", "log.jsonl", stderr=None)
    assert Path("out.jsonl").read_bytes() == GOOD + b"\n"  # (the bad line written as a blank one)
    # a log of nothing but bad lines is still refused, once, by the pass that reads every line
    Path("bad.jsonl").write_bytes(BAD_DELTA + BAD_DELTA)
    r = run_cli("redact", "--check", "bad.jsonl", exit_code=2, stderr=None)
    assert r.stderr.splitlines()[-1] == "rtlog: error: bad.jsonl: no events found: not a JSONL event log?"
