"""`rtlog export` and `rtlog query`: the tables agree with `summary --json` over the same logs
(examples, generated logs with known truth, the real corpus), in every format; re-runs read
only new or changed files; shards add up to the whole; a failed or interrupted run leaves
the earlier tables as they were; SQL runs over the real exported files with DuckDB."""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import orjson
import pytest
from conftest import EXAMPLES, corpus_files, generated_log, run_cli, run_rtlog, write_log

from rtlog.export import schema as export_schema
from rtlog.export.one import export_one
from rtlog.export.run import export, list_inputs
from rtlog.metrics.pricing import builtin_table

TABLES = list(export_schema.TABLES)


def read_jsonl(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def summary_json(*paths: Path) -> dict:
    """`summary --json` per file, by file name."""
    r = run_cli("summary", "--json", "-j", "1", *paths, stderr=None)
    obj = orjson.loads(r.stdout)
    files = obj["files"] if "files" in obj else [{**obj, "file": obj["source"]}]
    return {f["file"]: f for f in files}


def check_live_agrees(name: str, live: list[dict], mine: dict[str, list[dict]]) -> None:
    """Each GPT-Live / Translation session of `summary --json`'s `live` list, against its rows:
    user segments are turns, assistant segments and backend responses are responses."""
    assert {r["session"] for r in mine["turns"] if r["session"] is not None} <= {lr["session"] for lr in live}
    for lr in live:
        n = lr["session"]
        turns = [r for r in mine["turns"] if r["session"] == n]
        segs = [r for r in mine["responses"] if r["session"] == n and r["kind"] == "segment"]
        backend = [r for r in mine["responses"] if r["session"] == n and r["kind"] == "backend"]
        assert {r["dialect"] for r in turns + segs + backend} <= {lr["dialect"]}, (name, n)
        assert len(turns) == lr["user_turns"], (name, n)
        assert len(segs) == lr["assistant_segments"], (name, n)
        assert sum(r["interrupted"] for r in segs) == lr["interruptions"], (name, n)
        assert sum(r["responses"] for r in turns) <= len(segs)  # (a segment before the first user one answers none)
        assert sum(r["responses_cancelled"] for r in turns) <= lr["interruptions"]
        lat = sorted(r["latency_ms"] for r in turns if r["latency_ms"] is not None)
        if lr["latency_ms"] is None:
            assert lat == [], (name, n)
        else:
            assert (len(lat), max(lat)) == (lr["latency_ms"]["count"], lr["latency_ms"]["max"]), (name, n)
        assert len(backend) == lr["backend"]["responses"]
        assert sum(r["status"] == "completed" for r in backend) == lr["backend"]["completed"]
        for k in export_schema.USAGE:
            assert sum(r[f"usage_{k}"] or 0 for r in backend) == ((lr["backend"]["usage"] or {}).get(k) or 0), (name, n, k)
        if lr["backend"]["cost_usd"] is not None:
            assert math.isclose(sum(r["cost_usd"] for r in backend), lr["backend"]["cost_usd"], abs_tol=2e-6)
        [srow] = [r for r in mine["sessions"] if r["session"] == n]
        assert (srow["usage_seconds"], srow["usage_final"], srow["cost_usd"], srow["backend_cost_usd"]) == (
            lr["usage_seconds"], lr["usage_final"], lr["cost"]["usd"], lr["backend"]["cost_usd"])  # fmt: skip
        assert srow["responses"] == len(segs) + len(backend)


@pytest.fixture(scope="module")
def generated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six generated logs (GA and beta, three recorders' envelopes, one gzip)."""
    import gzip

    d = tmp_path_factory.mktemp("gen")
    for k, (dialect, envelope) in enumerate([("ga", "none"), ("beta", "none"), ("ga", "time-source"),
                                             ("beta", "direction-data"), ("ga", "direction-data"), ("beta", "time-source")]):  # fmt: skip
        data, _truth = generated_log(dialect, envelope, seed=k + 1, minutes=0.3)
        if k == 5:
            (d / f"call{k}.jsonl.gz").write_bytes(gzip.compress(data))
        else:
            (d / f"call{k}.jsonl").write_bytes(data)
    return d


def check_agrees(out: Path, summaries: dict, *, every_audio_has_its_response: bool = True) -> None:
    """Every number of the tables equals the summary's, file by file. (A hostile log may hold
    assistant audio of a response it never shows created or done: that audio is in the file's
    seconds, with no response row to carry it — `every_audio_has_its_response=False`.)"""
    files = {r["file"]: r for r in read_jsonl(out / "files.jsonl")}
    assert set(files) == set(summaries)
    tables = {t: read_jsonl(out / f"{t}.jsonl") for t in TABLES}
    for name, s in summaries.items():
        row = files[name]
        flat = export_schema.flatten_summary(s)
        for k, v in flat.items():  # the files row is the summary, flattened
            if k in ("span_start", "span_end") and not (isinstance(v, str) and "T" in v):
                v = None  # no date and time: a time of day, or a bogus number past year 9999 — no timestamp
            assert row[k] == v, (name, k, row[k], v)
        assert row["sessions"] == len(s["sessions"])
        mine = {t: [r for r in rows if r["file"] == name] for t, rows in tables.items()}
        assert len(mine["sessions"]) == len(s["sessions"])
        assert [r["model"] for r in mine["sessions"]] == [x["model"] for x in s["sessions"]]
        live = s.get("live") or []
        # Realtime responses and turns; a Live or Translation session's are checked below
        rt = [r for r in mine["responses"] if r["kind"] == "response"]
        rt_turns = [r for r in mine["turns"] if r["session"] is None]
        assert {r["kind"] for r in mine["responses"]} <= {"response", "segment", "backend"}
        assert all(r["dialect"] in ("live", "translation") for r in mine["responses"] if r["kind"] != "response")
        for k in export_schema.USAGE:  # usage: per session and per response add up to the file's
            assert sum(r[f"usage_{k}"] for r in mine["sessions"]) == s["usage"][k], (name, k)
            assert sum(r[f"usage_{k}"] or 0 for r in rt) == s["usage"][k], (name, k)
        assert len(mine["turns"]) == s["user_turns"]
        assert len(rt_turns) == s["user_turns"] - sum(lr["user_turns"] for lr in live)
        per_turn = {t["turn"]: t for t in ((s.get("turn_taking") or {}).get("turns") or [])}
        for row in rt_turns:  # each turn's turn-taking, as summary --json has it
            want = export_schema.flatten_summary({k: v for k, v in per_turn.get(row["turn"], {}).items()
                                                  if k not in ("turn", "line", "how", "item_id")})  # fmt: skip
            for k, v in want.items():
                assert row[f"turn_taking_{k}"] == v, (name, row["turn"], k)
        assert len(rt) == s["responses"]["total"]
        for status in ("completed", "cancelled", "incomplete", "failed"):
            assert sum(r["status"] == status for r in rt) == s["responses"][status]
        assert sum(r["status"] is None for r in rt) == s["responses"]["unfinished"]
        assert sum(r["has_usage"] is False and r["status"] is not None for r in rt) == s["responses_without_usage"]
        live_usd = sum((lr["cost"]["usd"] or 0) + (lr["backend"]["cost_usd"] or 0) for lr in live)
        if s["cost_usd"] is not None and not s["cost_is_lower_bound"]:
            tokens = s["cost_usd"] - (s["cost"].get("transcription_usd") or 0)  # input transcription: the file's only
            backend = sum(r["backend_cost_usd"] or 0 for r in mine["sessions"])
            assert math.isclose(sum(r["cost_usd"] for r in mine["sessions"]) + backend, tokens, abs_tol=2e-6)
            assert math.isclose(sum(r["cost_usd"] or 0 for r in rt), tokens - live_usd, abs_tol=1e-5)
        lat = [r["latency_ms"] for r in rt_turns if r["latency_ms"] is not None]
        if s["latency_ms"] is None:
            assert lat == []
        else:
            assert len(lat) == s["latency_ms"]["count"]
            if lat:
                assert max(lat) == s["latency_ms"]["max"]
        check_live_agrees(name, live, mine)
        out_s = s["audio_seconds"]["output"]
        if out_s is not None and live:  # a Live session's audio is not a segment's: the Realtime responses' at most
            assert sum(r["audio_seconds"] or 0 for r in rt) <= out_s + 2e-3, name
        elif out_s is not None and every_audio_has_its_response:
            assert math.isclose(sum(r["audio_seconds"] or 0 for r in mine["responses"]), out_s, abs_tol=2e-3), name
            assert math.isclose(sum(r["heard_seconds"] or 0 for r in mine["responses"]), s["audio_seconds"]["output_heard"], abs_tol=2e-3)
        elif out_s is not None:
            assert sum(r["audio_seconds"] or 0 for r in mine["responses"]) <= out_s + 2e-3, name
        assert len(mine["tool_calls"]) == sum(s["function_calls"].values())
        assert sum(not r["has_output"] for r in mine["tool_calls"]) == len(s["function_calls_without_output"])
        assert [(r["line"], r["code"]) for r in mine["errors"] if r["kind"] == "error"] == [(e["line"], e["code"]) for e in s["errors"]]
        assert sum(r["kind"] == "transcription_failure" for r in mine["errors"]) == len(s["transcription_failures"])
        assert [r["warning"] for r in mine["warnings"]] == s["warnings"]
        assert {r["type"]: r["count"] for r in mine["event_counts"]} == s["event_counts"]
        assert sum(r["count"] for r in mine["event_counts"]) == s["events"]
        audio = {r["type"]: r["audio_bytes"] for r in mine["event_counts"] if r["audio_bytes"] is not None}
        assert sum(audio.values()) <= (s["audio_bytes"]["input"] or 0) + (s["audio_bytes"]["output"] or 0)


def test_the_tables_agree_with_summary_on_the_examples(tmp_path: Path) -> None:
    r = run_cli("export", EXAMPLES, "-o", tmp_path / "out", "--format", "jsonl", "-j", "1", stderr=None)
    assert r.stderr.startswith("rtlog: exported 3 files to ")
    check_agrees(tmp_path / "out", summary_json(EXAMPLES))


def test_the_tables_agree_with_summary_on_generated_logs(tmp_path: Path, generated_dir: Path) -> None:
    export(list_inputs([str(generated_dir)]), str(tmp_path / "out"), builtin_table(), fmt="jsonl", jobs=2)
    summaries = summary_json(generated_dir)
    check_agrees(tmp_path / "out", summaries)
    # and the generator's own truth: turns, interruptions, function calls
    files = {r["file"]: r for r in read_jsonl(tmp_path / "out" / "files.jsonl")}
    assert len(files) == 6
    _data, truth = generated_log("ga", "none", seed=1, minutes=0.3)
    row = files[str(generated_dir / "call0.jsonl")]
    assert row["user_turns"] == truth["user_turns"]
    assert row["interruptions"] == len(truth["truncations"])
    assert row["usage_total_tokens"] == truth["usage"]["total_tokens"]
    assert row["audio_seconds_output_heard"] == truth["audio_seconds"]["output_heard"]
    turns = [t for t in read_jsonl(tmp_path / "out" / "turns.jsonl") if t["file"] == row["file"]]
    responses = [r for r in read_jsonl(tmp_path / "out" / "responses.jsonl") if r["file"] == row["file"]]
    assert {s: sum(r["status"] == s for r in responses) for s in truth["responses"]} == truth["responses"]
    assert [r["response_id"] for r in responses if r["interrupted"]] == [t["response_id"] for t in truth["truncations"]]
    calls = [c for c in read_jsonl(tmp_path / "out" / "tool_calls.jsonl") if c["file"] == row["file"]]
    assert [(c["name"], c["call_id"], c["response_id"]) for c in calls] == [
        (c["name"], c["call_id"], c["response_id"]) for c in truth["function_call_list"]]
    assert [t["turn"] for t in turns] == list(range(1, truth["user_turns"] + 1))


@pytest.mark.parametrize("flavour", ["derived", "wrapped"])
def test_the_tables_agree_with_summary_on_the_real_corpus(tmp_path: Path, flavour: str) -> None:
    paths = corpus_files(flavour)
    if not paths:
        pytest.skip("../shared/corpus/real is not here")
    res = export(list_inputs([str(p) for p in paths]), str(tmp_path / "out"), builtin_table(), fmt="jsonl", jobs=1)
    assert res.failed == 0 and res.exported == len(paths)
    check_agrees(tmp_path / "out", summary_json(*paths))


def _live_logs(d: Path) -> dict[str, dict]:
    """Generated GPT-Live logs (primary and sideband, closed or not, enveloped) and a Translation
    log, with their truth, by path."""
    import io
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_live import generate_live, generate_translation
    finally:
        sys.path.remove(str(REPO / "bench"))
    truths = {}
    for name, kw in (("primary", {}), ("sideband", {"transport": "sideband", "seed": 2}),
                     ("open", {"closed": False, "envelope": "time-source", "seed": 3}), ("translation", None)):  # fmt: skip
        buf = io.BytesIO()
        truth = generate_translation(buf) if kw is None else generate_live(buf, **kw)
        (d / f"{name}.jsonl").write_bytes(buf.getvalue())
        truths[str(d / f"{name}.jsonl")] = truth
    return truths


def test_live_sessions_are_turns_and_responses_that_agree_with_summary(tmp_path: Path) -> None:
    """A GPT-Live or Translation session's user segments are `turns` rows, its assistant segments
    and backend responses `responses` rows (told apart by `dialect` and `kind`), and they add up
    to `summary --json`'s `live` objects; the text and timeline are the generator's."""
    logs = tmp_path / "logs"
    logs.mkdir()
    truths = _live_logs(logs)
    shutil.copy(EXAMPLES / "ga_session.jsonl", logs / "ga_session.jsonl")  # a Realtime call among them
    run_cli("export", logs, "-o", tmp_path / "out", "--format", "jsonl", "--with-text", "-j", "1", stderr=None)
    summaries = summary_json(logs)
    check_agrees(tmp_path / "out", summaries)
    turns = read_jsonl(tmp_path / "out" / "turns.jsonl")
    responses = read_jsonl(tmp_path / "out" / "responses.jsonl")
    for path, truth in truths.items():
        users = [r for r in turns if r["file"] == path]
        said = [r for r in responses if r["file"] == path and r["kind"] == "segment"]
        assert [r["text"] for r in users] == truth["user_text"] and [r["text"] for r in said] == truth["assistant_text"]
        assert [r["turn"] for r in users] == list(range(1, len(users) + 1))
        assert {r["dialect"] for r in users + said} == {truth.get("dialect", "live")}
        if "segments" not in truth:
            continue  # Translation: no timeline in the truth
        segs = truth["segments"]
        assert [(r["text"], r["speech_started_ms"], r["speech_stopped_ms"]) for r in users] == [
            (g["text"], g["start_ms"], g["end_ms"]) for g in segs if g["role"] == "user"]  # fmt: skip
        assert [(r["text"], r["start_ms"], r["end_ms"], r["interrupted"]) for r in said] == [
            (g["text"], g["start_ms"], g["end_ms"], g["interrupted"]) for g in segs if g["role"] == "assistant"]  # fmt: skip
    primary = str(logs / "primary.jsonl")
    backend = [r for r in responses if r["file"] == primary and r["kind"] == "backend"]
    truth = truths[primary]
    assert len(backend) == truth["backend_responses"]
    assert sum(r["usage_input_tokens"] for r in backend) == truth["backend_tokens"]["input_tokens"]
    [srow] = [r for r in read_jsonl(tmp_path / "out" / "sessions.jsonl") if r["file"] == primary]
    assert (srow["usage_seconds"], srow["usage_final"], srow["backend_model"]) == (truth["usage_seconds"], True, truth["backend_model"])
    assert srow["cost_usd"] == pytest.approx(truth["cost_usd"], abs=1e-6)
    # the Realtime call's rows say so
    ga = [r for r in turns if r["file"] == str(logs / "ga_session.jsonl")]
    assert ga and {(r["dialect"], r["session"]) for r in ga} == {("realtime-ga", None)}


def test_parquet_and_csv_hold_the_same_rows_as_jsonl(tmp_path: Path, generated_dir: Path) -> None:
    """DuckDB reads each format back with the declared types: the same values."""
    import duckdb

    from rtlog.export.query import open_export

    logs = [str(generated_dir), str(EXAMPLES)]
    for fmt in ("jsonl", "csv", "parquet"):
        run_cli("export", *logs, "-o", tmp_path / fmt, "--format", fmt, "-j", "1", stderr=None)
    assert sorted(os.listdir(tmp_path / "parquet")) == sorted(["manifest.json", "schema.json", *(f"{t}.parquet" for t in TABLES)])
    got = {}
    for fmt in ("jsonl", "csv", "parquet"):
        con = open_export(str(tmp_path / fmt))
        got[fmt] = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'files'").fetchall())
        assert types["span_start"].startswith("TIMESTAMP") and types["cost_usd"] == "DOUBLE" and types["user_turns"] == "BIGINT"
        con.close()
    assert got["jsonl"] == got["csv"] == got["parquet"]
    assert len(got["parquet"]["files"]) == 9
    # the Parquet file is a real Parquet file (not DuckDB's own format): its metadata says so
    meta = duckdb.connect().execute(f"SELECT count(*) FROM parquet_metadata('{tmp_path / 'parquet' / 'files.parquet'}')").fetchone()
    assert meta[0] > 0
    schema = orjson.loads((tmp_path / "parquet" / "schema.json").read_bytes())
    assert schema["schema_version"] == export_schema.SCHEMA_VERSION and schema["format"] == "parquet"
    declared = [c.name for c in export_schema.TABLES["turns"] if not c.text]
    names = [c["name"] for c in schema["tables"]["turns"]["columns"]]
    assert names[: len(declared)] == declared  # then the summary's per-turn metrics, by themselves
    assert all(n.startswith("turn_taking_") for n in names[len(declared) :])


def test_a_rerun_reads_only_new_or_changed_files(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    shutil.copytree(EXAMPLES, logs, ignore=shutil.ignore_patterns("*.py", "*.md", "*.truth.json"))
    out = tmp_path / "out"
    run_cli("export", logs, "-o", out, "--format", "jsonl", "-j", "1", stderr=None)
    before = {t: (out / f"{t}.jsonl").read_bytes() for t in TABLES}
    r = run_cli("export", logs, "-o", out, "--format", "jsonl", "--json", stderr="")
    obj = orjson.loads(r.stdout)
    assert (obj["exported"], obj["unchanged"], obj["failed"]) == (0, 3, 0)
    assert {t: (out / f"{t}.jsonl").read_bytes() for t in TABLES} == before  # nothing read, nothing changed
    # a new call, and one that changed: only those two are read; the changed one's rows are replaced
    data, _ = generated_log("ga", "none", seed=7, minutes=0.2)
    (logs / "new.jsonl").write_bytes(data)
    ga = logs / "ga_session.jsonl"
    lines = ga.read_bytes().splitlines(keepends=True)
    ga.write_bytes(b"".join(lines[: len(lines) // 2]))  # the first half of the call
    obj = orjson.loads(run_cli("export", logs, "-o", out, "--format", "jsonl", "--json", stderr="").stdout)
    assert (obj["exported"], obj["unchanged"]) == (2, 2)
    files = read_jsonl(out / "files.jsonl")
    assert sorted(r["file"] for r in files) == sorted(str(logs / n) for n in ("beta_session.jsonl", "ga_session.jsonl", "new.jsonl", "ulaw_session.jsonl"))
    check_agrees(out, summary_json(logs))  # no row of the old ga_session is left
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    assert manifest["files"][str(ga)] == {"size": ga.stat().st_size, "mtime_ns": ga.stat().st_mtime_ns}


def test_a_rerun_with_other_options_says_so(tmp_path: Path) -> None:
    run_cli("export", EXAMPLES, "-o", tmp_path, "--format", "jsonl", stderr=None)
    r = run_cli("export", EXAMPLES / "ga_session.jsonl", "-o", tmp_path, "--format", "jsonl", "--with-text", exit_code=2, stderr=None)
    assert r.stderr == (f"rtlog: error: {tmp_path}: exported with --with-text off, this run has on: use the same options, "
                        "another folder, or --full to export every file again\n")  # fmt: skip
    run_cli("export", EXAMPLES / "ga_session.jsonl", "-o", tmp_path, "--format", "jsonl", "--with-text", "--full", stderr=None)
    assert {t["file"] for t in read_jsonl(tmp_path / "turns.jsonl")} == {str(EXAMPLES / "ga_session.jsonl")}  # afresh
    assert "text" in read_jsonl(tmp_path / "turns.jsonl")[0]
    assert list(orjson.loads((tmp_path / "manifest.json").read_bytes())["files"]) == [str(EXAMPLES / "ga_session.jsonl")]


def test_shards_add_up_to_the_whole_and_query_reads_them_together(tmp_path: Path, generated_dir: Path) -> None:
    listing = tmp_path / "list.txt"
    names = sorted(str(p) for p in generated_dir.iterdir()) + sorted(str(p) for p in EXAMPLES.glob("*.jsonl"))
    listing.write_text("# tonight's calls\n" + "\n".join(names) + "\n")
    for i in (1, 2, 3):
        run_cli("export", "--files-from", listing, "--shard", f"{i}/3", "-o", tmp_path / "shards" / str(i), "--format", "parquet",
                "-j", "1", stderr=None)  # fmt: skip
    run_cli("export", "--files-from", listing, "-o", tmp_path / "whole", "--format", "parquet", "-j", "1", stderr=None)
    seen: list[str] = []
    for i in (1, 2, 3):
        m = orjson.loads((tmp_path / "shards" / str(i) / "manifest.json").read_bytes())
        seen += m["files"]
    assert sorted(seen) == sorted(names)  # each file in exactly one shard
    q = "SELECT file, user_turns, cost_usd FROM files ORDER BY file"
    whole = run_cli("query", tmp_path / "whole", q).stdout
    assert run_cli("query", tmp_path / "shards", q).stdout == whole
    assert whole.count("\n") == len(names) + 1


def test_bad_shard_and_missing_inputs_are_one_line_errors(tmp_path: Path) -> None:
    r = run_cli("export", EXAMPLES, "-o", tmp_path, "--shard", "4/3", exit_code=2, stderr=None)
    assert r.stderr == "rtlog: error: --shard 4/3: expected I/N with 1 <= I <= N, e.g. 2/8\n"
    r = run_cli("export", tmp_path / "nope.jsonl", "-o", tmp_path, exit_code=2, stderr=None)
    assert r.stderr == f"rtlog: error: {tmp_path / 'nope.jsonl'}: no such file or directory\n"
    r = run_cli("export", EXAMPLES, "-o", tmp_path, "--format", "xml", exit_code=2, stderr=None)
    assert r.stderr == "rtlog: error: --format xml: expected one of parquet, csv, jsonl, otlp-json\n"
    assert not (tmp_path / "manifest.json").exists()
    shutil.copy(EXAMPLES / "ga_session.jsonl", tmp_path / "call.jsonl")
    r = run_cli("export", tmp_path, "-o", tmp_path, exit_code=2, stderr=None)
    assert r.stderr == f"rtlog: error: {tmp_path}: also holds the logs ({tmp_path / 'call.jsonl'}): write the tables to a folder of their own\n"
    assert sorted(os.listdir(tmp_path)) == ["call.jsonl"]


def test_a_bad_file_is_a_row_of_export_errors_and_the_others_are_exported(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(EXAMPLES / "ga_session.jsonl", logs / "a.jsonl")
    (logs / "b.jsonl").write_bytes(b"not json\nnor this\n")
    (logs / "c.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00broken")
    out = tmp_path / "out"
    r = run_cli("export", logs, "-o", out, "--format", "jsonl", "-j", "1", exit_code=2, stderr=None)
    b, c = logs / "b.jsonl", logs / "c.jsonl.gz"
    assert r.stderr.splitlines() == [
        f"rtlog: warning: {b}:1: invalid JSON: invalid literal, expected 'null' (column 1)",
        f"rtlog: warning: {b}:2: invalid JSON: invalid literal, expected 'null' (column 1)",
        f"rtlog: error: {b}: no events found: not a JSONL event log?",
        f"rtlog: error: {c}: cannot read: compressed data ends early",
        f"rtlog: exported 1 file to {out} (2 failed, in export_errors); rows: files 1, sessions 1, turns 4, responses 5, "
        "tool_calls 1, errors 1, warnings 0, event_counts 30, export_errors 2",
    ]  # fmt: skip
    assert read_jsonl(out / "export_errors.jsonl") == [
        {"file": str(b), "error": "no events found: not a JSONL event log?"},
        {"file": str(c), "error": "cannot read: compressed data ends early"},
    ]
    assert list(orjson.loads((out / "manifest.json").read_bytes())["files"]) == [str(logs / "a.jsonl")]
    # fixed, the next run reads it (and only it) and its export error is gone
    shutil.copy(EXAMPLES / "beta_session.jsonl", logs / "b.jsonl")
    r = run_cli("export", logs, "-o", out, "--format", "jsonl", "--json", exit_code=2, stderr=None)
    assert (orjson.loads(r.stdout)["exported"], orjson.loads(r.stdout)["failed"]) == (1, 1)  # b again, c again
    assert read_jsonl(out / "export_errors.jsonl") == [{"file": str(c), "error": "cannot read: compressed data ends early"}]


def test_an_interrupted_run_leaves_the_earlier_tables_as_they_were(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    run_cli("export", EXAMPLES / "beta_session.jsonl", "-o", out, "-j", "1", stderr=None)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    import rtlog.export.run as run

    calls = []

    def stopped(inp, *a, **k):  # Ctrl-C while the second file is read
        calls.append(inp.name)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return export_one(inp, *a, **k)

    monkeypatch.setattr(run, "export_one", stopped)
    r = run_cli("export", EXAMPLES, "-o", out, "-j", "1", exit_code=130, stderr="rtlog: error: interrupted\n")
    assert r.stdout == ""
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no staging folder, no .part, same bytes


def test_text_only_with_with_text(tmp_path: Path) -> None:
    run_cli("export", EXAMPLES / "ga_session.jsonl", "-o", tmp_path / "plain", "--format", "jsonl", stderr=None)
    run_cli("export", EXAMPLES / "ga_session.jsonl", "-o", tmp_path / "text", "--format", "jsonl", "--with-text", stderr=None)
    plain = b"".join((tmp_path / "plain" / f"{t}.jsonl").read_bytes() for t in TABLES)
    for secret in (b"Eiffel", b"Paris", b"travel assistant", b"sunny"):
        assert secret not in plain
    turns = read_jsonl(tmp_path / "text" / "turns.jsonl")
    assert [t["text"] for t in turns] == ["Hi there, can you hear me?", "What's the weather like in Paris today?",
                                          "Tell me about the Eiffel Tower.", "Wait, how tall is it?"]  # fmt: skip
    calls = read_jsonl(tmp_path / "text" / "tool_calls.jsonl")
    assert [(c["name"], c["arguments"], c["output"]) for c in calls] == [
        ("get_weather", '{"city":"Paris"}', '{"city":"Paris","condition":"sunny","temperature_c":22}')]
    s_plain, s_text = read_jsonl(tmp_path / "plain" / "sessions.jsonl")[0], read_jsonl(tmp_path / "text" / "sessions.jsonl")[0]
    import hashlib

    assert "instructions" not in s_plain and s_plain["instructions_sha256"] == hashlib.sha256(s_text["instructions"].encode()).hexdigest()
    texts = [r["text"] for r in read_jsonl(tmp_path / "text" / "responses.jsonl")]
    assert texts[0] == "Yes, loud and clear. How can I help?"


def test_a_new_summary_field_becomes_a_column_without_hand_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn-taking metrics (issue 15), once in `summary --json`, are columns of `files`."""
    from rtlog.metrics.summary import Summary

    as_json = Summary.as_json

    def with_turn_taking(self):
        return {**as_json(self), "turn_taking": {"overlaps": self.user_turns * 2, "gap_ms": {"p50": 12.5, "p90": None}}}

    monkeypatch.setattr(Summary, "as_json", with_turn_taking)
    run_cli("export", EXAMPLES, "-o", tmp_path, "--format", "parquet", "-j", "1", stderr=None)
    rows = run_cli("query", tmp_path, "SELECT file, turn_taking_overlaps, turn_taking_gap_ms_p50 FROM files ORDER BY file").stdout
    turns = summary_json(EXAMPLES)
    assert rows.splitlines()[1:] == [f"{f},{turns[f]['user_turns'] * 2},12.5" for f in sorted(turns)]
    cols = {c["name"]: c for c in orjson.loads((tmp_path / "schema.json").read_bytes())["tables"]["files"]["columns"]}
    assert (cols["turn_taking_overlaps"]["type"], cols["turn_taking_overlaps"]["declared"]) == ("BIGINT", False)
    assert cols["turn_taking_gap_ms_p50"]["type"] == "DOUBLE" and cols["user_turns"]["declared"] is True
    assert "turn_taking_gap_ms_p90" not in cols  # null in every file: it becomes a column once some file knows it


def test_the_readme_documents_every_column() -> None:
    from conftest import REPO

    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## `rtlog export`"): readme.index("## `rtlog query`")]
    for table, cols in export_schema.TABLES.items():
        assert f"`{table}`" in section, table
        if table == "files":
            continue  # documented as `summary --json` flattened, with the columns of its own
        for c in cols:
            if c.name.startswith("usage_") and "`usage_*`" in section:
                continue  # the twelve token counts, named once
            assert f"`{c.name}`" in section, (table, c.name)
    for c in export_schema.FILE_HEAD:
        assert f"`{c.name}`" in section, c.name


# --- query ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("q")
    run_cli("export", EXAMPLES, "-o", out, "-j", "1", stderr=None)
    return out


def test_query_prints_csv_piped_and_json_when_asked(exported: Path) -> None:
    q = "SELECT model, count(*) AS calls, sum(cost_usd) AS cost FROM files GROUP BY model ORDER BY model"
    assert run_cli("query", exported, q).stdout == (
        "model,calls,cost\ngpt-4o-realtime-preview-2025-06-03,2,0.040015\ngpt-realtime-2025-08-28,1,0.021879\n")
    assert orjson.loads(run_cli("query", exported, q, "--format", "json").stdout) == [
        {"model": "gpt-4o-realtime-preview-2025-06-03", "calls": 2, "cost": 0.040015},
        {"model": "gpt-realtime-2025-08-28", "calls": 1, "cost": 0.021879}]
    lines = run_cli("query", exported, "SELECT span_start, turn FROM files JOIN turns USING (file) WHERE span_start IS NOT NULL ORDER BY turn",
                    "--format", "jsonl").stdout.splitlines()  # fmt: skip
    assert orjson.loads(lines[0]) == {"span_start": "2026-11-20T10:00:00.183Z", "turn": 1}
    assert run_cli("query", exported, "SELECT 1 AS x WHERE false", "--format", "json").stdout == "[]\n"


def test_query_on_a_terminal_is_a_table(exported: Path) -> None:
    r = run_rtlog("query", exported, "SELECT file, user_turns, cost_usd FROM files ORDER BY file", "--format", "table",
                  env={"COLUMNS": "100", "NO_COLOR": "1"})  # fmt: skip
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[0].split() == ["file", "user_turns", "cost_usd"]
    assert lines[2].split() == [str(EXAMPLES / "beta_session.jsonl"), "4", "0.028885"]


@pytest.mark.parametrize(("sql", "message"), [
    ("SELECT * FROM nope", "query: Catalog Error: Table with name nope does not exist!"),
    ("SELEC 1", 'query: Parser Error: syntax error at or near "SELEC"'),
])  # fmt: skip
def test_query_errors_are_one_line_and_exit_2(exported: Path, sql: str, message: str) -> None:
    r = run_cli("query", exported, sql, exit_code=2, stderr=None)
    assert r.stderr.startswith(f"rtlog: error: {message}") and r.stderr.count("\n") == 1
    assert r.stdout == ""


def test_query_without_an_export(tmp_path: Path) -> None:
    r = run_cli("query", tmp_path, "SELECT 1", exit_code=2, stderr=None)
    assert r.stderr == f"rtlog: error: {tmp_path}: no export here (no schema.json): run rtlog export LOGS -o {tmp_path} first\n"
    run_cli("export", EXAMPLES / "ga_session.jsonl", "-o", tmp_path / "t", "--format", "otlp-json", stderr=None)
    r = run_cli("query", tmp_path / "t", "SELECT 1", exit_code=2, stderr=None)
    assert r.stderr == f"rtlog: error: {tmp_path / 't'}: no tables here (an otlp-json export holds traces, which OTLP backends read)\n"


def test_the_readme_recipes_run(exported: Path) -> None:
    """Every `rtlog query fleet/ "…"` in the README runs on a real export."""
    import re

    from conftest import REPO

    readme = (REPO / "README.md").read_text()
    recipes = re.findall(r'^rtlog query fleet/ "(.+?)"(?: --format \w+)?$', readme, flags=re.M)
    assert len(recipes) >= 5
    for sql in recipes:
        run_cli("query", exported, sql)


# --- URLs ------------------------------------------------------------------------------------


def test_a_url_reads_like_a_path(tmp_path: Path) -> None:
    url = f"file://{EXAMPLES}"
    export(list_inputs([url]), str(tmp_path / "url"), builtin_table(), fmt="jsonl", jobs=1)
    export(list_inputs([str(EXAMPLES)]), str(tmp_path / "path"), builtin_table(), fmt="jsonl", jobs=1)
    for t in TABLES:
        a = [{**r, "file": r["file"].removeprefix("file://")} for r in read_jsonl(tmp_path / "url" / f"{t}.jsonl")]
        b = read_jsonl(tmp_path / "path" / f"{t}.jsonl")
        for r in a + b:
            r.pop("file_mtime_ns", None)
        assert a == b, t


def test_a_crash_between_two_tables_is_repaired_by_the_next_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each table is renamed into place on its own: a crash after some leaves each table whole
    and the manifest old, so the next run reads those logs again and every table agrees."""
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(EXAMPLES / "beta_session.jsonl", logs / "a.jsonl")
    out = tmp_path / "out"
    run_cli("export", logs, "-o", out, "--format", "jsonl", "-j", "1", stderr=None)
    shutil.copy(EXAMPLES / "ga_session.jsonl", logs / "b.jsonl")
    import rtlog.export.run as run

    real = run.write_table
    written: list[str] = []

    def crash_on_the_third(out_dir, staged, *a, **k):
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        written.append(staged.name)
        return real(out_dir, staged, *a, **k)

    monkeypatch.setattr(run, "write_table", crash_on_the_third)
    r = run_cli("export", logs, "-o", out, "--format", "jsonl", "-j", "1", exit_code=2, stderr=None)
    assert r.stderr == f"rtlog: error: {out}: no space left on device\n"
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # no staging folder, no .part left
    assert len(read_jsonl(out / "files.jsonl")) == 2 and len(read_jsonl(out / "turns.jsonl")) == 4  # files new, turns old
    assert list(orjson.loads((out / "manifest.json").read_bytes())["files"]) == [str(logs / "a.jsonl")]
    monkeypatch.setattr(run, "write_table", real)
    obj = orjson.loads(run_cli("export", logs, "-o", out, "--format", "jsonl", "--json", stderr="").stdout)
    assert (obj["exported"], obj["unchanged"]) == (1, 1)
    check_agrees(out, summary_json(logs))


def test_files_from_stdin_and_no_stdin_logs(tmp_path: Path) -> None:
    listing = f"{EXAMPLES / 'ga_session.jsonl'}\n\n# a comment\n{EXAMPLES / 'ulaw_session.jsonl'}\n".encode()
    r = run_cli("export", "--files-from", "-", "-o", tmp_path, "--format", "jsonl", "--json", input=listing, stderr="")
    assert orjson.loads(r.stdout)["exported"] == 2
    r = run_cli("export", "-", "-o", tmp_path, exit_code=2, stderr=None)
    assert r.stderr == "rtlog: error: export reads files, not stdin ('-'): an incremental export needs names to remember\n"


@pytest.fixture(scope="module")
def few_logs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    d = tmp_path_factory.mktemp("few")
    out = []
    for name in ("beta_session.jsonl", "ga_session.jsonl", "ulaw_session.jsonl"):
        shutil.copy(EXAMPLES / name, d / name)
        out.append(d / name)
    data, _ = generated_log("beta", "time-source", seed=3, minutes=0.1)
    (d / "gen.jsonl").write_bytes(data)
    return [*out, d / "gen.jsonl"]


def _sorted_tables(out: Path) -> dict:
    # by column name: a column first seen in a later run comes after the earlier ones
    return {t: sorted(orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in read_jsonl(out / f"{t}.jsonl")) for t in TABLES}


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=st.lists(st.integers(0, 3), min_size=4, max_size=4))
def test_exporting_in_several_runs_gives_the_tables_of_one_run(tmp_path_factory: pytest.TempPathFactory, few_logs: list[Path], runs: list[int]) -> None:
    """Whatever run each file is first exported in (a nightly job's days), the tables end up the same."""
    base = tmp_path_factory.mktemp("runs")
    prices = builtin_table()
    once = base / "once"
    export(list_inputs([str(p) for p in few_logs]), str(once), prices, fmt="jsonl", jobs=1)
    inc = base / "inc"
    for day in range(4):
        todo = [str(p) for p, d in zip(few_logs, runs) if d <= day]
        if todo:
            export(list_inputs(todo), str(inc), prices, fmt="jsonl", jobs=1)
    assert _sorted_tables(inc) == _sorted_tables(once)


def _dies_on_b(inp, *args, **kwargs):
    """A worker that dies (killed, out of memory) while exporting b.jsonl."""
    if inp.name.endswith("b.jsonl"):
        os._exit(1)
    return export_one(inp, *args, **kwargs)


def test_a_worker_that_dies_loses_no_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rtlog.export.run as run

    logs = tmp_path / "logs"
    logs.mkdir()
    for name, src in (("a.jsonl", "beta_session.jsonl"), ("b.jsonl", "ga_session.jsonl"), ("c.jsonl", "ulaw_session.jsonl")):
        shutil.copy(EXAMPLES / src, logs / name)
    out = tmp_path / "out"
    monkeypatch.setattr(run, "export_one", _dies_on_b)
    r = run_cli("export", logs, "-o", out, "--format", "jsonl", "-j", "2", "--json", exit_code=2, stderr=None)
    failed = {e["file"]: e["error"] for e in read_jsonl(out / "export_errors.jsonl")}
    assert failed[str(logs / "b.jsonl")].startswith("the task failed: BrokenProcessPool")
    done = list(orjson.loads((out / "manifest.json").read_bytes())["files"])
    assert sorted([*done, *failed]) == [str(logs / n) for n in ("a.jsonl", "b.jsonl", "c.jsonl")]  # each file accounted for
    assert orjson.loads(r.stdout)["failed"] == len(failed)
    monkeypatch.setattr(run, "export_one", export_one)
    run_cli("export", logs, "-o", out, "--format", "jsonl", "-j", "2", stderr=None)  # the next run does the rest
    assert read_jsonl(out / "export_errors.jsonl") == []
    check_agrees(out, summary_json(logs))


def test_two_bad_files_are_two_rows_of_export_errors(tmp_path: Path) -> None:
    """(The staged export_errors was opened again for each failed file, truncating the rows
    before it: the second failure made the run an internal error.)"""
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(EXAMPLES / "ga_session.jsonl", logs / "good.jsonl")
    (logs / "bad1.jsonl").write_bytes(b"not a log\n")
    (logs / "bad2.jsonl").write_bytes(b"nor this\n")
    for fmt in ("jsonl", "parquet"):
        run_cli("export", logs, "-o", tmp_path / fmt, "--format", fmt, "-j", "1", exit_code=2, stderr=None)
    assert [r["file"] for r in read_jsonl(tmp_path / "jsonl" / "export_errors.jsonl")] == [str(logs / "bad1.jsonl"), str(logs / "bad2.jsonl")]
    from rtlog.export.parquet import read_rows

    assert [r["file"] for r in read_rows(str(tmp_path / "parquet" / "export_errors.parquet"))] == [str(logs / "bad1.jsonl"), str(logs / "bad2.jsonl")]


def test_a_task_of_several_files_that_dies_accounts_for_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small files go several to a task: a task that dies is an error row for each of its
    files (and for those the broken pool never ran), none lost, none twice."""
    import rtlog.export.run as run

    logs = tmp_path / "logs"
    logs.mkdir()
    names = [f"{k:02d}{'b' if k == 5 else ''}.jsonl" for k in range(40)]  # 40 files, 2 workers: 2 a task
    for name in names:
        shutil.copy(EXAMPLES / "ga_session.jsonl", logs / name)
    monkeypatch.setattr(run, "export_one", _dies_on_b)
    r = run_cli("export", logs, "-o", tmp_path / "out", "--format", "jsonl", "-j", "2", "--json", exit_code=2, stderr=None)
    failed = [e["file"] for e in read_jsonl(tmp_path / "out" / "export_errors.jsonl")]
    done = list(orjson.loads((tmp_path / "out" / "manifest.json").read_bytes())["files"])
    assert sorted(failed + done) == [str(logs / n) for n in names] and len(set(failed + done)) == 40
    assert str(logs / "05b.jsonl") in failed and str(logs / "04.jsonl") in failed  # its task's other file
    assert all(e["error"].startswith("the task failed: ") for e in read_jsonl(tmp_path / "out" / "export_errors.jsonl"))
    assert orjson.loads(r.stdout)["failed"] == len(failed)
    assert len(read_jsonl(tmp_path / "out" / "files.jsonl")) == len(done)


def test_a_log_with_times_of_day_only(tmp_path: Path) -> None:
    """Times without a date: the span's length and latency are known, its start is no timestamp."""
    records = []
    for i, line in enumerate((EXAMPLES / "ga_session.jsonl").read_bytes().splitlines()):
        ev = orjson.loads(line)
        ev["timestamp"] = f"10:00:{i // 60:02d}.{(i % 60) * 10:03d}"
        records.append(ev)
    log = write_log(tmp_path / "tod.jsonl", records)
    run_cli("export", log, "-o", tmp_path / "pq", stderr=None)  # Parquet: a TIMESTAMP column that must not get "10:00:00"
    out = run_cli("query", tmp_path / "pq", "SELECT span_start, span_seconds, latency_ms_count FROM files").stdout
    assert out == "span_start,span_seconds,latency_ms_count\n,10.03,4\n"
    run_cli("export", log, "-o", tmp_path / "j", "--format", "jsonl", stderr=None)
    check_agrees(tmp_path / "j", summary_json(log))


def test_ctrl_c_on_a_real_process_leaves_the_earlier_tables(tmp_path: Path, generated_dir: Path) -> None:
    """SIGINT to `rtlog export` while it reads: exit 130, the earlier export byte for byte."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    run_cli("export", EXAMPLES / "ga_session.jsonl", "-o", out, "--format", "jsonl", stderr=None)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    p = subprocess.Popen([sys.executable, "-m", "rtlog", "export", str(generated_dir), "-o", str(out), "--format", "jsonl", "-j", "2"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)  # fmt: skip
    deadline = time.monotonic() + 30
    while not any(n.startswith(".rtlog-export-") for n in os.listdir(out)):  # it is reading the logs
        assert p.poll() is None and time.monotonic() < deadline, "the export ended before it could be interrupted"
        time.sleep(0.005)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert (p.returncode, err.decode().splitlines()[-1]) == (130, "rtlog: error: interrupted")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_per_turn_metrics_of_the_summary_become_turns_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn-taking per turn (issue 15's `turn_taking.turns`), once in `summary --json`, are
    columns of `turns`: named `turn_taking_<field>`, nested objects flattened, lists counted."""
    from rtlog.metrics.summary import Summary

    as_json = Summary.as_json

    def with_turns(self):
        turns = [{"turn": k, "line": 1, "how": "speech", "response_gap_ms": 100.0 * k, "barge_in": k == 2,
                  "yielded_by": "truncated" if k == 2 else None, "response_ids": ["a", "b"],
                  "latency": {"total_ms": 5.5, "steps": [1, 2, 3]}} for k in range(1, self.user_turns + 1)]  # fmt: skip
        return {**as_json(self), "turn_taking": {"talk_over_seconds": 0.5, "turns": turns}}

    monkeypatch.setattr(Summary, "as_json", with_turns)
    run_cli("export", EXAMPLES / "ga_session.jsonl", "-o", tmp_path, "-j", "1", stderr=None)
    q = ("SELECT turn, turn_taking_response_gap_ms, turn_taking_barge_in, turn_taking_yielded_by, turn_taking_response_ids, "
         "turn_taking_latency_total_ms, turn_taking_latency_steps FROM turns ORDER BY turn")  # fmt: skip
    assert run_cli("query", tmp_path, q).stdout.splitlines()[1:] == [
        "1,100.0,false,,2,5.5,3", "2,200.0,true,truncated,2,5.5,3", "3,300.0,false,,2,5.5,3", "4,400.0,false,,2,5.5,3"]
    files = run_cli("query", tmp_path, "SELECT turn_taking_talk_over_seconds, turn_taking_turns FROM files").stdout
    assert files == "turn_taking_talk_over_seconds,turn_taking_turns\n0.5,4\n"


def _export_agrees(data: bytes, base: Path) -> None:
    """A hostile log: the export never crashes; exported, its tables agree with the summary,
    and Parquet (typed) holds what JSONL holds; refused, it is one row of export_errors."""
    from rtlog.export.query import open_export

    log = base / "log.jsonl"
    log.write_bytes(data)
    res = export(list_inputs([str(log)]), str(base / "j"), builtin_table(), fmt="jsonl", jobs=1, full=True)
    export(list_inputs([str(log)]), str(base / "p"), builtin_table(), fmt="parquet", jobs=1, full=True)
    if res.failed:
        assert [e["file"] for e in read_jsonl(base / "j" / "export_errors.jsonl")] == [str(log)]
        return
    check_agrees(base / "j", summary_json(log), every_audio_has_its_response=False)
    rows = {}
    for fmt in ("j", "p"):
        con = open_export(str(base / fmt))
        rows[fmt] = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
        con.close()
    assert rows["j"] == rows["p"]


from test_fuzz_commands import dumps, garbage_line, lines_file, mutated_sessions, wrong_typed_events  # noqa: E402


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(wrong_typed_events.map(dumps) | garbage_line, min_size=1, max_size=12))
def test_events_with_fields_of_the_wrong_type_export_as_summary_says(tmp_path_factory: pytest.TempPathFactory, lines: list[bytes]) -> None:
    _export_agrees(lines_file(lines, True), tmp_path_factory.mktemp("wrong"))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutated_sessions())
def test_mutated_sessions_export_as_summary_says(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    _export_agrees(data, tmp_path_factory.mktemp("mutated"))
