"""Beyond one machine: the export as tasks on a real Dask cluster gives the same tables as a
local run; `--format otlp-json` is OTLP that the official protobuf definitions parse, with one
trace per session and spans nested conversation → turn → response → tool call."""

from __future__ import annotations

import base64
from pathlib import Path

import orjson
import pytest
from conftest import EXAMPLES, generated_log, run_cli

from rtlog.export import schema as export_schema

TABLES = list(export_schema.TABLES)


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fleet")
    for k, (dialect, envelope) in enumerate([("ga", "none"), ("beta", "time-source"), ("ga", "direction-data"), ("beta", "none")]):
        data, _ = generated_log(dialect, envelope, seed=10 + k, minutes=0.3)
        (d / f"call{k}.jsonl").write_bytes(data)
    (d / "broken.jsonl").write_bytes(b"not a log\n")
    return d


def test_a_dask_cluster_writes_the_same_tables_as_a_local_run(tmp_path: Path, logs: Path) -> None:
    from distributed import LocalCluster

    run_cli("export", logs, "-o", tmp_path / "local", "--format", "jsonl", "-j", "2", exit_code=2, stderr=None)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40) as cluster:
        r = run_cli("export", logs, "-o", tmp_path / "dask", "--format", "jsonl", "--scheduler", cluster.scheduler_address,
                    exit_code=2, stderr=None)  # fmt: skip
    assert r.stderr.splitlines()[-1].startswith(f"rtlog: exported 4 files to {tmp_path / 'dask'} (1 failed, in export_errors)")
    for t in TABLES:
        assert (tmp_path / "dask" / f"{t}.jsonl").read_bytes() == (tmp_path / "local" / f"{t}.jsonl").read_bytes(), t
    assert [orjson.loads(x)["file"] for x in (tmp_path / "dask" / "export_errors.jsonl").read_bytes().splitlines()] == [
        str(logs / "broken.jsonl")]


@pytest.mark.slow  # Dask retries a refused connection until its 10 s timeout
def test_an_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    r = run_cli("export", EXAMPLES / "ga_session.jsonl", "-o", tmp_path, "--format", "jsonl", "--scheduler", "tcp://127.0.0.1:1",
                exit_code=2, stderr=None)  # fmt: skip
    assert r.stderr.startswith("rtlog: error: --scheduler tcp://127.0.0.1:1: cannot connect: ") and r.stderr.count("\n") == 1
    assert not (tmp_path / "manifest.json").exists()


# --- OpenTelemetry ----------------------------------------------------------------------------


def _parse(line: bytes):
    """OTLP/JSON → the protobuf message. OTLP/JSON differs from protobuf's JSON mapping in
    one thing: trace and span ids are hex, not base64 (the OTLP spec); convert those."""
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    obj = orjson.loads(line)
    for rs in obj["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for sp in ss["spans"]:
                for k in ("traceId", "spanId", "parentSpanId"):
                    if k in sp:
                        sp[k] = base64.b64encode(bytes.fromhex(sp[k])).decode()
    return json_format.Parse(orjson.dumps(obj), ExportTraceServiceRequest())  # unknown fields would raise


def _attrs(span) -> dict:
    out = {}
    for kv in span.attributes:
        v = kv.value
        out[kv.key] = getattr(v, v.WhichOneof("value")) if v.WhichOneof("value") != "array_value" else [
            x.string_value for x in v.array_value.values]
    return out


def test_otlp_traces_parse_with_the_official_definitions(tmp_path: Path, logs: Path) -> None:
    r = run_cli("export", logs, EXAMPLES, "-o", tmp_path, "--format", "otlp-json", "-j", "1", exit_code=2, stderr=None)
    assert f"rtlog: warning: {EXAMPLES / 'beta_session.jsonl'}: no dated timestamps in the log: no trace written (OTLP spans need times)" in r.stderr
    lines = (tmp_path / "traces.jsonl").read_bytes().splitlines()
    assert f"rtlog: warning: {logs / 'call2.jsonl'}: no dated timestamps in the log: no trace written (OTLP spans need times)" in r.stderr
    assert len(lines) == 4  # 3 generated calls and examples/ga_session.jsonl (pydantic-ai cassettes, beta and ulaw have no times)
    summaries = orjson.loads(run_cli("summary", "--json", "-j", "1", *sorted(logs.glob("call*.jsonl")), EXAMPLES / "ga_session.jsonl").stdout)
    by_file = {f["file"]: f for f in summaries["files"]}
    for line in lines:
        req = _parse(line)
        [rs] = req.resource_spans
        file = _attrs(rs.resource)["rtlog.file"]
        s = by_file[file]
        spans = list(rs.scope_spans[0].spans)
        by_id = {sp.span_id: sp for sp in spans}
        roots = [sp for sp in spans if not sp.parent_span_id]
        assert len(roots) == len(s["sessions"]) == 1
        root = roots[0]
        assert {sp.trace_id for sp in spans} == {root.trace_id} and len(root.trace_id) == 16 and len(root.span_id) == 8
        for sp in spans:  # parents exist, times are ordered and within the session
            assert sp.end_time_unix_nano >= sp.start_time_unix_nano > 0
            assert root.start_time_unix_nano <= sp.start_time_unix_nano <= root.end_time_unix_nano
            if sp.parent_span_id:
                assert sp.parent_span_id in by_id
        kinds = {}
        for sp in spans:
            kinds.setdefault(_attrs(sp).get("gen_ai.operation.name", "turn"), []).append(sp)
        assert len(kinds["turn"]) == s["user_turns"]
        assert len(kinds["chat"]) == s["responses"]["total"]
        assert len(kinds.get("execute_tool", [])) == sum(s["function_calls"].values())
        for sp in kinds["chat"]:  # a response under its turn, inside it
            parent = by_id[sp.parent_span_id]
            assert parent.name.startswith("turn ")
            assert parent.start_time_unix_nano <= sp.start_time_unix_nano and sp.end_time_unix_nano <= parent.end_time_unix_nano
        for sp in kinds.get("execute_tool", []):  # a tool call under the response that made it
            assert _attrs(by_id[sp.parent_span_id])["gen_ai.operation.name"] == "chat"
            assert _attrs(sp)["gen_ai.tool.name"] == "get_weather" and _attrs(sp)["gen_ai.tool.call.id"].startswith("call_")
        for key, usage_key in (("gen_ai.usage.input_tokens", "input_tokens"), ("gen_ai.usage.output_tokens", "output_tokens"),
                               ("gen_ai.usage.cache_read.input_tokens", "cached_tokens"),
                               ("rtlog.usage.output_audio_tokens", "output_audio_tokens")):  # fmt: skip
            assert sum(_attrs(sp).get(key, 0) for sp in kinds["chat"]) == s["usage"][usage_key]
            assert _attrs(root)[key] == s["usage"][usage_key]
        ra = _attrs(root)
        assert ra["gen_ai.conversation.id"] == s["sessions"][0]["id"] and ra["gen_ai.request.model"] == s["sessions"][0]["model"]
        assert ra["gen_ai.provider.name"] == "openai" and ra["rtlog.interruptions"] == s["interruptions"]
        assert ra["rtlog.audio.heard_seconds"] == s["audio_seconds"]["output_heard"]
        cancelled = [sp for sp in kinds["chat"] if _attrs(sp)["gen_ai.response.finish_reasons"] == ["cancelled"]]
        assert len(cancelled) == s["responses"]["cancelled"]
    # a re-export gives the same ids (a backend deduplicates)
    run_cli("export", logs, EXAMPLES, "-o", tmp_path / "again", "--format", "otlp-json", "-j", "1", exit_code=2, stderr=None)
    assert (tmp_path / "again" / "traces.jsonl").read_bytes() == (tmp_path / "traces.jsonl").read_bytes()


def test_otlp_traces_of_the_real_corpus_parse(tmp_path: Path) -> None:
    from conftest import corpus_files

    paths = corpus_files("derived") + corpus_files("wrapped")
    if not paths:
        pytest.skip("../shared/corpus/real is not here")
    run_cli("export", *paths, "-o", tmp_path, "--format", "otlp-json", "-j", "1", stderr=None)
    lines = (tmp_path / "traces.jsonl").read_bytes().splitlines()
    assert len(lines) >= 20  # the recordings with dated timestamps
    for line in lines:
        [rs] = _parse(line).resource_spans
        spans = list(rs.scope_spans[0].spans)
        ids = {sp.span_id for sp in spans}
        roots = [sp for sp in spans if not sp.parent_span_id]
        assert roots and all(sp.parent_span_id in ids for sp in spans if sp.parent_span_id)
        assert len({sp.trace_id for sp in spans}) == len(roots)  # one trace per session
        assert all(sp.end_time_unix_nano >= sp.start_time_unix_nano > 0 for sp in spans)
