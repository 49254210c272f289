"""`rtlog diff`: generated pairs with known changes show exactly those changes and trip
exactly the rules they should; a log against itself (or a copy in another envelope or
compressed) shows nothing; swapping A and B negates every change; cohorts with a known
difference get an interval that holds it; the README's CI step runs as written."""

from __future__ import annotations

import gzip
import io
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import CORPUS, REPO, needs_corpus, run_cli, run_rtlog
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(REPO / "bench"))
from gen_variant import EXTRA_CALL, generate_variant  # noqa: E402

sys.path.remove(str(REPO / "bench"))

MINUTES = 0.3
SEED = 3


def variant(path: Path, **kw: Any) -> dict[str, Any]:
    buf = io.BytesIO()
    truth = generate_variant(buf, minutes=kw.pop("minutes", MINUTES), seed=kw.pop("seed", SEED), **kw)
    path.write_bytes(buf.getvalue())
    return truth


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("variants")
    out = {}
    for name, kw in {
        "base": {}, "model": {"model": "gpt-realtime-mini"},
        "instructions": {"instructions": "You are terse.\nNever guess."},
        "latency": {"latency_ms": 200}, "error": {"error_code": "rate_limit_exceeded"},
        "tool": {"extra_tool_call": True}, "envelope": {"envelope": "time-source"},
    }.items():  # fmt: skip
        out[name] = d / f"{name}.jsonl"
        out[name + ".truth"] = variant(out[name], **kw)  # type: ignore[assignment]
    out["gz"] = d / "base-copy.jsonl.gz"
    out["gz"].write_bytes(gzip.compress(out["base"].read_bytes()))
    return out


def diff_json(*args: Any, exit_code: int = 1, stderr: str | None = "") -> dict[str, Any]:
    return orjson.loads(run_cli("diff", *map(str, args), "--json", exit_code=exit_code, stderr=stderr).stdout)


def changed(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v["delta"] for k, v in d["metrics"].items() if v["changed"]}


# --- a log against itself and its copies ------------------------------------------------------


@pytest.mark.parametrize("other", ["base", "envelope", "gz"])
def test_a_log_against_itself_or_a_copy_says_no_differences(logs: dict[str, Path], other: str) -> None:
    r = run_cli("diff", logs["base"], logs[other], exit_code=0)
    assert r.stdout.split("\n")[2:] == ["", "no differences", "", ""]
    d = diff_json(logs["base"], logs[other], exit_code=0)
    assert (d["differs"], d["config"], changed(d), d["transcript"]["differing"]) == (False, [], {}, [])
    assert d["outcome"] == {"tool_calls": [], "errors": [], "warnings": []}


# --- generated pairs with known changes -------------------------------------------------------


def test_model_change_shows_the_model_and_its_price(logs: dict[str, Path]) -> None:
    d = diff_json(logs["base"], logs["model"])
    assert d["config"] == [{"field": "model", "session": 1, "a": "gpt-realtime-2025-08-28", "b": "gpt-realtime-mini"}]
    assert set(changed(d)) == {"cost", "cost_per_min"}
    assert d["metrics"]["cost"]["delta"] < 0  # mini is cheaper
    assert d["outcome"]["tool_calls"] == [] and d["transcript"]["differing"] == []


def test_instructions_change_is_a_line_diff_or_hash_and_size(logs: dict[str, Path]) -> None:
    d = diff_json(logs["base"], logs["instructions"])
    (c,) = d["config"]
    assert (c["field"], c["b"]) == ("instructions", "You are terse.\nNever guess.")
    assert c["diff"] == ["@@ -1 +1,2 @@", "-" + c["a"], "+You are terse.", "+Never guess."]
    assert changed(d) == {} and d["transcript"]["differing"] == []
    (c,) = diff_json(logs["base"], logs["instructions"], "--no-text")["config"]
    import hashlib

    assert c["b"] == {"sha256": hashlib.sha256(b"You are terse.\nNever guess.").hexdigest()[:16], "chars": 27, "lines": 2}
    assert (c["a"]["chars"], c["a"]["lines"], c["diff"]) == (130, 1, None)


def test_an_extra_tool_call_shows_in_its_turn_counts_tokens_and_transcript(logs: dict[str, Path]) -> None:
    d = diff_json(logs["base"], logs["tool"])
    assert d["config"] == []
    assert changed(d) == {"responses": 1, "responses.completed": 1, "tool_calls": 1, "tokens.input": 120,
                          "tokens.output": 10, "tokens.total": 130,
                          "cost": d["metrics"]["cost"]["delta"], "cost_per_min": d["metrics"]["cost_per_min"]["delta"]}  # fmt: skip
    assert d["outcome"]["tool_calls"] == [{"turn": 1, "a": [], "b": [{"name": "get_weather", "arguments": EXTRA_CALL["arguments"]}]}]
    (turn,) = d["transcript"]["differing"]
    assert turn == {"turn": 1, "entries": [
        {"role": "assistant", "type": "function_call", "a": None, "b": 'get_weather({"city":"Lisbon"})',
         "words": [["+", 'get_weather({"city":"Lisbon"})']]},
        {"role": "tool", "type": "function_call_output", "a": None, "b": EXTRA_CALL["output"], "words": [["+", EXTRA_CALL["output"]]]},
    ]}  # fmt: skip


def test_slower_answers_move_latency_by_exactly_the_delay(logs: dict[str, Path]) -> None:
    d = diff_json(logs["base"], logs["latency"])
    truth = logs["latency.truth"]["variant"]  # type: ignore[index]
    gaps = ("response_gap.p50", "response_gap.p90", "response_gap.max")  # the dead air: the same delay
    assert set(changed(d)) == {"duration", "latency.p50", "latency.p90", "latency.max", *gaps, "cost_per_min"}
    assert [d["metrics"][k]["delta"] for k in ("latency.p50", "latency.p90", "latency.max", *gaps)] == [200.0] * 6
    assert d["metrics"]["duration"]["delta"] == truth["duration_added_s"]
    assert d["config"] == [] and d["transcript"]["differing"] == []


def test_an_added_error_is_counted_by_code(logs: dict[str, Path]) -> None:
    d = diff_json(logs["base"], logs["error"])
    assert changed(d) == {"errors": 1}
    assert d["outcome"]["errors"] == [{"code": "rate_limit_exceeded", "a": 0, "b": 1}]
    assert d["config"] == [] and d["transcript"]["differing"] == []


RULES = "latency.p90>+100,cost>+5%,errors>+0,tool_calls>+0,model,instructions,transcript"


@pytest.mark.parametrize(("name", "tripped"), [
    ("base", []),
    ("model", ["model"]),
    ("instructions", ["instructions"]),
    ("latency", ["latency.p90>+100"]),
    ("error", ["errors>+0"]),
    ("tool", ["tool_calls>+0", "transcript"]),
])  # fmt: skip
def test_the_gate_trips_exactly_the_rules_that_should(logs: dict[str, Path], name: str, tripped: list[str]) -> None:
    r = run_cli("diff", logs["base"], logs[name], "--fail-on", RULES, exit_code=1 if tripped else 0, stderr=None)
    got = [line.split(": ")[2] for line in r.stderr.splitlines()]
    assert got == tripped
    assert all(line.startswith("rtlog: tripped: ") for line in r.stderr.splitlines())


def test_a_value_rule_reads_b_and_an_unknown_metric_cannot_be_judged(logs: dict[str, Path], tmp_path: Path) -> None:
    # the generated session has one error (a cancel with nothing active): errors>0 reads B
    r = run_cli("diff", logs["base"], logs["base"], "--fail-on", "errors>0", exit_code=1, stderr=None)
    assert r.stderr == "rtlog: tripped: errors>0: B 1 (A 1)\n"
    # the direction-data envelope has no timestamps: latency is unknown in B
    untimed = tmp_path / "untimed.jsonl"
    variant(untimed, envelope="direction-data")
    r = run_cli("diff", logs["base"], untimed, "--fail-on", "latency.p90>+20%", exit_code=2, stderr=None)
    assert r.stderr == "rtlog: error: --fail-on latency.p90>+20%: cannot tell: latency.p90 is unknown in B\n"


# --- properties -------------------------------------------------------------------------------


def _negated(x: Any) -> Any:
    return None if x is None else -x


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(1, 50), opts=st.fixed_dictionaries({
    "latency_ms": st.sampled_from([0, 150]), "extra_tool_call": st.booleans(),
    "error_code": st.sampled_from([None, "server_error"]), "model": st.sampled_from([None, "gpt-realtime-mini"]),
}))  # fmt: skip
def test_swapping_a_and_b_negates_every_change_and_a_log_against_itself_is_empty(seed: int, opts: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> None:
    d = tmp_path_factory.mktemp("prop")
    a, b = d / "a.jsonl", d / "b.jsonl"
    variant(a, seed=seed, minutes=0.15)
    variant(b, seed=seed, minutes=0.15, **opts)
    same = diff_json(a, a, exit_code=0)
    assert (same["differs"], changed(same), same["config"], same["transcript"]["differing"]) == (False, {}, [], [])
    differs = any(v for v in opts.values())
    ab, ba = diff_json(a, b, exit_code=int(differs)), diff_json(b, a, exit_code=int(differs))
    assert ab["differs"] == ba["differs"] == differs
    for k, row in ab["metrics"].items():
        other = ba["metrics"][k]
        assert (other["a"], other["b"], other["delta"], other["changed"]) == (row["b"], row["a"], _negated(row["delta"]), row["changed"])
    assert [(c["field"], c["b"], c["a"]) for c in ba["config"]] == [(c["field"], c["a"], c["b"]) for c in ab["config"]]
    assert [(e["code"], e["b"], e["a"]) for e in ba["outcome"]["errors"]] == [(e["code"], e["a"], e["b"]) for e in ab["outcome"]["errors"]]
    flip = {"=": "=", "-": "+", "+": "-"}
    words_ab = [[(flip[op], w) for op, w in e["words"]] for t in ab["transcript"]["differing"] for e in t["entries"]]
    words_ba = [[(op, w) for op, w in e["words"]] for t in ba["transcript"]["differing"] for e in t["entries"]]
    assert sorted(map(sorted, words_ab)) == sorted(map(sorted, words_ba))


# --- exact --json on a small constructed pair --------------------------------------------------

_W = {"type": "function", "name": "get_weather", "description": "Weather.", "parameters": {"type": "object"}}


def _tiny(path: Path, voice: str, instructions: str, tools: list[Any], said: str, tokens: tuple[int, int], error: bool = False) -> Path:
    i, o = tokens
    usage = {"total_tokens": i + o, "input_tokens": i, "output_tokens": o,
             "input_token_details": {"text_tokens": i, "audio_tokens": 0, "cached_tokens": 0},
             "output_token_details": {"text_tokens": o, "audio_tokens": 0}}  # fmt: skip
    user = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello there"}]}
    events = [
        {"type": "session.created", "event_id": "e1", "session": {"id": "sess_1", "model": "gpt-realtime", "voice": voice,
         "instructions": instructions, "tools": tools, "output_modalities": ["text"],
         "audio": {"input": {"turn_detection": None, "transcription": None}}}},
        {"type": "conversation.item.create", "item": user},
        {"type": "conversation.item.added", "event_id": "e2", "item": {"id": "item_u", **user}},
        {"type": "response.create"},
        {"type": "response.created", "event_id": "e3", "response": {"id": "resp_1", "status": "in_progress", "output": []}},
        {"type": "response.output_item.added", "event_id": "e4", "response_id": "resp_1",
         "item": {"id": "item_a", "type": "message", "role": "assistant", "content": []}},
        {"type": "response.output_text.delta", "event_id": "e5", "response_id": "resp_1", "item_id": "item_a", "delta": said},
        {"type": "response.done", "event_id": "e6", "response": {"id": "resp_1", "status": "completed", "usage": usage, "output": [
            {"id": "item_a", "type": "message", "role": "assistant", "content": [{"type": "output_text", "text": said}]}]}},
    ]  # fmt: skip
    if error:
        events.append({"type": "error", "event_id": "e7", "error": {"type": "invalid_request_error", "code": "bad_thing", "message": "no"}})
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    return path


def _row(a: Any, b: Any, delta: Any, rel: Any, ch: bool) -> dict[str, Any]:
    return {"a": a, "b": b, "delta": delta, "relative": rel, "changed": ch}


def test_json_of_a_small_pair_is_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _tiny(tmp_path / "a.jsonl", "marin", "Be brief.", [_W], "Hi! How can I help?", (100, 10))
    _tiny(tmp_path / "b.jsonl", "cedar", "Be brief.\nBe kind.", [dict(_W, description="Now."), {"type": "function", "name": "lookup_order"}],
          "Hi! What can I do?", (120, 8), error=True)  # fmt: skip
    d = diff_json("a.jsonl", "b.jsonl", "--fail-on", "errors>+0,tokens.total>+20%,voice", stderr=None)
    unknown = _row(None, None, None, None, False)
    zero = {k: _row(v, v, 0, 0.0, False) for k, v in (("turns", 1), ("responses", 1), ("responses.completed", 1))}
    nothing = {k: _row(0, 0, 0, 0.0, False) for k in ("responses.cancelled", "responses.incomplete", "responses.failed",
                                                       "responses.unfinished", "interruptions", "tool_calls")}  # fmt: skip
    assert d == {
        "mode": "sessions", "a": "a.jsonl", "b": "b.jsonl", "differs": True,
        "config": [
            {"field": "voice", "session": 1, "a": "marin", "b": "cedar"},
            {"field": "instructions", "session": 1, "a": "Be brief.", "b": "Be brief.\nBe kind.",
             "diff": ["@@ -1 +1,2 @@", " Be brief.", "+Be kind."]},
            {"field": "tools", "session": 1, "a": ["get_weather"], "b": ["get_weather", "lookup_order"],
             "added": ["lookup_order"], "removed": [], "changed": ["get_weather"], "changed_keys": {"get_weather": ["description"]}},
        ],
        "outcome": {"tool_calls": [], "errors": [{"code": "bad_thing", "a": 0, "b": 1}], "warnings": []},
        "metrics": {
            "duration": unknown, **zero, **nothing,
            "errors": _row(0, 1, 1, None, True),
            "transcription_failures": _row(0, 0, 0, 0.0, False), "warnings": _row(0, 0, 0, 0.0, False),
            "latency.p50": unknown, "latency.p90": unknown, "latency.max": unknown,
            # turn-taking: no timestamps, so unknown; the one turn was answered
            "response_gap.p50": unknown, "response_gap.p90": unknown, "response_gap.max": unknown,
            "talk_over": unknown, "talk_over.count": unknown, "overlap_ratio": unknown,
            "interruptions.by_user": unknown, "interruptions.by_agent": unknown, "time_to_yield.p50": unknown,
            "unanswered": _row(0, 0, 0, 0.0, False), "false_barge_ins": unknown,
            "audio.input": unknown, "audio.output": unknown, "audio.heard": unknown, "heard_share": unknown,
            "tokens.input": _row(100, 120, 20, 0.2, True), "tokens.cached": _row(0, 0, 0, 0.0, False),
            "tokens.output": _row(10, 8, -2, -0.2, True), "tokens.total": _row(110, 128, 18, 0.163636, True),
            "cost": _row(0.00056, 0.000608, 0.000048, 0.085714, True), "cost_per_min": unknown,
        },
        "transcript": {"turns": 1, "differing": [{"turn": 1, "entries": [
            {"role": "assistant", "type": "message", "a": "Hi! How can I help?", "b": "Hi! What can I do?",
             "words": [["=", "Hi!"], ["-", "How"], ["+", "What"], ["=", "can I"], ["-", "help?"], ["+", "do?"]]}]}]},
        "rules": [
            {"rule": "errors>+0", "status": "tripped", "observed": 1, "reason": "0 → 1"},
            {"rule": "tokens.total>+20%", "status": "ok", "observed": 0.163636, "reason": "110 → 128 (+16.4%)"},
            {"rule": "voice", "status": "tripped", "observed": None, "reason": "changed"},
        ],
    }  # fmt: skip


def test_report_of_a_small_pair_is_exact_plain_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _tiny(tmp_path / "a.jsonl", "marin", "Be brief.", [_W], "Hi! How can I help?", (100, 10))
    _tiny(tmp_path / "b.jsonl", "marin", "Be brief.", [_W], "Hi! What can I do?", (100, 10), error=True)
    r = run_cli("diff", "a.jsonl", "b.jsonl", exit_code=1)
    assert r.stdout == (
        "A a.jsonl\nB b.jsonl\n\n"
        "Outcome\n"
        "                  A   B\n"
        "───────────────────────\n"
        "error bad_thing   0   1\n\n"
        "Numbers\n"
        "         A   B   change\n"
        "─────────────────────────────\n"
        "errors   0   1       +1   new\n\n"
        "Transcript: 1 of 1 turn differs\n"
        "turn 1\n"
        "  assistant Hi! [-How-] {+What+} can I [-help?-] {+do?+}\n\n"
    )


# --- real recordings --------------------------------------------------------------------------


@needs_corpus
def test_every_real_log_against_its_wrapped_copy_says_no_differences() -> None:
    for f in sorted((CORPUS / "derived").glob("*.jsonl")):
        wrapped = CORPUS / "wrapped" / f.name
        if wrapped.exists():
            d = diff_json(f, wrapped, exit_code=0, stderr=None)
            assert d["differs"] is False, f.name


@needs_corpus
def test_real_pair_openai_and_xai_runs_of_one_script() -> None:
    a = CORPUS / "derived" / "pydantic__pydantic-ai__test_parity_ws__test_text_tool_round_parity[openai-current].jsonl"
    b = CORPUS / "derived" / "pydantic__pydantic-ai__test_parity_ws__test_text_tool_round_parity[xai-current].jsonl"
    d = diff_json(a, b, stderr=None)
    assert [c["field"] for c in d["config"]] == ["model", "voice", "modalities", "tools", "turn_detection", "transcription"]
    assert (d["config"][0]["a"], d["config"][0]["b"]) == ("gpt-realtime-2.1", "grok-voice-think-fast-1.0")
    assert d["outcome"]["tool_calls"] == []  # the same call, the same arguments
    assert d["metrics"]["cost"]["b"] is None and d["metrics"]["tool_calls"]["changed"] is False
    words = d["transcript"]["differing"][0]["entries"][1]["words"]
    assert ["=", "foggy and 12 degrees in London."] in words


@needs_corpus
def test_real_pair_truncated_and_full_input_audio() -> None:
    a = CORPUS / "derived" / "pydantic__pydantic-ai__test_openai_ws__test_audio_in_server_vad_turn.jsonl"
    b = CORPUS / "derived" / "pydantic__pydantic-ai__test_openai_ws__test_audio_in_server_vad_turn@c194c71b8.jsonl"
    d = diff_json(a, b, stderr=None)
    assert changed(d) == {"warnings": -1, "audio.input": d["metrics"]["audio.input"]["delta"]}
    assert d["metrics"]["audio.input"]["b"] == 5.488  # 263,424 bytes of PCM16 at 24 kHz
    assert d["outcome"]["warnings"][0]["warning"].startswith("user input audio cut by the recorder")


# --- bad input --------------------------------------------------------------------------------


def test_unusable_input_exits_2_with_one_line(tmp_path: Path, logs: dict[str, Path]) -> None:
    run_cli("diff", logs["base"], tmp_path / "nope.jsonl", exit_code=2, stderr=f"rtlog: error: {tmp_path / 'nope.jsonl'}: no such file or directory\n")
    run_cli("diff", logs["base"], tmp_path, exit_code=2,
            stderr=f"rtlog: error: {tmp_path} is a folder and {logs['base']} a file: give two logs, or two folders\n")  # fmt: skip
    r = run_cli("diff", logs["base"], logs["base"], "--fail-on", "latency.p99>1", exit_code=2, stderr=None)
    assert r.stderr.startswith("rtlog: error: --fail-on 'latency.p99>1': unknown name 'latency.p99' (known: duration, turns,")
    run_cli("diff", logs["base"], logs["base"], "--fail-on", "latency.p90>>1", exit_code=2,
            stderr="rtlog: error: --fail-on 'latency.p90>>1': not a rule (NAME, or NAME OP VALUE as in 'latency.p90>+20%', 'errors>0')\n")  # fmt: skip
    run_cli("diff", logs["base"], logs["base"], "--fail-on", "model>1", exit_code=2,
            stderr="rtlog: error: --fail-on 'model>1': model is not a number; use the name alone (trips when it changed)\n")  # fmt: skip
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"not json\n")
    run_cli("diff", logs["base"], bad, exit_code=2, stderr=f"rtlog: warning: {bad}:1: invalid JSON: invalid literal, expected 'null' (column 1)\nrtlog: error: {bad}: no events found: not a JSONL event log?\n")


def test_stdin_as_one_side(logs: dict[str, Path]) -> None:
    run_cli("diff", "-", "-", exit_code=2, stderr="rtlog: error: A and B cannot both be stdin\n")
    d = orjson.loads(run_cli("diff", str(logs["base"]), "-", "--json", input=logs["error"].read_bytes(), exit_code=1).stdout)
    assert (d["b"], changed(d)) == ("<stdin>", {"errors": 1})


def test_piped_report_has_no_colour_no_trailing_spaces_and_fits_80_columns(logs: dict[str, Path]) -> None:
    r = run_rtlog("diff", logs["base"], logs["tool"], env={"COLUMNS": "80"})
    text = r.stdout.decode()
    assert r.returncode == 1 and "\x1b[" not in text
    assert all(line == line.rstrip() and len(line) <= 80 for line in text.splitlines())
    assert "  assistant {+get_weather({\"city\":\"Lisbon\"})+}" in text


# --- cohorts ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cohorts")
    spec = {"a": (100, 0), "b": (200, 250), "same": (100, 0)}
    for name, (seed, latency) in spec.items():
        (root / name).mkdir()
        for k in range(12):
            variant(root / name / f"s{k:02d}.jsonl", seed=seed + k, minutes=0.1, latency_ms=latency)
    (root / "few").mkdir()
    for k in range(3):
        shutil.copy(root / "b" / f"s{k:02d}.jsonl", root / "few")
    return {k: root / k for k in (*spec, "few")}


def test_a_known_latency_difference_lies_in_the_interval(cohorts: dict[str, Path]) -> None:
    d = diff_json(cohorts["a"], cohorts["b"], "-j", "1")
    lat = d["metrics"]["latency.p50"]
    assert lat["verdict"] == "higher" and lat["ci"][0] > 0
    assert lat["ci"][0] <= 250 <= lat["ci"][1]  # the truth: every answer 250 ms later
    assert (lat["a"]["n"], lat["b"]["n"]) == (12, 12)
    assert d["metrics"]["cost"]["verdict"] == "no change" and d["metrics"]["cost"]["ci"][0] < 0 < d["metrics"]["cost"]["ci"][1]
    assert (d["a"]["sessions"], d["b"]["sessions"], d["paired_sessions"], d["seed"], d["replicates"]) == (12, 12, 12, 17, 2000)
    assert d == diff_json(cohorts["a"], cohorts["b"])  # reproducible, in one process or several


def test_a_cohort_against_a_copy_of_itself_has_no_change(cohorts: dict[str, Path]) -> None:
    d = diff_json(cohorts["a"], cohorts["same"], "--fail-on", "latency.p90>+20%,cost_per_min>+10%,errors>+0", exit_code=0)
    assert {m["verdict"] for m in d["metrics"].values()} <= {"no change", "unknown"}
    assert all(m["delta"] in (0, None) for m in d["metrics"].values()) and d["moved"] == [] and d["config"] == []
    assert [r["status"] for r in d["rules"]] == ["ok", "ok", "ok"]


def test_swapping_cohorts_negates_the_intervals(cohorts: dict[str, Path]) -> None:
    ab, ba = diff_json(cohorts["a"], cohorts["b"]), diff_json(cohorts["b"], cohorts["a"])
    for k, m in ab["metrics"].items():
        n = ba["metrics"][k]
        assert n["delta"] == _negated(m["delta"]), k
        assert n["ci"] == (None if m["ci"] is None else [-m["ci"][1], -m["ci"][0]]), k


def test_too_few_sessions_to_tell(cohorts: dict[str, Path]) -> None:
    d = diff_json(cohorts["a"], cohorts["few"], "--fail-on", "latency.p50>+10%", exit_code=2, stderr=None)
    lat = d["metrics"]["latency.p50"]
    assert (lat["verdict"], lat["ci"], lat["b"]["n"]) == ("too few sessions", None, 3)
    r = run_cli("diff", cohorts["a"], cohorts["few"], "--fail-on", "latency.p50>+10%", exit_code=2, stderr=None)
    assert r.stderr == ("rtlog: error: --fail-on latency.p50>+10%: cannot tell: too few sessions to tell "
                        "(12 and 3 with latency.p50 known; at least 10 each)\n")  # fmt: skip
    assert "too few sessions to tell: 12 and 3 (at least 10 each): figures, no verdicts" in r.stdout
    run_cli("diff", cohorts["a"], cohorts["few"], "--min-sessions", "3", "--fail-on", "latency.p50>+10%", exit_code=1, stderr=None)


def test_an_unreadable_log_in_a_cohort_is_reported_and_the_rest_compared(cohorts: dict[str, Path], tmp_path: Path) -> None:
    b = tmp_path / "b"
    shutil.copytree(cohorts["a"], b)
    (b / "zz-broken.jsonl").write_bytes(b"\x00\x01 not a log\n")
    r = run_cli("diff", cohorts["a"], b, "--json", exit_code=2, stderr=None)
    d = orjson.loads(r.stdout)
    assert d["b"]["sessions"] == 12 and d["b"]["unreadable"] == [{"file": str(b / "zz-broken.jsonl"), "error": "binary data, not a JSONL event log"}]
    assert r.stderr == f"rtlog: error: {b / 'zz-broken.jsonl'}: binary data, not a JSONL event log\n"


# --- the README's CI step ---------------------------------------------------------------------


def test_the_readme_ci_step_fails_a_slower_run_and_passes_an_unchanged_one(cohorts: dict[str, Path], tmp_path: Path) -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## `rtlog diff`") :]
    line = next(x.strip() for x in section.splitlines() if x.strip().startswith("run: rtlog diff"))
    argv = shlex.split(line.removeprefix("run: "))
    assert argv[:4] == ["rtlog", "diff", "recordings/baseline/", "recordings/run/"]
    rec = tmp_path / "recordings"
    rec.mkdir()
    shutil.copytree(cohorts["a"], rec / "baseline")
    shutil.copytree(cohorts["same"], rec / "run")
    cmd = [sys.executable, "-m", "rtlog", *argv[1:]]
    ok = subprocess.run(cmd, cwd=tmp_path, capture_output=True, timeout=120)
    assert (ok.returncode, ok.stderr) == (0, b"")
    shutil.rmtree(rec / "run")
    shutil.copytree(cohorts["b"], rec / "run")
    bad = subprocess.run(cmd, cwd=tmp_path, capture_output=True, timeout=120)
    assert bad.returncode == 1
    assert bad.stderr.decode().startswith("rtlog: tripped: latency.p90>+20%: median +")


# --- configuration, setting by setting ----------------------------------------------------------


def test_config_diff_names_each_setting_that_changed() -> None:
    from rtlog.conversation.session import SessionConfig
    from rtlog.diff.config import config_diff

    def session(**over: Any) -> SessionConfig:
        s = SessionConfig(index=1, line_no=1)
        s.apply({"model": "gpt-realtime", "output_modalities": ["audio"], "tools": [_W],
                 "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000},
                                     "turn_detection": {"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 200},
                                     "transcription": {"model": "whisper-1"}},
                           "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}}, **over})  # fmt: skip
        return s

    a = session()
    b = session(output_modalities=["text"], tools=[dict(_W, parameters={"type": "object", "required": ["city"]})],
                audio={"input": {"format": {"type": "audio/pcmu"}, "turn_detection": {"type": "semantic_vad", "eagerness": "low"},
                                 "transcription": None},
                       "output": {"format": {"type": "audio/pcmu"}, "voice": "marin"}})  # fmt: skip
    assert [c.as_json() for c in config_diff([a], [b])] == [
        {"field": "modalities", "session": 1, "a": ["audio"], "b": ["text"]},
        {"field": "tools", "session": 1, "a": ["get_weather"], "b": ["get_weather"], "added": [], "removed": [],
         "changed": ["get_weather"], "changed_keys": {"get_weather": ["parameters"]}},
        {"field": "turn_detection", "session": 1, "a": {"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 200},
         "b": {"type": "semantic_vad", "eagerness": "low"}, "added": ["eagerness"],
         "removed": ["silence_duration_ms", "threshold"], "changed": ["type"]},
        {"field": "transcription", "session": 1, "a": {"model": "whisper-1"}, "b": None, "added": [], "removed": ["model"], "changed": []},
        {"field": "formats", "session": 1, "a": {"input": "PCM16 24 kHz", "output": "PCM16 24 kHz"},
         "b": {"input": "G.711 μ-law 8 kHz", "output": "G.711 μ-law 8 kHz"}},
    ]  # fmt: skip
    assert config_diff([a], [session()]) == []
    assert [c.as_json() for c in config_diff([a], [a, session()])] == [
        {"field": "session", "session": 2, "a": None, "b": {"id": None, "model": "gpt-realtime"}}]
