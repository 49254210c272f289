"""Issue 19: one unreadable input among several never loses the others' results. The
missing file is said when its turn comes (`rtlog: error: FILE: why`), the others are read
and shown, and the run ends with exit 2."""

from __future__ import annotations

from pathlib import Path

import orjson
from conftest import EXAMPLES, run_cli

GA, BETA = EXAMPLES / "ga_session.jsonl", EXAMPLES / "beta_session.jsonl"


def test_summary_reports_the_others(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    r = run_cli("summary", GA, missing, BETA, "--json", exit_code=2, stderr=None)
    files = orjson.loads(r.stdout)["files"]
    assert [(f["file"], f.get("error")) for f in files] == [(str(GA), None), (str(missing), "no such file or directory"), (str(BETA), None)]


def test_filter_and_its_count_read_the_others(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    error = f"rtlog: error: {missing}: no such file or directory\n"
    r = run_cli("filter", GA, missing, BETA, "-c", "-t", "response.done", exit_code=2, stderr=error)
    assert r.stdout == f"{GA}:5\n{BETA}:5\n"
    r = run_cli("filter", GA, missing, BETA, "-t", "response.done", exit_code=2, stderr=error)
    both = run_cli("filter", GA, BETA, "-t", "response.done").stdout
    assert r.stdout == both and both.count("\n") == 10


def test_transcript_shows_the_others(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    r = run_cli("transcript", missing, GA, exit_code=2, stderr=f"rtlog: error: {missing}: no such file or directory\n")
    assert r.stdout == run_cli("transcript", GA).stdout


def test_one_missing_input_alone_is_the_error_it_always_was(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    for cmd in ("summary", "filter", "transcript"):
        r = run_cli(cmd, missing, exit_code=2, stderr=f"rtlog: error: {missing}: no such file or directory\n")
        assert r.stdout == ""


def test_a_folder_without_logs_names_what_a_log_is_and_what_is_there(tmp_path: Path) -> None:
    (tmp_path / "call.json").write_bytes(b"[]")
    (tmp_path / "relay.log").write_bytes(b"")
    (tmp_path / "day1").mkdir()
    (tmp_path / "day1" / "notes.txt").write_bytes(b"")
    run_cli("summary", tmp_path, exit_code=2, stderr=(
        f"rtlog: error: {tmp_path}: no logs in this directory or its subfolders (a log is named *.jsonl, *.jsonl.gz, "
        "*.jsonl.bz2, *.jsonl.xz, *.ndjson, *.ndjson.gz, *.json (a JSON array of events)); its .json files are not "
        "JSON arrays of events; it has .log, .txt files: give one as a file to read it as JSONL\n"))  # fmt: skip
